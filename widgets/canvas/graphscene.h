// The canvas scene: listens to a GraphModel and keeps one NodeItem per node and one EdgeItem per
// edge, keyed by node id and by "from->to". It never changes the document itself: finished
// gestures (a drag of cards, a wire dropped on a port, Delete) are reported to its GraphEditor,
// which pushes undo commands. The selection-wide edit actions (copy, paste, auto-layout, ...) are
// slots here, ready for menus and shortcuts (see EditorActions).
#pragma once

#include <QGraphicsScene>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "canvas/canvastheme.h"
#include "graph/document.h"

namespace strata::gui {

class BlockItem;
class CanvasHintItem;
class EdgeItem;
class GraphEditor;
class GraphModel;
class NodeItem;
class WireItem;

class GraphScene final : public QGraphicsScene {
  Q_OBJECT

 public:
  explicit GraphScene(GraphModel* model, QObject* parent = nullptr);
  ~GraphScene() override;

  static constexpr qreal kPasteOffset = 32;

  GraphModel* model() const { return m_model; }
  GraphEditor* editor() const { return m_editor; }
  const CanvasTheme& theme() const { return m_theme; }
  void setTheme(const CanvasTheme& theme);

  NodeItem* nodeItem(const std::string& id) const;
  BlockItem* blockItem(const std::string& id) const;
  std::vector<std::string> selectedBlockIds() const;  // in document order
  EdgeItem* edgeItem(const GraphEdge& edge) const;
  std::vector<NodeItem*> nodeItems() const;  // in document order
  std::vector<EdgeItem*> edgeItems() const;  // in document order
  // The bounding box of the graph's cards and edges (not the padded scene rect).
  QRectF graphBounds() const;

  std::vector<std::string> selectedNodeIds() const;  // in document order
  std::vector<GraphEdge> selectedEdges() const;       // in document order
  void selectNodes(const std::vector<std::string>& ids);  // replaces the selection
  // The selected nodes as `.strata` JSON with the edges between them; empty without a selection.
  QString selectionAsText() const;
  // The card sizes, for AutoLayout.
  std::map<std::string, QSizeF> nodeSizes() const;

  // Test and feedback hooks: the rubber wire while a connection is dragged (else null), the
  // refusal note, the last refusal's reason.
  WireItem* wireItem() const { return m_wire.get(); }
  CanvasHintItem* hintItem() const { return m_hint.get(); }
  QString lastRefusal() const { return m_lastRefusal; }

 public slots:
  void deleteSelection();
  void copySelection();
  void cutSelection();
  void paste();  // from the clipboard, shifted a little further on each paste
  void duplicateSelection();
  void selectAllNodes();
  // Lays out the selection when it has two nodes or more, else the whole graph.
  void autoLayout();
  void autoLayoutAll();
  // Blocks: group the selected nodes (one undo step), ungroup / collapse-or-expand the selected
  // blocks (or the block of the selected nodes).
  void groupSelection();
  void ungroupSelection();
  void toggleSelectedBlocks();

 signals:
  void graphRebuilt();  // after a model reset: views refit
  // A connection gesture was refused; `reason` is strata::canConnect's.
  void connectionRefused(const QString& reason, QPointF scenePos);
  // A right click on the canvas (the item under it is selected first, as file managers do): the
  // window shows its edit menu there.
  void contextMenuRequested(QPointF scenePos, QPoint screenPos);
  // An edit was refused for a reason worth showing (grouping nodes already in a block, ...).
  void editRefused(const QString& reason);
  // A wire was dropped on empty canvas: offer the layers that fit (GraphModel::typesFitting)
  // and create one there with GraphEditor::addNodeConnected.
  void requestNodeAt(QPointF scenePos, const strata::Endpoint& from, bool fromOutput);

 protected:
  void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
  void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void contextMenuEvent(QGraphicsSceneContextMenuEvent* event) override;

 private:
  struct PortRef {
    NodeItem* item = nullptr;
    std::string port;
    bool output = false;
  };
  struct WireDrag {
    Endpoint anchor;
    bool fromOutput = true;
    std::optional<GraphEdge> detached;  // an existing edge picked up by its input end
  };

  std::optional<PortRef> portAt(QPointF scenePos) const;
  NodeItem* nodeAt(QPointF scenePos) const;
  bool startWire(const PortRef& port, QPointF scenePos);
  // The edge a drop on `target` would make, and the reason it is refused (empty if legal).
  GraphEdge wireEdge(const PortRef& target) const;
  QString refusalFor(const GraphEdge& edge) const;
  void finishWire(QPointF scenePos);
  void refuse(const QString& reason, QPointF scenePos);
  void cancelWire();
  void pasteText(const QString& text, QPointF offset);
  void nodeItemMoved(NodeItem* item);
  static std::string edgeKey(const GraphEdge& edge);
  void rebuild();
  void addNodeItem(const std::string& id);
  void removeNodeItem(const std::string& id);
  void addEdgeItem(const GraphEdge& edge);
  void removeEdgeItem(const GraphEdge& edge);
  void moveNodeItem(const std::string& id, QPointF pos);
  void refreshContent();  // every card and label from the current analysis
  void updateEdgeGeometry(EdgeItem* edge) const;
  void updateEdgesOf(const std::string& nodeId);
  void updateSceneRect();
  // Small graphs keep their text further out (CanvasTheme::detailZoom follows the node count).
  void updateDetailZoom();
  // Blocks: items from the document, frames around their members, collapsed members hidden.
  void rebuildBlocks();
  void updateBlockGeometry(const std::string& blockId);
  void applyCollapse();
  QPointF endpointPos(const Endpoint& end, bool output) const;
  void blockGesture(BlockItem* item, int gesture, QPointF delta);
  // The blocks the selection names: selected blocks, else the blocks of the selected nodes.
  std::vector<std::string> targetBlocks() const;

  GraphModel* m_model = nullptr;
  GraphEditor* m_editor = nullptr;
  CanvasTheme m_theme = CanvasTheme::light();
  // Edges first in destruction order: they are declared after the nodes.
  std::unordered_map<std::string, std::unique_ptr<NodeItem>> m_nodes;
  std::unordered_map<std::string, std::unique_ptr<EdgeItem>> m_edges;
  // node id -> the edges touching it, so a moving card re-routes only its own wires.
  std::unordered_map<std::string, std::vector<EdgeItem*>> m_edgesOf;
  std::unordered_map<std::string, std::unique_ptr<BlockItem>> m_blocks;
  std::unordered_map<std::string, std::string> m_blockOfNode;  // member node id -> block id
  std::map<std::string, QPointF> m_blockDragStart;  // member positions when a block drag began
  std::unique_ptr<WireItem> m_wire;
  std::unique_ptr<CanvasHintItem> m_hint;
  std::optional<WireDrag> m_wireDrag;
  std::string m_hoverKey;  // the port the wire last tested, so validity is computed once per port
  QString m_lastRefusal;
  std::map<std::string, QPointF> m_dragStart;  // card positions when a drag began
  int m_pasteCount = 0;
};

}  // namespace strata::gui
