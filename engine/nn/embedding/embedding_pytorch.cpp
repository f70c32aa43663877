// Embedding as PyTorch: nn.Embedding(num_embeddings, embedding_dim).
#include "io/pytorch/pytorch_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withEmbeddingPyTorch(LayerSpec s) {
  s.toPyTorch = [](PyTorchContext& c) {
    const Json& p = c.params();
    const std::string m =
        c.module("nn.Embedding(" + py::integer(p.at("num_embeddings").get<int64_t>()) + ", " +
                 py::integer(p.at("embedding_dim").get<int64_t>()) + ")");
    c.assignOutput(m + "(" + c.input(0) + ")");
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
