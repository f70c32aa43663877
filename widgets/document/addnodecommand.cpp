#include "document/addnodecommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

AddNodeCommand::AddNodeCommand(GraphModel* model, GraphNode node, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_node(std::move(node)) {
  setText(QCoreApplication::translate("strata::gui::AddNodeCommand", "Add %1")
              .arg(QString::fromStdString(m_node.id)));
}

void AddNodeCommand::redo() { m_model->addNode(m_node); }

void AddNodeCommand::undo() { m_model->removeNode(m_node.id); }

}  // namespace strata::gui
