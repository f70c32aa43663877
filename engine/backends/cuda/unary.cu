// Elementwise functions of imported graphs (exp, log, sqrt, reciprocal, abs, neg, erf, softplus,
// softsign, elu, leaky_relu, selu) and their derivatives, computed in double and rounded once,
// exactly as the CPU op (ops/tensor_ops.cpp) does, so both round the same real number.
#include <cmath>

#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kTwoOverSqrtPi = 1.12837916709551257389615890312154517;

// f(x) and f'(x), the CPU's unaryAt.
__device__ void unaryAt(Fn k, double x, double alpha, double& f, double& df) {
  switch (k) {
    case Fn::Exp: f = exp(x); df = f; return;
    case Fn::Log: f = log(x); df = 1.0 / x; return;
    case Fn::Sqrt: f = sqrt(x); df = 0.5 / f; return;
    case Fn::Reciprocal: f = 1.0 / x; df = -f * f; return;
    case Fn::Abs: f = fabs(x); df = x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; return;
    case Fn::Neg: f = -x; df = -1.0; return;
    case Fn::Erf: f = erf(x); df = kTwoOverSqrtPi * exp(-x * x); return;
    case Fn::Softplus:  // log(1 + e^x), stable for large |x|
      f = x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
      df = 1.0 / (1.0 + exp(-x));
      return;
    case Fn::Softsign:
      f = x / (1.0 + fabs(x));
      df = 1.0 / ((1 + fabs(x)) * (1 + fabs(x)));
      return;
    case Fn::Elu:
      f = x > 0 ? x : alpha * expm1(x);
      df = x > 0 ? 1.0 : alpha * exp(x);
      return;
    case Fn::LeakyRelu: f = x >= 0 ? x : alpha * x; df = x >= 0 ? 1.0 : alpha; return;
    case Fn::Selu:
      f = kSeluScale * (x > 0 ? x : kSeluAlpha * expm1(x));
      df = kSeluScale * (x > 0 ? 1.0 : kSeluAlpha * exp(x));
      return;
  }
  f = df = 0;
}

__global__ void forwardKernel(Fn k, double alpha, const float* x, float* y, int64_t n) {
  STRATA_GRID_LOOP(i, n) {
    double f, df;
    unaryAt(k, x[i], alpha, f, df);
    y[i] = static_cast<float>(f);
  }
}

__global__ void backwardKernel(Fn k, double alpha, const float* x, const float* dy, float* dx,
                               int64_t n) {
  STRATA_GRID_LOOP(i, n) {
    double f, df;
    unaryAt(k, x[i], alpha, f, df);
    dx[i] = static_cast<float>(dy[i] * df);
  }
}

}  // namespace

void unaryForward(Fn k, float alpha, const float* x, float* y, int64_t n, cudaStream_t s) {
  if (n > 0) forwardKernel<<<blocksFor(n), kThreads, 0, s>>>(k, alpha, x, y, n);
}

void unaryBackward(Fn k, float alpha, const float* x, const float* dy, float* dx, int64_t n,
                   cudaStream_t s) {
  if (n > 0) backwardKernel<<<blocksFor(n), kThreads, 0, s>>>(k, alpha, x, dy, dx, n);
}

}  // namespace strata::cuda::kernels
