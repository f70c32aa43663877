// Dropout (seeded mask) and sequencePool (last / mean / max over time). Plain loops: oneDNN has
// no random mask and no pooling over a batch-first sequence axis that we could use here.
#include <cmath>
#include <stdexcept>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {

// x: [...] -> y: [...]; y = x * mask / (1 - p) with mask ~ Bernoulli(1 - p) drawn from rng in
// element order (same seed => same mask).
Tensor dropout(const Tensor& x, float p, bool training, Rng& rng) {
  detail::requireFloat(x, "dropout", "input");
  if (!(p >= 0.0f && p <= 1.0f))
    throw std::invalid_argument("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0f) return x;
  if (onDevice(x)) return backendFor(x.device()).dropout(x, p, rng);
  const int64_t n = x.numel();
  // mask holds 0 or the scale 1/(1-p); p == 1 drops everything (all zeros, no division by 0).
  Tensor mask = Tensor::empty(x.shape());
  const float keepScale = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
  float* m = mask.f32();
  for (int64_t i = 0; i < n; ++i) m[i] = rng.uniform() >= p ? keepScale : 0.0f;
  Tensor y = detail::product(x, mask);
  recordOp("dropout", {x}, {&y}, [mask](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].defined() ? detail::product(g[0], mask) : Tensor()};
  });
  return y;
}

// x: [B, T, C] -> y: [B, C]
Tensor sequencePool(const Tensor& x, PoolMode mode) {
  if (onDevice(x)) return backendFor(x.device()).sequencePool(x, static_cast<int>(mode));

  detail::requireFloat(x, "sequencePool", "input");
  if (x.ndim() != 3 || x.size(1) == 0)
    throw std::invalid_argument("sequencePool: input must be [B, T, C] with T > 0, got " +
                                describe(x));
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  Tensor y = Tensor::empty({B, C});
  const float* px = x.f32();
  float* py = y.f32();
  std::vector<int64_t> argmax;  // Max: the time step chosen for each [b, c]
  if (mode == PoolMode::Max) argmax.assign(static_cast<size_t>(B * C), 0);
#pragma omp parallel for if (B * T * C > 65536)
  for (int64_t b = 0; b < B; ++b) {
    const float* xb = px + b * T * C;
    float* yb = py + b * C;
    for (int64_t c = 0; c < C; ++c) {
      if (mode == PoolMode::Last) {
        yb[c] = xb[(T - 1) * C + c];
      } else if (mode == PoolMode::Mean) {
        float acc = 0.0f;
        for (int64_t t = 0; t < T; ++t) acc += xb[t * C + c];
        yb[c] = acc / static_cast<float>(T);
      } else {
        int64_t best = 0;  // first maximum; NaN propagates like torch.max
        for (int64_t t = 1; t < T; ++t) {
          const float v = xb[t * C + c], cur = xb[best * C + c];
          if (std::isnan(cur)) break;
          if (v > cur || std::isnan(v)) best = t;
        }
        yb[c] = xb[best * C + c];
        argmax[b * C + c] = best;
      }
    }
  }
  recordOp("sequencePool", {x}, {&y},
           [shape = x.shape(), mode, argmax = std::move(argmax)](const std::vector<Tensor>& g) {
             if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
             const int64_t B = shape[0], T = shape[1], C = shape[2];
             Tensor dx = Tensor::zeros(shape);
             const float* pg = g[0].f32();
             float* pd = dx.f32();
             const float invT = 1.0f / static_cast<float>(T);
#pragma omp parallel for if (B * T * C > 65536)
             for (int64_t b = 0; b < B; ++b)
               for (int64_t c = 0; c < C; ++c) {
                 const float gv = pg[b * C + c];
                 if (mode == PoolMode::Last)
                   pd[(b * T + T - 1) * C + c] = gv;
                 else if (mode == PoolMode::Mean)
                   for (int64_t t = 0; t < T; ++t) pd[(b * T + t) * C + c] = gv * invT;
                 else
                   pd[(b * T + argmax[b * C + c]) * C + c] = gv;
               }
             return std::vector<Tensor>{dx};
           });
  return y;
}

}  // namespace strata::ops
