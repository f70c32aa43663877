// Losses as PyTorch, for the model's loss(prediction, target): F.mse_loss (mean) and
// F.cross_entropy over the last dimension, with [B, T, C] logits and [B, T] targets flattened to
// [B*T, C] and [B*T] as Strata does (PyTorch itself wants the classes in dim 1).
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withLossPyTorch(LayerSpec s) {
  const std::string type = s.type;
  s.toPyTorch = [type](PyTorchContext& c) {
    const std::string x = c.input(0), t = c.input(1);
    std::string expr;
    if (type == "MSELoss") {
      expr = "F.mse_loss(" + x + ", " + t + ")";
    } else if (type == "CrossEntropyLoss") {
      expr = "F.cross_entropy(" + x + ".reshape(-1, " + x + ".shape[-1]), " + t +
             ".reshape(-1), ignore_index=" +
             py::integer(c.params().at("ignore_index").get<int64_t>()) + ")";
    } else {
      return Status::error("no PyTorch mapping for " + type);
    }
    c.assignOutput(expr);
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
