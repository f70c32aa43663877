// Embedding as ONNX: Gather of the weight rows by the token ids.
#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withEmbeddingOnnx(LayerSpec s) {
  s.toOnnx = [](OnnxContext& c) {
    c.setOutput(0, c.op1("Gather", {c.weight("weight"), c.input(0)}, {{"axis", int64_t{0}}}));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
