// The central-difference gradient check shared by the op and tensor-layer suites: the analytic
// gradient of L = sum(w * op(x)) (w random) against (L(x + e) - L(x - e)) / 2e, L accumulated in
// double, tolerance |analytic - numeric| <= 1e-3 + 1e-2 |numeric|; and the input makers they use.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "tensor/autograd.h"

namespace strata::test {

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

constexpr double kRtol = 1e-2, kAtol = 1e-3;

inline Tensor randn(const Shape& s, Rng& rng, float scale = 1.0f) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = scale * rng.normal();
  return t;
}

// Values at least 0.1 apart from 0 (relu's kink) and from each other (max pooling's switch).
inline Tensor separated(const Shape& s, Rng& rng) {
  Tensor t = Tensor::empty(s);
  const int64_t n = t.numel();
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = 0.15f * static_cast<float>(i - n / 2) + 0.05f;
  for (int64_t i = n - 1; i > 0; --i) std::swap(v[i], v[rng.below(i + 1)]);
  for (int64_t i = 0; i < n; ++i) t.f32()[i] = v[i];
  return t;
}

inline Tensor longs(const Shape& s, std::vector<int64_t> v) { return Tensor::fromVector(s, v); }

inline double weighted(const Tensor& y, const Tensor& w) {
  double acc = 0;
  for (int64_t i = 0; i < y.numel(); ++i) acc += static_cast<double>(y.f32()[i]) * w.f32()[i];
  return acc;
}

// Returns the worst |a - n| / (atol + rtol |n|) over all gradient elements (<= 1 passes).
inline double gradcheck(const std::string& name, const OpFn& fn, const std::vector<Tensor>& inputs,
                 float eps = 1e-2f) {
  Rng rng(123);
  std::vector<Tensor> leaves;
  for (const Tensor& t : inputs) {
    Tensor leaf = t.clone();
    if (leaf.dtype() == DType::Float32) leaf.setRequiresGrad();
    leaves.push_back(leaf);
  }
  Tensor y = fn(leaves);
  Tensor w = randn(y.shape(), rng);
  y.backward(w);
  double worst = 0;
  NoGradGuard noGrad;
  for (size_t k = 0; k < leaves.size(); ++k) {
    if (leaves[k].dtype() != DType::Float32) continue;
    Tensor analytic = leaves[k].grad();
    EXPECT_TRUE(analytic.defined()) << name << ": no gradient for input " << k;
    if (!analytic.defined()) continue;
    for (int64_t j = 0; j < leaves[k].numel(); ++j) {
      std::vector<Tensor> xs;
      for (const Tensor& t : leaves) xs.push_back(t.clone());
      const float x0 = leaves[k].f32()[j];
      const float hi = x0 + eps, lo = x0 - eps;
      xs[k].f32()[j] = hi;
      const double lp = weighted(fn(xs), w);
      xs[k].f32()[j] = lo;
      const double lm = weighted(fn(xs), w);
      const double numeric = (lp - lm) / (static_cast<double>(hi) - lo);
      const double a = analytic.f32()[j];
      const double ratio = std::abs(a - numeric) / (kAtol + kRtol * std::abs(numeric));
      worst = std::max(worst, ratio);
      EXPECT_LE(ratio, 1.0) << name << ": input " << k << " element " << j << ": analytic " << a
                            << " vs numeric " << numeric;
    }
  }
  std::printf("[gradcheck] %-40s worst %.3f of tolerance\n", name.c_str(), worst);
  return worst;
}

}  // namespace strata::test
