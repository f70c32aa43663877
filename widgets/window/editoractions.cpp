#include "window/editoractions.h"

#include <QAction>
#include <QUndoStack>

#include "document/graphmodel.h"
#include "canvas/graphscene.h"

namespace strata::gui {

EditorActions::EditorActions(GraphScene* scene, QObject* parent)
    : QObject(parent), m_scene(scene) {
  QUndoStack* stack = scene->model()->undoStack();
  m_undo = stack->createUndoAction(this, tr("&Undo"));
  m_undo->setShortcut(QKeySequence::Undo);
  m_redo = stack->createRedoAction(this, tr("&Redo"));
  m_redo->setShortcut(QKeySequence::Redo);

  auto make = [this](const QString& text, const QKeySequence& key, void (GraphScene::*slot)()) {
    auto* action = new QAction(text, this);
    action->setShortcut(key);
    connect(action, &QAction::triggered, m_scene, slot);
    return action;
  };
  m_cut = make(tr("Cu&t"), QKeySequence::Cut, &GraphScene::cutSelection);
  m_copy = make(tr("&Copy"), QKeySequence::Copy, &GraphScene::copySelection);
  m_paste = make(tr("&Paste"), QKeySequence::Paste, &GraphScene::paste);
  m_duplicate = make(tr("D&uplicate"), QKeySequence(tr("Ctrl+D")),
                     &GraphScene::duplicateSelection);
  m_delete = make(tr("&Delete"), QKeySequence::Delete, &GraphScene::deleteSelection);
  m_selectAll = make(tr("Select &All"), QKeySequence::SelectAll, &GraphScene::selectAllNodes);
  m_autoLayout = make(tr("Auto-&layout"), QKeySequence(tr("Ctrl+L")), &GraphScene::autoLayout);
  m_autoLayout->setToolTip(tr("Lay out the selection (or the whole graph) left to right"));
  m_group = make(tr("&Group into Block"), QKeySequence(tr("Ctrl+G")), &GraphScene::groupSelection);
  m_group->setToolTip(tr("Group the selected nodes into a named block; set Repeat \u00d7N in "
                         "the inspector to stack N copies with their own weights"));
  m_ungroup = make(tr("U&ngroup Block"), QKeySequence(tr("Ctrl+Shift+G")),
                   &GraphScene::ungroupSelection);
  m_toggleBlock = make(tr("Collapse/E&xpand Block"), QKeySequence(tr("Ctrl+E")),
                       &GraphScene::toggleSelectedBlocks);

  connect(scene, &QGraphicsScene::selectionChanged, this, &EditorActions::updateEnabled);
  connect(scene->model(), &GraphModel::modelReset, this, &EditorActions::updateEnabled);
  connect(scene->model(), &GraphModel::blocksChanged, this, &EditorActions::updateEnabled);
  updateEnabled();
}

QList<QAction*> EditorActions::all() const {
  return {m_undo,   m_redo,   nullptr,     m_cut,       m_copy,      m_paste,
          m_duplicate, m_delete, nullptr, m_selectAll, m_autoLayout, nullptr,
          m_group,  m_ungroup, m_toggleBlock};
}

void EditorActions::updateEnabled() {
  const bool nodes = !m_scene->selectedNodeIds().empty();
  const bool blocks = !m_scene->selectedBlockIds().empty();
  m_cut->setEnabled(nodes || blocks);
  m_copy->setEnabled(nodes || blocks);
  m_duplicate->setEnabled(nodes || blocks);
  m_delete->setEnabled(nodes || blocks || !m_scene->selectedEdges().empty());
  m_group->setEnabled(nodes);
  bool inBlock = blocks;
  for (const std::string& id : m_scene->selectedNodeIds())
    inBlock = inBlock || m_scene->model()->document().blockOf(id) != nullptr;
  m_ungroup->setEnabled(inBlock);
  m_toggleBlock->setEnabled(inBlock);
}

}  // namespace strata::gui
