// Weight conversions (PyTorch layout -> Keras layout) and the layer groups several families'
// TensorFlow.js mappings share: Dense, LayerNormalization, activations and multi-head attention
// lowered to Dense + Dot + Softmax per head.
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "io/tfjs/tfjs_context.h"

namespace strata::keras {

using Json = nlohmann::json;

// Each conversion passes an undefined tensor through (a bias left out, or a weight the model
// lacks, which TfjsContext::layer then reports by name).
Tensor transposed(const Tensor& w) {
  if (!w.defined()) return w;
  if (w.shape().size() != 2) throw std::invalid_argument("transposed: not a matrix");
  const int64_t r = w.shape()[0], c = w.shape()[1];
  Tensor t = Tensor::empty({c, r});
  const float* src = w.f32();
  float* dst = t.f32();
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) dst[j * r + i] = src[i * c + j];
  return t;
}

Tensor rows(const Tensor& t, int64_t start, int64_t end) {
  if (!t.defined()) return t;
  Shape s = t.shape();
  if (s.empty() || start < 0 || end > s[0] || start > end)
    throw std::invalid_argument("rows: out of range");
  const int64_t row = s[0] > 0 ? t.numel() / s[0] : 0;
  s[0] = end - start;
  Tensor r = Tensor::empty(s);
  if (r.numel() > 0)
    std::memcpy(r.f32(), t.f32() + start * row, static_cast<size_t>(r.numel()) * sizeof(float));
  return r;
}

Tensor sum(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) return Tensor();
  if (a.shape() != b.shape()) throw std::invalid_argument("sum: shapes differ");
  Tensor r = Tensor::empty(a.shape());
  for (int64_t i = 0; i < a.numel(); ++i) r.f32()[i] = a.f32()[i] + b.f32()[i];
  return r;
}

Tensor scaled(const Tensor& t, float s) {
  if (!t.defined()) return t;
  Tensor r = Tensor::empty(t.shape());
  for (int64_t i = 0; i < t.numel(); ++i) r.f32()[i] = t.f32()[i] * s;
  return r;
}

Tensor gatesReordered(const Tensor& t, const std::vector<int>& perm) {
  if (!t.defined()) return t;
  const int64_t g = static_cast<int64_t>(perm.size());
  if (t.shape().empty() || t.shape()[0] % g != 0)
    throw std::invalid_argument("gatesReordered: rows are not a multiple of the gates");
  Tensor r = Tensor::empty(t.shape());
  const int64_t blockElems = t.numel() / g;
  for (int64_t i = 0; i < g; ++i)
    if (blockElems > 0)
      std::memcpy(r.f32() + i * blockElems, t.f32() + perm[static_cast<size_t>(i)] * blockElems,
                  static_cast<size_t>(blockElems) * sizeof(float));
  return r;
}

Tensor filled(const Shape& shape, float v) { return Tensor::full(shape, v); }

namespace {
// "<suffix>_<part>", or just part under an empty suffix.
std::string joined(const std::string& suffix, const std::string& part) {
  return suffix.empty() ? part : suffix + "_" + part;
}
}  // namespace

Json dim(int64_t d) { return d >= 0 ? Json(d) : Json(nullptr); }

std::string dense(TfjsContext& c, const std::string& x, const std::string& suffix,
                  const Tensor& weight, const Tensor& bias, const std::string& activation) {
  std::vector<KerasWeight> w{{"kernel", transposed(weight)}};
  if (bias.defined()) w.push_back({"bias", bias});
  return c.layer("Dense", suffix,
                 {{"units", weight.defined() ? weight.shape().at(0) : 0},
                  {"activation", activation},
                  {"use_bias", bias.defined()},
                  {"kernel_initializer",
                   {{"class_name", "GlorotUniform"}, {"config", Json::object()}}},
                  {"bias_initializer", {{"class_name", "Zeros"}, {"config", Json::object()}}}},
                 {x}, std::move(w));
}

std::string layerNorm(TfjsContext& c, const std::string& x, const std::string& suffix,
                      const Tensor& gamma, const Tensor& beta, double eps) {
  return c.layer("LayerNormalization", suffix,
                 {{"axis", -1}, {"epsilon", eps}, {"center", true}, {"scale", true}}, {x},
                 {{"gamma", gamma}, {"beta", beta}});
}

std::string affine(TfjsContext& c, const std::string& x, const std::string& suffix,
                   const Tensor& scale, const Tensor& shift) {
  constexpr double kEps = 1.0 / (1 << 20);  // 1 - kEps is exact in float32
  const Shape s = scale.shape();
  return c.layer("BatchNormalization", suffix,
                 {{"axis", -1}, {"momentum", 0.99}, {"epsilon", kEps}, {"center", true},
                  {"scale", true}},
                 {x},
                 {{"gamma", scale},
                  {"beta", shift},
                  {"moving_mean", filled(s, 0.0f)},
                  {"moving_variance", filled(s, static_cast<float>(1.0 - kEps))}});
}

std::string activation(TfjsContext& c, const std::string& x, const std::string& suffix,
                       const std::string& name) {
  return c.layer("Activation", suffix, {{"activation", name}}, {x});
}

std::string attention(TfjsContext& c, const std::string& q, const std::string& kv,
                      const std::string& value, int64_t E, int64_t heads,
                      const std::string& prefix, const std::string& suffix,
                      std::string* weightsOut) {
  const Tensor w = c.param(prefix + "in_proj_weight");  // [3E, E]
  const Tensor b = c.param(prefix + "in_proj_bias");    // [3E] or undefined
  const int64_t d = E / heads;
  // PyTorch scales q by 1/sqrt(d) after its projection; folded into q's Dense it is the same
  // product up to one rounding (exact when d is a power of 4).
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  auto slice = [&](const Tensor& t, int64_t part, int64_t h) {
    return rows(t, part * E + h * d, part * E + (h + 1) * d);
  };
  std::vector<std::string> outs, probs;
  for (int64_t h = 0; h < heads; ++h) {
    const std::string tag = joined(suffix, "h" + std::to_string(h));
    const std::string qh = dense(c, q, tag + "_q", scaled(slice(w, 0, h), scale),
                                 b.defined() ? scaled(slice(b, 0, h), scale) : Tensor());
    const std::string kh =
        dense(c, kv, tag + "_k", slice(w, 1, h), b.defined() ? slice(b, 1, h) : Tensor());
    const std::string vh =
        dense(c, value, tag + "_v", slice(w, 2, h), b.defined() ? slice(b, 2, h) : Tensor());
    // [B, T, d] . [B, S, d] over d -> [B, T, S]
    const std::string scores =
        c.layer("Dot", tag + "_scores", {{"axes", {2, 2}}, {"normalize", false}}, {qh, kh});
    const std::string p = c.layer("Softmax", tag + "_probs", {{"axis", -1}}, {scores});
    // [B, T, S] . [B, S, d] -> [B, T, d]
    outs.push_back(
        c.layer("Dot", tag + "_out", {{"axes", {2, 1}}, {"normalize", false}}, {p, vh}));
    probs.push_back(p);
  }
  const std::string merged =
      heads == 1 ? outs[0]
                 : c.layer("Concatenate", joined(suffix, "heads"), {{"axis", -1}}, outs);
  if (weightsOut)
    *weightsOut = heads == 1 ? probs[0]
                             : c.layer("Average", joined(suffix, "weights"), Json::object(), probs);
  return dense(c, merged, joined(suffix, "out"), c.param(prefix + "out_proj.weight"),
               c.param(prefix + "out_proj.bias"));
}

}  // namespace strata::keras
