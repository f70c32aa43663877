// The Transformer family as ONNX, decomposed as PyTorch's exporter does: MatMul/Add projections,
// Reshape/Transpose into heads, Softmax with Where-masks, LayerNormalization, Relu or the Erf GELU.
// PositionalEncoding: the table (a constant, or the learned weight) sliced to T and added.
#include <cmath>
#include <string>

#include "io/onnx/onnx_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

namespace {

// The same table as PositionalEncodingModule (computed in double, rounded once).
Tensor sinusoids(int64_t maxLen, int64_t d) {
  Tensor t = Tensor::empty({maxLen, d});
  float* p = t.f32();
  for (int64_t pos = 0; pos < maxLen; ++pos) {
    for (int64_t j = 0; j < d; ++j) {
      const int64_t i2 = j - (j % 2);
      const double angle =
          static_cast<double>(pos) *
          std::exp(-std::log(10000.0) * static_cast<double>(i2) / static_cast<double>(d));
      p[pos * d + j] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return t;
}

Status positionalEncodingToOnnx(OnnxContext& c) {
  const std::string x = c.input(0);  // [B, T, d]
  const int64_t d = c.inputTypes().at(0)->shape.at(2);
  const int64_t maxLen = c.params().at("max_len").get<int64_t>();
  const std::string table = c.params().at("kind").get<std::string>() == "learned"
                                ? c.weight("weight")
                                : c.constant("pe", sinusoids(maxLen, d));
  std::string t = c.op1("Shape", {x}, {{"start", int64_t{1}}, {"end", int64_t{2}}});
  std::string pe = c.op1("Slice", {table, c.ints("zero", {0}), t, c.ints("axis0", {0})});
  c.setOutput(0, c.op1("Add", {x, pe}));
  return Status::ok();
}

Status multiheadAttentionToOnnx(OnnxContext& c) {
  const std::string q = c.input(0);
  const std::string k = c.input(1).empty() ? q : c.input(1);
  const std::string v = c.input(2).empty() ? k : c.input(2);
  std::string weights;
  const Json& p = c.params();
  c.setOutput(0, onnx_ops::attention(c, q, k, v, c.input(3), p.at("embed_dim").get<int64_t>(),
                                     p.at("num_heads").get<int64_t>(), p.at("causal").get<bool>(),
                                     "", &weights));
  c.setOutput(1, weights);
  return Status::ok();
}

struct Block {
  OnnxContext& c;
  int64_t d, heads;
  bool gelu, normFirst, causal;
  float eps;

  std::string norm(const std::string& x, int i) {
    std::string n = "norm" + std::to_string(i) + ".";
    return onnx_ops::layerNorm(c, x, c.weight(n + "weight"), c.weight(n + "bias"), eps);
  }
  std::string attend(const std::string& prefix, const std::string& q, const std::string& kv,
                     const std::string& mask, bool causalMask) {
    return onnx_ops::attention(c, q, kv, kv, mask, d, heads, causalMask, prefix);
  }
  std::string feedForward(const std::string& x) {
    std::string h = onnx_ops::linear(c, x, 3, c.weight("linear1.weight"), c.weight("linear1.bias"));
    h = gelu ? onnx_ops::gelu(c, h, false) : c.op1("Relu", {h});
    return onnx_ops::linear(c, h, 3, c.weight("linear2.weight"), c.weight("linear2.bias"));
  }
  std::string add(const std::string& a, const std::string& b) { return c.op1("Add", {a, b}); }
};

Block blockOf(OnnxContext& c) {
  const Json& p = c.params();
  return Block{c,
               p.at("d_model").get<int64_t>(),
               p.at("nhead").get<int64_t>(),
               p.at("activation").get<std::string>() == "gelu",
               p.at("norm_first").get<bool>(),
               p.at("causal").get<bool>(),
               static_cast<float>(p.at("layer_norm_eps").get<double>())};
}

Status encoderToOnnx(OnnxContext& c) {
  Block b = blockOf(c);
  std::string x = c.input(0);
  const std::string mask = c.input(1);
  if (b.normFirst) {
    std::string h = b.norm(x, 1);
    x = b.add(x, b.attend("self_attn.", h, h, mask, b.causal));
    x = b.add(x, b.feedForward(b.norm(x, 2)));
  } else {
    x = b.norm(b.add(x, b.attend("self_attn.", x, x, mask, b.causal)), 1);
    x = b.norm(b.add(x, b.feedForward(x)), 2);
  }
  c.setOutput(0, x);
  return Status::ok();
}

Status decoderToOnnx(OnnxContext& c) {
  Block b = blockOf(c);
  std::string x = c.input(0);
  const std::string memory = c.input(1), tgtMask = c.input(2), memMask = c.input(3);
  if (b.normFirst) {
    std::string h = b.norm(x, 1);
    x = b.add(x, b.attend("self_attn.", h, h, tgtMask, b.causal));
    x = b.add(x, b.attend("multihead_attn.", b.norm(x, 2), memory, memMask, false));
    x = b.add(x, b.feedForward(b.norm(x, 3)));
  } else {
    x = b.norm(b.add(x, b.attend("self_attn.", x, x, tgtMask, b.causal)), 1);
    x = b.norm(b.add(x, b.attend("multihead_attn.", x, memory, memMask, false)), 2);
    x = b.norm(b.add(x, b.feedForward(x)), 3);
  }
  c.setOutput(0, x);
  return Status::ok();
}

}  // namespace

LayerSpec withTransformerOnnx(LayerSpec s) {
  if (s.type == "PositionalEncoding") s.toOnnx = positionalEncodingToOnnx;
  if (s.type == "MultiheadAttention") s.toOnnx = multiheadAttentionToOnnx;
  if (s.type == "TransformerEncoderLayer") s.toOnnx = encoderToOnnx;
  if (s.type == "TransformerDecoderLayer") s.toOnnx = decoderToOnnx;
  return s;
}

}  // namespace strata::nn
