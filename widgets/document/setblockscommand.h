// Undo command that replaces the document's blocks: grouping, ungrouping, renaming a block,
// changing its Repeat count and collapsing or expanding it are all one SetBlocksCommand.
#pragma once

#include <QUndoCommand>

#include <vector>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class SetBlocksCommand final : public QUndoCommand {
 public:
  SetBlocksCommand(GraphModel* model, std::vector<GraphBlock> before,
                   std::vector<GraphBlock> after, const QString& text,
                   QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;

 private:
  GraphModel* m_model = nullptr;
  std::vector<GraphBlock> m_before;
  std::vector<GraphBlock> m_after;
};

}  // namespace strata::gui
