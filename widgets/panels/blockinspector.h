// The inspector page for a block: its name, the Repeat count (N copies with their own weights),
// collapsed or expanded, its members and outer ports, the parameters of every copy and what is
// wrong with it. Every change is an undo command through GraphEditor.
#pragma once

#include <QWidget>

#include <string>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace strata::gui {

class GraphEditor;
class GraphModel;

class BlockInspector final : public QWidget {
  Q_OBJECT

 public:
  explicit BlockInspector(GraphEditor* editor, QWidget* parent = nullptr);

  void setBlockId(const std::string& id);
  const std::string& blockId() const { return m_blockId; }

  QLineEdit* nameEdit() const { return m_name; }
  QLineEdit* idEdit() const { return m_id; }
  QString idError() const;  // why the typed id was refused, empty if it was not
  QSpinBox* repeatBox() const { return m_repeat; }
  QCheckBox* collapsedBox() const { return m_collapsed; }
  QString errorText() const;
  QString summaryText() const;

 public slots:
  void refresh();

 private:
  GraphEditor* m_editor = nullptr;
  GraphModel* m_model = nullptr;
  std::string m_blockId;
  QLabel* m_title = nullptr;
  QLabel* m_error = nullptr;
  QLineEdit* m_name = nullptr;
  QLineEdit* m_id = nullptr;
  QLabel* m_idMessage = nullptr;
  QSpinBox* m_repeat = nullptr;
  QCheckBox* m_collapsed = nullptr;
  QLabel* m_summary = nullptr;
  QPushButton* m_ungroup = nullptr;
};

}  // namespace strata::gui
