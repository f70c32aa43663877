// a (op) b with numpy broadcasting (Add/Sub/Mul/Div of imported graphs), read through strides so
// that a broadcast operand is never materialised, and the per-element gradients of backward in
// the CPU op's fp32 formulas (the sums over broadcast dims are reduce_dims.cu's).
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"
#include "backends/cuda/strided.cuh"

namespace strata::cuda::kernels {
namespace {

__global__ void forwardKernel(NpBin k, const float* a, const float* b, float* y, StridedView va,
                              StridedView vb, int64_t n) {
  STRATA_GRID_LOOP(f, n) {
    const float x = a[stridedOffset(va, f)], z = b[stridedOffset(vb, f)];
    float r;
    switch (k) {
      case NpBin::Add: r = x + z; break;
      case NpBin::Sub: r = x - z; break;
      case NpBin::Mul: r = x * z; break;
      default: r = x / z; break;
    }
    y[f] = r;
  }
}

__global__ void backwardKernel(NpBin k, const float* a, const float* b, const float* g, float* da,
                               float* db, StridedView va, StridedView vb, int64_t n) {
  STRATA_GRID_LOOP(f, n) {
    const float gf = g[f];
    // Add and Sub read no operand; Mul and Div read them only here.
    switch (k) {
      case NpBin::Add:
        if (da) da[f] = gf;
        if (db) db[f] = gf;
        break;
      case NpBin::Sub:
        if (da) da[f] = gf;
        if (db) db[f] = -gf;
        break;
      case NpBin::Mul: {
        const float x = a[stridedOffset(va, f)], z = b[stridedOffset(vb, f)];
        if (da) da[f] = gf * z;
        if (db) db[f] = gf * x;
        break;
      }
      default: {
        const float x = a[stridedOffset(va, f)], z = b[stridedOffset(vb, f)];
        if (da) da[f] = gf / z;
        if (db) db[f] = -gf * x / (z * z);
        break;
      }
    }
  }
}

}  // namespace

void broadcastBinary(NpBin k, const float* a, const float* b, float* y, const StridedView& va,
                     const StridedView& vb, cudaStream_t s) {
  const int64_t n = viewNumel(va);
  if (n > 0) forwardKernel<<<blocksFor(n), kThreads, 0, s>>>(k, a, b, y, va, vb, n);
}

void broadcastBinaryBackward(NpBin k, const float* a, const float* b, const float* g, float* da,
                             float* db, const StridedView& va, const StridedView& vb,
                             cudaStream_t s) {
  const int64_t n = viewNumel(va);
  if (n > 0 && (da || db))
    backwardKernel<<<blocksFor(n), kThreads, 0, s>>>(k, a, b, g, da, db, va, vb, n);
}

}  // namespace strata::cuda::kernels
