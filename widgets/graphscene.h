// The canvas scene: listens to a GraphModel and keeps one NodeItem per node and one EdgeItem per
// edge, keyed by node id and by "from->to". It never changes the document; the editor's gestures
// will be reported to the model side, which pushes undo commands.
#pragma once

#include <QGraphicsScene>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "canvastheme.h"
#include "graph/document.h"

namespace strata::gui {

class EdgeItem;
class GraphModel;
class NodeItem;

class GraphScene final : public QGraphicsScene {
  Q_OBJECT

 public:
  explicit GraphScene(GraphModel* model, QObject* parent = nullptr);
  ~GraphScene() override;

  GraphModel* model() const { return m_model; }
  const CanvasTheme& theme() const { return m_theme; }
  void setTheme(const CanvasTheme& theme);

  NodeItem* nodeItem(const std::string& id) const;
  EdgeItem* edgeItem(const GraphEdge& edge) const;
  std::vector<NodeItem*> nodeItems() const;  // in document order
  std::vector<EdgeItem*> edgeItems() const;  // in document order
  // The bounding box of the graph's cards and edges (not the padded scene rect).
  QRectF graphBounds() const;

 signals:
  void graphRebuilt();  // after a model reset: views refit

 private:
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

  GraphModel* m_model = nullptr;
  CanvasTheme m_theme = CanvasTheme::light();
  // Edges first in destruction order: they are declared after the nodes.
  std::unordered_map<std::string, std::unique_ptr<NodeItem>> m_nodes;
  std::unordered_map<std::string, std::unique_ptr<EdgeItem>> m_edges;
};

}  // namespace strata::gui
