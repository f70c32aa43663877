// CPU <-> GPU parity of the numpy-semantics ops that graphs imported from ONNX are made of
// (ops/tensor_ops.cpp on the CPU, backends/cuda/cuda_tensor_ops.cpp on the GPU): expand, the
// broadcasting binary ops, permute, broadcast matmul, Reduce sum/mean/max and the elementwise
// functions, forward and every gradient, TF32 off. Skipped with the reason without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gpu_test_util.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

using namespace strata;
using namespace strata::gpu_test;

namespace {

std::vector<Tensor> one(const Tensor& t) { return {t}; }

const char* kindName(ops::BinaryKind k) {
  switch (k) {
    case ops::BinaryKind::Add: return "add";
    case ops::BinaryKind::Sub: return "sub";
    case ops::BinaryKind::Mul: return "mul";
    case ops::BinaryKind::Div: return "div";
  }
  return "?";
}

// Values in ±[0.5, 1.5): a divisor far from 0 (the quotient's gradient divides by b²).
Tensor awayFromZero(const Shape& shape, uint64_t seed) {
  Tensor t = randomTensor(shape, seed, 0.5f, 1.5f);
  for (int64_t i = 0; i < t.numel(); i += 2) t.f32()[i] = -t.f32()[i];
  return t;
}

}  // namespace

TEST(GpuTensorOps, ExpandSumsItsGradientOverTheRepeatedDims) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "expand [3,1,4] -> [2,3,5,4]", {randomTensor({3, 1, 4}, 1)},
      [](const auto& in) { return one(ops::expand(in[0], {2, 3, 5, 4})); }, 10);
  checkOp(
      "expand [] -> [3,2]", {randomTensor({}, 2)},
      [](const auto& in) { return one(ops::expand(in[0], {3, 2})); }, 6);
}

TEST(GpuTensorOps, BinaryOpsWithNumpyBroadcastingEveryKind) {
  STRATA_REQUIRE_GPU();
  struct Case {
    Shape a, b;
  };
  // Both operands broadcast; b with fewer dims; a with fewer dims; equal shapes; a scalar b.
  const std::vector<Case> cases{
      {{3, 1, 5}, {4, 1}}, {{2, 3, 4}, {3, 1}}, {{5}, {2, 3, 5}}, {{2, 3, 4}, {2, 3, 4}},
      {{4, 6}, {}}};
  uint64_t seed = 10;
  for (ops::BinaryKind k : {ops::BinaryKind::Add, ops::BinaryKind::Sub, ops::BinaryKind::Mul,
                            ops::BinaryKind::Div})
    for (const Case& c : cases) {
      const Tensor a = randomTensor(c.a, seed++);
      const Tensor b = k == ops::BinaryKind::Div ? awayFromZero(c.b, seed++)
                                                 : randomTensor(c.b, seed++);
      checkOp(
          std::string(kindName(k)) + " " + shapeToString(c.a) + " " + shapeToString(c.b), {a, b},
          [k](const auto& in) { return one(ops::binaryOp(k, in[0], in[1])); }, 64);
    }
}

TEST(GpuTensorOps, PermuteEveryRankAndOrder) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "permute [1,0]", {randomTensor({5, 7}, 20)},
      [](const auto& in) { return one(ops::permute(in[0], {1, 0})); }, 1);
  checkOp(
      "permute [3,1,0,2]", {randomTensor({2, 3, 4, 5}, 21)},
      [](const auto& in) { return one(ops::permute(in[0], {3, 1, 0, 2})); }, 1);
  checkOp(
      "permute identity", {randomTensor({2, 3, 4}, 22)},
      [](const auto& in) { return one(ops::permute(in[0], {0, 1, 2})); }, 1);
}

TEST(GpuTensorOps, PermuteRefusesWhatTheCpuRefuses) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({2, 3}, 23).to(gpu());
  EXPECT_THROW(ops::permute(x, {0, 0}), std::invalid_argument);
  EXPECT_THROW(ops::permute(x, {0, 1, 2}), std::invalid_argument);
  EXPECT_THROW(ops::binaryOp(ops::BinaryKind::Add, x, randomTensor({4}, 24).to(gpu())),
               std::invalid_argument);
}

TEST(GpuTensorOps, BatchMatmulWithBroadcastBatchDims) {
  STRATA_REQUIRE_GPU();
  checkOp(
      "matmul [2,1,4,5] @ [3,5,6]", {randomTensor({2, 1, 4, 5}, 30), randomTensor({3, 5, 6}, 31)},
      [](const auto& in) { return one(ops::batchMatmul(in[0], in[1])); }, 5 * 6);
  checkOp(
      "matmul [4,5] @ [2,5,3]", {randomTensor({4, 5}, 32), randomTensor({2, 5, 3}, 33)},
      [](const auto& in) { return one(ops::batchMatmul(in[0], in[1])); }, 5 * 2 * 3);
  checkOp(
      "matmul [2,4,5] @ [5,3]", {randomTensor({2, 4, 5}, 34), randomTensor({5, 3}, 35)},
      [](const auto& in) { return one(ops::batchMatmul(in[0], in[1])); }, 5 * 8);
}

