#include "document/autolayoutcommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

AutoLayoutCommand::AutoLayoutCommand(GraphModel* model, std::vector<MoveNodesCommand::Move> moves,
                                     QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_moves(std::move(moves)) {
  setText(QCoreApplication::translate("strata::gui::AutoLayoutCommand", "Auto-layout"));
}

void AutoLayoutCommand::redo() {
  for (const auto& m : m_moves) m_model->moveNode(m.id, m.to);
}

void AutoLayoutCommand::undo() {
  for (auto it = m_moves.rbegin(); it != m_moves.rend(); ++it) m_model->moveNode(it->id, it->from);
}

}  // namespace strata::gui
