// Canvas overlay for training: tints each node card by the log of its parameters' gradient norm
// (from StepMetrics::nodeGradNorms) and draws a legend. It is an item of its own on top of the
// scene, placed from each NodeItem's scene rectangle, so the canvas classes need no change.
#pragma once

#include <QGraphicsObject>
#include <QPointer>

#include <map>
#include <string>

namespace strata::gui {

class GraphScene;

class GradientOverlayItem final : public QGraphicsObject {
  Q_OBJECT

 public:
  explicit GradientOverlayItem(GraphScene* scene);

  void setNorms(const std::map<std::string, double>& norms);
  void clearNorms();
  const std::map<std::string, double>& norms() const { return m_norms; }
  // The tint for a norm given the current log10 range; for tests and the legend.
  QColor colorFor(double norm) const;

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 private:
  QRectF legendRect() const;
  void updateGeometry();

  QPointer<GraphScene> m_scene;
  std::map<std::string, double> m_norms;
  double m_logLo = -6, m_logHi = 0;
  QRectF m_bounds;
};

}  // namespace strata::gui
