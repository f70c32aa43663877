// MultiheadAttention: PyTorch's nn.MultiheadAttention(batch_first=True) as a graph layer.
#include <cmath>
#include <string>

#include "nn/spec_helpers.h"
#include "nn/transformer/attention.h"
#include "nn/transformer/layer_weights.h"
#include "nn/transformer/transformer_family.h"

namespace strata::nn {

namespace {

Tensor inputAt(const std::vector<Tensor>& inputs, size_t i) {
  return i < inputs.size() ? inputs[i] : Tensor();
}

class MultiheadAttentionModule final : public Module, public AttentionCapture {
 public:
  MultiheadAttentionModule(int64_t embedDim, int64_t heads, float dropout, bool bias,
                           bool causal) {
    m_params = addAttentionParams(
        [this](const std::string& n, const Shape& s) { return addParameter(n, s); }, "", embedDim,
        bias);
    m_options.numHeads = heads;
    m_options.dropout = dropout;
    m_options.causal = causal;
    m_options.needWeights = true;
  }
  // query: [B, T, E], key/value: [B, S, E] (default: query), key_padding_mask: [B, S]
  //   -> out: [B, T, E], weights: [B, T, S] (averaged over heads)
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& ctx) override {
    const Tensor query = inputAt(inputs, 0);
    const Tensor key = inputAt(inputs, 1).defined() ? inputAt(inputs, 1) : query;
    const Tensor value = inputAt(inputs, 2).defined() ? inputAt(inputs, 2) : key;
    AttentionOptions o = m_options;
    o.capture = ctx.captureAttention;
    AttentionResult r =
        multiheadAttention(query, key, value, inputAt(inputs, 3), m_params, o, ctx);
    m_maps.clear();
    if (o.capture) m_maps.push_back({"", r.probs});
    return {r.out, r.weights};
  }
  void resetParameters(Rng& rng) override { initAttention(m_params, rng); }
  std::vector<NamedTensor> attentionMaps() const override { return m_maps; }

 private:
  AttentionParams m_params;
  AttentionOptions m_options;
  std::vector<NamedTensor> m_maps;
};

Result<ShapeResult> inferMultiheadAttention(const ShapeContext& ctx) {
  using namespace transformer_detail;
  using R = Result<ShapeResult>;
  const auto& q = ctx.inputs.at(0);
  const auto& k = ctx.inputs.at(1);
  const auto& v = ctx.inputs.at(2);
  const auto& mask = ctx.inputs.at(3);
  std::string err = checkSequence(q, "query");
  if (err.empty() && k) err = checkSequence(k, "key");
  if (err.empty() && v) err = checkSequence(v, "value");
  if (err.empty() && v && !k)
    err =
        "input 'value' is connected but 'key' is not: connect both, or neither for "
        "self-attention";
  if (!err.empty()) return R::error(err);
  const TensorType& kt = k ? *k : *q;
  const TensorType& vt = v ? *v : kt;
  ShapeResult r;
  r.params = ctx.params;
  err = resolveFeatureSize(r.params, "embed_dim", *q, "query");
  const int64_t e = err.empty() ? r.params["embed_dim"].get<int64_t>() : 0;
  const int64_t heads = ctx.params.at("num_heads").get<int64_t>();
  if (err.empty()) err = checkHeads(e, heads, "embed_dim", "num_heads");
  if (err.empty() && k) err = checkFeatures(kt, "key", e, "embed_dim");
  if (err.empty() && v) err = checkFeatures(vt, "value", e, "embed_dim");
  if (err.empty() && kt.shape[1] >= 0 && vt.shape[1] >= 0 && kt.shape[1] != vt.shape[1])
    err = "key " + shapeToString(kt.shape) + " and value " + shapeToString(vt.shape) +
          " must have the same length";
  if (err.empty()) err = checkPaddingMask(mask, "key_padding_mask", kt, k ? "key" : "query");
  if (!err.empty()) return R::error(err);
  const Shape& qs = q->shape;
  r.outputs = {TensorType{ValueKind::Float, {qs[0], qs[1], e}},
               TensorType{ValueKind::Float, {qs[0], qs[1], kt.shape[1]}}};
  const bool bias = ctx.params.at("bias").get<bool>();
  r.parameters.push_back({"in_proj_weight", {3 * e, e}});
  if (bias) r.parameters.push_back({"in_proj_bias", {3 * e}});
  r.parameters.push_back({"out_proj.weight", {e, e}});
  if (bias) r.parameters.push_back({"out_proj.bias", {e}});
  r.flops = attentionFlops(orOne(qs[1]), orOne(kt.shape[1]), e);
  return r;
}

}  // namespace

namespace transformer_detail {

LayerSpec multiheadAttentionSpec() {
  LayerSpec s;
  s.type = "MultiheadAttention";
  s.category = "Attention";
  s.summary = "Multi-head scaled dot-product attention (PyTorch nn.MultiheadAttention).";
  s.doc =
      "MultiheadAttention lets every query position look at all key positions and take a "
      "weighted average of their values. The inputs are projected to queries, keys and values, "
      "split into num_heads heads of size embed_dim / num_heads; each head scores a query "
      "against every key with a scaled dot product, turns the scores into probabilities with a "
      "softmax, and mixes the values with them; the heads are concatenated and projected back. "
      "Leave key and value unconnected for self-attention (they default to query), or connect "
      "another sequence [B, S, E] for cross-attention. causal hides later keys from each query "
      "(query t sees keys 0..t), as a language model needs; key_padding_mask ([B, S], nonzero "
      "= padding, for float and int64 masks alike, like PyTorch's bool masks) hides padded keys. Masked keys get probability exactly 0; a query with every "
      "key masked is an error (PyTorch would produce NaN). out is [B, T, E]; weights [B, T, S] "
      "are the probabilities averaged over heads, handy for seeing what attends to what.";
  s.params = {inferredIntParam("embed_dim", 1, "model width E (inferred from query)"),
              intParam("num_heads", nullptr, 1, "number of parallel heads; must divide embed_dim"),
              floatParam("dropout", 0.0, 0.0, 0.999,
                         "dropout on the attention probabilities "
                         "while training"),
              boolParam("bias", true, "learn biases in the input and output projections"),
              boolParam("causal", false, "query t may only attend to keys 0..t")};
  PortSpec key = port("key", ValueKind::Float, "[B, S, E]; defaults to query");
  key.optional = true;
  PortSpec value = port("value", ValueKind::Float, "[B, S, E]; defaults to key");
  value.optional = true;
  PortSpec mask = port("key_padding_mask", ValueKind::Any,
                       "[B, S] float32 or int64, nonzero = ignore that key");
  mask.optional = true;
  s.inputs = {port("query", ValueKind::Float, "[B, T, E]"), key, value, mask};
  s.outputs = {port("out", ValueKind::Float, "[B, T, E]"),
               port("weights", ValueKind::Float, "[B, T, S], averaged over heads")};
  s.infer = inferMultiheadAttention;
  s.create = [](const Json& p, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<MultiheadAttentionModule>(
        p.at("embed_dim").get<int64_t>(), p.at("num_heads").get<int64_t>(),
        static_cast<float>(p.at("dropout").get<double>()), p.at("bias").get<bool>(),
        p.at("causal").get<bool>());
  };
  return s;
}

}  // namespace transformer_detail

}  // namespace strata::nn
