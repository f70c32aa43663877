// An edge on the canvas: a cubic bezier from an output port to an input port, with a small pill
// in the middle naming the inferred shape ("[B, T, 64]"). It knows its endpoints by node id and
// port name; the scene hands it positions.
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>

#include <array>
#include <memory>

#include "graph/document.h"
#include "nn/layer_spec.h"

namespace strata::gui {

struct CanvasTheme;
class EdgeLabelItem;

class EdgeItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 2 };
  // From this zoom up a wire is drawn 2 units wide; below, as a one-pixel line (see paint()).
  static constexpr qreal kWideZoom = 1.5;

  EdgeItem(GraphEdge edge, const CanvasTheme* theme);
  ~EdgeItem() override;

  const GraphEdge& edge() const { return m_edge; }
  void setTheme(const CanvasTheme* theme);
  void setEndpoints(QPointF from, QPointF to);
  // The shape text and the kind of value on the edge; an empty label draws no pill.
  void setLabel(const QString& label, ValueKind kind);
  QString label() const { return m_label; }
  EdgeLabelItem* labelItem() const { return m_labelItem.get(); }

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 protected:
  // Keeps the label in the same scene as the wire.
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

 private:
  void rebuild();
  // The pieces from the first to the last that reach into `visible`, as one path.
  QPainterPath visiblePart(const QRectF& visible) const;

  GraphEdge m_edge;
  const CanvasTheme* m_theme = nullptr;
  QPointF m_from;
  QPointF m_to;
  QString m_label;
  ValueKind m_kind = ValueKind::Any;
  QPainterPath m_path;
  // The same curve cut into kPieces cubics, so a close-up strokes only the part on screen.
  static constexpr int kPieces = 16;
  std::array<std::array<QPointF, 4>, kPieces> m_pieces{};
  std::unique_ptr<EdgeLabelItem> m_labelItem;  // a top-level item, not a child: see its header
};

}  // namespace strata::gui
