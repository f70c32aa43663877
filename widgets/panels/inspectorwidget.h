// The inspector: the selected node's id, its params as typed editors generated from the layer's
// ParamSpecs, and what the analysis says about it (output shapes, parameter count, FLOPs, error).
// Edits are validated as they are typed and pushed as undo commands; it never writes the document.
#pragma once

#include <QWidget>

#include <map>
#include <string>

class QFormLayout;
class QLabel;
class QLineEdit;
class QStackedWidget;

namespace strata::gui {

class BlockInspector;
class GraphEditor;
class GraphModel;
class ParamEditor;

class InspectorWidget final : public QWidget {
  Q_OBJECT

 public:
  explicit InspectorWidget(GraphEditor* editor, QWidget* parent = nullptr);

  // Shows a node (empty id or an unknown one: the "nothing selected" page).
  void setNodeId(const std::string& id);
  const std::string& nodeId() const { return m_nodeId; }
  // Shows a block's page (name, Repeat xN, collapsed); an unknown id shows the empty page.
  void setBlockId(const std::string& id);
  BlockInspector* blockPage() const { return m_blockPage; }
  // A note for the empty page, e.g. "3 nodes selected".
  void setPlaceholder(const QString& text);

  ParamEditor* editor(const QString& key) const;
  QLineEdit* idEdit() const { return m_idEdit; }
  QString idError() const;
  QString nodeError() const;  // the analysis' message for this node, shown in red
  QString summaryText() const;  // outputs, parameters and FLOPs as plain text

  // Applies the id field: pushes a rename when the id is new and valid, else shows why not.
  bool applyId();

 private:
  void rebuild();
  void refresh();  // values, errors and analysis, keeping the editors (and the focus)
  void onEdited(ParamEditor* editor);

  GraphEditor* m_editor = nullptr;
  GraphModel* m_model = nullptr;
  std::string m_nodeId;
  std::string m_builtType;

  QStackedWidget* m_pages = nullptr;
  BlockInspector* m_blockPage = nullptr;
  QLabel* m_placeholder = nullptr;
  QLabel* m_chip = nullptr;
  QLabel* m_title = nullptr;
  QLabel* m_summary = nullptr;
  QLineEdit* m_idEdit = nullptr;
  QLabel* m_idMessage = nullptr;
  QWidget* m_paramsBox = nullptr;
  QFormLayout* m_paramsForm = nullptr;
  QLabel* m_noParams = nullptr;
  QLabel* m_outputs = nullptr;
  QLabel* m_error = nullptr;
  std::map<std::string, ParamEditor*> m_editors;
};

}  // namespace strata::gui
