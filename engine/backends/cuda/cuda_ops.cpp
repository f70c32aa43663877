// The CUDA backend's differentiable ops (activations, add/mul, softmax, reductions, embedding,
// slice/concat/transpose, dropout, sequence pooling, losses, LayerNorm, attention masking): shape
// checks as the CPU ops make them, a kernel launch, and the backward recorded for autograd.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_backend_impl.h"
#include "backends/cuda/kernels.h"
#include "ops/op_helpers.h"
#include "tensor/autograd.h"

namespace strata::cuda {

using detail::cf;
using detail::contextOf;
using detail::f;
using kernels::Elt;

namespace {

void requireFloat(const Tensor& t, const char* op, const char* what) {
  if (!t.defined() || t.dtype() != DType::Float32)
    throw std::invalid_argument(std::string(op) + ": " + what + " must be float32, got " +
                                describe(t));
}

Tensor like(const Tensor& t) { return Tensor::empty(t.shape(), DType::Float32, t.device()); }

// y = f(x); backward reads x (useOutput false) or y.
Tensor eltwise(const char* name, const Tensor& x, Elt k, float alpha, bool useOutput) {
  requireFloat(x, name, "input");
  Context& ctx = contextOf(name, {&x});
  Tensor y = like(x);
  kernels::eltwiseForward(k, alpha, cf(x), f(y), x.numel(), ctx.stream);
  checkLaunch(name);
  Tensor saved = useOutput ? y.detach() : x.detach();
  recordOp(name, {x}, {&y}, [k, alpha, saved, name](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf(name, {&g[0]});
    Tensor dx = like(saved);
    kernels::eltwiseBackward(k, alpha, cf(saved), cf(g[0]), f(dx), saved.numel(), c.stream);
    checkLaunch(name);
    return std::vector<Tensor>{dx};
  });
  return y;
}

// b's shape must equal a trailing part of a's (the CPU ops' rule).
int64_t checkTrailing(const char* op, const Tensor& a, const Tensor& b) {
  requireFloat(a, op, "a");
  requireFloat(b, op, "b");
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (!(bs.size() <= as.size() && std::equal(bs.begin(), bs.end(), as.end() - bs.size())))
    throw std::invalid_argument(std::string(op) + ": shapes " + describe(a) + " and " +
                                describe(b) + " do not broadcast (b must equal a trailing part" +
                                " of a's shape)");
  return b.numel();
}

// g: a's shape, summed down to b's shape (over the broadcast leading rows).
Tensor reduceToB(const Tensor& g, const Shape& bShape, int64_t period, cudaStream_t s) {
  if (g.numel() == period) return g.reshape(bShape).detach();
  return detail::reduceMiddle(g, 1, g.numel() / std::max<int64_t>(period, 1), period, 1.0f, bShape,
                              s);
}

}  // namespace

Tensor CudaBackend::relu(const Tensor& x) { return eltwise("relu", x, Elt::Relu, 0, false); }
Tensor CudaBackend::gelu(const Tensor& x, bool tanhApprox) {
  return eltwise("gelu", x, tanhApprox ? Elt::GeluTanh : Elt::GeluErf, 0, false);
}
Tensor CudaBackend::tanh(const Tensor& x) { return eltwise("tanh", x, Elt::Tanh, 0, true); }
Tensor CudaBackend::sigmoid(const Tensor& x) {
  return eltwise("sigmoid", x, Elt::Sigmoid, 0, true);
}
Tensor CudaBackend::scale(const Tensor& x, float s) {
  return eltwise("scale", x, Elt::Scale, s, false);
}

Tensor CudaBackend::add(const Tensor& a, const Tensor& b0) {
  const Tensor b = detail::onDevice(b0, a.device(), "add");
  const int64_t period = checkTrailing("add", a, b);
  Context& ctx = contextOf("add", {&a, &b});
  Tensor y = like(a);
  kernels::binary(kernels::Bin::Add, cf(a), cf(b), f(y), a.numel(), period, ctx.stream);
  checkLaunch("add");
  recordOp("add", {a, b}, {&y},
           [period, bShape = b.shape(), ag = a.requiresGrad(),
            bg = b.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("add", {&g[0]});
             if (ag) grads[0] = g[0];
             if (bg) grads[1] = reduceToB(g[0], bShape, period, c.stream);
             return grads;
           });
  return y;
}

Tensor CudaBackend::mul(const Tensor& a, const Tensor& b0) {
  const Tensor b = detail::onDevice(b0, a.device(), "mul");
  const int64_t period = checkTrailing("mul", a, b);
  Context& ctx = contextOf("mul", {&a, &b});
  Tensor y = like(a);
  kernels::binary(kernels::Bin::Mul, cf(a), cf(b), f(y), a.numel(), period, ctx.stream);
  checkLaunch("mul");
  recordOp("mul", {a, b}, {&y},
           [period, ad = a.detach(), bd = b.detach(), ag = a.requiresGrad(),
            bg = b.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("mul", {&g[0]});
             if (ag) {  // da = g * b (b repeats)
               grads[0] = like(g[0]);
               kernels::binary(kernels::Bin::Mul, cf(g[0]), cf(bd), f(grads[0]), g[0].numel(),
                               period, c.stream);
             }
             if (bg) {  // db = sum over the repeats of g * a
               Tensor ga = like(g[0]);
               kernels::binary(kernels::Bin::Mul, cf(g[0]), cf(ad), f(ga), g[0].numel(),
                               g[0].numel(), c.stream);
               grads[1] = reduceToB(ga, bd.shape(), period, c.stream);
             }
             checkLaunch("mul backward");
             return grads;
           });
  return y;
}

Tensor CudaBackend::softmax(const Tensor& x, int dim, bool log) {
  const char* name = log ? "logSoftmax" : "softmax";
  requireFloat(x, name, "input");
  const int d = ops::detail::normDim(dim, x.ndim(), name);
  const ops::detail::Split3 s = ops::detail::split3(x.shape(), d);
  Context& ctx = contextOf(name, {&x});
  Tensor y = like(x);
  kernels::softmaxForward(cf(x), f(y), s.outer, s.n, s.inner, log, ctx.stream);
  checkLaunch(name);
  recordOp(name, {x}, {&y}, [yd = y.detach(), s, log, name](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf(name, {&g[0]});
    Tensor dx = like(yd);
    kernels::softmaxBackward(cf(yd), cf(g[0]), f(dx), s.outer, s.n, s.inner, log, c.stream);
    checkLaunch(name);
    return std::vector<Tensor>{dx};
  });
  return y;
}

namespace {

// Sum (or mean) over the middle axis of [outer, n, inner], shaped `out`, with its backward.
Tensor reduceOp(const char* name, const Tensor& x, int64_t outer, int64_t n, int64_t inner,
                bool isMean, const Shape& out) {
  requireFloat(x, name, "input");
  Context& ctx = contextOf(name, {&x});
  const float factor = isMean ? 1.0f / static_cast<float>(std::max<int64_t>(n, 1)) : 1.0f;
  Tensor y = detail::reduceMiddle(x, outer, n, inner, factor, out, ctx.stream);
  recordOp(name, {x}, {&y},
           [outer, n, inner, factor, shape = x.shape(), name](const std::vector<Tensor>& g) {
             if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
             Context& c = contextOf(name, {&g[0]});
             Tensor dx = Tensor::empty(shape, DType::Float32, g[0].device());
             kernels::broadcastMiddle(cf(g[0]), f(dx), outer, n, inner, factor, c.stream);
             checkLaunch(name);
             return std::vector<Tensor>{dx};
           });
  return y;
}

}  // namespace

Tensor CudaBackend::sum(const Tensor& x) { return reduceOp("sum", x, 1, x.numel(), 1, false, {}); }
Tensor CudaBackend::mean(const Tensor& x) { return reduceOp("mean", x, 1, x.numel(), 1, true, {}); }

Tensor CudaBackend::sumDim(const Tensor& x, int dim, bool keepDim, bool isMean) {
  const char* name = isMean ? "mean" : "sum";
  requireFloat(x, name, "input");
  const int d = ops::detail::normDim(dim, x.ndim(), name);
  const ops::detail::Split3 s = ops::detail::split3(x.shape(), d);
  Shape out = x.shape();
  if (keepDim)
    out[static_cast<size_t>(d)] = 1;
  else
    out.erase(out.begin() + d);
  return reduceOp(name, x, s.outer, s.n, s.inner, isMean, out);
}

Tensor CudaBackend::embedding(const Tensor& indices0, const Tensor& weight) {
  const Tensor indices = detail::onDevice(indices0, weight.device(), "embedding");
  if (!indices.defined() || indices.dtype() != DType::Int64)
    throw std::invalid_argument("embedding: indices must be int64, got " + describe(indices));
  requireFloat(weight, "embedding", "weight");
  if (weight.ndim() != 2)
    throw std::invalid_argument("embedding: weight must be [num, dim], got " + describe(weight));
  Context& ctx = contextOf("embedding", {&indices, &weight});
  const int64_t num = weight.size(0), dim = weight.size(1), n = indices.numel();
  Shape out = indices.shape();
  out.push_back(dim);
  Tensor y = Tensor::empty(out, DType::Float32, weight.device());
  Tensor badIdx = Tensor::empty({1}, DType::Int64, weight.device());
  badIdx.fill(-1.0f);
  kernels::embeddingForward(indices.i64(), cf(weight), f(y), n, num, dim, badIdx.i64(), ctx.stream);
  checkLaunch("embedding");
  // The CPU op names the first bad index; here the check costs one 8-byte copy per forward.
  const int64_t first = badIdx.to(Device::cpu()).i64()[0];
  if (first != -1)
    throw std::out_of_range("embedding: index " + std::to_string(first) + " is out of range for " +
                            std::to_string(num) + " embeddings (weight " + describe(weight) + ")");
  recordOp("embedding", {indices, weight}, {&y},
           [ind = indices.detach(), num, dim](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("embedding", {&g[0]});
             Tensor dw = Tensor::zeros({num, dim}, DType::Float32, g[0].device());
             kernels::embeddingBackward(ind.i64(), cf(g[0]), f(dw), ind.numel(), num, dim,
                                        c.stream);
             checkLaunch("embedding backward");
             grads[1] = dw;
             return grads;
           });
  return y;
}

Tensor CudaBackend::slice(const Tensor& x, int dim, int64_t start, int64_t end) {
  if (!x.defined()) throw std::invalid_argument("slice: undefined input");
  const int d = ops::detail::normDim(dim, x.ndim(), "slice");
  const int64_t len = x.size(d);
  if (start < 0 || end > len || start > end)
    throw std::out_of_range("slice: [" + std::to_string(start) + ", " + std::to_string(end) +
                            ") out of range for dim " + std::to_string(d) + " of " + describe(x));
  Context& ctx = contextOf("slice", {&x});
  const ops::detail::Split3 s = ops::detail::split3(x.shape(), d);
  Shape out = x.shape();
  out[static_cast<size_t>(d)] = end - start;
  Tensor y = Tensor::empty(out, x.dtype(), x.device());
  const int eb = static_cast<int>(dtypeSize(x.dtype()));
  kernels::narrowCopy(x.raw(), s.n, start, y.raw(), end - start, 0, end - start, s.outer, s.inner,
                      eb, ctx.stream);
  checkLaunch("slice");
  if (x.dtype() == DType::Float32)
    recordOp("slice", {x}, {&y}, [s, start, end, shape = x.shape()](const std::vector<Tensor>& g) {
      if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
      Context& c = contextOf("slice", {&g[0]});
      Tensor dx = Tensor::zeros(shape, DType::Float32, g[0].device());
      kernels::narrowCopy(g[0].raw(), end - start, 0, dx.raw(), s.n, start, end - start, s.outer,
                          s.inner, 4, c.stream);
      checkLaunch("slice backward");
      return std::vector<Tensor>{dx};
    });
  return y;
}

Tensor CudaBackend::concat(const std::vector<Tensor>& xs0, int dim) {
  if (xs0.empty()) throw std::invalid_argument("concat: no inputs");
  std::vector<Tensor> xs;
  for (const Tensor& t : xs0) xs.push_back(detail::onDevice(t, xs0[0].device(), "concat"));
  const Tensor& first = xs[0];
  const int d = ops::detail::normDim(dim, first.ndim(), "concat");
  Shape out = first.shape();
  int64_t total = 0;
  for (const Tensor& t : xs) {
    Shape a = t.shape(), b = first.shape();
    a[static_cast<size_t>(d)] = b[static_cast<size_t>(d)] = 0;
    if (t.ndim() != first.ndim() || a != b || t.dtype() != first.dtype())
      throw std::invalid_argument("concat: " + describe(t) + " does not match " + describe(first) +
                                  " outside dim " + std::to_string(d));
    total += t.size(d);
  }
  out[static_cast<size_t>(d)] = total;
  Context& ctx = contextOf("concat", {&first});
  Tensor y = Tensor::empty(out, first.dtype(), first.device());
  const ops::detail::Split3 s = ops::detail::split3(out, d);
  const int eb = static_cast<int>(dtypeSize(first.dtype()));
  std::vector<int64_t> sizes;
  int64_t off = 0;
  for (const Tensor& t : xs) {
    kernels::narrowCopy(t.raw(), t.size(d), 0, y.raw(), total, off, t.size(d), s.outer, s.inner, eb,
                        ctx.stream);
    sizes.push_back(t.size(d));
    off += t.size(d);
  }
  checkLaunch("concat");
  if (first.dtype() == DType::Float32)
    recordOp("concat", xs, {&y}, [s, sizes, total, shapes = [&] {
               std::vector<Shape> v;
               for (const Tensor& t : xs) v.push_back(t.shape());
               return v;
             }()](const std::vector<Tensor>& g) {
      std::vector<Tensor> grads(sizes.size());
      if (!g[0].defined()) return grads;
      Context& c = contextOf("concat", {&g[0]});
      int64_t o = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        grads[i] = Tensor::empty(shapes[i], DType::Float32, g[0].device());
        kernels::narrowCopy(g[0].raw(), total, o, grads[i].raw(), sizes[i], 0, sizes[i], s.outer,
                            s.inner, 4, c.stream);
        o += sizes[i];
      }
      checkLaunch("concat backward");
      return grads;
    });
  return y;
}

