// Inference playground: runs the controller's latest weights on the GUI side at a low rate.
// For language models (CrossEntropyLoss over a text vocabulary) a prompt is continued with
// temperature sampling; for series models the prediction is drawn against the truth on the
// validation windows. Never touches the trainer: it works on a copy of the weights.
#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <string>
#include <vector>

class QChart;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QValueAxis;

namespace strata {
class Model;
}

namespace strata::gui {

class TrainingController;

class InferencePlayground final : public QWidget {
  Q_OBJECT

 public:
  explicit InferencePlayground(TrainingController* controller, QWidget* parent = nullptr);
  ~InferencePlayground() override;

  // Continues `prompt` by `length` characters; temperature 0 is greedy. Empty on failure.
  QString generate(const QString& prompt, int length, double temperature, uint64_t seed = 0);
  // Recomputes the series chart now; returns the number of windows drawn.
  int refreshSeries();
  QString statusText() const;

 private:
  void onWeightsChanged();
  bool isLanguageModel() const;

  TrainingController* m_controller = nullptr;
  QStackedWidget* m_stack = nullptr;
  QLineEdit* m_prompt = nullptr;
  QDoubleSpinBox* m_temperature = nullptr;
  QSpinBox* m_length = nullptr;
  QPushButton* m_generate = nullptr;
  QPlainTextEdit* m_output = nullptr;
  QChart* m_chart = nullptr;
  QLineSeries* m_truth = nullptr;
  QLineSeries* m_prediction = nullptr;
  QValueAxis* m_x = nullptr;
  QValueAxis* m_y = nullptr;
  QLabel* m_status = nullptr;
  QTimer m_throttle;
};

}  // namespace strata::gui
