// LayerNorm as PyTorch: nn.LayerNorm(normalized_shape, eps) over the last dimension.
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withNormalizationPyTorch(LayerSpec s) {
  s.toPyTorch = [](PyTorchContext& c) {
    const Json& p = c.params();
    const std::string m =
        c.module("nn.LayerNorm(" + py::integer(p.at("normalized_shape").get<int64_t>()) +
                 ", eps=" + py::number(p.at("eps").get<double>()) + ")");
    c.assignOutput(m + "(" + c.input(0) + ")");
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
