// Softmax and log-softmax along the middle axis of [outer, n, inner]: one warp per row, max-
// subtracted in fp32 as PyTorch does.
#include <cmath>

#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

constexpr int kWarpsPerBlock = kThreads / 32;

__global__ void forwardKernel(const float* x, float* y, int64_t outer, int64_t n, int64_t inner,
                              bool log) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= outer * inner) return;
  const int64_t o = row / inner, i = row % inner;
  const float* p = x + o * n * inner + i;
  float* q = y + o * n * inner + i;
  float mx = -INFINITY;
  for (int64_t k = lane; k < n; k += 32) mx = fmaxf(mx, p[k * inner]);
  mx = warpMax(mx);
  float sum = 0.0f;
  for (int64_t k = lane; k < n; k += 32) sum += expf(p[k * inner] - mx);
  sum = warpSum(sum);
  if (log) {
    const float lse = logf(sum);
    for (int64_t k = lane; k < n; k += 32) q[k * inner] = p[k * inner] - mx - lse;
  } else {
    const float inv = 1.0f / sum;
    for (int64_t k = lane; k < n; k += 32) q[k * inner] = expf(p[k * inner] - mx) * inv;
  }
}

// softmax: dx = y * (dy - sum(dy * y)); log-softmax: dx = dy - exp(y) * sum(dy).
__global__ void backwardKernel(const float* y, const float* dy, float* dx, int64_t outer, int64_t n,
                               int64_t inner, bool log) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= outer * inner) return;
  const int64_t o = row / inner, i = row % inner, base = o * n * inner + i;
  float dot = 0.0f;
  for (int64_t k = lane; k < n; k += 32) {
    const int64_t at = base + k * inner;
    dot += log ? dy[at] : dy[at] * y[at];
  }
  dot = warpSum(dot);
  for (int64_t k = lane; k < n; k += 32) {
    const int64_t at = base + k * inner;
    dx[at] = log ? dy[at] - expf(y[at]) * dot : y[at] * (dy[at] - dot);
  }
}

unsigned rowBlocks(int64_t rows) {
  return static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
}

}  // namespace

void softmaxForward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log,
                    cudaStream_t s) {
  const int64_t rows = outer * inner;
  if (rows > 0 && n > 0)
    forwardKernel<<<rowBlocks(rows), kThreads, 0, s>>>(x, y, outer, n, inner, log);
}

void softmaxBackward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n,
                     int64_t inner, bool log, cudaStream_t s) {
  const int64_t rows = outer * inner;
  if (rows > 0 && n > 0)
    backwardKernel<<<rowBlocks(rows), kThreads, 0, s>>>(y, dy, dx, outer, n, inner, log);
}

}  // namespace strata::cuda::kernels
