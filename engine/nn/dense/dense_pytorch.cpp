// Linear as PyTorch: nn.Linear(in_features, out_features, bias).
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDensePyTorch(LayerSpec s) {
  s.toPyTorch = [](PyTorchContext& c) {
    const Json& p = c.params();
    const std::string m =
        c.module("nn.Linear(" + py::integer(p.at("in_features").get<int64_t>()) + ", " +
                 py::integer(p.at("out_features").get<int64_t>()) +
                 ", bias=" + py::boolean(p.at("bias").get<bool>()) + ")");
    c.assignOutput(m + "(" + c.input(0) + ")");
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
