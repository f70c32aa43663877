// Dropout as ONNX: the identity at inference (PyTorch's eval export emits Identity too).
#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDropoutOnnx(LayerSpec s) {
  s.toOnnx = [](OnnxContext& c) {
    c.setOutput(0, c.op1("Identity", {c.input(0)}));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
