// Activations as PyTorch: torch.relu/tanh/sigmoid, torch.softmax(dim) and F.gelu (exact or the
// tanh approximation). No submodule: they have no weights.
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withActivationPyTorch(LayerSpec s) {
  const std::string type = s.type;
  s.toPyTorch = [type](PyTorchContext& c) {
    const std::string x = c.input(0);
    std::string expr;
    if (type == "GELU") {
      const bool tanhForm = c.params().value("approximate", std::string("none")) == "tanh";
      expr = "F.gelu(" + x + (tanhForm ? ", approximate='tanh')" : ")");
    } else if (type == "Softmax") {
      expr = "torch.softmax(" + x + ", dim=" + py::integer(c.params().at("dim").get<int64_t>()) +
             ")";
    } else if (type == "ReLU" || type == "Tanh" || type == "Sigmoid") {
      std::string fn = type == "ReLU" ? "relu" : type == "Tanh" ? "tanh" : "sigmoid";
      expr = "torch." + fn + "(" + x + ")";
    } else {
      return Status::error("no PyTorch mapping for " + type);
    }
    c.assignOutput(expr);
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
