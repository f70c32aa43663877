// Elementwise activations (relu, gelu, tanh, sigmoid) and scale on oneDNN eltwise primitives.
// relu, tanh and sigmoid use the *_use_dst_for_bwd algorithms: backward reads the saved output,
// so the input need not be kept alive. GELU's derivative needs its input. The tanh-approximated
// GELU is a plain loop with PyTorch's formula: oneDNN 2.6's jit gelu_tanh loses accuracy in the
// negative tail (2e-3 relative at x = -3.8, measured against float64), which breaks parity.
#include <cmath>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

using dnnl::algorithm;

// x: [...] -> y: [...], y = alg(x). keepDst: backward reads y instead of x.
Tensor unary(const char* name, const Tensor& x, algorithm alg, bool keepDst, float alpha = 0.0f,
             float beta = 0.0f) {
  detail::requireFloat(x, name, "input");
  Tensor y = Tensor::empty(x.shape());
  detail::eltwiseForward(alg, alpha, beta, x.f32(), y.f32(), x.numel());
  // The saved tensor is detached: capturing y itself would make y's node own y (a cycle).
  Tensor saved = keepDst ? y.detach() : x.detach();
  recordOp(name, {x}, {&y}, [saved, alg, alpha, beta](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Tensor dx = Tensor::empty(saved.shape());
    detail::eltwiseBackward(alg, alpha, beta, saved.f32(), g[0].f32(), dx.f32(), saved.numel());
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace

Tensor relu(const Tensor& x) {
  if (onDevice(x)) return backendFor(x.device()).relu(x);

  return unary("relu", x, algorithm::eltwise_relu_use_dst_for_bwd, true);
}

namespace {

// y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
Tensor geluTanh(const Tensor& x) {
  detail::requireFloat(x, "gelu", "input");
  constexpr float kBeta = 0.7978845608028654f, kKappa = 0.044715f;
  const int64_t n = x.numel();
  Tensor y = Tensor::empty(x.shape());
  const float* px = x.f32();
  float* py = y.f32();
#pragma omp parallel for simd if (n > 32768)
  for (int64_t i = 0; i < n; ++i) {
    const float v = px[i];
    py[i] = 0.5f * v * (1.0f + std::tanh(kBeta * (v + kKappa * v * v * v)));
  }
  recordOp("gelu", {x}, {&y}, [xd = x.detach()](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    const int64_t n = xd.numel();
    Tensor dx = Tensor::empty(xd.shape());
    const float* px = xd.f32();
    const float* pg = g[0].f32();
    float* pd = dx.f32();
#pragma omp parallel for simd if (n > 32768)
    for (int64_t i = 0; i < n; ++i) {
      const float v = px[i], sq = v * v;
      const float t = std::tanh(kBeta * (v + kKappa * sq * v));
      const float left = 0.5f * v, right = 1.0f + t;
      const float dInner = kBeta * (1.0f + 3.0f * kKappa * sq);
      pd[i] = pg[i] * (0.5f * right + left * (1.0f - t * t) * dInner);
    }
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace

Tensor gelu(const Tensor& x, bool tanhApproximation) {
  if (onDevice(x)) return backendFor(x.device()).gelu(x, tanhApproximation);

  if (tanhApproximation) return geluTanh(x);
  return unary("gelu", x, algorithm::eltwise_gelu_erf, false);
}

Tensor tanh(const Tensor& x) {
  if (onDevice(x)) return backendFor(x.device()).tanh(x);

  return unary("tanh", x, algorithm::eltwise_tanh_use_dst_for_bwd, true);
}

Tensor sigmoid(const Tensor& x) {
  if (onDevice(x)) return backendFor(x.device()).sigmoid(x);

  return unary("sigmoid", x, algorithm::eltwise_logistic_use_dst_for_bwd, true);
}

// y = s * x; dx = s * dy (eltwise_linear forward on the gradient: nothing to save).
Tensor scale(const Tensor& x, float s) {
  if (onDevice(x)) return backendFor(x.device()).scale(x, s);

  detail::requireFloat(x, "scale", "input");
  Tensor y = detail::scaled(x, s);
  recordOp("scale", {x}, {&y}, [s](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].defined() ? detail::scaled(g[0], s) : Tensor()};
  });
  return y;
}

}  // namespace strata::ops
