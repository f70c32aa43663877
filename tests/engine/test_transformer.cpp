// The Transformer family on its own (no PyTorch): central-difference gradient checks of the
// layerNorm op and of every layer on tiny shapes, masking (probability exactly 0, fully masked
// rows are an error), attention capture, parameter counts equal to PyTorch's, shape-rule errors,
// positional encodings and primitive reuse.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <optional>

#include "backends/cpu/dnnl_context.h"
#include "common/fp32_rule.h"
#include "core/rng.h"
#include "nn/layer_spec.h"
#include "nn/normalization/layernorm_op.h"
#include "nn/normalization/normalization_layers.h"
#include "nn/transformer/attention.h"
#include "nn/transformer/transformer_family.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

using namespace strata;

namespace {

constexpr double kRtol = 1e-2, kAtol = 1e-3;

const LayerRegistry& registry() {
  static const LayerRegistry r = [] {
    LayerRegistry reg;
    nn::registerNormalizationLayers(reg);
    nn::registerTransformerLayers(reg);
    return reg;
  }();
  return r;
}

Tensor randn(const Shape& s, Rng& rng, float scale = 1.0f) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = scale * rng.normal();
  return t;
}

std::optional<TensorType> typeOf(const Tensor& t) {
  if (!t.defined()) return std::nullopt;
  return TensorType{t.dtype() == DType::Int64 ? ValueKind::Int64 : ValueKind::Float, t.shape()};
}

// Runs the spec's shape rule on these inputs (one per port, undefined = unconnected).
Result<ShapeResult> infer(const std::string& type, const Json& params,
                          const std::vector<std::optional<TensorType>>& inputs) {
  const LayerSpec* spec = registry().find(type);
  if (!spec) return Result<ShapeResult>::error("no spec " + type);
  auto p = normalizeParams(*spec, params);
  if (!p) return p.status();
  ShapeContext ctx;
  ctx.params = *p;
  ctx.inputs = inputs;
  for (const auto& port : spec->inputs) ctx.inputNames.push_back(port.name);
  ctx.inputs.resize(spec->inputs.size());
  return spec->infer(ctx);
}

std::unique_ptr<Module> build(const std::string& type, const Json& params,
                              const std::vector<Tensor>& inputs, uint64_t seed = 7) {
  std::vector<std::optional<TensorType>> types;
  for (const auto& t : inputs) types.push_back(typeOf(t));
  auto shapes = infer(type, params, types);
  EXPECT_TRUE(shapes) << type << ": " << shapes.message();
  if (!shapes) return nullptr;
  types.resize(registry().find(type)->inputs.size());
  auto m = registry().find(type)->create(shapes->params, *shapes, types);
  Rng rng(seed);
  m->resetParameters(rng);
  return m;
}

int64_t parameterCount(const ShapeResult& r) {
  int64_t n = 0;
  for (const auto& [name, shape] : r.parameters) n += numel(shape);
  return n;
}

double weighted(const Tensor& y, const Tensor& w) {
  double acc = 0;
  for (int64_t i = 0; i < y.numel(); ++i) acc += static_cast<double>(y.f32()[i]) * w.f32()[i];
  return acc;
}

