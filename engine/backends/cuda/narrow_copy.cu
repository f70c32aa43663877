// Slice and concat (and slice's backward): copies of a [count] range along the middle axis of
// [outer, *, inner] views, float32 or int64.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

template <typename T>
__global__ void copyKernel(const T* src, int64_t srcN, int64_t srcOff, T* dst, int64_t dstN,
                           int64_t dstOff, int64_t count, int64_t outer, int64_t inner) {
  STRATA_GRID_LOOP(j, outer * count * inner) {
    const int64_t i = j % inner, k = (j / inner) % count, o = j / (inner * count);
    dst[(o * dstN + dstOff + k) * inner + i] = src[(o * srcN + srcOff + k) * inner + i];
  }
}

}  // namespace

void narrowCopy(const void* src, int64_t srcN, int64_t srcOff, void* dst, int64_t dstN,
                int64_t dstOff, int64_t count, int64_t outer, int64_t inner, int elemBytes,
                cudaStream_t s) {
  const int64_t total = outer * count * inner;
  if (total <= 0) return;
  if (elemBytes == 8)
    copyKernel<<<blocksFor(total), kThreads, 0, s>>>(static_cast<const int64_t*>(src), srcN, srcOff,
                                                     static_cast<int64_t*>(dst), dstN, dstOff,
                                                     count, outer, inner);
  else
    copyKernel<<<blocksFor(total), kThreads, 0, s>>>(static_cast<const float*>(src), srcN, srcOff,
                                                     static_cast<float*>(dst), dstN, dstOff, count,
                                                     outer, inner);
}

}  // namespace strata::cuda::kernels
