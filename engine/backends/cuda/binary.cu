// a + b and a * b with b repeating along the leading dims, and the in-place updates autograd
// and the optimizers use (accumulate, scale, fill).
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void binaryKernel(Bin k, const float* a, const float* b, float* y, int64_t n,
                             int64_t period) {
  STRATA_GRID_LOOP(i, n) {
    const float bv = b[period == n ? i : i % period];
    y[i] = k == Bin::Add ? a[i] + bv : a[i] * bv;
  }
}

__global__ void accumulateKernel(float* dst, const float* src, int64_t n) {
  STRATA_GRID_LOOP(i, n) dst[i] += src[i];
}

__global__ void scaleKernel(float* x, float c, int64_t n) { STRATA_GRID_LOOP(i, n) x[i] *= c; }

__global__ void fillKernel(float* x, float v, int64_t n) { STRATA_GRID_LOOP(i, n) x[i] = v; }

__global__ void fillI64Kernel(int64_t* x, int64_t v, int64_t n) { STRATA_GRID_LOOP(i, n) x[i] = v; }

}  // namespace

void binary(Bin k, const float* a, const float* b, float* y, int64_t n, int64_t bPeriod,
            cudaStream_t s) {
  if (n > 0) binaryKernel<<<blocksFor(n), kThreads, 0, s>>>(k, a, b, y, n, bPeriod);
}

void accumulate(float* dst, const float* src, int64_t n, cudaStream_t s) {
  if (n > 0) accumulateKernel<<<blocksFor(n), kThreads, 0, s>>>(dst, src, n);
}

void scaleInPlace(float* x, float c, int64_t n, cudaStream_t s) {
  if (n > 0) scaleKernel<<<blocksFor(n), kThreads, 0, s>>>(x, c, n);
}

void fill(float* x, float v, int64_t n, cudaStream_t s) {
  if (n > 0) fillKernel<<<blocksFor(n), kThreads, 0, s>>>(x, v, n);
}

void fillI64(int64_t* x, int64_t v, int64_t n, cudaStream_t s) {
  if (n > 0) fillI64Kernel<<<blocksFor(n), kThreads, 0, s>>>(x, v, n);
}

}  // namespace strata::cuda::kernels
