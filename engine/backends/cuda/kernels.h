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

// --- Numpy-semantics tensor ops (the layers of imported ONNX graphs) --------------------------
// Tensors of up to kMaxDims dims; the C++ side refuses more with a message.
constexpr int kMaxDims = 8;
// A row-major walk over `size` that reads at sum_d idx[d] * stride[d]: a permutation (strides
// permuted), a broadcast (stride 0 where the source repeats), or a set of dims to reduce over.
struct StridedView {
  int rank = 0;
  int64_t size[kMaxDims] = {};
  int64_t stride[kMaxDims] = {};
};

// --- strided_copy.cu: permute and expand --------------------------------------------------------
// dst[f] = src[offset(f)] for every flat index f of v's shape (dst is contiguous); with a factor
// other than 1, dst[f] = float(src[offset(f)] * factor) in double (a mean's backward, as on the
// CPU).
void stridedCopy(const float* src, float* dst, const StridedView& v, double factor,
                 cudaStream_t s);

// --- reduce_dims.cu: over any set of dims; group g (row-major over the kept dims, the output's
// order) holds the elements x[kept(g) + reduced(k)], k row-major over the reduced dims, which is
// the order of their flat index in x -----------------------------------------------------------
// y[g] = factor * sum_k x[...], added in double in a fixed order (deterministic).
void reduceDims(const float* x, float* y, const StridedView& kept, const StridedView& reduced,
                double factor, cudaStream_t s);
// y[g] = max_k x[...], arg[g] = its flat index in x: the first maximum, or the first NaN when
// the group has one (the CPU op's rule).
void reduceMax(const float* x, float* y, int64_t* arg, const StridedView& kept,
               const StridedView& reduced, cudaStream_t s);
// dx[arg[g]] = g[g] for every group (dx zeroed by the caller; the args are distinct).
void scatterArg(const float* g, const int64_t* arg, float* dx, int64_t groups, cudaStream_t s);

// --- broadcast_binary.cu: a (op) b with numpy broadcasting ------------------------------------
enum class NpBin : int { Add, Sub, Mul, Div };  // ops::BinaryKind's order
// Over the output's shape `a.size` (b.size is the same): a.stride and b.stride read the
// operands, 0 along the dims where one repeats. y is contiguous.
void broadcastBinary(NpBin k, const float* a, const float* b, float* y, const StridedView& va,
                     const StridedView& vb, cudaStream_t s);
// Per output element, the gradient reaching each operand before the broadcast dims are summed
// (da, db: output-shaped, contiguous; either may be null when not needed).
void broadcastBinaryBackward(NpBin k, const float* a, const float* b, const float* g, float* da,
                             float* db, const StridedView& va, const StridedView& vb,
                             cudaStream_t s);

// --- unary.cu: elementwise functions computed in double, as the CPU op does --------------------
enum class Fn : int {  // ops::UnaryKind's order
  Exp, Log, Sqrt, Reciprocal, Abs, Neg, Erf, Softplus, Softsign, Elu, LeakyRelu, Selu
};
void unaryForward(Fn k, float alpha, const float* x, float* y, int64_t n, cudaStream_t s);
void unaryBackward(Fn k, float alpha, const float* x, const float* dy, float* dx, int64_t n,
                   cudaStream_t s);

// --- gru_gates.cu: the classic GRU (linear_before_reset false), gates r, z, n ------------------
// Matrices are [B, H] (or [B, 3H] gate-blocked r | z | n) row-major with the given row strides.
// gx: the input projection x W_ih^T of the step (no bias), overwritten with the activations
// [r z n] for backward; gh: the recurrent GEMMs' results, [B, 3H] (h_prev W_h{r,z}^T in blocks
// r and z, (r*h_prev) W_hn^T in block n). bih/bhh: [3H] or null (no bias).
struct GruStep {
  int64_t B = 0, H = 0;
  float* gx = nullptr;
  int64_t ldgx = 0;
  float* gh = nullptr;
  int64_t ldgh = 0;
  const float* bih = nullptr;
  const float* bhh = nullptr;
  const float* hPrev = nullptr;
  int64_t ldhp = 0;
  float* rh = nullptr;  // [B, H] contiguous: r * h_prev
  float* hOut = nullptr;
  int64_t ldho = 0;
  // Backward.
  float* dg = nullptr;  // [B, 3H] gate gradients (pre-activation), row stride lddg
  int64_t lddg = 0;
  const float* dy = nullptr;  // the layer output's gradient at this step, row stride lddy
  int64_t lddy = 0;
  float* dh = nullptr;         // [B, H] contiguous: in, the carried dh; out, its direct part
  const float* drh = nullptr;  // [B, H] contiguous: d(r*h) = dn W_hn
};
// A: r, z into gx blocks r, z; rh = r * h_prev. The caller then computes gh's n block from rh.
void gruForwardA(const GruStep& st, cudaStream_t s);
// B: n into gx block n; h = (1 - z) n + z h_prev into hOut.
void gruForwardB(const GruStep& st, cudaStream_t s);
// A: dh += dy; dz, dn into dg; dh = dh * z (the part of dh_prev that bypasses the GEMMs). The
// caller then computes drh = dn W_hn.
void gruBackwardA(const GruStep& st, cudaStream_t s);
// B: dr into dg; dh += drh * r. The caller then adds [dr dz] W_h{r,z} to dh.
void gruBackwardB(const GruStep& st, cudaStream_t s);

}  // namespace strata::cuda::kernels
