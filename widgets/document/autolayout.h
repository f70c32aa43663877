// Layered left-to-right layout of a graph or of a subset of its nodes: longest-path layering
// (each node one column right of its furthest predecessor), then a few barycentre sweeps that
// order each column by the mean row of its neighbours to reduce crossings. Plain geometry on the
// document: no scene, no items.
#pragma once

#include <QPointF>
#include <QSizeF>

#include <map>
#include <string>
#include <vector>

#include "graph/document.h"

namespace strata::gui {

class AutoLayout final {
 public:
  static constexpr qreal kColumnGap = 90;
  static constexpr qreal kRowGap = 44;
  static constexpr int kSweeps = 8;

  // New top-left positions for `ids` (every node when empty). `sizes` gives card sizes (a
  // default card when missing). The result keeps the laid-out nodes' bounding box's top-left
  // corner where it was.
  static std::map<std::string, QPointF> compute(const GraphDocument& doc,
                                                const std::vector<std::string>& ids,
                                                const std::map<std::string, QSizeF>& sizes);
  // Columns by longest path from the sources among `ids`; edges leaving the set are ignored.
  static std::map<std::string, int> layers(const GraphDocument& doc,
                                           const std::vector<std::string>& ids);
  // How many pairs of edges between adjacent columns cross, for the given rows (tests, tuning).
  static int crossings(const GraphDocument& doc, const std::map<std::string, int>& layer,
                       const std::map<std::string, double>& row);
};

}  // namespace strata::gui
