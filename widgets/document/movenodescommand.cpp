#include "document/movenodescommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

MoveNodesCommand::MoveNodesCommand(GraphModel* model, std::vector<Move> moves, bool mergeable,
                                   QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_moves(std::move(moves)), m_mergeable(mergeable) {
  setText(m_moves.size() == 1
              ? QCoreApplication::translate("strata::gui::MoveNodesCommand", "Move %1")
                    .arg(QString::fromStdString(m_moves.front().id))
              : QCoreApplication::translate("strata::gui::MoveNodesCommand", "Move %n nodes",
                                            nullptr, int(m_moves.size())));
}

void MoveNodesCommand::redo() {
  for (const Move& m : m_moves) m_model->moveNode(m.id, m.to);
}

void MoveNodesCommand::undo() {
  for (auto it = m_moves.rbegin(); it != m_moves.rend(); ++it) m_model->moveNode(it->id, it->from);
}

bool MoveNodesCommand::mergeWith(const QUndoCommand* other) {
  const auto* next = static_cast<const MoveNodesCommand*>(other);
  if (!next->m_mergeable || next->m_moves.size() != m_moves.size()) return false;
  for (size_t i = 0; i < m_moves.size(); ++i)
    if (m_moves[i].id != next->m_moves[i].id) return false;
  for (size_t i = 0; i < m_moves.size(); ++i) m_moves[i].to = next->m_moves[i].to;
  return true;
}

}  // namespace strata::gui
