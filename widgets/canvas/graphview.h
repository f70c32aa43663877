// The canvas view: wheel zooms around the cursor, middle-drag or Space+drag pans, fitToView()
// frames the graph, and a subtle two-level grid is drawn behind it. Layers dragged from the
// palette (kLayerMimeType, the type name as UTF-8) are dropped onto the canvas as new nodes.
#pragma once

#include <QGraphicsView>

class QTimer;

namespace strata::gui {

class GraphView final : public QGraphicsView {
  Q_OBJECT

 public:
  static constexpr double kMinZoom = 0.15;
  static constexpr double kMaxZoom = 3.0;
  static constexpr double kZoomStep = 1.15;  // one wheel notch
  static constexpr double kMaxFitZoom = 1.2;
  static constexpr const char* kLayerMimeType = "application/x-strata-layer";

  explicit GraphView(QWidget* parent = nullptr);

  double zoom() const { return transform().m11(); }
  // Where a node created for a drop at `scenePos` goes: its header centred under the cursor.
  static QPointF nodePosForDrop(QPointF scenePos);

 public slots:
  void zoomIn();
  void zoomOut();
  void resetZoom();
  // Frames the whole graph, enlarging at most to kMaxFitZoom (a tiny graph stays readable).
  void fitToView();
  // Fits now when the view is on screen, else as soon as it is shown with its final size.
  void requestFit();
  // Adds a node of `type` in the middle of the visible canvas (palette double-click), selects
  // it and returns its id (empty for an unknown type).
  QString addNodeAtCenter(const QString& type);

 signals:
  void zoomChanged(double zoom);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void drawBackground(QPainter* painter, const QRectF& rect) override;
  // The graph's name and description, pinned to the top-left corner of the viewport.
  void drawForeground(QPainter* painter, const QRectF& rect) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void focusOutEvent(QFocusEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void setSpaceHeld(bool held);
  // Scales by `factor` (clamped) keeping the scene point under `viewPos` where it is.
  void zoomAt(double factor, QPoint viewPos);
  // Cards cache their pixmap while their text shows; in the overview they are a few rectangles,
  // cheaper to draw than to re-cache on every wheel step.
  void updateCardCaching();

  // While the wheel zooms, cards keep one cached image in item coordinates and only rescale it,
  // instead of re-rendering every card for each notch; once the wheel has rested kZoomSettleMs
  // they go back to a crisp device-resolution cache.
  static constexpr int kZoomSettleMs = 250;
  static constexpr double kRescaleZoom = 0.9;
  QTimer* m_zoomSettle = nullptr;
  bool m_wheelZooming = false;
  bool m_fitPending = false;
  bool m_panning = false;
  bool m_spaceHeld = false;  // Space is down: a left drag pans instead of selecting
  Qt::MouseButton m_panButton = Qt::NoButton;
  QPoint m_panLast;
};

}  // namespace strata::gui
