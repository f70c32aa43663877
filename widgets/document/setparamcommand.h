// Undo command for one parameter edit: the node id, the key, the node's params before and after.
// Edits of the same node and key merge (typing in a spin box is one undo step). A null value
// removes the key, so an inferred parameter can go back to being inferred.
#pragma once

#include <QUndoCommand>

#include <string>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class SetParamCommand final : public QUndoCommand {
 public:
  static constexpr int kId = 1003;

  SetParamCommand(GraphModel* model, std::string nodeId, std::string key, Json value,
                  QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  int id() const override { return kId; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  GraphModel* m_model = nullptr;
  std::string m_nodeId;
  std::string m_key;
  Json m_before;  // the whole params object, so undo restores key order and absence exactly
  Json m_after;
};

}  // namespace strata::gui
