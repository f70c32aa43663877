// Undo command that adds one node: holds the node's value (id, type, params, position) and its
// place in the document's list, never an item pointer.
#pragma once

#include <QUndoCommand>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class AddNodeCommand final : public QUndoCommand {
 public:
  AddNodeCommand(GraphModel* model, GraphNode node, QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  const std::string& nodeId() const { return m_node.id; }

 private:
  GraphModel* m_model = nullptr;
  GraphNode m_node;
};

}  // namespace strata::gui
