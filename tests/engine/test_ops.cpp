// Targeted checks of engine/ops beyond parity: broadcast gradients, cross-entropy with
// ignore_index and [B, T, C], dropout statistics and seeding, error messages for bad inputs,
// primitive reuse, grad mode, and bit-for-bit determinism of the reductions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "backends/cpu/dnnl_context.h"
#include "common/fp32_rule.h"
#include "core/rng.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

using namespace strata;

namespace {

Tensor randn(const Shape& s, uint64_t seed) {
  Rng rng(seed);
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = rng.normal();
  return t;
}

template <class F>
std::string messageOf(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "<no exception>";
}

bool bitEqual(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

}  // namespace

TEST(Ops, BroadcastAddGradSumsOverLeadingDims) {
  Tensor a = randn({2, 3, 4}, 1).setRequiresGrad();
  Tensor b = randn({4}, 2).setRequiresGrad();
  Tensor c = randn({3, 4}, 3).setRequiresGrad();
  Tensor y = ops::add(ops::add(a, b), c);
  EXPECT_FLOAT_EQ(y.f32()[1 * 12 + 2 * 4 + 3], a.f32()[23] + b.f32()[3] + c.f32()[11]);
  ops::sum(y).backward();
  for (int64_t i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(a.grad().f32()[i], 1.0f);
  for (int64_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(b.grad().f32()[i], 6.0f);  // 2 * 3 rows
  for (int64_t i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(c.grad().f32()[i], 2.0f);
  EXPECT_EQ(b.grad().shape(), (Shape{4}));
  EXPECT_EQ(c.grad().shape(), (Shape{3, 4}));
}

TEST(Ops, BroadcastMulGradOfBIsColumnSumOfA) {
  Tensor a = randn({5, 3}, 4).setRequiresGrad();
  Tensor b = randn({3}, 5).setRequiresGrad();
  ops::sum(ops::mul(a, b)).backward();
  for (int64_t c = 0; c < 3; ++c) {
    double colSum = 0;
    for (int64_t r = 0; r < 5; ++r) {
      colSum += a.f32()[r * 3 + c];
      EXPECT_FLOAT_EQ(a.grad().f32()[r * 3 + c], b.f32()[c]);
    }
    EXPECT_NEAR(b.grad().f32()[c], colSum, 1e-5);
  }
}

TEST(Ops, CrossEntropyIgnoreIndexOverBTC) {
  const int64_t B = 2, T = 3, C = 4;
  Tensor logits = randn({B, T, C}, 6).setRequiresGrad();
  Tensor target = Tensor::fromVector({B, T}, std::vector<int64_t>{1, -100, 3, 0, -100, 2});
  Tensor loss = ops::crossEntropy(logits, target);
  loss.backward();
  // Reference in double: mean over the 4 counted positions.
  double total = 0;
  std::vector<double> grad(B * T * C, 0.0);
  for (int64_t i = 0; i < B * T; ++i) {
    const int64_t t = target.i64()[i];
    if (t == -100) continue;
    const float* row = logits.f32() + i * C;
    double mx = row[0], z = 0;
    for (int64_t c = 1; c < C; ++c) mx = std::max(mx, double(row[c]));
    for (int64_t c = 0; c < C; ++c) z += std::exp(row[c] - mx);
    total += -(row[t] - mx - std::log(z));
    for (int64_t c = 0; c < C; ++c)
      grad[i * C + c] = (std::exp(row[c] - mx) / z - (c == t ? 1.0 : 0.0)) / 4.0;
  }
  // The fp32 rule (docs/numerics.md) against the double formula; K: the C-term and 4-row sums.
  const double want = total / 4.0;
  const float got = loss.item();
  const auto l = test::checkFp32(&got, &want, nullptr, 1, C * 4);
  EXPECT_TRUE(l.ok()) << l.describe("loss");
  const auto g = test::checkFp32(logits.grad().f32(), grad.data(), nullptr, B * T * C, C * 4);
  EXPECT_TRUE(g.ok()) << g.describe("logits.grad");
  // Ignored positions get exactly zero gradient.
  for (int64_t c = 0; c < C; ++c) EXPECT_EQ(logits.grad().f32()[1 * C + c], 0.0f);
}

TEST(Ops, CrossEntropyAllIgnoredIsNanWithZeroGradLikePyTorch) {
  Tensor logits = randn({3, 5}, 7).setRequiresGrad();
  Tensor target = Tensor::fromVector({3}, std::vector<int64_t>{-100, -100, -100});
  Tensor loss = ops::crossEntropy(logits, target);
  EXPECT_TRUE(std::isnan(loss.item()));
  loss.backward();
  for (int64_t j = 0; j < 15; ++j) EXPECT_EQ(logits.grad().f32()[j], 0.0f);
}

TEST(Ops, CrossEntropyRejectsBadTargets) {
  Tensor logits = randn({2, 3}, 8);
  Tensor bad = Tensor::fromVector({2}, std::vector<int64_t>{0, 3});
  EXPECT_THROW(ops::crossEntropy(logits, bad), std::out_of_range);
  EXPECT_NE(messageOf([&] { ops::crossEntropy(logits, bad); }).find("target 3"),
            std::string::npos);
  Tensor wrongShape = Tensor::fromVector({3}, std::vector<int64_t>{0, 1, 2});
  EXPECT_THROW(ops::crossEntropy(logits, wrongShape), std::invalid_argument);
}

TEST(Ops, DropoutStatisticsScaleAndSeeding) {
  const float p = 0.3f;
  Tensor x = Tensor::full({200000}, 1.0f);
  Rng r1(42);
  Tensor y = ops::dropout(x, p, true, r1);
  int64_t kept = 0;
  double total = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    const float v = y.f32()[i];
    if (v != 0.0f) {
      ++kept;
      EXPECT_FLOAT_EQ(v, 1.0f / (1.0f - p));
    }
    total += v;
  }
  const double keptFraction = double(kept) / double(y.numel());
  EXPECT_NEAR(keptFraction, 1.0 - p, 0.005);  // ~5 standard deviations
  EXPECT_NEAR(total / double(y.numel()), 1.0, 0.01);
  Rng r2(42), r3(43);
  EXPECT_TRUE(bitEqual(ops::dropout(x, p, true, r2), y));
  EXPECT_FALSE(bitEqual(ops::dropout(x, p, true, r3), y));
  // Identity when not training or p == 0; zeros when p == 1; bad p throws.
  Tensor z = randn({10}, 9);
  EXPECT_TRUE(bitEqual(ops::dropout(z, p, false, r1), z));
  EXPECT_TRUE(bitEqual(ops::dropout(z, 0.0f, true, r1), z));
  Tensor all = ops::dropout(z, 1.0f, true, r1);
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(all.f32()[i], 0.0f);
  EXPECT_THROW(ops::dropout(z, 1.5f, true, r1), std::invalid_argument);
}

TEST(Ops, EmbeddingOutOfRangeThrowsWithTheIndex) {
  Tensor w = randn({10, 4}, 10);
  Tensor idx = Tensor::fromVector({3}, std::vector<int64_t>{1, 12, 3});
  EXPECT_THROW(ops::embedding(idx, w), std::out_of_range);
  const std::string msg = messageOf([&] { ops::embedding(idx, w); });
  EXPECT_NE(msg.find("index 12"), std::string::npos) << msg;
  EXPECT_NE(msg.find("10"), std::string::npos) << msg;
  Tensor neg = Tensor::fromVector({1}, std::vector<int64_t>{-1});
  EXPECT_NE(messageOf([&] { ops::embedding(neg, w); }).find("index -1"), std::string::npos);
  EXPECT_THROW(ops::embedding(w, w), std::invalid_argument);  // float indices
}

TEST(Ops, ShapeMismatchesThrowNamingTheShapes) {
  Tensor a = randn({2, 3}, 11), b = randn({4, 5}, 12);
  EXPECT_THROW(ops::matmul(a, b), std::invalid_argument);
  const std::string mm = messageOf([&] { ops::matmul(a, b); });
  EXPECT_NE(mm.find("[2, 3]"), std::string::npos) << mm;
  EXPECT_NE(mm.find("[4, 5]"), std::string::npos) << mm;
  EXPECT_THROW(ops::matmul(randn({2, 2, 3}, 1), randn({3, 3, 4}, 2)), std::invalid_argument);
  const std::string add = messageOf([&] { ops::add(a, randn({2}, 13)); });
  EXPECT_NE(add.find("[2, 3]"), std::string::npos) << add;
  EXPECT_THROW(ops::mul(a, randn({3, 3}, 14)), std::invalid_argument);
  const std::string cat = messageOf([&] { ops::concat({a, randn({3, 3}, 15)}, 1); });
  EXPECT_NE(cat.find("[3, 3]"), std::string::npos) << cat;
  EXPECT_THROW(ops::concat({a, b}, 0), std::invalid_argument);
  EXPECT_THROW(ops::linear(a, randn({4, 4}, 16), Tensor()), std::invalid_argument);
  EXPECT_THROW(ops::slice(a, 1, 2, 5), std::out_of_range);
  EXPECT_THROW(ops::softmax(a, 2), std::out_of_range);
  EXPECT_THROW(ops::mseLoss(a, b), std::invalid_argument);
}

TEST(Ops, PrimitivesAreCreatedOncePerShape) {
  auto step = [](uint64_t seed, int64_t rows) {
    Tensor x = randn({rows, 8}, seed).setRequiresGrad();
    Tensor w = randn({6, 8}, seed + 1).setRequiresGrad();
    Tensor b = randn({6}, seed + 2).setRequiresGrad();
    Tensor h = ops::gelu(ops::linear(x, w, b));
    Tensor s = ops::softmax(ops::matmul(h, h, false, true), -1);
    ops::mean(ops::mul(ops::add(s, s), s)).backward();
  };
  step(1, 5);
  const size_t afterFirst = cpu::primitiveCacheSize();
  EXPECT_GT(afterFirst, 0u);
  step(2, 5);
  step(3, 5);
  EXPECT_EQ(cpu::primitiveCacheSize(), afterFirst) << "same shapes must reuse primitives";
  step(4, 7);
  EXPECT_GT(cpu::primitiveCacheSize(), afterFirst) << "a new shape needs new primitives";
}

TEST(Ops, RecordsOnlyWhenNeeded) {
  Tensor x = randn({3, 4}, 20).setRequiresGrad();
  Tensor plain = randn({3, 4}, 21);
  EXPECT_FALSE(ops::tanh(plain).requiresGrad());
  EXPECT_TRUE(ops::tanh(x).requiresGrad());
  {
    NoGradGuard guard;
    Tensor y = ops::tanh(x);
    EXPECT_FALSE(y.requiresGrad());
    EXPECT_TRUE(y.isLeaf());
  }
  // Only float inputs of a multi-input op receive gradients; an undefined bias is fine.
  Tensor idx = Tensor::fromVector({2}, std::vector<int64_t>{0, 2});
  Tensor w = randn({3, 4}, 22).setRequiresGrad();
  ops::sum(ops::embedding(idx, w)).backward();
  EXPECT_FLOAT_EQ(w.grad().f32()[0], 1.0f);
  EXPECT_FLOAT_EQ(w.grad().f32()[4], 0.0f);
  EXPECT_FLOAT_EQ(w.grad().f32()[8], 1.0f);
}

TEST(Ops, ReductionsAndScatterAreDeterministic) {
  Tensor x = randn({512, 300}, 30);
  EXPECT_TRUE(bitEqual(ops::sum(x), ops::sum(x)));
  EXPECT_TRUE(bitEqual(ops::mean(x, 0, false), ops::mean(x, 0, false)));
  std::vector<int64_t> ids(4096);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>((i * 7) % 13);
  Tensor idx = Tensor::fromVector({64, 64}, ids);
  Tensor g = randn({64, 64, 100}, 31);
  auto embedGrad = [&] {
    Tensor w = randn({13, 100}, 32).setRequiresGrad();
    ops::embedding(idx, w).backward(g);
    return w.grad();
  };
  EXPECT_TRUE(bitEqual(embedGrad(), embedGrad()));
}

TEST(Ops, StructureOpsOnSmallExamples) {
  Tensor x = Tensor::fromVector({2, 3}, std::vector<float>{0, 1, 2, 3, 4, 5});
  Tensor t = ops::transpose(x, 0, 1);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(std::vector<float>(t.f32(), t.f32() + 6), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor s = ops::slice(x, 1, 1, 3);
  EXPECT_EQ(std::vector<float>(s.f32(), s.f32() + 4), (std::vector<float>{1, 2, 4, 5}));
  Tensor c = ops::concat({x, s}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 5}));
  EXPECT_EQ(std::vector<float>(c.f32(), c.f32() + 10),
            (std::vector<float>{0, 1, 2, 1, 2, 3, 4, 5, 4, 5}));
  Tensor seq = Tensor::fromVector({1, 3, 2}, std::vector<float>{1, 6, 5, 2, 3, 4});
  EXPECT_EQ(ops::sequencePool(seq, ops::PoolMode::Last).f32()[0], 3.0f);
  EXPECT_EQ(ops::sequencePool(seq, ops::PoolMode::Max).f32()[1], 6.0f);
  EXPECT_FLOAT_EQ(ops::sequencePool(seq, ops::PoolMode::Mean).f32()[1], 4.0f);
}
