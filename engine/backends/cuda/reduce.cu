// Sums over the middle axis of [outer, n, inner] (sum, mean, column sums for bias gradients) and
// their broadcast backward. One thread per output, adding in index order: deterministic.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

// Long reductions with one output (sum of everything) use a block per output instead.
__global__ void reduceThreadKernel(const float* x, float* y, int64_t outer, int64_t n,
                                   int64_t inner, float factor) {
  STRATA_GRID_LOOP(j, outer * inner) {
    const int64_t o = j / inner, i = j % inner;
    const float* p = x + o * n * inner + i;
    float acc = 0.0f;
    for (int64_t k = 0; k < n; ++k) acc += p[k * inner];
    y[j] = factor * acc;
  }
}

__global__ void reduceBlockKernel(const float* x, float* y, int64_t n, int64_t inner,
                                  float factor) {
  // blockIdx.x = output (o * inner + i); threads stride over k, then a fixed-shape tree.
  __shared__ float partial[kThreads];
  const int64_t j = blockIdx.x, o = j / inner, i = j % inner;
  const float* p = x + o * n * inner + i;
  float acc = 0.0f;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) acc += p[k * inner];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) y[j] = factor * partial[0];
}

__global__ void broadcastKernel(const float* g, float* y, int64_t outer, int64_t n, int64_t inner,
                                float factor) {
  STRATA_GRID_LOOP(j, outer * n * inner) {
    const int64_t i = j % inner, o = j / (n * inner);
    y[j] = factor * g[o * inner + i];
  }
}

}  // namespace

void reduceMiddle(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, float factor,
                  cudaStream_t s) {
  const int64_t outputs = outer * inner;
  if (outputs <= 0) return;
  if (outputs < 1024 && n >= 1024)
    reduceBlockKernel<<<static_cast<unsigned>(outputs), kThreads, 0, s>>>(x, y, n, inner, factor);
  else
    reduceThreadKernel<<<blocksFor(outputs), kThreads, 0, s>>>(x, y, outer, n, inner, factor);
}

void broadcastMiddle(const float* g, float* y, int64_t outer, int64_t n, int64_t inner,
                     float factor, cudaStream_t s) {
  const int64_t total = outer * n * inner;
  if (total > 0)
    broadcastKernel<<<blocksFor(total), kThreads, 0, s>>>(g, y, outer, n, inner, factor);
}

}  // namespace strata::cuda::kernels
