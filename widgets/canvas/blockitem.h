// A block on the canvas (GraphDocument::blocks). Expanded, it is a tinted frame behind its member
// cards with a title tab ("Transformer layers  x2", a collapse chevron); collapsed, it is one card
// with the block's outer ports, its member count and the parameters of all its copies, and the
// member cards and inner wires are hidden. Dragging the tab (or the collapsed card) moves the
// members; the chevron or a double-click collapses and expands. The scene owns the geometry and
// turns the gestures into undo commands.
#pragma once

#include <QGraphicsItem>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "graph/document.h"
#include "nn/layer_spec.h"
#include "canvas/nodeitem.h"

namespace strata::gui {

struct CanvasTheme;

struct BlockContent {
  struct Port {
    Endpoint end;  // the member port behind it
    ValueKind kind = ValueKind::Any;
    bool carried = false;  // the value a Repeat block passes from copy to copy
  };
  std::string id;
  QString name;
  int repeat = 1;
  bool collapsed = false;
  int members = 0;
  std::string firstMember;  // lets the scene keep a renamed block selected
  std::vector<Port> inputs;
  std::vector<Port> outputs;
  int64_t parameterCount = 0;  // every copy's
  QString error;               // the block's own problem, or its members'
};

class BlockItem final : public QGraphicsItem {
 public:
  enum { Type = UserType + 5 };
  enum class Gesture { DragStart, Drag, DragEnd, Toggle };
  using GestureHandler = std::function<void(BlockItem*, Gesture, QPointF delta)>;

  static constexpr qreal kTitleHeight = 26;
  static constexpr qreal kMargin = 14;
  static constexpr qreal kCardWidth = 190;
  static constexpr qreal kHeaderHeight = 46;
  // Ports and footer measure as on a node card, so wires meet both alike.
  static constexpr qreal kPortRow = NodeItem::kPortRow;
  static constexpr qreal kFooterHeight = NodeItem::kFooterHeight;
  static constexpr qreal kPortRadius = NodeItem::kPortRadius;
  static constexpr qreal kPortHitRadius = NodeItem::kPortHitRadius;

  BlockItem(std::string id, const CanvasTheme* theme);

  const std::string& id() const { return m_id; }
  const BlockContent& content() const { return m_content; }
  void setContent(BlockContent content);
  void setTheme(const CanvasTheme* theme);
  // The scene rectangle of the member cards; the frame (expanded) or the card's corner
  // (collapsed) follows it.
  void setMembersRect(const QRectF& rect);
  void setGestureHandler(GestureHandler handler) { m_handler = std::move(handler); }

  // Collapsed only: where the wire of a member port attaches, in scene coordinates.
  std::optional<QPointF> portPos(const Endpoint& end, bool output) const;
  // Collapsed only: the outer port under `scenePos`.
  std::optional<BlockContent::Port> portAt(QPointF scenePos, bool* output) const;
  // The chevron's rectangle in item coordinates (tests click it).
  QRectF toggleRect() const;
  QRectF cardRect() const;  // collapsed: the card; expanded: the frame

  int type() const override { return Type; }
  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
             QWidget* widget) override;

 protected:
  void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) override;

 private:
  void relayout();
  qreal portY(size_t index) const;
  QString titleText() const;
  QString subtitleText() const;
  void paintExpanded(QPainter* painter) const;
  void paintCollapsed(QPainter* painter) const;

  std::string m_id;
  const CanvasTheme* m_theme = nullptr;
  BlockContent m_content;
  QRectF m_members;  // scene coordinates
  QSizeF m_size;     // the frame or the card, from the item's origin
  GestureHandler m_handler;
  std::optional<QPointF> m_pressScenePos;
  bool m_dragging = false;
};

}  // namespace strata::gui
