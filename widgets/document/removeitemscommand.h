// Undo command that deletes nodes and edges. redo() takes a JSON snapshot of everything it removes
// (the nodes, every edge touching them, the extra edges) with their places in the document, so
// undo() puts the document back exactly as it was, order and block membership included.
#pragma once

#include <QUndoCommand>

#include <string>
#include <vector>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class RemoveItemsCommand final : public QUndoCommand {
 public:
  RemoveItemsCommand(GraphModel* model, std::vector<std::string> nodeIds,
                     std::vector<GraphEdge> edges, QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  // {"nodes": [{"index": i, "node": {...}}], "edges": [{"index": j, "from": .., "to": ..}]}
  const Json& snapshot() const { return m_snapshot; }

 private:
  GraphModel* m_model = nullptr;
  std::vector<std::string> m_nodeIds;
  std::vector<GraphEdge> m_edges;
  Json m_snapshot;
  std::vector<GraphBlock> m_blocks;  // the blocks before the deletion (members may be removed)
};

}  // namespace strata::gui
