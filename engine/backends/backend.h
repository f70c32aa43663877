// Backend: the small interface behind which a device's memory and ops live (name, supportsOp, the
// ops). The CPU backend (backends/cpu) owns plain host memory; its ops are the oneDNN code in
// engine/ops and engine/nn, which never go through this interface, so the CPU path is unchanged.
// The CUDA backend (backends/cuda, built with -DSTRATA_CUDA) implements the ops below on cuBLAS,
// cuDNN and its own kernels; every op entry in engine/ops sends a non-CPU tensor here. An op a
// backend lacks throws UnsupportedOp naming it, so a graph fails with a message, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/rng.h"
#include "nn/recurrent/rnn_op.h"
#include "tensor/device.h"
#include "tensor/tensor.h"

namespace strata {

namespace ops {
enum class BinaryKind;  // ops/ops.h
enum class UnaryKind;
}  // namespace ops

enum class OpKind : uint8_t {
  Matmul,
  Linear,
  Relu,
  Gelu,
  Tanh,
  Sigmoid,
  Add,
  Mul,
  Scale,
  Softmax,
  LogSoftmax,
  Sum,
  Mean,
  SumDim,
  MeanDim,
  Embedding,
  Slice,
  Concat,
  Transpose,
  Dropout,
  SequencePool,
  MseLoss,
  CrossEntropy,
  LayerNorm,
  Recurrent,
  AttentionMask,
  Accumulate,
  SumSquares,
  ScaleInPlace,
  AdamStep,
  SgdStep,
  Expand,
  BinaryOp,
  Permute,
  BatchMatmul,
  ReduceDims,
  ReduceMax,
  Unary,
  Count
};
const char* opKindName(OpKind op);

// Thrown by an op a backend does not implement.
class UnsupportedOp : public std::runtime_error {
 public:
  UnsupportedOp(const char* backend, OpKind op);
};

// Thrown for device failures (no driver, out of memory, a failed kernel); what() carries the CUDA
// error text.
class DeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DeviceInfo {
  int index = 0;
  std::string name;          // "NVIDIA H100 80GB HBM3"
  uint64_t totalBytes = 0;   // device memory
  int major = 0, minor = 0;  // compute capability
};

struct DeviceList {
  std::vector<DeviceInfo> devices;
  std::string reason;  // why the list is empty: the CUDA error text and what to do
};

struct MemoryStats {
  uint64_t inUse = 0;   // bytes held by live tensors
  uint64_t peak = 0;    // most bytes in use at once since the last reset
  uint64_t cached = 0;  // bytes kept in the allocator's free lists for reuse
};

struct AdamScalars {
  float negStepSize, bc2Sqrt, b1, b2, oneMinusB1, oneMinusB2, eps, wd, decay;
  bool decoupled, weightDecay;
};

struct SgdScalars {
  float wd, mu, negLr;
  bool weightDecay, momentum, nesterov, firstStep;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual bool supportsOp(OpKind op) const = 0;

  // --- Memory (index: the device's number) --------------------------------------------------
  virtual void* allocate(size_t bytes, int index) = 0;
  virtual void release(void* p, size_t bytes, int index) noexcept = 0;
  enum class CopyKind { HostToDevice, DeviceToHost, DeviceToDevice };
  virtual void copy(void* dst, const void* src, size_t bytes, CopyKind kind, int index) = 0;
  virtual void fill(void* dst, DType dtype, float value, int64_t n, int index) = 0;
  virtual MemoryStats memoryStats(int index) const { return {}; }
  virtual void resetPeak(int index) {}
  // Refuses allocations that would take the bytes in use past `bytes` (0: no limit), as if the
  // card were that small: lets tests check the out-of-memory path on any GPU.
  virtual void setMemoryLimit(int index, uint64_t bytes) {}
  virtual void synchronize(int index) {}

