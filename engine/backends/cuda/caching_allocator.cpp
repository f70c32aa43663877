#include "backends/cuda/caching_allocator.h"

#include <cuda_runtime_api.h>

#include <string>

#include "backends/cuda/cuda_context.h"

namespace strata::cuda {

size_t CachingAllocator::bucket(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = size_t{2} << 20, kSmallLimit = size_t{1} << 20;
  if (bytes == 0) return kSmall;
  if (bytes <= kSmallLimit) return (bytes + kSmall - 1) / kSmall * kSmall;
  return (bytes + kLarge - 1) / kLarge * kLarge;
}

CachingAllocator::PerDevice& CachingAllocator::perDevice(int device) { return m_devices[device]; }

void* CachingAllocator::allocate(size_t bytes, int device) {
  const size_t size = bucket(bytes);
  {
    std::lock_guard lock(m_mutex);
    PerDevice& d = perDevice(device);
    if (d.limit && d.stats.inUse + size > d.limit)
      throw DeviceError("allocating " + std::to_string(size) +
                        " bytes on cuda:" + std::to_string(device) +
                        ": out of memory (a limit of " + std::to_string(d.limit) +
                        " bytes is set); the graph does not fit: "
                        "lower the batch size or the model size");
    auto it = d.free.find(size);
    if (it != d.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      d.stats.cached -= size;
      d.stats.inUse += size;
      if (d.stats.inUse > d.stats.peak) d.stats.peak = d.stats.inUse;
      return p;
    }
  }
  check(cudaSetDevice(device), "cudaSetDevice");
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, size);
  if (e == cudaErrorMemoryAllocation) {  // give the cache back and try once more
    (void)cudaGetLastError();
    emptyCache(device);
    e = cudaMalloc(&p, size);
  }
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    const MemoryStats s = stats(device);
    check(e,
          ("allocating " + std::to_string(size >> 20) + " MiB on cuda:" + std::to_string(device) +
           " (" + std::to_string(s.inUse >> 20) + " MiB already in use by Strata)")
              .c_str());
  }
  std::lock_guard lock(m_mutex);
  PerDevice& d = perDevice(device);
  d.stats.inUse += size;
  if (d.stats.inUse > d.stats.peak) d.stats.peak = d.stats.inUse;
  return p;
}

void CachingAllocator::release(void* p, size_t bytes, int device) noexcept {
  if (!p) return;
  const size_t size = bucket(bytes);
  std::lock_guard lock(m_mutex);
  PerDevice& d = perDevice(device);
  d.free[size].push_back(p);
  d.stats.inUse -= size;
  d.stats.cached += size;
}

MemoryStats CachingAllocator::stats(int device) const {
  std::lock_guard lock(m_mutex);
  auto it = m_devices.find(device);
  return it == m_devices.end() ? MemoryStats{} : it->second.stats;
}

void CachingAllocator::resetPeak(int device) {
  std::lock_guard lock(m_mutex);
  PerDevice& d = perDevice(device);
  d.stats.peak = d.stats.inUse;
}

void CachingAllocator::setLimit(int device, uint64_t bytes) {
  std::lock_guard lock(m_mutex);
  perDevice(device).limit = bytes;
}

void CachingAllocator::emptyCache(int device) {
  std::lock_guard lock(m_mutex);
  PerDevice& d = perDevice(device);
  // Blocks may still be read by queued kernels: wait for the device before freeing.
  (void)cudaSetDevice(device);
  (void)cudaDeviceSynchronize();
  for (auto& [size, blocks] : d.free) {
    for (void* p : blocks) (void)cudaFree(p);
    d.stats.cached -= size * blocks.size();
    blocks.clear();
  }
}

CachingAllocator& allocator() {
  static CachingAllocator* a = new CachingAllocator();  // outlives static tensors at exit
  return *a;
}

}  // namespace strata::cuda
