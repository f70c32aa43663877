// Dropout as PyTorch: F.dropout(x, p, self.training), identity under model.eval().
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDropoutPyTorch(LayerSpec s) {
  s.toPyTorch = [](PyTorchContext& c) {
    const std::string p = py::number(c.params().at("p").get<double>());
    c.assignOutput("F.dropout(" + c.input(0) + ", p=" + p + ", training=self.training)");
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
