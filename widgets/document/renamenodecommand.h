// Undo command for renaming a node (its id is the module name in weight keys): the node and every
// edge touching it move to the new id. Holds ids only.
#pragma once

#include <QUndoCommand>

#include <string>

namespace strata::gui {

class GraphModel;

class RenameNodeCommand final : public QUndoCommand {
 public:
  RenameNodeCommand(GraphModel* model, std::string from, std::string to,
                    QUndoCommand* parent = nullptr);

  // Empty when `id` may replace `current`, else why not.
  static QString checkId(const GraphModel* model, const std::string& current,
                         const std::string& id);

  void redo() override;
  void undo() override;

 private:
  static void rename(GraphModel* model, const std::string& from, const std::string& to);

  GraphModel* m_model = nullptr;
  std::string m_from;
  std::string m_to;
};

}  // namespace strata::gui
