// Central-difference gradient check for every differentiable op and both losses on small shapes:
// the analytic gradient of L = sum(w * op(x)) (w random) against (L(x + e) - L(x - e)) / 2e,
// L accumulated in double. Ops run in float32, so e is 1e-2 and the tolerance is
// |analytic - numeric| <= 1e-3 + 1e-2 |numeric|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include "core/rng.h"
#include "ops/ops.h"
#include "tensor/autograd.h"
#include "gradcheck_util.h"

using namespace strata;
using namespace strata::test;

TEST(OpsGradcheck, Dense) {
  Rng r(1);
  gradcheck("matmul [3,4]x[4,2]", [](const auto& x) { return ops::matmul(x[0], x[1]); },
            {randn({3, 4}, r), randn({4, 2}, r)});
  gradcheck("matmul tA tB batched",
            [](const auto& x) { return ops::matmul(x[0], x[1], true, true); },
            {randn({2, 4, 3}, r), randn({2, 2, 4}, r)});
  gradcheck("matmul broadcast b", [](const auto& x) { return ops::matmul(x[0], x[1]); },
            {randn({2, 3, 4}, r), randn({4, 5}, r)});
  gradcheck("matmul broadcast b, transA",
            [](const auto& x) { return ops::matmul(x[0], x[1], true, false); },
            {randn({2, 4, 3}, r), randn({4, 2}, r)});
  gradcheck("linear with bias", [](const auto& x) { return ops::linear(x[0], x[1], x[2]); },
            {randn({2, 3, 4}, r), randn({5, 4}, r), randn({5}, r)});
  gradcheck("linear no bias", [](const auto& x) { return ops::linear(x[0], x[1], Tensor()); },
            {randn({3, 2}, r), randn({1, 2}, r)});
}

TEST(OpsGradcheck, Elementwise) {
  Rng r(2);
  gradcheck("relu", [](const auto& x) { return ops::relu(x[0]); }, {separated({3, 5}, r)});
  gradcheck("gelu erf", [](const auto& x) { return ops::gelu(x[0]); }, {randn({3, 5}, r, 2)});
  gradcheck("gelu tanh", [](const auto& x) { return ops::gelu(x[0], true); },
            {randn({3, 5}, r, 2)});
  gradcheck("tanh", [](const auto& x) { return ops::tanh(x[0]); }, {randn({3, 5}, r)});
  gradcheck("sigmoid", [](const auto& x) { return ops::sigmoid(x[0]); }, {randn({3, 5}, r, 2)});
  gradcheck("scale", [](const auto& x) { return ops::scale(x[0], 1.7f); }, {randn({4}, r)});
  gradcheck("add same shape", [](const auto& x) { return ops::add(x[0], x[1]); },
            {randn({2, 3}, r), randn({2, 3}, r)});
  gradcheck("add broadcast", [](const auto& x) { return ops::add(x[0], x[1]); },
            {randn({2, 3, 4}, r), randn({3, 4}, r)});
  gradcheck("mul same shape", [](const auto& x) { return ops::mul(x[0], x[1]); },
            {randn({2, 3}, r), randn({2, 3}, r)});
  gradcheck("mul broadcast", [](const auto& x) { return ops::mul(x[0], x[1]); },
            {randn({2, 3, 4}, r), randn({4}, r)});
}

TEST(OpsGradcheck, SoftmaxAndReductions) {
  Rng r(3);
  gradcheck("softmax dim -1", [](const auto& x) { return ops::softmax(x[0], -1); },
            {randn({2, 5}, r)});
  gradcheck("softmax dim 1 of 3", [](const auto& x) { return ops::softmax(x[0], 1); },
            {randn({2, 3, 4}, r)});
  gradcheck("logSoftmax dim -1", [](const auto& x) { return ops::logSoftmax(x[0], -1); },
            {randn({3, 4}, r)});
  gradcheck("logSoftmax dim 0", [](const auto& x) { return ops::logSoftmax(x[0], 0); },
            {randn({3, 2, 2}, r)});
  gradcheck("sum all", [](const auto& x) { return ops::sum(x[0]); }, {randn({2, 3}, r)});
  gradcheck("mean all", [](const auto& x) { return ops::mean(x[0]); }, {randn({2, 3}, r)});
  gradcheck("sum dim 1", [](const auto& x) { return ops::sum(x[0], 1, false); },
            {randn({2, 3, 4}, r)});
  gradcheck("mean dim -1 keep", [](const auto& x) { return ops::mean(x[0], -1, true); },
            {randn({2, 3, 4}, r)});
}

TEST(OpsGradcheck, Structure) {
  Rng r(4);
  Tensor idx = longs({2, 3}, {0, 2, 2, 4, 0, 0});
  gradcheck("embedding (repeats)", [idx](const auto& x) { return ops::embedding(idx, x[0]); },
            {randn({5, 3}, r)});
  gradcheck("slice", [](const auto& x) { return ops::slice(x[0], 1, 1, 3); },
            {randn({2, 4, 3}, r)});
  gradcheck("concat dim 1", [](const auto& x) { return ops::concat({x[0], x[1], x[2]}, 1); },
            {randn({2, 1, 3}, r), randn({2, 2, 3}, r), randn({2, 3, 3}, r)});
  gradcheck("transpose 0,2", [](const auto& x) { return ops::transpose(x[0], 0, 2); },
            {randn({2, 3, 4}, r)});
  gradcheck("dropout p=0.4", [](const auto& x) {
    Rng dr(77);
    return ops::dropout(x[0], 0.4f, true, dr);
  }, {randn({4, 5}, r)});
  for (auto [mode, name] : {std::pair{ops::PoolMode::Last, "sequencePool last"},
                            std::pair{ops::PoolMode::Mean, "sequencePool mean"},
                            std::pair{ops::PoolMode::Max, "sequencePool max"}})
  {
    // A named copy: clang 14 cannot capture a structured binding.
    const ops::PoolMode m = mode;
    gradcheck(name, [m](const auto& x) { return ops::sequencePool(x[0], m); },
              {separated({2, 4, 3}, r)});
  }
}

TEST(OpsGradcheck, Losses) {
  Rng r(5);
  gradcheck("mseLoss", [](const auto& x) { return ops::mseLoss(x[0], x[1]); },
            {randn({3, 4}, r), randn({3, 4}, r)});
  Tensor t1 = longs({4}, {1, 0, 3, 2});
  gradcheck("crossEntropy [N,C]", [t1](const auto& x) { return ops::crossEntropy(x[0], t1); },
            {randn({4, 5}, r)});
  Tensor t2 = longs({2, 3}, {1, -100, 3, 0, 2, -100});
  gradcheck("crossEntropy [B,T,C] ignore",
            [t2](const auto& x) { return ops::crossEntropy(x[0], t2); }, {randn({2, 3, 4}, r)});
}
