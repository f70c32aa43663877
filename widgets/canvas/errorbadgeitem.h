// The red "!" badge on a node card whose node has an error; the engine's message is its tooltip.
#pragma once

#include <QGraphicsItem>

namespace strata::gui {

struct CanvasTheme;

class ErrorBadgeItem final : public QGraphicsItem {
 public:
  static constexpr qreal kRadius = 9;

  ErrorBadgeItem(const CanvasTheme* theme, QGraphicsItem* parent);

  void setTheme(const CanvasTheme* theme);
  void setMessage(const QString& message);  // an empty message hides the badge
  QString message() const { return toolTip(); }

  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 private:
  const CanvasTheme* m_theme = nullptr;
};

}  // namespace strata::gui
