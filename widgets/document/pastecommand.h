// Undo command that adds a prepared fragment (nodes and their internal edges, already renamed
// and offset: see GraphFragment::preparePaste) as one step. Holds the fragment's JSON.
#pragma once

#include <QUndoCommand>

#include <string>
#include <vector>

#include "graph/document.h"

namespace strata::gui {

class GraphModel;

class PasteCommand final : public QUndoCommand {
 public:
  PasteCommand(GraphModel* model, const GraphDocument& fragment, QUndoCommand* parent = nullptr);

  void redo() override;
  void undo() override;
  std::vector<std::string> nodeIds() const;

 private:
  GraphModel* m_model = nullptr;
  Json m_fragment;  // {"nodes": [...], "edges": [...]} as in a .strata file
};

}  // namespace strata::gui
