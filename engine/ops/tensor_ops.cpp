// Tensor-manipulation ops with numpy semantics, for the layers that ONNX graphs need (Permute,
// Reshape, MatMul of two tensors, broadcasting Sub/Mul/Div, ReduceMean/Sum, elementwise functions):
// plain loops over strides, each with its backward. Broadcast operands are expanded by a
// differentiable `expand` whose backward sums over the repeated dims, so every binary op reduces
// to same-shape loops.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

std::vector<int64_t> stridesOf(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

// For every flat index of `out`, the flat index into a tensor of shape `in` that numpy
// broadcasting (right-aligned, size-1 dims repeat) reads.
std::vector<int64_t> broadcastIndex(const Shape& in, const Shape& out) {
  const std::vector<int64_t> inSt = stridesOf(in);
  const size_t off = out.size() - in.size();
  std::vector<int64_t> map(static_cast<size_t>(numel(out)));
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t f = 0; f < static_cast<int64_t>(map.size()); ++f) {
    int64_t src = 0;
    for (size_t d = off; d < out.size(); ++d)
      if (in[d - off] != 1) src += idx[d] * inSt[d - off];
    map[static_cast<size_t>(f)] = src;
    for (int d = static_cast<int>(out.size()) - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return map;
}

std::string shapePair(const Tensor& a, const Tensor& b) {
  return shapeToString(a.shape()) + " and " + shapeToString(b.shape());
}

}  // namespace

Shape broadcastShape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument("shapes " + shapeToString(a) + " and " + shapeToString(b) +
                                  " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (onDevice(x)) return backendFor(x.device()).expand(x, shape);
  detail::requireFloat(x, "expand", "x");
  if (x.shape() == shape) return x;
  if (broadcastShape(x.shape(), shape) != shape)
    throw std::invalid_argument("expand: " + shapeToString(x.shape()) + " does not broadcast to " +
                                shapeToString(shape));
  const std::vector<int64_t> map = broadcastIndex(x.shape(), shape);
  Tensor y = Tensor::empty(shape);
  const float* xs = x.f32();
  float* ys = y.f32();
  for (size_t i = 0; i < map.size(); ++i) ys[i] = xs[map[i]];
  recordOp("expand", {x}, {&y}, [map, xShape = x.shape()](const std::vector<Tensor>& g) {
    std::vector<Tensor> grads(1);
    if (!g[0].defined()) return grads;
    Tensor dx = Tensor::zeros(xShape);
    const float* gs = g[0].f32();
    float* d = dx.f32();
    for (size_t i = 0; i < map.size(); ++i) d[map[i]] += gs[i];
    grads[0] = dx;
    return grads;
  });
  return y;
}

Tensor binaryOp(BinaryKind kind, const Tensor& a0, const Tensor& b0) {
  if (onDevice(a0) || onDevice(b0)) {
    const Tensor& d = onDevice(a0) ? a0 : b0;
    return backendFor(d.device()).binaryOp(kind, a0, b0);
  }
  detail::requireFloat(a0, "binary", "a");
  detail::requireFloat(b0, "binary", "b");
  Shape shape;
  try {
    shape = broadcastShape(a0.shape(), b0.shape());
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("elementwise op: shapes " + shapePair(a0, b0) +
                                " do not broadcast");
  }
  const Tensor a = expand(a0, shape), b = expand(b0, shape);
  Tensor y = Tensor::empty(shape);
  const float* pa = a.f32();
  const float* pb = b.f32();
  float* py = y.f32();
  const int64_t n = y.numel();
  switch (kind) {
    case BinaryKind::Add: for (int64_t i = 0; i < n; ++i) py[i] = pa[i] + pb[i]; break;
    case BinaryKind::Sub: for (int64_t i = 0; i < n; ++i) py[i] = pa[i] - pb[i]; break;
    case BinaryKind::Mul: for (int64_t i = 0; i < n; ++i) py[i] = pa[i] * pb[i]; break;
    case BinaryKind::Div: for (int64_t i = 0; i < n; ++i) py[i] = pa[i] / pb[i]; break;
  }
  recordOp("binary", {a, b}, {&y},
           [kind, ad = a.detach(), bd = b.detach()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             const int64_t n = g[0].numel();
             const float* gs = g[0].f32();
             const float* pa = ad.f32();
             const float* pb = bd.f32();
             Tensor da = Tensor::empty(ad.shape()), db = Tensor::empty(bd.shape());
             float* x = da.f32();
             float* z = db.f32();
             for (int64_t i = 0; i < n; ++i) {
               switch (kind) {
                 case BinaryKind::Add: x[i] = gs[i]; z[i] = gs[i]; break;
                 case BinaryKind::Sub: x[i] = gs[i]; z[i] = -gs[i]; break;
                 case BinaryKind::Mul: x[i] = gs[i] * pb[i]; z[i] = gs[i] * pa[i]; break;
                 case BinaryKind::Div:
                   x[i] = gs[i] / pb[i];
                   z[i] = -gs[i] * pa[i] / (pb[i] * pb[i]);
                   break;
               }
             }
             grads[0] = da;
             grads[1] = db;
             return grads;
           });
  return y;
}

Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  if (onDevice(x)) return backendFor(x.device()).permute(x, dims);
  detail::requireFloat(x, "permute", "x");
  const int r = x.ndim();
  std::vector<bool> seen(static_cast<size_t>(r), false);
  if (static_cast<int>(dims.size()) != r)
    throw std::invalid_argument("permute: " + std::to_string(dims.size()) + " dims for a tensor " +
                                shapeToString(x.shape()));
  for (int d : dims) {
    if (d < 0 || d >= r || seen[d])
      throw std::invalid_argument("permute: dims are not a permutation of 0.." +
                                  std::to_string(r - 1));
    seen[d] = true;
  }
  Shape out(r);
  for (int i = 0; i < r; ++i) out[i] = x.size(dims[i]);
  const std::vector<int64_t> inSt = stridesOf(x.shape());
  Tensor y = Tensor::empty(out);
  const float* xs = x.f32();
  float* ys = y.f32();
  std::vector<int64_t> idx(r, 0);
  for (int64_t f = 0, n = y.numel(); f < n; ++f) {
    int64_t src = 0;
    for (int d = 0; d < r; ++d) src += idx[d] * inSt[dims[d]];
    ys[f] = xs[src];
    for (int d = r - 1; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  std::vector<int> inverse(r);
  for (int i = 0; i < r; ++i) inverse[dims[i]] = i;
  recordOp("permute", {x}, {&y}, [inverse](const std::vector<Tensor>& g) {
    std::vector<Tensor> grads(1);
    if (g[0].defined()) {
      NoGradGuard noGrad;
      grads[0] = permute(g[0], inverse);
    }
    return grads;
  });
  return y;
}

// No device dispatch here: the body only checks shapes and calls matmul and expand, which send a
// GPU tensor to its backend.
Tensor batchMatmul(const Tensor& a, const Tensor& b) {
  detail::requireFloat(a, "matmul", "a");
  detail::requireFloat(b, "matmul", "b");
  if (a.ndim() < 2 || b.ndim() < 2)
    throw std::invalid_argument("matmul: operands need at least 2 dims, got " + shapePair(a, b));
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (as.back() != bs[bs.size() - 2])
    throw std::invalid_argument("matmul: inner sizes of " + shapePair(a, b) + " differ");
  const Shape batchA(as.begin(), as.end() - 2), batchB(bs.begin(), bs.end() - 2);
  if (batchB.empty() || batchA == batchB) return matmul(a, b);
  Shape batch;
  try {
    batch = broadcastShape(batchA, batchB);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("matmul: batch dims of " + shapePair(a, b) + " do not broadcast");
  }
  Shape sa = batch, sb = batch;
  sa.insert(sa.end(), as.end() - 2, as.end());
  sb.insert(sb.end(), bs.end() - 2, bs.end());
  return matmul(expand(a, sa), expand(b, sb));
}

Tensor reduceDims(const Tensor& x, std::vector<int> dims, bool keepDim, bool mean) {
  if (onDevice(x)) return backendFor(x.device()).reduceDims(x, dims, keepDim, mean);
  detail::requireFloat(x, "reduce", "x");
  const int r = x.ndim();
  for (int& d : dims) d = detail::normDim(d, r, "reduce");
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  if (dims.empty())
    for (int d = 0; d < r; ++d) dims.push_back(d);
  Shape kept = x.shape();
  int64_t count = 1;
  for (int d : dims) {
    count *= kept[d];
    kept[d] = 1;
  }
  const std::vector<int64_t> map = broadcastIndex(kept, x.shape());
  Tensor acc = Tensor::zeros(kept);
  const float* xs = x.f32();
  std::vector<double> sums(static_cast<size_t>(acc.numel()), 0.0);
  for (size_t i = 0; i < map.size(); ++i) sums[map[i]] += xs[i];
  const double scale = mean && count > 0 ? 1.0 / double(count) : 1.0;
  for (size_t i = 0; i < sums.size(); ++i) acc.f32()[i] = static_cast<float>(sums[i] * scale);
  Shape outShape;
  for (int d = 0; d < r; ++d)
    if (keepDim || std::find(dims.begin(), dims.end(), d) == dims.end())
      outShape.push_back(kept[d]);
  Tensor y = acc.reshape(outShape).clone();
  recordOp("reduce", {x}, {&y},
           [map, kept, xShape = x.shape(), scale](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(1);
             if (!g[0].defined()) return grads;
             Tensor dx = Tensor::empty(xShape);
             const float* gs = g[0].f32();
             for (size_t i = 0; i < map.size(); ++i)
               dx.f32()[i] = static_cast<float>(gs[map[i]] * scale);
             grads[0] = dx;
             return grads;
           });
  return y;
}

Tensor reduceMaxDims(const Tensor& x, std::vector<int> dims, bool keepDim) {
  if (onDevice(x)) return backendFor(x.device()).reduceMaxDims(x, dims, keepDim);
  detail::requireFloat(x, "reduce", "x");
  const int r = x.ndim();
  for (int& d : dims) d = detail::normDim(d, r, "reduce");
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  if (dims.empty())
    for (int d = 0; d < r; ++d) dims.push_back(d);
  Shape kept = x.shape();
  for (int d : dims) kept[d] = 1;
  if (x.numel() == 0) throw std::invalid_argument("reduce: max of an empty tensor");
  const std::vector<int64_t> map = broadcastIndex(kept, x.shape());
  const int64_t groups = numel(kept);
  std::vector<int64_t> arg(static_cast<size_t>(groups), -1);
  const float* xs = x.f32();
  for (size_t i = 0; i < map.size(); ++i) {
    int64_t& a = arg[map[i]];
    if (a < 0 || xs[i] > xs[a] || (std::isnan(xs[i]) && !std::isnan(xs[a]))) a = int64_t(i);
  }
  Shape outShape;
  for (int d = 0; d < r; ++d)
    if (keepDim || std::find(dims.begin(), dims.end(), d) == dims.end())
      outShape.push_back(kept[d]);
  Tensor y = Tensor::empty(outShape);
  for (int64_t g = 0; g < groups; ++g) y.f32()[g] = xs[arg[g]];
  recordOp("reduce_max", {x}, {&y}, [arg, xShape = x.shape()](const std::vector<Tensor>& g) {
    std::vector<Tensor> grads(1);
    if (!g[0].defined()) return grads;
    Tensor dx = Tensor::zeros(xShape);
    for (size_t k = 0; k < arg.size(); ++k) dx.f32()[arg[k]] = g[0].f32()[k];
    grads[0] = dx;
    return grads;
  });
  return y;
}

}  // namespace strata::ops

namespace strata::ops {

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// f(x) and f'(x) in double.
void unaryAt(UnaryKind k, double x, double alpha, double& f, double& df) {
  switch (k) {
    case UnaryKind::Exp: f = std::exp(x); df = f; return;
    case UnaryKind::Log: f = std::log(x); df = 1.0 / x; return;
    case UnaryKind::Sqrt: f = std::sqrt(x); df = 0.5 / f; return;
    case UnaryKind::Reciprocal: f = 1.0 / x; df = -f * f; return;
    case UnaryKind::Abs: f = std::fabs(x); df = x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; return;
    case UnaryKind::Neg: f = -x; df = -1.0; return;
    case UnaryKind::Erf:
      f = std::erf(x);
      df = 2.0 / std::sqrt(3.14159265358979323846) * std::exp(-x * x);
      return;
    case UnaryKind::Softplus:  // log(1 + e^x), stable for large |x|
      f = x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
      df = 1.0 / (1.0 + std::exp(-x));
      return;
    case UnaryKind::Softsign:
      f = x / (1.0 + std::fabs(x));
      df = 1.0 / ((1 + std::fabs(x)) * (1 + std::fabs(x)));
      return;
    case UnaryKind::Elu:
      f = x > 0 ? x : alpha * std::expm1(x);
      df = x > 0 ? 1.0 : alpha * std::exp(x);
      return;
    case UnaryKind::LeakyRelu: f = x >= 0 ? x : alpha * x; df = x >= 0 ? 1.0 : alpha; return;
    case UnaryKind::Selu:
      f = kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x));
      df = kSeluScale * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x));
      return;
  }
  f = df = 0;
}

}  // namespace

Tensor unaryOp(UnaryKind kind, const Tensor& x, float alpha) {
  if (onDevice(x)) return backendFor(x.device()).unaryOp(kind, x, alpha);
  detail::requireFloat(x, "elementwise", "x");
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  const float* xs = x.f32();
  for (int64_t i = 0; i < n; ++i) {
    double f, df;
    unaryAt(kind, xs[i], alpha, f, df);
    y.f32()[i] = static_cast<float>(f);
  }
  recordOp("elementwise", {x}, {&y},
           [kind, alpha, xd = x.detach()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(1);
             if (!g[0].defined()) return grads;
             Tensor dx = Tensor::empty(xd.shape());
             for (int64_t i = 0, n = xd.numel(); i < n; ++i) {
               double f, df;
               unaryAt(kind, xd.f32()[i], alpha, f, df);
               dx.f32()[i] = static_cast<float>(g[0].f32()[i] * df);
             }
             grads[0] = dx;
             return grads;
           });
  return y;
}

}  // namespace strata::ops
