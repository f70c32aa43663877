// Overflow-safe sizes for shapes read from untrusted files (npy, safetensors headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>

#include "tensor/shape.h"

namespace strata::io {

// Element count and byte size of `shape` with `itemSize`-byte elements. False when a dimension is
// negative or the dimension, element count (of the non-zero dimensions, so no running product
// overflows) or byte size would pass 2^62.
inline bool checkedBytes(const Shape& shape, size_t itemSize, uint64_t& numel, uint64_t& bytes) {
  constexpr uint64_t kLimit = uint64_t{1} << 62;
  bool hasZero = false;
  for (int64_t d : shape) {
    if (d < 0 || static_cast<uint64_t>(d) > kLimit) return false;
    hasZero = hasZero || d == 0;
  }
  // The product of the other dimensions must stay in range even when one is 0: Tensor::empty and
  // numel() multiply the dimensions in order, so (2^40, 2^40, 0) would overflow before the 0.
  uint64_t product = 1;
  for (int64_t d : shape) {
    if (d == 0) continue;
    if (static_cast<uint64_t>(d) > kLimit / product) return false;
    product *= static_cast<uint64_t>(d);
  }
  numel = hasZero ? 0 : product;
  if (itemSize == 0 || numel > kLimit / itemSize) return false;
  bytes = numel * itemSize;
  return true;
}

// The size of the stream's file, leaving it at the start. False when it cannot be determined.
inline bool streamSize(std::istream& in, uint64_t& size) {
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  in.seekg(0, std::ios::beg);
  if (end < 0) return false;
  size = static_cast<uint64_t>(end);
  return true;
}

}  // namespace strata::io
