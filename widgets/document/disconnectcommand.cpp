#include "document/disconnectcommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

DisconnectCommand::DisconnectCommand(GraphModel* model, GraphEdge edge, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_edge(std::move(edge)) {
  setText(QCoreApplication::translate("strata::gui::DisconnectCommand", "Disconnect %1 from %2")
              .arg(QString::fromStdString(m_edge.to.toString()),
                   QString::fromStdString(m_edge.from.toString())));
}

void DisconnectCommand::redo() {
  m_index = m_model->edgeIndex(m_edge);
  m_model->removeEdge(m_edge);
}

void DisconnectCommand::undo() { m_model->addEdge(m_edge, m_index); }

}  // namespace strata::gui
