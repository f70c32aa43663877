#include "canvas/graphview.h"

#include <QDragEnterEvent>
#include <QMimeData>
#include <QMouseEvent>
#include <QPixmapCache>
#include <QScrollBar>
#include <QTimer>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "canvas/canvastheme.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/nodeitem.h"

namespace strata::gui {

namespace {

constexpr qreal kMinorGrid = 24;
constexpr int kMajorEvery = 5;

}  // namespace

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent) {
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                 QPainter::SmoothPixmapTransform);
  setViewportUpdateMode(QGraphicsView::FullViewportUpdate);  // the grid must not tear on pan
  setTransformationAnchor(QGraphicsView::AnchorViewCenter);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setDragMode(QGraphicsView::RubberBandDrag);
  // A band selects the cards it covers whole, not every wire it brushes.
  setRubberBandSelectionMode(Qt::ContainsItemShape);
  setAcceptDrops(true);
  setFrameShape(QFrame::NoFrame);
  // Panning is by middle-drag; hidden scroll bars still carry the position.
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setCacheMode(QGraphicsView::CacheNone);
  // Cards cache their pixmaps (DeviceCoordinateCache); Qt's default 10 MB pixmap cache holds
  // about a hundred of them at zoom 1, and a large graph would thrash it on every pan.
  QPixmapCache::setCacheLimit(std::max(QPixmapCache::cacheLimit(), 128 * 1024));
  connect(this, &GraphView::zoomChanged, this, &GraphView::updateCardCaching);
  m_zoomSettle = new QTimer(this);
  m_zoomSettle->setSingleShot(true);
  m_zoomSettle->setInterval(kZoomSettleMs);
  connect(m_zoomSettle, &QTimer::timeout, this, [this] {
    m_wheelZooming = false;
    updateCardCaching();
  });
}

void GraphView::updateCardCaching() {
  if (!scene()) return;
  // Checked on every zoom step (a pass over the items costs microseconds), so cards added while
  // zoomed out are switched too.
  const auto* graph = qobject_cast<const GraphScene*>(scene());
  const double detail = graph ? graph->theme().detailZoom : CanvasTheme::kDetailZoom;
  // Item-coordinate images (twice the card's size) pay off from about 100 % up, where few cards
  // are visible; zoomed out, many small device images are cheaper to redraw.
  const bool rescale = m_wheelZooming && zoom() >= kRescaleZoom;
  const auto mode = zoom() < detail ? QGraphicsItem::NoCache
                    : rescale       ? QGraphicsItem::ItemCoordinateCache
                                    : QGraphicsItem::DeviceCoordinateCache;
  for (QGraphicsItem* item : scene()->items()) {
    if (item->type() != NodeItem::Type || item->cacheMode() == mode) continue;
    // Twice the card's size keeps the rescaled image sharp enough up to 200 %.
    item->setCacheMode(mode, mode == QGraphicsItem::ItemCoordinateCache
                                 ? (item->boundingRect().size() * 2).toSize()
                                 : QSize());
  }
}

void GraphView::zoomIn() { zoomAt(kZoomStep, viewport()->rect().center()); }

void GraphView::zoomOut() { zoomAt(1 / kZoomStep, viewport()->rect().center()); }

void GraphView::resetZoom() { zoomAt(1.0 / zoom(), viewport()->rect().center()); }

void GraphView::fitToView() {
  const auto* graph = qobject_cast<const GraphScene*>(scene());
  const QRectF bounds = graph ? graph->graphBounds() : scene() ? scene()->itemsBoundingRect()
                                                               : QRectF();
  if (bounds.isEmpty()) {
    resetTransform();
    centerOn(0, 0);
    emit zoomChanged(zoom());
    return;
  }
  // Extra room at the top for the graph's title.
  const QRectF framed = bounds.adjusted(-40, -90, 40, 40);
  fitInView(framed, Qt::KeepAspectRatio);
  if (zoom() > kMaxFitZoom) {
    resetTransform();
    scale(kMaxFitZoom, kMaxFitZoom);
    centerOn(framed.center());
  }
  if (zoom() < kMinZoom) {
    const double f = kMinZoom / zoom();
    scale(f, f);
    centerOn(framed.center());
  }
  emit zoomChanged(zoom());
}

void GraphView::requestFit() {
  m_fitPending = true;
  if (isVisible() && viewport()->width() > 1) {
    m_fitPending = false;
    fitToView();
  }
}

void GraphView::showEvent(QShowEvent* event) {
  QGraphicsView::showEvent(event);
  if (m_fitPending) requestFit();
}

void GraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (m_fitPending) requestFit();
}

void GraphView::zoomAt(double factor, QPoint viewPos) {
  const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
  if (std::abs(target - zoom()) < 1e-9) return;
  // Done by hand rather than with AnchorUnderMouse, which follows the cursor's last known
  // position and not the event's.
  const QPointF anchor = mapToScene(viewPos);
  const ViewportAnchor previous = transformationAnchor();
  setTransformationAnchor(NoAnchor);
  const double f = target / zoom();
  scale(f, f);
  setTransformationAnchor(previous);
  const QPointF drift = mapFromScene(anchor) - QPointF(viewPos);
  horizontalScrollBar()->setValue(horizontalScrollBar()->value() + qRound(drift.x()));
  verticalScrollBar()->setValue(verticalScrollBar()->value() + qRound(drift.y()));
  emit zoomChanged(zoom());
}

void GraphView::wheelEvent(QWheelEvent* event) {
  const int delta = event->angleDelta().y();
  if (delta == 0) {
    QGraphicsView::wheelEvent(event);
    return;
  }
  m_wheelZooming = true;
  m_zoomSettle->start();
  // Track pads send small deltas: scale by the fraction of a notch.
  zoomAt(std::pow(kZoomStep, delta / 120.0), event->position().toPoint());
  event->accept();
}

void GraphView::mousePressEvent(QMouseEvent* event) {
  const bool spacePan = m_spaceHeld && event->button() == Qt::LeftButton;
  if (event->button() == Qt::MiddleButton || spacePan) {
    m_panning = true;
    m_panButton = event->button();
    m_panLast = event->position().toPoint();
    viewport()->setCursor(Qt::ClosedHandCursor);
    event->accept();
    return;
  }
  QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
  if (m_panning) {
    const QPoint p = event->position().toPoint();
    const QPoint delta = p - m_panLast;
    m_panLast = p;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
    event->accept();
    return;
  }
  QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
  if (m_panning && event->button() == m_panButton) {
    m_panning = false;
    m_panButton = Qt::NoButton;
    if (m_spaceHeld)
      viewport()->setCursor(Qt::OpenHandCursor);
    else
      viewport()->unsetCursor();
    event->accept();
    return;
  }
  QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::setSpaceHeld(bool held) {
  if (held == m_spaceHeld) return;
  m_spaceHeld = held;
  if (m_panning) return;
  if (held)
    viewport()->setCursor(Qt::OpenHandCursor);
  else
    viewport()->unsetCursor();
}

void GraphView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Space) {
    if (!event->isAutoRepeat()) setSpaceHeld(true);
    event->accept();
    return;
  }
  QGraphicsView::keyPressEvent(event);
}

void GraphView::keyReleaseEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Space) {
    if (!event->isAutoRepeat()) setSpaceHeld(false);
    event->accept();
    return;
  }
  QGraphicsView::keyReleaseEvent(event);
}

void GraphView::focusOutEvent(QFocusEvent* event) {
  setSpaceHeld(false);  // the release may go to another widget
  QGraphicsView::focusOutEvent(event);
}

QPointF GraphView::nodePosForDrop(QPointF scenePos) {
  return scenePos - QPointF(NodeItem::kMinWidth / 2, NodeItem::kHeaderHeight / 2);
}

QString GraphView::addNodeAtCenter(const QString& type) {
  auto* graph = qobject_cast<GraphScene*>(scene());
  if (!graph) return {};
  QPointF pos = nodePosForDrop(mapToScene(viewport()->rect().center()));
  // Repeated double-clicks must not stack cards exactly on top of each other.
  for (int i = 0; i < 50; ++i) {
    const bool taken = std::any_of(graph->model()->document().nodes.begin(),
                                   graph->model()->document().nodes.end(),
                                   [&](const GraphNode& n) { return QPointF(n.x, n.y) == pos; });
    if (!taken) break;
    pos += QPointF(GraphScene::kPasteOffset, GraphScene::kPasteOffset);
  }
  const std::string id = graph->editor()->addNode(type.toStdString(), pos);
  if (!id.empty()) graph->selectNodes({id});
  return QString::fromStdString(id);
}

void GraphView::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasFormat(QLatin1String(kLayerMimeType))) {
    event->acceptProposedAction();
    return;
  }
  QGraphicsView::dragEnterEvent(event);
}

void GraphView::dragMoveEvent(QDragMoveEvent* event) {
  if (event->mimeData()->hasFormat(QLatin1String(kLayerMimeType))) {
    event->acceptProposedAction();
    return;
  }
  QGraphicsView::dragMoveEvent(event);
}

