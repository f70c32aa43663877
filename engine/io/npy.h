// NumPy .npy read/write (format versions 1.0-3.0 read, 1.0 written): little-endian float32 ('<f4')
// and int64 ('<i8'), C order. Reading also accepts '<f8' and '<i4' and converts them.
#pragma once

#include <string>

#include "core/status.h"
#include "tensor/tensor.h"

namespace strata {

Status saveNpy(const std::string& path, const Tensor& t);
// Fails with the path and reason on a bad magic, a header that lies about the data size, Fortran
// order, an unsupported dtype or a truncated file.
Result<Tensor> loadNpy(const std::string& path);
// The same reader over bytes already in memory (a fuzz target, a file read elsewhere); `name`
// starts the messages as the path does.
Result<Tensor> parseNpy(const std::string& bytes, const std::string& name = "<memory>");

}  // namespace strata
