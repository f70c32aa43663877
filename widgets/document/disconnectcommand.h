// Undo command that removes one edge; undo() puts it back at its old place in the edge list.
#pragma once

#include <QUndoCommand>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class DisconnectCommand final : public QUndoCommand {
 public:
  DisconnectCommand(GraphModel* model, GraphEdge edge, QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;

 private:
  GraphModel* m_model = nullptr;
  GraphEdge m_edge;
  int m_index = -1;  // recorded by redo()
};

}  // namespace strata::gui
