// SequencePool: [B, T, C] -> [B, C] by the last step, the mean or the max (first maximum, as the
// CPU op) over T, and the backward that routes the gradient back.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void forwardKernel(const float* x, float* y, int64_t* argmax, int64_t B, int64_t T,
                              int64_t C, int mode) {
  STRATA_GRID_LOOP(j, B * C) {
    const int64_t b = j / C, c = j % C;
    const float* p = x + b * T * C + c;
    if (mode == 0) {
      y[j] = p[(T - 1) * C];
    } else if (mode == 1) {
      float acc = 0.0f;
      for (int64_t t = 0; t < T; ++t) acc += p[t * C];
      y[j] = acc / static_cast<float>(T);
    } else {
      int64_t best = 0;
      for (int64_t t = 1; t < T; ++t)
        if (p[t * C] > p[best * C]) best = t;
      y[j] = p[best * C];
      argmax[j] = best;
    }
  }
}

__global__ void backwardKernel(const float* dy, const int64_t* argmax, float* dx, int64_t B,
                               int64_t T, int64_t C, int mode) {
  STRATA_GRID_LOOP(j, B * T * C) {
    const int64_t c = j % C, t = (j / C) % T, b = j / (T * C);
    const float g = dy[b * C + c];
    float d = 0.0f;
    if (mode == 0)
      d = t == T - 1 ? g : 0.0f;
    else if (mode == 1)
      d = g / static_cast<float>(T);
    else
      d = argmax[b * C + c] == t ? g : 0.0f;
    dx[j] = d;
  }
}

}  // namespace

void sequencePoolForward(const float* x, float* y, int64_t* argmax, int64_t B, int64_t T, int64_t C,
                         int mode, cudaStream_t s) {
  if (B * C > 0 && T > 0)
    forwardKernel<<<blocksFor(B * C), kThreads, 0, s>>>(x, y, argmax, B, T, C, mode);
}

void sequencePoolBackward(const float* dy, const int64_t* argmax, float* dx, int64_t B, int64_t T,
                          int64_t C, int mode, cudaStream_t s) {
  if (B * T * C > 0)
    backwardKernel<<<blocksFor(B * T * C), kThreads, 0, s>>>(dy, argmax, dx, B, T, C, mode);
}

}  // namespace strata::cuda::kernels
