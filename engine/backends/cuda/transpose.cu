// Swapping two dims: [a, n0, b, n1, c] -> [a, n1, b, n0, c], float32 or int64.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

template <typename T>
__global__ void transposeKernel(const T* src, T* dst, int64_t a, int64_t n0, int64_t b, int64_t n1,
                                int64_t c) {
  STRATA_GRID_LOOP(j, a * n0 * b * n1 * c) {
    // j indexes dst [a, n1, b, n0, c].
    int64_t r = j;
    const int64_t ic = r % c;
    r /= c;
    const int64_t i0 = r % n0;
    r /= n0;
    const int64_t ib = r % b;
    r /= b;
    const int64_t i1 = r % n1;
    r /= n1;
    const int64_t ia = r;
    dst[j] = src[(((ia * n0 + i0) * b + ib) * n1 + i1) * c + ic];
  }
}

}  // namespace

void transpose(const void* src, void* dst, int64_t a, int64_t n0, int64_t b, int64_t n1, int64_t c,
               int elemBytes, cudaStream_t s) {
  const int64_t total = a * n0 * b * n1 * c;
  if (total <= 0) return;
  if (elemBytes == 8)
    transposeKernel<<<blocksFor(total), kThreads, 0, s>>>(
        static_cast<const int64_t*>(src), static_cast<int64_t*>(dst), a, n0, b, n1, c);
  else
    transposeKernel<<<blocksFor(total), kThreads, 0, s>>>(
        static_cast<const float*>(src), static_cast<float*>(dst), a, n0, b, n1, c);
}

}  // namespace strata::cuda::kernels
