// Reductions over any set of dims (Reduce mean/sum/max of imported graphs, and the sums that
// undo a broadcast in backward), and the max's gradient scatter. Each group's elements are added
// in double in a fixed order (the CPU op also adds in double): one thread per group when there
// are many groups or few elements, else one block per group with a fixed-shape tree.
#include <cmath>

#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"
#include "backends/cuda/strided.cuh"

namespace strata::cuda::kernels {
namespace {

__global__ void sumThreadKernel(const float* x, float* y, StridedView kept, StridedView reduced,
                                int64_t groups, int64_t n, double factor) {
  STRATA_GRID_LOOP(g, groups) {
    const float* p = x + stridedOffset(kept, g);
    double acc = 0.0;
    for (int64_t k = 0; k < n; ++k) acc += p[stridedOffset(reduced, k)];
    y[g] = static_cast<float>(acc * factor);
  }
}

__global__ void sumBlockKernel(const float* x, float* y, StridedView kept, StridedView reduced,
                               int64_t groups, int64_t n, double factor) {
  __shared__ double partial[kThreads];
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const float* p = x + stridedOffset(kept, g);
    double acc = 0.0;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) acc += p[stridedOffset(reduced, k)];
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
      if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
      __syncthreads();
    }
    if (threadIdx.x == 0) y[g] = static_cast<float>(partial[0] * factor);
    __syncthreads();  // partial[] is reused by the next group
  }
}

// (v, i) beats (w, j): a NaN beats a number; else the larger value; ties go to the lower index.
// A total order on the candidates, so any combination order picks the CPU loop's winner.
__device__ __forceinline__ bool beats(float v, int64_t i, float w, int64_t j) {
  if (j < 0) return i >= 0;
  if (i < 0) return false;
  const bool vn = isnan(v), wn = isnan(w);
  if (vn != wn) return vn;
  if (!vn && v != w) return v > w;
  return i < j;
}

__global__ void maxThreadKernel(const float* x, float* y, int64_t* arg, StridedView kept,
                                StridedView reduced, int64_t groups, int64_t n) {
  STRATA_GRID_LOOP(g, groups) {
    const int64_t base = stridedOffset(kept, g);
    float best = 0.0f;
    int64_t at = -1;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = base + stridedOffset(reduced, k);
      if (beats(x[i], i, best, at)) {
        best = x[i];
        at = i;
      }
    }
    y[g] = best;
    arg[g] = at;
  }
}

__global__ void maxBlockKernel(const float* x, float* y, int64_t* arg, StridedView kept,
                               StridedView reduced, int64_t groups, int64_t n) {
  __shared__ float val[kThreads];
  __shared__ int64_t idx[kThreads];
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const int64_t base = stridedOffset(kept, g);
    float best = 0.0f;
    int64_t at = -1;
    for (int64_t k = threadIdx.x; k < n; k += blockDim.x) {
      const int64_t i = base + stridedOffset(reduced, k);
      if (beats(x[i], i, best, at)) {
        best = x[i];
        at = i;
      }
    }
    val[threadIdx.x] = best;
    idx[threadIdx.x] = at;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
      if (threadIdx.x < w &&
          beats(val[threadIdx.x + w], idx[threadIdx.x + w], val[threadIdx.x], idx[threadIdx.x])) {
        val[threadIdx.x] = val[threadIdx.x + w];
        idx[threadIdx.x] = idx[threadIdx.x + w];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      y[g] = val[0];
      arg[g] = idx[0];
    }
    __syncthreads();
  }
}

__global__ void scatterArgKernel(const float* g, const int64_t* arg, float* dx, int64_t groups) {
  STRATA_GRID_LOOP(k, groups) dx[arg[k]] = g[k];
}

// A block per group pays off when the groups are too few to fill the GPU and each is long.
bool perBlock(int64_t groups, int64_t n) { return groups < 2048 && n >= 256; }

unsigned groupBlocks(int64_t groups) {
  return static_cast<unsigned>(groups < 65535 * 8 ? groups : 65535 * 8);
}

}  // namespace

void reduceDims(const float* x, float* y, const StridedView& kept, const StridedView& reduced,
                double factor, cudaStream_t s) {
  const int64_t groups = viewNumel(kept), n = viewNumel(reduced);
  if (groups <= 0) return;
  if (perBlock(groups, n))
    sumBlockKernel<<<groupBlocks(groups), kThreads, 0, s>>>(x, y, kept, reduced, groups, n,
                                                            factor);
  else
    sumThreadKernel<<<blocksFor(groups), kThreads, 0, s>>>(x, y, kept, reduced, groups, n,
                                                           factor);
}

void reduceMax(const float* x, float* y, int64_t* arg, const StridedView& kept,
               const StridedView& reduced, cudaStream_t s) {
  const int64_t groups = viewNumel(kept), n = viewNumel(reduced);
  if (groups <= 0) return;
  if (perBlock(groups, n))
    maxBlockKernel<<<groupBlocks(groups), kThreads, 0, s>>>(x, y, arg, kept, reduced, groups, n);
  else
    maxThreadKernel<<<blocksFor(groups), kThreads, 0, s>>>(x, y, arg, kept, reduced, groups, n);
}

void scatterArg(const float* g, const int64_t* arg, float* dx, int64_t groups, cudaStream_t s) {
  if (groups > 0) scatterArgKernel<<<blocksFor(groups), kThreads, 0, s>>>(g, arg, dx, groups);
}

}  // namespace strata::cuda::kernels
