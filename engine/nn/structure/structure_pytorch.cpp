// Add, Concat and SequencePool as PyTorch: `a + b` (broadcasting covers Strata's trailing-shape
// rule), torch.cat(dim) and, over time (dim 1 of batch-first [B, T, C]), x[:, -1] / mean / amax.
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withStructurePyTorch(LayerSpec s) {
  const std::string type = s.type;
  s.toPyTorch = [type](PyTorchContext& c) {
    std::string expr;
    if (type == "Add") {
      expr = c.input(0) + " + " + c.input(1);
    } else if (type == "Concat") {
      std::string list;
      for (size_t i = 0; i < c.inputTypes().size(); ++i)
        list += (i ? ", " : "") + c.input(i);
      expr = "torch.cat([" + list + "], dim=" +
             py::integer(c.params().at("dim").get<int64_t>()) + ")";
    } else if (type == "SequencePool") {
      const std::string mode = c.params().at("mode").get<std::string>();
      const std::string x = c.input(0);  // [B, T, C] -> [B, C]
      expr = mode == "last"   ? x + "[:, -1]"
             : mode == "mean" ? x + ".mean(dim=1)"
                              : x + ".amax(dim=1)";
    } else {
      return Status::error("no PyTorch mapping for " + type);
    }
    c.assignOutput(expr);
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
