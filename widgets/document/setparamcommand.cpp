#include "document/setparamcommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

SetParamCommand::SetParamCommand(GraphModel* model, std::string nodeId, std::string key,
                                 Json value, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_nodeId(std::move(nodeId)), m_key(std::move(key)) {
  const GraphNode* node = m_model->document().node(m_nodeId);
  m_before = node ? node->params : Json::object();
  m_after = m_before;
  if (value.is_null())
    m_after.erase(m_key);
  else
    m_after[m_key] = std::move(value);
  setText(QCoreApplication::translate("strata::gui::SetParamCommand", "Set %1.%2")
              .arg(QString::fromStdString(m_nodeId), QString::fromStdString(m_key)));
}

void SetParamCommand::redo() { m_model->setNodeParams(m_nodeId, m_after); }

void SetParamCommand::undo() { m_model->setNodeParams(m_nodeId, m_before); }

bool SetParamCommand::mergeWith(const QUndoCommand* other) {
  const auto* next = static_cast<const SetParamCommand*>(other);
  if (next->m_nodeId != m_nodeId || next->m_key != m_key) return false;
  m_after = next->m_after;
  return true;
}

}  // namespace strata::gui
