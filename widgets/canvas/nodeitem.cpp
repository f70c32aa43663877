#include "canvas/nodeitem.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>

#include "canvas/canvastheme.h"
#include "canvas/errorbadgeitem.h"
#include "document/formatting.h"

namespace strata::gui {

namespace {

constexpr qreal kPad = 10;       // horizontal text padding inside the card
constexpr qreal kPortsGap = 5;   // space between the header and the first port row
constexpr qreal kShadow = 8;     // room around the card for its shadow and the badge

QString portLabel(const NodeContent::Port& p) { return QString::fromStdString(p.name); }

}  // namespace

NodeItem::NodeItem(std::string id, const CanvasTheme* theme)
    : m_id(std::move(id)), m_theme(theme), m_badge(new ErrorBadgeItem(theme, this)) {
  m_content.id = m_id;
  setZValue(1);
  setAcceptHoverEvents(true);
  setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
  // Cards are costly to draw (text, shadows) and change rarely: panning blits the cached pixmap.
  setCacheMode(DeviceCoordinateCache);
  relayout();
}

NodeItem::~NodeItem() = default;

void NodeItem::setContent(NodeContent content) {
  prepareGeometryChange();
  m_content = std::move(content);
  relayout();
  update();
}

void NodeItem::setTheme(const CanvasTheme* theme) {
  m_theme = theme;
  m_badge->setTheme(theme);
  update();
}

void NodeItem::relayout() {
  const QFontMetricsF title(CanvasTheme::titleFont());
  const QFontMetricsF body(CanvasTheme::bodyFont());
  qreal w = kMinWidth;
  w = std::max(w, title.horizontalAdvance(QString::fromStdString(m_id)) + 2 * kPad + 16);
  const size_t rows = std::max(m_content.inputs.size(), m_content.outputs.size());
  for (size_t i = 0; i < rows; ++i) {
    qreal need = 2 * kPad + 20;
    if (i < m_content.inputs.size())
      need += body.horizontalAdvance(portLabel(m_content.inputs[i]));
    if (i < m_content.outputs.size())
      need += body.horizontalAdvance(portLabel(m_content.outputs[i]));
    w = std::max(w, need);
  }
  const qreal typeWidth = body.horizontalAdvance(m_content.type) +
                          (m_content.category.empty()
                               ? 0
                               : 16 + body.horizontalAdvance(
                                          QString::fromStdString(m_content.category)));
  w = std::max(w, typeWidth + 2 * kPad + (m_content.error.isEmpty() ? 0 : 10));
  for (const NodeContent::Param& p : m_content.params)
    w = std::max(w, body.horizontalAdvance(p.name) + body.horizontalAdvance(p.value) + 2 * kPad +
                        20);
  m_width = std::min(std::ceil(w / 4) * 4, qreal(320));

  qreal h = kHeaderHeight + kPortsGap + qreal(rows) * kPortRow;
  if (!m_content.params.empty() || m_content.moreParams > 0) {
    const int paramRows = int(m_content.params.size()) + (m_content.moreParams > 0 ? 1 : 0);
    h += 8 + paramRows * kParamRow + 4;
  } else {
    h += 4;
  }
  m_footerHeight = 0;
  if (!m_content.error.isEmpty()) {
    // The error wraps over a few lines; the badge's tooltip has the whole message.
    const QFontMetricsF small(CanvasTheme::smallFont());
    const QRectF text = small.boundingRect(QRectF(0, 0, m_width - 2 * kPad, 1000),
                                           Qt::TextWordWrap, m_content.error);
    const int lines = std::clamp(int(std::ceil(text.height() / small.lineSpacing() - 0.01)), 1,
                                 kMaxErrorLines);
    m_footerHeight = std::max(kFooterHeight, lines * small.lineSpacing() + 10);
  } else if (hasFooter()) {
    m_footerHeight = kFooterHeight;
  }
  h += m_footerHeight;
  m_height = h;

  buildShapes();
  m_texts.reset();
  m_badge->setPos(m_width - 4, 4);
  m_badge->setMessage(m_content.error);
  setToolTip(toolTipText());
}

bool NodeItem::hasFooter() const {
  // Nodes without weights skip the footer: "no params" on every activation is noise.
  return m_content.parameterCount > 0 || !m_content.error.isEmpty();
}

qreal NodeItem::portY(size_t index) const {
  return kHeaderHeight + kPortsGap + qreal(index) * kPortRow + kPortRow / 2;
}

qreal NodeItem::paramsTop() const {
  const size_t rows = std::max(m_content.inputs.size(), m_content.outputs.size());
  return kHeaderHeight + kPortsGap + qreal(rows) * kPortRow;
}

QPointF NodeItem::inputPortPos(const std::string& port) const {
  for (size_t i = 0; i < m_content.inputs.size(); ++i)
    if (m_content.inputs[i].name == port) return mapToScene(QPointF(0, portY(i)));
  return mapToScene(QPointF(0, kHeaderHeight / 2));
}

QPointF NodeItem::outputPortPos(const std::string& port) const {
  for (size_t i = 0; i < m_content.outputs.size(); ++i)
    if (m_content.outputs[i].name == port) return mapToScene(QPointF(m_width, portY(i)));
  return mapToScene(QPointF(m_width, kHeaderHeight / 2));
}

std::optional<NodeItem::PortHit> NodeItem::portAt(QPointF scenePos) const {
  const QPointF p = mapFromScene(scenePos);
  const qreal r2 = kPortHitRadius * kPortHitRadius;
  auto near = [&](QPointF port) {
    const QPointF d = p - port;
    return d.x() * d.x() + d.y() * d.y() <= r2;
  };
  for (size_t i = 0; i < m_content.outputs.size(); ++i)
    if (near(QPointF(m_width, portY(i)))) return PortHit{m_content.outputs[i].name, true};
  for (size_t i = 0; i < m_content.inputs.size(); ++i)
    if (near(QPointF(0, portY(i)))) return PortHit{m_content.inputs[i].name, false};
  return std::nullopt;
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
  if (change == ItemPositionHasChanged && m_moveObserver) m_moveObserver(this);
  return QGraphicsItem::itemChange(change, value);
}

QRectF NodeItem::boundingRect() const {
  return cardRect().adjusted(-kShadow, -kShadow, kShadow, kShadow + 4);
}

QPainterPath NodeItem::shape() const {
  QPainterPath path;
  path.addRoundedRect(cardRect().adjusted(-kPortRadius, 0, kPortRadius, 0), kRadius, kRadius);
  return path;
}

namespace {

// The top of a rounded rectangle of width `w` and corner radius `r`, cut at `bottom` (<= r or
// more): the header tint and the category stripe follow the card's corners without a clip.
QPainterPath topSlice(qreal w, qreal r, qreal bottom) {
  QPainterPath path;
  if (bottom >= r) {
    path.moveTo(0, bottom);
    path.arcTo(QRectF(0, 0, 2 * r, 2 * r), 180, -90);
    path.arcTo(QRectF(w - 2 * r, 0, 2 * r, 2 * r), 90, -90);
    path.lineTo(w, bottom);
  } else {
    // Where the corner arcs cross y = bottom, in Qt's degrees (counter-clockwise from 3 o'clock).
    const qreal a = std::asin((r - bottom) / r) * 180 / M_PI;
    path.arcMoveTo(QRectF(0, 0, 2 * r, 2 * r), 180 - a);
    path.arcTo(QRectF(0, 0, 2 * r, 2 * r), 180 - a, -(90 - a));
    path.arcTo(QRectF(w - 2 * r, 0, 2 * r, 2 * r), 90, -(90 - a));
  }
  path.closeSubpath();
  return path;
}

// The bottom of the card from `top` down, with its rounded corners.
QPainterPath bottomSlice(qreal w, qreal h, qreal r, qreal top) {
  QPainterPath path;
  path.moveTo(0, top);
  path.lineTo(w, top);
  path.arcTo(QRectF(w - 2 * r, h - 2 * r, 2 * r, 2 * r), 0, -90);
  path.arcTo(QRectF(0, h - 2 * r, 2 * r, 2 * r), 270, -90);
  path.closeSubpath();
  return path;
}

}  // namespace

void NodeItem::buildShapes() {
  m_body = QPainterPath();
  m_body.addRoundedRect(cardRect(), kRadius, kRadius);
  m_header = topSlice(m_width, kRadius, kHeaderHeight);
  m_stripe = topSlice(m_width, kRadius, 3);
  m_footer = hasFooter() ? bottomSlice(m_width, m_height, kRadius, m_height - m_footerHeight)
                         : QPainterPath();
}

qreal NodeItem::textRight() const {
  return m_width - kPad - (m_content.error.isEmpty() ? 0 : 10);
}

void NodeItem::ensureTexts() const {
  if (m_texts) return;
  Texts& x = m_texts.emplace();
  const qreal right = textRight();
  const QFont body = CanvasTheme::bodyFont();
  const QFontMetricsF bodyMetrics(body);
  x.title = GlyphText(QString::fromStdString(m_id), CanvasTheme::titleFont(), right - kPad);
  x.type = GlyphText(m_content.type, body);
  if (!m_content.category.empty()) {
    const qreal room = right - (kPad + x.type.width() + 16);
    x.category = GlyphText(QString::fromStdString(m_content.category), body, room);
  }
  // An input name may use the row's width minus its output's name, and the other way round.
  const qreal inner = m_width - 2 * kPad;
  auto width = [&](const std::vector<NodeContent::Port>& ports, size_t i) {
    return i < ports.size() ? bodyMetrics.horizontalAdvance(portLabel(ports[i])) : 0.0;
  };
  for (size_t i = 0; i < m_content.inputs.size(); ++i)
    x.inputs.emplace_back(portLabel(m_content.inputs[i]), body,
                          inner - width(m_content.outputs, i) - 8);
  for (size_t i = 0; i < m_content.outputs.size(); ++i)
    x.outputs.emplace_back(portLabel(m_content.outputs[i]), body,
                           inner - width(m_content.inputs, i) - 8);
  QFont valueFont = body;
  valueFont.setWeight(QFont::Medium);
  QFont inferredFont = body;
  inferredFont.setItalic(true);
  for (const NodeContent::Param& p : m_content.params) {
    x.paramNames.emplace_back(p.name, body);
    const qreal nameWidth = x.paramNames.back().width() + 12;
    x.paramValues.emplace_back(p.value, p.inferred ? inferredFont : valueFont, inner - nameWidth);
  }
  if (m_content.moreParams > 0)
    x.more = GlyphText(QStringLiteral("+%1 more").arg(m_content.moreParams), body);
  if (hasFooter() && m_content.error.isEmpty()) {
    const QFont small = CanvasTheme::smallFont();
    x.parameters = GlyphText(formatParameters(m_content.parameterCount), small);
    const GlyphText flops(formatFlops(m_content.flops), small);
    // FLOPs only where they fit beside the count; the tooltip always has them.
    if (m_content.flops > 0 && x.parameters.width() + flops.width() + 12 < inner) x.flops = flops;
  }
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const CanvasTheme& t = *m_theme;
  // Zoomed far out the text is unreadable anyway: a plain card keeps a 500-node overview fluid.
  const qreal lod = option->levelOfDetailFromTransform(painter->worldTransform());
  if (lod < m_theme->detailZoom) {
    paintOverview(painter);
    return;
  }
  ensureTexts();
  const Texts& x = *m_texts;
  painter->setRenderHint(QPainter::Antialiasing);
  painter->setRenderHint(QPainter::TextAntialiasing);
  const QRectF card = cardRect();
  const QColor accent = t.categoryColor(m_content.category);

  // Soft shadow: a few widening, nearly transparent layers below the card.
  painter->setPen(Qt::NoPen);
  QColor shadow = t.shadow;
  shadow.setAlphaF(t.isDark ? 0.10f : 0.028f);
  painter->setBrush(shadow);
  for (int i = 1; lod >= kShadowZoom && i <= 4; ++i)
    painter->drawRoundedRect(card.adjusted(-i * 0.75, i * 0.5, i * 0.75, i * 1.1 + 1),
                             kRadius + i, kRadius + i);

  // The card, its header tinted with the category colour and the stripe on top.
  painter->fillPath(m_body, t.cardFill);
  painter->fillPath(m_header, t.headerTint(accent));
  painter->fillPath(m_stripe, accent);
  painter->setPen(QPen(t.divider, 1));
  painter->drawLine(QPointF(0, kHeaderHeight - 0.5), QPointF(m_width, kHeaderHeight - 0.5));

  const qreal right = textRight();
  painter->setPen(t.title);
  x.title.draw(painter, QRectF(kPad, 7, right - kPad, 18));

  // The layer type, then its category in the category colour.
  painter->setPen(t.muted);
  const QRectF typeRect(kPad, 24, right - kPad, 13);
  x.type.draw(painter, typeRect);
  if (!m_content.category.empty()) {
    const qreal cx = kPad + x.type.width() + 8;
    painter->setPen(Qt::NoPen);
    painter->setBrush(accent);
    painter->drawEllipse(QPointF(cx + 2, typeRect.center().y() + 0.5), 2, 2);
    painter->setPen(accent.darker(t.isDark ? 90 : 115));
    x.category.draw(painter, QRectF(cx + 8, typeRect.top(), right - cx - 8, typeRect.height()));
  }

  paintPorts(painter);
  paintParams(painter);
  paintFooter(painter);

  // Border last, so it sits over the header fill; red for an error, accent when selected.
  QPen border(t.cardBorder, 1);
  if (!m_content.error.isEmpty()) border = QPen(t.error, 1.4);
  if (isSelected()) border = QPen(t.cardSelected, 2);
  painter->setPen(border);
  painter->setBrush(Qt::NoBrush);
  painter->drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);

