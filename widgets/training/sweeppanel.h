// The sweep box of the Training dock: one or two axes, each a training setting or a node param
// picked from the open graph with a list of values, Run sweep / Cancel, and the queue with each
// point's state. The runs themselves are the SweepRunner's.
#pragma once

#include <QGroupBox>

class QComboBox;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace strata::gui {

class GraphModel;
class SweepRunner;
class TrainingController;

class SweepPanel final : public QGroupBox {
  Q_OBJECT

 public:
  SweepPanel(GraphModel* model, TrainingController* controller, SweepRunner* runner,
             QWidget* parent = nullptr);

  static constexpr int kAxes = 2;
  QComboBox* keyBox(int axis) const { return m_keys[axis]; }
  QLineEdit* valuesEdit(int axis) const { return m_values[axis]; }
  QPushButton* runButton() const { return m_run; }
  QPushButton* cancelButton() const { return m_cancel; }
  QListWidget* queueList() const { return m_queue; }
  // The axes as typed ("lr=1e-3,3e-3"); rows with no values are left out.
  QStringList axes() const;

 private:
  void fillKeys();
  void showQueue();
  void updateButtons();

  GraphModel* m_model = nullptr;
  TrainingController* m_controller = nullptr;
  SweepRunner* m_runner = nullptr;
  QComboBox* m_keys[kAxes] = {};
  QLineEdit* m_values[kAxes] = {};
  QPushButton* m_run = nullptr;
  QPushButton* m_cancel = nullptr;
  QListWidget* m_queue = nullptr;
};

}  // namespace strata::gui
