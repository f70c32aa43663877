#include "document/removeitemscommand.h"

#include <QCoreApplication>

#include <algorithm>
#include <set>

#include "document/graphfragment.h"
#include "document/graphmodel.h"

namespace strata::gui {

RemoveItemsCommand::RemoveItemsCommand(GraphModel* model, std::vector<std::string> nodeIds,
                                       std::vector<GraphEdge> edges, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_nodeIds(std::move(nodeIds)),
      m_edges(std::move(edges)) {
  const QString what =
      m_nodeIds.size() == 1 && m_edges.empty()
          ? QString::fromStdString(m_nodeIds.front())
          : QCoreApplication::translate("strata::gui::RemoveItemsCommand", "%n item(s)", nullptr,
                                        int(m_nodeIds.size() + m_edges.size()));
  setText(QCoreApplication::translate("strata::gui::RemoveItemsCommand", "Delete %1").arg(what));
}

void RemoveItemsCommand::redo() {
  const GraphDocument& doc = m_model->document();
  m_blocks = doc.blocks;
  const std::set<std::string> ids(m_nodeIds.begin(), m_nodeIds.end());
  std::vector<std::pair<int, GraphEdge>> edges;
  for (size_t i = 0; i < doc.edges.size(); ++i) {
    const GraphEdge& e = doc.edges[i];
    const bool explicitEdge = std::find(m_edges.begin(), m_edges.end(), e) != m_edges.end();
    if (explicitEdge || ids.count(e.from.node) || ids.count(e.to.node))
      edges.emplace_back(int(i), e);
  }
  std::vector<std::pair<int, const GraphNode*>> nodes;
  for (size_t i = 0; i < doc.nodes.size(); ++i)
    if (ids.count(doc.nodes[i].id)) nodes.emplace_back(int(i), &doc.nodes[i]);

  m_snapshot = Json{{"nodes", Json::array()}, {"edges", Json::array()}};
  for (const auto& [index, node] : nodes)
    m_snapshot["nodes"].push_back({{"index", index}, {"node", GraphFragment::nodeToJson(*node)}});
  for (const auto& [index, edge] : edges)
    m_snapshot["edges"].push_back(
        {{"index", index}, {"from", edge.from.toString()}, {"to", edge.to.toString()}});

  // Edges first, last to first, so the remaining indices stay valid; then the nodes.
  for (auto it = edges.rbegin(); it != edges.rend(); ++it) m_model->removeEdge(it->second);
  std::vector<std::string> order;
  for (const auto& [index, node] : nodes) order.push_back(node->id);
  for (auto it = order.rbegin(); it != order.rend(); ++it) m_model->removeNode(*it);
}

void RemoveItemsCommand::undo() {
  // Ascending indices: each insertion lands where the item was before the deletion.
  for (const Json& entry : m_snapshot["nodes"])
    if (auto node = GraphFragment::nodeFromJson(entry["node"]))
      m_model->addNode(*node, entry["index"].get<int>());
  for (const Json& entry : m_snapshot["edges"]) {
    auto from = parseEndpoint(entry["from"].get<std::string>());
    auto to = parseEndpoint(entry["to"].get<std::string>());
    if (from && to) m_model->addEdge(GraphEdge{*from, *to}, entry["index"].get<int>());
  }
  m_model->setBlocks(m_blocks);
}

}  // namespace strata::gui
