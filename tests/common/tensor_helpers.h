// Tensor helpers shared by the engine and parity tests: seeded random fill, and a scalar loss
// that seeds several outputs with given upstream gradients in one backward pass.
#pragma once

#include <vector>

#include "core/rng.h"
#include "tensor/autograd.h"
#include "tensor/tensor.h"

namespace strata::test {

inline Tensor uniformTensor(const Shape& s, Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = rng.uniform(lo, hi);
  return t;
}

// loss = sum_k <ts[k], ws[k]>, recorded by hand so a test depends on the op under test and the
// autograd core only: the gradient reaching ts[k] is exactly ws[k].
inline Tensor weightedSum(const std::vector<Tensor>& ts, const std::vector<Tensor>& ws) {
  double acc = 0.0;
  for (size_t k = 0; k < ts.size(); ++k)
    for (int64_t i = 0; i < ts[k].numel(); ++i) acc += double(ts[k].f32()[i]) * ws[k].f32()[i];
  Tensor y = Tensor::scalar(static_cast<float>(acc));
  recordOp("weighted_sum", ts, {&y}, [ws](const std::vector<Tensor>& g) {
    std::vector<Tensor> out;
    for (const Tensor& w : ws) {
      Tensor d = w.clone();
      for (int64_t i = 0; i < d.numel(); ++i) d.f32()[i] *= g[0].item();
      out.push_back(d);
    }
    return out;
  });
  return y;
}

}  // namespace strata::test
