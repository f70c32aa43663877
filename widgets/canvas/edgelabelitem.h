// The pill on an edge that names the inferred shape ("[B, T, 64]"). A separate item from the wire
// so it can sit above the cards: in a tight layout the pill stays readable, wires stay behind.
#pragma once

#include <QGraphicsItem>

namespace strata::gui {

struct CanvasTheme;

class EdgeLabelItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 3 };

  explicit EdgeLabelItem(const CanvasTheme* theme);

  void setTheme(const CanvasTheme* theme);
  void setText(const QString& text);  // an empty text hides the pill
  QString text() const { return m_text; }

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 private:
  const CanvasTheme* m_theme = nullptr;
  QString m_text;
  QRectF m_rect;  // centred on the item's position
};

}  // namespace strata::gui
