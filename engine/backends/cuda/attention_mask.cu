// Attention masking: scores [B, H, T, S] get `fill` (-inf forward, 0 for the gradient) where the
// [B, T, S] mask is set, so masked probabilities are exactly 0 both ways.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void maskKernel(const float* x, const float* mask, float* y, int64_t B, int64_t H,
                           int64_t T, int64_t S, float fill) {
  STRATA_GRID_LOOP(j, B * H * T * S) {
    const int64_t ts = j % (T * S), b = j / (H * T * S);
    y[j] = mask[b * T * S + ts] != 0.0f ? fill : x[j];
  }
}

}  // namespace

void attentionMask(const float* x, const float* mask, float* y, int64_t B, int64_t H, int64_t T,
                   int64_t S, float fill, cudaStream_t s) {
  const int64_t n = B * H * T * S;
  if (n > 0) maskKernel<<<blocksFor(n), kThreads, 0, s>>>(x, mask, y, B, H, T, S, fill);
}

}  // namespace strata::cuda::kernels
