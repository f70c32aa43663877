// Embedding: a learned lookup table from token ids to vectors, PyTorch's nn.Embedding.
#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

class EmbeddingModule final : public Module {
 public:
  EmbeddingModule(int64_t num, int64_t dim) { m_weight = addParameter("weight", {num, dim}); }
  // ids: int64 [B, ...] -> [B, ..., dim]
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    return {ops::embedding(inputs.at(0), m_weight)};
  }
  // PyTorch: normal_(0, 1).
  void resetParameters(Rng& rng) override {
    float* p = m_weight.f32();
    for (int64_t i = 0; i < m_weight.numel(); ++i) p[i] = rng.normal();
  }

 private:
  Tensor m_weight;
};

Result<ShapeResult> inferEmbedding(const ShapeContext& ctx) {
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "in", 1, "int64 token ids [B, ...]");
  if (!err.empty()) return Result<ShapeResult>::error(err);
  if (in->kind != ValueKind::Int64)
    return Result<ShapeResult>::error("input must be int64 token ids, got " + typeToString(*in));
  int64_t num = ctx.params.at("num_embeddings").get<int64_t>();
  int64_t dim = ctx.params.at("embedding_dim").get<int64_t>();
  ShapeResult r;
  r.params = ctx.params;
  Shape out = in->shape;
  out.push_back(dim);
  r.outputs = {TensorType{ValueKind::Float, out}};
  r.parameters = {{"weight", {num, dim}}};
  return r;
}

}  // namespace

LayerSpec withEmbeddingOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withEmbeddingPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withEmbeddingTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerEmbeddingLayers(LayerRegistry& r) {
  LayerSpec s;
  s.type = "Embedding";
  s.category = "Dense";
  s.summary = "Looks up a learned vector for each token id.";
  s.doc =
      "Embedding turns token ids (whole numbers such as character or word indices) into "
      "vectors the rest of the network can work with. It holds a table of num_embeddings rows, "
      "each a learned vector of embedding_dim numbers, and replaces every id by its row: int64 "
      "[B, T] becomes float32 [B, T, embedding_dim]. Ids must lie in [0, num_embeddings). Use it "
      "as the first layer of any model that reads text or other symbols; it is equivalent to a "
      "one-hot encoding followed by a Linear without bias, but far cheaper.";
  s.params = {intParam("num_embeddings", nullptr, 1, "size of the vocabulary (ids 0..n-1)"),
              intParam("embedding_dim", nullptr, 1, "size of each embedding vector")};
  s.inputs = {port("in", ValueKind::Int64, "int64 token ids [B, ...]")};
  s.outputs = {port("out", ValueKind::Float, "[B, ..., embedding_dim]")};
  s.infer = inferEmbedding;
  s.create = [](const Json& p, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<EmbeddingModule>(p.at("num_embeddings").get<int64_t>(),
                                             p.at("embedding_dim").get<int64_t>());
  };
  r.add(withEmbeddingTfjs(withEmbeddingPyTorch(withEmbeddingOnnx(std::move(s)))));
}

}  // namespace strata::nn
