#include "document/graphmodel.h"

#include <QFileInfo>
#include <QUndoStack>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace strata::gui {

GraphModel::GraphModel(QObject* parent) : QObject(parent), m_undoStack(new QUndoStack(this)) {
  reanalyze();
}

GraphModel::~GraphModel() = default;

Status GraphModel::loadFile(const QString& path) {
  Result<GraphDocument> doc = GraphDocument::load(path.toStdString());
  if (!doc) return doc.status();
  setDocument(std::move(doc).value(), path);
  return Status::ok();
}

void GraphModel::setDocument(GraphDocument doc, const QString& filePath) {
  m_undoStack->clear();
  m_document = std::move(doc);
  layoutIfStacked();
  const bool pathChanged = filePath != m_filePath;
  m_filePath = filePath;
  reanalyze();
  emit modelReset();
  emit analysisChanged();
  if (pathChanged) emit filePathChanged(m_filePath);
}

void GraphModel::clear() { setDocument(GraphDocument{}, {}); }

const NodeAnalysis* GraphModel::nodeAnalysis(const std::string& id) const {
  return m_analysis.find(id);
}

std::optional<TensorType> GraphModel::edgeType(const GraphEdge& edge) const {
  return m_analysis.edgeType(edge);
}

QString GraphModel::displayName() const {
  const auto name = m_document.meta.find("name");
  if (name != m_document.meta.end() && name->is_string() && !name->get<std::string>().empty())
    return QString::fromStdString(name->get<std::string>());
  if (!m_filePath.isEmpty()) return QFileInfo(m_filePath).completeBaseName();
  return tr("Untitled");
}

QString GraphModel::description() const {
  const auto d = m_document.meta.find("description");
  if (d != m_document.meta.end() && d->is_string())
    return QString::fromStdString(d->get<std::string>());
  return {};
}

bool GraphModel::addNode(const GraphNode& node, int index) {
  if (node.id.empty() || m_document.node(node.id) || m_document.block(node.id)) return false;
  auto& nodes = m_document.nodes;
  if (index < 0 || index > int(nodes.size()))
    nodes.push_back(node);
  else
    nodes.insert(nodes.begin() + index, node);
  reanalyze();
  emit nodeAdded(node.id);
  emit analysisChanged();
  return true;
}

bool GraphModel::removeNode(const std::string& id) {
  auto it = std::find_if(m_document.nodes.begin(), m_document.nodes.end(),
                         [&](const GraphNode& n) { return n.id == id; });
  if (it == m_document.nodes.end()) return false;
  std::vector<GraphEdge> touching;
  for (const GraphEdge& e : m_document.edges)
    if (e.from.node == id || e.to.node == id) touching.push_back(e);
  for (const GraphEdge& e : touching) {
    std::erase(m_document.edges, e);
    emit edgeRemoved(e);
  }
  m_document.nodes.erase(it);
  bool blocksChanged = false;
  for (GraphBlock& b : m_document.blocks)
    blocksChanged = std::erase(b.nodes, id) > 0 || blocksChanged;
  std::erase_if(m_document.blocks, [](const GraphBlock& b) { return b.nodes.empty(); });
  reanalyze();
  emit nodeRemoved(id);
  if (blocksChanged) emit this->blocksChanged();
  emit analysisChanged();
  return true;
}

bool GraphModel::setBlocks(std::vector<GraphBlock> blocks) {
  if (blocks == m_document.blocks) return false;
  std::set<std::string> ids, members;
  for (const GraphBlock& b : blocks) {
    if (b.id.empty() || b.nodes.empty() || m_document.node(b.id) || !ids.insert(b.id).second ||
        b.repeat < 1 || b.repeat > GraphBlock::kMaxRepeat)
      return false;
    for (const std::string& n : b.nodes)
      if (!m_document.node(n) || !members.insert(n).second) return false;
  }
  m_document.blocks = std::move(blocks);
  reanalyze();
  emit blocksChanged();
  emit analysisChanged();
  return true;
}

std::string GraphModel::uniqueBlockId(const std::string& base) const {
  auto taken = [&](const std::string& id) {
    return m_document.node(id) != nullptr || m_document.block(id) != nullptr;
  };
  if (!taken(base)) return base;
  for (int i = 2;; ++i)
    if (!taken(base + std::to_string(i))) return base + std::to_string(i);
}

bool GraphModel::moveNode(const std::string& id, QPointF pos) {
  GraphNode* node = m_document.node(id);
  if (!node) return false;
  node->x = pos.x();
  node->y = pos.y();
  // Positions do not enter the analysis, so a move does not re-run it.
  emit nodeMoved(id, pos);
  return true;
}

bool GraphModel::setNodeParams(const std::string& id, const Json& params) {
  GraphNode* node = m_document.node(id);
  if (!node || !params.is_object()) return false;
  node->params = params;
  reanalyze();
  emit nodeChanged(id);
  emit analysisChanged();
  return true;
}

