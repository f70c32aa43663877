// The canvas view: wheel zooms around the cursor, middle-drag pans, fitToView() frames the graph,
// and a subtle two-level grid is drawn behind it.
#pragma once

#include <QGraphicsView>

namespace strata::gui {

class GraphView final : public QGraphicsView {
  Q_OBJECT

 public:
  static constexpr double kMinZoom = 0.15;
  static constexpr double kMaxZoom = 3.0;
  static constexpr double kZoomStep = 1.15;  // one wheel notch
  static constexpr double kMaxFitZoom = 1.2;

  explicit GraphView(QWidget* parent = nullptr);

  double zoom() const { return transform().m11(); }

 public slots:
  void zoomIn();
  void zoomOut();
  void resetZoom();
  // Frames the whole graph, enlarging at most to kMaxFitZoom (a tiny graph stays readable).
  void fitToView();
  // Fits now when the view is on screen, else as soon as it is shown with its final size.
  void requestFit();

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
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  // Scales by `factor` (clamped) keeping the scene point under `viewPos` where it is.
  void zoomAt(double factor, QPoint viewPos);

  bool m_fitPending = false;
  bool m_panning = false;
  QPoint m_panLast;
};

}  // namespace strata::gui
