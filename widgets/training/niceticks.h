// Axis ticks a person can read: 1-2-5 steps, labels with only the digits the step needs (all
// different), whole steps where the axis counts things, whole decades on a log axis. Pure
// functions of the data range, no widgets: the charts apply the result to their Qt Charts axes.
#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace strata::gui {

struct AxisTicks {
  double min = 0;              // the range to show: the data's, or widened to whole steps
  double max = 1;
  double step = 0;             // between ticks; 0 on a log axis (the ticks are decades)
  std::vector<double> values;  // ascending, inside [min, max]
  QStringList labels;          // one per value, all different
  QString format;              // the labels as a printf format, as Qt Charts axes take it
};

class NiceTicks final {
 public:
  // Widen: the range grows to the enclosing ticks (value axes, so the curve never touches the
  // frame). Keep: the range stays the data's and ticks fall inside it (the step axis).
  enum class Range { Widen, Keep };

  // At most `maxTicks` ticks (>= 2) spaced 1, 2 or 5 × 10^k; `integerSteps` keeps the spacing a
  // whole number (steps, epochs, samples).
  static AxisTicks linear(double lo, double hi, int maxTicks = 6, Range range = Range::Widen,
                          bool integerSteps = false);
  // Whole decades covering [lo, hi] (lo > 0), at least two of them.
  static AxisTicks logDecades(double lo, double hi);

  // The smallest 1, 2 or 5 × 10^k that is >= raw (raw > 0).
  static double niceStep(double raw);
  // The printf format that shows multiples of `step` up to |maxAbs| with no more digits than
  // the step needs: "%.0f", "%.3f", or "%.2e" when fixed notation would be unreadable.
  static QString labelFormat(double step, double maxAbs);
  static QString formatLabel(const QString& format, double value);
};

}  // namespace strata::gui
