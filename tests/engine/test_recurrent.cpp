// The recurrent op and layer family without PyTorch: central-difference gradient checks,
// inter-layer dropout, parameter counts, primitive reuse, and the RNN/LSTM/GRU layer specs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "common/fp32_rule.h"
#include "common/tensor_helpers.h"
#include "backends/cpu/dnnl_context.h"
#include "nn/layer_spec.h"
#include "nn/recurrent/rnn_op.h"
#include "tensor/autograd.h"

using namespace strata;

namespace {

using test::uniformTensor;
using test::weightedSum;

double dot(const Tensor& a, const Tensor& b) {
  double acc = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) acc += double(a.f32()[i]) * b.f32()[i];
  return acc;
}

struct Problem {
  RecurrentConfig cfg;
  Tensor x, h0, c0, gOut, gH, gC;
  std::vector<Tensor> params;
  uint64_t dropoutSeed = 7;

  std::vector<Tensor> leaves() {
    std::vector<Tensor> v{x, h0};
    if (c0.defined()) v.push_back(c0);
    v.insert(v.end(), params.begin(), params.end());
    return v;
  }
  RecurrentOutputs run(bool training) {
    Rng rng(dropoutSeed);  // the same dropout mask on every evaluation
    return recurrent(cfg, x, h0, c0, params, training, &rng);
  }
  // The loss in double from the float outputs, for finite differences.
  double loss() {
    NoGradGuard noGrad;
    RecurrentOutputs r = run(true);
    double l = dot(r.out, gOut) + dot(r.hN, gH);
    if (r.cN.defined()) l += dot(r.cN, gC);
    return l;
  }
};

Problem makeProblem(RecurrentMode mode, bool bidirectional, int64_t inputSize, int64_t layers,
                    float dropout, uint64_t seed) {
  Problem p;
  p.cfg = RecurrentConfig{mode, inputSize, 3, layers, true, bidirectional, dropout};
  Rng rng(seed);
  const int64_t B = 2, T = 3, D = p.cfg.directions(), H = p.cfg.hiddenSize;
  const Shape state{layers * D, B, H};
  for (const auto& s : recurrentParameterShapes(p.cfg)) p.params.push_back(Tensor::empty(s.second));
  // Larger than PyTorch's init so the gates are not all in their linear range.
  for (auto& t : p.params) t.copyFrom(uniformTensor(t.shape(), rng, -0.8f, 0.8f));
  p.x = uniformTensor({B, T, inputSize}, rng);
  p.h0 = uniformTensor(state, rng, -0.5f, 0.5f);
  if (mode == RecurrentMode::Lstm) p.c0 = uniformTensor(state, rng, -0.5f, 0.5f);
  p.gOut = uniformTensor({B, T, D * H}, rng);
  p.gH = uniformTensor(state, rng);
  if (mode == RecurrentMode::Lstm) p.gC = uniformTensor(state, rng);
  return p;
}

// Compares analytic gradients with central differences; returns the worst error
// |num - ana| / (1e-2 + |ana|).
double gradCheck(Problem& p) {
  for (Tensor& t : p.leaves()) t.setRequiresGrad();
  RecurrentOutputs r = p.run(true);
  std::vector<Tensor> outs{r.out, r.hN}, seeds{p.gOut, p.gH};
  if (r.cN.defined()) {
    outs.push_back(r.cN);
    seeds.push_back(p.gC);
  }
  weightedSum(outs, seeds).backward();
  const float eps = 1e-2f;
  double worst = 0.0;
  for (Tensor& t : p.leaves()) {
    Tensor g = t.grad();
    EXPECT_TRUE(g.defined());
    if (!g.defined()) return 1e9;
    // Every element of small tensors; about 24 evenly spread ones (all gate blocks) of larger.
    const int64_t stride = std::max<int64_t>(1, t.numel() / 24);
    for (int64_t i = 0; i < t.numel(); i += stride) {
      float saved = t.f32()[i];
      t.f32()[i] = saved + eps;
      double up = p.loss();
      t.f32()[i] = saved - eps;
      double down = p.loss();
      t.f32()[i] = saved;
      double num = (up - down) / (2.0 * eps);
      double err = std::fabs(num - g.f32()[i]) / (1e-2 + std::fabs(double(g.f32()[i])));
      if (!(err <= worst)) worst = err;
    }
  }
  return worst;
}

