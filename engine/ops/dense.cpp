// Dense ops: batched matmul and linear, forward and backward, on oneDNN matmul primitives.
// oneDNN has no matmul backward, so dA and dB are further matmuls over transposed (strided)
// views of the saved operands and the upstream gradient, never materialised transposes.
#include <stdexcept>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

using detail::gemm;
using detail::MatView;

// Last-two-dims transpose copy: x: [Bt, R, C] -> [Bt, C, R].
Tensor transposeLast2(const Tensor& x, int64_t bt, int64_t r, int64_t c) {
  Tensor y = Tensor::empty({bt, c, r});
  const float* px = x.f32();
  float* py = y.f32();
#pragma omp parallel for collapse(2) if (bt * r * c > 65536)
  for (int64_t b = 0; b < bt; ++b)
    for (int64_t j = 0; j < c; ++j)
      for (int64_t i = 0; i < r; ++i) py[(b * c + j) * r + i] = px[(b * r + i) * c + j];
  return y;
}

std::string shapes(const Tensor& a, const Tensor& b) {
  return describe(a) + " and " + describe(b);
}

}  // namespace

// a: [..., M, K] (or [..., K, M] with transA), b: [..., K, N] (or [..., N, K] with transB)
// -> c: [..., M, N]
Tensor matmul(const Tensor& a, const Tensor& b, bool transA, bool transB) {
  if (onDevice(a)) return backendFor(a.device()).matmul(a, b, transA, transB);

  detail::requireFloat(a, "matmul", "a");
  detail::requireFloat(b, "matmul", "b");
  if (a.ndim() < 2 || b.ndim() < 2)
    throw std::invalid_argument("matmul: operands need at least 2 dims, got " + shapes(a, b));
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const int64_t M = transA ? as[as.size() - 1] : as[as.size() - 2];
  const int64_t K = transA ? as[as.size() - 2] : as[as.size() - 1];
  const int64_t K2 = transB ? bs[bs.size() - 1] : bs[bs.size() - 2];
  const int64_t N = transB ? bs[bs.size() - 2] : bs[bs.size() - 1];
  const Shape batchA(as.begin(), as.end() - 2);
  const Shape batchB(bs.begin(), bs.end() - 2);
  if (K != K2 || (!batchB.empty() && batchB != batchA))
    throw std::invalid_argument("matmul: shapes " + shapes(a, b) + " do not match (transA=" +
                                std::to_string(transA) + ", transB=" +
                                std::to_string(transB) + ")");
  Shape outShape = batchA;
  outShape.push_back(M);
  outShape.push_back(N);

  int64_t bt = numel(batchA);
  int64_t m = M;
  // b without batch dims and a plain: fold a's batch into its rows, one 2-D gemm.
  if (batchB.empty() && !transA) {
    m = bt * M;
    bt = 1;
  }
  const int64_t bb = batchB.empty() ? 1 : bt;
  // Views of op(a): [bt, m, K] and op(b): [bb, K, N] over the stored buffers.
  const MatView av = transA ? MatView::plain(bt, K, m).t() : MatView::plain(bt, m, K);
  const MatView bv = transB ? MatView::plain(bb, N, K).t() : MatView::plain(bb, K, N);

  Tensor c = Tensor::empty(outShape);
  gemm(av, a.f32(), bv, b.f32(), c.f32());

  recordOp("matmul", {a, b}, {&c},
           [a = a.detach(), b = b.detach(), ag = a.requiresGrad(), bg = b.requiresGrad(), av,
            bv, bt, bb, m, K, N, transA, transB](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             const MatView gv = MatView::plain(bt, m, N);
             const float* pg = g[0].f32();
             if (ag) {
               // d op(a) = g · op(b)^T : [bt, m, K]
               Tensor da = Tensor::empty(a.shape());
               if (!transA) {
                 gemm(gv, pg, bv.t(), b.f32(), da.f32());
               } else {
                 Tensor tmp = Tensor::empty({bt, m, K});
                 gemm(gv, pg, bv.t(), b.f32(), tmp.f32());
                 da.copyFrom(transposeLast2(tmp, bt, m, K));
               }
               grads[0] = da;
             }
             if (bg) {
               Tensor db = Tensor::empty(b.shape());
               // d op(b) = op(a)^T · g : [bt, K, N]; d b = its transpose when transB.
               Tensor per = bb == bt ? db : Tensor::empty({bt, transB ? N : K, transB ? K : N});
               if (!transB)
                 gemm(av.t(), a.f32(), gv, pg, per.f32());
               else
                 gemm(gv.t(), pg, av, a.f32(), per.f32());
               if (bb != bt)  // b was broadcast over the batch: sum the per-batch gradients
                 detail::reduce(dnnl::algorithm::reduction_sum, per.f32(), db.f32(),
                                detail::Split3{1, bt, K * N});
               grads[1] = db;
             }
             return grads;
           });
  return c;
}

// x: [..., in], weight: [out, in], bias: [out] or undefined -> y: [..., out]  (y = x W^T + b)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (onDevice(x)) return backendFor(x.device()).linear(x, weight, bias);

  detail::requireFloat(x, "linear", "input");
  detail::requireFloat(weight, "linear", "weight");
  if (weight.ndim() != 2 || x.ndim() < 1 || x.size(-1) != weight.size(1))
    throw std::invalid_argument("linear: input " + describe(x) + " does not fit weight " +
                                describe(weight));
  const int64_t in = weight.size(1), out = weight.size(0);
  if (bias.defined()) {
    detail::requireFloat(bias, "linear", "bias");
    if (bias.ndim() != 1 || bias.size(0) != out)
      throw std::invalid_argument("linear: bias " + describe(bias) + " does not fit weight " +
                                  describe(weight));
  }
  const int64_t rows = numel(Shape(x.shape().begin(), x.shape().end() - 1));
  Shape outShape = x.shape();
  outShape.back() = out;
  Tensor y = Tensor::empty(outShape);
  // y: [rows, out] = x: [rows, in] · W^T (a strided view of W: [in, out])
  const MatView xv = MatView::plain(1, rows, in);
  const MatView wt = MatView::plain(1, out, in).t();
  gemm(xv, x.f32(), wt, weight.f32(), y.f32(), bias.defined() ? bias.f32() : nullptr);

  std::vector<Tensor> inputs{x, weight};
  if (bias.defined()) inputs.push_back(bias);
  recordOp("linear", inputs, {&y},
           [x = x.detach(), w = weight.detach(), xg = x.requiresGrad(),
            wg = weight.requiresGrad(), bg = bias.defined() && bias.requiresGrad(), rows, in,
            out, nIn = inputs.size()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(nIn);
             if (!g[0].defined()) return grads;
             const MatView gv = MatView::plain(1, rows, out);
             if (xg) {  // dx: [rows, in] = g: [rows, out] · W: [out, in]
               Tensor dx = Tensor::empty(x.shape());
               gemm(gv, g[0].f32(), MatView::plain(1, out, in), w.f32(), dx.f32());
               grads[0] = dx;
             }
             if (wg) {  // dW: [out, in] = g^T: [out, rows] · x: [rows, in]
               Tensor dw = Tensor::empty(w.shape());
               gemm(gv.t(), g[0].f32(), MatView::plain(1, rows, in), x.f32(), dw.f32());
               grads[1] = dw;
             }
             if (bg) grads[2] = detail::columnSums(g[0], rows, out);  // db: [out]
             return grads;
           });
  return y;
}

}  // namespace strata::ops