  // Port dots straddle the border.
  auto dot = [&](qreal px, qreal py, const NodeContent::Port& p) {
    const QColor kind = t.kindColor(p.kind);
    painter->setPen(QPen(p.connected ? t.portRing : kind, 1.5));
    painter->setBrush(p.connected ? kind : t.cardFill);
    painter->drawEllipse(QPointF(px, py), kPortRadius, kPortRadius);
  };
  for (size_t i = 0; i < m_content.inputs.size(); ++i) dot(0, portY(i), m_content.inputs[i]);
  for (size_t i = 0; i < m_content.outputs.size(); ++i)
    dot(m_width, portY(i), m_content.outputs[i]);
}

void NodeItem::paintOverview(QPainter* painter) const {
  const CanvasTheme& t = *m_theme;
  const QColor accent = t.categoryColor(m_content.category);
  painter->setRenderHint(QPainter::Antialiasing, false);  // a few pixels wide: AA buys nothing
  painter->fillRect(cardRect(), t.cardFill);
  painter->fillRect(QRectF(0, 0, m_width, kHeaderHeight), t.headerTint(accent));
  painter->fillRect(QRectF(0, 0, m_width, 6), accent);
  QPen border(t.cardBorder, 0);
  if (!m_content.error.isEmpty()) border = QPen(t.error, 3);
  if (isSelected()) border = QPen(t.cardSelected, 4);
  painter->setPen(border);
  painter->setBrush(Qt::NoBrush);
  painter->drawRect(cardRect());
}

