// Overflow-safe sizes for shapes read from untrusted files (npy, safetensors headers).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/shape.h"

namespace strata::io {

// Element count and byte size of `shape` with `itemSize`-byte elements. False when a dimension is
// negative or the dimension, element count or byte size would pass 2^62.
inline bool checkedBytes(const Shape& shape, size_t itemSize, uint64_t& numel, uint64_t& bytes) {
  constexpr uint64_t kLimit = uint64_t{1} << 62;
  bool hasZero = false;
  for (int64_t d : shape) {
    if (d < 0 || static_cast<uint64_t>(d) > kLimit) return false;
    hasZero = hasZero || d == 0;
  }
  numel = hasZero ? 0 : 1;
  for (int64_t d : shape) {
    if (hasZero) break;
    if (static_cast<uint64_t>(d) > kLimit / numel) return false;
    numel *= static_cast<uint64_t>(d);
  }
  if (itemSize == 0 || numel > kLimit / itemSize) return false;
  bytes = numel * itemSize;
  return true;
}

}  // namespace strata::io
