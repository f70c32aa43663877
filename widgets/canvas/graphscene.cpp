#include "canvas/graphscene.h"

#include <QClipboard>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsSceneMouseEvent>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QMimeData>
#include <QUndoStack>

#include <algorithm>
#include <set>

#include "canvas/blockitem.h"
#include "canvas/canvashintitem.h"
#include "canvas/edgeitem.h"
#include "canvas/edgelabelitem.h"
#include "graph/analysis.h"
#include "graph/blocks.h"
#include "document/graphfragment.h"
#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "document/nodecontent.h"
#include "canvas/nodeitem.h"
#include "canvas/wireitem.h"

namespace strata::gui {

GraphScene::GraphScene(GraphModel* model, QObject* parent)
    : QGraphicsScene(parent), m_model(model), m_editor(new GraphEditor(model, this)) {
  setItemIndexMethod(QGraphicsScene::NoIndex);  // few items that move: the BSP tree does not pay
  setBackgroundBrush(m_theme.background);
  connect(m_model, &GraphModel::modelReset, this, &GraphScene::rebuild);
  connect(m_model, &GraphModel::nodeAdded, this, &GraphScene::addNodeItem);
  connect(m_model, &GraphModel::nodeRemoved, this, &GraphScene::removeNodeItem);
  connect(m_model, &GraphModel::nodeMoved, this, &GraphScene::moveNodeItem);
  connect(m_model, &GraphModel::edgeAdded, this, &GraphScene::addEdgeItem);
  connect(m_model, &GraphModel::edgeRemoved, this, &GraphScene::removeEdgeItem);
  connect(m_model, &GraphModel::analysisChanged, this, &GraphScene::refreshContent);
  m_hint = std::make_unique<CanvasHintItem>(&m_theme);
  addItem(m_hint.get());
  rebuild();
}

GraphScene::~GraphScene() {
  // The items must go before QGraphicsScene's destructor, which would delete them a second time.
  m_wire.reset();
  m_hint.reset();
  m_blocks.clear();
  m_edgesOf.clear();
  m_edges.clear();
  m_nodes.clear();
}

void GraphScene::setTheme(const CanvasTheme& theme) {
  const double detail = m_theme.detailZoom;
  m_theme = theme;
  m_theme.detailZoom = detail;
  for (auto& [id, item] : m_nodes) item->setTheme(&m_theme);
  for (auto& [key, item] : m_edges) item->setTheme(&m_theme);
  for (auto& [key, item] : m_blocks) item->setTheme(&m_theme);
  m_hint->setTheme(&m_theme);
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

BlockItem* GraphScene::blockItem(const std::string& id) const {
  auto it = m_blocks.find(id);
  return it == m_blocks.end() ? nullptr : it->second.get();
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
  cancelWire();
  m_blocks.clear();
  m_blockOfNode.clear();
  m_edgesOf.clear();
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
  item->setMoveObserver([this](NodeItem* moved) { nodeItemMoved(moved); });
  addItem(item.get());
  m_nodes.emplace(id, std::move(item));
  updateDetailZoom();
}

void GraphScene::removeNodeItem(const std::string& id) {
  m_dragStart.erase(id);
  m_edgesOf.erase(id);
  m_nodes.erase(id);
  updateDetailZoom();
}

void GraphScene::updateDetailZoom() {
  const double want = int(m_nodes.size()) <= CanvasTheme::kSmallGraphNodes
                          ? CanvasTheme::kSmallGraphDetailZoom
                          : CanvasTheme::kDetailZoom;
  if (m_theme.detailZoom == want) return;
  m_theme.detailZoom = want;
  for (auto& [id, item] : m_nodes) item->update();
  update();
}

void GraphScene::addEdgeItem(const GraphEdge& edge) {
  const std::string key = edgeKey(edge);
  if (m_edges.count(key)) return;
  auto item = std::make_unique<EdgeItem>(edge, &m_theme);
  addItem(item.get());
  updateEdgeGeometry(item.get());
  m_edgesOf[edge.from.node].push_back(item.get());
  if (edge.to.node != edge.from.node) m_edgesOf[edge.to.node].push_back(item.get());
  m_edges.emplace(key, std::move(item));
  if (!m_blocks.empty()) applyCollapse();
}

void GraphScene::removeEdgeItem(const GraphEdge& edge) {
  auto it = m_edges.find(edgeKey(edge));
  if (it == m_edges.end()) return;
  for (const std::string& node : {edge.from.node, edge.to.node}) {
    auto list = m_edgesOf.find(node);
    if (list != m_edgesOf.end()) std::erase(list->second, it->second.get());
  }
  m_edges.erase(it);
}

void GraphScene::moveNodeItem(const std::string& id, QPointF pos) {
  if (NodeItem* item = nodeItem(id)) {
    item->setPos(pos);  // the move observer re-routes its edges
    updateSceneRect();
  }
}

void GraphScene::nodeItemMoved(NodeItem* item) {
  updateEdgesOf(item->id());
  auto block = m_blockOfNode.find(item->id());
  if (block != m_blockOfNode.end()) updateBlockGeometry(block->second);
}

void GraphScene::refreshContent() {
  const GraphDocument& doc = m_model->document();
  const GraphAnalysis& analysis = m_model->analysis();
  // Cards first: their port positions depend on the content (variadic ports, card height).
  // Only cards whose content changed are re-laid out: an edit on a 500-node graph touches a few.
  for (auto& [id, item] : m_nodes) {
    NodeContent content = NodeContent::describe(doc, analysis, id);
    if (!(content == item->content())) item->setContent(std::move(content));
  }
  for (auto& [key, item] : m_edges) {
    const std::optional<TensorType> type = analysis.edgeType(item->edge());
    if (type)
      item->setLabel(QString::fromStdString(shapeToString(type->shape)), type->kind);
    else
      item->setLabel({}, ValueKind::Any);
    updateEdgeGeometry(item.get());
  }
  // Block items follow the analysis too: every block edit re-analyses (GraphModel::setBlocks,
  // removeNode), and errors and parameter counts change with any edit.
  if (!m_blocks.empty() || !doc.blocks.empty()) rebuildBlocks();
  updateSceneRect();
}

QPointF GraphScene::endpointPos(const Endpoint& end, bool output) const {
  auto block = m_blockOfNode.find(end.node);
  if (block != m_blockOfNode.end())
    if (const BlockItem* item = blockItem(block->second))
      if (item->content().collapsed) {
        if (auto pos = item->portPos(end, output)) return *pos;
        return item->sceneBoundingRect().center();
      }
  const NodeItem* node = nodeItem(end.node);
  if (!node) return {};
  return output ? node->outputPortPos(end.port) : node->inputPortPos(end.port);
}

void GraphScene::updateEdgeGeometry(EdgeItem* edge) const {
  if (!nodeItem(edge->edge().from.node) || !nodeItem(edge->edge().to.node)) return;
  edge->setEndpoints(endpointPos(edge->edge().from, true), endpointPos(edge->edge().to, false));
}

void GraphScene::rebuildBlocks() {
  const GraphDocument& doc = m_model->document();
  const GraphAnalysis& analysis = m_model->analysis();
  std::set<std::string> present;
  m_blockOfNode.clear();
  for (const GraphBlock& b : doc.blocks) {
    present.insert(b.id);
    for (const std::string& n : b.nodes) m_blockOfNode[n] = b.id;
    BlockContent c;
    c.id = b.id;
    c.name = QString::fromStdString(b.name);
    c.repeat = b.repeat;
    c.collapsed = b.collapsed;
    c.members = int(b.nodes.size());
    c.firstMember = b.nodes.front();
    const BlockPorts ports = blockPorts(doc, b);
    auto kindOf = [&](const Endpoint& end, bool output) {
      for (const GraphEdge& e : doc.edges)
        if ((output ? e.from : e.to) == end)
          if (auto t = analysis.edgeType(e)) return t->kind;
      return ValueKind::Any;
    };
    for (const Endpoint& e : ports.inputs)
      c.inputs.push_back({e, kindOf(e, false), b.repeat > 1 && c.inputs.empty()});
    for (const Endpoint& e : ports.outputs)
      c.outputs.push_back({e, kindOf(e, true), b.repeat > 1 && c.outputs.empty()});
    c.parameterCount = analysis.parameterCount(b.nodes);
    if (auto e = analysis.blockErrors.find(b.id); e != analysis.blockErrors.end())
      c.error = QString::fromStdString(e->second);
    for (const std::string& n : b.nodes)
      if (const NodeAnalysis* na = analysis.find(n); c.error.isEmpty() && na && !na->error.empty())
        c.error = QString::fromStdString(n + ": " + na->error);
    BlockItem* item = blockItem(b.id);
    if (!item) {
      auto created = std::make_unique<BlockItem>(b.id, &m_theme);
      created->setGestureHandler([this](BlockItem* it, BlockItem::Gesture g, QPointF delta) {
        blockGesture(it, int(g), delta);
      });
      item = created.get();
      addItem(item);
      m_blocks.emplace(b.id, std::move(created));
    }
    item->setContent(std::move(c));
    updateBlockGeometry(b.id);
  }
  // A block whose id changed keeps its selection (its item is replaced).
  std::set<std::string> reselect;
  for (auto it = m_blocks.begin(); it != m_blocks.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second->isSelected()) reselect.insert(it->second->content().firstMember);
    it = m_blocks.erase(it);
  }
  for (const GraphBlock& b : doc.blocks)
    if (reselect.count(b.nodes.front()))
      if (BlockItem* item = blockItem(b.id)) item->setSelected(true);
  applyCollapse();
}

void GraphScene::updateBlockGeometry(const std::string& blockId) {
  BlockItem* item = blockItem(blockId);
  const GraphBlock* block = m_model->document().block(blockId);
  if (!item || !block) return;
  QRectF rect;
  for (const std::string& n : block->nodes)
    if (const NodeItem* node = nodeItem(n)) rect |= node->mapRectToScene(node->cardRect());
  item->setMembersRect(rect);
  if (item->content().collapsed)
    for (const std::string& n : block->nodes) updateEdgesOf(n);
}

void GraphScene::applyCollapse() {
  auto collapsedBlock = [&](const std::string& node) -> std::string {
    auto b = m_blockOfNode.find(node);
    if (b == m_blockOfNode.end()) return {};
    const BlockItem* item = blockItem(b->second);
    return item && item->content().collapsed ? b->second : std::string();
  };
  for (auto& [id, item] : m_nodes) {
    const bool hide = !collapsedBlock(id).empty();
    item->setVisible(!hide);
    if (hide) item->setSelected(false);
  }
  for (auto& [key, item] : m_edges) {
    const std::string from = collapsedBlock(item->edge().from.node);
    const bool inside = !from.empty() && from == collapsedBlock(item->edge().to.node);
    item->setVisible(!inside);
    if (EdgeLabelItem* label = item->labelItem())  // a top-level item: hide it with its wire
      label->setVisible(!inside && !item->label().isEmpty());
    updateEdgeGeometry(item.get());
  }
}

void GraphScene::blockGesture(BlockItem* item, int gesture, QPointF delta) {
  const GraphBlock* block = m_model->document().block(item->id());
  if (!block) return;
  switch (BlockItem::Gesture(gesture)) {
    case BlockItem::Gesture::Toggle:
      m_editor->setBlockCollapsed(block->id, !block->collapsed);
      return;
    case BlockItem::Gesture::DragStart:
      m_blockDragStart.clear();
      for (const std::string& n : block->nodes)
        if (NodeItem* node = nodeItem(n)) m_blockDragStart[n] = node->pos();
      return;
    case BlockItem::Gesture::Drag:
      for (const auto& [n, start] : m_blockDragStart)
        if (NodeItem* node = nodeItem(n)) node->setPos(start + delta);
      return;
    case BlockItem::Gesture::DragEnd: {
      std::vector<MoveNodesCommand::Move> moves;
      for (const auto& [n, start] : m_blockDragStart)
        if (NodeItem* node = nodeItem(n); node && node->pos() != start)
          moves.push_back({n, start, node->pos()});
      m_blockDragStart.clear();
      if (!moves.empty()) m_editor->moveNodes(std::move(moves));
      updateSceneRect();
      return;
    }
  }
}

void GraphScene::updateEdgesOf(const std::string& nodeId) {
  auto it = m_edgesOf.find(nodeId);
  if (it == m_edgesOf.end()) return;
  for (EdgeItem* item : it->second) updateEdgeGeometry(item);
}

void GraphScene::updateSceneRect() {
  // Generous margins so the view can pan past the graph's edges.
  const QRectF bounds = graphBounds();
  const QRectF base = bounds.isNull() ? QRectF(-400, -300, 800, 600) : bounds;
  setSceneRect(base.adjusted(-1500, -1500, 1500, 1500));
}

}  // namespace strata::gui

