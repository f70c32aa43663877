#include "graphscene.h"

#include "edgeitem.h"
#include "graphmodel.h"
#include "nodecontent.h"
#include "nodeitem.h"

namespace strata::gui {

GraphScene::GraphScene(GraphModel* model, QObject* parent)
    : QGraphicsScene(parent), m_model(model) {
  setItemIndexMethod(QGraphicsScene::NoIndex);  // few items that move: the BSP tree does not pay
  setBackgroundBrush(m_theme.background);
  connect(m_model, &GraphModel::modelReset, this, &GraphScene::rebuild);
  connect(m_model, &GraphModel::nodeAdded, this, &GraphScene::addNodeItem);
  connect(m_model, &GraphModel::nodeRemoved, this, &GraphScene::removeNodeItem);
  connect(m_model, &GraphModel::nodeMoved, this, &GraphScene::moveNodeItem);
  connect(m_model, &GraphModel::edgeAdded, this, &GraphScene::addEdgeItem);
  connect(m_model, &GraphModel::edgeRemoved, this, &GraphScene::removeEdgeItem);
  connect(m_model, &GraphModel::analysisChanged, this, &GraphScene::refreshContent);
  rebuild();
}

GraphScene::~GraphScene() {
  // The items must go before QGraphicsScene's destructor, which would delete them a second time.
  m_edges.clear();
  m_nodes.clear();
}

void GraphScene::setTheme(const CanvasTheme& theme) {
  m_theme = theme;
  for (auto& [id, item] : m_nodes) item->setTheme(&m_theme);
  for (auto& [key, item] : m_edges) item->setTheme(&m_theme);
  setBackgroundBrush(m_theme.background);
  update();
}

std::string GraphScene::edgeKey(const GraphEdge& edge) {
  return edge.from.toString() + "->" + edge.to.toString();
}

NodeItem* GraphScene::nodeItem(const std::string& id) const {
  auto it = m_nodes.find(id);
  return it == m_nodes.end() ? nullptr : it->second.get();
}

EdgeItem* GraphScene::edgeItem(const GraphEdge& edge) const {
  auto it = m_edges.find(edgeKey(edge));
  return it == m_edges.end() ? nullptr : it->second.get();
}

std::vector<NodeItem*> GraphScene::nodeItems() const {
  std::vector<NodeItem*> items;
  for (const GraphNode& n : m_model->document().nodes)
    if (NodeItem* item = nodeItem(n.id)) items.push_back(item);
  return items;
}

std::vector<EdgeItem*> GraphScene::edgeItems() const {
  std::vector<EdgeItem*> items;
  for (const GraphEdge& e : m_model->document().edges)
    if (EdgeItem* item = edgeItem(e)) items.push_back(item);
  return items;
}

QRectF GraphScene::graphBounds() const {
  QRectF bounds;
  for (const auto& [id, item] : m_nodes) bounds |= item->sceneBoundingRect();
  for (const auto& [key, item] : m_edges) bounds |= item->sceneBoundingRect();
  return bounds;
}

void GraphScene::rebuild() {
  m_edges.clear();
  m_nodes.clear();
  for (const GraphNode& n : m_model->document().nodes) addNodeItem(n.id);
  for (const GraphEdge& e : m_model->document().edges) addEdgeItem(e);
  refreshContent();
  emit graphRebuilt();
}

void GraphScene::addNodeItem(const std::string& id) {
  const GraphNode* node = m_model->document().node(id);
  if (!node || m_nodes.count(id)) return;
  auto item = std::make_unique<NodeItem>(id, &m_theme);
  item->setPos(node->x, node->y);
  item->setContent(NodeContent::describe(m_model->document(), m_model->analysis(), id));
  addItem(item.get());
  m_nodes.emplace(id, std::move(item));
}

void GraphScene::removeNodeItem(const std::string& id) { m_nodes.erase(id); }

void GraphScene::addEdgeItem(const GraphEdge& edge) {
  const std::string key = edgeKey(edge);
  if (m_edges.count(key)) return;
  auto item = std::make_unique<EdgeItem>(edge, &m_theme);
  addItem(item.get());
  updateEdgeGeometry(item.get());
  m_edges.emplace(key, std::move(item));
}

void GraphScene::removeEdgeItem(const GraphEdge& edge) { m_edges.erase(edgeKey(edge)); }

void GraphScene::moveNodeItem(const std::string& id, QPointF pos) {
  if (NodeItem* item = nodeItem(id)) {
    item->setPos(pos);
    updateEdgesOf(id);
    updateSceneRect();
  }
}

void GraphScene::refreshContent() {
  const GraphDocument& doc = m_model->document();
  const GraphAnalysis& analysis = m_model->analysis();
  // Cards first: their port positions depend on the content (variadic ports, card height).
  for (auto& [id, item] : m_nodes) item->setContent(NodeContent::describe(doc, analysis, id));
  for (auto& [key, item] : m_edges) {
    const std::optional<TensorType> type = analysis.typeOf(item->edge().from);
    if (type)
      item->setLabel(QString::fromStdString(shapeToString(type->shape)), type->kind);
    else
      item->setLabel({}, ValueKind::Any);
    updateEdgeGeometry(item.get());
  }
  updateSceneRect();
}

void GraphScene::updateEdgeGeometry(EdgeItem* edge) const {
  const NodeItem* from = nodeItem(edge->edge().from.node);
  const NodeItem* to = nodeItem(edge->edge().to.node);
  if (!from || !to) return;
  edge->setEndpoints(from->outputPortPos(edge->edge().from.port),
                     to->inputPortPos(edge->edge().to.port));
}

void GraphScene::updateEdgesOf(const std::string& nodeId) {
  for (auto& [key, item] : m_edges)
    if (item->edge().from.node == nodeId || item->edge().to.node == nodeId)
      updateEdgeGeometry(item.get());
}

void GraphScene::updateSceneRect() {
  // Generous margins so the view can pan past the graph's edges.
  const QRectF bounds = graphBounds();
  const QRectF base = bounds.isNull() ? QRectF(-400, -300, 800, 600) : bounds;
  setSceneRect(base.adjusted(-1500, -1500, 1500, 1500));
}

}  // namespace strata::gui
