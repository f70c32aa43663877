// The classic GRU's fused gate kernels (linear_before_reset false: n = tanh(W_in x + b_in +
// W_hn (r * h) + b_hn), ONNX's default and Keras's reset_after=False), forward and backward, in
// the CPU engine's formulas (nn/recurrent/gate_kernels_impl.inc: gruFwdA/B, gruBwdA/B). cuDNN's
// GRU is the linear-before-reset form only, so cuda_gru.cpp runs this one step by step: the two
// recurrent GEMMs of a step on cuBLAS, these kernels between and after them. One thread per
// (batch row, hidden unit).
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

namespace strata::cuda::kernels {
namespace {

__device__ __forceinline__ float sigm(float v) { return 1.0f / (1.0f + expf(-v)); }

// Bias of gate block `gate` at unit u, or 0 without biases.
__device__ __forceinline__ float bias(const float* b, int64_t H, int gate, int64_t u) {
  return b ? b[gate * H + u] : 0.0f;
}

__global__ void forwardAKernel(GruStep st) {
  const int64_t H = st.H;
  STRATA_GRID_LOOP(i, st.B * H) {
    const int64_t b = i / H, u = i % H;
    float* x = st.gx + b * st.ldgx;
    const float* g = st.gh + b * st.ldgh;
    const float r = sigm((x[u] + bias(st.bih, H, 0, u)) + (g[u] + bias(st.bhh, H, 0, u)));
    const float z =
        sigm((x[H + u] + bias(st.bih, H, 1, u)) + (g[H + u] + bias(st.bhh, H, 1, u)));
    x[u] = r;
    x[H + u] = z;
    st.rh[b * H + u] = r * st.hPrev[b * st.ldhp + u];
  }
}

__global__ void forwardBKernel(GruStep st) {
  const int64_t H = st.H;
  STRATA_GRID_LOOP(i, st.B * H) {
    const int64_t b = i / H, u = i % H;
    float* x = st.gx + b * st.ldgx;
    const float* g = st.gh + b * st.ldgh;
    const float z = x[H + u];
    const float n = tanhf((x[2 * H + u] + bias(st.bih, H, 2, u)) +
                          (g[2 * H + u] + bias(st.bhh, H, 2, u)));
    st.hOut[b * st.ldho + u] = (1.0f - z) * n + z * st.hPrev[b * st.ldhp + u];
    x[2 * H + u] = n;
  }
}

__global__ void backwardAKernel(GruStep st) {
  const int64_t H = st.H;
  STRATA_GRID_LOOP(i, st.B * H) {
    const int64_t b = i / H, u = i % H;
    const float* x = st.gx + b * st.ldgx;  // saved [r z n]
    float* d = st.dg + b * st.lddg;
    const float dh = st.dh[i] + (st.dy ? st.dy[b * st.lddy + u] : 0.0f);
    const float z = x[H + u], n = x[2 * H + u], hp = st.hPrev[b * st.ldhp + u];
    d[H + u] = dh * (hp - n) * z * (1.0f - z);
    d[2 * H + u] = dh * (1.0f - z) * (1.0f - n * n);
    st.dh[i] = dh * z;
  }
}

__global__ void backwardBKernel(GruStep st) {
  const int64_t H = st.H;
  STRATA_GRID_LOOP(i, st.B * H) {
    const int64_t b = i / H, u = i % H;
    const float r = st.gx[b * st.ldgx + u];
    const float drh = st.drh[i];
    st.dg[b * st.lddg + u] = drh * st.hPrev[b * st.ldhp + u] * r * (1.0f - r);
    st.dh[i] += drh * r;
  }
}

}  // namespace

void gruForwardA(const GruStep& st, cudaStream_t s) {
  if (st.B * st.H > 0) forwardAKernel<<<blocksFor(st.B * st.H), kThreads, 0, s>>>(st);
}
void gruForwardB(const GruStep& st, cudaStream_t s) {
  if (st.B * st.H > 0) forwardBKernel<<<blocksFor(st.B * st.H), kThreads, 0, s>>>(st);
}
void gruBackwardA(const GruStep& st, cudaStream_t s) {
  if (st.B * st.H > 0) backwardAKernel<<<blocksFor(st.B * st.H), kThreads, 0, s>>>(st);
}
void gruBackwardB(const GruStep& st, cudaStream_t s) {
  if (st.B * st.H > 0) backwardBKernel<<<blocksFor(st.B * st.H), kThreads, 0, s>>>(st);
}

}  // namespace strata::cuda::kernels
