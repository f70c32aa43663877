// The Transformer family as Keras layers. tfjs-layers has no MultiHeadAttention, so attention is
// lowered per head to Dense + Dot + Softmax (keras::attention); the encoder and decoder layers
// are that plus Dense feed-forward, Add residuals and LayerNormalization, pre- or post-norm as
// the node says. Masks have no form there (no constant or mask-building layer in tfjs-layers):
// a causal node or a connected padding mask is refused. PositionalEncoding adds its table for a
// fixed length T as keras::affine (BatchNormalization: scale 1, shift the table) on the flattened
// [T * d] features, which computes x + table exactly.
#include <cmath>
#include <string>

#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"
#include "nn/transformer/transformer_family.h"

namespace strata::nn {

namespace {

Status positionalEncodingToTfjs(TfjsContext& c) {
  const Shape& in = c.inputTypes().at(0)->shape;  // [B, T, d]
  const int64_t T = in.at(1), d = in.at(2);
  const int64_t maxLen = c.params().at("max_len").get<int64_t>();
  if (T < 1)
    return Status::error("PositionalEncoding on a sequence of variable length " +
                         shapeToString(in) +
                         " has no TensorFlow.js form (tfjs-layers cannot slice its table to a "
                         "length known only at run time); give the Input a fixed sequence length");
  if (T > maxLen)
    return Status::error("the sequence length " + std::to_string(T) + " exceeds max_len " +
                         std::to_string(maxLen));
  const bool learned = c.params().at("kind").get<std::string>() == "learned";
  const Tensor table = keras::rows(
      learned ? c.param("weight") : transformer_detail::sinusoidTable(maxLen, d), 0, T);
  if (!table.defined()) return Status::error("the learned table 'weight' is missing");
  const Shape flat{T * d};
  const std::string x = c.layer("Reshape", "flat", {{"target_shape", {T * d}}}, {c.input(0)});
  const std::string added = keras::affine(c, x, "table", keras::filled(flat, 1.0f),
                                          table.reshape(flat).clone());
  c.setOutput(0, c.layer("Reshape", "", {{"target_shape", {T, d}}}, {added}));
  return Status::ok();
}

Status refuseMasks(TfjsContext& c, bool causal, const std::vector<size_t>& maskInputs) {
  if (causal)
    return Status::error(
        "a causal attention mask has no TensorFlow.js form (tfjs-layers has no MultiHeadAttention "
        "and no layer that builds a mask); set causal to false, or export to ONNX instead");
  for (size_t i : maskInputs)
    if (!c.input(i).empty())
      return Status::error(
          "a key padding mask has no TensorFlow.js form (tfjs-layers has no MultiHeadAttention "
          "and no masked softmax); leave the mask input unconnected, or export to ONNX instead");
  return Status::ok();
}

Status multiheadAttentionToTfjs(TfjsContext& c) {
  const Json& p = c.params();
  Status s = refuseMasks(c, p.at("causal").get<bool>(), {3});
  if (!s) return s;
  const std::string q = c.input(0);
  const std::string k = c.input(1).empty() ? q : c.input(1);
  const std::string v = c.input(2).empty() ? k : c.input(2);
  std::string weights;
  c.setOutput(0, keras::attention(c, q, k, v, p.at("embed_dim").get<int64_t>(),
                                  p.at("num_heads").get<int64_t>(), "", "",
                                  c.outputUsed(1) ? &weights : nullptr));
  c.setOutput(1, weights);
  return Status::ok();
}

struct Block {
  TfjsContext& c;
  int64_t d, heads;
  std::string activation;
  bool normFirst;
  double eps;

  std::string norm(const std::string& x, int i) {
    const std::string n = "norm" + std::to_string(i);
    return keras::layerNorm(c, x, n, c.param(n + ".weight"), c.param(n + ".bias"), eps);
  }
  std::string attend(const std::string& prefix, const std::string& q, const std::string& kv) {
    return keras::attention(c, q, kv, kv, d, heads, prefix + ".", prefix);
  }
  std::string feedForward(const std::string& x) {
    const std::string h = keras::dense(c, x, "linear1", c.param("linear1.weight"),
                                       c.param("linear1.bias"), activation);
    return keras::dense(c, h, "linear2", c.param("linear2.weight"), c.param("linear2.bias"));
  }
  std::string add(const std::string& a, const std::string& b, const std::string& suffix) {
    return c.layer("Add", suffix, nlohmann::json::object(), {a, b});
  }
};

Block blockOf(TfjsContext& c) {
  const Json& p = c.params();
  return Block{c,
               p.at("d_model").get<int64_t>(),
               p.at("nhead").get<int64_t>(),
               p.at("activation").get<std::string>(),
               p.at("norm_first").get<bool>(),
               p.at("layer_norm_eps").get<double>()};
}

Status encoderToTfjs(TfjsContext& c) {
  Status s = refuseMasks(c, c.params().at("causal").get<bool>(), {1});
  if (!s) return s;
  Block b = blockOf(c);
  std::string x = c.input(0);
  if (b.normFirst) {
    const std::string h = b.norm(x, 1);
    x = b.add(x, b.attend("self_attn", h, h), "add1");
    x = b.add(x, b.feedForward(b.norm(x, 2)), "add2");
  } else {
    x = b.norm(b.add(x, b.attend("self_attn", x, x), "add1"), 1);
    x = b.norm(b.add(x, b.feedForward(x), "add2"), 2);
  }
  c.setOutput(0, x);
  return Status::ok();
}

Status decoderToTfjs(TfjsContext& c) {
  Status s = refuseMasks(c, c.params().at("causal").get<bool>(), {2, 3});
  if (!s) return s;
  Block b = blockOf(c);
  std::string x = c.input(0);
  const std::string memory = c.input(1);
  if (b.normFirst) {
    const std::string h = b.norm(x, 1);
    x = b.add(x, b.attend("self_attn", h, h), "add1");
    x = b.add(x, b.attend("multihead_attn", b.norm(x, 2), memory), "add2");
    x = b.add(x, b.feedForward(b.norm(x, 3)), "add3");
  } else {
    x = b.norm(b.add(x, b.attend("self_attn", x, x), "add1"), 1);
    x = b.norm(b.add(x, b.attend("multihead_attn", x, memory), "add2"), 2);
    x = b.norm(b.add(x, b.feedForward(x), "add3"), 3);
  }
  c.setOutput(0, x);
  return Status::ok();
}

}  // namespace

LayerSpec withTransformerTfjs(LayerSpec s) {
  if (s.type == "PositionalEncoding") s.toTfjs = positionalEncodingToTfjs;
  if (s.type == "MultiheadAttention") s.toTfjs = multiheadAttentionToTfjs;
  if (s.type == "TransformerEncoderLayer") s.toTfjs = encoderToTfjs;
  if (s.type == "TransformerDecoderLayer") s.toTfjs = decoderToTfjs;
  return s;
}

}  // namespace strata::nn
