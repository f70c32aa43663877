#include "canvas/canvashintitem.h"

#include <QFontMetricsF>
#include <QPainter>

#include "canvas/canvastheme.h"

namespace strata::gui {

namespace {

constexpr qreal kPad = 8;

}  // namespace

CanvasHintItem::CanvasHintItem(const CanvasTheme* theme) : m_theme(theme) {
  setZValue(10);
  setFlag(ItemIgnoresTransformations);
  setAcceptedMouseButtons(Qt::NoButton);
  setVisible(false);
  m_timer.setSingleShot(true);
  m_timer.setInterval(kShowMs);
  QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] { setVisible(false); });
}

void CanvasHintItem::setTheme(const CanvasTheme* theme) {
  m_theme = theme;
  update();
}

void CanvasHintItem::showAt(QPointF scenePos, const QString& text) {
  prepareGeometryChange();
  m_text = text;
  const QFontMetricsF metrics(CanvasTheme::bodyFont());
  const QRectF box = metrics.boundingRect(QRectF(0, 0, kMaxWidth, 1000), Qt::TextWordWrap, text);
  m_rect = QRectF(14, 14, box.width() + 2 * kPad, box.height() + 2 * kPad - 2);
  setPos(scenePos);
  setVisible(true);
  update();
  m_timer.start();
}

QRectF CanvasHintItem::boundingRect() const { return m_rect.adjusted(-2, -2, 2, 2); }

void CanvasHintItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  const CanvasTheme& t = *m_theme;
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setPen(QPen(t.error, 1));
  painter->setBrush(t.errorFill);
  painter->drawRoundedRect(m_rect, 6, 6);
  painter->setFont(CanvasTheme::bodyFont());
  painter->setPen(t.error.darker(t.isDark ? 80 : 120));
  painter->drawText(m_rect.adjusted(kPad, kPad - 1, -kPad, -kPad + 1),
                    Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, m_text);
}

}  // namespace strata::gui
