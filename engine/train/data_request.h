// What a compiled model asks of a data set: its Input's per-sample shape and dtype, and the type
// its loss's target needs.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "train/data_set.h"

namespace strata {

class Model;

// Fails when the model has no loss or not exactly one Input (the data sets feed one).
Result<DataRequest> dataRequestFor(const Model& model, int64_t seqLen);

}  // namespace strata
