#include "tensor/tensor.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata {

const char* dtypeName(DType t) { return t == DType::Float32 ? "float32" : "int64"; }
size_t dtypeSize(DType t) { return t == DType::Float32 ? 4 : 8; }

namespace {

// A training step frees and reallocates the same activation and gradient buffers (up to a few
// MB each). With glibc's defaults the large ones come from mmap and go back with munmap, so
// every step page-faults them in again (page faults were ~15% of a Transformer step). Keep them
// in the heap and do not trim it: freed buffers are reused by the next step.
const bool kHeapTuned = [] {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return true;
}();

}  // namespace

Storage::Storage(size_t bytes) : m_bytes(bytes) {
  (void)kHeapTuned;
  size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;
  m_data = std::aligned_alloc(64, rounded);
  if (!m_data) throw std::bad_alloc();
}

Storage::Storage(size_t bytes, Device device) : m_bytes(bytes), m_device(device) {
  if (device.isCpu()) {
    (void)kHeapTuned;
    size_t rounded = ((bytes + 63) / 64) * 64;
    if (rounded == 0) rounded = 64;
    m_data = std::aligned_alloc(64, rounded);
    if (!m_data) throw std::bad_alloc();
  } else {
    m_data = backendFor(device).allocate(bytes, device.index);
  }
}

Storage::~Storage() {
  if (m_device.isCpu())
    std::free(m_data);
  else
    try {
      backendFor(m_device).release(m_data, m_bytes, m_device.index);
    } catch (...) {  // the device went away: nothing left to give back
    }
}

namespace {

Backend::CopyKind copyKind(Device dst, Device src) {
  if (src.isCpu()) return Backend::CopyKind::HostToDevice;
  return dst.isCpu() ? Backend::CopyKind::DeviceToHost : Backend::CopyKind::DeviceToDevice;
}

// Copies bytes between two buffers of which at least one is on a device.
void deviceCopy(void* dst, Device dstDevice, const void* src, Device srcDevice, size_t bytes) {
  const Device on = dstDevice.isCpu() ? srcDevice : dstDevice;
  backendFor(on).copy(dst, src, bytes, copyKind(dstDevice, srcDevice), on.index);
}

}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape)
    if (d < 0) throw std::invalid_argument("Tensor::empty: shape " + shapeToString(shape) +
                                           " is not concrete");
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = dtype;
  const size_t bytes = static_cast<size_t>(strata::numel(shape)) * dtypeSize(dtype);
  impl->storage = device.isCpu() ? std::make_shared<Storage>(bytes)
                                 : std::make_shared<Storage>(bytes, device);
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (device.isCpu())
    std::memset(t.raw(), 0, t.bytes());
  else
    t.fill(0.0f);
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::Float32, device);
  t.fill(value);
  return t;
}

namespace {

// Copies values into t after checking the count. A zero-size shape copies nothing: an empty
// vector's data() may be null, and memcpy from null is undefined even for 0 bytes.
template <typename T>
Tensor filled(Tensor t, const Shape& shape, const std::vector<T>& values) {
  if (static_cast<int64_t>(values.size()) != t.numel())
    throw std::invalid_argument("Tensor::fromVector: " + std::to_string(values.size()) +
                                " values for shape " + shapeToString(shape));
  if (t.bytes() > 0) std::memcpy(t.raw(), values.data(), t.bytes());
  return t;
}

}  // namespace

Tensor Tensor::fromVector(const Shape& shape, const std::vector<float>& values) {
  return filled(empty(shape), shape, values);
}

Tensor Tensor::fromVector(const Shape& shape, const std::vector<int64_t>& values) {
  return filled(empty(shape, DType::Int64), shape, values);
}

int64_t Tensor::size(int dim) const {
  int n = ndim();
  if (dim < 0) dim += n;
  if (dim < 0 || dim >= n) throw std::out_of_range("Tensor::size: dim out of range");
  return m_impl->shape[dim];
}

float* Tensor::f32() { return static_cast<float*>(m_impl->storage->data()); }
const float* Tensor::f32() const { return static_cast<const float*>(m_impl->storage->data()); }
int64_t* Tensor::i64() { return static_cast<int64_t*>(m_impl->storage->data()); }
const int64_t* Tensor::i64() const {
  return static_cast<const int64_t*>(m_impl->storage->data());
}

float Tensor::item() const {
  if (numel() != 1) throw std::logic_error("Tensor::item on " + describe(*this));
  if (!isCpu()) return to(Device::cpu()).item();
  return dtype() == DType::Float32 ? f32()[0] : static_cast<float>(i64()[0]);
}

Tensor Tensor::to(Device device) const {
  if (!defined() || this->device() == device) return *this;
  Tensor t = empty(shape(), dtype(), device);
  if (bytes() > 0) deviceCopy(t.raw(), device, raw(), this->device(), bytes());
  return t;
}

void Tensor::moveTo(Device device) {
  if (!defined() || this->device() == device) return;
  m_impl->storage = to(device).m_impl->storage;
  if (m_impl->grad) m_impl->grad->storage = Tensor(m_impl->grad).to(device).m_impl->storage;
}

Tensor& Tensor::setRequiresGrad(bool on) {
  m_impl->requiresGrad = on;
  return *this;
}

void Tensor::zeroGrad() { m_impl->grad.reset(); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = m_impl->shape;
  impl->dtype = m_impl->dtype;
  impl->storage = m_impl->storage;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), dtype(), device());
  if (!isCpu()) {
    if (bytes() > 0) deviceCopy(t.raw(), device(), raw(), device(), bytes());
    return t;
  }
  std::memcpy(t.raw(), raw(), bytes());
  return t;
}

Tensor Tensor::reshape(const Shape& newShape) const {
  Shape s = newShape;
  int64_t known = 1;
  int inferred = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (inferred >= 0) throw std::invalid_argument("reshape: more than one -1");
      inferred = static_cast<int>(i);
    } else {
      known *= s[i];
    }
  }
  if (inferred >= 0) s[inferred] = known ? numel() / known : 0;
  if (strata::numel(s) != numel())
    throw std::invalid_argument("reshape: " + describe(*this) + " to " + shapeToString(newShape));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = s;
  impl->dtype = dtype();
  impl->storage = m_impl->storage;
  Tensor out(std::move(impl));
  Shape original = shape();
  recordOp("reshape", {*this}, {&out}, [original](const std::vector<Tensor>& g) {
    return std::vector<Tensor>{g[0].defined() ? g[0].detach().reshape(original) : Tensor()};
  });
  return out;
}

void Tensor::fill(float value) {
  if (!isCpu()) {
    backendFor(device()).fill(raw(), dtype(), value, numel(), device().index);
    return;
  }
  if (dtype() == DType::Float32) {
    float* p = f32();
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] = value;
  } else {
    int64_t* p = i64();
    for (int64_t i = 0, n = numel(); i < n; ++i) p[i] = static_cast<int64_t>(value);
  }
}

void Tensor::copyFrom(const Tensor& other) {
  if (other.numel() != numel() || other.dtype() != dtype())
    throw std::invalid_argument("copyFrom: " + describe(other) + " into " + describe(*this));
  if (!isCpu() || !other.isCpu()) {
    if (bytes() > 0) deviceCopy(raw(), device(), other.raw(), other.device(), bytes());
    return;
  }
  std::memcpy(raw(), other.raw(), bytes());
}

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  std::string s = std::string(dtypeName(t.dtype())) + shapeToString(t.shape());
  return t.isCpu() ? s : s + " on " + t.device().str();
}

}  // namespace strata
