// Activations forward and backward (ReLU, GELU erf/tanh, tanh, sigmoid, scale), PyTorch's
// formulas in fp32.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

constexpr float kSqrt2 = 1.41421356237309504880f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;

__global__ void forwardKernel(Elt k, float alpha, const float* x, float* y, int64_t n) {
  STRATA_GRID_LOOP(i, n) {
    const float v = x[i];
    float r = v;
    switch (k) {
      case Elt::Relu:
        r = v > 0.0f ? v : 0.0f;
        break;
      case Elt::GeluErf:
        r = 0.5f * v * (1.0f + erff(v / kSqrt2));
        break;
      case Elt::GeluTanh:
        r = 0.5f * v * (1.0f + tanhf(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
        break;
      case Elt::Tanh:
        r = tanhf(v);
        break;
      case Elt::Sigmoid:
        r = 1.0f / (1.0f + expf(-v));
        break;
      case Elt::Scale:
        r = alpha * v;
        break;
    }
    y[i] = r;
  }
}

__global__ void backwardKernel(Elt k, float alpha, const float* data, const float* dy, float* dx,
                               int64_t n) {
  STRATA_GRID_LOOP(i, n) {
    const float v = data[i], g = dy[i];
    float d = g;
    switch (k) {
      case Elt::Relu:
        d = v > 0.0f ? g : 0.0f;
        break;
      case Elt::GeluErf: {
        const float cdf = 0.5f * (1.0f + erff(v / kSqrt2));
        const float pdf = kInvSqrt2Pi * expf(-0.5f * v * v);
        d = g * (cdf + v * pdf);
        break;
      }
      case Elt::GeluTanh: {
        const float inner = kSqrt2OverPi * (v + 0.044715f * v * v * v);
        const float t = tanhf(inner);
        const float dinner = kSqrt2OverPi * (1.0f + 3.0f * 0.044715f * v * v);
        d = g * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * dinner);
        break;
      }
      case Elt::Tanh:
        d = g * (1.0f - v * v);
        break;  // data is y
      case Elt::Sigmoid:
        d = g * v * (1.0f - v);
        break;  // data is y
      case Elt::Scale:
        d = alpha * g;
        break;
    }
    dx[i] = d;
  }
}

}  // namespace

void eltwiseForward(Elt k, float alpha, const float* x, float* y, int64_t n, cudaStream_t s) {
  if (n > 0) forwardKernel<<<blocksFor(n), kThreads, 0, s>>>(k, alpha, x, y, n);
}

void eltwiseBackward(Elt k, float alpha, const float* data, const float* dy, float* dx, int64_t n,
                     cudaStream_t s) {
  if (n > 0) backwardKernel<<<blocksFor(n), kThreads, 0, s>>>(k, alpha, data, dy, dx, n);
}

}  // namespace strata::cuda::kernels
