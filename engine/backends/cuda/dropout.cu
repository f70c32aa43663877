// Dropout with a counter-based RNG: Philox4x32-10 (Salmon et al., SC'11), keyed by a 64-bit seed
// the host draws from the step's Rng, counter = element index / 4. Same seed => same mask, on any
// GPU and any launch shape.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

struct U4 {
  uint32_t x, y, z, w;
};

__device__ __forceinline__ U4 philoxRound(U4 c, uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c.x;
  const uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c.z;
  return {static_cast<uint32_t>(p1 >> 32) ^ c.y ^ k0, static_cast<uint32_t>(p1),
          static_cast<uint32_t>(p0 >> 32) ^ c.w ^ k1, static_cast<uint32_t>(p0)};
}

__device__ U4 philox(U4 c, uint64_t seed) {
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    c = philoxRound(c, k0, k1);
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

__device__ __forceinline__ float toUnit(uint32_t v) {  // [0, 1) with 24 bits
  return static_cast<float>(v >> 8) * (1.0f / 16777216.0f);
}

__global__ void dropoutKernel(const float* x, float* y, float* mask, int64_t n, float p,
                              float scale, uint64_t seed) {
  STRATA_GRID_LOOP(q, (n + 3) / 4) {
    const U4 r = philox({static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0u, 0u}, seed);
    const uint32_t v[4] = {r.x, r.y, r.z, r.w};
    for (int j = 0; j < 4; ++j) {
      const int64_t i = q * 4 + j;
      if (i >= n) break;
      const float m = toUnit(v[j]) < p ? 0.0f : scale;
      mask[i] = m;
      y[i] = x[i] * m;
    }
  }
}

}  // namespace

void dropoutForward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed,
                    cudaStream_t s) {
  if (n <= 0) return;
  const float scale = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
  dropoutKernel<<<blocksFor((n + 3) / 4), kThreads, 0, s>>>(x, y, mask, n, p, scale, seed);
}

}  // namespace strata::cuda::kernels
