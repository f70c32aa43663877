// Activations as ONNX: Relu, Tanh, Sigmoid, Softmax(axis); GELU as its Erf (or tanh) formula,
// since opset 17 has no Gelu.
#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withActivationOnnx(LayerSpec s) {
  const std::string type = s.type;
  s.toOnnx = [type](OnnxContext& c) {
    const std::string x = c.input(0);
    if (type == "GELU") {
      const bool tanhForm = c.params().value("approximate", std::string("none")) == "tanh";
      c.setOutput(0, onnx_ops::gelu(c, x, tanhForm));
    } else if (type == "Softmax") {
      c.setOutput(0, c.op1("Softmax", {x}, {{"axis", c.params().at("dim").get<int64_t>()}}));
    } else if (type == "ReLU") {
      c.setOutput(0, c.op1("Relu", {x}));
    } else if (type == "Tanh" || type == "Sigmoid") {
      c.setOutput(0, c.op1(type, {x}));
    } else {
      return Status::error("no ONNX mapping for " + type);
    }
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
