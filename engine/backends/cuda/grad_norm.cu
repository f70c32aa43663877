// Sum of squares in double for gradient norms, clipping and the NaN/Inf guard (a non-finite
// element makes the sum non-finite). Two passes with a grid that depends only on n: per-block
// partial sums, then one block adds them in index order, so the result is deterministic.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__device__ void blockSumTo(double acc, double* out) {
  __shared__ double partial[kThreads];
  partial[threadIdx.x] = acc;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = partial[0];
}

__global__ void partialKernel(const float* x, int64_t n, double* partials) {
  double acc = 0.0;
  STRATA_GRID_LOOP(i, n) {
    const double v = x[i];
    acc += v * v;
  }
  blockSumTo(acc, partials + blockIdx.x);
}

__global__ void finalKernel(const double* partials, int count, double* out) {
  double acc = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) acc += partials[i];
  blockSumTo(acc, out);
}

}  // namespace

void sumSquares(const float* x, int64_t n, double* out, double* scratch, cudaStream_t s) {
  int64_t blocks = (n + kThreads * 8 - 1) / (kThreads * 8);
  blocks = blocks < 1 ? 1 : (blocks > kSumSquaresBlocks ? kSumSquaresBlocks : blocks);
  partialKernel<<<static_cast<unsigned>(blocks), kThreads, 0, s>>>(x, n, scratch);
  finalKernel<<<1, kThreads, 0, s>>>(scratch, static_cast<int>(blocks), out);
}

}  // namespace strata::cuda::kernels
