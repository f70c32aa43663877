// Helpers shared by the op implementations (internal to engine/ops): argument checks, shape
// splits, and thin runners over cached oneDNN primitives (matmul, eltwise, binary, reduction)
// that several ops reuse. Every runner builds its primitive once per shape and key.
#pragma once

#include <cstdint>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "tensor/tensor.h"

namespace strata::ops::detail {

// Throws std::invalid_argument unless t is a defined float32 tensor.
void requireFloat(const Tensor& t, const char* op, const char* what);
// Maps a possibly negative dim into [0, ndim); throws std::out_of_range otherwise.
int normDim(int dim, int ndim, const char* op);

// A shape seen as [outer, n, inner] around one dim.
struct Split3 {
  int64_t outer = 1, n = 1, inner = 1;
};
Split3 split3(const Shape& s, int dim);

// A strided 3-D view [batch, rows, cols] of a float buffer, for matmul operands. A batch of 1
// with more batches on the other operand broadcasts.
struct MatView {
  int64_t batch = 1, rows = 1, cols = 1;
  int64_t sBatch = 1, sRows = 1, sCols = 1;
  static MatView plain(int64_t batch, int64_t rows, int64_t cols);
  MatView t() const;  // the transposed view of the same memory (rows <-> cols)
};

// c: [max(a.batch, b.batch), a.rows, b.cols] (plain) = a · b (+ bias[b.cols] when given).
void gemm(const MatView& a, const float* pa, const MatView& b, const float* pb, float* pc,
          const float* bias = nullptr);

// Elementwise over n floats: y = alg(x; alpha, beta).
void eltwiseForward(dnnl::algorithm alg, float alpha, float beta, const float* x, float* y,
                    int64_t n);
// dx = dy * alg'(data); data is the forward src, or its dst for the *_use_dst_for_bwd algorithms.
void eltwiseBackward(dnnl::algorithm alg, float alpha, float beta, const float* data,
                     const float* dy, float* dx, int64_t n);

// dst: [rows, cols] = a: [rows, cols] (op) b: [rows, cols], or b: [cols] when bBroadcast.
void binary(dnnl::algorithm alg, const float* a, const float* b, float* dst, int64_t rows,
            int64_t cols, bool bBroadcast);

// dst: [outer, inner] = sum or mean over n of src: [outer, n, inner] (reduction_sum/_mean).
void reduce(dnnl::algorithm alg, const float* src, float* dst, const Split3& s);

// Convenience wrappers returning fresh tensors (no autograd).
Tensor scaled(const Tensor& x, float s);                   // s * x (eltwise_linear)
Tensor columnSums(const Tensor& x, int64_t rows, int64_t cols);  // x: [rows, cols] -> [cols]
Tensor product(const Tensor& a, const Tensor& b);          // a * b, same numel

// Bits of a float as a key fragment (to_string would round).
std::string floatKey(float v);

}  // namespace strata::ops::detail
