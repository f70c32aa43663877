#include "canvas/errorbadgeitem.h"

#include <QPainter>

#include "canvas/canvastheme.h"

namespace strata::gui {

ErrorBadgeItem::ErrorBadgeItem(const CanvasTheme* theme, QGraphicsItem* parent)
    : QGraphicsItem(parent), m_theme(theme) {
  setZValue(1);
  setVisible(false);
  setAcceptHoverEvents(true);  // the tooltip needs hover events
}

void ErrorBadgeItem::setTheme(const CanvasTheme* theme) {
  m_theme = theme;
  update();
}

void ErrorBadgeItem::setMessage(const QString& message) {
  setToolTip(message);
  setVisible(!message.isEmpty());
}

QRectF ErrorBadgeItem::boundingRect() const {
  const qreal r = kRadius + 2;
  return {-r, -r, 2 * r, 2 * r};
}

void ErrorBadgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setPen(QPen(m_theme->cardFill, 2));
  painter->setBrush(m_theme->error);
  painter->drawEllipse(QPointF(0, 0), kRadius, kRadius);
  painter->setPen(QPen(Qt::white, 2.2, Qt::SolidLine, Qt::RoundCap));
  painter->drawLine(QPointF(0, -4.5), QPointF(0, 1.2));
  painter->drawPoint(QPointF(0, 4.6));
}

}  // namespace strata::gui
