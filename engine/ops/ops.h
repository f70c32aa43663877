// Differentiable tensor operations. Each op computes its forward on oneDNN primitives where oneDNN
// has one (matmul, inner product, eltwise, softmax, binary, reduction) and with plain loops where
// it has none (gather, scatter-add, slicing, concat), and records its backward for autograd.
// All tensors are contiguous and row-major; float32 unless stated.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "tensor/tensor.h"

namespace strata::ops {

// --- Dense ---------------------------------------------------------------------------------
// a: [..., M, K] (or [..., K, M] with transA), b: [..., K, N] (or [..., N, K] with transB)
// -> [..., M, N]. Leading (batch) dims must be equal, or b may have none (broadcast).
Tensor matmul(const Tensor& a, const Tensor& b, bool transA = false, bool transB = false);
// x: [..., in], weight: [out, in], bias: [out] or undefined -> [..., out]   (y = x W^T + b)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// --- Elementwise ---------------------------------------------------------------------------
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x, bool tanhApproximation = false);  // exact erf form by default
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
// a + b, a * b: same shape, or b's shape equal to a trailing part of a's shape (broadcast).
Tensor add(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float s);  // s * x

// --- Softmax -------------------------------------------------------------------------------
Tensor softmax(const Tensor& x, int dim);
Tensor logSoftmax(const Tensor& x, int dim);

// --- Reductions ----------------------------------------------------------------------------
Tensor sum(const Tensor& x);                          // -> scalar []
Tensor mean(const Tensor& x);                         // -> scalar []
Tensor sum(const Tensor& x, int dim, bool keepDim);   // over one dim
Tensor mean(const Tensor& x, int dim, bool keepDim);

// --- Structure -----------------------------------------------------------------------------
// indices: int64 [...] in [0, weight.size(0)), weight: [num, dim] -> [..., dim].
// Out-of-range indices throw std::out_of_range naming the index (caught at the model boundary).
Tensor embedding(const Tensor& indices, const Tensor& weight);
Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end);  // [start, end) along dim
Tensor concat(const std::vector<Tensor>& xs, int dim);
Tensor transpose(const Tensor& x, int dim0, int dim1);  // materialised copy
// Dropout: in training zeroes each element with probability p and scales the rest by 1/(1-p);
// identity when !training or p == 0.
Tensor dropout(const Tensor& x, float p, bool training, Rng& rng);

enum class PoolMode { Last, Mean, Max };
// x: [B, T, C] -> [B, C]
Tensor sequencePool(const Tensor& x, PoolMode mode);

// --- Numpy-semantics tensor ops (ops/tensor_ops.cpp), for graphs imported from ONNX -----------
// The numpy broadcast of two shapes; throws std::invalid_argument when they do not broadcast.
Shape broadcastShape(const Shape& a, const Shape& b);
// x repeated along its size-1 (or missing leading) dims to `shape`; backward sums them back.
Tensor expand(const Tensor& x, const Shape& shape);
enum class BinaryKind { Add, Sub, Mul, Div };
// a (op) b with numpy broadcasting.
Tensor binaryOp(BinaryKind kind, const Tensor& a, const Tensor& b);
// y = x.permute(dims): y.shape[i] = x.shape[dims[i]] (materialised copy).
Tensor permute(const Tensor& x, const std::vector<int>& dims);
// numpy matmul of operands of rank >= 2: [..., M, K] @ [..., K, N], batch dims broadcast.
Tensor batchMatmul(const Tensor& a, const Tensor& b);
// Sum or mean over `dims` (all dims when empty), keeping them as size 1 when keepDim.
Tensor reduceDims(const Tensor& x, std::vector<int> dims, bool keepDim, bool mean);
// Max over `dims` (all when empty); the gradient goes to the first maximum of each group.
Tensor reduceMaxDims(const Tensor& x, std::vector<int> dims, bool keepDim);
enum class UnaryKind {
  Exp, Log, Sqrt, Reciprocal, Abs, Neg, Erf, Softplus, Softsign, Elu, LeakyRelu, Selu
};
// f(x) elementwise, computed in double; alpha is ELU's alpha and LeakyReLU's negative slope.
Tensor unaryOp(UnaryKind kind, const Tensor& x, float alpha = 0.0f);

// --- Losses (mean reduction) -----------------------------------------------------------------
Tensor mseLoss(const Tensor& input, const Tensor& target);  // same numel -> scalar
// logits: [N, C] with target int64 [N], or [B, T, C] with target int64 [B, T].
// Targets equal to ignoreIndex do not count; the mean is over the counted ones.
Tensor crossEntropy(const Tensor& logits, const Tensor& target, int64_t ignoreIndex = -100);

}  // namespace strata::ops
