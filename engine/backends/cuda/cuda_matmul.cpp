// matmul and linear on cuBLAS (sgemm, strided-batched): the vendor library is the fastest and
// best-tested fp32 GEMM on NVIDIA GPUs; a hand-written kernel would be slower and a risk to
// parity. TF32 tensor cores stay off unless setAllowTf32(true) (cuda_context.cpp sets the math
// mode), so results follow the fp32 rule against the CPU engine.
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_backend_impl.h"
#include "backends/cuda/kernels.h"
#include "tensor/autograd.h"

namespace strata::cuda {

using detail::cf;
using detail::contextOf;
using detail::f;

namespace {

// Row-major C[batch, M, N] = op(A) op(B); A is [batch, M, K] ([batch, K, M] when transA), B is
// [(batch,) K, N] ([.., N, K] when transB), shared by every batch when !bBatched. cuBLAS is
// column-major, so it computes C^T = op(B)^T op(A)^T on the same memory.
void gemm(Context& ctx, const float* A, const float* B, float* C, int64_t batch, int64_t M,
          int64_t N, int64_t K, bool transA, bool transB, bool bBatched) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  const float one = 1.0f, zero = 0.0f;
  const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int64_t lda = transA ? M : K, ldb = transB ? K : N;
  if (K == 0) {  // an empty sum: C = 0
    check(cudaMemsetAsync(C, 0, static_cast<size_t>(batch * M * N) * sizeof(float), ctx.stream),
          "matmul");
    return;
  }
  check(cublasSgemmStridedBatched(ctx.cublas, opB, opA, static_cast<int>(N), static_cast<int>(M),
                                  static_cast<int>(K), &one, B, static_cast<int>(ldb),
                                  bBatched ? K * N : 0, A, static_cast<int>(lda), M * K, &zero, C,
                                  static_cast<int>(N), M * N, static_cast<int>(batch)),
        "cublasSgemmStridedBatched");
}

struct MatShape {
  int64_t batch = 1, M = 0, N = 0, K = 0;
  bool bBatched = false;
  Shape out;
};

MatShape matShape(const Tensor& a, const Tensor& b, bool transA, bool transB) {
  if (a.ndim() < 2 || b.ndim() < 2)
    throw std::invalid_argument("matmul: operands need at least 2 dims, got " + describe(a) +
                                " and " + describe(b));
  MatShape s;
  const int64_t ar = a.size(-2), ac = a.size(-1), br = b.size(-2), bc = b.size(-1);
  s.M = transA ? ac : ar;
  s.K = transA ? ar : ac;
  const int64_t kb = transB ? bc : br;
  s.N = transB ? br : bc;
  if (kb != s.K)
    throw std::invalid_argument("matmul: inner sizes differ: " + describe(a) + " and " +
                                describe(b));
  Shape lead(a.shape().begin(), a.shape().end() - 2);
  Shape blead(b.shape().begin(), b.shape().end() - 2);
  s.batch = numel(lead);
  s.bBatched = !blead.empty();
  if (s.bBatched && blead != lead)
    throw std::invalid_argument("matmul: batch dims differ: " + describe(a) + " and " +
                                describe(b));
  s.out = lead;
  s.out.push_back(s.M);
  s.out.push_back(s.N);
  return s;
}

// The product without history (backward bodies use it too).
Tensor product(Context& ctx, const Tensor& a, const Tensor& b, bool transA, bool transB) {
  const MatShape s = matShape(a, b, transA, transB);
  Tensor y = Tensor::empty(s.out, DType::Float32, a.device());
  gemm(ctx, cf(a), cf(b), f(y), s.batch, s.M, s.N, s.K, transA, transB, s.bBatched);
  return y;
}

}  // namespace

void detail::sgemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) throw std::logic_error("sgemm: K must be >= 1");
  const float one = 1.0f;
  // Column-major cuBLAS computes C^T = op(B)^T op(A)^T on the same memory (see gemm above).
  check(cublasSgemmStridedBatched(ctx.cublas, transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                                  transA ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(N),
                                  static_cast<int>(M), static_cast<int>(K), &one, B,
                                  static_cast<int>(ldb), 0, A, static_cast<int>(lda), 0, &beta, C,
                                  static_cast<int>(ldc), 0, 1),
        "cublasSgemmStridedBatched");
}

