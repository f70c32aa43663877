// The backend registry, the default (unsupported) op bodies, and CUDA availability for builds
// without CUDA. With CUDA, backends/cuda/cuda_backend.cpp provides the cuda:: functions used here.
#include "backends/backend.h"

#include "backends/cpu/cpu_backend.h"
#ifdef STRATA_HAVE_CUDA
#include "backends/cuda/cuda_backend.h"
#endif

namespace strata {

const char* opKindName(OpKind op) {
  static const char* names[] = {
      "matmul",         "linear",     "relu",          "gelu",           "tanh",
      "sigmoid",        "add",        "mul",           "scale",          "softmax",
      "log_softmax",    "sum",        "mean",          "sum_dim",        "mean_dim",
      "embedding",      "slice",      "concat",        "transpose",      "dropout",
      "sequence_pool",  "mse_loss",   "cross_entropy", "layer_norm",     "recurrent",
      "attention_mask", "accumulate", "sum_squares",   "scale_in_place", "adam_step",
      "sgd_step",       "expand",     "binary_op",     "permute",        "batch_matmul",
      "reduce_dims",    "reduce_max", "unary"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(OpKind::Count));
  return names[static_cast<size_t>(op)];
}

UnsupportedOp::UnsupportedOp(const char* backend, OpKind op)
    : std::runtime_error(std::string("the ") + backend + " backend has no '" + opKindName(op) +
                         "' op yet (train this graph on the CPU)") {}

void Backend::unsupported(OpKind op) const { throw UnsupportedOp(name(), op); }

Tensor Backend::matmul(const Tensor&, const Tensor&, bool, bool) { unsupported(OpKind::Matmul); }
Tensor Backend::linear(const Tensor&, const Tensor&, const Tensor&) { unsupported(OpKind::Linear); }
Tensor Backend::relu(const Tensor&) { unsupported(OpKind::Relu); }
Tensor Backend::gelu(const Tensor&, bool) { unsupported(OpKind::Gelu); }
Tensor Backend::tanh(const Tensor&) { unsupported(OpKind::Tanh); }
Tensor Backend::sigmoid(const Tensor&) { unsupported(OpKind::Sigmoid); }
Tensor Backend::add(const Tensor&, const Tensor&) { unsupported(OpKind::Add); }
Tensor Backend::mul(const Tensor&, const Tensor&) { unsupported(OpKind::Mul); }
Tensor Backend::scale(const Tensor&, float) { unsupported(OpKind::Scale); }
Tensor Backend::softmax(const Tensor&, int, bool log) {
  unsupported(log ? OpKind::LogSoftmax : OpKind::Softmax);
}
Tensor Backend::sum(const Tensor&) { unsupported(OpKind::Sum); }
Tensor Backend::mean(const Tensor&) { unsupported(OpKind::Mean); }
Tensor Backend::sumDim(const Tensor&, int, bool, bool mean) {
  unsupported(mean ? OpKind::MeanDim : OpKind::SumDim);
}
Tensor Backend::embedding(const Tensor&, const Tensor&) { unsupported(OpKind::Embedding); }
Tensor Backend::slice(const Tensor&, int, int64_t, int64_t) { unsupported(OpKind::Slice); }
Tensor Backend::concat(const std::vector<Tensor>&, int) { unsupported(OpKind::Concat); }
Tensor Backend::transpose(const Tensor&, int, int) { unsupported(OpKind::Transpose); }
Tensor Backend::dropout(const Tensor&, float, Rng&) { unsupported(OpKind::Dropout); }
Tensor Backend::sequencePool(const Tensor&, int) { unsupported(OpKind::SequencePool); }
Tensor Backend::mseLoss(const Tensor&, const Tensor&) { unsupported(OpKind::MseLoss); }
Tensor Backend::crossEntropy(const Tensor&, const Tensor&, int64_t) {
  unsupported(OpKind::CrossEntropy);
}
Tensor Backend::layerNorm(const Tensor&, const Tensor&, const Tensor&, float) {
  unsupported(OpKind::LayerNorm);
}
RecurrentOutputs Backend::recurrent(const RecurrentConfig&, const Tensor&, const Tensor&,
                                    const Tensor&, const std::vector<Tensor>&, bool, Rng*) {
  unsupported(OpKind::Recurrent);
}
Tensor Backend::attentionMask(const Tensor&, const Tensor&) { unsupported(OpKind::AttentionMask); }
Tensor Backend::expand(const Tensor&, const Shape&) { unsupported(OpKind::Expand); }
Tensor Backend::binaryOp(ops::BinaryKind, const Tensor&, const Tensor&) {
  unsupported(OpKind::BinaryOp);
}
Tensor Backend::permute(const Tensor&, const std::vector<int>&) { unsupported(OpKind::Permute); }
Tensor Backend::reduceDims(const Tensor&, const std::vector<int>&, bool, bool) {
  unsupported(OpKind::ReduceDims);
}
Tensor Backend::reduceMaxDims(const Tensor&, const std::vector<int>&, bool) {
  unsupported(OpKind::ReduceMax);
}
Tensor Backend::unaryOp(ops::UnaryKind, const Tensor&, float) { unsupported(OpKind::Unary); }
void Backend::accumulate(Tensor&, const Tensor&) { unsupported(OpKind::Accumulate); }
double Backend::sumSquares(const Tensor&) { unsupported(OpKind::SumSquares); }
std::vector<double> Backend::sumSquaresMany(const std::vector<Tensor>& xs) {
  std::vector<double> out;
  out.reserve(xs.size());
  for (const Tensor& x : xs) out.push_back(sumSquares(x));
  return out;
}
void Backend::scaleInPlace(Tensor&, float) { unsupported(OpKind::ScaleInPlace); }
void Backend::adamStep(Tensor&, const Tensor&, Tensor&, Tensor&, const AdamScalars&) {
  unsupported(OpKind::AdamStep);
}
void Backend::sgdStep(Tensor&, const Tensor&, Tensor&, const SgdScalars&) {
  unsupported(OpKind::SgdStep);
}

#ifdef STRATA_HAVE_CUDA

bool builtWithCuda() { return true; }
DeviceList cudaDevices() { return cuda::devices(); }
void setAllowTf32(bool allow) { cuda::setAllowTf32(allow); }
bool allowTf32() { return cuda::allowTf32(); }

#else

namespace {
const char* kNoCudaBuild =
    "this Strata was built without CUDA (configure with -DSTRATA_CUDA=AUTO or ON on a machine "
    "with the CUDA Toolkit installed); train with --device cpu";
}

bool builtWithCuda() { return false; }
DeviceList cudaDevices() { return {{}, kNoCudaBuild}; }
void setAllowTf32(bool) {}
bool allowTf32() { return false; }

#endif

std::string deviceUnavailableReason(Device device) {
  if (device.isCpu()) return "";
  DeviceList list = cudaDevices();
  if (list.devices.empty()) return "CUDA is not available: " + list.reason;
  std::string ids;
  for (const DeviceInfo& d : list.devices) {
    if (d.index == device.index) return "";
    ids += (ids.empty() ? "" : ", ") + Device::cuda(d.index).str();
  }
  return "CUDA device " + std::to_string(device.index) +
         " does not exist or cannot be used: this machine has " + ids;
}

Backend& backendFor(Device device) {
  if (device.isCpu()) return cpu::backend();
#ifdef STRATA_HAVE_CUDA
  // Every op and every freed buffer asks: the usable devices are looked up once.
  static const std::vector<int> usable = [] {
    std::vector<int> v;
    for (const DeviceInfo& d : cudaDevices().devices) v.push_back(d.index);
    return v;
  }();
  for (int index : usable)
    if (index == device.index) return cuda::backend();
  throw DeviceError(deviceUnavailableReason(device));
#else
  throw DeviceError("CUDA is not available: " + std::string(kNoCudaBuild));
#endif
}

}  // namespace strata
