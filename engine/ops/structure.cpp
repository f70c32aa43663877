// Structural ops with no oneDNN primitive: embedding gather (and its scatter-add backward),
// slice, concat and transpose. All are copies; slice/concat/transpose work on float32 and int64
// (only float32 inputs get gradients). Loops are parallel over independent outputs, so results
// never depend on the thread count.
#include <cstring>
#include <stdexcept>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

using detail::Split3;

// Copies [outer] blocks of `block` bytes from src (stride srcStride) to dst (stride dstStride).
void copyBlocks(const char* src, int64_t srcStride, char* dst, int64_t dstStride, int64_t outer,
                int64_t block) {
  if (block == 0) return;
#pragma omp parallel for if (outer * block > (1 << 18))
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(dst + o * dstStride, src + o * srcStride, static_cast<size_t>(block));
}

}  // namespace

// indices: int64 [...], weight: [num, dim] -> y: [..., dim]
Tensor embedding(const Tensor& indices, const Tensor& weight) {
  if (onDevice(weight)) return backendFor(weight.device()).embedding(indices, weight);

  if (!indices.defined() || indices.dtype() != DType::Int64)
    throw std::invalid_argument("embedding: indices must be int64, got " + describe(indices));
  detail::requireFloat(weight, "embedding", "weight");
  if (weight.ndim() != 2)
    throw std::invalid_argument("embedding: weight must be [num, dim], got " + describe(weight));
  const int64_t num = weight.size(0), dim = weight.size(1), n = indices.numel();
  const int64_t* idx = indices.i64();
  for (int64_t i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= num)
      throw std::out_of_range("embedding: index " + std::to_string(idx[i]) + " at position " +
                              std::to_string(i) + " is out of range for " +
                              std::to_string(num) + " embeddings (weight " + describe(weight) +
                              ")");
  Shape out = indices.shape();
  out.push_back(dim);
  Tensor y = Tensor::empty(out);
  const float* w = weight.f32();
  float* py = y.f32();
#pragma omp parallel for if (n * dim > 65536)
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(py + i * dim, w + idx[i] * dim, static_cast<size_t>(dim) * sizeof(float));

  recordOp("embedding", {indices, weight}, {&y},
           [ind = indices.detach(), num, dim](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);  // indices get no gradient
             if (!g[0].defined()) return grads;
             // Scatter-add without atomics: each thread owns a slice of the embedding columns
             // and walks every index in order, so each sum has a fixed order.
             Tensor dw = Tensor::zeros({num, dim});
             const int64_t* ix = ind.i64();
             const int64_t count = ind.numel();
             const float* pg = g[0].f32();
             float* pw = dw.f32();
             constexpr int64_t kCols = 64;
             const int64_t chunks = (dim + kCols - 1) / kCols;
#pragma omp parallel for if (count * dim > 65536)
             for (int64_t c = 0; c < chunks; ++c) {
               const int64_t c0 = c * kCols, c1 = std::min(dim, c0 + kCols);
               for (int64_t i = 0; i < count; ++i) {
                 float* row = pw + ix[i] * dim;
                 const float* gi = pg + i * dim;
                 for (int64_t j = c0; j < c1; ++j) row[j] += gi[j];
               }
             }
             grads[1] = dw;
             return grads;
           });
  return y;
}

// x: [..., n, ...] -> [..., end - start, ...] along dim
Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end) {
  if (onDevice(x)) return backendFor(x.device()).slice(x, dim, start, end);

  if (!x.defined()) throw std::invalid_argument("slice: input is undefined");
  const int d = detail::normDim(dim, x.ndim(), "slice");
  const int64_t n = x.size(d);
  if (start < 0 || end > n || start > end)
    throw std::out_of_range("slice: [" + std::to_string(start) + ", " + std::to_string(end) +
                            ") along dim " + std::to_string(dim) + " of " + describe(x));
  const Split3 s = detail::split3(x.shape(), d);
  Shape out = x.shape();
  out[d] = end - start;
  Tensor y = Tensor::empty(out, x.dtype());
  const int64_t es = static_cast<int64_t>(dtypeSize(x.dtype()));
  const int64_t len = end - start;
  copyBlocks(static_cast<const char*>(x.raw()) + start * s.inner * es, s.n * s.inner * es,
             static_cast<char*>(y.raw()), len * s.inner * es, s.outer, len * s.inner * es);
  if (x.dtype() == DType::Float32)
    recordOp("slice", {x}, {&y}, [shape = x.shape(), s, start, len](const std::vector<Tensor>& g) {
      if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
      Tensor dx = Tensor::zeros(shape);
      copyBlocks(reinterpret_cast<const char*>(g[0].f32()), len * s.inner * 4,
                 reinterpret_cast<char*>(dx.f32() + start * s.inner), s.n * s.inner * 4, s.outer,
                 len * s.inner * 4);
      return std::vector<Tensor>{dx};
    });
  return y;
}

