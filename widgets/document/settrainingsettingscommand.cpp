#include "document/settrainingsettingscommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

SetTrainingSettingsCommand::SetTrainingSettingsCommand(GraphModel* model, Json from, Json to,
                                                       QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_from(std::move(from)), m_to(std::move(to)) {
  setText(QCoreApplication::translate("SetTrainingSettingsCommand", "Change training settings"));
}

void SetTrainingSettingsCommand::redo() { m_model->setTrainingSettings(m_to); }

void SetTrainingSettingsCommand::undo() { m_model->setTrainingSettings(m_from); }

bool SetTrainingSettingsCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = static_cast<const SetTrainingSettingsCommand*>(other);
  if (o->m_model != m_model) return false;
  m_to = o->m_to;
  return true;
}

}  // namespace strata::gui