// Central differences of L = sum_i <outputs_i, w_i> with respect to every element of every leaf
// (up to `maxPerLeaf` evenly spaced ones), against the analytic gradient. Returns the worst
// |a - n| / (atol + rtol |n|); <= 1 passes.
double gradcheck(const std::function<std::vector<Tensor>()>& fn, std::vector<Tensor> leaves,
                 const std::string& what, float eps = 1e-2f, int64_t maxPerLeaf = 24) {
  Rng rng(99);
  for (auto& l : leaves) {
    l.zeroGrad();
    l.setRequiresGrad(true);
  }
  std::vector<Tensor> ys = fn();
  std::vector<Tensor> ws;
  Tensor loss;
  for (const auto& y : ys) {
    if (!y.defined()) {
      ws.emplace_back();
      continue;
    }
    ws.push_back(randn(y.shape(), rng));
    Tensor term = ops::sum(ops::mul(y, ws.back()));
    loss = loss.defined() ? ops::add(loss, term) : term;
  }
  loss.backward();
  auto lossAt = [&] {
    NoGradGuard ng;
    std::vector<Tensor> out = fn();
    double acc = 0;
    for (size_t i = 0; i < out.size(); ++i)
      if (out[i].defined()) acc += weighted(out[i], ws[i]);
    return acc;
  };
  double worst = 0;
  for (size_t li = 0; li < leaves.size(); ++li) {
    Tensor& leaf = leaves[li];
    Tensor g = leaf.grad();
    const int64_t n = leaf.numel();
    const int64_t step = std::max<int64_t>(1, n / maxPerLeaf);
    for (int64_t i = 0; i < n; i += step) {
      float& v = leaf.f32()[i];
      const float saved = v;
      v = saved + eps;
      const double up = lossAt();
      v = saved - eps;
      const double down = lossAt();
      v = saved;
      const double numeric = (up - down) / (2.0 * eps);
      const double analytic = g.defined() ? g.f32()[i] : 0.0;
      const double err = std::abs(analytic - numeric) / (kAtol + kRtol * std::abs(numeric));
      if (err > 1.0)
        ADD_FAILURE() << what << " leaf " << li << "[" << i << "]: analytic " << analytic
                      << " numeric " << numeric;
      worst = std::max(worst, err);
    }
  }
  return worst;
}

std::vector<Tensor> paramTensors(Module& m) {
  std::vector<Tensor> ts;
  for (auto& p : m.parameters()) ts.push_back(p.tensor);
  return ts;
}

// Moves zero-initialised biases and unit norm weights away from their starting values.
void perturb(Module& m, Rng& rng) {
  for (auto& p : m.parameters()) {
    Tensor noise = randn(p.tensor.shape(), rng, 0.2f);
    for (int64_t i = 0; i < p.tensor.numel(); ++i) p.tensor.f32()[i] += noise.f32()[i];
  }
}

Tensor padMask(int64_t b, int64_t s, const std::vector<std::vector<int64_t>>& masked) {
  Tensor m = Tensor::zeros({b, s}, DType::Int64);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j : masked[i]) m.i64()[i * s + j] = 1;
  return m;
}

}  // namespace

TEST(TransformerGradcheck, LayerNormOp) {
  Rng rng(1);
  Tensor x = randn({3, 5}, rng), w = randn({5}, rng, 0.5f), b = randn({5}, rng);
  for (int i = 0; i < 5; ++i) w.f32()[i] += 1.0f;
  double worst = gradcheck([&] { return std::vector<Tensor>{ops::layerNorm(x, w, b, 1e-5f)}; },
                           {x, w, b}, "layerNorm");
  EXPECT_LE(worst, 1.0);
  // Without affine parameters, and with a rank-3 input.
  Tensor x3 = randn({2, 2, 6}, rng, 3.0f);
  worst = gradcheck([&] { return std::vector<Tensor>{ops::layerNorm(x3, {}, {}, 1e-3f)}; }, {x3},
                    "layerNorm (no affine)");
  EXPECT_LE(worst, 1.0);
}

