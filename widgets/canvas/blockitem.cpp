#include "canvas/blockitem.h"

#include <QFontMetricsF>
#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <algorithm>

#include "canvas/canvastheme.h"
#include "document/formatting.h"

namespace strata::gui {

namespace {

constexpr qreal kPad = 10;
constexpr qreal kRadius = 10;
constexpr qreal kDragThreshold = 3;

QString portLabel(const BlockContent::Port& p) {
  return QString::fromStdString(p.end.node + "." + p.end.port);
}

}  // namespace

BlockItem::BlockItem(std::string id, const CanvasTheme* theme)
    : m_id(std::move(id)), m_theme(theme) {
  m_content.id = m_id;
  setFlags(ItemIsSelectable);
  setAcceptHoverEvents(true);
}

void BlockItem::setContent(BlockContent content) {
  prepareGeometryChange();
  m_content = std::move(content);
  // Expanded frames sit behind the cards (z 1) and wires (z 0); a collapsed card is a card.
  setZValue(m_content.collapsed ? 1 : -1);
  relayout();
  setToolTip(m_content.error.isEmpty()
                 ? QStringLiteral("%1 (%2)").arg(titleText(), QString::fromStdString(m_id))
                 : m_content.error);
  update();
}

void BlockItem::setTheme(const CanvasTheme* theme) {
  m_theme = theme;
  update();
}

void BlockItem::setMembersRect(const QRectF& rect) {
  prepareGeometryChange();
  m_members = rect;
  relayout();
  update();
}

QString BlockItem::titleText() const {
  QString name = m_content.name.isEmpty() ? QString::fromStdString(m_id) : m_content.name;
  if (m_content.repeat > 1) name += QStringLiteral("  \u00d7%1").arg(m_content.repeat);
  return name;
}

QString BlockItem::subtitleText() const {
  return m_content.repeat > 1
             ? QObject::tr("Repeat \u00b7 %n layer(s) per copy", nullptr, m_content.members)
             : QObject::tr("Block \u00b7 %n layer(s)", nullptr, m_content.members);
}

void BlockItem::relayout() {
  if (m_content.collapsed) {
    setPos(m_members.topLeft());
    const QFontMetricsF body(CanvasTheme::bodyFont());
    qreal w = std::max(kCardWidth, QFontMetricsF(CanvasTheme::titleFont())
                                           .horizontalAdvance(titleText()) + 2 * kPad + 24);
    w = std::max(w, body.horizontalAdvance(subtitleText()) + 2 * kPad + 24);
    const size_t rows = std::max(m_content.inputs.size(), m_content.outputs.size());
    for (size_t i = 0; i < rows; ++i) {
      qreal need = 2 * kPad + 24;
      if (i < m_content.inputs.size())
        need += body.horizontalAdvance(portLabel(m_content.inputs[i]));
      if (i < m_content.outputs.size())
        need += body.horizontalAdvance(portLabel(m_content.outputs[i]));
      w = std::max(w, need);
    }
    m_size = QSizeF(w, kHeaderHeight + 6 + qreal(std::max<size_t>(rows, 1)) * kPortRow +
                           kFooterHeight);
  } else {
    const QRectF frame = m_members.adjusted(-kMargin, -kMargin - kTitleHeight, kMargin, kMargin);
    setPos(frame.topLeft());
    m_size = frame.size();
  }
}

QRectF BlockItem::cardRect() const { return QRectF(QPointF(0, 0), m_size); }

QRectF BlockItem::boundingRect() const {
  return cardRect().adjusted(-kPortRadius - 2, -2, kPortRadius + 2, 4);
}

QPainterPath BlockItem::shape() const {
  QPainterPath path;
  if (m_content.collapsed)
    path.addRoundedRect(cardRect(), kRadius, kRadius);
  else  // only the title tab takes clicks: the frame's inside stays the canvas
    path.addRect(QRectF(0, 0, m_size.width(), kTitleHeight));
  return path;
}

QRectF BlockItem::toggleRect() const {
  return QRectF(m_size.width() - 26, m_content.collapsed ? 8 : 4, 18, 18);
}

qreal BlockItem::portY(size_t index) const {
  return kHeaderHeight + 6 + kPortRow * (qreal(index) + 0.5);
}

std::optional<QPointF> BlockItem::portPos(const Endpoint& end, bool output) const {
  if (!m_content.collapsed) return std::nullopt;
  const auto& ports = output ? m_content.outputs : m_content.inputs;
  for (size_t i = 0; i < ports.size(); ++i)
    if (ports[i].end == end) return mapToScene(QPointF(output ? m_size.width() : 0, portY(i)));
  return std::nullopt;
}

std::optional<BlockContent::Port> BlockItem::portAt(QPointF scenePos, bool* output) const {
  if (!m_content.collapsed || !isVisible()) return std::nullopt;
  const QPointF p = mapFromScene(scenePos);
  for (bool out : {false, true}) {
    const auto& ports = out ? m_content.outputs : m_content.inputs;
    for (size_t i = 0; i < ports.size(); ++i) {
      const QPointF dot(out ? m_size.width() : 0, portY(i));
      if (QLineF(p, dot).length() <= kPortHitRadius) {
        if (output) *output = out;
        return ports[i];
      }
    }
  }
  return std::nullopt;
}

void BlockItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setRenderHint(QPainter::TextAntialiasing);
  if (m_content.collapsed)
    paintCollapsed(painter);
  else
    paintExpanded(painter);
}

