// SGD with momentum/Nesterov/weight decay in torch.optim.SGD 1.13's order (train/sgd.cpp).
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void sgdKernel(float* w, const float* grad, float* buf, int64_t n, SgdArgs a) {
  STRATA_GRID_LOOP(i, n) {
    float d = grad[i];
    if (a.weightDecay) d = d + a.wd * w[i];
    if (a.momentum) {
      const float b = a.firstStep ? d : buf[i] * a.mu + d;
      buf[i] = b;
      d = a.nesterov ? d + a.mu * b : b;
    }
    w[i] = w[i] + a.negLr * d;
  }
}

}  // namespace

void sgdStep(float* w, const float* g, float* buf, int64_t n, const SgdArgs& a, cudaStream_t s) {
  if (n > 0) sgdKernel<<<blocksFor(n), kThreads, 0, s>>>(w, g, buf, n, a);
}

}  // namespace strata::cuda::kernels