TEST(TransformerGradcheck, LayerNormForwardMatchesFormula) {
  Tensor x = Tensor::fromVector({2, 4}, std::vector<float>{1, 2, 3, 4, -1, 0, 0, 1});
  Tensor w = Tensor::fromVector({4}, std::vector<float>{1, 2, 1, 1});
  Tensor b = Tensor::fromVector({4}, std::vector<float>{0, 0, 0, 0.5f});
  Tensor y = ops::layerNorm(x, w, b, 1e-5f);
  // Row 0: mean 2.5, biased variance 1.25; row 1: mean 0, variance 0.5. Judged by the fp32 rule
  // (docs/numerics.md) against the formula in double.
  const double sd0 = std::sqrt(1.25 + 1e-5), sd1 = std::sqrt(0.5 + 1e-5);
  const std::vector<double> want{-1.5 / sd0, 2 * -0.5 / sd0, 0.5 / sd0,  1.5 / sd0 + 0.5,
                                 -1 / sd1,   0.0,            0.0,        1 / sd1 + 0.5};
  const auto v = test::checkFp32(y.f32(), want.data(), nullptr, 8, 4);
  EXPECT_TRUE(v.ok()) << v.describe("layerNorm");
}

TEST(TransformerGradcheck, LayerNormReusesPrimitives) {
  Rng rng(2);
  Tensor x = randn({4, 7}, rng), w = randn({7}, rng), b = randn({7}, rng);
  x.setRequiresGrad();
  ops::sum(ops::layerNorm(x, w, b, 1e-5f)).backward();
  const size_t before = cpu::primitiveCacheSize();
  for (int i = 0; i < 3; ++i) ops::sum(ops::layerNorm(x, w, b, 1e-5f)).backward();
  EXPECT_EQ(cpu::primitiveCacheSize(), before);
}

TEST(TransformerGradcheck, MultiheadAttentionWithMasks) {
  Rng rng(3);
  Tensor q = randn({2, 3, 4}, rng), k = randn({2, 4, 4}, rng), v = randn({2, 4, 4}, rng);
  Tensor mask = padMask(2, 4, {{3}, {1, 2}});
  for (bool causal : {false, true}) {
    auto m = build("MultiheadAttention", {{"num_heads", 2}, {"causal", causal}}, {q, k, v, mask});
    ASSERT_TRUE(m);
    perturb(*m, rng);
    ForwardContext ctx;
    std::vector<Tensor> leaves = paramTensors(*m);
    leaves.insert(leaves.end(), {q, k, v});
    double worst = gradcheck(
        [&] {
          return m->forward({q, k, v, mask}, ctx);
        },
        leaves, causal ? "mha causal" : "mha");
    EXPECT_LE(worst, 1.0);
  }
  // Self-attention (key and value unconnected) goes through the fused projection.
  Tensor x = randn({1, 3, 6}, rng);
  auto self = build("MultiheadAttention", {{"num_heads", 3}, {"bias", false}}, {x});
  ASSERT_TRUE(self);
  ForwardContext ctx;
  std::vector<Tensor> leaves = paramTensors(*self);
  leaves.push_back(x);
  EXPECT_LE(gradcheck(
                [&] {
                  return self->forward({x, {}, {}, {}}, ctx);
                },
                leaves, "mha self"),
            1.0);
}

TEST(TransformerGradcheck, EncoderLayerBothNormOrders) {
  Rng rng(4);
  Tensor x = randn({2, 3, 4}, rng);
  Tensor mask = padMask(2, 3, {{}, {2}});
  for (bool normFirst : {false, true}) {
    auto m = build("TransformerEncoderLayer",
                   {{"nhead", 2},
                    {"dim_feedforward", 6},
                    {"dropout", 0.0},
                    {"activation", "gelu"},
                    {"norm_first", normFirst},
                    {"causal", !normFirst}},
                   {x, mask});
    ASSERT_TRUE(m);
    perturb(*m, rng);
    ForwardContext ctx;
    std::vector<Tensor> leaves = paramTensors(*m);
    leaves.push_back(x);
    EXPECT_LE(gradcheck(
                  [&] {
                    return m->forward({x, mask}, ctx);
                  },
                  leaves, normFirst ? "encoder pre-norm" : "encoder post-norm"),
              1.0);
  }
}

