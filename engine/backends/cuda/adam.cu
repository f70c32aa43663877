// Adam/AdamW update in torch.optim 1.13's order (_single_tensor_adam[w]), fp32, the same
// expression order as the CPU optimizer (train/adam.cpp).
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void adamKernel(float* w, const float* grad, float* m, float* v, int64_t n, AdamArgs a) {
  STRATA_GRID_LOOP(i, n) {
    float gi = grad[i];
    float wi = w[i];
    if (a.decoupled)
      wi = wi * a.decay;
    else if (a.weightDecay)
      gi = gi + a.wd * wi;
    const float mi = m[i] * a.b1 + a.oneMinusB1 * gi;
    const float vi = v[i] * a.b2 + a.oneMinusB2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrtf(vi) / a.bc2Sqrt + a.eps;
    w[i] = wi + a.negStepSize * (mi / denom);
  }
}

}  // namespace

void adamStep(float* w, const float* g, float* m, float* v, int64_t n, const AdamArgs& a,
              cudaStream_t s) {
  if (n > 0) adamKernel<<<blocksFor(n), kThreads, 0, s>>>(w, g, m, v, n, a);
}

}  // namespace strata::cuda::kernels
