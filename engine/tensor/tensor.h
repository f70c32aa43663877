// Tensor: a contiguous, row-major, batch-first array of float32 or int64 with an owning buffer on
// one device (the CPU: 64-byte aligned host memory; CUDA:N: device memory from the CUDA backend's
// caching allocator), shared between views such as reshape, plus the autograd links (requiresGrad,
// grad, gradFn). Copying a Tensor copies a handle, never the data. The device is a tag on the
// storage: ops look at it once at entry (engine/ops) and CPU code is otherwise unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/shape.h"

namespace strata {

enum class DType : uint8_t { Float32, Int64 };
const char* dtypeName(DType t);
size_t dtypeSize(DType t);

// Aligned, owning byte buffer on one device (a non-CPU one through its backend's allocator).
class Storage {
 public:
  explicit Storage(size_t bytes);
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() { return m_data; }
  size_t bytes() const { return m_bytes; }
  Device device() const { return m_device; }

 private:
  void* m_data = nullptr;
  size_t m_bytes = 0;
  Device m_device;
};

struct Node;  // autograd node, see tensor/autograd.h
class Tensor;

struct TensorImpl {
  Shape shape;
  DType dtype = DType::Float32;
  std::shared_ptr<Storage> storage;
  bool requiresGrad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated gradient (leaves only), same shape, float32
  std::shared_ptr<Node> gradFn;      // the op that produced this tensor (non-leaves)
  int outputIndex = 0;               // which output of gradFn this is
};

class Tensor {
 public:
  Tensor() = default;  // undefined
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : m_impl(std::move(impl)) {}

  // Factories. Shapes must be concrete.
  static Tensor empty(const Shape& shape, DType dtype = DType::Float32,
                      Device device = {});  // uninitialised
  static Tensor zeros(const Shape& shape, DType dtype = DType::Float32, Device device = {});
  static Tensor full(const Shape& shape, float value, Device device = {});
  static Tensor fromVector(const Shape& shape, const std::vector<float>& values);
  static Tensor fromVector(const Shape& shape, const std::vector<int64_t>& values);
  static Tensor scalar(float value) { return full({}, value); }

  bool defined() const { return m_impl != nullptr; }
  const Shape& shape() const { return m_impl->shape; }
  int ndim() const { return static_cast<int>(m_impl->shape.size()); }
  int64_t size(int dim) const;  // negative dims count from the end
  int64_t numel() const { return strata::numel(m_impl->shape); }
  DType dtype() const { return m_impl->dtype; }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtypeSize(dtype()); }
  Device device() const { return m_impl->storage->device(); }
  bool isCpu() const { return m_impl->storage->device().isCpu(); }

  // Data pointers are on the tensor's device: dereference them on the host only for CPU tensors.
  float* f32();
  const float* f32() const;
  int64_t* i64();
  const int64_t* i64() const;
  void* raw() { return m_impl->storage->data(); }
  const void* raw() const { return m_impl->storage->data(); }
  float item() const;  // the single value of a one-element tensor (copied to the host)

  // A copy on `device` without autograd history (this tensor itself when already there). The engine
  // copies between host and device only at batch boundaries and for metrics.
  Tensor to(Device device) const;
  // Moves this tensor's data, and its gradient, to `device` in place: every handle sees it (the
  // trainer moves a model's parameters so the modules keep their references).
  void moveTo(Device device);

  // Autograd.
  bool requiresGrad() const { return m_impl && m_impl->requiresGrad; }
  Tensor& setRequiresGrad(bool on = true);
  Tensor grad() const { return m_impl && m_impl->grad ? Tensor(m_impl->grad) : Tensor(); }
  void setGrad(const Tensor& g) { m_impl->grad = g.m_impl; }
  void zeroGrad();                   // drops the accumulated gradient
  void backward(const Tensor& seed = Tensor());  // seed defaults to ones (scalar loss)
  bool isLeaf() const { return !m_impl->gradFn; }

  Tensor detach() const;  // same storage, no autograd history
  Tensor clone() const;   // deep copy of the data on the same device, no autograd history
  Tensor reshape(const Shape& shape) const;  // differentiable view; one dim may be -1
  void fill(float value);
  void copyFrom(const Tensor& other);  // same numel and dtype; no autograd

  TensorImpl* impl() const { return m_impl.get(); }
  const std::shared_ptr<TensorImpl>& implPtr() const { return m_impl; }
  bool sameAs(const Tensor& o) const { return m_impl == o.m_impl; }

 private:
  std::shared_ptr<TensorImpl> m_impl;
};

std::string describe(const Tensor& t);  // "float32[2, 3]"

}  // namespace strata
