// Mean squared error: one block sums (a - b)^2 in a fixed order (deterministic), then / n.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void forwardKernel(const float* a, const float* b, float* loss, int64_t n) {
  __shared__ double partial[kThreads];
  double acc = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const double d = static_cast<double>(a[i]) - b[i];
    acc += d * d;
  }
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) loss[0] = static_cast<float>(partial[0] / static_cast<double>(n));
}

__global__ void backwardKernel(const float* a, const float* b, const float* g, float* da,
                               int64_t n) {
  const float c = 2.0f * g[0] / static_cast<float>(n);
  STRATA_GRID_LOOP(i, n) da[i] = c * (a[i] - b[i]);
}

}  // namespace

void mseForward(const float* a, const float* b, float* loss, int64_t n, cudaStream_t s) {
  forwardKernel<<<1, kThreads, 0, s>>>(a, b, loss, n);
}

void mseBackward(const float* a, const float* b, const float* g, float* da, int64_t n,
                 cudaStream_t s) {
  if (n > 0) backwardKernel<<<blocksFor(n), kThreads, 0, s>>>(a, b, g, da, n);
}

}  // namespace strata::cuda::kernels
