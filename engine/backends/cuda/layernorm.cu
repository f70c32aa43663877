// LayerNorm over the last dim (biased variance, eps inside the sqrt, as nn.LayerNorm): a warp per
// row forward and for dx; dweight/dbias as column sums over rows in index order (deterministic).
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

constexpr int kWarpsPerBlock = kThreads / 32;

__global__ void forwardKernel(const float* x, const float* w, const float* b, float* y, float* mean,
                              float* rstd, int64_t rows, int64_t d, float eps) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const float* p = x + r * d;
  float sum = 0.0f;
  for (int64_t k = lane; k < d; k += 32) sum += p[k];
  const float mu = warpSum(sum) / static_cast<float>(d);
  float sq = 0.0f;
  for (int64_t k = lane; k < d; k += 32) {
    const float c = p[k] - mu;
    sq += c * c;
  }
  const float var = warpSum(sq) / static_cast<float>(d);
  const float rs = rsqrtf(var + eps);
  for (int64_t k = lane; k < d; k += 32) {
    float v = (p[k] - mu) * rs;
    if (w) v *= w[k];
    if (b) v += b[k];
    y[r * d + k] = v;
  }
  if (lane == 0) {
    mean[r] = mu;
    rstd[r] = rs;
  }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w.
__global__ void dxKernel(const float* x, const float* w, const float* mean, const float* rstd,
                         const float* dy, float* dx, int64_t rows, int64_t d) {
  const int64_t r = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const float mu = mean[r], rs = rstd[r];
  float sg = 0.0f, sgx = 0.0f;
  for (int64_t k = lane; k < d; k += 32) {
    const float g = dy[r * d + k] * (w ? w[k] : 1.0f);
    sg += g;
    sgx += g * (x[r * d + k] - mu) * rs;
  }
  sg = warpSum(sg) / static_cast<float>(d);
  sgx = warpSum(sgx) / static_cast<float>(d);
  for (int64_t k = lane; k < d; k += 32) {
    const float g = dy[r * d + k] * (w ? w[k] : 1.0f);
    const float xhat = (x[r * d + k] - mu) * rs;
    dx[r * d + k] = rs * (g - sg - xhat * sgx);
  }
}

__global__ void dwKernel(const float* x, const float* mean, const float* rstd, const float* dy,
                         float* dw, float* db, int64_t rows, int64_t d) {
  STRATA_GRID_LOOP(k, d) {
    float accW = 0.0f, accB = 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
      const float g = dy[r * d + k];
      accW += g * (x[r * d + k] - mean[r]) * rstd[r];
      accB += g;
    }
    if (dw) dw[k] = accW;
    if (db) db[k] = accB;
  }
}

unsigned rowBlocks(int64_t rows) {
  return static_cast<unsigned>((rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
}

}  // namespace

void layerNormForward(const float* x, const float* w, const float* b, float* y, float* mean,
                      float* rstd, int64_t rows, int64_t d, float eps, cudaStream_t s) {
  if (rows > 0 && d > 0)
    forwardKernel<<<rowBlocks(rows), kThreads, 0, s>>>(x, w, b, y, mean, rstd, rows, d, eps);
}

void layerNormBackward(const float* x, const float* w, const float* mean, const float* rstd,
                       const float* dy, float* dx, float* dw, float* db, int64_t rows, int64_t d,
                       cudaStream_t s) {
  if (rows <= 0 || d <= 0) return;
  if (dx) dxKernel<<<rowBlocks(rows), kThreads, 0, s>>>(x, w, mean, rstd, dy, dx, rows, d);
  if (dw || db) dwKernel<<<blocksFor(d), kThreads, 0, s>>>(x, mean, rstd, dy, dw, db, rows, d);
}

}  // namespace strata::cuda::kernels