// ---- Selection and edit actions ---------------------------------------------------------------

namespace strata::gui {

std::vector<std::string> GraphScene::selectedNodeIds() const {
  std::vector<std::string> ids;
  for (const GraphNode& n : m_model->document().nodes)
    if (NodeItem* item = nodeItem(n.id); item && item->isSelected()) ids.push_back(n.id);
  return ids;
}

std::vector<GraphEdge> GraphScene::selectedEdges() const {
  std::vector<GraphEdge> edges;
  for (const GraphEdge& e : m_model->document().edges)
    if (EdgeItem* item = edgeItem(e); item && item->isSelected()) edges.push_back(e);
  return edges;
}

std::vector<std::string> GraphScene::selectedBlockIds() const {
  std::vector<std::string> ids;
  for (const GraphBlock& b : m_model->document().blocks)
    if (BlockItem* item = blockItem(b.id); item && item->isSelected()) ids.push_back(b.id);
  return ids;
}

std::vector<std::string> GraphScene::targetBlocks() const {
  std::vector<std::string> ids = selectedBlockIds();
  if (!ids.empty()) return ids;
  for (const std::string& n : selectedNodeIds())
    if (const GraphBlock* b = m_model->document().blockOf(n))
      if (std::find(ids.begin(), ids.end(), b->id) == ids.end()) ids.push_back(b->id);
  return ids;
}

void GraphScene::groupSelection() {
  std::vector<std::string> ids = selectedNodeIds();
  QString reason;
  const std::string block = m_editor->groupNodes(ids, &reason);
  if (block.empty()) {
    emit editRefused(reason);
    return;
  }
  clearSelection();
  if (BlockItem* item = blockItem(block)) item->setSelected(true);
}

void GraphScene::ungroupSelection() {
  const std::vector<std::string> blocks = targetBlocks();
  if (blocks.empty()) {
    emit editRefused(tr("Select a block to ungroup."));
    return;
  }
  if (blocks.size() == 1) {
    m_editor->ungroup(blocks.front());
    return;
  }
  m_model->undoStack()->beginMacro(tr("Ungroup %n block(s)", nullptr, int(blocks.size())));
  for (const std::string& b : blocks) m_editor->ungroup(b);
  m_model->undoStack()->endMacro();
}

void GraphScene::toggleSelectedBlocks() {
  for (const std::string& b : targetBlocks())
    if (const GraphBlock* block = m_model->document().block(b))
      m_editor->setBlockCollapsed(b, !block->collapsed);
}

void GraphScene::selectNodes(const std::vector<std::string>& ids) {
  clearSelection();
  for (const std::string& id : ids)
    if (NodeItem* item = nodeItem(id)) item->setSelected(true);
}

QString GraphScene::selectionAsText() const {
  std::vector<std::string> ids = selectedNodeIds();
  for (const std::string& b : selectedBlockIds())  // a selected block copies its members
    for (const std::string& n : m_model->document().block(b)->nodes)
      if (std::find(ids.begin(), ids.end(), n) == ids.end()) ids.push_back(n);
  if (ids.empty()) return {};
  return GraphFragment::toText(GraphFragment::extract(m_model->document(), ids));
}

std::map<std::string, QSizeF> GraphScene::nodeSizes() const {
  std::map<std::string, QSizeF> sizes;
  for (const auto& [id, item] : m_nodes) sizes[id] = item->cardRect().size();
  // A collapsed block is one card, sized as drawn, standing in for its first member.
  for (const GraphBlock& b : m_model->document().blocks)
    if (const BlockItem* item = blockItem(b.id); item && b.collapsed)
      sizes[b.nodes.front()] = item->cardRect().size();
  return sizes;
}

void GraphScene::deleteSelection() {
  std::vector<std::string> ids = selectedNodeIds();
  for (const std::string& b : selectedBlockIds())  // deleting a block deletes its members
    for (const std::string& n : m_model->document().block(b)->nodes)
      if (std::find(ids.begin(), ids.end(), n) == ids.end()) ids.push_back(n);
  m_editor->removeItems(ids, selectedEdges());
}

void GraphScene::copySelection() {
  const QString text = selectionAsText();
  if (text.isEmpty()) return;
  auto* mime = new QMimeData;
  mime->setData(QLatin1String(GraphFragment::kMimeType), text.toUtf8());
  mime->setText(text);
  QGuiApplication::clipboard()->setMimeData(mime);
  m_pasteCount = 0;
}

void GraphScene::cutSelection() {
  copySelection();
  deleteSelection();
  m_pasteCount = -1;  // the first paste after a cut lands where the nodes were
}

void GraphScene::paste() {
  const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
  if (!mime) return;
  const QString text = mime->hasFormat(QLatin1String(GraphFragment::kMimeType))
                           ? QString::fromUtf8(mime->data(QLatin1String(GraphFragment::kMimeType)))
                           : mime->text();
  ++m_pasteCount;
  pasteText(text, QPointF(kPasteOffset, kPasteOffset) * m_pasteCount);
}

void GraphScene::duplicateSelection() {
  pasteText(selectionAsText(), QPointF(kPasteOffset, kPasteOffset));
}

void GraphScene::pasteText(const QString& text, QPointF offset) {
  if (text.isEmpty()) return;
  const std::optional<GraphDocument> fragment = GraphFragment::parse(text);
  if (!fragment) return;
  const std::vector<std::string> ids = m_editor->paste(*fragment, offset);
  if (!ids.empty()) selectNodes(ids);
}

void GraphScene::selectAllNodes() {
  for (auto& [id, item] : m_nodes) item->setSelected(true);
}

void GraphScene::autoLayout() {
  std::vector<std::string> ids = selectedNodeIds();
  if (ids.size() < 2) ids.clear();
  m_editor->autoLayout(ids, nodeSizes());
}

void GraphScene::autoLayoutAll() { m_editor->autoLayout({}, nodeSizes()); }

// ---- Gestures ---------------------------------------------------------------------------------

NodeItem* GraphScene::nodeAt(QPointF scenePos) const {
  for (QGraphicsItem* item : items(scenePos))
    if (item->type() == NodeItem::Type && item->isVisible()) return static_cast<NodeItem*>(item);
  return nullptr;
}

std::optional<GraphScene::PortRef> GraphScene::portAt(QPointF scenePos) const {
  const qreal r = NodeItem::kPortHitRadius;
  const QRectF area(scenePos - QPointF(r, r), QSizeF(2 * r, 2 * r));
  for (QGraphicsItem* item : items(area, Qt::IntersectsItemBoundingRect)) {
    if (item->type() == BlockItem::Type) {  // a collapsed block's outer port: its member's
      bool output = false;
      const auto port = static_cast<BlockItem*>(item)->portAt(scenePos, &output);
      if (NodeItem* member = port ? nodeItem(port->end.node) : nullptr)
        return PortRef{member, port->end.port, output};
      continue;
    }
    if (item->type() != NodeItem::Type || !item->isVisible()) continue;
    auto* node = static_cast<NodeItem*>(item);
    if (auto hit = node->portAt(scenePos)) return PortRef{node, hit->name, hit->output};
  }
  return std::nullopt;
}

bool GraphScene::startWire(const PortRef& port, QPointF scenePos) {
  WireDrag drag;
  drag.anchor = Endpoint{port.item->id(), port.port};
  drag.fromOutput = port.output;
  if (!port.output) {
    // Picking up a connected input takes its edge along: drop it elsewhere or on empty canvas.
    for (const GraphEdge& e : m_model->document().edges) {
      if (e.to != drag.anchor) continue;
      drag.detached = e;
      drag.anchor = e.from;
      drag.fromOutput = true;
      if (EdgeItem* item = edgeItem(e)) item->setVisible(false);
      break;
    }
  }
  QPointF anchorPos = endpointPos({port.item->id(), port.port}, port.output);
  if (drag.detached) anchorPos = endpointPos(drag.anchor, true);
  m_wire = std::make_unique<WireItem>(&m_theme, anchorPos, drag.fromOutput);
  m_wire->setEnd(scenePos);
  addItem(m_wire.get());
  m_wireDrag = drag;
  m_hoverKey.clear();
  return true;
}

GraphEdge GraphScene::wireEdge(const PortRef& target) const {
  const Endpoint end{target.item->id(), target.port};
  return m_wireDrag->fromOutput ? GraphEdge{m_wireDrag->anchor, end}
                                : GraphEdge{end, m_wireDrag->anchor};
}

QString GraphScene::refusalFor(const GraphEdge& edge) const {
  if (!m_wireDrag->detached) return QString::fromStdString(canConnect(m_model->document(), edge));
  if (edge == *m_wireDrag->detached) return {};
  GraphDocument scratch = m_model->document();
  std::erase(scratch.edges, *m_wireDrag->detached);
  return QString::fromStdString(canConnect(scratch, edge));
}

void GraphScene::refuse(const QString& reason, QPointF scenePos) {
  m_lastRefusal = reason;
  m_hint->showAt(scenePos, reason);
  emit connectionRefused(reason, scenePos);
}

void GraphScene::cancelWire() {
  if (m_wireDrag && m_wireDrag->detached)
    if (EdgeItem* item = edgeItem(*m_wireDrag->detached)) item->setVisible(true);
  m_wireDrag.reset();
  m_wire.reset();
}

void GraphScene::finishWire(QPointF scenePos) {
  const WireDrag drag = *m_wireDrag;
  std::optional<PortRef> target = portAt(scenePos);
  // A drop on a card's body picks its first port that fits; on a collapsed block's card, the
  // first member port that fits.
  if (!target) {
    std::vector<NodeItem*> cards;
    QString name;
    if (NodeItem* node = nodeAt(scenePos)) {
      cards.push_back(node);
      name = QString::fromStdString(node->id());
    } else {
      for (QGraphicsItem* item : items(scenePos))
        if (item->type() == BlockItem::Type && item->isVisible()) {
          auto* block = static_cast<BlockItem*>(item);
          if (!block->content().collapsed) continue;
          for (const std::string& n : m_model->document().block(block->id())->nodes)
            if (NodeItem* member = nodeItem(n)) cards.push_back(member);
          name = QString::fromStdString(block->id());
          break;
        }
    }
    if (!cards.empty()) {
      QString firstReason;
      for (NodeItem* node : cards) {
        const auto& ports = drag.fromOutput ? node->content().inputs : node->content().outputs;
        for (const NodeContent::Port& p : ports) {
          const PortRef candidate{node, p.name, !drag.fromOutput};
          const QString reason = refusalFor(wireEdge(candidate));
          if (reason.isEmpty()) {
            target = candidate;
            break;
          }
          if (firstReason.isEmpty()) firstReason = reason;
        }
        if (target) break;
      }
      if (!target) {
        cancelWire();
        refuse(firstReason.isEmpty() ? tr("'%1' has no port that fits").arg(name) : firstReason,
               scenePos);
        return;
      }
    }
  }
  cancelWire();
  if (!target) {
    if (drag.detached)
      m_editor->disconnectEdge(*drag.detached);
    else
      emit requestNodeAt(scenePos, drag.anchor, drag.fromOutput);
    return;
  }
  const Endpoint end{target->item->id(), target->port};
  const GraphEdge edge =
      drag.fromOutput ? GraphEdge{drag.anchor, end} : GraphEdge{end, drag.anchor};
  const QString reason = drag.detached ? m_editor->reconnect(*drag.detached, edge)
                                       : m_editor->connectPorts(edge);
  if (!reason.isEmpty()) refuse(reason, scenePos);
}

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
  if (event->button() == Qt::LeftButton && !m_wireDrag) {
    if (std::optional<PortRef> port = portAt(event->scenePos())) {
      startWire(*port, event->scenePos());
      event->accept();
      return;
    }
  }
  QGraphicsScene::mousePressEvent(event);
  m_dragStart.clear();
  QGraphicsItem* grabber = mouseGrabberItem();
  if (event->button() == Qt::LeftButton && grabber && grabber->type() == NodeItem::Type) {
    for (QGraphicsItem* item : selectedItems())
      if (item->type() == NodeItem::Type)
        m_dragStart[static_cast<NodeItem*>(item)->id()] = item->pos();
  }
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
  if (!m_wireDrag) {
    QGraphicsScene::mouseMoveEvent(event);
    return;
  }
  m_wire->setEnd(event->scenePos());
  const std::optional<PortRef> target = portAt(event->scenePos());
  const std::string key = target ? target->item->id() + "." + target->port : std::string();
  if (key != m_hoverKey) {
    m_hoverKey = key;
    if (!target)
      m_wire->setState(WireItem::State::Open);
    else
      m_wire->setState(refusalFor(wireEdge(*target)).isEmpty() ? WireItem::State::Valid
                                                                 : WireItem::State::Invalid);
  }
  event->accept();
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
  if (m_wireDrag) {
    if (event->button() == Qt::LeftButton) finishWire(event->scenePos());
    event->accept();
    return;
  }
  QGraphicsScene::mouseReleaseEvent(event);
  if (event->button() != Qt::LeftButton || m_dragStart.empty()) return;
  // The finished drag becomes one undo step for all the cards that moved.
  std::vector<MoveNodesCommand::Move> moves;
  for (const GraphNode& n : m_model->document().nodes) {
    auto start = m_dragStart.find(n.id);
    NodeItem* item = nodeItem(n.id);
    if (start == m_dragStart.end() || !item || item->pos() == start->second) continue;
    moves.push_back({n.id, start->second, item->pos()});
  }
  m_dragStart.clear();
  if (!moves.empty()) m_editor->moveNodes(std::move(moves));
}

void GraphScene::contextMenuEvent(QGraphicsSceneContextMenuEvent* event) {
  if (m_wireDrag) return;
  QGraphicsItem* hit = nullptr;
  for (QGraphicsItem* item : items(event->scenePos()))
    if ((item->type() == NodeItem::Type || item->type() == BlockItem::Type ||
         item->type() == EdgeItem::Type) &&
        item->isVisible() && item->shape().contains(item->mapFromScene(event->scenePos()))) {
      hit = item;
      break;
    }
  if (hit && !hit->isSelected()) {
    clearSelection();
    hit->setSelected(true);
  }
  emit contextMenuRequested(event->scenePos(), event->screenPos());
  event->accept();
}

void GraphScene::keyPressEvent(QKeyEvent* event) {
  if (!focusItem() && (event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace)) {
    deleteSelection();
    event->accept();
    return;
  }
  if (event->key() == Qt::Key_Escape && m_wireDrag) {
    cancelWire();
    event->accept();
    return;
  }
  QGraphicsScene::keyPressEvent(event);
}

}  // namespace strata::gui
