// Undo command for an auto-layout: the new and old position of every node it placed (computed
// beforehand by AutoLayout), applied in one step.
#pragma once

#include <QUndoCommand>

#include <vector>

#include "document/movenodescommand.h"

namespace strata::gui {

class GraphModel;

class AutoLayoutCommand final : public QUndoCommand {
 public:
  AutoLayoutCommand(GraphModel* model, std::vector<MoveNodesCommand::Move> moves,
                    QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;

 private:
  GraphModel* m_model = nullptr;
  std::vector<MoveNodesCommand::Move> m_moves;
};

}  // namespace strata::gui
