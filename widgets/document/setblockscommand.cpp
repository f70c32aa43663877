#include "document/setblockscommand.h"

#include "document/graphmodel.h"

namespace strata::gui {

SetBlocksCommand::SetBlocksCommand(GraphModel* model, std::vector<GraphBlock> before,
                                   std::vector<GraphBlock> after, const QString& text,
                                   QUndoCommand* parent)
    : QUndoCommand(text, parent), m_model(model), m_before(std::move(before)),
      m_after(std::move(after)) {}

void SetBlocksCommand::redo() { m_model->setBlocks(m_after); }

void SetBlocksCommand::undo() { m_model->setBlocks(m_before); }

}  // namespace strata::gui
