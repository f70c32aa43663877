// AlignedBuffer: an owned, 64-byte aligned float array of fixed size (GemmRecurrent's arena
// buffers: sized once per shape, never resized, moved but not copied).
#pragma once

#include <cstddef>
#include <new>
#include <utility>

namespace strata {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t count) : m_n(count) {
    if (m_n)
      m_p = static_cast<float*>(::operator new[](m_n * sizeof(float), std::align_val_t(64)));
  }
  AlignedBuffer(AlignedBuffer&& o) noexcept : m_p(std::exchange(o.m_p, nullptr)),
                                              m_n(std::exchange(o.m_n, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    std::swap(m_p, o.m_p);
    std::swap(m_n, o.m_n);
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() {
    if (m_p) ::operator delete[](m_p, std::align_val_t(64));
  }
  float* data() const { return m_p; }
  size_t size() const { return m_n; }

 private:
  float* m_p = nullptr;
  size_t m_n = 0;
};

}  // namespace strata
