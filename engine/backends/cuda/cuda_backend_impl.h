// The CUDA backend class (internal to backends/cuda). Memory and device queries live in
// cuda_backend.cpp, the differentiable ops in cuda_ops.cpp, matmul/linear on cuBLAS in
// cuda_matmul.cpp, the recurrent layers on cuDNN in cuda_rnn.cpp (the classic GRU in
// cuda_gru.cpp), the numpy-semantics ops of imported graphs in cuda_tensor_ops.cpp, training
// updates in cuda_train.cpp. Each op checks that its tensors share one device and records its backward with
// recordOp, whose closures run further ops of this backend.
#pragma once

#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cuda/cuda_context.h"

namespace strata::cuda {

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }
  bool supportsOp(OpKind op) const override;

  void* allocate(size_t bytes, int index) override;
  void release(void* p, size_t bytes, int index) noexcept override;
  void copy(void* dst, const void* src, size_t bytes, CopyKind kind, int index) override;
  void fill(void* dst, DType dtype, float value, int64_t n, int index) override;
  MemoryStats memoryStats(int index) const override;
  void resetPeak(int index) override;
  void setMemoryLimit(int index, uint64_t bytes) override;
  void synchronize(int index) override;

  Tensor matmul(const Tensor& a, const Tensor& b, bool transA, bool transB) override;
  Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) override;
  Tensor relu(const Tensor& x) override;
  Tensor gelu(const Tensor& x, bool tanhApproximation) override;
  Tensor tanh(const Tensor& x) override;
  Tensor sigmoid(const Tensor& x) override;
  Tensor add(const Tensor& a, const Tensor& b) override;
  Tensor mul(const Tensor& a, const Tensor& b) override;
  Tensor scale(const Tensor& x, float s) override;
  Tensor softmax(const Tensor& x, int dim, bool log) override;
  Tensor sum(const Tensor& x) override;
  Tensor mean(const Tensor& x) override;
  Tensor sumDim(const Tensor& x, int dim, bool keepDim, bool mean) override;
  Tensor embedding(const Tensor& indices, const Tensor& weight) override;
  Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end) override;
  Tensor concat(const std::vector<Tensor>& xs, int dim) override;
  Tensor transpose(const Tensor& x, int dim0, int dim1) override;
  Tensor dropout(const Tensor& x, float p, Rng& rng) override;
  Tensor sequencePool(const Tensor& x, int mode) override;
  Tensor mseLoss(const Tensor& input, const Tensor& target) override;
  Tensor crossEntropy(const Tensor& logits, const Tensor& target, int64_t ignoreIndex) override;
  Tensor layerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) override;
  RecurrentOutputs recurrent(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                             const Tensor& c0, const std::vector<Tensor>& params, bool training,
                             Rng* rng) override;
  Tensor attentionMask(const Tensor& scores, const Tensor& mask) override;
  Tensor expand(const Tensor& x, const Shape& shape) override;
  Tensor binaryOp(ops::BinaryKind kind, const Tensor& a, const Tensor& b) override;
  Tensor permute(const Tensor& x, const std::vector<int>& dims) override;
  Tensor reduceDims(const Tensor& x, const std::vector<int>& dims, bool keepDim,
                    bool mean) override;
  Tensor reduceMaxDims(const Tensor& x, const std::vector<int>& dims, bool keepDim) override;
  Tensor unaryOp(ops::UnaryKind kind, const Tensor& x, float alpha) override;

  void accumulate(Tensor& dst, const Tensor& src) override;
  double sumSquares(const Tensor& x) override;
  std::vector<double> sumSquaresMany(const std::vector<Tensor>& xs) override;
  void scaleInPlace(Tensor& x, float s) override;
  void adamStep(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, const AdamScalars& s) override;
  void sgdStep(Tensor& p, const Tensor& g, Tensor& buf, const SgdScalars& s) override;
};

// Helpers shared by the op files.
namespace detail {
// The context of the device the tensors live on; throws std::invalid_argument when one of the
// defined tensors is elsewhere (a tensor that does not need a gradient, such as a fixed table
// or a mask, is copied over instead by `onDevice`).
Context& contextOf(const char* op, std::initializer_list<const Tensor*> tensors);
// `t` on `device`: itself, or a copy when it is a CPU tensor without history (fixed buffers
// such as the sinusoidal position table). A CPU tensor that needs a gradient is refused.
Tensor onDevice(const Tensor& t, Device device, const char* op);
float* f(const Tensor& t);  // device pointers
const float* cf(const Tensor& t);
// y: [outer, n, inner] sum over n (factor scales), as a new tensor shaped `shape`.
Tensor reduceMiddle(const Tensor& x, int64_t outer, int64_t n, int64_t inner, float factor,
                    const Shape& shape, cudaStream_t s);
// Row-major C[M, N] = op(A) op(B) + beta C on cuBLAS (fp32; TF32 only when allowed), with the
// row strides of the stored matrices (A is stored [M, K], or [K, M] when transA; B [K, N], or
// [N, K] when transB), so that blocks of wider buffers can be operands. K >= 1.
void sgemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
}  // namespace detail

// GRU with linear_before_reset false (cuda_gru.cpp): cuDNN has only the other form. The
// arguments are recurrent()'s, already checked and on the device.
RecurrentOutputs classicGru(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                            const std::vector<Tensor>& params, bool training, Rng* rng);

}  // namespace strata::cuda
