// Entry points of the CUDA backend for the registry (backends/backend.cpp). Compiled only with
// -DSTRATA_CUDA (STRATA_HAVE_CUDA); includes no CUDA header.
#pragma once

#include "backends/backend.h"

namespace strata::cuda {

Backend& backend();
// Every GPU the CUDA runtime reports, or none and the reason (the CUDA error text and what to
// do). Asked once per process: the answer does not change while Strata runs.
DeviceList devices();
void setAllowTf32(bool allow);
bool allowTf32();

}  // namespace strata::cuda
