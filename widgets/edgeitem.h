// An edge on the canvas: a cubic bezier from an output port to an input port, with a small pill
// in the middle naming the inferred shape ("[B, T, 64]"). It knows its endpoints by node id and
// port name; the scene hands it positions.
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>

#include "graph/document.h"
#include "nn/layer_spec.h"

namespace strata::gui {

struct CanvasTheme;

class EdgeItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 2 };

  EdgeItem(GraphEdge edge, const CanvasTheme* theme);

  const GraphEdge& edge() const { return m_edge; }
  void setTheme(const CanvasTheme* theme);
  void setEndpoints(QPointF from, QPointF to);
  // The shape text and the kind of value on the edge; an empty label draws no pill.
  void setLabel(const QString& label, ValueKind kind);
  QString label() const { return m_label; }
  QPointF labelCenter() const { return m_labelRect.center(); }

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 private:
  void rebuild();

  GraphEdge m_edge;
  const CanvasTheme* m_theme = nullptr;
  QPointF m_from;
  QPointF m_to;
  QString m_label;
  ValueKind m_kind = ValueKind::Any;
  QPainterPath m_path;
  QRectF m_labelRect;
};

}  // namespace strata::gui
