// Sum of squares in double for gradient norms, clipping and the NaN/Inf guard (a non-finite
// element makes the sum non-finite). One block in a fixed order: deterministic.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void sumSquaresKernel(const float* x, int64_t n, double* out) {
  __shared__ double partial[kThreads];
  double acc = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const double v = x[i];
    acc += v * v;
  }
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[0] = partial[0];
}

}  // namespace

void sumSquares(const float* x, int64_t n, double* out, cudaStream_t s) {
  sumSquaresKernel<<<1, kThreads, 0, s>>>(x, n, out);
}

}  // namespace strata::cuda::kernels
