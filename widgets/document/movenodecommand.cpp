#include "document/movenodecommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

MoveNodeCommand::MoveNodeCommand(GraphModel* model, std::string nodeId, QPointF from, QPointF to,
                                 QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_nodeId(std::move(nodeId)), m_from(from), m_to(to) {
  setText(QCoreApplication::translate("strata::gui::MoveNodeCommand", "Move %1")
              .arg(QString::fromStdString(m_nodeId)));
}

void MoveNodeCommand::redo() { m_model->moveNode(m_nodeId, m_to); }

void MoveNodeCommand::undo() { m_model->moveNode(m_nodeId, m_from); }

bool MoveNodeCommand::mergeWith(const QUndoCommand* other) {
  const auto* move = static_cast<const MoveNodeCommand*>(other);
  if (move->m_nodeId != m_nodeId) return false;
  m_to = move->m_to;
  return true;
}

}  // namespace strata::gui
