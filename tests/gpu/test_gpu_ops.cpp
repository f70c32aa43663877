// CPU <-> GPU parity of every op the CUDA backend implements: the forward and the gradient of
// every input, on small random shapes, with TF32 off. Without a usable GPU each test is skipped
// with the reason (the CUDA error text, or "built without CUDA").
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gpu_test_util.h"
#include "nn/normalization/layernorm_op.h"
#include "nn/recurrent/rnn_op.h"
#include "nn/transformer/attention.h"
#include "ops/ops.h"
#include "tensor/autograd.h"
#include "train/adam.h"
#include "train/grad_clip.h"
#include "train/sgd.h"

using namespace strata;
using namespace strata::gpu_test;

TEST(GpuOps, Linear) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "linear", {randomTensor({4, 5, 6}, 1), randomTensor({3, 6}, 2), randomTensor({3}, 3)},
      [](const auto& in) { return std::vector<Tensor>{ops::linear(in[0], in[1], in[2])}; }, 6 * 20);
}

TEST(GpuOps, MatmulEveryTransposeAndBroadcast) {
  STRATA_REQUIRE_GPU();
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      const Shape as = ta ? Shape{2, 5, 4} : Shape{2, 4, 5};
      const Shape bs = tb ? Shape{2, 3, 5} : Shape{2, 5, 3};
      checkOp(
          "matmul ta" + std::to_string(ta) + " tb" + std::to_string(tb),
          {randomTensor(as, 10 + ta), randomTensor(bs, 20 + tb)},
          [ta, tb](const auto& in) {
            return std::vector<Tensor>{ops::matmul(in[0], in[1], ta, tb)};
          },
          16);
    }
  checkOp(
      "matmul broadcast b", {randomTensor({3, 4, 5}, 30), randomTensor({5, 2}, 31)},
      [](const auto& in) { return std::vector<Tensor>{ops::matmul(in[0], in[1])}; }, 16);
}

TEST(GpuOps, Activations) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({3, 7, 5}, 4, -4.0f, 4.0f);
  checkOp(
      "relu", {x}, [](const auto& in) { return std::vector<Tensor>{ops::relu(in[0])}; }, 16);
  checkOp(
      "gelu", {x}, [](const auto& in) { return std::vector<Tensor>{ops::gelu(in[0])}; }, 16);
  checkOp(
      "gelu tanh", {x}, [](const auto& in) { return std::vector<Tensor>{ops::gelu(in[0], true)}; },
      16);
  checkOp(
      "tanh", {x}, [](const auto& in) { return std::vector<Tensor>{ops::tanh(in[0])}; }, 16);
  checkOp(
      "sigmoid", {x}, [](const auto& in) { return std::vector<Tensor>{ops::sigmoid(in[0])}; }, 16);
  checkOp(
      "scale", {x}, [](const auto& in) { return std::vector<Tensor>{ops::scale(in[0], -0.75f)}; },
      16);
}

TEST(GpuOps, AddAndMulWithBroadcast) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "add", {randomTensor({4, 3, 6}, 5), randomTensor({6}, 6)},
      [](const auto& in) { return std::vector<Tensor>{ops::add(in[0], in[1])}; }, 16);
  checkOp(
      "add same", {randomTensor({4, 6}, 7), randomTensor({4, 6}, 8)},
      [](const auto& in) { return std::vector<Tensor>{ops::add(in[0], in[1])}; }, 16);
  checkOp(
      "mul", {randomTensor({4, 3, 6}, 9), randomTensor({3, 6}, 10)},
      [](const auto& in) { return std::vector<Tensor>{ops::mul(in[0], in[1])}; }, 16);
}

TEST(GpuOps, SoftmaxAndLogSoftmaxOnEveryDim) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({3, 4, 37}, 11, -5.0f, 5.0f);
  for (int dim : {-1, 1, 0}) {
    checkOp(
        "softmax dim " + std::to_string(dim), {x},
        [dim](const auto& in) { return std::vector<Tensor>{ops::softmax(in[0], dim)}; }, 37);
    checkOp(
        "logSoftmax dim " + std::to_string(dim), {x},
        [dim](const auto& in) { return std::vector<Tensor>{ops::logSoftmax(in[0], dim)}; }, 37);
  }
}

TEST(GpuOps, Reductions) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({5, 6, 7}, 12);
  checkOp(
      "sum", {x}, [](const auto& in) { return std::vector<Tensor>{ops::sum(in[0])}; }, 210);
  checkOp(
      "mean", {x}, [](const auto& in) { return std::vector<Tensor>{ops::mean(in[0])}; }, 210);
  checkOp(
      "sum dim 1", {x},
      [](const auto& in) { return std::vector<Tensor>{ops::sum(in[0], 1, true)}; }, 16);
  checkOp(
      "mean dim 0", {x},
      [](const auto& in) { return std::vector<Tensor>{ops::mean(in[0], 0, false)}; }, 16);
}

