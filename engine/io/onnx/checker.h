// The ONNX checks Strata runs on what it writes and reads: onnx::checker::check_model plus strict
// shape inference (the C++ equivalent of Python's check_model(full_check=True)).
#pragma once

#include <string>

#include "core/status.h"

namespace strata {

// `modelBytes`: a serialised ModelProto. Errors carry the checker's message on one line.
Status checkOnnxModel(const std::string& modelBytes);

}  // namespace strata
