#include "training/niceticks.h"

#include <algorithm>
#include <cmath>

namespace strata::gui {

namespace {

// Fixed notation up to this many decimals / below this magnitude; beyond, "1.5e-06" reads better
// than "0.0000015" and "2.5e+07" better than "25000000".
constexpr int kMaxFixedDecimals = 5;
constexpr double kMaxFixedMagnitude = 1e7;

int decade(double v) { return static_cast<int>(std::floor(std::log10(v) + 1e-9)); }

// Ticks at whole multiples of `step` from `first` to `last` (multiplied, not accumulated, so a
// tick is exactly k × step and 0 is exactly 0).
std::vector<double> multiples(double first, double last, double step) {
  std::vector<double> out;
  const auto k0 = static_cast<long long>(std::llround(first / step));
  const auto k1 = static_cast<long long>(std::llround(last / step));
  for (long long k = k0; k <= k1; ++k) out.push_back(static_cast<double>(k) * step);
  return out;
}

}  // namespace

double NiceTicks::niceStep(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double mag = std::pow(10.0, decade(raw));
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

QString NiceTicks::labelFormat(double step, double maxAbs) {
  const int stepDecade = decade(step);
  if (stepDecade >= 0 && maxAbs < kMaxFixedMagnitude) return QStringLiteral("%.0f");
  if (stepDecade < 0 && -stepDecade <= kMaxFixedDecimals && maxAbs < kMaxFixedMagnitude)
    return QStringLiteral("%.%1f").arg(-stepDecade);
  // Scientific: the mantissa carries the digits from the largest value's decade down to the
  // step's, so neighbouring ticks never print the same.
  const int top = maxAbs > 0 ? decade(maxAbs) : stepDecade;
  return QStringLiteral("%.%1e").arg(std::max(0, top - stepDecade));
}

QString NiceTicks::formatLabel(const QString& format, double value) {
  if (value == 0) value = 0;  // -0 prints as "-0"
  QString s = QString::asprintf(format.toLatin1().constData(), value);
  // A value that rounds to zero prints as "-0.00", which reads as a different number.
  if (s.startsWith(QLatin1Char('-')) && QStringView(s).mid(1).toDouble() == 0) s.remove(0, 1);
  return s;
}

AxisTicks NiceTicks::linear(double lo, double hi, int maxTicks, Range range, bool integerSteps) {
  AxisTicks t;
  maxTicks = std::max(2, maxTicks);
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= std::max(std::abs(hi), std::abs(lo)) * 1e-12) {
    // One value: a small range around it (whole units for a counting axis).
    const double pad = integerSteps ? 1 : (lo != 0 ? std::abs(lo) * 0.1 : 1);
    lo -= range == Range::Widen || !integerSteps ? pad : 0;
    hi += pad;
  }
  // From a little below the spacing that gives maxTicks, up to the first that fits.
  double step = niceStep((hi - lo) / maxTicks);
  if (integerSteps) step = std::max(step, 1.0);
  for (;;) {
    const double first = range == Range::Widen ? std::floor(lo / step + 1e-9) * step
                                               : std::ceil(lo / step - 1e-9) * step;
    const double last = range == Range::Widen ? std::ceil(hi / step - 1e-9) * step
                                              : std::floor(hi / step + 1e-9) * step;
    t.values = multiples(first, last, step);
    if (static_cast<int>(t.values.size()) <= maxTicks) {
      // k × step may land an ulp inside the data: the range always holds the data.
      t.min = range == Range::Widen ? std::min(first, lo) : lo;
      t.max = range == Range::Widen ? std::max(last, hi) : hi;
      break;
    }
    step = niceStep(step * 1.5);  // the next of 1, 2, 5 × 10^k
  }
  t.step = step;
  t.format = labelFormat(step, std::max(std::abs(t.min), std::abs(t.max)));
  for (double v : t.values) t.labels << formatLabel(t.format, v);
  return t;
}

AxisTicks NiceTicks::logDecades(double lo, double hi) {
  AxisTicks t;
  if (!(lo > 0) || !std::isfinite(lo)) lo = 1e-3;
  if (!(hi > lo) || !std::isfinite(hi)) hi = lo * 10;
  const int d0 = decade(lo);
  int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (d1 <= d0) d1 = d0 + 1;
  t.min = std::pow(10.0, d0);
  t.max = std::pow(10.0, d1);
  t.format = QStringLiteral("%g");  // 0.001 … 10000, then 1e-05 / 1e+06: one short label each
  for (int d = d0; d <= d1; ++d) {
    t.values.push_back(std::pow(10.0, d));
    t.labels << formatLabel(t.format, t.values.back());
  }
  return t;
}

}  // namespace strata::gui
