#include "document/grapheditor.h"

#include <QUndoStack>

#include <algorithm>

#include "document/addnodecommand.h"
#include "document/autolayout.h"
#include "document/autolayoutcommand.h"
#include "document/connectcommand.h"
#include "document/disconnectcommand.h"
#include "graph/analysis.h"
#include "document/graphfragment.h"
#include "document/graphmodel.h"
#include "document/pastecommand.h"
#include "document/removeitemscommand.h"
#include "document/setblockscommand.h"
#include "document/setparamcommand.h"

namespace strata::gui {

GraphEditor::GraphEditor(GraphModel* model, QObject* parent) : QObject(parent), m_model(model) {}

QUndoStack* GraphEditor::undoStack() const { return m_model->undoStack(); }

std::string GraphEditor::addNode(const std::string& type, QPointF pos, const Json& params) {
  if (!LayerRegistry::instance().find(type)) return {};
  GraphNode node;
  node.id = m_model->uniqueNodeId(GraphModel::idStemForType(type));
  node.type = type;
  node.params = params.is_object() ? params : Json::object();
  node.x = pos.x();
  node.y = pos.y();
  undoStack()->push(new AddNodeCommand(m_model, node));
  return node.id;
}

std::string GraphEditor::addNodeConnected(const std::string& type, QPointF pos,
                                          const Endpoint& end, bool fromOutput) {
  const LayerSpec* spec = LayerRegistry::instance().find(type);
  if (!spec) return {};
  GraphNode node;
  node.id = m_model->uniqueNodeId(GraphModel::idStemForType(type));
  node.type = type;
  node.x = pos.x();
  node.y = pos.y();
  // Try the new node's ports in order on a scratch copy of the document.
  GraphDocument scratch = m_model->document();
  scratch.nodes.push_back(node);
  std::optional<GraphEdge> edge;
  const auto& ports = fromOutput ? spec->inputs : spec->outputs;
  for (const PortSpec& p : ports) {
    if (p.fromData) continue;
    const std::string name = p.variadic ? p.name + "0" : p.name;
    GraphEdge candidate = fromOutput ? GraphEdge{end, {node.id, name}}
                                     : GraphEdge{{node.id, name}, end};
    if (canConnect(scratch, candidate).empty()) {
      edge = candidate;
      break;
    }
  }
  auto* macro = new QUndoCommand(QObject::tr("Add %1").arg(QString::fromStdString(node.id)));
  new AddNodeCommand(m_model, node, macro);
  if (edge) new ConnectCommand(m_model, *edge, macro);
  undoStack()->push(macro);
  return node.id;
}

bool GraphEditor::removeItems(const std::vector<std::string>& nodeIds,
                              const std::vector<GraphEdge>& edges) {
  std::vector<std::string> ids;
  for (const std::string& id : nodeIds)
    if (m_model->document().node(id)) ids.push_back(id);
  std::vector<GraphEdge> present;
  for (const GraphEdge& e : edges)
    if (m_model->edgeIndex(e) >= 0) present.push_back(e);
  if (ids.empty() && present.empty()) return false;
  undoStack()->push(new RemoveItemsCommand(m_model, std::move(ids), std::move(present)));
  return true;
}

bool GraphEditor::moveNodes(std::vector<MoveNodesCommand::Move> moves, bool mergeable) {
  std::erase_if(moves, [&](const MoveNodesCommand::Move& m) {
    return m.from == m.to || !m_model->document().node(m.id);
  });
  if (moves.empty()) return false;
  undoStack()->push(new MoveNodesCommand(m_model, std::move(moves), mergeable));
  return true;
}

QString GraphEditor::connectPorts(const GraphEdge& edge) {
  const std::string reason = canConnect(m_model->document(), edge);
  if (!reason.empty()) return QString::fromStdString(reason);
  undoStack()->push(new ConnectCommand(m_model, edge));
  return {};
}

bool GraphEditor::disconnectEdge(const GraphEdge& edge) {
  if (m_model->edgeIndex(edge) < 0) return false;
  undoStack()->push(new DisconnectCommand(m_model, edge));
  return true;
}

QString GraphEditor::reconnect(const GraphEdge& old, const GraphEdge& replacement) {
  if (old == replacement) return {};
  GraphDocument scratch = m_model->document();
  std::erase(scratch.edges, old);
  const std::string reason = canConnect(scratch, replacement);
  if (!reason.empty()) return QString::fromStdString(reason);
  auto* macro = new QUndoCommand(QObject::tr("Reconnect %1")
                                     .arg(QString::fromStdString(replacement.to.toString())));
  new DisconnectCommand(m_model, old, macro);
  new ConnectCommand(m_model, replacement, macro);
  undoStack()->push(macro);
  return {};
}

bool GraphEditor::setParam(const std::string& nodeId, const std::string& key, const Json& value) {
  const GraphNode* node = m_model->document().node(nodeId);
  if (!node) return false;
  auto current = node->params.find(key);
  const bool unchanged = value.is_null() ? current == node->params.end()
                                         : current != node->params.end() && *current == value;
  if (unchanged) return false;
  undoStack()->push(new SetParamCommand(m_model, nodeId, key, value));
  return true;
}

std::vector<std::string> GraphEditor::paste(const GraphDocument& fragment, QPointF offset) {
  if (fragment.nodes.empty()) return {};
  const GraphDocument prepared =
      GraphFragment::preparePaste(fragment, m_model->document(), offset);
  auto* command = new PasteCommand(m_model, prepared);
  std::vector<std::string> ids = command->nodeIds();
  undoStack()->push(command);
  return ids;
}

bool GraphEditor::autoLayout(const std::vector<std::string>& ids,
                             const std::map<std::string, QSizeF>& sizes) {
  const GraphDocument& doc = m_model->document();
  // A collapsed block lays out as one card: its first member stands for it (at the members'
  // top-left corner, with the size the scene gives it), and every member moves with it.
  std::map<std::string, std::string> stand;  // member of a collapsed block -> its first member
  std::map<std::string, QPointF> corner;     // first member -> the members' top-left corner
  for (const GraphBlock& b : doc.blocks) {
    if (!b.collapsed) continue;
    QPointF tl(1e300, 1e300);
    for (const std::string& n : b.nodes) {
      stand[n] = b.nodes.front();
      if (const GraphNode* node = doc.node(n))
        tl = {std::min(tl.x(), node->x), std::min(tl.y(), node->y)};
    }
    corner[b.nodes.front()] = tl;
  }
  auto rep = [&](const std::string& id) {
    auto it = stand.find(id);
    return it == stand.end() ? id : it->second;
  };
  GraphDocument contracted;
  for (const GraphNode& n : doc.nodes) {
    if (rep(n.id) != n.id) continue;
    GraphNode c = n;
    if (auto tl = corner.find(n.id); tl != corner.end()) {
      c.x = tl->second.x();
      c.y = tl->second.y();
    }
    contracted.nodes.push_back(std::move(c));
  }
  for (const GraphEdge& e : doc.edges) {
    GraphEdge c{{rep(e.from.node), e.from.port}, {rep(e.to.node), e.to.port}};
    if (c.from.node == c.to.node ||
        std::find(contracted.edges.begin(), contracted.edges.end(), c) != contracted.edges.end())
      continue;
    contracted.edges.push_back(std::move(c));
  }
  std::vector<std::string> wanted;
  for (const std::string& id : ids)
    if (std::find(wanted.begin(), wanted.end(), rep(id)) == wanted.end()) wanted.push_back(rep(id));
  const std::map<std::string, QPointF> positions = AutoLayout::compute(contracted, wanted, sizes);

  std::vector<MoveNodesCommand::Move> moves;
  for (const GraphNode& n : doc.nodes) {
    auto it = positions.find(rep(n.id));
    if (it == positions.end()) continue;
    const QPointF from(n.x, n.y);
    QPointF to = it->second;
    if (auto tl = corner.find(rep(n.id)); tl != corner.end()) to = from + (it->second - tl->second);
    if (from != to) moves.push_back({n.id, from, to});
  }
  if (moves.empty()) return false;
  undoStack()->push(new AutoLayoutCommand(m_model, std::move(moves)));
  return true;
}

std::string GraphEditor::groupNodes(const std::vector<std::string>& ids, QString* reason) {
  const GraphDocument& doc = m_model->document();
  std::vector<std::string> members;
  for (const GraphNode& n : doc.nodes)  // document order, so copies keep the graph's order
    if (std::find(ids.begin(), ids.end(), n.id) != ids.end()) members.push_back(n.id);
  auto refuse = [&](const QString& why) {
    if (reason) *reason = why;
    return std::string();
  };
  if (members.empty()) return refuse(tr("Select the nodes to group first."));
  for (const std::string& id : members)
    if (const GraphBlock* b = doc.blockOf(id))
      return refuse(tr("%1 is already in block %2; ungroup it first.")
                        .arg(QString::fromStdString(id), QString::fromStdString(b->id)));
  GraphBlock block;
  block.id = m_model->uniqueBlockId("block");
  block.name = block.id == "block" ? std::string("Block") : "Block " + block.id.substr(5);
  block.nodes = members;
  std::vector<GraphBlock> after = doc.blocks;
  after.push_back(block);
  undoStack()->push(new SetBlocksCommand(
      m_model, doc.blocks, std::move(after),
      tr("Group %n node(s)", nullptr, int(members.size()))));
  return block.id;
}

bool GraphEditor::ungroup(const std::string& blockId) {
  const GraphDocument& doc = m_model->document();
  if (!doc.block(blockId)) return false;
  std::vector<GraphBlock> after = doc.blocks;
  std::erase_if(after, [&](const GraphBlock& b) { return b.id == blockId; });
  undoStack()->push(new SetBlocksCommand(m_model, doc.blocks, std::move(after),
                                         tr("Ungroup %1").arg(QString::fromStdString(blockId))));
  return true;
}

bool GraphEditor::changeBlock(const std::string& blockId, const QString& text,
                              const std::function<void(GraphBlock&)>& change) {
  const GraphDocument& doc = m_model->document();
  std::vector<GraphBlock> after = doc.blocks;
  auto it = std::find_if(after.begin(), after.end(),
                         [&](const GraphBlock& b) { return b.id == blockId; });
  if (it == after.end()) return false;
  change(*it);
  if (after == doc.blocks) return false;
  undoStack()->push(new SetBlocksCommand(m_model, doc.blocks, std::move(after), text));
  return true;
}

bool GraphEditor::renameBlock(const std::string& blockId, const std::string& name) {
  return changeBlock(blockId, tr("Rename block %1").arg(QString::fromStdString(blockId)),
                     [&](GraphBlock& b) { b.name = name; });
}

QString GraphEditor::changeBlockId(const std::string& blockId, const std::string& newId) {
  const GraphDocument& doc = m_model->document();
  if (!doc.block(blockId)) return tr("No block %1").arg(QString::fromStdString(blockId));
  if (newId == blockId) return {};
  if (!isIdentifier(newId))
    return tr("Use letters, digits and _ (it names the copies' weights: %1.0.<layer>.weight)")
        .arg(QString::fromStdString(newId));
  if (doc.node(newId)) return tr("A node is called %1").arg(QString::fromStdString(newId));
  if (doc.block(newId)) return tr("Another block is called %1").arg(QString::fromStdString(newId));
  changeBlock(blockId,
              tr("Rename block %1 to %2")
                  .arg(QString::fromStdString(blockId), QString::fromStdString(newId)),
              [&](GraphBlock& b) { b.id = newId; });
  return {};
}

bool GraphEditor::setBlockRepeat(const std::string& blockId, int repeat) {
  if (repeat < 1 || repeat > GraphBlock::kMaxRepeat) return false;
  return changeBlock(blockId,
                     tr("Repeat %1 \u00d7%2").arg(QString::fromStdString(blockId)).arg(repeat),
                     [&](GraphBlock& b) { b.repeat = repeat; });
}

bool GraphEditor::setBlockCollapsed(const std::string& blockId, bool collapsed) {
  return changeBlock(blockId,
                     (collapsed ? tr("Collapse %1") : tr("Expand %1"))
                         .arg(QString::fromStdString(blockId)),
                     [&](GraphBlock& b) { b.collapsed = collapsed; });
}

}  // namespace strata::gui
