#include "document/autolayout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace strata::gui {

namespace {

constexpr QSizeF kDefaultSize(160, 110);

}  // namespace

std::map<std::string, int> AutoLayout::layers(const GraphDocument& doc,
                                              const std::vector<std::string>& ids) {
  std::set<std::string> inSet(ids.begin(), ids.end());
  if (ids.empty())
    for (const GraphNode& n : doc.nodes) inSet.insert(n.id);
  std::map<std::string, int> layer;
  std::map<std::string, int> indegree;
  std::map<std::string, std::vector<std::string>> succ;
  for (const GraphNode& n : doc.nodes)
    if (inSet.count(n.id)) layer[n.id] = 0, indegree[n.id] = 0;
  for (const GraphEdge& e : doc.edges) {
    if (!inSet.count(e.from.node) || !inSet.count(e.to.node) || e.from.node == e.to.node)
      continue;
    succ[e.from.node].push_back(e.to.node);
    ++indegree[e.to.node];
  }
  // Kahn's order in document order; nodes left on a cycle keep the layer reached so far.
  std::vector<std::string> ready;
  for (const GraphNode& n : doc.nodes)
    if (inSet.count(n.id) && indegree[n.id] == 0) ready.push_back(n.id);
  for (size_t i = 0; i < ready.size(); ++i) {
    for (const std::string& next : succ[ready[i]]) {
      layer[next] = std::max(layer[next], layer[ready[i]] + 1);
      if (--indegree[next] == 0) ready.push_back(next);
    }
  }
  return layer;
}

int AutoLayout::crossings(const GraphDocument& doc, const std::map<std::string, int>& layer,
                          const std::map<std::string, double>& row) {
  struct Seg {
    int column;
    double a, b;
  };
  std::vector<Seg> segs;
  for (const GraphEdge& e : doc.edges) {
    auto lf = layer.find(e.from.node), lt = layer.find(e.to.node);
    auto rf = row.find(e.from.node), rt = row.find(e.to.node);
    if (lf == layer.end() || lt == layer.end() || rf == row.end() || rt == row.end()) continue;
    if (lt->second != lf->second + 1) continue;
    segs.push_back({lf->second, rf->second, rt->second});
  }
  int count = 0;
  for (size_t i = 0; i < segs.size(); ++i)
    for (size_t j = i + 1; j < segs.size(); ++j)
      if (segs[i].column == segs[j].column &&
          (segs[i].a - segs[j].a) * (segs[i].b - segs[j].b) < 0)
        ++count;
  return count;
}

std::map<std::string, QPointF> AutoLayout::compute(const GraphDocument& doc,
                                                   const std::vector<std::string>& ids,
                                                   const std::map<std::string, QSizeF>& sizes) {
  const std::map<std::string, int> layer = layers(doc, ids);
  if (layer.empty()) return {};
  auto sizeOf = [&](const std::string& id) {
    auto it = sizes.find(id);
    return it == sizes.end() ? kDefaultSize : it->second;
  };

  // Columns, first ordered by the current vertical position (a stable, predictable start).
  int columnCount = 0;
  for (const auto& [id, l] : layer) columnCount = std::max(columnCount, l + 1);
  std::vector<std::vector<std::string>> columns(static_cast<size_t>(columnCount));
  QPointF topLeft(std::numeric_limits<qreal>::max(), std::numeric_limits<qreal>::max());
  std::map<std::string, double> y;
  for (const GraphNode& n : doc.nodes) {
    auto it = layer.find(n.id);
    if (it == layer.end()) continue;
    columns[size_t(it->second)].push_back(n.id);
    topLeft.setX(std::min(topLeft.x(), n.x));
    topLeft.setY(std::min(topLeft.y(), n.y));
    y[n.id] = n.y;
  }
  for (auto& column : columns)
    std::stable_sort(column.begin(), column.end(),
                     [&](const std::string& a, const std::string& b) { return y[a] < y[b]; });

  std::map<std::string, std::vector<std::string>> preds, succs;
  for (const GraphEdge& e : doc.edges) {
    if (!layer.count(e.from.node) || !layer.count(e.to.node)) continue;
    preds[e.to.node].push_back(e.from.node);
    succs[e.from.node].push_back(e.to.node);
  }
  std::map<std::string, double> row;
  auto number = [&] {
    for (const auto& column : columns)
      for (size_t i = 0; i < column.size(); ++i) row[column[i]] = double(i);
  };
  number();
  // Barycentre sweeps, left to right then right to left; keep the best ordering seen.
  auto best = columns;
  int bestCrossings = crossings(doc, layer, row);
  for (int sweep = 0; sweep < kSweeps && bestCrossings > 0; ++sweep) {
    const bool forward = sweep % 2 == 0;
    for (int c = forward ? 1 : columnCount - 2; forward ? c < columnCount : c >= 0;
         c += forward ? 1 : -1) {
      auto& column = columns[size_t(c)];
      std::map<std::string, double> key;
      for (const std::string& id : column) {
        const auto& nb = forward ? preds[id] : succs[id];
        double sum = 0;
        int count = 0;
        for (const std::string& other : nb) {
          sum += row[other];
          ++count;
        }
        key[id] = count ? sum / count : row[id];
      }
      std::stable_sort(
          column.begin(), column.end(),
          [&](const std::string& a, const std::string& b) { return key[a] < key[b]; });
      for (size_t i = 0; i < column.size(); ++i) row[column[i]] = double(i);
    }
    const int now = crossings(doc, layer, row);
    if (now < bestCrossings) {
      bestCrossings = now;
      best = columns;
    }
  }
  columns = best;

  // Geometry: columns as wide as their widest card, each column centred on the tallest one.
  std::vector<qreal> heights(columns.size(), 0);
  qreal tallest = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    for (const std::string& id : columns[c]) heights[c] += sizeOf(id).height() + kRowGap;
    if (!columns[c].empty()) heights[c] -= kRowGap;
    tallest = std::max(tallest, heights[c]);
  }
  std::map<std::string, QPointF> positions;
  qreal x = topLeft.x();
  for (size_t c = 0; c < columns.size(); ++c) {
    qreal width = 0;
    qreal yy = topLeft.y() + (tallest - heights[c]) / 2;
    for (const std::string& id : columns[c]) {
      const QSizeF s = sizeOf(id);
      positions[id] = QPointF(x, std::round(yy));
      yy += s.height() + kRowGap;
      width = std::max(width, s.width());
    }
    x += width + kColumnGap;
  }
  return positions;
}

}  // namespace strata::gui