TEST(TransformerGradcheck, DecoderLayer) {
  Rng rng(5);
  Tensor tgt = randn({1, 3, 4}, rng), memory = randn({1, 2, 4}, rng);
  for (bool normFirst : {false, true}) {
    auto m = build("TransformerDecoderLayer",
                   {{"nhead", 2},
                    {"dim_feedforward", 6},
                    {"dropout", 0.0},
                    {"activation", "gelu"},
                    {"norm_first", normFirst}},
                   {tgt, memory});
    ASSERT_TRUE(m);
    perturb(*m, rng);
    ForwardContext ctx;
    std::vector<Tensor> leaves = paramTensors(*m);
    leaves.insert(leaves.end(), {tgt, memory});
    EXPECT_LE(gradcheck(
                  [&] {
                    return m->forward({tgt, memory, {}, {}}, ctx);
                  },
                  leaves, normFirst ? "decoder pre-norm" : "decoder post-norm"),
              1.0);
  }
}

TEST(TransformerGradcheck, LearnedPositionalEncoding) {
  Rng rng(6);
  Tensor x = randn({2, 3, 4}, rng);
  auto m = build("PositionalEncoding", {{"kind", "learned"}, {"max_len", 5}}, {x});
  ASSERT_TRUE(m);
  ForwardContext ctx;
  std::vector<Tensor> leaves = paramTensors(*m);
  leaves.push_back(x);
  EXPECT_LE(gradcheck([&] { return m->forward({x}, ctx); }, leaves, "learned pe"), 1.0);
  // Rows past T get no gradient.
  Tensor g = m->parameters().at(0).tensor.grad();
  ASSERT_TRUE(g.defined());
  for (int64_t i = 3 * 4; i < 5 * 4; ++i) EXPECT_EQ(g.f32()[i], 0.0f);
}

TEST(TransformerMasking, MaskedKeysGetExactlyZeroProbability) {
  Rng rng(7);
  Tensor q = randn({2, 4, 8}, rng);
  Tensor mask = padMask(2, 4, {{2, 3}, {1}});
  auto m = build("MultiheadAttention", {{"num_heads", 2}, {"causal", true}}, {q, {}, {}, mask});
  ASSERT_TRUE(m);
  ForwardContext ctx;
  ctx.captureAttention = true;
  std::vector<Tensor> out = m->forward({q, {}, {}, mask}, ctx);
  auto* cap = dynamic_cast<nn::AttentionCapture*>(m.get());
  ASSERT_NE(cap, nullptr);
  auto maps = cap->attentionMaps();
  ASSERT_EQ(maps.size(), 1u);
  const Tensor& p = maps[0].tensor;
  ASSERT_EQ(p.shape(), (Shape{2, 2, 4, 4}));
  EXPECT_FALSE(p.requiresGrad());
  const Tensor& w = out.at(1);
  ASSERT_EQ(w.shape(), (Shape{2, 4, 4}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 4; ++t) {
      for (int64_t h = 0; h < 2; ++h) {
        double rowSum = 0;
        for (int64_t s = 0; s < 4; ++s) {
          const float v = p.f32()[((b * 2 + h) * 4 + t) * 4 + s];
          const bool masked = mask.i64()[b * 4 + s] != 0 || s > t;
          if (masked)
            EXPECT_EQ(v, 0.0f) << b << "," << h << "," << t << "," << s;
          else
            EXPECT_GT(v, 0.0f);
          rowSum += v;
        }
        EXPECT_NEAR(rowSum, 1.0, 1e-6);
      }
      for (int64_t s = 0; s < 4; ++s)
        if (mask.i64()[b * 4 + s] != 0 || s > t) EXPECT_EQ(w.f32()[(b * 4 + t) * 4 + s], 0.0f);
    }
  // Masked keys get no gradient either: the key input at a padded position only reaches the
  // output through its (zero) probability.
  Tensor k = randn({2, 4, 8}, rng).setRequiresGrad();
  std::vector<Tensor> o2 = m->forward({q, k, k, mask}, ctx);
  ops::sum(o2[0]).backward();
  for (int64_t e = 0; e < 8; ++e) {
    EXPECT_EQ(k.grad().f32()[(0 * 4 + 3) * 8 + e], 0.0f);
    EXPECT_EQ(k.grad().f32()[(1 * 4 + 1) * 8 + e], 0.0f);
  }
}

TEST(TransformerMasking, FullyMaskedRowIsAnError) {
  Rng rng(8);
  Tensor q = randn({2, 3, 4}, rng);
  // Batch item 1 masks every key.
  Tensor mask = Tensor::fromVector({2, 3}, std::vector<float>{0, 0, 1, 1, 1, 1});
  auto m = build("MultiheadAttention", {{"num_heads", 1}}, {q, {}, {}, mask});
  ASSERT_TRUE(m);
  ForwardContext ctx;
  try {
    m->forward({q, {}, {}, mask}, ctx);
    FAIL() << "a fully masked row must throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(
        std::string(e.what()).find("every key is masked for query position 0 of batch item 1"),
        std::string::npos)
        << e.what();
  }
  // Causal attention with the first key padded leaves query 0 with nothing to attend to.
  Tensor first = Tensor::fromVector({1, 3}, std::vector<int64_t>{1, 0, 0});
  Tensor q1 = randn({1, 3, 4}, rng);
  auto c = build("MultiheadAttention", {{"num_heads", 2}, {"causal", true}}, {q1, {}, {}, first});
  ASSERT_TRUE(c);
  EXPECT_THROW(c->forward({q1, {}, {}, first}, ctx), std::invalid_argument);
}