  // --- Ops: the same contracts as engine/ops/ops.h; autograd recorded by the backend ---------
  virtual Tensor matmul(const Tensor& a, const Tensor& b, bool transA, bool transB);
  virtual Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);
  virtual Tensor relu(const Tensor& x);
  virtual Tensor gelu(const Tensor& x, bool tanhApproximation);
  virtual Tensor tanh(const Tensor& x);
  virtual Tensor sigmoid(const Tensor& x);
  virtual Tensor add(const Tensor& a, const Tensor& b);
  virtual Tensor mul(const Tensor& a, const Tensor& b);
  virtual Tensor scale(const Tensor& x, float s);
  virtual Tensor softmax(const Tensor& x, int dim, bool log);
  virtual Tensor sum(const Tensor& x);
  virtual Tensor mean(const Tensor& x);
  virtual Tensor sumDim(const Tensor& x, int dim, bool keepDim, bool mean);
  virtual Tensor embedding(const Tensor& indices, const Tensor& weight);
  virtual Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end);
  virtual Tensor concat(const std::vector<Tensor>& xs, int dim);
  virtual Tensor transpose(const Tensor& x, int dim0, int dim1);
  virtual Tensor dropout(const Tensor& x, float p, Rng& rng);  // training, p > 0
  virtual Tensor sequencePool(const Tensor& x, int mode);      // ops::PoolMode as int
  virtual Tensor mseLoss(const Tensor& input, const Tensor& target);
  virtual Tensor crossEntropy(const Tensor& logits, const Tensor& target, int64_t ignoreIndex);
  virtual Tensor layerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps);
  virtual RecurrentOutputs recurrent(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                                     const Tensor& c0, const std::vector<Tensor>& params,
                                     bool training, Rng* rng);
  // scores: [B, H, T, S], mask: float32 [B, T, S] on the same device, nonzero = masked -> scores
  // with -inf where masked; the gradient is 0 there (nn/transformer/attention.cpp builds the mask).
  virtual Tensor attentionMask(const Tensor& scores, const Tensor& mask);
  // The numpy-semantics ops of imported graphs (ops/tensor_ops.cpp), same contracts. dims of the
  // reductions may be negative or repeated; empty means every dim. ops::batchMatmul needs no
  // entry of its own: it is expand and matmul, which dispatch.
  virtual Tensor expand(const Tensor& x, const Shape& shape);
  virtual Tensor binaryOp(ops::BinaryKind kind, const Tensor& a, const Tensor& b);
  virtual Tensor permute(const Tensor& x, const std::vector<int>& dims);
  virtual Tensor reduceDims(const Tensor& x, const std::vector<int>& dims, bool keepDim,
                            bool mean);
  virtual Tensor reduceMaxDims(const Tensor& x, const std::vector<int>& dims, bool keepDim);
  virtual Tensor unaryOp(ops::UnaryKind kind, const Tensor& x, float alpha);

  // --- Training -------------------------------------------------------------------------------
  virtual void accumulate(Tensor& dst, const Tensor& src);  // dst += src (autograd)
  virtual double sumSquares(const Tensor& x);               // in double; non-finite stays so
  // One sum of squares per tensor (all on this backend's device), with one copy to the host.
  virtual std::vector<double> sumSquaresMany(const std::vector<Tensor>& xs);
  virtual void scaleInPlace(Tensor& x, float s);
  virtual void adamStep(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, const AdamScalars& s);
  virtual void sgdStep(Tensor& p, const Tensor& g, Tensor& buf, const SgdScalars& s);

 protected:
  [[noreturn]] void unsupported(OpKind op) const;
};

// True for a defined tensor whose data is not on the CPU: the one check at each op's entry.
inline bool onDevice(const Tensor& t) { return t.defined() && !t.isCpu(); }

// The backend of a device. CPU always; CUDA when built with it and the device is usable, else
// DeviceError with the reason.
Backend& backendFor(Device device);

// --- CUDA availability (all safe without a GPU, a driver or a CUDA build) ---------------------
bool builtWithCuda();
DeviceList cudaDevices();  // every GPU, or none and the reason
// Empty when the device can be used, else a message: the CUDA error text and what to do.
std::string deviceUnavailableReason(Device device);
// Matmuls on TensorFloat-32 tensor cores (CUDA only; off by default: fp32 parity needs it off).
void setAllowTf32(bool allow);
bool allowTf32();

}  // namespace strata
