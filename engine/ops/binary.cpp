// Elementwise add and mul with trailing broadcast on oneDNN binary primitives: b's shape equals
// a trailing part of a's shape (a: [B, T, C] + b: [C]). b's gradient sums over the broadcast
// leading dims with a oneDNN reduction (deterministic, no atomics).
#include <algorithm>
#include <stdexcept>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

using dnnl::algorithm;

// a: [..., S] viewed as [rows, cols] with cols = numel(S), where b: S.
struct Broadcast {
  int64_t rows = 1, cols = 1;
  bool broadcast = false;
};

Broadcast checkBroadcast(const char* op, const Tensor& a, const Tensor& b) {
  detail::requireFloat(a, op, "a");
  detail::requireFloat(b, op, "b");
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  bool ok = bs.size() <= as.size() && std::equal(bs.begin(), bs.end(), as.end() - bs.size());
  if (!ok)
    throw std::invalid_argument(std::string(op) + ": shapes " + describe(a) + " and " +
                                describe(b) + " do not broadcast (b must equal a trailing part" +
                                " of a's shape)");
  Broadcast r;
  r.cols = b.numel();
  r.rows = numel(Shape(as.begin(), as.end() - bs.size()));
  r.broadcast = as.size() != bs.size();
  return r;
}

// Sums a gradient of a's shape down to b's (over the broadcast rows); passes it through otherwise
// (callers hand in a fresh tensor).
Tensor reduceToB(const Tensor& g, const Tensor& b, const Broadcast& s) {
  if (!s.broadcast) return g;
  return detail::columnSums(g, s.rows, s.cols).reshape(b.shape());
}

}  // namespace

// a: [..., S] + b: [S] -> [..., S]; da = g, db = sum over the leading dims of g.
Tensor add(const Tensor& a, const Tensor& b) {
  if (onDevice(a)) return backendFor(a.device()).add(a, b);

  const Broadcast s = checkBroadcast("add", a, b);
  Tensor y = Tensor::empty(a.shape());
  detail::binary(algorithm::binary_add, a.f32(), b.f32(), y.f32(), s.rows, s.cols, s.broadcast);
  recordOp("add", {a, b}, {&y},
           [s, bShape = b.shape(), ag = a.requiresGrad(),
            bg = b.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             // Fresh tensors: autograd may accumulate in place into what a node returns.
             if (ag) grads[0] = g[0].clone();
             if (bg)
               grads[1] = s.broadcast ? detail::columnSums(g[0], s.rows, s.cols).reshape(bShape)
                                      : g[0].clone();
             return grads;
           });
  return y;
}

// a: [..., S] * b: [S] -> [..., S]; da = g * b (broadcast), db = sum over leading dims of g * a.
Tensor mul(const Tensor& a, const Tensor& b) {
  if (onDevice(a)) return backendFor(a.device()).mul(a, b);

  const Broadcast s = checkBroadcast("mul", a, b);
  Tensor y = Tensor::empty(a.shape());
  detail::binary(algorithm::binary_mul, a.f32(), b.f32(), y.f32(), s.rows, s.cols, s.broadcast);
  recordOp("mul", {a, b}, {&y},
           [s, a = a.detach(), b = b.detach(), ag = a.requiresGrad(),
            bg = b.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             if (ag) {
               Tensor da = Tensor::empty(a.shape());
               detail::binary(algorithm::binary_mul, g[0].f32(), b.f32(), da.f32(), s.rows,
                              s.cols, s.broadcast);
               grads[0] = da;
             }
             if (bg) grads[1] = reduceToB(detail::product(g[0], a), b, s);
             return grads;
           });
  return y;
}

}  // namespace strata::ops
