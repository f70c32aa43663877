// The filtered layer list that pops up when a wire is dropped on empty canvas: only the layers
// that fit the wire (GraphModel::typesFitting), with a search box. Choosing one emits
// layerChosen; the caller adds and wires it (GraphEditor::addNodeConnected).
#pragma once

#include <QFrame>


class QLineEdit;
class QListWidget;
class QListWidgetItem;

namespace strata::gui {

class LayerPickerPopup final : public QFrame {
  Q_OBJECT

 public:
  explicit LayerPickerPopup(const QStringList& types, QWidget* parent = nullptr);

  void popup(const QPoint& globalPos);
  void setFilterText(const QString& text);
  QStringList visibleTypes() const;
  QListWidget* list() const { return m_list; }

 signals:
  void layerChosen(const QString& type);

 private:
  void choose(QListWidgetItem* item);

  QLineEdit* m_search = nullptr;
  QListWidget* m_list = nullptr;
};

}  // namespace strata::gui