const char* modeName(RecurrentMode m) {
  switch (m) {
    case RecurrentMode::RnnTanh: return "rnn_tanh";
    case RecurrentMode::RnnRelu: return "rnn_relu";
    case RecurrentMode::Lstm: return "lstm";
    case RecurrentMode::Gru: return "gru";
  }
  return "?";
}

}  // namespace

TEST(Recurrent, CentralDifferenceGradients) {
  const RecurrentMode modes[] = {RecurrentMode::RnnTanh, RecurrentMode::RnnRelu,
                                 RecurrentMode::Lstm, RecurrentMode::Gru};
  for (RecurrentMode mode : modes) {
    // Bidirectional (one primitive per layer), and unidirectional with input == hidden (both
    // layers in one primitive).
    for (bool bi : {true, false}) {
      Problem p = makeProblem(mode, bi, bi ? 2 : 3, 2, 0.0f, 11);
      double worst = gradCheck(p);
      std::printf("[gradcheck] %-8s %s worst %.3g\n", modeName(mode), bi ? "bi " : "uni", worst);
      EXPECT_LT(worst, 2e-2) << modeName(mode) << (bi ? " bidirectional" : " unidirectional");
    }
  }
}

// GRU with linear_before_reset=false (oneDNN's classic gru): bidirectional one primitive per
// layer, and unidirectional input == hidden (both layers in one primitive).
TEST(Recurrent, CentralDifferenceGradientsClassicGru) {
  for (bool bi : {true, false}) {
    Problem p = makeProblem(RecurrentMode::Gru, bi, bi ? 2 : 3, 2, 0.0f, 13);
    p.cfg.linearBeforeReset = false;
    double worst = gradCheck(p);
    std::printf("[gradcheck] gru-classic %s worst %.3g\n", bi ? "bi " : "uni", worst);
    EXPECT_LT(worst, 2e-2) << (bi ? "bidirectional" : "unidirectional");
  }
}

namespace {

// The ONNX GRU formula in float64 (gates z, r, h; PyTorch's r, z, n blocks in the weights):
// z = σ(W_z x + b_iz + U_z h + b_hz), r likewise, and with linear_before_reset = 0
// n = tanh(W_n x + b_in + U_n (r ⊙ h) + b_hn), with 1 n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn));
// h' = (1 - z) ⊙ n + z ⊙ h. Layers stack on the concatenated directions. Returns out [B, T, D*H].
std::vector<double> onnxGruReference(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                                     const std::vector<Tensor>& params) {
  const int64_t B = x.size(0), T = x.size(1), H = cfg.hiddenSize, D = cfg.directions();
  std::vector<double> in(x.f32(), x.f32() + x.numel());
  int64_t width = cfg.inputSize;
  for (int64_t l = 0; l < cfg.numLayers; ++l) {
    std::vector<double> out(B * T * D * H);
    for (int64_t d = 0; d < D; ++d) {
      const size_t base = static_cast<size_t>((l * D + d) * 4);
      const float* wih = params[base].f32();
      const float* whh = params[base + 1].f32();
      const float* bih = params[base + 2].f32();
      const float* bhh = params[base + 3].f32();
      for (int64_t b = 0; b < B; ++b) {
        std::vector<double> h(H);
        for (int64_t o = 0; o < H; ++o) h[o] = h0.f32()[((l * D + d) * B + b) * H + o];
        for (int64_t s = 0; s < T; ++s) {
          const int64_t t = d == 0 ? s : T - 1 - s;
          const double* xt = in.data() + (b * T + t) * width;
          auto xw = [&](int64_t row) {  // W_ih[row] . x + b_ih[row]
            double a = bih[row];
            for (int64_t k = 0; k < width; ++k) a += double(wih[row * width + k]) * xt[k];
            return a;
          };
          auto uh = [&](int64_t row, const std::vector<double>& v) {
            double a = 0;
            for (int64_t k = 0; k < H; ++k) a += double(whh[row * H + k]) * v[k];
            return a;
          };
          std::vector<double> r(H), z(H), next(H);
          for (int64_t o = 0; o < H; ++o) {
            r[o] = 1 / (1 + std::exp(-(xw(o) + uh(o, h) + bhh[o])));
            z[o] = 1 / (1 + std::exp(-(xw(H + o) + uh(H + o, h) + bhh[H + o])));
          }
          std::vector<double> rh(H);
          for (int64_t o = 0; o < H; ++o) rh[o] = r[o] * h[o];
          for (int64_t o = 0; o < H; ++o) {
            const double n =
                cfg.linearBeforeReset
                    ? std::tanh(xw(2 * H + o) + r[o] * (uh(2 * H + o, h) + bhh[2 * H + o]))
                    : std::tanh(xw(2 * H + o) + uh(2 * H + o, rh) + bhh[2 * H + o]);
            next[o] = (1 - z[o]) * n + z[o] * h[o];
          }
          h = next;
          for (int64_t o = 0; o < H; ++o) out[((b * T + t) * D + d) * H + o] = h[o];
        }
      }
    }
    in = out;
    width = D * H;
  }
  return in;
}

}  // namespace

