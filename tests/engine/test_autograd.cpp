// Autograd bookkeeping: accumulation into leaves, fan-out, multi-output nodes and grad mode.
#include <gtest/gtest.h>

#include "tensor/autograd.h"
#include "tensor/tensor.h"

using namespace strata;

namespace {

// y = x * x elementwise, recorded by hand so the test exercises only the autograd core.
Tensor square(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) y.f32()[i] = x.f32()[i] * x.f32()[i];
  recordOp("square", {x}, {&y}, [x](const std::vector<Tensor>& g) {
    Tensor dx = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) dx.f32()[i] = 2 * x.f32()[i] * g[0].f32()[i];
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor sumAll(const Tensor& x) {
  Tensor y = Tensor::zeros({});
  for (int64_t i = 0; i < x.numel(); ++i) y.f32()[0] += x.f32()[i];
  recordOp("sum", {x}, {&y}, [x](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{Tensor::full(x.shape(), g[0].item())};
  });
  return y;
}

}  // namespace

TEST(Autograd, LeafGradientOfSquareSum) {
  Tensor x = Tensor::fromVector({3}, std::vector<float>{1, -2, 3}).setRequiresGrad();
  Tensor loss = sumAll(square(x));
  EXPECT_FLOAT_EQ(loss.item(), 14.0f);
  loss.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_FLOAT_EQ(x.grad().f32()[0], 2.0f);
  EXPECT_FLOAT_EQ(x.grad().f32()[1], -4.0f);
  EXPECT_FLOAT_EQ(x.grad().f32()[2], 6.0f);
}

TEST(Autograd, FanOutAccumulatesAndBackwardTwiceAccumulates) {
  Tensor x = Tensor::fromVector({2}, std::vector<float>{1, 2}).setRequiresGrad();
  Tensor y = square(x);
  // loss = sum(y) + sum(y): y fans out to two consumers.
  Tensor a = sumAll(y), b = sumAll(y);
  Tensor both = Tensor::scalar(a.item() + b.item());
  recordOp("add", {a, b}, {&both}, [](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0], g[0]};
  });
  both.backward();
  EXPECT_FLOAT_EQ(x.grad().f32()[0], 4.0f);
  EXPECT_FLOAT_EQ(x.grad().f32()[1], 8.0f);
  sumAll(square(x)).backward();
  EXPECT_FLOAT_EQ(x.grad().f32()[1], 12.0f);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor x = Tensor::fromVector({2}, std::vector<float>{1, 2}).setRequiresGrad();
  NoGradGuard guard;
  Tensor y = square(x);
  EXPECT_FALSE(y.requiresGrad());
  EXPECT_TRUE(y.isLeaf());
}

TEST(Autograd, ReshapeIsDifferentiableView) {
  Tensor x = Tensor::fromVector({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6}).setRequiresGrad();
  Tensor r = x.reshape({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_EQ(r.raw(), x.raw());
  sumAll(square(r)).backward();
  EXPECT_EQ(x.grad().shape(), (Shape{2, 3}));
  EXPECT_FLOAT_EQ(x.grad().f32()[5], 12.0f);
}

TEST(Autograd, UnusedOutputOfMultiOutputNodeGetsNoGradient) {
  Tensor x = Tensor::fromVector({2}, std::vector<float>{3, 4}).setRequiresGrad();
  Tensor o1 = x.clone(), o2 = x.clone();
  bool sawUndefined = false;
  recordOp("split", {x}, {&o1, &o2}, [&](const std::vector<Tensor>& g) {
    sawUndefined = !g[1].defined();
    return std::vector<Tensor>{g[0]};
  });
  sumAll(o1).backward();
  EXPECT_TRUE(sawUndefined);
  EXPECT_FLOAT_EQ(x.grad().f32()[0], 1.0f);
}

TEST(Autograd, AliasedGradientsAreNotCorruptedByAccumulation) {
  // y = r1 + r2 + x*x where r1, r2 are reshapes of x: the pass-through gradient of the sum is
  // shared by all branches and the reshape views alias it; accumulation must not write into it.
  Tensor x = Tensor::fromVector({2, 2}, std::vector<float>{1, 2, 3, 4}).setRequiresGrad();
  Tensor r1 = x.reshape({4}), r2 = x.reshape({4}), sq = square(x).reshape({4});
  Tensor s = Tensor::empty({4});
  for (int i = 0; i < 4; ++i) s.f32()[i] = r1.f32()[i] + r2.f32()[i] + sq.f32()[i];
  recordOp("add3", {r1, r2, sq}, {&s}, [](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0], g[0], g[0]};
  });
  sumAll(s).backward();
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(x.grad().f32()[i], 2.0f + 2.0f * (i + 1)) << i;
}