TEST(GpuOps, EmbeddingGatherAndScatterAdd) {
  STRATA_REQUIRE_GPU();
  // Repeated indices: the backward's scatter-add must sum every occurrence.
  checkOp(
      "embedding", {indices({4, 9}, 6, 13), randomTensor({6, 5}, 14)},
      [](const auto& in) { return std::vector<Tensor>{ops::embedding(in[0], in[1])}; }, 36);
}

TEST(GpuOps, EmbeddingOutOfRangeThrowsNamingTheIndex) {
  STRATA_REQUIRE_GPU();
  Tensor idx = Tensor::fromVector({3}, std::vector<int64_t>{0, 7, 1}).to(gpu());
  Tensor w = randomTensor({4, 2}, 15).to(gpu());
  try {
    ops::embedding(idx, w);
    FAIL() << "no exception";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("index 7"), std::string::npos) << e.what();
  }
}

TEST(GpuOps, SliceConcatTranspose) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({3, 5, 4}, 16), y = randomTensor({3, 2, 4}, 17);
  checkOp(
      "slice", {x}, [](const auto& in) { return std::vector<Tensor>{ops::slice(in[0], 1, 1, 4)}; },
      16);
  checkOp(
      "concat", {x, y},
      [](const auto& in) {
        return std::vector<Tensor>{ops::concat({in[0], in[1]}, 1)};
      },
      16);
  checkOp(
      "transpose", {x},
      [](const auto& in) { return std::vector<Tensor>{ops::transpose(in[0], 0, 2)}; }, 16);
  checkOp(
      "transpose 1 2", {x},
      [](const auto& in) { return std::vector<Tensor>{ops::transpose(in[0], 1, 2)}; }, 16);
}

TEST(GpuOps, SequencePoolEveryMode) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({3, 6, 4}, 18);
  for (auto mode : {ops::PoolMode::Last, ops::PoolMode::Mean, ops::PoolMode::Max})
    checkOp(
        "sequencePool " + std::to_string(static_cast<int>(mode)), {x},
        [mode](const auto& in) { return std::vector<Tensor>{ops::sequencePool(in[0], mode)}; }, 16);
}

TEST(GpuOps, Losses) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "mse", {randomTensor({8, 3}, 19), randomTensor({8, 3}, 20)},
      [](const auto& in) { return std::vector<Tensor>{ops::mseLoss(in[0], in[1])}; }, 24);
  Tensor target = indices({4, 5}, 7, 21);
  target.i64()[3] = -100;  // ignored
  checkOp(
      "crossEntropy", {randomTensor({4, 5, 7}, 22, -3.0f, 3.0f), target},
      [](const auto& in) { return std::vector<Tensor>{ops::crossEntropy(in[0], in[1])}; }, 20);
}

TEST(GpuOps, LayerNorm) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "layerNorm",
      {randomTensor({4, 3, 40}, 23, -2.0f, 3.0f), randomTensor({40}, 24), randomTensor({40}, 25)},
      [](const auto& in) {
        return std::vector<Tensor>{ops::layerNorm(in[0], in[1], in[2], 1e-5f)};
      },
      40);
}

TEST(GpuOps, AttentionWithCausalAndPaddingMasks) {
  STRATA_REQUIRE_GPU();
  const int64_t B = 2, T = 5, E = 8;
  Tensor pad = Tensor::zeros({B, T});
  pad.f32()[T - 1] = 1.0f;  // batch 0: the last key is padding
  for (bool causal : {false, true})
    checkOp(
        std::string("attention causal ") + (causal ? "on" : "off"),
        {randomTensor({B, T, E}, 26), randomTensor({3 * E, E}, 27), randomTensor({3 * E}, 28),
         randomTensor({E, E}, 29), randomTensor({E}, 30)},
        [causal, pad](const auto& in) {
          nn::AttentionParams p{in[1], in[2], in[3], in[4]};
          nn::AttentionOptions o;
          o.numHeads = 2;
          o.causal = causal;
          Rng rng(1);
          ForwardContext ctx{false, &rng, false};
          const Tensor mask = in[0].isCpu() ? pad : pad.to(in[0].device());
          return std::vector<Tensor>{
              nn::multiheadAttention(in[0], in[0], in[0], mask, p, o, ctx).out};
        },
        16);
}

