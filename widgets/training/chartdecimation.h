// Decimation for long metric curves: all data is kept, the chart draws at most two points (the
// minimum and the maximum, in their order) per pixel-wide bucket, so spikes survive and 100 000
// steps cost as much to draw as a few thousand.
#pragma once

#include <QList>
#include <QPointF>

#include <vector>

namespace strata::gui {

// xs ascending, same length as ys; non-finite ys are skipped. With buckets <= 0 or fewer points
// than 2 * buckets, every finite point comes back.
QList<QPointF> decimateMinMax(const std::vector<double>& xs, const std::vector<double>& ys,
                              int buckets);

// Exponential moving average as TensorBoard draws it (debiased), weight in [0, 1): 0 is off.
std::vector<double> smoothEma(const std::vector<double>& ys, double weight);

}  // namespace strata::gui