// Forward parity of both GRU variants with the ONNX formula in float64 under the fp32 rule; the
// other variant's formula must be far outside the bound (the comparison can fail).
TEST(Recurrent, GruMatchesTheOnnxFormulaInFloat64) {
  for (bool lbr : {false, true})
    for (bool bi : {false, true}) {
      Problem p = makeProblem(RecurrentMode::Gru, bi, 3, 2, 0.0f, 17);
      p.cfg.linearBeforeReset = lbr;
      Tensor out = p.run(false).out;
      const std::vector<double> ref = onnxGruReference(p.cfg, p.x, p.h0, p.params);
      const int64_t K = 64;  // a few sums of <= 6 terms per step over 3 steps and 2 layers
      auto v = test::checkFp32(out.f32(), ref.data(), nullptr, out.numel(), K);
      EXPECT_TRUE(v.ok()) << (lbr ? "lbr " : "classic ") << (bi ? "bi " : "uni ")
                          << v.describe("out");
      RecurrentConfig other = p.cfg;
      other.linearBeforeReset = !lbr;
      const std::vector<double> wrong = onnxGruReference(other, p.x, p.h0, p.params);
      auto w = test::checkFp32(out.f32(), wrong.data(), nullptr, out.numel(), K);
      EXPECT_GT(w.ratio, 100.0) << "the two GRU variants are indistinguishable here";
    }
}

TEST(Recurrent, CentralDifferenceGradientsThroughDropout) {
  for (RecurrentMode mode : {RecurrentMode::Lstm, RecurrentMode::Gru}) {
    Problem p = makeProblem(mode, true, 2, 3, 0.4f, 5);
    double worst = gradCheck(p);
    std::printf("[gradcheck] %-8s dropout worst %.3g\n", modeName(mode), worst);
    EXPECT_LT(worst, 2e-2) << modeName(mode);
  }
}

TEST(Recurrent, BackwardTwiceGivesTheSameGradients) {
  // oneDNN accumulates into diff weights; the op must zero them before every backward.
  Problem p = makeProblem(RecurrentMode::Lstm, false, 3, 2, 0.0f, 3);
  for (Tensor& t : p.params) t.setRequiresGrad();
  std::vector<std::vector<float>> first;
  for (int round = 0; round < 2; ++round) {
    for (Tensor& t : p.params) t.zeroGrad();
    RecurrentOutputs r = p.run(true);
    weightedSum({r.out, r.hN, r.cN}, {p.gOut, p.gH, p.gC}).backward();
    for (size_t i = 0; i < p.params.size(); ++i) {
      Tensor g = p.params[i].grad();
      std::vector<float> v(g.f32(), g.f32() + g.numel());
      if (round == 0) first.push_back(v);
      else EXPECT_EQ(v, first[i]) << recurrentParameterShapes(p.cfg)[i].first;
    }
  }
}