TEST(GpuOps, RecurrentEveryModeBothDirectionsTwoLayersWithStates) {
  STRATA_REQUIRE_GPU();
  for (RecurrentMode mode :
       {RecurrentMode::Lstm, RecurrentMode::Gru, RecurrentMode::RnnTanh, RecurrentMode::RnnRelu})
    for (bool bi : {false, true}) {
      RecurrentConfig cfg;
      cfg.mode = mode;
      cfg.inputSize = 5;
      cfg.hiddenSize = 4;
      cfg.numLayers = 2;
      cfg.bidirectional = bi;
      const int64_t B = 3, T = 6, LD = cfg.numLayers * cfg.directions();
      std::vector<Tensor> in{randomTensor({B, T, 5}, 40), randomTensor({LD, B, 4}, 41),
                             randomTensor({LD, B, 4}, 42)};
      uint64_t seed = 50;
      for (const auto& [name, shape] : recurrentParameterShapes(cfg))
        in.push_back(randomTensor(shape, seed++, -0.5f, 0.5f));
      const bool lstm = mode == RecurrentMode::Lstm;
      checkOp(
          "recurrent mode " + std::to_string(static_cast<int>(mode)) + (bi ? " bi" : ""), in,
          [cfg, lstm](const auto& t) {
            std::vector<Tensor> params(t.begin() + 3, t.end());
            RecurrentOutputs o =
                recurrent(cfg, t[0], t[1], lstm ? t[2] : Tensor(), params, false, nullptr);
            return std::vector<Tensor>{o.out, o.hN, o.cN};
          },
          5 + 4 * 8);
    }
}

// GRU with linear_before_reset false runs on cuda_gru.cpp (cuDNN has only the other form):
// uni- and bidirectional, one and two layers, with and without biases and initial state, and a
// single time step (where every h_prev is h0).
TEST(GpuOps, ClassicGruMatchesTheCpuInEveryShape) {
  STRATA_REQUIRE_GPU();
  struct Case {
    bool bi, bias, h0;
    int64_t layers, T;
  };
  const std::vector<Case> cases{{false, true, true, 1, 6},  {true, true, true, 2, 6},
                                {false, true, false, 2, 5}, {true, false, true, 1, 4},
                                {true, true, false, 2, 1},  {false, false, false, 3, 3}};
  for (const Case& c : cases) {
    RecurrentConfig cfg;
    cfg.mode = RecurrentMode::Gru;
    cfg.linearBeforeReset = false;
    cfg.inputSize = 5;
    cfg.hiddenSize = 4;
    cfg.numLayers = c.layers;
    cfg.bidirectional = c.bi;
    cfg.bias = c.bias;
    const int64_t B = 3, LD = cfg.numLayers * cfg.directions();
    std::vector<Tensor> in{randomTensor({B, c.T, 5}, 90), randomTensor({LD, B, 4}, 91)};
    uint64_t seed = 100;
    for (const auto& [name, shape] : recurrentParameterShapes(cfg))
      in.push_back(randomTensor(shape, seed++, -0.6f, 0.6f));
    const std::string name = std::string("classic gru") + (c.bi ? " bi" : "") +
                             (c.bias ? "" : " no-bias") + (c.h0 ? " h0" : "") + " L" +
                             std::to_string(c.layers) + " T" + std::to_string(c.T);
    checkOp(
        name, in,
        [cfg, c](const auto& t) {
          std::vector<Tensor> params(t.begin() + 2, t.end());
          RecurrentOutputs o =
              recurrent(cfg, t[0], c.h0 ? t[1] : Tensor(), Tensor(), params, false, nullptr);
          return std::vector<Tensor>{o.out, o.hN};
        },
        5 + 4 * 8);
  }
}

// Inter-layer dropout of the classic GRU draws the GPU's own masks (not the CPU's), so it is
// checked by what it must and must not change: the first layer's final state is computed
// before any dropout and stays exactly as without it; the output of the last layer changes;
// the gradient reaches every parameter.
TEST(GpuOps, ClassicGruDropoutActsBetweenLayersOnly) {
  STRATA_REQUIRE_GPU();
  RecurrentConfig cfg;
  cfg.mode = RecurrentMode::Gru;
  cfg.linearBeforeReset = false;
  cfg.inputSize = 5;
  cfg.hiddenSize = 8;
  cfg.numLayers = 2;
  cfg.bidirectional = true;
  cfg.dropout = 0.5f;
  const Tensor x = onGpu(randomTensor({4, 7, 5}, 120), false);
  std::vector<Tensor> params;
  uint64_t seed = 130;
  for (const auto& [name, shape] : recurrentParameterShapes(cfg))
    params.push_back(onGpu(randomTensor(shape, seed++, -0.5f, 0.5f), true));
  Rng rng(3);
  const RecurrentOutputs plain = recurrent(cfg, x, Tensor(), Tensor(), params, false, nullptr);
  const RecurrentOutputs dropped = recurrent(cfg, x, Tensor(), Tensor(), params, true, &rng);
  const Tensor h1 = host(plain.hN), h2 = host(dropped.hN);
  const int64_t firstLayer = 2 * 4 * 8;  // both directions of layer 0: [2, B, H]
  for (int64_t i = 0; i < firstLayer; ++i) ASSERT_EQ(h1.f32()[i], h2.f32()[i]) << i;
  const Tensor o1 = host(plain.out), o2 = host(dropped.out);
  int64_t differ = 0;
  for (int64_t i = 0; i < o1.numel(); ++i) differ += o1.f32()[i] != o2.f32()[i];
  EXPECT_GT(differ, o1.numel() / 2) << "dropout changed almost nothing";
  ops::sum(dropped.out).backward();
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(params[i].grad().defined()) << i;
    const Tensor g = host(params[i].grad());
    double sq = 0;
    for (int64_t k = 0; k < g.numel(); ++k) sq += double(g.f32()[k]) * g.f32()[k];
    EXPECT_TRUE(sq > 0 && std::isfinite(sq)) << "parameter " << i << ": " << sq;
  }
}

