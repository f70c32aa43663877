// Launchers for the CUDA backend's kernels: plain pointers, sizes and a stream, one family per
// .cu file, so the .cu files need nothing of the engine and the op logic (shapes, autograd)
// stays in C++ (cuda_ops.cpp). All launch on `s` and return without synchronising; errors
// surface at the next checked CUDA call (the backend checks cudaGetLastError after launching).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace strata::cuda::kernels {

// --- eltwise.cu: activations ----------------------------------------------------------------
enum class Elt : int { Relu, GeluErf, GeluTanh, Tanh, Sigmoid, Scale };
void eltwiseForward(Elt k, float alpha, const float* x, float* y, int64_t n, cudaStream_t s);
// dx = dy * f'(.): Relu/Gelu read the input x, Tanh/Sigmoid the output y (`data`), Scale alpha.
void eltwiseBackward(Elt k, float alpha, const float* data, const float* dy, float* dx, int64_t n,
                     cudaStream_t s);

// --- binary.cu: a (op) b with b repeating every bPeriod elements; in-place updates -----------
enum class Bin : int { Add, Mul };
void binary(Bin k, const float* a, const float* b, float* y, int64_t n, int64_t bPeriod,
            cudaStream_t s);
void accumulate(float* dst, const float* src, int64_t n, cudaStream_t s);  // dst += src
void scaleInPlace(float* x, float c, int64_t n, cudaStream_t s);
void fill(float* x, float v, int64_t n, cudaStream_t s);
void fillI64(int64_t* x, int64_t v, int64_t n, cudaStream_t s);

// --- reduce.cu: over the middle axis of [outer, n, inner] (fixed order: deterministic) -------
void reduceMiddle(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, float factor,
                  cudaStream_t s);  // y[o, i] = factor * sum_k x[o, k, i]
void broadcastMiddle(const float* g, float* y, int64_t outer, int64_t n, int64_t inner,
                     float factor, cudaStream_t s);  // y[o, k, i] = factor * g[o, i]

// --- softmax.cu: along the middle axis of [outer, n, inner] ----------------------------------
void softmaxForward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log,
                    cudaStream_t s);
void softmaxBackward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n,
                     int64_t inner, bool log, cudaStream_t s);

// --- layernorm.cu: rows of d; mean and 1/sqrt(var + eps) kept for backward --------------------
void layerNormForward(const float* x, const float* w, const float* b, float* y, float* mean,
                      float* rstd, int64_t rows, int64_t d, float eps, cudaStream_t s);
// dx (may not alias), dw/db (null when absent) overwritten.
void layerNormBackward(const float* x, const float* w, const float* mean, const float* rstd,
                       const float* dy, float* dx, float* dw, float* db, int64_t rows, int64_t d,
                       cudaStream_t s);

// --- embedding.cu ----------------------------------------------------------------------------
// y[r, :] = w[idx[r], :]; an index outside [0, num) writes zeros and its value to *bad (which
// starts at -1 and keeps the first bad index seen by the kernel).
void embeddingForward(const int64_t* idx, const float* w, float* y, int64_t rows, int64_t num,
                      int64_t dim, int64_t* bad, cudaStream_t s);
// dw (zeroed by the caller) += scatter of dy by idx (atomicAdd: the order of additions into a
// row hit by several indices is not fixed).
void embeddingBackward(const int64_t* idx, const float* dy, float* dw, int64_t rows, int64_t num,
                       int64_t dim, cudaStream_t s);

// --- dropout.cu: Philox4x32-10 keyed by `seed`, counter = element index ----------------------
// mask[i] = 0 with probability p, else 1/(1-p); y = x * mask.
void dropoutForward(const float* x, float* y, float* mask, int64_t n, float p, uint64_t seed,
                    cudaStream_t s);

// --- narrow_copy.cu: slice and concat, float32 or int64 (elemBytes 4 or 8) -------------------
// dst[o, dstOff + k, i] = src[o, srcOff + k, i] for k < count, over [outer, *, inner] views.
void narrowCopy(const void* src, int64_t srcN, int64_t srcOff, void* dst, int64_t dstN,
                int64_t dstOff, int64_t count, int64_t outer, int64_t inner, int elemBytes,
                cudaStream_t s);

// --- transpose.cu: [a, n0, b, n1, c] -> [a, n1, b, n0, c] ------------------------------------
void transpose(const void* src, void* dst, int64_t a, int64_t n0, int64_t b, int64_t n1, int64_t c,
               int elemBytes, cudaStream_t s);

// --- sequence_pool.cu: x [B, T, C] -> y [B, C]; mode 0 last, 1 mean, 2 max (argmax kept) -----
void sequencePoolForward(const float* x, float* y, int64_t* argmax, int64_t B, int64_t T, int64_t C,
                         int mode, cudaStream_t s);
void sequencePoolBackward(const float* dy, const int64_t* argmax, float* dx, int64_t B, int64_t T,
                          int64_t C, int mode, cudaStream_t s);

// --- attention_mask.cu: scores [B, H, T, S], mask [B, T, S] (nonzero = masked) -----------------
void attentionMask(const float* x, const float* mask, float* y, int64_t B, int64_t H, int64_t T,
                   int64_t S, float fill, cudaStream_t s);

// --- mse_loss.cu -------------------------------------------------------------------------------
void mseForward(const float* a, const float* b, float* loss, int64_t n, cudaStream_t s);
// da = g * 2 (a - b) / n, g read from device memory (the scalar loss gradient).
void mseBackward(const float* a, const float* b, const float* g, float* da, int64_t n,
                 cudaStream_t s);

// --- cross_entropy.cu: logits [N, C], target [N]; mean over counted rows ---------------------
// loss[0] = mean NLL, count[0] = counted rows (as float); *bad = first target outside [0, C)
// that is not ignoreIndex (starts at -1). logProbs [N, C] kept for backward.
void crossEntropyForward(const float* logits, const int64_t* target, float* logProbs,
                         float* rowLoss, float* loss, float* count, int64_t N, int64_t C,
                         int64_t ignoreIndex, int64_t* bad, cudaStream_t s);
void crossEntropyBackward(const float* logProbs, const int64_t* target, const float* g,
                          const float* count, float* dlogits, int64_t N, int64_t C,
                          int64_t ignoreIndex, cudaStream_t s);

// --- optimizers (adam.cu, sgd.cu): torch.optim 1.13's order of operations in fp32 ------------
struct AdamArgs {
  float negStepSize, bc2Sqrt, b1, b2, oneMinusB1, oneMinusB2, eps, wd, decay;
  bool decoupled, weightDecay;
};
void adamStep(float* w, const float* g, float* m, float* v, int64_t n, const AdamArgs& a,
              cudaStream_t s);
struct SgdArgs {
  float wd, mu, negLr;
  bool weightDecay, momentum, nesterov, firstStep;
};
void sgdStep(float* w, const float* g, float* buf, int64_t n, const SgdArgs& a, cudaStream_t s);

// --- grad_norm.cu: sum of squares in double (two passes, fixed order: deterministic) ---------
constexpr int kSumSquaresBlocks = 256;
// scratch: kSumSquaresBlocks doubles on the device.
void sumSquares(const float* x, int64_t n, double* out, double* scratch, cudaStream_t s);

}  // namespace strata::cuda::kernels
