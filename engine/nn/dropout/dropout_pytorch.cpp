// Dropout as PyTorch: F.dropout(x, p, self.training), identity under model.eval().
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDropoutPyTorch(LayerSpec s) {
  s.toPyTorch = [](PyTorchContext& c) {
    const std::string y = c.var(c.nodeId());
    const std::string p = py::number(c.params().at("p").get<double>());
    c.line(y + " = F.dropout(" + c.input(0) + ", p=" + p + ", training=self.training)");
    c.setOutput(0, y);
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
