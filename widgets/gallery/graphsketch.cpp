#include "gallery/graphsketch.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <map>
#include <queue>

#include "canvas/canvastheme.h"
#include "nn/layer_spec.h"

namespace strata::gui {

namespace {

constexpr qreal kMargin = 8;     // around the whole sketch
constexpr qreal kGapX = 14;      // between pills in a row: room for the arrow
constexpr qreal kGapY = 8;       // between rows: room for the turn
constexpr qreal kPadX = 7;       // text to pill border
constexpr qreal kStripe = 4;     // the category colour on a pill's left
// The longest label in characters before it is elided; a long type name is still readable in
// full up to about this length at 11 px in a 280 px card.
constexpr int kMaxLabelChars = 19;

QFont labelFont(int pixels) {
  QFont f = CanvasTheme::titleFont();
  f.setPixelSize(pixels);
  return f;
}

QString shortLabel(const std::string& type) {
  QString label = QString::fromStdString(type);
  // "TransformerEncoderLayer": the suffix adds length, not meaning, on a card.
  if (label.size() > 14 && label.endsWith(QLatin1String("Layer"))) label.chop(5);
  return label;
}

// Where a straight segment from `from` (inside `box` or not) towards the centre of `box` enters it.
QPointF entryPoint(const QPointF& from, const QRectF& box) {
  const QPointF c = box.center();
  const QPointF d = c - from;
  qreal t = 1.0;
  if (d.x() != 0) {
    const qreal edge = d.x() > 0 ? box.left() : box.right();
    const qreal tx = (edge - from.x()) / d.x();
    if (tx >= 0 && tx <= 1) {
      const qreal y = from.y() + tx * d.y();
      if (y >= box.top() - 0.5 && y <= box.bottom() + 0.5) t = std::min(t, tx);
    }
  }
  if (d.y() != 0) {
    const qreal edge = d.y() > 0 ? box.top() : box.bottom();
    const qreal ty = (edge - from.y()) / d.y();
    if (ty >= 0 && ty <= 1) {
      const qreal x = from.x() + ty * d.x();
      if (x >= box.left() - 0.5 && x <= box.right() + 0.5) t = std::min(t, ty);
    }
  }
  return from + t * d;
}

void drawArrowHead(QPainter* painter, const QPointF& tip, const QPointF& from) {
  QPointF d = tip - from;
  const qreal len = std::hypot(d.x(), d.y());
  if (len < 1e-6) return;
  d /= len;
  const QPointF n(-d.y(), d.x());
  const QPointF base = tip - 5.0 * d;
  QPolygonF head;
  head << tip << base + 3.0 * n << base - 3.0 * n;
  painter->drawPolygon(head);
}

}  // namespace

GraphSketch GraphSketch::fromFile(const QString& path) {
  auto doc = GraphDocument::load(path.toStdString());
  if (!doc) return {};
  return fromDocument(*doc);
}

GraphSketch GraphSketch::fromDocument(const GraphDocument& doc) {
  // Data-flow order: a topological order whose ties go to the node further left (then higher)
  // on the canvas, so the sketch reads in the order the author laid the graph out. Nodes on a
  // cycle (an invalid graph) follow in canvas order.
  const size_t n = doc.nodes.size();
  std::map<std::string, int> index;
  for (size_t i = 0; i < n; ++i) index.emplace(doc.nodes[i].id, int(i));
  std::vector<std::vector<int>> out(n);
  std::vector<int> indegree(n, 0);
  std::vector<std::pair<int, int>> edges;
  for (const GraphEdge& e : doc.edges) {
    auto a = index.find(e.from.node), b = index.find(e.to.node);
    if (a == index.end() || b == index.end() || a->second == b->second) continue;
    if (std::find(edges.begin(), edges.end(), std::pair{a->second, b->second}) != edges.end())
      continue;  // two edges between the same nodes are one line in the sketch
    edges.emplace_back(a->second, b->second);
    out[a->second].push_back(b->second);
    ++indegree[b->second];
  }
  auto later = [&](int a, int b) {  // priority: smaller x, then smaller y, comes first
    const GraphNode &na = doc.nodes[a], &nb = doc.nodes[b];
    if (na.x != nb.x) return na.x > nb.x;
    if (na.y != nb.y) return na.y > nb.y;
    return a > b;
  };
  std::priority_queue<int, std::vector<int>, decltype(later)> ready(later);
  for (size_t i = 0; i < n; ++i)
    if (indegree[i] == 0) ready.push(int(i));
  std::vector<int> order;
  std::vector<bool> placed(n, false);
  while (!ready.empty()) {
    const int v = ready.top();
    ready.pop();
    order.push_back(v);
    placed[v] = true;
    for (int w : out[v])
      if (--indegree[w] == 0) ready.push(w);
  }
  std::vector<int> rest;
  for (size_t i = 0; i < n; ++i)
    if (!placed[i]) rest.push_back(int(i));
  std::sort(rest.begin(), rest.end(), [&](int a, int b) { return later(b, a); });
  order.insert(order.end(), rest.begin(), rest.end());

  GraphSketch sketch;
  std::vector<int> position(n);
  for (size_t k = 0; k < order.size(); ++k) {
    const GraphNode& node = doc.nodes[order[k]];
    const LayerSpec* spec = LayerRegistry::instance().find(node.type);
    sketch.m_nodes.push_back({shortLabel(node.type), spec ? spec->category : std::string()});
    position[order[k]] = int(k);
  }
  for (auto [a, b] : edges) sketch.m_edges.emplace_back(position[a], position[b]);
  return sketch;
}

GraphSketch::Layout GraphSketch::layout(const QRectF& area) const {
  const QRectF inner = area.adjusted(kMargin, kMargin, -kMargin, -kMargin);
  Layout best;
  for (int pixels = kLabelPixels; pixels >= kMinLabelPixels; --pixels) {
    const QFontMetricsF metrics(labelFont(pixels));
    const qreal height = pixels + 8;
    auto pillWidth = [&](const QString& label) {
      const QString text = label.size() > kMaxLabelChars
                               ? metrics.elidedText(label, Qt::ElideRight,
                                                    metrics.averageCharWidth() * kMaxLabelChars)
                               : label;
      return std::min(inner.width(), metrics.horizontalAdvance(text) + 2 * kPadX + kStripe);
    };
    const int maxRows = std::max(1, int((inner.height() + kGapY) / (height + kGapY)));

    // Greedy rows; the last allowed row keeps room for a "+N" pill when nodes are left over.
    std::vector<std::vector<int>> rows(1);
    std::vector<qreal> widths(1, 0);
    int shown = 0;
    const qreal moreWidth = metrics.horizontalAdvance(QStringLiteral("+99")) + 2 * kPadX;
    for (int i = 0; i < int(m_nodes.size()); ++i) {
      const qreal w = pillWidth(m_nodes[i].label);
      const qreal needed = (rows.back().empty() ? 0 : widths.back() + kGapX) + w;
      if (needed > inner.width() && !rows.back().empty()) {
        if (int(rows.size()) == maxRows) break;
        rows.emplace_back();
        widths.push_back(0);
      }
      widths.back() += (rows.back().empty() ? 0 : kGapX) + w;
      rows.back().push_back(i);
      ++shown;
    }
    const bool complete = shown == int(m_nodes.size());
    if (!complete) {
      // Make room for the "+N" pill at the end of the last row.
      while (!rows.back().empty() && widths.back() + kGapX + moreWidth > inner.width()) {
        widths.back() -= pillWidth(m_nodes[rows.back().back()].label) +
                         (rows.back().size() > 1 ? kGapX : 0);
        rows.back().pop_back();
        --shown;
      }
    }
    if (!complete && pixels > kMinLabelPixels) continue;  // try a smaller font first

    Layout result;
    result.labelPixels = pixels;
    result.shown = shown;
    qreal blockWidth = 0;
    for (size_t r = 0; r < rows.size(); ++r) {
      const qreal w = widths[r] + (!complete && r + 1 == rows.size()
                                       ? (rows[r].empty() ? 0 : kGapX) + moreWidth
                                       : 0);
      blockWidth = std::max(blockWidth, w);
    }
    const qreal blockHeight = rows.size() * height + (rows.size() - 1) * kGapY;
    const qreal left = inner.center().x() - blockWidth / 2;
    qreal top = inner.center().y() - blockHeight / 2;
    // Even rows run left to right from the block's left edge, odd rows right to left from its
    // right edge: the flow turns at the side where the previous row ended.
    for (size_t r = 0; r < rows.size(); ++r) {
      const bool forward = r % 2 == 0;
      qreal x = forward ? left : left + blockWidth;
      for (int i : rows[r]) {
        const qreal w = pillWidth(m_nodes[i].label);
        const QRectF pill(forward ? x : x - w, top, w, height);
        result.pills << pill;
        x = forward ? x + w + kGapX : x - w - kGapX;
      }
      if (!complete && r + 1 == rows.size())
        result.more = QRectF(forward ? x : x - moreWidth, top, moreWidth, height);
      top += height + kGapY;
    }
    return result;
  }
  return best;
}

void GraphSketch::paint(QPainter* painter, const QRectF& area, const CanvasTheme& theme) const {
  if (m_nodes.empty()) return;
  const Layout lay = layout(area);
  painter->save();
  painter->setRenderHint(QPainter::Antialiasing);

  // Edges first, centre to centre: the pills drawn over them leave only the visible part. An edge
  // that skips over pills in its row arcs above them instead of running through.
  QColor edgeColor = theme.edge;
  for (auto [a, b] : m_edges) {
    if (a >= lay.shown || b >= lay.shown) continue;
    const QRectF& ra = lay.pills[a];
    const QRectF& rb = lay.pills[b];
    const bool sameRow = qFuzzyCompare(ra.top() + 1, rb.top() + 1);
    const bool neighbours = std::abs(a - b) == 1;
    painter->setBrush(Qt::NoBrush);
    if (sameRow && !neighbours) {
      QPainterPath arc(QPointF(ra.center().x(), ra.top()));
      const qreal lift = std::min<qreal>(kGapY + 4, ra.top() - area.top() - 1);
      arc.cubicTo(QPointF(ra.center().x(), ra.top() - lift), QPointF(rb.center().x(), rb.top() - lift),
                  QPointF(rb.center().x(), rb.top()));
      QColor skip = edgeColor;
      skip.setAlphaF(0.55f);
      painter->setPen(QPen(skip, 1.2));
      painter->drawPath(arc);
      continue;
    }
    painter->setPen(QPen(edgeColor, 1.4));
    if (sameRow) {
      const QPointF from = ra.center();
      const QPointF tip = entryPoint(from, rb);
      painter->drawLine(from, tip);
      painter->setBrush(edgeColor);
      drawArrowHead(painter, tip, from);
    } else {
      // Between rows: leave from the bottom, arrive at the top.
      const QPointF from(ra.center().x(), ra.bottom());
      const QPointF to(rb.center().x(), rb.top());
      QPainterPath turn(from);
      const qreal dy = (to.y() - from.y()) / 2;
      turn.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
      painter->drawPath(turn);
      painter->setBrush(edgeColor);
      drawArrowHead(painter, to, to - QPointF(0, 4));
    }
  }

  painter->setFont(labelFont(lay.labelPixels));
  const QFontMetricsF metrics(painter->font());
  for (int i = 0; i < lay.shown; ++i) {
    const QRectF pill = lay.pills[i];
    QPainterPath shape;
    shape.addRoundedRect(pill, 5, 5);
    painter->setPen(QPen(theme.cardBorder, 1));
    painter->setBrush(theme.cardFill);
    painter->drawPath(shape);
    painter->save();
    painter->setClipPath(shape);
    painter->fillRect(QRectF(pill.left(), pill.top(), kStripe, pill.height()),
                      theme.categoryColor(m_nodes[i].category));
    painter->restore();
    painter->setPen(theme.title);
    const QRectF text = pill.adjusted(kStripe + kPadX, 0, -kPadX + 1, 0);
    painter->drawText(text, Qt::AlignVCenter | Qt::AlignLeft,
                      metrics.elidedText(m_nodes[i].label, Qt::ElideRight, text.width()));
  }
  if (!lay.more.isEmpty()) {
    painter->setPen(QPen(theme.cardBorder, 1, Qt::DashLine));
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(lay.more, 5, 5);
    painter->setPen(theme.muted);
    painter->drawText(lay.more, Qt::AlignCenter,
                      QStringLiteral("+%1").arg(int(m_nodes.size()) - lay.shown));
  }
  painter->restore();
}

}  // namespace strata::gui
