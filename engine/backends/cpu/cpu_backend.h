// The CPU backend: host memory (64-byte aligned) and the oneDNN ops of engine/ops and engine/nn
// behind the Backend interface, so a consistency test can run one op on every backend present.
// The engine's own CPU path calls engine/ops directly and never pays for this indirection.
#pragma once

#include "backends/backend.h"

namespace strata::cpu {

Backend& backend();

}  // namespace strata::cpu
