#include "training/chartdecimation.h"

#include <cmath>

namespace strata::gui {

QList<QPointF> decimateMinMax(const std::vector<double>& xs, const std::vector<double>& ys,
                              int buckets) {
  QList<QPointF> out;
  const size_t n = std::min(xs.size(), ys.size());
  if (buckets <= 0 || n <= static_cast<size_t>(2 * buckets)) {
    out.reserve(static_cast<qsizetype>(n));
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(ys[i])) out.append(QPointF(xs[i], ys[i]));
    return out;
  }
  out.reserve(2 * buckets);
  const double x0 = xs.front();
  const double span = std::max(xs.back() - x0, 1e-12);
  size_t i = 0;
  for (int b = 0; b < buckets && i < n; ++b) {
    const double end = x0 + span * (b + 1) / buckets;
    size_t lo = n, hi = n;
    for (; i < n && (xs[i] <= end || b == buckets - 1); ++i) {
      if (!std::isfinite(ys[i])) continue;
      if (lo == n || ys[i] < ys[lo]) lo = i;
      if (hi == n || ys[i] > ys[hi]) hi = i;
    }
    if (lo == n) continue;
    const size_t first = std::min(lo, hi), second = std::max(lo, hi);
    out.append(QPointF(xs[first], ys[first]));
    if (second != first) out.append(QPointF(xs[second], ys[second]));
  }
  return out;
}

std::vector<double> smoothEma(const std::vector<double>& ys, double weight) {
  std::vector<double> out(ys.size());
  double acc = 0, norm = 0;
  for (size_t i = 0; i < ys.size(); ++i) {
    if (!std::isfinite(ys[i])) {
      out[i] = ys[i];
      continue;
    }
    acc = acc * weight + (1 - weight) * ys[i];
    norm = norm * weight + (1 - weight);
    out[i] = norm > 0 ? acc / norm : ys[i];
  }
  return out;
}

}  // namespace strata::gui