TEST(Recurrent, DropoutZeroIsIdentityAndInferenceIgnoresDropout) {
  Problem p = makeProblem(RecurrentMode::Gru, false, 4, 3, 0.0f, 9);
  Tensor inference = p.run(false).out;
  Tensor trainingP0 = p.run(true).out;
  for (int64_t i = 0; i < inference.numel(); ++i)
    ASSERT_NEAR(trainingP0.f32()[i], inference.f32()[i], 1e-6f) << i;

  p.cfg.dropout = 0.5f;
  Tensor inferenceP5 = p.run(false).out;
  for (int64_t i = 0; i < inference.numel(); ++i)
    ASSERT_EQ(inferenceP5.f32()[i], inference.f32()[i]) << "dropout active in inference at " << i;
  Tensor trainingP5 = p.run(true).out;
  double diff = 0.0;
  for (int64_t i = 0; i < inference.numel(); ++i)
    diff = std::max(diff, double(std::fabs(trainingP5.f32()[i] - inference.f32()[i])));
  EXPECT_GT(diff, 1e-3) << "dropout had no effect in training";

  // The last layer's output is never dropped: a one-layer stack ignores dropout entirely.
  Problem one = makeProblem(RecurrentMode::Lstm, true, 4, 1, 0.5f, 9);
  Tensor a = one.run(true).out, b = one.run(false).out;
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_NEAR(a.f32()[i], b.f32()[i], 1e-6f);
}

TEST(Recurrent, DropoutMaskStatistics) {
  // Layer 1 of a relu RNN with W_ih = I, W_hh = 0 and no bias passes its input through
  // unchanged (the input is a relu output, >= 0), so out_train / out_eval exposes the mask:
  // 0 with probability p, 1 / (1 - p) otherwise.
  const int64_t B = 16, T = 32, H = 16;
  const float p = 0.25f;
  RecurrentConfig cfg{RecurrentMode::RnnRelu, 5, H, 2, false, false, p};
  Rng rng(21);
  std::vector<Tensor> params;
  for (const auto& s : recurrentParameterShapes(cfg)) params.push_back(Tensor::zeros(s.second));
  params[0].copyFrom(uniformTensor(params[0].shape(), rng));           // weight_ih_l0
  params[1].copyFrom(uniformTensor(params[1].shape(), rng, -0.1f, 0.1f));  // weight_hh_l0
  for (int64_t i = 0; i < H; ++i) params[2].f32()[i * H + i] = 1.0f;   // weight_ih_l1 = I
  Tensor x = uniformTensor({B, T, 5}, rng);
  Tensor eval = recurrent(cfg, x, Tensor(), Tensor(), params, false, nullptr).out;
  Rng maskRng(99);
  Tensor train = recurrent(cfg, x, Tensor(), Tensor(), params, true, &maskRng).out;
  int64_t positive = 0, dropped = 0;
  double ratioSum = 0.0;
  for (int64_t i = 0; i < eval.numel(); ++i) {
    float e = eval.f32()[i], t = train.f32()[i];
    if (e <= 1e-3f) continue;
    ++positive;
    float ratio = t / e;
    if (ratio == 0.0f) ++dropped;
    else ASSERT_NEAR(ratio, 1.0f / (1.0f - p), 1e-4f) << "kept element not scaled by 1/(1-p)";
    ratioSum += ratio;
  }
  ASSERT_GT(positive, 1000);
  const double frac = double(dropped) / positive;
  const double sigma = std::sqrt(p * (1 - p) / positive);
  EXPECT_NEAR(frac, p, 5 * sigma);
  EXPECT_NEAR(ratioSum / positive, 1.0, 5 * sigma / (1 - p));  // inverted dropout keeps the mean
}