void NodeItem::paintPorts(QPainter* painter) const {
  const CanvasTheme& t = *m_theme;
  const Texts& x = *m_texts;
  const qreal inner = m_width - 2 * kPad;
  for (size_t i = 0; i < m_content.inputs.size(); ++i) {
    const NodeContent::Port& p = m_content.inputs[i];
    painter->setPen(p.optional && !p.connected ? t.muted : t.text);
    x.inputs[i].draw(painter, QRectF(kPad, portY(i) - 8, inner, 16));
  }
  for (size_t i = 0; i < m_content.outputs.size(); ++i) {
    const NodeContent::Port& p = m_content.outputs[i];
    painter->setPen(p.connected ? t.text : t.muted);
    x.outputs[i].draw(painter, QRectF(kPad, portY(i) - 8, inner, 16), Qt::AlignRight);
  }
}

void NodeItem::paintParams(QPainter* painter) const {
  if (m_content.params.empty() && m_content.moreParams == 0) return;
  const CanvasTheme& t = *m_theme;
  const Texts& x = *m_texts;
  qreal y = paramsTop() + 4;
  painter->setPen(QPen(t.divider, 1));
  painter->drawLine(QPointF(kPad, y), QPointF(m_width - kPad, y));
  y += 4;
  const qreal width = m_width - 2 * kPad;
  for (size_t i = 0; i < m_content.params.size(); ++i) {
    const QRectF row(kPad, y, width, kParamRow);
    painter->setPen(t.muted);
    x.paramNames[i].draw(painter, row);
    painter->setPen(m_content.params[i].inferred ? t.muted : t.title);
    x.paramValues[i].draw(painter, row, Qt::AlignRight);
    y += kParamRow;
  }
  if (m_content.moreParams > 0) {
    painter->setPen(t.muted);
    x.more.draw(painter, QRectF(kPad, y, width, kParamRow));
  }
}