void GraphView::dropEvent(QDropEvent* event) {
  auto* graph = qobject_cast<GraphScene*>(scene());
  if (!graph || !event->mimeData()->hasFormat(QLatin1String(kLayerMimeType))) {
    QGraphicsView::dropEvent(event);
    return;
  }
  const QString type =
      QString::fromUtf8(event->mimeData()->data(QLatin1String(kLayerMimeType))).trimmed();
  const QPointF scenePos = mapToScene(event->position().toPoint());
  const std::string id = graph->editor()->addNode(type.toStdString(), nodePosForDrop(scenePos));
  if (id.empty()) {
    event->ignore();
    return;
  }
  graph->selectNodes({id});
  setFocus();
  event->acceptProposedAction();
}

void GraphView::drawBackground(QPainter* painter, const QRectF& rect) {
  const auto* graph = qobject_cast<const GraphScene*>(scene());
  const CanvasTheme theme = graph ? graph->theme() : CanvasTheme::light();
  painter->fillRect(rect, theme.background);

  // Hide the minor grid when zoomed far out, where it would turn into a grey wash.
  const bool minor = zoom() * kMinorGrid >= 9;
  const qreal step = kMinorGrid;
  const qreal left = std::floor(rect.left() / step) * step;
  const qreal top = std::floor(rect.top() / step) * step;
  QVector<QLineF> minorLines;
  QVector<QLineF> majorLines;
  for (qreal x = left; x < rect.right(); x += step) {
    const bool major = std::lround(x / step) % kMajorEvery == 0;
    if (major || minor)
      (major ? majorLines : minorLines).append(QLineF(x, rect.top(), x, rect.bottom()));
  }
  for (qreal y = top; y < rect.bottom(); y += step) {
    const bool major = std::lround(y / step) % kMajorEvery == 0;
    if (major || minor)
      (major ? majorLines : minorLines).append(QLineF(rect.left(), y, rect.right(), y));
  }
  painter->save();
  painter->setRenderHint(QPainter::Antialiasing, false);
  painter->setPen(QPen(theme.gridMinor, 0));  // cosmetic: one pixel at every zoom
  painter->drawLines(minorLines);
  painter->setPen(QPen(theme.gridMajor, 0));
  painter->drawLines(majorLines);
  painter->restore();
}

}  // namespace strata::gui

namespace strata::gui {

void GraphView::drawForeground(QPainter* painter, const QRectF&) {
  const auto* graph = qobject_cast<const GraphScene*>(scene());
  if (!graph || graph->model()->isEmpty()) return;
  const CanvasTheme& theme = graph->theme();
  const QString name = graph->model()->displayName();
  const QString description = graph->model()->description();

  painter->save();
  painter->resetTransform();
  painter->setRenderHint(QPainter::Antialiasing);
  QFont titleFont = CanvasTheme::titleFont();
  titleFont.setPixelSize(16);
  QFont bodyFont = CanvasTheme::bodyFont();
  bodyFont.setPixelSize(12);
  const QFontMetricsF titleMetrics(titleFont);
  const QFontMetricsF bodyMetrics(bodyFont);
  const qreal maxWidth = std::min<qreal>(560, viewport()->width() - 48);
  const QString title = titleMetrics.elidedText(name, Qt::ElideRight, maxWidth);
  const QString line = bodyMetrics.elidedText(description, Qt::ElideRight, maxWidth);
  const qreal width = std::max(titleMetrics.horizontalAdvance(title),
                               description.isEmpty() ? 0 : bodyMetrics.horizontalAdvance(line));
  const qreal height =
      titleMetrics.height() + (description.isEmpty() ? 0 : bodyMetrics.height() + 2);
  const QRectF box(16, 14, width + 24, height + 16);
  QColor fill = theme.background;
  fill.setAlphaF(0.88f);
  painter->setPen(Qt::NoPen);
  painter->setBrush(fill);
  painter->drawRoundedRect(box, 8, 8);
  painter->setFont(titleFont);
  painter->setPen(theme.title);
  painter->drawText(QPointF(box.left() + 12, box.top() + 8 + titleMetrics.ascent()), title);
  if (!description.isEmpty()) {
    painter->setFont(bodyFont);
    painter->setPen(theme.muted);
    painter->drawText(QPointF(box.left() + 12, box.top() + 10 + titleMetrics.height() +
                                                   bodyMetrics.ascent()),
                      line);
  }
  painter->restore();
}

}  // namespace strata::gui
