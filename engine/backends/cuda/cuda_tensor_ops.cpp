// The CUDA backend's numpy-semantics ops, the layers of imported ONNX graphs (ops/tensor_ops.cpp
// on the CPU): expand, broadcasting Add/Sub/Mul/Div, permute, Reduce sum/mean/max over any dims
// and the elementwise functions. Shapes are checked with the CPU op's messages; the kernels walk
// strided views (kernels::StridedView), so a broadcast operand is read in place, never copied.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_backend_impl.h"
#include "backends/cuda/kernels.h"
#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

namespace strata::cuda {

using detail::cf;
using detail::contextOf;
using detail::f;
using kernels::StridedView;

// The kernels' enums mirror the engine's (kernels.h includes nothing of the engine).
static_assert(static_cast<int>(kernels::NpBin::Div) == static_cast<int>(ops::BinaryKind::Div) &&
              static_cast<int>(kernels::NpBin::Sub) == static_cast<int>(ops::BinaryKind::Sub) &&
              static_cast<int>(kernels::NpBin::Mul) == static_cast<int>(ops::BinaryKind::Mul));
static_assert(static_cast<int>(kernels::Fn::Selu) == static_cast<int>(ops::UnaryKind::Selu) &&
              static_cast<int>(kernels::Fn::Erf) == static_cast<int>(ops::UnaryKind::Erf) &&
              static_cast<int>(kernels::Fn::Softplus) ==
                  static_cast<int>(ops::UnaryKind::Softplus) &&
              static_cast<int>(kernels::Fn::LeakyRelu) ==
                  static_cast<int>(ops::UnaryKind::LeakyRelu));

namespace {

void requireFloat(const Tensor& t, const char* op, const char* what) {
  if (!t.defined() || t.dtype() != DType::Float32)
    throw std::invalid_argument(std::string(op) + ": " + what + " must be float32, got " +
                                describe(t));
}

void requireRank(const char* op, const Shape& s) {
  if (s.size() > static_cast<size_t>(kernels::kMaxDims))
    throw std::invalid_argument(std::string(op) + ": the cuda backend handles tensors of up to " +
                                std::to_string(kernels::kMaxDims) + " dims, got " +
                                shapeToString(s));
}

std::vector<int64_t> stridesOf(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

void push(StridedView& v, int64_t size, int64_t stride) {
  v.size[v.rank] = size;
  v.stride[v.rank] = stride;
  ++v.rank;
}

// Reading a tensor of shape `in` as if broadcast to `out` (numpy: right-aligned, size-1 dims and
// missing leading dims repeat, read with stride 0).
StridedView broadcastView(const Shape& in, const Shape& out) {
  const std::vector<int64_t> st = stridesOf(in);
  const size_t off = out.size() - in.size();
  StridedView v;
  for (size_t d = 0; d < out.size(); ++d)
    push(v, out[d], d < off || in[d - off] == 1 ? 0 : st[d - off]);
  return v;
}

// `full` (contiguous, shaped like the broadcast result) summed over the dims along which a
// tensor of shape `target` was repeated, shaped `target`: the backward of a broadcast.
Tensor sumTo(const Tensor& full, const Shape& target, cudaStream_t s) {
  if (full.shape() == target) return full;
  const Shape& out = full.shape();
  const std::vector<int64_t> st = stridesOf(out);
  const size_t off = out.size() - target.size();
  StridedView kept, reduced;
  for (size_t d = 0; d < out.size(); ++d) {
    const bool repeated = d < off || (target[d - off] == 1 && out[d] != 1);
    push(repeated ? reduced : kept, out[d], st[d]);
  }
  Tensor y = Tensor::empty(target, DType::Float32, full.device());
  kernels::reduceDims(cf(full), f(y), kept, reduced, 1.0, s);
  checkLaunch("broadcast backward");
  return y;
}

// x's dims in `dims` order, as a new tensor without history.
Tensor permuted(const Tensor& x, const std::vector<int>& dims, cudaStream_t s) {
  const std::vector<int64_t> st = stridesOf(x.shape());
  Shape out;
  StridedView v;
  for (int d : dims) {
    out.push_back(x.size(d));
    push(v, x.size(d), st[static_cast<size_t>(d)]);
  }
  Tensor y = Tensor::empty(out, DType::Float32, x.device());
  kernels::stridedCopy(cf(x), f(y), v, 1.0, s);
  checkLaunch("permute");
  return y;
}

// The CPU op's normalisation of reduction dims: in range, sorted, unique; none means all.
std::vector<int> reductionDims(std::vector<int> dims, int rank) {
  for (int& d : dims) d = ops::detail::normDim(d, rank, "reduce");
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  if (dims.empty())
    for (int d = 0; d < rank; ++d) dims.push_back(d);
  return dims;
}

struct ReducePlan {
  StridedView kept, reduced;  // over x: the output's dims, and the dims summed over
  Shape keptShape;            // x's shape with the reduced dims set to 1
  Shape outShape;             // keptShape, or without those dims when !keepDim
  int64_t count = 1;          // elements per group
};

ReducePlan reducePlan(const Tensor& x, const std::vector<int>& dims0, bool keepDim) {
  requireRank("reduce", x.shape());
  const int r = x.ndim();
  const std::vector<int> dims = reductionDims(dims0, r);
  const std::vector<int64_t> st = stridesOf(x.shape());
  ReducePlan p;
  p.keptShape = x.shape();
  for (int d = 0; d < r; ++d) {
    const bool reduced = std::binary_search(dims.begin(), dims.end(), d);
    push(reduced ? p.reduced : p.kept, x.size(d), st[static_cast<size_t>(d)]);
    if (reduced) {
      p.count *= x.size(d);
      p.keptShape[static_cast<size_t>(d)] = 1;
    }
    if (keepDim || !reduced) p.outShape.push_back(p.keptShape[static_cast<size_t>(d)]);
  }
  return p;
}

}  // namespace

Tensor CudaBackend::expand(const Tensor& x, const Shape& shape) {
  requireFloat(x, "expand", "x");
  if (x.shape() == shape) return x;
  if (ops::broadcastShape(x.shape(), shape) != shape)
    throw std::invalid_argument("expand: " + shapeToString(x.shape()) + " does not broadcast to " +
                                shapeToString(shape));
  requireRank("expand", shape);
  Context& ctx = contextOf("expand", {&x});
  Tensor y = Tensor::empty(shape, DType::Float32, x.device());
  kernels::stridedCopy(cf(x), f(y), broadcastView(x.shape(), shape), 1.0, ctx.stream);
  checkLaunch("expand");
  recordOp("expand", {x}, {&y}, [xShape = x.shape()](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf("expand", {&g[0]});
    return std::vector<Tensor>{sumTo(g[0], xShape, c.stream)};
  });
  return y;
}

Tensor CudaBackend::binaryOp(ops::BinaryKind kind, const Tensor& a0, const Tensor& b0) {
  requireFloat(a0, "binary", "a");
  requireFloat(b0, "binary", "b");
  const Device dev = !a0.isCpu() ? a0.device() : b0.device();
  const Tensor a = detail::onDevice(a0, dev, "binary"), b = detail::onDevice(b0, dev, "binary");
  Shape shape;
  try {
    shape = ops::broadcastShape(a.shape(), b.shape());
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("elementwise op: shapes " + shapeToString(a.shape()) + " and " +
                                shapeToString(b.shape()) + " do not broadcast");
  }
  requireRank("binary", shape);
  Context& ctx = contextOf("binary", {&a, &b});
  const auto k = static_cast<kernels::NpBin>(kind);
  const StridedView va = broadcastView(a.shape(), shape), vb = broadcastView(b.shape(), shape);
  Tensor y = Tensor::empty(shape, DType::Float32, dev);
  kernels::broadcastBinary(k, cf(a), cf(b), f(y), va, vb, ctx.stream);
  checkLaunch("binary");
  recordOp("binary", {a, b}, {&y},
           [k, ad = a.detach(), bd = b.detach(), va, vb, ag = a.requiresGrad(),
            bg = b.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("binary", {&g[0]});
             const Device d = g[0].device();
             Tensor da = ag ? Tensor::empty(g[0].shape(), DType::Float32, d) : Tensor();
             Tensor db = bg ? Tensor::empty(g[0].shape(), DType::Float32, d) : Tensor();
             kernels::broadcastBinaryBackward(k, cf(ad), cf(bd), cf(g[0]), f(da), f(db), va, vb,
                                              c.stream);
             checkLaunch("binary backward");
             if (ag) grads[0] = sumTo(da, ad.shape(), c.stream);
             if (bg) grads[1] = sumTo(db, bd.shape(), c.stream);
             return grads;
           });
  return y;
}

Tensor CudaBackend::permute(const Tensor& x, const std::vector<int>& dims) {
  requireFloat(x, "permute", "x");
  const int r = x.ndim();
  if (static_cast<int>(dims.size()) != r)
    throw std::invalid_argument("permute: " + std::to_string(dims.size()) + " dims for a tensor " +
                                shapeToString(x.shape()));
  std::vector<bool> seen(static_cast<size_t>(r), false);
  for (int d : dims) {
    if (d < 0 || d >= r || seen[static_cast<size_t>(d)])
      throw std::invalid_argument("permute: dims are not a permutation of 0.." +
                                  std::to_string(r - 1));
    seen[static_cast<size_t>(d)] = true;
  }
  requireRank("permute", x.shape());
  Context& ctx = contextOf("permute", {&x});
  Tensor y = permuted(x, dims, ctx.stream);
  std::vector<int> inverse(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) inverse[static_cast<size_t>(dims[static_cast<size_t>(i)])] = i;
  recordOp("permute", {x}, {&y}, [inverse](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf("permute", {&g[0]});
    return std::vector<Tensor>{permuted(g[0], inverse, c.stream)};
  });
  return y;
}

Tensor CudaBackend::reduceDims(const Tensor& x, const std::vector<int>& dims, bool keepDim,
                               bool mean) {
  requireFloat(x, "reduce", "x");
  const ReducePlan p = reducePlan(x, dims, keepDim);
  // The CPU op's factor, applied in double to the double sum.
  const double scale = mean && p.count > 0 ? 1.0 / static_cast<double>(p.count) : 1.0;
  Context& ctx = contextOf("reduce", {&x});
  Tensor y = Tensor::empty(p.outShape, DType::Float32, x.device());
  kernels::reduceDims(cf(x), f(y), p.kept, p.reduced, scale, ctx.stream);
  checkLaunch("reduce");
  recordOp("reduce", {x}, {&y},
           [keptShape = p.keptShape, xShape = x.shape(), scale](const std::vector<Tensor>& g) {
             if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
             Context& c = contextOf("reduce", {&g[0]});
             // dx = scale * g repeated along the reduced dims (g read as keptShape).
             Tensor dx = Tensor::empty(xShape, DType::Float32, g[0].device());
             kernels::stridedCopy(cf(g[0]), f(dx), broadcastView(keptShape, xShape), scale,
                                  c.stream);
             checkLaunch("reduce backward");
             return std::vector<Tensor>{dx};
           });
  return y;
}

Tensor CudaBackend::reduceMaxDims(const Tensor& x, const std::vector<int>& dims, bool keepDim) {
  requireFloat(x, "reduce", "x");
  const ReducePlan p = reducePlan(x, dims, keepDim);
  if (x.numel() == 0) throw std::invalid_argument("reduce: max of an empty tensor");
  Context& ctx = contextOf("reduce_max", {&x});
  Tensor y = Tensor::empty(p.outShape, DType::Float32, x.device());
  const int64_t groups = numel(p.keptShape);
  Tensor arg = Tensor::empty({groups}, DType::Int64, x.device());
  kernels::reduceMax(cf(x), f(y), arg.i64(), p.kept, p.reduced, ctx.stream);
  checkLaunch("reduce_max");
  recordOp("reduce_max", {x}, {&y},
           [arg, groups, xShape = x.shape()](const std::vector<Tensor>& g) {
             if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
             Context& c = contextOf("reduce_max", {&g[0]});
             Tensor dx = Tensor::zeros(xShape, DType::Float32, g[0].device());
             kernels::scatterArg(cf(g[0]), arg.i64(), f(dx), groups, c.stream);
             checkLaunch("reduce_max backward");
             return std::vector<Tensor>{dx};
           });
  return y;
}

Tensor CudaBackend::unaryOp(ops::UnaryKind kind, const Tensor& x, float alpha) {
  requireFloat(x, "elementwise", "x");
  Context& ctx = contextOf("elementwise", {&x});
  const auto k = static_cast<kernels::Fn>(kind);
  Tensor y = Tensor::empty(x.shape(), DType::Float32, x.device());
  kernels::unaryForward(k, alpha, cf(x), f(y), x.numel(), ctx.stream);
  checkLaunch("elementwise");
  recordOp("elementwise", {x}, {&y}, [k, alpha, xd = x.detach()](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf("elementwise", {&g[0]});
    Tensor dx = Tensor::empty(xd.shape(), DType::Float32, g[0].device());
    kernels::unaryBackward(k, alpha, cf(xd), cf(g[0]), f(dx), xd.numel(), c.stream);
    checkLaunch("elementwise backward");
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace strata::cuda