// xs[i]: [..., n_i, ...] -> [..., sum n_i, ...] along dim
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  if (!xs.empty() && onDevice(xs[0])) return backendFor(xs[0].device()).concat(xs, dim);

  if (xs.empty()) throw std::invalid_argument("concat: no inputs");
  const Tensor& first = xs[0];
  if (!first.defined()) throw std::invalid_argument("concat: input 0 is undefined");
  const int d = detail::normDim(dim, first.ndim(), "concat");
  Shape out = first.shape();
  out[d] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& x = xs[k];
    bool ok = x.defined() && x.dtype() == first.dtype() && x.ndim() == first.ndim();
    for (int i = 0; ok && i < x.ndim(); ++i) ok = i == d || x.shape()[i] == first.shape()[i];
    if (!ok)
      throw std::invalid_argument("concat: input " + std::to_string(k) + " " + describe(x) +
                                  " does not fit input 0 " + describe(first) + " along dim " +
                                  std::to_string(dim));
    out[d] += x.size(d);
  }
  const Split3 so = detail::split3(out, d);
  const int64_t es = static_cast<int64_t>(dtypeSize(first.dtype()));
  Tensor y = Tensor::empty(out, first.dtype());
  std::vector<int64_t> offsets;  // start of each input along dim
  int64_t offset = 0;
  for (const Tensor& x : xs) {
    const int64_t n = x.size(d);
    offsets.push_back(offset);
    copyBlocks(static_cast<const char*>(x.raw()), n * so.inner * es,
               static_cast<char*>(y.raw()) + offset * so.inner * es, so.n * so.inner * es,
               so.outer, n * so.inner * es);
    offset += n;
  }
  if (first.dtype() == DType::Float32)
    recordOp("concat", xs, {&y}, [xs, so, offsets](const std::vector<Tensor>& g) {
      std::vector<Tensor> grads(xs.size());
      if (!g[0].defined()) return grads;
      for (size_t k = 0; k < xs.size(); ++k) {
        if (!xs[k].requiresGrad()) continue;
        const int64_t n = xs[k].numel() / std::max<int64_t>(so.outer * so.inner, 1);
        Tensor dx = Tensor::empty(xs[k].shape());
        copyBlocks(reinterpret_cast<const char*>(g[0].f32() + offsets[k] * so.inner),
                   so.n * so.inner * 4, reinterpret_cast<char*>(dx.f32()), n * so.inner * 4,
                   so.outer, n * so.inner * 4);
        grads[k] = dx;
      }
      return grads;
    });
  return y;
}

namespace {

// x: [A, n0, B, n1, C] -> [A, n1, B, n0, C] (elements of es bytes).
void swapDims(const char* src, char* dst, const Shape& shape, int d0, int d1, int64_t es) {
  int64_t A = 1, B = 1, C = 1;
  for (int i = 0; i < d0; ++i) A *= shape[i];
  for (int i = d0 + 1; i < d1; ++i) B *= shape[i];
  for (size_t i = d1 + 1; i < shape.size(); ++i) C *= shape[i];
  const int64_t n0 = shape[d0], n1 = shape[d1];
  const size_t block = static_cast<size_t>(C * es);
#pragma omp parallel for collapse(2) if (A * n0 * B * n1 * C > 65536)
  for (int64_t a = 0; a < A; ++a)
    for (int64_t j = 0; j < n1; ++j)
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < n0; ++i) {
          const int64_t from = (((a * n0 + i) * B + b) * n1 + j) * C;
          const int64_t to = (((a * n1 + j) * B + b) * n0 + i) * C;
          std::memcpy(dst + to * es, src + from * es, block);
        }
}

}  // namespace

// x: [..., n0, ..., n1, ...] -> [..., n1, ..., n0, ...] (materialised)
Tensor transpose(const Tensor& x, int dim0, int dim1) {
  if (onDevice(x)) return backendFor(x.device()).transpose(x, dim0, dim1);

  if (!x.defined()) throw std::invalid_argument("transpose: input is undefined");
  int d0 = detail::normDim(dim0, x.ndim(), "transpose");
  int d1 = detail::normDim(dim1, x.ndim(), "transpose");
  if (d0 > d1) std::swap(d0, d1);
  Shape out = x.shape();
  std::swap(out[d0], out[d1]);
  Tensor y = Tensor::empty(out, x.dtype());
  if (d0 == d1) {
    y.copyFrom(x);
  } else {
    swapDims(static_cast<const char*>(x.raw()), static_cast<char*>(y.raw()), x.shape(), d0, d1,
             static_cast<int64_t>(dtypeSize(x.dtype())));
  }
  if (x.dtype() == DType::Float32)
    recordOp("transpose", {x}, {&y}, [out, d0, d1](const std::vector<Tensor>& g) {
      if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
      Shape back = out;
      std::swap(back[d0], back[d1]);
      Tensor dx = Tensor::empty(back);
      if (d0 == d1)
        dx.copyFrom(g[0]);
      else
        swapDims(reinterpret_cast<const char*>(g[0].f32()), reinterpret_cast<char*>(dx.f32()),
                 out, d0, d1, 4);
      return std::vector<Tensor>{dx};
    });
  return y;
}

}  // namespace strata::ops
