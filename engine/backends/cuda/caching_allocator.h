// The CUDA backend's caching allocator: device memory is taken from cudaMalloc once and kept in
// size-bucketed free lists for reuse, so a training step that frees and reallocates the same
// activation and gradient buffers never calls cudaMalloc or cudaFree (the same idea as PyTorch's
// CUDA caching allocator). One stream per device means a block freed by one op and reused by a
// later one is ordered by the stream itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "backends/backend.h"

namespace strata::cuda {

class CachingAllocator {
 public:
  void* allocate(size_t bytes, int device);
  void release(void* p, size_t bytes, int device) noexcept;
  MemoryStats stats(int device) const;
  void resetPeak(int device);
  void setLimit(int device, uint64_t bytes);  // 0: none (see Backend::setMemoryLimit)
  // Gives every cached block back to the driver (on an out-of-memory retry).
  void emptyCache(int device);
  // The size class a request is served from: 512-byte steps up to 1 MiB, 2 MiB steps above.
  static size_t bucket(size_t bytes);

 private:
  struct PerDevice {
    std::map<size_t, std::vector<void*>> free;  // bucket -> cached blocks
    MemoryStats stats;
    uint64_t limit = 0;
  };
  PerDevice& perDevice(int device);

  mutable std::mutex m_mutex;
  std::map<int, PerDevice> m_devices;
};

CachingAllocator& allocator();

}  // namespace strata::cuda
