// Undo command for the document's "training" object: holds both JSON values, never a widget.
// Successive edits merge while the previous one is the top of the stack, so typing a learning rate
// digit by digit is one undo step.
#pragma once

#include <QUndoCommand>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class SetTrainingSettingsCommand final : public QUndoCommand {
 public:
  static constexpr int kId = 1201;

  SetTrainingSettingsCommand(GraphModel* model, Json from, Json to,
                             QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  int id() const override { return kId; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  GraphModel* m_model = nullptr;
  Json m_from;
  Json m_to;
};

}  // namespace strata::gui
