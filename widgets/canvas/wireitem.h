// The rubber wire drawn while a connection is being dragged: a dashed bezier from the port where
// the drag started to the cursor, shaped like a finished edge. It turns green over a port that
// accepts it and red over one that refuses it.
#pragma once

#include <QGraphicsItem>
#include <QPainterPath>

namespace strata::gui {

struct CanvasTheme;

class WireItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 4 };
  enum class State { Open, Valid, Invalid };

  // `fromOutput`: the fixed end is an output port (the wire runs left to right to the cursor).
  WireItem(const CanvasTheme* theme, QPointF anchor, bool fromOutput);

  void setEnd(QPointF end);
  void setState(State state);
  State state() const { return m_state; }
  QPointF anchor() const { return m_anchor; }
  QPointF end() const { return m_end; }

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 private:
  void rebuild();

  const CanvasTheme* m_theme = nullptr;
  QPointF m_anchor;
  QPointF m_end;
  bool m_fromOutput = true;
  State m_state = State::Open;
  QPainterPath m_path;
};

}  // namespace strata::gui