TEST(Recurrent, ParameterCountsMatchPyTorch) {
  // Per layer and direction: G*H*(in + H) weights, plus 2*G*H biases; in = I for layer 0 and
  // D*H above. The literals are PyTorch's sum(p.numel() for p in m.parameters()).
  auto formula = [](const RecurrentConfig& c) {
    int64_t g = recurrentGateCount(c.mode), n = 0;
    for (int64_t l = 0; l < c.numLayers; ++l) {
      int64_t in = l == 0 ? c.inputSize : c.directions() * c.hiddenSize;
      n += c.directions() * (g * c.hiddenSize * (in + c.hiddenSize) +
                             (c.bias ? 2 * g * c.hiddenSize : 0));
    }
    return n;
  };
  struct Known {
    RecurrentConfig cfg;
    int64_t torchCount;
  };
  const Known known[] = {
      {{RecurrentMode::Lstm, 10, 20, 2, true, true, 0.0f}, 15040},
      {{RecurrentMode::Gru, 7, 5, 3, true, false, 0.0f}, 570},
      {{RecurrentMode::RnnTanh, 4, 1, 1, false, false, 0.0f}, 5},
      {{RecurrentMode::RnnRelu, 3, 6, 2, true, true, 0.0f}, 372},
      {{RecurrentMode::Gru, 5, 3, 2, false, true, 0.0f}, 306},
  };
  for (const Known& k : known) {
    EXPECT_EQ(recurrentParameterCount(k.cfg), k.torchCount);
    EXPECT_EQ(formula(k.cfg), k.torchCount);
  }
  auto names = recurrentParameterShapes(known[0].cfg);
  ASSERT_EQ(names.size(), 16u);
  EXPECT_EQ(names[0].first, "weight_ih_l0");
  EXPECT_EQ(names[4].first, "weight_ih_l0_reverse");
  EXPECT_EQ(names[7].first, "bias_hh_l0_reverse");
  EXPECT_EQ(names[8].first, "weight_ih_l1");
  EXPECT_EQ(names[8].second, (Shape{80, 40}));
}

TEST(Recurrent, PrimitivesAreReusedAcrossSteps) {
  Problem p = makeProblem(RecurrentMode::Lstm, true, 4, 2, 0.0f, 1);
  for (Tensor& t : p.params) t.setRequiresGrad();
  auto step = [&] {
    for (Tensor& t : p.params) t.zeroGrad();
    RecurrentOutputs r = p.run(true);
    weightedSum({r.out, r.hN, r.cN}, {p.gOut, p.gH, p.gC}).backward();
  };
  step();
  const int64_t created = recurrentPrimitivesCreated();
  const size_t cacheSize = cpu::primitiveCacheSize();
  for (int i = 0; i < 3; ++i) step();
  EXPECT_EQ(recurrentPrimitivesCreated(), created);
  EXPECT_EQ(cpu::primitiveCacheSize(), cacheSize);
  // A new sequence length is a new shape: new primitives.
  Rng rng(2);
  p.x = uniformTensor({2, 5, 4}, rng);
  p.gOut = uniformTensor({2, 5, 6}, rng);
  step();
  EXPECT_GT(recurrentPrimitivesCreated(), created);
}

TEST(Recurrent, TrainingStepAtWorkloadSize) {
  // Regression: with batch-first memory handed to the primitives, oneDNN 2.6's backward crashed
  // at this size (two primitives: input 16 != hidden 128). Gradients must be finite and equal
  // across two identical steps.
  RecurrentConfig cfg{RecurrentMode::Lstm, 16, 128, 2, true, false, 0.0f};
  Rng rng(4);
  std::vector<Tensor> params;
  for (const auto& s : recurrentParameterShapes(cfg)) params.push_back(Tensor::empty(s.second));
  initRecurrentParameters(cfg, params, rng);
  for (Tensor& t : params) t.setRequiresGrad();
  Tensor x = uniformTensor({32, 64, 16}, rng).setRequiresGrad();
  Tensor seed = uniformTensor({32, 64, 128}, rng);
  std::vector<float> first;
  for (int step = 0; step < 2; ++step) {
    x.zeroGrad();
    for (Tensor& t : params) t.zeroGrad();
    RecurrentOutputs r = recurrent(cfg, x, {}, {}, params, true, &rng);
    r.out.backward(seed);
    Tensor g = params[0].grad();
    ASSERT_TRUE(g.defined() && x.grad().defined());
    for (int64_t i = 0; i < g.numel(); ++i) ASSERT_TRUE(std::isfinite(g.f32()[i]));
    std::vector<float> v(g.f32(), g.f32() + g.numel());
    if (step == 0) first = v;
    else EXPECT_EQ(v, first);
  }
}

TEST(Recurrent, RejectsBadShapes) {
  RecurrentConfig cfg{RecurrentMode::Gru, 3, 4, 2, true, false, 0.0f};
  std::vector<Tensor> params;
  for (const auto& s : recurrentParameterShapes(cfg)) params.push_back(Tensor::zeros(s.second));
  EXPECT_THROW(recurrent(cfg, Tensor::zeros({2, 5, 4}), {}, {}, params, false, nullptr),
               std::invalid_argument);
  EXPECT_THROW(recurrent(cfg, Tensor::zeros({2, 5, 3}), Tensor::zeros({1, 2, 4}), {}, params,
                         false, nullptr),
               std::invalid_argument);
  params.pop_back();
  EXPECT_THROW(recurrent(cfg, Tensor::zeros({2, 5, 3}), {}, {}, params, false, nullptr),
               std::invalid_argument);
}

