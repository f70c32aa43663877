#include "document/pastecommand.h"

#include <QCoreApplication>

#include "document/graphmodel.h"

namespace strata::gui {

PasteCommand::PasteCommand(GraphModel* model, const GraphDocument& fragment, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_fragment(fragment.toJson()) {
  setText(QCoreApplication::translate("strata::gui::PasteCommand", "Paste %n node(s)", nullptr,
                                      int(fragment.nodes.size())));
}

std::vector<std::string> PasteCommand::nodeIds() const {
  std::vector<std::string> ids;
  for (const Json& n : m_fragment["nodes"]) ids.push_back(n["id"].get<std::string>());
  return ids;
}

void PasteCommand::redo() {
  Result<GraphDocument> fragment = GraphDocument::fromJson(m_fragment);
  if (!fragment) return;
  for (const GraphNode& n : fragment->nodes) m_model->addNode(n);
  for (const GraphEdge& e : fragment->edges) m_model->addEdge(e);
  if (!fragment->blocks.empty()) {
    std::vector<GraphBlock> blocks = m_model->document().blocks;
    blocks.insert(blocks.end(), fragment->blocks.begin(), fragment->blocks.end());
    m_model->setBlocks(std::move(blocks));
  }
}

void PasteCommand::undo() {
  // Removing the nodes removes their edges, which were appended last and so leave no gaps, and
  // the pasted blocks, which empty.
  const std::vector<std::string> ids = nodeIds();
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) m_model->removeNode(*it);
}

}  // namespace strata::gui
