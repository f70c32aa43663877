// Permute, expand and the broadcast backward of a reduction: a contiguous copy of a strided walk
// over the source (strides permuted for a permutation, 0 along the dims where the source
// repeats). One thread per output element.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"
#include "backends/cuda/strided.cuh"

namespace strata::cuda::kernels {
namespace {

__global__ void stridedCopyKernel(const float* src, float* dst, StridedView v, int64_t n) {
  STRATA_GRID_LOOP(f, n) dst[f] = src[stridedOffset(v, f)];
}

__global__ void stridedScaleKernel(const float* src, float* dst, StridedView v, int64_t n,
                                   double factor) {
  STRATA_GRID_LOOP(f, n) dst[f] = static_cast<float>(src[stridedOffset(v, f)] * factor);
}

}  // namespace

void stridedCopy(const float* src, float* dst, const StridedView& v, double factor,
                 cudaStream_t s) {
  const int64_t n = viewNumel(v);
  if (n <= 0) return;
  if (factor == 1.0)
    stridedCopyKernel<<<blocksFor(n), kThreads, 0, s>>>(src, dst, v, n);
  else
    stridedScaleKernel<<<blocksFor(n), kThreads, 0, s>>>(src, dst, v, n, factor);
}

}  // namespace strata::cuda::kernels
