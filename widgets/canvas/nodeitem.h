// A node on the canvas: a rounded card with the node id and layer type under a category stripe,
// typed input ports on the left and outputs on the right, the key params and the parameter count.
// The card draws a NodeContent snapshot; it holds no pointer into the document.
#pragma once

#include <QGraphicsItem>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <QPainterPath>

#include "canvas/canvastheme.h"
#include "canvas/glyphtext.h"
#include "document/nodecontent.h"

namespace strata::gui {

class ErrorBadgeItem;

class NodeItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 1 };

  static constexpr qreal kMinWidth = 148;
  static constexpr qreal kRadius = 8;
  static constexpr qreal kHeaderHeight = 42;
  static constexpr qreal kPortRow = 20;
  static constexpr qreal kParamRow = 17;
  static constexpr qreal kFooterHeight = 22;
  static constexpr int kMaxErrorLines = 3;
  static constexpr qreal kPortRadius = 4.5;
  static constexpr qreal kShadowZoom = 0.75;  // below it the shadow is under a pixel: skipped

  static constexpr qreal kPortHitRadius = 10;  // scene units around a port dot

  struct PortHit {
    std::string name;
    bool output = false;
  };

  NodeItem(std::string id, const CanvasTheme* theme);
  ~NodeItem() override;

  const std::string& id() const { return m_id; }
  const NodeContent& content() const { return m_content; }
  void setContent(NodeContent content);
  void setTheme(const CanvasTheme* theme);

  // Where edges attach, in scene coordinates. An unknown port gives the middle of that side.
  QPointF inputPortPos(const std::string& port) const;
  QPointF outputPortPos(const std::string& port) const;

  // The port whose dot is within kPortHitRadius of `scenePos`, if any.
  std::optional<PortHit> portAt(QPointF scenePos) const;
  // Called whenever the card moves (dragged, or set from the model): the scene re-routes edges.
  void setMoveObserver(std::function<void(NodeItem*)> observer) {
    m_moveObserver = std::move(observer);
  }

  ErrorBadgeItem* errorBadge() const { return m_badge; }
  QRectF cardRect() const { return {0, 0, m_width, m_height}; }

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 protected:
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

 private:
  void relayout();
  qreal portY(size_t index) const;
  qreal paramsTop() const;
  qreal textRight() const;  // where the header's text ends, left of the error badge
  bool hasFooter() const;
  void paintOverview(QPainter* painter) const;
  void paintPorts(QPainter* painter) const;
  void paintParams(QPainter* painter) const;
  void paintFooter(QPainter* painter) const;
  QString toolTipText() const;
  void buildShapes();
  void ensureTexts() const;

  // The card's text, shaped at first detailed paint after a content change (never for a card
  // only ever seen in the overview) and reused at every zoom.
  struct Texts {
    GlyphText title, type, category, more, parameters, flops;
    std::vector<GlyphText> inputs, outputs, paramNames, paramValues;
  };

  std::string m_id;
  const CanvasTheme* m_theme = nullptr;
  NodeContent m_content;
  std::function<void(NodeItem*)> m_moveObserver;
  ErrorBadgeItem* m_badge = nullptr;  // a child item, deleted with this one
  qreal m_width = kMinWidth;
  qreal m_height = kHeaderHeight + kFooterHeight;
  qreal m_footerHeight = 0;  // 0 without a footer; taller when an error message wraps
  // Outlines built on relayout: filling them is much cheaper than clipping to the rounded card.
  QPainterPath m_body, m_header, m_stripe, m_footer;
  mutable std::optional<Texts> m_texts;
};

}  // namespace strata::gui