TEST(GpuTensorOps, ReduceSumAndMeanOverAnyDims) {
  STRATA_REQUIRE_GPU();
  const Tensor x = randomTensor({3, 4, 5, 6}, 40);
  struct Case {
    std::vector<int> dims;
    bool keep;
  };
  const std::vector<Case> cases{{{1, 3}, true}, {{1, 3}, false}, {{-1}, false}, {{}, false},
                                {{0, 0, 2}, true}, {{2, 0}, false}};
  for (bool mean : {false, true})
    for (const Case& c : cases) {
      std::string name = std::string(mean ? "mean" : "sum") + " dims";
      for (int d : c.dims) name += " " + std::to_string(d);
      name += c.keep ? " keep" : "";
      checkOp(
          name, {x},
          [c, mean](const auto& in) { return one(ops::reduceDims(in[0], c.dims, c.keep, mean)); },
          360);
    }
  // Few long groups: the one-block-per-group kernel.
  checkOp(
      "sum of long rows", {randomTensor({3, 3000}, 41)},
      [](const auto& in) { return one(ops::reduceDims(in[0], {1}, false, false)); }, 3000);
  checkOp(
      "mean of everything", {randomTensor({50, 70}, 42)},
      [](const auto& in) { return one(ops::reduceDims(in[0], {}, false, true)); }, 3500);
}

TEST(GpuTensorOps, ReduceMaxSendsTheGradientToTheFirstMaximum) {
  STRATA_REQUIRE_GPU();
  // Values on a coarse grid: most groups hold ties, and the gradient must land on the first
  // maximum in flat order as on the CPU.
  Tensor ties = randomTensor({4, 6, 5}, 50, -2.0f, 2.0f);
  for (int64_t i = 0; i < ties.numel(); ++i) ties.f32()[i] = std::round(ties.f32()[i]);
  for (const std::vector<int>& dims : std::vector<std::vector<int>>{{1}, {0, 2}, {}, {-1}})
    for (bool keep : {false, true}) {
      std::string name = "max dims";
      for (int d : dims) name += " " + std::to_string(d);
      checkOp(
          name + (keep ? " keep" : ""), {ties},
          [dims, keep](const auto& in) { return one(ops::reduceMaxDims(in[0], dims, keep)); },
          1);
    }
  // Long groups (the block kernel), ties again.
  Tensor wide = randomTensor({3, 1000}, 51, -3.0f, 3.0f);
  for (int64_t i = 0; i < wide.numel(); ++i) wide.f32()[i] = std::round(wide.f32()[i]);
  checkOp(
      "max of long rows", {wide},
      [](const auto& in) { return one(ops::reduceMaxDims(in[0], {1}, false)); }, 1);
}

TEST(GpuTensorOps, ReduceMaxPicksTheFirstNanAsTheCpuDoes) {
  STRATA_REQUIRE_GPU();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Row 0: a NaN after the maximum; row 1: two NaNs (the first one wins); row 2: none.
  const Tensor x = Tensor::fromVector({3, 4}, std::vector<float>{5, 1, nan, 2,  //
                                                                  0, nan, 9, nan,  //
                                                                  1, 3, 3, 0});
  for (const Tensor& in : {leaf(x, true), onGpu(x, true)}) {
    Tensor y = ops::reduceMaxDims(in, {1}, false);
    ops::sum(y).backward();
    const Tensor yh = host(y), gh = host(in.grad());
    EXPECT_TRUE(std::isnan(yh.f32()[0]) && std::isnan(yh.f32()[1])) << in.device().str();
    EXPECT_EQ(yh.f32()[2], 3.0f) << in.device().str();
    const std::vector<float> want{0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0};
    for (int64_t i = 0; i < 12; ++i)
      EXPECT_EQ(gh.f32()[i], want[static_cast<size_t>(i)]) << in.device().str() << " at " << i;
  }
}

TEST(GpuTensorOps, ElementwiseFunctionsEveryKind) {
  STRATA_REQUIRE_GPU();
  struct Case {
    ops::UnaryKind kind;
    const char* name;
    float lo, hi, alpha;
  };
  // log, sqrt and reciprocal on positive inputs away from 0, where they and their derivatives
  // are well conditioned; the rest across both signs.
  using K = ops::UnaryKind;
  const std::vector<Case> cases{
      {K::Exp, "exp", -3, 3, 0},           {K::Log, "log", 0.2f, 3, 0},
      {K::Sqrt, "sqrt", 0.2f, 3, 0},       {K::Reciprocal, "reciprocal", 0.3f, 2, 0},
      {K::Abs, "abs", -3, 3, 0},           {K::Neg, "neg", -3, 3, 0},
      {K::Erf, "erf", -3, 3, 0},           {K::Softplus, "softplus", -5, 5, 0},
      {K::Softsign, "softsign", -3, 3, 0}, {K::Elu, "elu", -3, 3, 1.5f},
      {K::LeakyRelu, "leaky_relu", -3, 3, 0.1f}, {K::Selu, "selu", -3, 3, 0}};
  uint64_t seed = 60;
  for (const Case& c : cases)
    checkOp(
        c.name, {randomTensor({4, 5, 6}, seed++, c.lo, c.hi)},
        [c](const auto& in) { return one(ops::unaryOp(c.kind, in[0], c.alpha)); }, 1);
}
