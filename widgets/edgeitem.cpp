#include "edgeitem.h"

#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPathStroker>

#include <algorithm>
#include <cmath>

#include "canvastheme.h"
#include "edgelabelitem.h"

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
  m_path = QPainterPath(m_from);
  m_path.cubicTo(m_from + QPointF(swing, 0), m_to - QPointF(swing, 0), m_to);
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

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  const CanvasTheme& t = *m_theme;
  painter->setRenderHint(QPainter::Antialiasing);
  // The edge takes a muted version of its value kind's colour, so int64 token streams and float
  // activations are told apart at a glance without shouting.
  QColor color = m_kind == ValueKind::Any ? t.edge : t.kindColor(m_kind);
  if (m_kind != ValueKind::Any) color.setAlphaF(t.isDark ? 0.8f : 0.7f);
  painter->setPen(QPen(color, isSelected() ? 2.8 : 2.0, Qt::SolidLine, Qt::RoundCap));
  painter->setBrush(Qt::NoBrush);
  painter->drawPath(m_path);
}

}  // namespace strata::gui