TEST(TransformerCapture, NothingStoredWithoutCaptureAttention) {
  Rng rng(9);
  Tensor tgt = randn({2, 3, 8}, rng), memory = randn({2, 5, 8}, rng);
  auto m =
      build("TransformerDecoderLayer", {{"nhead", 4}, {"dim_feedforward", 16}}, {tgt, memory});
  ASSERT_TRUE(m);
  auto* cap = dynamic_cast<nn::AttentionCapture*>(m.get());
  ASSERT_NE(cap, nullptr);
  ForwardContext ctx;
  m->forward({tgt, memory, {}, {}}, ctx);
  EXPECT_TRUE(cap->attentionMaps().empty());
  ctx.captureAttention = true;
  m->forward({tgt, memory, {}, {}}, ctx);
  auto maps = cap->attentionMaps();
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].name, "self_attn");
  EXPECT_EQ(maps[0].tensor.shape(), (Shape{2, 4, 3, 3}));
  EXPECT_EQ(maps[1].name, "multihead_attn");
  EXPECT_EQ(maps[1].tensor.shape(), (Shape{2, 4, 3, 5}));
  // Causal by default: query 0 of the self-attention sees only key 0.
  EXPECT_FLOAT_EQ(maps[0].tensor.f32()[0], 1.0f);
  // A later forward without capture drops the maps of the earlier one.
  ctx.captureAttention = false;
  m->forward({tgt, memory, {}, {}}, ctx);
  EXPECT_TRUE(cap->attentionMaps().empty());

  Tensor x = randn({1, 4, 8}, rng);
  auto enc = build("TransformerEncoderLayer", {{"nhead", 2}}, {x});
  ASSERT_TRUE(enc);
  ctx.captureAttention = true;
  enc->forward({x, {}}, ctx);
  auto encMaps = dynamic_cast<nn::AttentionCapture*>(enc.get())->attentionMaps();
  ASSERT_EQ(encMaps.size(), 1u);
  EXPECT_EQ(encMaps[0].tensor.shape(), (Shape{1, 2, 4, 4}));
}

