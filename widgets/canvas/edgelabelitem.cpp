#include "canvas/edgelabelitem.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include "canvas/canvastheme.h"

namespace strata::gui {

EdgeLabelItem::EdgeLabelItem(const CanvasTheme* theme) : m_theme(theme) {
  setZValue(3);  // above cards (1) and wires (0)
  setAcceptHoverEvents(true);
  setVisible(false);
}

void EdgeLabelItem::setTheme(const CanvasTheme* theme) {
  m_theme = theme;
  update();
}

void EdgeLabelItem::setText(const QString& text) {
  if (text == m_text) return;
  prepareGeometryChange();
  m_text = text;
  const QFontMetricsF metrics(CanvasTheme::monoFont());
  const QSizeF size(metrics.horizontalAdvance(m_text) + 12, metrics.height() + 5);
  m_rect = QRectF(QPointF(-size.width() / 2, -size.height() / 2), size);
  setVisible(!m_text.isEmpty());
}

QRectF EdgeLabelItem::boundingRect() const { return m_rect.adjusted(-1, -1, 1, 1); }

void EdgeLabelItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  // Unreadable when zoomed far out, and hundreds of them would cost most of a frame.
  if (option->levelOfDetailFromTransform(painter->worldTransform()) < m_theme->detailZoom)
    return;
  const CanvasTheme& t = *m_theme;
  painter->setRenderHint(QPainter::Antialiasing);
  const qreal r = m_rect.height() / 2;
  painter->setPen(QPen(t.labelBorder, 1));
  painter->setBrush(t.labelFill);
  painter->drawRoundedRect(m_rect.adjusted(0.5, 0.5, -0.5, -0.5), r, r);
  painter->setFont(CanvasTheme::monoFont());
  painter->setPen(t.labelText);
  painter->drawText(m_rect, Qt::AlignCenter, m_text);
}

}  // namespace strata::gui
