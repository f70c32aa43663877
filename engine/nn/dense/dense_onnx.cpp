// Linear as ONNX: Gemm for [B, in] inputs, MatMul + Add for [B, ..., in].
#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDenseOnnx(LayerSpec s) {
  s.toOnnx = [](OnnxContext& c) {
    const int rank = static_cast<int>(c.inputTypes().at(0)->shape.size());
    c.setOutput(0, onnx_ops::linear(c, c.input(0), rank, c.weight("weight"), c.weight("bias")));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