TEST(TransformerSpecs, ParameterCountsEqualPyTorch) {
  const TensorType seq{ValueKind::Float, {kBatch, kSeq, 512}};
  // nn.TransformerEncoderLayer(512, 8) and nn.TransformerDecoderLayer(512, 8).
  auto enc = infer("TransformerEncoderLayer", {{"nhead", 8}}, {seq});
  ASSERT_TRUE(enc) << enc.message();
  EXPECT_EQ(parameterCount(*enc), 3152384);
  auto dec = infer("TransformerDecoderLayer", {{"nhead", 8}}, {seq, seq});
  ASSERT_TRUE(dec) << dec.message();
  EXPECT_EQ(parameterCount(*dec), 4204032);
  EXPECT_EQ(dec->params["d_model"], 512);
  // nn.MultiheadAttention(64, 4) with and without bias; nn.LayerNorm(64).
  const TensorType s64{ValueKind::Float, {kBatch, kSeq, 64}};
  auto mha = infer("MultiheadAttention", {{"num_heads", 4}}, {s64});
  ASSERT_TRUE(mha) << mha.message();
  EXPECT_EQ(parameterCount(*mha), 4 * 64 * 64 + 4 * 64);
  EXPECT_EQ(mha->params["embed_dim"], 64);
  auto mhaNoBias = infer("MultiheadAttention", {{"num_heads", 4}, {"bias", false}}, {s64});
  ASSERT_TRUE(mhaNoBias);
  EXPECT_EQ(parameterCount(*mhaNoBias), 4 * 64 * 64);
  auto ln = infer("LayerNorm", Json::object(), {s64});
  ASSERT_TRUE(ln);
  EXPECT_EQ(parameterCount(*ln), 128);
  auto pe = infer("PositionalEncoding", {{"kind", "learned"}, {"max_len", 100}}, {s64});
  ASSERT_TRUE(pe);
  EXPECT_EQ(parameterCount(*pe), 6400);
  auto sin = infer("PositionalEncoding", Json::object(), {s64});
  ASSERT_TRUE(sin);
  EXPECT_EQ(parameterCount(*sin), 0);
  // Key names as in PyTorch's state_dict, in its order.
  ASSERT_EQ(enc->parameters.size(), 12u);
  EXPECT_EQ(enc->parameters[0].first, "self_attn.in_proj_weight");
  EXPECT_EQ(enc->parameters[3].first, "self_attn.out_proj.bias");
  EXPECT_EQ(enc->parameters[4].first, "linear1.weight");
  EXPECT_EQ(enc->parameters[11].first, "norm2.bias");
  EXPECT_EQ(dec->parameters[4].first, "multihead_attn.in_proj_weight");
  EXPECT_EQ(dec->parameters.back().first, "norm3.bias");
  // FLOPs are reported and grow with the sequence.
  EXPECT_GT(enc->flops, 0);
  auto longer = infer("TransformerEncoderLayer", {{"nhead", 8}},
                      {TensorType{ValueKind::Float, {kBatch, 16, 512}}});
  ASSERT_TRUE(longer);
  EXPECT_GT(longer->flops, enc->flops);
}

