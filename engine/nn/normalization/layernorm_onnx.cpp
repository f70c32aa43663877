// LayerNorm as ONNX: LayerNormalization (opset 17) over the last axis.
#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withNormalizationOnnx(LayerSpec s) {
  s.toOnnx = [](OnnxContext& c) {
    const float eps = static_cast<float>(c.params().at("eps").get<double>());
    c.setOutput(0, onnx_ops::layerNorm(c, c.input(0), c.weight("weight"), c.weight("bias"), eps));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