void BlockItem::paintExpanded(QPainter* painter) const {
  const CanvasTheme& t = *m_theme;
  const QColor accent = t.categoryColor("Structure");
  QColor fill = accent;
  fill.setAlphaF(t.isDark ? 0.10f : 0.06f);
  QPen border(isSelected() ? t.cardSelected : accent, isSelected() ? 2 : 1.2, Qt::DashLine);
  if (!m_content.error.isEmpty()) border.setColor(t.error);
  painter->setPen(border);
  painter->setBrush(fill);
  painter->drawRoundedRect(cardRect().adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);

  // The title tab.
  QPainterPath tab;
  tab.addRoundedRect(QRectF(0, 0, m_size.width(), kTitleHeight), kRadius, kRadius);
  QColor tabFill = t.headerTint(accent);
  painter->fillPath(tab, tabFill);
  painter->setFont(CanvasTheme::titleFont());
  painter->setPen(m_content.error.isEmpty() ? t.title : t.error);
  const QRectF text(kPad, 0, m_size.width() - 2 * kPad - 26, kTitleHeight);
  QString detail = titleText();
  if (!m_content.error.isEmpty()) detail = QStringLiteral("\u26a0 ") + detail;
  const QFontMetricsF metrics(painter->font());
  painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter,
                    metrics.elidedText(detail, Qt::ElideRight, text.width()));
  // Chevron: pointing down = expanded.
  const QRectF r = toggleRect();
  painter->setPen(QPen(t.muted, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  painter->drawPolyline(QPolygonF({r.center() + QPointF(-4, -2), r.center() + QPointF(0, 2),
                                   r.center() + QPointF(4, -2)}));
}

void BlockItem::paintCollapsed(QPainter* painter) const {
  const CanvasTheme& t = *m_theme;
  const QColor accent = t.categoryColor("Structure");
  const QRectF card = cardRect();
  // A second card peeking out behind: this node stands for several.
  painter->setPen(QPen(t.cardBorder, 1));
  painter->setBrush(t.cardFill);
  painter->drawRoundedRect(card.translated(4, 4), kRadius, kRadius);
  if (m_content.repeat > 1) painter->drawRoundedRect(card.translated(8, 8), kRadius, kRadius);
  QPainterPath body;
  body.addRoundedRect(card, kRadius, kRadius);
  painter->fillPath(body, t.cardFill);
  painter->save();
  painter->setClipPath(body);
  painter->fillRect(QRectF(0, 0, m_size.width(), kHeaderHeight), t.headerTint(accent));
  painter->fillRect(QRectF(0, 0, m_size.width(), 3), accent);
  painter->restore();

  painter->setFont(CanvasTheme::titleFont());
  painter->setPen(t.title);
  const qreal textWidth = m_size.width() - 2 * kPad - 24;
  painter->drawText(QRectF(kPad, 7, textWidth, 18), Qt::AlignLeft | Qt::AlignVCenter,
                    QFontMetricsF(painter->font()).elidedText(titleText(), Qt::ElideRight,
                                                              textWidth));
  const QFont bodyFont = CanvasTheme::bodyFont();
  painter->setFont(bodyFont);
  painter->setPen(t.muted);
  painter->drawText(QRectF(kPad, 26, textWidth, 14), Qt::AlignLeft | Qt::AlignVCenter,
                    subtitleText());
  // Chevron: pointing right = collapsed.
  const QRectF r = toggleRect();
  painter->setPen(QPen(t.muted, 1.6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  painter->drawPolyline(QPolygonF({r.center() + QPointF(-2, -4), r.center() + QPointF(2, 0),
                                   r.center() + QPointF(-2, 4)}));

  // Ports with their member labels.
  const QFontMetricsF metrics(bodyFont);
  for (bool out : {false, true}) {
    const auto& ports = out ? m_content.outputs : m_content.inputs;
    for (size_t i = 0; i < ports.size(); ++i) {
      const qreal y = portY(i);
      painter->setPen(ports[i].carried ? t.title : t.text);
      const QRectF label = out ? QRectF(m_size.width() / 2, y - 8, m_size.width() / 2 - kPad, 16)
                               : QRectF(kPad, y - 8, m_size.width() / 2 - kPad, 16);
      painter->drawText(label, (out ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter,
                        metrics.elidedText(portLabel(ports[i]), Qt::ElideMiddle, label.width()));
    }
  }
  // Footer: every copy's parameters, or the problem.
  const QRectF footer(0, m_size.height() - kFooterHeight, m_size.width(), kFooterHeight);
  painter->setPen(QPen(t.divider, 1));
  painter->drawLine(footer.topLeft(), footer.topRight());
  painter->setFont(CanvasTheme::smallFont());
  painter->setPen(m_content.error.isEmpty() ? t.muted : t.error);
  const QString foot = m_content.error.isEmpty() ? formatParameters(m_content.parameterCount)
                                                 : m_content.error;
  painter->drawText(footer.adjusted(kPad, 0, -kPad, 0), Qt::AlignLeft | Qt::AlignVCenter,
                    QFontMetricsF(painter->font()).elidedText(foot, Qt::ElideRight,
                                                              footer.width() - 2 * kPad));

  QPen border(t.cardBorder, 1);
  if (!m_content.error.isEmpty()) border = QPen(t.error, 1.4);
  if (isSelected()) border = QPen(t.cardSelected, 2);
  painter->setPen(border);
  painter->setBrush(Qt::NoBrush);
  painter->drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);
  for (bool out : {false, true}) {
    const auto& ports = out ? m_content.outputs : m_content.inputs;
    for (size_t i = 0; i < ports.size(); ++i) {
      const QColor kind = t.kindColor(ports[i].kind);
      painter->setPen(QPen(t.portRing, 1.5));
      painter->setBrush(kind);
      painter->drawEllipse(QPointF(out ? m_size.width() : 0, portY(i)), kPortRadius, kPortRadius);
    }
  }
}

void BlockItem::mousePressEvent(QGraphicsSceneMouseEvent* event) {
  if (event->button() != Qt::LeftButton) {
    event->ignore();
    return;
  }
  if (toggleRect().contains(event->pos())) {
    if (m_handler) m_handler(this, Gesture::Toggle, {});
    event->accept();
    return;
  }
  QGraphicsItem::mousePressEvent(event);  // selection
  m_pressScenePos = event->scenePos();
  m_dragging = false;
  event->accept();
}

void BlockItem::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
  if (!m_pressScenePos) return;
  const QPointF delta = event->scenePos() - *m_pressScenePos;
  if (!m_dragging) {
    if (delta.manhattanLength() < kDragThreshold) return;
    m_dragging = true;
    if (m_handler) m_handler(this, Gesture::DragStart, {});
  }
  if (m_handler) m_handler(this, Gesture::Drag, delta);
}

void BlockItem::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
  if (m_dragging && m_handler) m_handler(this, Gesture::DragEnd, {});
  m_dragging = false;
  m_pressScenePos.reset();
  QGraphicsItem::mouseReleaseEvent(event);
}

void BlockItem::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
  if (m_handler) m_handler(this, Gesture::Toggle, {});
  event->accept();
}

}  // namespace strata::gui