TEST(GpuOps, DropoutMasksAreSeededAndScaled) {
  STRATA_REQUIRE_GPU();
  const int64_t n = 200000;
  Tensor x = onGpu(Tensor::full({n}, 2.0f), true);
  Rng a(7), b(7);
  Tensor y1 = host(ops::dropout(x, 0.3f, true, a));
  Tensor y2 = host(ops::dropout(x, 0.3f, true, b));
  int64_t zeros = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(y1.f32()[i], y2.f32()[i]) << "same seed, same mask, at " << i;
    if (y1.f32()[i] == 0.0f)
      ++zeros;
    else
      ASSERT_FLOAT_EQ(y1.f32()[i], 2.0f / 0.7f);
  }
  EXPECT_NEAR(static_cast<double>(zeros) / n, 0.3, 0.01);
  Tensor y = ops::dropout(x, 0.3f, true, a);
  ops::sum(y).backward();
  const Tensor g = host(x.grad()), yh = host(y);
  for (int64_t i = 0; i < n; ++i) ASSERT_FLOAT_EQ(g.f32()[i], yh.f32()[i] / 2.0f);
}

TEST(GpuOps, OptimizerStepsMatchTheCpu) {
  STRATA_REQUIRE_GPU();
  struct Case {
    const char* name;
    std::function<std::unique_ptr<Optimizer>(std::vector<NamedTensor>)> make;
  };
  const std::vector<Case> cases{
      {"adam",
       [](auto p) { return std::make_unique<Adam>(p, 1e-2, 0.9, 0.999, 1e-8, 0.0, false); }},
      {"adam l2",
       [](auto p) { return std::make_unique<Adam>(p, 1e-2, 0.9, 0.999, 1e-8, 0.1, false); }},
      {"adamw",
       [](auto p) { return std::make_unique<Adam>(p, 1e-2, 0.9, 0.999, 1e-8, 0.01, true); }},
      {"sgd", [](auto p) { return std::make_unique<Sgd>(p, 0.1, 0.0, false, 0.0); }},
      {"sgd nesterov", [](auto p) { return std::make_unique<Sgd>(p, 0.1, 0.9, true, 1e-3); }}};
  for (const Case& c : cases) {
    Tensor pc = leaf(randomTensor({7, 5}, 60), true), pg = onGpu(randomTensor({7, 5}, 60), true);
    auto oc = c.make({{"w", pc}}), og = c.make({{"w", pg}});
    for (int step = 0; step < 5; ++step) {
      const Tensor grad = randomTensor({7, 5}, 70 + step);
      pc.setGrad(grad.clone());
      pg.setGrad(grad.to(gpu()));
      oc->step();
      og->step();
    }
    EXPECT_TRUE(close(std::string(c.name) + " weights after 5 steps", pc, pg, 16));
  }
}

TEST(GpuOps, GradNormClipAndTheNonFiniteGuard) {
  STRATA_REQUIRE_GPU();
  Tensor pc = leaf(randomTensor({300}, 80), true), pg = onGpu(randomTensor({300}, 80), true);
  const Tensor grad = randomTensor({300}, 81, -3.0f, 3.0f);
  pc.setGrad(grad.clone());
  pg.setGrad(grad.to(gpu()));
  const double nc = clipGradNorm({{"w", pc}}, 1.0), ng = clipGradNorm({{"w", pg}}, 1.0);
  EXPECT_NEAR(ng, nc, 1e-6 * nc);
  EXPECT_TRUE(close("clipped gradient", pc.grad(), pg.grad(), 300));
  Tensor bad = grad.clone();
  bad.f32()[17] = std::numeric_limits<float>::quiet_NaN();
  pg.setGrad(bad.to(gpu()));
  EXPECT_FALSE(std::isfinite(gradNorm({{"w", pg}})));
}
