#include "editoractions.h"

#include <QAction>
#include <QUndoStack>

#include "graphmodel.h"
#include "graphscene.h"

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

  connect(scene, &QGraphicsScene::selectionChanged, this, &EditorActions::updateEnabled);
  connect(scene->model(), &GraphModel::modelReset, this, &EditorActions::updateEnabled);
  updateEnabled();
}

QList<QAction*> EditorActions::all() const {
  return {m_undo,   m_redo,   nullptr,     m_cut,       m_copy,      m_paste,
          m_duplicate, m_delete, nullptr, m_selectAll, m_autoLayout};
}

void EditorActions::updateEnabled() {
  const bool nodes = !m_scene->selectedNodeIds().empty();
  m_cut->setEnabled(nodes);
  m_copy->setEnabled(nodes);
  m_duplicate->setEnabled(nodes);
  m_delete->setEnabled(nodes || !m_scene->selectedEdges().empty());
}

}  // namespace strata::gui