bool GraphModel::addEdge(const GraphEdge& edge, int index) {
  if (!m_document.node(edge.from.node) || !m_document.node(edge.to.node)) return false;
  auto& edges = m_document.edges;
  if (std::find(edges.begin(), edges.end(), edge) != edges.end()) return false;
  if (index < 0 || index > int(edges.size()))
    edges.push_back(edge);
  else
    edges.insert(edges.begin() + index, edge);
  reanalyze();
  emit edgeAdded(edge);
  emit analysisChanged();
  return true;
}

bool GraphModel::removeEdge(const GraphEdge& edge) {
  if (std::erase(m_document.edges, edge) == 0) return false;
  reanalyze();
  emit edgeRemoved(edge);
  emit analysisChanged();
  return true;
}

int GraphModel::nodeIndex(const std::string& id) const {
  const auto& nodes = m_document.nodes;
  auto it =
      std::find_if(nodes.begin(), nodes.end(), [&](const GraphNode& n) { return n.id == id; });
  return it == nodes.end() ? -1 : int(it - nodes.begin());
}

int GraphModel::edgeIndex(const GraphEdge& edge) const {
  const auto& edges = m_document.edges;
  auto it = std::find(edges.begin(), edges.end(), edge);
  return it == edges.end() ? -1 : int(it - edges.begin());
}

std::string GraphModel::uniqueNodeId(const std::string& base) const {
  const std::string stem = base.empty() ? std::string("node") : base;
  auto taken = [&](const std::string& id) {
    return m_document.node(id) != nullptr || m_document.block(id) != nullptr;
  };
  if (!taken(stem)) return stem;
  for (int i = 2;; ++i) {
    std::string id = stem + std::to_string(i);
    if (!taken(id)) return id;
  }
}

std::string GraphModel::idStemForType(const std::string& type) {
  std::string id;
  for (size_t i = 0; i < type.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(type[i]);
    const bool lowerBefore = i > 0 && std::islower(static_cast<unsigned char>(type[i - 1]));
    if (std::isupper(c) && lowerBefore) id += '_';
    id += std::isalnum(c) ? char(std::tolower(c)) : '_';
  }
  return id.empty() ? std::string("node") : id;
}

QStringList GraphModel::typesAcceptingKind(ValueKind kind, bool asInput) {
  auto fits = [&](ValueKind port) {
    return kind == ValueKind::Any || port == ValueKind::Any || port == kind;
  };
  QStringList types;
  for (const LayerSpec& spec : LayerRegistry::instance().all()) {
    const auto& ports = asInput ? spec.inputs : spec.outputs;
    if (std::any_of(ports.begin(), ports.end(),
                    [&](const PortSpec& p) { return !p.fromData && fits(p.kind); }))
      types << QString::fromStdString(spec.type);
  }
  return types;
}

QStringList GraphModel::typesFitting(const Endpoint& end, bool fromOutput) const {
  ValueKind kind = ValueKind::Any;
  if (const GraphNode* node = m_document.node(end.node)) {
    if (const LayerSpec* spec = LayerRegistry::instance().find(node->type)) {
      const PortSpec* port = fromOutput ? spec->outputPort(end.port) : spec->inputPort(end.port);
      if (port) kind = port->kind;
    }
  }
  if (fromOutput && kind == ValueKind::Any)
    if (std::optional<TensorType> t = m_analysis.typeOf(end)) kind = t->kind;
  return typesAcceptingKind(kind, fromOutput);
}

void GraphModel::reanalyze() { m_analysis = analyze(m_document); }

void GraphModel::layoutIfStacked() {
  auto& nodes = m_document.nodes;
  if (nodes.size() < 2) return;
  const bool stacked = std::all_of(nodes.begin(), nodes.end(), [&](const GraphNode& n) {
    return n.x == nodes.front().x && n.y == nodes.front().y;
  });
  if (!stacked) return;
  // Column = longest path from a source; row = order of appearance within the column.
  std::map<std::string, int> depth;
  for (const GraphNode& n : nodes) depth[n.id] = 0;
  for (size_t pass = 0; pass < nodes.size(); ++pass) {
    bool changed = false;
    for (const GraphEdge& e : m_document.edges) {
      if (!depth.count(e.from.node) || !depth.count(e.to.node)) continue;
      if (depth[e.to.node] < depth[e.from.node] + 1) {
        depth[e.to.node] = depth[e.from.node] + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  std::map<int, int> rows;
  for (GraphNode& n : nodes) {
    const int column = depth[n.id];
    n.x = column * 280.0;
    n.y = rows[column]++ * 220.0;
  }
}

bool GraphModel::setTrainingSettings(const Json& training) {
  if (m_document.training == training) return false;
  m_document.training = training;
  emit trainingSettingsChanged();
  return true;
}

}  // namespace strata::gui