Tensor CudaBackend::matmul(const Tensor& a, const Tensor& b0, bool transA, bool transB) {
  const Tensor b = detail::onDevice(b0, a.device(), "matmul");
  if (a.dtype() != DType::Float32 || !b.defined() || b.dtype() != DType::Float32)
    throw std::invalid_argument("matmul: operands must be float32");
  Context& ctx = contextOf("matmul", {&a, &b});
  const MatShape s = matShape(a, b, transA, transB);
  Tensor y = product(ctx, a, b, transA, transB);
  recordOp("matmul", {a, b}, {&y},
           [ad = a.detach(), bd = b.detach(), transA, transB, s, ag = a.requiresGrad(),
            bg = b.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("matmul", {&g[0]});
             if (ag)  // dA = g op(B)^T, or its transpose when A was given transposed
               grads[0] = transA ? product(c, bd, g[0], transB, true)
                                 : product(c, g[0], bd, false, !transB);
             if (bg) {  // dB = op(A)^T g, or its transpose; summed over batches when shared
               Tensor db = transB ? product(c, g[0], ad, true, transA)
                                  : product(c, ad, g[0], !transA, false);
               if (!s.bBatched && s.batch > 1)
                 db = detail::reduceMiddle(db, 1, s.batch, db.numel() / s.batch, 1.0f, bd.shape(),
                                           c.stream);
               grads[1] = db;
             }
             return grads;
           });
  return y;
}

Tensor CudaBackend::linear(const Tensor& x, const Tensor& weight0, const Tensor& bias0) {
  const Tensor weight = detail::onDevice(weight0, x.device(), "linear");
  const Tensor bias = detail::onDevice(bias0, x.device(), "linear");
  if (x.dtype() != DType::Float32 || !weight.defined() || weight.dtype() != DType::Float32 ||
      weight.ndim() != 2 || x.ndim() < 1 || x.size(-1) != weight.size(1))
    throw std::invalid_argument("linear: input " + describe(x) + " does not match weight " +
                                describe(weight));
  const int64_t in = weight.size(1), out = weight.size(0),
                rows = x.numel() / std::max<int64_t>(in, 1);
  if (bias.defined() && bias.numel() != out)
    throw std::invalid_argument("linear: bias " + describe(bias) + " does not match weight " +
                                describe(weight));
  Context& ctx = contextOf("linear", {&x, &weight, &bias});
  Shape outShape = x.shape();
  outShape.back() = out;
  Tensor y = Tensor::empty(outShape, DType::Float32, x.device());
  gemm(ctx, cf(x), cf(weight), f(y), 1, rows, out, in, false, true, false);
  if (bias.defined())
    kernels::binary(kernels::Bin::Add, cf(y), cf(bias), f(y), y.numel(), out, ctx.stream);
  checkLaunch("linear");
  recordOp("linear", {x, weight, bias}, {&y},
           [xd = x.detach(), wd = weight.detach(), rows, in, out, xg = x.requiresGrad(),
            wg = weight.requiresGrad(),
            bg = bias.defined() && bias.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(3);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("linear", {&g[0]});
             if (xg) {  // dx = g W
               grads[0] = Tensor::empty(xd.shape(), DType::Float32, g[0].device());
               gemm(c, cf(g[0]), cf(wd), f(grads[0]), 1, rows, in, out, false, false, false);
             }
             if (wg) {  // dW = g^T x
               grads[1] = Tensor::empty({out, in}, DType::Float32, g[0].device());
               gemm(c, cf(g[0]), cf(xd), f(grads[1]), 1, out, in, rows, true, false, false);
             }
             if (bg)  // db = column sums of g
               grads[2] = detail::reduceMiddle(g[0], 1, rows, out, 1.0f, {out}, c.stream);
             return grads;
           });
  return y;
}

}  // namespace strata::cuda
