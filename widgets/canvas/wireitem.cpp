#include "canvas/wireitem.h"

#include <QPainter>

#include <algorithm>

#include "canvas/canvastheme.h"

namespace strata::gui {

WireItem::WireItem(const CanvasTheme* theme, QPointF anchor, bool fromOutput)
    : m_theme(theme), m_anchor(anchor), m_end(anchor), m_fromOutput(fromOutput) {
  setZValue(5);  // above the cards, so the wire stays visible over them
  rebuild();
}

void WireItem::setEnd(QPointF end) {
  if (end == m_end) return;
  m_end = end;
  rebuild();
}

void WireItem::setState(State state) {
  if (state == m_state) return;
  m_state = state;
  update();
}

void WireItem::rebuild() {
  prepareGeometryChange();
  const QPointF from = m_fromOutput ? m_anchor : m_end;
  const QPointF to = m_fromOutput ? m_end : m_anchor;
  const qreal dx = to.x() - from.x();
  const qreal swing = dx >= 0 ? std::clamp(dx * 0.5, 30.0, 160.0)
                              : std::clamp(-dx * 0.6 + 60, 80.0, 240.0);
  m_path = QPainterPath(from);
  m_path.cubicTo(from + QPointF(swing, 0), to - QPointF(swing, 0), to);
}

QRectF WireItem::boundingRect() const {
  return m_path.controlPointRect().adjusted(-8, -8, 8, 8);
}

void WireItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  const CanvasTheme& t = *m_theme;
  painter->setRenderHint(QPainter::Antialiasing);
  QColor color = t.cardSelected;
  if (m_state == State::Valid) color = QColor(0x12, 0xb7, 0x6a);
  if (m_state == State::Invalid) color = t.error;
  QPen pen(color, 2.2, m_state == State::Open ? Qt::DashLine : Qt::SolidLine, Qt::RoundCap);
  painter->setPen(pen);
  painter->setBrush(Qt::NoBrush);
  painter->drawPath(m_path);
  painter->setPen(Qt::NoPen);
  painter->setBrush(color);
  painter->drawEllipse(m_anchor, 4, 4);
  painter->drawEllipse(m_end, 3.5, 3.5);
}

}  // namespace strata::gui
