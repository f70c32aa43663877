// Cross-entropy over class logits [N, C] with int64 targets: log-softmax per row (one warp), the
// NLL of the target, then the mean over rows whose target is not ignoreIndex (one block, fixed
// order). Backward: (softmax - onehot) * g / count on counted rows, 0 on ignored ones.
#include <cmath>

#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

constexpr int kWarpsPerBlock = kThreads / 32;

__global__ void rowKernel(const float* logits, const int64_t* target, float* logProbs,
                          float* rowLoss, int64_t N, int64_t C, int64_t ignoreIndex, int64_t* bad) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (r >= N) return;
  const float* p = logits + r * C;
  float* q = logProbs + r * C;
  float mx = -INFINITY;
  for (int64_t k = lane; k < C; k += 32) mx = fmaxf(mx, p[k]);
  mx = warpMax(mx);
  float sum = 0.0f;
  for (int64_t k = lane; k < C; k += 32) sum += expf(p[k] - mx);
  const float lse = logf(warpSum(sum)) + mx;
  for (int64_t k = lane; k < C; k += 32) q[k] = p[k] - lse;
  __syncwarp();
  if (lane == 0) {
    const int64_t t = target[r];
    if (t == ignoreIndex) {
      rowLoss[r] = NAN;  // marks "not counted"
    } else if (t < 0 || t >= C) {
      rowLoss[r] = NAN;
      atomicCAS(reinterpret_cast<unsigned long long*>(bad), static_cast<unsigned long long>(-1),
                static_cast<unsigned long long>(t));
    } else {
      rowLoss[r] = -(p[t] - lse);
    }
  }
}

__global__ void meanKernel(const float* rowLoss, float* loss, float* count, int64_t N) {
  __shared__ double sums[kThreads];
  __shared__ double counts[kThreads];
  double s = 0.0, c = 0.0;
  for (int64_t r = threadIdx.x; r < N; r += blockDim.x) {
    const float v = rowLoss[r];
    if (!isnan(v)) {
      s += v;
      c += 1.0;
    }
  }
  sums[threadIdx.x] = s;
  counts[threadIdx.x] = c;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) {
      sums[threadIdx.x] += sums[threadIdx.x + w];
      counts[threadIdx.x] += counts[threadIdx.x + w];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    count[0] = static_cast<float>(counts[0]);
    // No counted row: 0/0 = NaN, as PyTorch's mean over nothing.
    loss[0] = static_cast<float>(sums[0] / counts[0]);
  }
}

__global__ void backwardKernel(const float* logProbs, const int64_t* target, const float* g,
                               const float* count, float* dlogits, int64_t N, int64_t C,
                               int64_t ignoreIndex) {
  const float c = g[0] / count[0];
  STRATA_GRID_LOOP(j, N * C) {
    const int64_t r = j / C, k = j % C, t = target[r];
    if (t == ignoreIndex || t < 0 || t >= C)
      dlogits[j] = 0.0f;
    else
      dlogits[j] = c * (expf(logProbs[j]) - (k == t ? 1.0f : 0.0f));
  }
}

}  // namespace

void crossEntropyForward(const float* logits, const int64_t* target, float* logProbs,
                         float* rowLoss, float* loss, float* count, int64_t N, int64_t C,
                         int64_t ignoreIndex, int64_t* bad, cudaStream_t s) {
  if (N > 0 && C > 0)
    rowKernel<<<static_cast<unsigned>((N + kWarpsPerBlock - 1) / kWarpsPerBlock), kThreads, 0, s>>>(
        logits, target, logProbs, rowLoss, N, C, ignoreIndex, bad);
  meanKernel<<<1, kThreads, 0, s>>>(rowLoss, loss, count, N);
}

void crossEntropyBackward(const float* logProbs, const int64_t* target, const float* g,
                          const float* count, float* dlogits, int64_t N, int64_t C,
                          int64_t ignoreIndex, cudaStream_t s) {
  if (N * C > 0)
    backwardKernel<<<blocksFor(N * C), kThreads, 0, s>>>(logProbs, target, g, count, dlogits, N, C,
                                                         ignoreIndex);
}

}  // namespace strata::cuda::kernels