namespace {

// The 5-D view [a, n0, b, n1, c] of swapping dims d0 < d1 of `shape`.
struct Swap {
  int64_t a = 1, n0 = 1, b = 1, n1 = 1, c = 1;
};
Swap swapView(const Shape& shape, int d0, int d1) {
  Swap v;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const int64_t e = shape[static_cast<size_t>(i)];
    if (i < d0)
      v.a *= e;
    else if (i == d0)
      v.n0 = e;
    else if (i < d1)
      v.b *= e;
    else if (i == d1)
      v.n1 = e;
    else
      v.c *= e;
  }
  return v;
}

}  // namespace

Tensor CudaBackend::transpose(const Tensor& x, int dim0, int dim1) {
  if (!x.defined()) throw std::invalid_argument("transpose: undefined input");
  int d0 = ops::detail::normDim(dim0, x.ndim(), "transpose");
  int d1 = ops::detail::normDim(dim1, x.ndim(), "transpose");
  if (d0 == d1) return x;
  if (d0 > d1) std::swap(d0, d1);
  Context& ctx = contextOf("transpose", {&x});
  Shape out = x.shape();
  std::swap(out[static_cast<size_t>(d0)], out[static_cast<size_t>(d1)]);
  Tensor y = Tensor::empty(out, x.dtype(), x.device());
  const Swap v = swapView(x.shape(), d0, d1);
  kernels::transpose(x.raw(), y.raw(), v.a, v.n0, v.b, v.n1, v.c,
                     static_cast<int>(dtypeSize(x.dtype())), ctx.stream);
  checkLaunch("transpose");
  if (x.dtype() == DType::Float32)
    recordOp("transpose", {x}, {&y}, [v, shape = x.shape()](const std::vector<Tensor>& g) {
      if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
      Context& c = contextOf("transpose", {&g[0]});
      Tensor dx = Tensor::empty(shape, DType::Float32, g[0].device());
      // g is [a, n1, b, n0, c]: swapping back is the same kernel with n0 and n1 exchanged.
      kernels::transpose(g[0].raw(), dx.raw(), v.a, v.n1, v.b, v.n0, v.c, 4, c.stream);
      checkLaunch("transpose backward");
      return std::vector<Tensor>{dx};
    });
  return y;
}