TEST(TransformerSpecs, ShapeRuleErrors) {
  const TensorType s30{ValueKind::Float, {kBatch, kSeq, 30}};
  auto heads = infer("MultiheadAttention", {{"num_heads", 4}}, {s30});
  ASSERT_FALSE(heads);
  EXPECT_EQ(heads.message(), "embed_dim 30 is not divisible by num_heads 4");
  auto nhead = infer("TransformerEncoderLayer", {{"nhead", 7}}, {s30});
  ASSERT_FALSE(nhead);
  EXPECT_EQ(nhead.message(), "d_model 30 is not divisible by nhead 7");
  auto given = infer("MultiheadAttention", {{"num_heads", 2}, {"embed_dim", 32}}, {s30});
  ASSERT_FALSE(given);
  EXPECT_NE(given.message().find("embed_dim is 32"), std::string::npos) << given.message();
  const TensorType s32{ValueKind::Float, {kBatch, kSeq, 32}};
  auto kdim = infer("MultiheadAttention", {{"num_heads", 2}},
                    {TensorType{ValueKind::Float, {kBatch, kSeq, 32}}, s30, std::nullopt});
  ASSERT_FALSE(kdim);
  EXPECT_NE(kdim.message().find("input 'key' has 30 features"), std::string::npos);
  auto valueOnly = infer("MultiheadAttention", {{"num_heads", 2}}, {s32, std::nullopt, s32});
  ASSERT_FALSE(valueOnly);
  auto badMask = infer("MultiheadAttention", {{"num_heads", 2}},
                       {TensorType{ValueKind::Float, {kBatch, 5, 32}}, std::nullopt, std::nullopt,
                        TensorType{ValueKind::Int64, {kBatch, 6}}});
  ASSERT_FALSE(badMask);
  EXPECT_NE(badMask.message().find("key_padding_mask"), std::string::npos);
  auto weights = infer("MultiheadAttention", {{"num_heads", 2}},
                       {TensorType{ValueKind::Float, {kBatch, 5, 32}},
                        TensorType{ValueKind::Float, {kBatch, 9, 32}}, std::nullopt});
  ASSERT_TRUE(weights) << weights.message();
  EXPECT_EQ(weights->outputs[1].shape, (Shape{kBatch, 5, 9}));
  auto memory = infer("TransformerDecoderLayer", {{"nhead", 2}}, {s32, s30});
  ASSERT_FALSE(memory);
  EXPECT_NE(memory.message().find("memory"), std::string::npos);
  auto noMemory = infer("TransformerDecoderLayer", {{"nhead", 2}}, {s32, std::nullopt});
  ASSERT_FALSE(noMemory);
  auto tooLong = infer("PositionalEncoding", Json::object(),
                       {TensorType{ValueKind::Float, {kBatch, 600, 16}}});
  ASSERT_FALSE(tooLong);
  EXPECT_EQ(tooLong.message(), "sequence length 600 is longer than max_len 512");
  auto ln = infer("LayerNorm", {{"normalized_shape", 16}}, {s30});
  ASSERT_FALSE(ln);
  EXPECT_NE(ln.message().find("normalized_shape is 16"), std::string::npos);
  auto rank =
      infer("MultiheadAttention", {{"num_heads", 1}}, {TensorType{ValueKind::Float, {kBatch, 8}}});
  ASSERT_FALSE(rank);
  auto missing = infer("MultiheadAttention", Json::object(), {s32});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("num_heads"), std::string::npos);
}

TEST(TransformerSpecs, EveryLayerHasDocs) {
  for (const char* type : {"LayerNorm", "MultiheadAttention", "PositionalEncoding",
                           "TransformerEncoderLayer", "TransformerDecoderLayer"}) {
    const LayerSpec* s = registry().find(type);
    ASSERT_NE(s, nullptr) << type;
    EXPECT_GT(s->doc.size(), 300u) << type;
    EXPECT_FALSE(s->summary.empty());
    EXPECT_TRUE(s->category == "Attention" || s->category == "Structure") << type;
    // Registered in the global catalogue as well.
    EXPECT_NE(LayerRegistry::instance().find(type), nullptr) << type;
  }
}

