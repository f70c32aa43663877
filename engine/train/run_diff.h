// What changed between two runs, as one line for the runs table and the CLI:
// "fc1.out_features 64→128, lr 3e-3→1e-3". Node params first (in the later graph's node order),
// then added/removed nodes and rewiring, then training settings (in key order).
#pragma once

#include <string>

#include "graph/document.h"

namespace strata {

std::string runDiff(const GraphDocument& before, const Json& beforeSettings,
                    const GraphDocument& after, const Json& afterSettings);

// A value as the diff shows it: 0.003 -> "3e-3", 128 -> "128", "adam" -> "adam", [2, 3] -> "[2,3]".
std::string formatDiffValue(const Json& v);

}  // namespace strata