TEST(RecurrentLayers, SpecsShapesAndModules) {
  const LayerRegistry& reg = LayerRegistry::instance();
  for (const char* type : {"RNN", "LSTM", "GRU"}) {
    const LayerSpec* spec = reg.find(type);
    ASSERT_NE(spec, nullptr) << type;
    EXPECT_EQ(spec->category, "Recurrent");
    EXPECT_FALSE(spec->doc.empty());
    const bool lstm = std::string(type) == "LSTM";
    ASSERT_EQ(spec->inputs.size(), lstm ? 3u : 2u);
    ASSERT_EQ(spec->outputs.size(), lstm ? 3u : 2u);
    EXPECT_EQ(spec->inputs[1].name, "h0");
    EXPECT_TRUE(spec->inputs[1].optional);
    EXPECT_EQ(spec->outputs[1].name, "h_n");
    EXPECT_EQ(spec->param("nonlinearity") != nullptr, std::string(type) == "RNN");

    auto params = normalizeParams(*spec, Json{{"hidden_size", 6}, {"num_layers", 2},
                                              {"bidirectional", true}});
    ASSERT_TRUE(params) << params.message();
    ShapeContext ctx;
    ctx.params = *params;
    ctx.inputs = {TensorType{ValueKind::Float, {kBatch, kSeq, 5}}, std::nullopt};
    ctx.inputNames = {"in", "h0"};
    if (lstm) {
      ctx.inputs.push_back(std::nullopt);
      ctx.inputNames.push_back("c0");
    }
    auto r = spec->infer(ctx);
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->params["input_size"], 5);
    EXPECT_EQ(r->outputs[0].shape, (Shape{kBatch, kSeq, 12}));
    EXPECT_EQ(r->outputs[1].shape, (Shape{4, kBatch, 6}));
    const int64_t g = lstm ? 4 : std::string(type) == "GRU" ? 3 : 1;
    int64_t count = 0;
    for (const auto& [name, shape] : r->parameters) count += numel(shape);
    EXPECT_EQ(count, 2 * (g * 6 * (5 + 6) + 2 * g * 6) + 2 * (g * 6 * (12 + 6) + 2 * g * 6));
    EXPECT_EQ(r->flops, 2 * 2 * g * 6 * (5 + 6) + 2 * 2 * g * 6 * (12 + 6));

    // A wrong h0 is reported, naming the port and the expected shape.
    ctx.inputs[1] = TensorType{ValueKind::Float, {2, kBatch, 6}};
    auto bad = spec->infer(ctx);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.message().find("h0"), std::string::npos) << bad.message();
    EXPECT_NE(bad.message().find("[4, B, 6]"), std::string::npos) << bad.message();

    auto module = spec->create(r->params, *r, ctx.inputs);
    ASSERT_TRUE(module);
    ASSERT_EQ(module->parameters().size(), r->parameters.size());
    EXPECT_EQ(module->parameters()[0].name, "weight_ih_l0");
    Rng rng(3);
    module->resetParameters(rng);
    const float bound = 1.0f / std::sqrt(6.0f);
    for (const auto& p : module->parameters())
      for (int64_t i = 0; i < p.tensor.numel(); ++i)
        ASSERT_LE(std::fabs(p.tensor.f32()[i]), bound) << p.name;
    ForwardContext fc;
    fc.training = true;
    fc.rng = &rng;
    std::vector<Tensor> in{uniformTensor({3, 7, 5}, rng), Tensor()};
    if (lstm) in.push_back(Tensor());
    auto outs = module->forward(in, fc);
    ASSERT_EQ(outs.size(), lstm ? 3u : 2u);
    EXPECT_EQ(outs[0].shape(), (Shape{3, 7, 12}));
    EXPECT_EQ(outs[1].shape(), (Shape{4, 3, 6}));
  }
}
