// Embedding as Keras: Embedding(input_dim, output_dim) whose `embeddings` is PyTorch's weight
// unchanged; the token input is int32 in tfjs.
#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withEmbeddingTfjs(LayerSpec s) {
  s.toTfjs = [](TfjsContext& c) {
    const Json& p = c.params();
    c.setOutput(0, c.layer("Embedding", "",
                           {{"input_dim", p.at("num_embeddings").get<int64_t>()},
                            {"output_dim", p.at("embedding_dim").get<int64_t>()},
                            {"mask_zero", false},
                            {"embeddings_initializer",
                             {{"class_name", "RandomUniform"},
                              {"config", {{"minval", -0.05}, {"maxval", 0.05}}}}}},
                           {c.input(0)}, {{"embeddings", c.param("weight")}}));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
