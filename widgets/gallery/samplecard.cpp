#include "gallery/samplecard.h"

#include <QFileInfo>
#include <QPainter>
#include <QPainterPath>
#include <QTextLayout>

#include "canvas/canvastheme.h"

namespace strata::gui {

namespace {

constexpr int kPad = 16;

// Draws `text` wrapped into `rect`, at most `maxLines` lines, the last one elided.
void drawWrapped(QPainter* painter, const QRectF& rect, const QString& text, int maxLines) {
  const QFontMetricsF metrics(painter->font());
  QTextLayout layout(text, painter->font());
  layout.beginLayout();
  qreal y = rect.top();
  int lines = 0;
  for (;;) {
    QTextLine line = layout.createLine();
    if (!line.isValid()) break;
    line.setLineWidth(rect.width());
    ++lines;
    if (lines == maxLines || y + 2 * metrics.lineSpacing() > rect.bottom()) {
      const QString rest = text.mid(line.textStart());
      painter->drawText(QPointF(rect.left(), y + metrics.ascent()),
                        metrics.elidedText(rest, Qt::ElideRight, rect.width()));
      break;
    }
    painter->drawText(QPointF(rect.left(), y + metrics.ascent()),
                      text.mid(line.textStart(), line.textLength()));
    y += metrics.lineSpacing();
  }
  layout.endLayout();
}

}  // namespace

SampleCard::SampleCard(SampleInfo info, QWidget* parent)
    : QAbstractButton(parent), m_info(std::move(info)) {
  setCursor(Qt::PointingHandCursor);
  setToolTip(m_info.path);
  setAccessibleName(m_info.name);
  setFocusPolicy(Qt::StrongFocus);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

QSize SampleCard::sizeHint() const {
  return {300, m_sketch.isEmpty() ? 150 : 150 + kThumbnailHeight};
}

void SampleCard::setSketch(GraphSketch sketch) {
  m_sketch = std::move(sketch);
  updateGeometry();
  update();
}

QRectF SampleCard::thumbnailRect() const {
  const QRectF card = QRectF(rect()).adjusted(3, 2, -3, -5);
  return {card.left() + 1, card.top() + 1, card.width() - 2, qreal(kThumbnailHeight)};
}

QPixmap SampleCard::thumbnail() const {
  if (m_sketch.isEmpty()) return {};
  const QRectF pic = thumbnailRect();
  QPixmap pixmap(pic.size().toSize());
  const CanvasTheme t = CanvasTheme::light();
  pixmap.fill(t.background);
  QPainter painter(&pixmap);
  m_sketch.paint(&painter, QRectF(QPointF(0, 0), pic.size()), t);
  return pixmap;
}

void SampleCard::enterEvent(QEnterEvent* event) {
  m_hovered = true;
  update();
  QAbstractButton::enterEvent(event);
}

void SampleCard::leaveEvent(QEvent* event) {
  m_hovered = false;
  update();
  QAbstractButton::leaveEvent(event);
}

void SampleCard::paintEvent(QPaintEvent*) {
  const CanvasTheme t = CanvasTheme::light();
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  QRectF card = QRectF(rect()).adjusted(3, 2, -3, -5);

  painter.setPen(Qt::NoPen);
  for (int i = 1; i <= 3; ++i) {
    QColor c = t.shadow;
    c.setAlphaF(m_hovered ? 0.05f : 0.03f);
    painter.setBrush(c);
    painter.drawRoundedRect(card.adjusted(-i * 0.7, i * 0.6, i * 0.7, i * 1.2), 10 + i, 10 + i);
  }
  const bool active = m_hovered || hasFocus() || isDown();
  painter.setPen(QPen(active ? t.cardSelected : t.cardBorder, active ? 1.5 : 1));
  painter.setBrush(isDown() ? t.headerTint(t.cardSelected) : t.cardFill);
  painter.drawRoundedRect(card, 10, 10);

  if (!m_sketch.isEmpty()) {
    const QRectF pic = thumbnailRect();
    QPainterPath clip;
    clip.addRoundedRect(pic.adjusted(0, 0, 0, 12), 9, 9);
    painter.save();
    painter.setClipPath(clip.intersected([&] {
      QPainterPath r;
      r.addRect(pic);
      return r;
    }()));
    painter.fillRect(pic, t.background);
    m_sketch.paint(&painter, pic, t);
    painter.restore();
    painter.setPen(QPen(t.divider, 1));
    painter.drawLine(QPointF(pic.left(), pic.bottom()), QPointF(pic.right(), pic.bottom()));
    card.setTop(pic.bottom());
  }

  // A strip of category-coloured dots, one per layer type, as a glimpse of the graph.
  const LayerRegistry& registry = LayerRegistry::instance();
  qreal x = card.left() + kPad;
  const qreal dotsY = card.top() + kPad + 5;
  for (const QString& type : m_info.layerTypes.mid(0, 12)) {
    const LayerSpec* spec = registry.find(type.toStdString());
    painter.setPen(Qt::NoPen);
    painter.setBrush(t.categoryColor(spec ? spec->category : std::string()));
    painter.drawRoundedRect(QRectF(x, dotsY - 4, 14, 8), 4, 4);
    x += 18;
  }

  QFont title = CanvasTheme::titleFont();
  title.setPixelSize(15);
  painter.setFont(title);
  painter.setPen(t.title);
  const QRectF titleRect(card.left() + kPad, card.top() + kPad + 16, card.width() - 2 * kPad, 22);
  const QString name =
      QFontMetricsF(title).elidedText(m_info.name, Qt::ElideRight, titleRect.width());
  painter.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, name);

  QFont body = CanvasTheme::bodyFont();
  body.setPixelSize(12);
  painter.setFont(body);
  painter.setPen(m_info.readable ? t.text : t.error);
  const QRectF descRect(titleRect.left(), titleRect.bottom() + 4, titleRect.width(),
                        card.bottom() - kPad - 20 - titleRect.bottom() - 4);
  drawWrapped(&painter, descRect, m_info.description, 3);

  QFont small = CanvasTheme::smallFont();
  small.setPixelSize(11);
  painter.setFont(small);
  painter.setPen(t.muted);
  const QString nodes =
      m_info.nodeCount == 1 ? tr("1 node") : tr("%1 nodes").arg(m_info.nodeCount);
  const QString footer = nodes + QStringLiteral("  \u00b7  ") + QFileInfo(m_info.path).fileName();
  painter.drawText(QRectF(titleRect.left(), card.bottom() - kPad - 14, titleRect.width(), 16),
                   Qt::AlignLeft | Qt::AlignVCenter, footer);
}

}  // namespace strata::gui
