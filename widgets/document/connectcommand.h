// Undo command that adds one edge, given by its endpoints. The caller checks it first with
// strata::canConnect; the command itself only adds and removes.
#pragma once

#include <QUndoCommand>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class ConnectCommand final : public QUndoCommand {
 public:
  ConnectCommand(GraphModel* model, GraphEdge edge, QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;

 private:
  GraphModel* m_model = nullptr;
  GraphEdge m_edge;
};

}  // namespace strata::gui