void NodeItem::paintFooter(QPainter* painter) const {
  if (!hasFooter()) return;
  const CanvasTheme& t = *m_theme;
  const QRectF footer(0, m_height - m_footerHeight, m_width, m_footerHeight);
  if (!m_content.error.isEmpty()) painter->fillPath(m_footer, t.errorFill);
  painter->setPen(QPen(t.divider, 1));
  painter->drawLine(footer.topLeft() + QPointF(0, 0.5), footer.topRight() + QPointF(0, 0.5));

  if (!m_content.error.isEmpty()) {
    // Wrapped over a few lines: rare enough to lay out on every paint.
    const QRectF text = footer.adjusted(kPad, 5, -kPad, -5);
    painter->setFont(CanvasTheme::smallFont());
    painter->setPen(t.error);
    painter->save();
    painter->setClipRect(text);
    painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap,
                      m_content.error);
    painter->restore();
    return;
  }
  const Texts& x = *m_texts;
  const QRectF text = footer.adjusted(kPad, 0, -kPad, 0);
  painter->setPen(t.muted);
  x.parameters.draw(painter, text);
  x.flops.draw(painter, text, Qt::AlignRight);
}

QString NodeItem::toolTipText() const {
  QString tip = QStringLiteral("<b>%1</b> &middot; %2")
                    .arg(QString::fromStdString(m_id).toHtmlEscaped(),
                         m_content.type.toHtmlEscaped());
  if (!m_content.summary.isEmpty())
    tip += QStringLiteral("<br>") + m_content.summary.toHtmlEscaped();
  auto ports = [&](const std::vector<NodeContent::Port>& list, const char* arrow) {
    for (const NodeContent::Port& p : list) {
      if (p.type.isEmpty()) continue;
      tip += QStringLiteral("<br>%1 <i>%2</i>: <tt>%3</tt>")
                 .arg(QLatin1String(arrow), QString::fromStdString(p.name).toHtmlEscaped(),
                      p.type.toHtmlEscaped());
    }
  };
  ports(m_content.inputs, "in");
  ports(m_content.outputs, "out");
  if (m_content.parameterCount > 0 || m_content.flops > 0)
    tip += QStringLiteral("<br>%1 &middot; %2")
               .arg(formatParameters(m_content.parameterCount), formatFlops(m_content.flops));
  if (!m_content.error.isEmpty())
    tip += QStringLiteral("<br><span style='color:#d92d20'>%1</span>")
               .arg(m_content.error.toHtmlEscaped());
  return tip;
}

}  // namespace strata::gui
