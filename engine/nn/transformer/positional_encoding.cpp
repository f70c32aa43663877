// PositionalEncoding: adds a position-dependent vector to every time step, sinusoidal (fixed, as
// in "Attention is all you need") or learned (a [max_len, d] parameter, like GPT-2's wpe).
#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/spec_helpers.h"
#include "nn/transformer/transformer_family.h"
#include "ops/ops.h"

namespace strata::nn {

namespace transformer_detail {

// pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(pos / 10000^(2i/d)), computed in
// double and rounded once to float32 (odd d: the last column is a sine).
Tensor sinusoidTable(int64_t maxLen, int64_t d) {
  Tensor t = Tensor::empty({maxLen, d});
  float* p = t.f32();
  for (int64_t pos = 0; pos < maxLen; ++pos) {
    for (int64_t j = 0; j < d; ++j) {
      const int64_t i2 = j - (j % 2);  // 2i
      const double angle =
          static_cast<double>(pos) *
          std::exp(-std::log(10000.0) * static_cast<double>(i2) / static_cast<double>(d));
      p[pos * d + j] = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return t;
}

}  // namespace transformer_detail

namespace {

using transformer_detail::sinusoidTable;

class PositionalEncodingModule final : public Module {
 public:
  PositionalEncodingModule(bool learned, int64_t maxLen, int64_t d)
      : m_learned(learned), m_maxLen(maxLen) {
    m_table = learned ? addParameter("weight", {maxLen, d}) : sinusoidTable(maxLen, d);
  }
  // x: [B, T, d] -> x + pe[:T]   (T <= max_len)
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    const Tensor& x = inputs.at(0);
    if (x.ndim() != 3 || x.size(2) != m_table.size(1))
      throw std::invalid_argument("PositionalEncoding expects [B, T, " +
                                  std::to_string(m_table.size(1)) + "], got " + describe(x));
    const int64_t t = x.size(1);
    if (t > m_maxLen)
      throw std::invalid_argument("sequence length " + std::to_string(t) +
                                  " is longer than max_len " + std::to_string(m_maxLen) +
                                  " of PositionalEncoding");
    Tensor pe = t == m_maxLen ? m_table : ops::slice(m_table, 0, 0, t);
    return {ops::add(x, pe)};
  }
  // Learned: N(0, 0.02^2), the GPT-2/BERT convention for position embeddings.
  void resetParameters(Rng& rng) override {
    if (!m_learned) return;
    float* p = m_table.f32();
    for (int64_t i = 0; i < m_table.numel(); ++i) p[i] = 0.02f * rng.normal();
  }

 private:
  bool m_learned;
  int64_t m_maxLen;
  Tensor m_table;  // [max_len, d]: the parameter `weight` (learned) or the fixed sinusoids
};

Result<ShapeResult> inferPositionalEncoding(const ShapeContext& ctx) {
  using R = Result<ShapeResult>;
  const auto& in = ctx.inputs.at(0);
  std::string err = transformer_detail::checkSequence(in, "in");
  if (!err.empty()) return R::error(err);
  const int64_t d = in->shape[2], t = in->shape[1];
  const int64_t maxLen = ctx.params.at("max_len").get<int64_t>();
  if (d < 0)
    return R::error("the feature size of " + shapeToString(in->shape) +
                    " is variable; PositionalEncoding needs it fixed");
  if (t > maxLen)
    return R::error("sequence length " + std::to_string(t) + " is longer than max_len " +
                    std::to_string(maxLen));
  // The sinusoidal table is a buffer, not a parameter, so analyze()'s size limit does not see it.
  if (maxLen > kMaxTensorElements / std::max<int64_t>(d, 1))
    return R::error("the position table [max_len, d] = [" + std::to_string(maxLen) + ", " +
                    std::to_string(d) + "] would hold more than " +
                    std::to_string(kMaxTensorElements) + " elements; lower max_len");
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {*in};
  if (ctx.params.at("kind").get<std::string>() == "learned")
    r.parameters.push_back({"weight", {maxLen, d}});
  r.flops = perSample(in->shape);
  return r;
}

}  // namespace

namespace transformer_detail {

LayerSpec positionalEncodingSpec() {
  LayerSpec s;
  s.type = "PositionalEncoding";
  s.category = "Attention";
  s.summary = "Adds position information to a sequence: fixed sinusoids or a learned table.";
  s.doc =
      "Attention treats its input as a set: shuffle the positions and each output just moves "
      "along. PositionalEncoding gives every time step a signature by adding a vector that "
      "depends on the position t to x[:, t, :]. kind sinusoidal uses the fixed waves of "
      "\"Attention is all you need\" (sin on even features, cos on odd ones, wavelengths from "
      "2*pi to 10000*2*pi) and has no parameters; kind learned trains a [max_len, d] table "
      "(parameter `weight`, initialised N(0, 0.02^2)) and row t is added at position t. The "
      "shape stays [B, T, d]; sequences longer than max_len are an error. Put it right after "
      "the Embedding (or input Linear) and before the first Transformer layer.";
  s.params = {choiceParam("kind", {"sinusoidal", "learned"}, "sinusoidal",
                          "fixed sinusoids or a learned table"),
              intParam("max_len", 512, 1, "longest sequence supported")};
  s.inputs = {port("in", ValueKind::Float, "[B, T, d]")};
  s.outputs = {port("out", ValueKind::Float, "[B, T, d]")};
  s.infer = inferPositionalEncoding;
  s.create = [](const Json& p, const ShapeResult&,
                const std::vector<std::optional<TensorType>>& inputs) {
    return std::make_unique<PositionalEncodingModule>(p.at("kind").get<std::string>() == "learned",
                                                      p.at("max_len").get<int64_t>(),
                                                      inputs.at(0)->shape.at(2));
  };
  return s;
}

}  // namespace transformer_detail

}  // namespace strata::nn
