// Tensor shapes. Concrete shapes hold sizes >= 0. Shapes in the graph document may also hold
// symbolic dimensions (negative values): kBatch prints as "B", kSeq as "T", and further symbols
// kSym(n) as "S<n>". Tensors at run time always have concrete shapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

using Shape = std::vector<int64_t>;

constexpr int64_t kBatch = -1;  // the batch dimension, "B"
constexpr int64_t kSeq = -2;    // a sequence length that may vary, "T"
constexpr int64_t kSym(int n) { return -3 - n; }

inline bool isSymbolic(int64_t d) { return d < 0; }
bool isConcrete(const Shape& s);
int64_t numel(const Shape& s);  // product of sizes; 1 for a scalar; only for concrete shapes
std::string dimToString(int64_t d);
std::string shapeToString(const Shape& s);  // "[B, T, 256]"

}  // namespace strata
