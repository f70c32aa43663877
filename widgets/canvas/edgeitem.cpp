#include "canvas/edgeitem.h"

#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>

#include "canvas/canvastheme.h"
#include "canvas/edgelabelitem.h"

namespace strata::gui {

EdgeItem::EdgeItem(GraphEdge edge, const CanvasTheme* theme)
    : m_edge(std::move(edge)), m_theme(theme), m_labelItem(new EdgeLabelItem(theme)) {
  setZValue(0);
  setFlag(ItemIsSelectable);  // click an edge, then Delete
  setAcceptHoverEvents(true);
  setToolTip(QString::fromStdString(m_edge.from.toString() + " \u2192 " + m_edge.to.toString()));
}

EdgeItem::~EdgeItem() = default;

void EdgeItem::setTheme(const CanvasTheme* theme) {
  m_theme = theme;
  m_labelItem->setTheme(theme);
  update();
}

QVariant EdgeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
  if (change == ItemSceneHasChanged) {
    if (QGraphicsScene* old = m_labelItem->scene()) old->removeItem(m_labelItem.get());
    if (QGraphicsScene* now = scene()) now->addItem(m_labelItem.get());
  }
  return QGraphicsItem::itemChange(change, value);
}

void EdgeItem::setEndpoints(QPointF from, QPointF to) {
  if (from == m_from && to == m_to) return;
  m_from = from;
  m_to = to;
  rebuild();
}

void EdgeItem::setLabel(const QString& label, ValueKind kind) {
  if (label == m_label && kind == m_kind) return;  // most re-analyses change nothing here
  m_label = label;
  m_kind = kind;
  m_labelItem->setText(label);
  m_labelItem->setToolTip(toolTip());
  update();
}

void EdgeItem::rebuild() {
  prepareGeometryChange();
  // Horizontal tangents at both ends; backward edges get a wider swing so they stay readable.
  const qreal dx = m_to.x() - m_from.x();
  const qreal swing = dx >= 0 ? std::clamp(dx * 0.5, 30.0, 160.0)
                              : std::clamp(-dx * 0.6 + 60, 80.0, 240.0);
  const QPointF c1 = m_from + QPointF(swing, 0), c2 = m_to - QPointF(swing, 0);
  m_path = QPainterPath(m_from);
  m_path.cubicTo(c1, c2, m_to);
  // Piece i spans t in [i/n, (i+1)/n]: its end points are on the curve and its control points
  // follow from the curve's derivative there (each third of the piece's tangent).
  auto at = [&](qreal t) {
    const qreal u = 1 - t;
    return u * u * u * m_from + 3 * u * u * t * c1 + 3 * u * t * t * c2 + t * t * t * m_to;
  };
  auto tangent = [&](qreal t) {
    const qreal u = 1 - t;
    return 3 * u * u * (c1 - m_from) + 6 * u * t * (c2 - c1) + 3 * t * t * (m_to - c2);
  };
  const qreal dt = 1.0 / kPieces;
  for (int i = 0; i < kPieces; ++i) {
    const qreal t0 = i * dt, t1 = t0 + dt;
    m_pieces[i] = {at(t0), at(t0) + tangent(t0) * (dt / 3), at(t1) - tangent(t1) * (dt / 3),
                   at(t1)};
  }
  m_labelItem->setPos(m_path.pointAtPercent(0.5));
}

QRectF EdgeItem::boundingRect() const {
  return m_path.controlPointRect().adjusted(-4, -4, 4, 4);
}

QPainterPath EdgeItem::shape() const {
  QPainterPathStroker stroker;
  stroker.setWidth(8);
  return stroker.createStroke(m_path);
}

QPainterPath EdgeItem::visiblePart(const QRectF& visible) const {
  auto reaches = [&](const std::array<QPointF, 4>& p) {
    const auto [minX, maxX] = std::minmax({p[0].x(), p[1].x(), p[2].x(), p[3].x()});
    const auto [minY, maxY] = std::minmax({p[0].y(), p[1].y(), p[2].y(), p[3].y()});
    return maxX >= visible.left() && minX <= visible.right() && maxY >= visible.top() &&
           minY <= visible.bottom();
  };
  int first = 0, last = kPieces - 1;
  while (first < kPieces && !reaches(m_pieces[first])) ++first;
  while (last > first && !reaches(m_pieces[last])) --last;
  QPainterPath path;
  if (first == kPieces) return path;
  path.moveTo(m_pieces[first][0]);
  for (int i = first; i <= last; ++i) path.cubicTo(m_pieces[i][1], m_pieces[i][2], m_pieces[i][3]);
  return path;
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
                     QWidget* widget) {
  const CanvasTheme& t = *m_theme;
  // The edge takes a muted version of its value kind's colour, so int64 token streams and float
  // activations are told apart at a glance without shouting.
  QColor color = m_kind == ValueKind::Any ? t.edge : t.kindColor(m_kind);
  painter->setBrush(Qt::NoBrush);
  const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
  if (isSelected() || lod >= kWideZoom) {
    if (m_kind != ValueKind::Any) color.setAlphaF(t.isDark ? 0.8f : 0.7f);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(color, isSelected() ? 2.8 : 2.0, Qt::SolidLine, Qt::RoundCap));
    // Zoomed in, most of a long wire is off screen, and the stroker would still walk all of it.
    if (widget && painter->worldTransform().isInvertible()) {
      const QRectF visible =
          painter->worldTransform().inverted().mapRect(QRectF(widget->rect())).adjusted(-4, -4,
                                                                                        4, 4);
      painter->drawPath(visiblePart(visible));
    } else {
      painter->drawPath(m_path);
    }
    return;
  }
  // A wire crosses hundreds of pixels and a 500-node graph has a hundred or more on screen. A
  // wide pen goes through the stroker and the polygon rasterizer (and Qt's threaded span fills),
  // about 10 ms a frame for them all at 100 %; a cosmetic one-pixel line takes the raster
  // engine's direct line path. So below kWideZoom a wire is one device pixel, a little more
  // opaque to keep its weight, anti-aliased where the graph is readable and plain in the
  // overview.
  if (m_kind != ValueKind::Any) color.setAlphaF(t.isDark ? 0.9f : 0.85f);
  painter->setRenderHint(QPainter::Antialiasing, lod >= m_theme->detailZoom);
  QPen pen(color, 1);
  pen.setCosmetic(true);
  painter->setPen(pen);
  painter->drawPath(m_path);
}

}  // namespace strata::gui
