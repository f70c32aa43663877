// Embedding gather and its scatter-add backward.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__global__ void gatherKernel(const int64_t* idx, const float* w, float* y, int64_t rows,
                             int64_t num, int64_t dim, int64_t* bad) {
  STRATA_GRID_LOOP(j, rows * dim) {
    const int64_t r = j / dim, k = j % dim, id = idx[r];
    if (id < 0 || id >= num) {
      y[j] = 0.0f;
      if (k == 0)
        atomicCAS(reinterpret_cast<unsigned long long*>(bad), static_cast<unsigned long long>(-1),
                  static_cast<unsigned long long>(id));
    } else {
      y[j] = w[id * dim + k];
    }
  }
}

__global__ void scatterKernel(const int64_t* idx, const float* dy, float* dw, int64_t rows,
                              int64_t num, int64_t dim) {
  STRATA_GRID_LOOP(j, rows * dim) {
    const int64_t r = j / dim, k = j % dim, id = idx[r];
    if (id >= 0 && id < num) atomicAdd(dw + id * dim + k, dy[j]);
  }
}

}  // namespace

void embeddingForward(const int64_t* idx, const float* w, float* y, int64_t rows, int64_t num,
                      int64_t dim, int64_t* bad, cudaStream_t s) {
  if (rows * dim > 0)
    gatherKernel<<<blocksFor(rows * dim), kThreads, 0, s>>>(idx, w, y, rows, num, dim, bad);
}

void embeddingBackward(const int64_t* idx, const float* dy, float* dw, int64_t rows, int64_t num,
                       int64_t dim, cudaStream_t s) {
  if (rows * dim > 0)
    scatterKernel<<<blocksFor(rows * dim), kThreads, 0, s>>>(idx, dy, dw, rows, num, dim);
}

}  // namespace strata::cuda::kernels