Tensor CudaBackend::dropout(const Tensor& x, float p, Rng& rng) {
  requireFloat(x, "dropout", "input");
  Context& ctx = contextOf("dropout", {&x});
  Tensor y = like(x), mask = like(x);
  // One draw from the step's generator keys the whole mask: same seed, same mask.
  const uint64_t seed = rng.nextU64();
  kernels::dropoutForward(cf(x), f(y), f(mask), x.numel(), p, seed, ctx.stream);
  checkLaunch("dropout");
  recordOp("dropout", {x}, {&y}, [mask](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf("dropout", {&g[0]});
    Tensor dx = like(g[0]);
    kernels::binary(kernels::Bin::Mul, cf(g[0]), cf(mask), f(dx), g[0].numel(), g[0].numel(),
                    c.stream);
    checkLaunch("dropout backward");
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor CudaBackend::sequencePool(const Tensor& x, int mode) {
  requireFloat(x, "sequencePool", "input");
  if (x.ndim() != 3 || x.size(1) < 1)
    throw std::invalid_argument("sequencePool: input must be [B, T, C] with T > 0, got " +
                                describe(x));
  Context& ctx = contextOf("sequencePool", {&x});
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  Tensor y = Tensor::empty({B, C}, DType::Float32, x.device());
  Tensor argmax = mode == 2 ? Tensor::empty({B, C}, DType::Int64, x.device()) : Tensor();
  kernels::sequencePoolForward(cf(x), f(y), mode == 2 ? argmax.i64() : nullptr, B, T, C, mode,
                               ctx.stream);
  checkLaunch("sequencePool");
  recordOp("sequencePool", {x}, {&y}, [argmax, B, T, C, mode](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf("sequencePool", {&g[0]});
    Tensor dx = Tensor::empty({B, T, C}, DType::Float32, g[0].device());
    kernels::sequencePoolBackward(cf(g[0]), mode == 2 ? argmax.i64() : nullptr, f(dx), B, T, C,
                                  mode, c.stream);
    checkLaunch("sequencePool backward");
    return std::vector<Tensor>{dx};
  });
  return y;
}

Tensor CudaBackend::mseLoss(const Tensor& input, const Tensor& target0) {
  const Tensor target = detail::onDevice(target0, input.device(), "mseLoss");
  requireFloat(input, "mseLoss", "input");
  requireFloat(target, "mseLoss", "target");
  if (input.numel() != target.numel())
    throw std::invalid_argument("mseLoss: input " + describe(input) + " and target " +
                                describe(target) + " differ in size");
  Context& ctx = contextOf("mseLoss", {&input, &target});
  Tensor loss = Tensor::empty({}, DType::Float32, input.device());
  kernels::mseForward(cf(input), cf(target), f(loss), input.numel(), ctx.stream);
  checkLaunch("mseLoss");
  recordOp("mseLoss", {input, target}, {&loss},
           [a = input.detach(), b = target.detach()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("mseLoss", {&g[0]});
             grads[0] = like(a);
             kernels::mseBackward(cf(a), cf(b), cf(g[0]), f(grads[0]), a.numel(), c.stream);
             checkLaunch("mseLoss backward");
             return grads;
           });
  return loss;
}

Tensor CudaBackend::crossEntropy(const Tensor& logits, const Tensor& target0, int64_t ignoreIndex) {
  const Tensor target = detail::onDevice(target0, logits.device(), "crossEntropy");
  requireFloat(logits, "crossEntropy", "logits");
  if (!target.defined() || target.dtype() != DType::Int64)
    throw std::invalid_argument("crossEntropy: target must be int64, got " + describe(target));
  if (logits.ndim() < 2 || target.numel() * logits.size(-1) != logits.numel())
    throw std::invalid_argument("crossEntropy: logits " + describe(logits) + " and target " +
                                describe(target) + " do not match ([N, C] with [N], or " +
                                "[B, T, C] with [B, T])");
  Context& ctx = contextOf("crossEntropy", {&logits, &target});
  const int64_t C = logits.size(-1), N = target.numel();
  Tensor logProbs = like(logits);
  Tensor rowLoss = Tensor::empty({N}, DType::Float32, logits.device());
  Tensor loss = Tensor::empty({}, DType::Float32, logits.device());
  Tensor count = Tensor::empty({1}, DType::Float32, logits.device());
  Tensor bad = Tensor::empty({1}, DType::Int64, logits.device());
  bad.fill(-1.0f);
  kernels::crossEntropyForward(cf(logits), target.i64(), f(logProbs), f(rowLoss), f(loss), f(count),
                               N, C, ignoreIndex, bad.i64(), ctx.stream);
  checkLaunch("crossEntropy");
  const int64_t first = bad.to(Device::cpu()).i64()[0];
  if (first != -1)
    throw std::out_of_range("crossEntropy: target " + std::to_string(first) +
                            " is out of range for " + std::to_string(C) + " classes");
  recordOp("crossEntropy", {logits, target}, {&loss},
           [logProbs, t = target.detach(), count, N, C, ignoreIndex](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("crossEntropy", {&g[0]});
             grads[0] = like(logProbs);
             kernels::crossEntropyBackward(cf(logProbs), t.i64(), cf(g[0]), cf(count), f(grads[0]),
                                           N, C, ignoreIndex, c.stream);
             checkLaunch("crossEntropy backward");
             return grads;
           });
  return loss;
}

Tensor CudaBackend::layerNorm(const Tensor& x, const Tensor& weight0, const Tensor& bias0,
                              float eps) {
  requireFloat(x, "layerNorm", "input");
  const Tensor weight = detail::onDevice(weight0, x.device(), "layerNorm");
  const Tensor bias = detail::onDevice(bias0, x.device(), "layerNorm");
  const int64_t d = x.ndim() ? x.size(-1) : 0;
  for (const Tensor* t : {&weight, &bias})
    if (t->defined() && (t->dtype() != DType::Float32 || t->numel() != d))
      throw std::invalid_argument("layerNorm: weight and bias must be float32 [" +
                                  std::to_string(d) + "], got " + describe(*t));
  Context& ctx = contextOf("layerNorm", {&x, &weight, &bias});
  const int64_t rows = d ? x.numel() / d : 0;
  Tensor y = like(x);
  Tensor mean = Tensor::empty({rows}, DType::Float32, x.device());
  Tensor rstd = Tensor::empty({rows}, DType::Float32, x.device());
  kernels::layerNormForward(cf(x), cf(weight), cf(bias), f(y), f(mean), f(rstd), rows, d, eps,
                            ctx.stream);
  checkLaunch("layerNorm");
  recordOp("layerNorm", {x, weight, bias}, {&y},
           [xd = x.detach(), wd = weight.defined() ? weight.detach() : Tensor(), mean, rstd, rows,
            d, needX = x.requiresGrad(), needW = weight.requiresGrad(),
            needB = bias.requiresGrad()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(3);
             if (!g[0].defined()) return grads;
             Context& c = contextOf("layerNorm", {&g[0]});
             if (needX) grads[0] = like(xd);
             if (needW) grads[1] = Tensor::empty({d}, DType::Float32, g[0].device());
             if (needB) grads[2] = Tensor::empty({d}, DType::Float32, g[0].device());
             kernels::layerNormBackward(cf(xd), cf(wd), cf(mean), cf(rstd), cf(g[0]), f(grads[0]),
                                        f(grads[1]), f(grads[2]), rows, d, c.stream);
             checkLaunch("layerNorm backward");
             return grads;
           });
  return y;
}

Tensor CudaBackend::attentionMask(const Tensor& scores, const Tensor& mask0) {
  const Tensor mask = detail::onDevice(mask0, scores.device(), "attentionMask");
  requireFloat(scores, "attentionMask", "scores");
  if (scores.ndim() != 4 || mask.ndim() != 3 || mask.size(0) != scores.size(0) ||
      mask.size(1) != scores.size(2) || mask.size(2) != scores.size(3))
    throw std::invalid_argument("attentionMask: scores " + describe(scores) + " and mask " +
                                describe(mask) + " do not match");
  Context& ctx = contextOf("attentionMask", {&scores, &mask});
  const int64_t B = scores.size(0), H = scores.size(1), T = scores.size(2), S = scores.size(3);
  Tensor y = like(scores);
  kernels::attentionMask(cf(scores), cf(mask), f(y), B, H, T, S,
                         -std::numeric_limits<float>::infinity(), ctx.stream);
  checkLaunch("attentionMask");
  recordOp("attention_mask", {scores}, {&y}, [mask, B, H, T, S](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    Context& c = contextOf("attentionMask", {&g[0]});
    Tensor dx = like(g[0]);
    kernels::attentionMask(cf(g[0]), cf(mask), f(dx), B, H, T, S, 0.0f, c.stream);
    checkLaunch("attentionMask backward");
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace strata::cuda
