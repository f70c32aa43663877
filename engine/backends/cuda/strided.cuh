// Index arithmetic of StridedView, shared by the tensor-op kernels.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {

// The source offset of flat index f of the view's (row-major) shape.
__host__ __device__ __forceinline__ int64_t stridedOffset(const StridedView& v, int64_t f) {
  int64_t off = 0;
  for (int d = v.rank - 1; d >= 0; --d) {
    const int64_t sz = v.size[d];
    off += (f % sz) * v.stride[d];
    f /= sz;
  }
  return off;
}

inline int64_t viewNumel(const StridedView& v) {
  int64_t n = 1;
  for (int d = 0; d < v.rank; ++d) n *= v.size[d];
  return n;
}

}  // namespace strata::cuda::kernels
