#include "document/connectcommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

ConnectCommand::ConnectCommand(GraphModel* model, GraphEdge edge, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_edge(std::move(edge)) {
  setText(QCoreApplication::translate("strata::gui::ConnectCommand", "Connect %1 to %2")
              .arg(QString::fromStdString(m_edge.from.toString()),
                   QString::fromStdString(m_edge.to.toString())));
}

void ConnectCommand::redo() { m_model->addEdge(m_edge); }

void ConnectCommand::undo() { m_model->removeEdge(m_edge); }

}  // namespace strata::gui
