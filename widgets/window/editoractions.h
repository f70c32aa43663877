// The canvas's edit actions as ready-made QActions with standard shortcuts, for the Edit menu and
// toolbars: undo/redo (from the model's stack), cut, copy, paste, duplicate, delete, select all,
// auto-layout, and the block actions (group, ungroup, collapse/expand). Each one only calls a GraphScene slot; enabled states follow the selection.
#pragma once

#include <QList>
#include <QObject>

class QAction;

namespace strata::gui {

class GraphScene;

class EditorActions final : public QObject {
  Q_OBJECT

 public:
  // The actions are children of this object; `scene` must outlive it.
  explicit EditorActions(GraphScene* scene, QObject* parent = nullptr);

  QAction* undo() const { return m_undo; }
  QAction* redo() const { return m_redo; }
  QAction* cut() const { return m_cut; }
  QAction* copy() const { return m_copy; }
  QAction* paste() const { return m_paste; }
  QAction* duplicate() const { return m_duplicate; }
  QAction* remove() const { return m_delete; }
  QAction* selectAll() const { return m_selectAll; }
  QAction* autoLayout() const { return m_autoLayout; }
  QAction* group() const { return m_group; }
  QAction* ungroup() const { return m_ungroup; }
  QAction* toggleBlock() const { return m_toggleBlock; }
  // In menu order, with null entries where a separator goes.
  QList<QAction*> all() const;

 private:
  void updateEnabled();

  GraphScene* m_scene = nullptr;
  QAction* m_undo = nullptr;
  QAction* m_redo = nullptr;
  QAction* m_cut = nullptr;
  QAction* m_copy = nullptr;
  QAction* m_paste = nullptr;
  QAction* m_duplicate = nullptr;
  QAction* m_delete = nullptr;
  QAction* m_selectAll = nullptr;
  QAction* m_autoLayout = nullptr;
  QAction* m_group = nullptr;
  QAction* m_ungroup = nullptr;
  QAction* m_toggleBlock = nullptr;
};

}  // namespace strata::gui
