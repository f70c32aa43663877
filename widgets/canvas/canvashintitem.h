// A transient note on the canvas, pinned next to the cursor: why a connection was refused. It
// ignores the view's zoom so it stays readable, and hides itself after a few seconds.
#pragma once

#include <QGraphicsItem>
#include <QTimer>

namespace strata::gui {

struct CanvasTheme;

class CanvasHintItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 5 };
  static constexpr int kShowMs = 3500;
  static constexpr qreal kMaxWidth = 320;

  explicit CanvasHintItem(const CanvasTheme* theme);

  void setTheme(const CanvasTheme* theme);
  // Shows `text` with its top-left corner just below-right of `scenePos`.
  void showAt(QPointF scenePos, const QString& text);
  QString text() const { return m_text; }

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 private:
  const CanvasTheme* m_theme = nullptr;
  QString m_text;
  QRectF m_rect;
  QTimer m_timer;
};

}  // namespace strata::gui
