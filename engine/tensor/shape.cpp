#include "tensor/shape.h"

namespace strata {

bool isConcrete(const Shape& s) {
  for (int64_t d : s)
    if (d < 0) return false;
  return true;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string dimToString(int64_t d) {
  if (d >= 0) return std::to_string(d);
  if (d == kBatch) return "B";
  if (d == kSeq) return "T";
  return "S" + std::to_string(-3 - d);
}

std::string shapeToString(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += dimToString(s[i]);
  }
  return out + "]";
}

}  // namespace strata
