// Strata's fp32 parity rule (docs/numerics.md), checking side: every element the engine computes
// in float32 is compared with a float64 reference and must lie within the fp32 error bound of what
// it computes. The reference side (tests/common/fp32_rule.py) supplies the float64 value r and the
// element's sensitivity s: how far r moves when every input, weight and upstream gradient is
// perturbed by a relative sqrt(K)·u, i.e. by about the backward error a correct fp32 kernel makes
// in a sum of K terms, whatever its summation order. The bound is
//
//   |x - r| <= 4 · ( s + sqrt(K) · u · (|r| + rms) ),   u = 2^-24, K >= 16,
//
// where rms is that of the whole compared tensor (or of the values it is computed from, where a
// suite passes those and they are larger): it covers elements that cancel exactly for every input
// (a gradient that is zero by symmetry) and so have no sensitivity. The bound depends
// on the data and K only, never on a kernel's summation order, so a correct engine passes on any
// x86-64 CPU; a transposed weight, a wrong gate order, a missing bias or an off-by-one step are
// many orders of magnitude over it (tests/parity/test_fp32_rule.cpp proves each).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace strata::test {

constexpr double kUnitRoundoff = 0x1p-24;  // u: float32's unit roundoff
constexpr double kBoundFactor = 4.0;       // the small constant in front of the bound
constexpr int64_t kMinReduction = 16;      // K's floor: transcendental functions err a few ulp

// The verdict on one compared tensor: the worst element relative to its bound.
struct Fp32Verdict {
  double ratio = 0;  // max over elements of |x - r| / bound; <= 1 passes (NaN/Inf mismatch: inf)
  int64_t at = -1;   // flat index of that element
  double value = 0, reference = 0, bound = 0;
  int64_t reduction = kMinReduction;  // the K used
  bool ok() const { return ratio <= 1.0; }
  // "<tensor>[i]: 0.512 vs float64 0.498 (|diff| 0.014 > bound 3.1e-06, 4500x)".
  std::string describe(const std::string& tensor) const {
    std::ostringstream s;
    s.precision(4);
    s << tensor << "[" << at << "]: " << value << " vs float64 " << reference << " (|diff| "
      << std::fabs(value - reference) << (ok() ? " <= " : " > ") << "bound " << bound << ", "
      << ratio << "x of the fp32 bound, K " << reduction << ")";
    return s.str();
  }
};

template <typename T>
double rootMeanSquare(const T* r, int64_t n) {
  double acc = 0;
  int64_t finite = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(double(r[i]))) {
      acc += double(r[i]) * double(r[i]);
      ++finite;
    }
  return finite ? std::sqrt(acc / double(finite)) : 0.0;
}

// x: the engine's float32 values; ref: float64 reference; spread: sensitivity per element (may be
// null: then only the deterministic term counts, as for two fp32 implementations compared with
// each other, where `implementations` = 2 doubles the bound); K: the longest sum behind the tensor.
// scale: the RMS of the values the tensor is computed from, where a suite knows it and it may
// exceed the tensor's own: an elementwise function's intermediate terms are of its input's size,
// not of its result's (GELU at x = -4 is 1 + erf(x/√2) ≈ 1e-4 after cancelling two terms of 1).
template <typename T>
Fp32Verdict checkFp32(const T* x, const double* ref, const double* spread, int64_t n, int64_t K,
                      double implementations = 1.0, double scale = 0.0) {
  Fp32Verdict v;
  v.reduction = std::max<int64_t>(K, kMinReduction);
  const double rms = std::max(rootMeanSquare(ref, n), scale);
  const double perTerm = std::sqrt(double(v.reduction)) * kUnitRoundoff;
  for (int64_t i = 0; i < n; ++i) {
    const double a = double(x[i]), r = ref[i];
    double ratio;
    double bound = 0;
    if (!std::isfinite(a) || !std::isfinite(r)) {
      // NaN where the reference has NaN, or the same infinity, agrees; anything else does not.
      const bool same = (std::isnan(a) && std::isnan(r)) || a == r;
      ratio = same ? 0.0 : std::numeric_limits<double>::infinity();
    } else {
      bound = kBoundFactor * implementations *
              ((spread ? spread[i] : 0.0) + perTerm * (std::fabs(r) + rms));
      const double diff = std::fabs(a - r);
      ratio = diff == 0 ? 0.0 : bound > 0 ? diff / bound : std::numeric_limits<double>::infinity();
    }
    if (ratio > v.ratio || v.at < 0) {
      v.ratio = ratio;
      v.at = i;
      v.value = a;
      v.reference = r;
      v.bound = bound;
    }
  }
  return v;
}

// K where a suite does not count its sums one by one: the longest dimension of any weight or
// input, or the rows (all but the last dimension) of one, which weight gradients, pooling and
// mean losses sum over. (fp32_rule.py's reduction() is the same rule.)
inline int64_t longestSum(const std::vector<std::vector<int64_t>>& shapes) {
  int64_t k = 1;
  for (const auto& s : shapes) {
    if (s.empty()) continue;
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < s.size(); ++i) rows *= s[i];
    k = std::max({k, rows, *std::max_element(s.begin(), s.end())});
  }
  return k;
}

// Reads n float64 values; false when the file is missing or short.
inline bool readDoubles(const std::string& path, std::vector<double>& out, int64_t n) {
  out.assign(static_cast<size_t>(n), 0.0);
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n * sizeof(double)));
  return in.gcount() == static_cast<std::streamsize>(n * sizeof(double));
}

// The reference side writes <stem>.f64.bin (value) and <stem>.spread.bin (sensitivity).
inline bool readReference(const std::string& stem, int64_t n, std::vector<double>& ref,
                          std::vector<double>& spread) {
  return readDoubles(stem + ".f64.bin", ref, n) && readDoubles(stem + ".spread.bin", spread, n);
}

}  // namespace strata::test