TEST(TransformerPositional, SinusoidsAndLengthLimit) {
  Tensor x = Tensor::zeros({1, 3, 6});
  auto m = build("PositionalEncoding", {{"max_len", 3}}, {x});
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->parameters().empty());
  ForwardContext ctx;
  Tensor y = m->forward({x}, ctx).at(0);
  // pe[t, 2i] = sin(t / 10000^(2i/6)), pe[t, 2i+1] = cos(...)
  for (int64_t t = 0; t < 3; ++t)
    for (int64_t j = 0; j < 6; ++j) {
      const double angle = t / std::pow(10000.0, static_cast<double>(j - j % 2) / 6.0);
      EXPECT_NEAR(y.f32()[t * 6 + j], j % 2 ? std::cos(angle) : std::sin(angle), 1e-6);
    }
  Tensor longer = Tensor::zeros({1, 4, 6});
  EXPECT_THROW(m->forward({longer}, ctx), std::invalid_argument);
  // Learned: N(0, 0.02^2) init.
  Tensor z = Tensor::zeros({1, 2, 64});
  auto learned = build("PositionalEncoding", {{"kind", "learned"}, {"max_len", 256}}, {z});
  ASSERT_TRUE(learned);
  const Tensor& w = learned->parameters().at(0).tensor;
  double sq = 0;
  for (int64_t i = 0; i < w.numel(); ++i) sq += double(w.f32()[i]) * w.f32()[i];
  EXPECT_NEAR(std::sqrt(sq / w.numel()), 0.02, 0.002);
}

TEST(TransformerInit, PyTorchDefaults) {
  Tensor x = Tensor::zeros({1, 2, 16});
  auto m = build("TransformerEncoderLayer", {{"nhead", 4}, {"dim_feedforward", 32}}, {x});
  ASSERT_TRUE(m);
  auto get = [&](const std::string& name) { return m->parameter(name); };
  auto maxAbs = [](const Tensor& t) {
    float v = 0;
    for (int64_t i = 0; i < t.numel(); ++i) v = std::max(v, std::abs(t.f32()[i]));
    return v;
  };
  // xavier_uniform_ on [48, 16]: bound sqrt(6 / 64).
  EXPECT_LE(maxAbs(get("self_attn.in_proj_weight")), std::sqrt(6.0f / 64.0f));
  EXPECT_GT(maxAbs(get("self_attn.in_proj_weight")), 0.9f * std::sqrt(6.0f / 64.0f));
  EXPECT_EQ(maxAbs(get("self_attn.in_proj_bias")), 0.0f);
  EXPECT_EQ(maxAbs(get("self_attn.out_proj.bias")), 0.0f);
  EXPECT_LE(maxAbs(get("self_attn.out_proj.weight")), 0.25f);
  EXPECT_LE(maxAbs(get("linear2.weight")), 1.0f / std::sqrt(32.0f));
  EXPECT_GT(maxAbs(get("linear2.bias")), 0.0f);
  for (int64_t i = 0; i < 16; ++i) {
    EXPECT_EQ(get("norm1.weight").f32()[i], 1.0f);
    EXPECT_EQ(get("norm2.bias").f32()[i], 0.0f);
  }
}

TEST(TransformerDropout, TrainingDropoutIsSeededAndOffInEval) {
  Rng init(10);
  Tensor x = randn({2, 5, 8}, init);
  auto m = build("TransformerEncoderLayer", {{"nhead", 2}, {"dim_feedforward", 16}}, {x});
  ASSERT_TRUE(m);
  ForwardContext eval;
  Tensor a = m->forward({x, {}}, eval).at(0), b = m->forward({x, {}}, eval).at(0);
  Rng r1(5), r2(5);
  ForwardContext t1{true, &r1, false}, t2{true, &r2, false};
  Tensor c = m->forward({x, {}}, t1).at(0), d = m->forward({x, {}}, t2).at(0);
  double evalDiff = 0, trainDiff = 0, seedDiff = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    evalDiff = std::max(evalDiff, double(std::abs(a.f32()[i] - b.f32()[i])));
    trainDiff = std::max(trainDiff, double(std::abs(a.f32()[i] - c.f32()[i])));
    seedDiff = std::max(seedDiff, double(std::abs(c.f32()[i] - d.f32()[i])));
  }
  EXPECT_EQ(evalDiff, 0.0);
  EXPECT_GT(trainDiff, 1e-3);
  EXPECT_EQ(seedDiff, 0.0);
}
