// The CUDA backend's registry entry, device queries, memory (through the caching allocator) and
// the helpers its op files share.
#include "backends/cuda/cuda_backend.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>

#include "backends/cuda/caching_allocator.h"
#include "backends/cuda/cuda_backend_impl.h"
#include "backends/cuda/kernels.h"

namespace strata::cuda {
namespace {

std::atomic<bool> g_allowTf32{false};

// The oldest GPUs the build has code for: sm_80 (A100) and sm_90 (H100), plus PTX for newer ones.
constexpr int kMinMajor = 8;

DeviceList enumerate() {
  DeviceList list;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    list.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(e) + " (" +
                  cudaGetErrorName(e) +
                  "). A GPU run needs an NVIDIA GPU with its driver installed (the driver "
                  "provides libcuda.so.1); on this machine train with --device cpu";
    return list;
  }
  if (count == 0) {
    list.reason = "the CUDA runtime found no GPU on this machine; train with --device cpu";
    return list;
  }
  std::string skipped;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
      (void)cudaGetLastError();
      continue;
    }
    if (prop.major < kMinMajor) {
      skipped += std::string(skipped.empty() ? "" : "; ") + prop.name + " (compute capability " +
                 std::to_string(prop.major) + "." + std::to_string(prop.minor) + ")";
      continue;
    }
    list.devices.push_back(
        {i, prop.name, static_cast<uint64_t>(prop.totalGlobalMem), prop.major, prop.minor});
  }
  if (list.devices.empty())
    list.reason =
        "no GPU this build can run on (it carries code for compute capability 8.0 and "
        "newer): " +
        skipped;
  return list;
}

}  // namespace

DeviceList devices() {
  static const DeviceList list = enumerate();
  return list;
}

void setAllowTf32(bool allow) { g_allowTf32 = allow; }
bool allowTf32() { return g_allowTf32; }

Backend& backend() {
  static CudaBackend* b = new CudaBackend();  // outlives tensors destroyed at exit
  return *b;
}

bool CudaBackend::supportsOp(OpKind op) const {
  return op != OpKind::Count;
}

void* CudaBackend::allocate(size_t bytes, int index) { return allocator().allocate(bytes, index); }

void CudaBackend::release(void* p, size_t bytes, int index) noexcept {
  allocator().release(p, bytes, index);
}

void CudaBackend::copy(void* dst, const void* src, size_t bytes, CopyKind kind, int index) {
  if (bytes == 0) return;
  Context& ctx = context(index);
  const cudaMemcpyKind k = kind == CopyKind::HostToDevice   ? cudaMemcpyHostToDevice
                           : kind == CopyKind::DeviceToHost ? cudaMemcpyDeviceToHost
                                                            : cudaMemcpyDeviceToDevice;
  check(cudaMemcpyAsync(dst, src, bytes, k, ctx.stream), "cudaMemcpyAsync");
  // The host reads (or frees) its side right after: wait for copies that touch host memory.
  if (kind != CopyKind::DeviceToDevice) check(cudaStreamSynchronize(ctx.stream), "copy");
}

void CudaBackend::fill(void* dst, DType dtype, float value, int64_t n, int index) {
  Context& ctx = context(index);
  if (dtype == DType::Float32)
    kernels::fill(static_cast<float*>(dst), value, n, ctx.stream);
  else
    kernels::fillI64(static_cast<int64_t*>(dst), static_cast<int64_t>(value), n, ctx.stream);
  checkLaunch("fill");
}

MemoryStats CudaBackend::memoryStats(int index) const { return allocator().stats(index); }
void CudaBackend::resetPeak(int index) { allocator().resetPeak(index); }
void CudaBackend::setMemoryLimit(int index, uint64_t bytes) { allocator().setLimit(index, bytes); }
void CudaBackend::synchronize(int index) {
  check(cudaStreamSynchronize(context(index).stream), "cudaStreamSynchronize");
}

namespace detail {

Context& contextOf(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (!t || !t->defined()) continue;
    if (!first) {
      first = t;
    } else if (t->device() != first->device()) {
      throw std::invalid_argument(std::string(op) + ": tensors on " + first->device().str() +
                                  " and " + t->device().str());
    }
  }
  if (!first || first->isCpu())
    throw std::logic_error(std::string(op) + ": the CUDA backend got no CUDA tensor");
  return context(first->device().index);
}

Tensor onDevice(const Tensor& t, Device device, const char* op) {
  if (!t.defined() || t.device() == device) return t;
  if (t.requiresGrad())
    throw std::invalid_argument(std::string(op) + ": a " + t.device().str() +
                                " tensor that needs a gradient meets a " + device.str() +
                                " one; move the model to one device");
  return t.to(device);
}

float* f(const Tensor& t) {
  return t.defined() ? static_cast<float*>(t.impl()->storage->data()) : nullptr;
}
const float* cf(const Tensor& t) { return f(t); }

Tensor reduceMiddle(const Tensor& x, int64_t outer, int64_t n, int64_t inner, float factor,
                    const Shape& shape, cudaStream_t s) {
  Tensor y = Tensor::empty(shape, DType::Float32, x.device());
  kernels::reduceMiddle(cf(x), f(y), outer, n, inner, factor, s);
  checkLaunch("reduce");
  return y;
}

}  // namespace detail

}  // namespace strata::cuda
