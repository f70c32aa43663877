// The training dock: data set (with a preview), optimizer, schedule and run-length settings read
// from and written to the document's "training" object through undo commands; the progress of
// the current run; Train / Pause / Resume / Stop; steering while paused (learning rate, freezing
// a node); checkpoints. Holds no training logic: everything goes to the TrainingController.
#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include <vector>

#include "graph/document.h"
#include "train/metrics_channel.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace strata::gui {

class GraphModel;
class TrainingController;

class TrainingPanel final : public QWidget {
  Q_OBJECT

 public:
  TrainingPanel(GraphModel* model, TrainingController* controller, QWidget* parent = nullptr);
  ~TrainingPanel() override;

  // The settings the editors show, as a "training" object (what writeSettings stores).
  Json editorSettings() const;
  // Loads the document's "training" object into the editors.
  void readSettings();
  // Pushes an undo command when the editors differ from the document.
  void writeSettings();
  void updatePreview();
  QString previewText() const;
  QString progressText() const;
  QString messageText() const;

  QPushButton* trainButton() const { return m_train; }
  QPushButton* pauseButton() const { return m_pause; }
  QPushButton* resumeButton() const { return m_resume; }
  QPushButton* stopButton() const { return m_stop; }
  QComboBox* deviceBox() const { return m_device; }
  QDoubleSpinBox* lrBox() const { return m_lr; }

 private:
  QWidget* buildSettings();
  QWidget* buildRun();
  void chooseDataFile();
  void onMetrics(const std::vector<strata::StepMetrics>& batch);
  void updateButtons();
  void showMessage(const QString& text, bool error);
  void saveCheckpoint(bool best);
  void resumeCheckpoint();
  void loadWeights();

  GraphModel* m_model = nullptr;
  TrainingController* m_controller = nullptr;
  bool m_loading = false;

  QGroupBox* m_settingsBox = nullptr;
  QComboBox* m_dataKind = nullptr;
  QLineEdit* m_dataFile = nullptr;
  QPushButton* m_browse = nullptr;
  QPlainTextEdit* m_preview = nullptr;
  QDoubleSpinBox* m_valSplit = nullptr;
  QComboBox* m_optimizer = nullptr;
  QDoubleSpinBox* m_momentum = nullptr;
  QDoubleSpinBox* m_lr = nullptr;
  QComboBox* m_schedule = nullptr;
  QSpinBox* m_warmup = nullptr;
  QSpinBox* m_batch = nullptr;
  QSpinBox* m_epochs = nullptr;
  QSpinBox* m_steps = nullptr;
  QDoubleSpinBox* m_clip = nullptr;
  QDoubleSpinBox* m_weightDecay = nullptr;
  QSpinBox* m_seed = nullptr;
  QComboBox* m_device = nullptr;

  QProgressBar* m_progress = nullptr;
  QLabel* m_progressLabel = nullptr;
  QLabel* m_message = nullptr;
  QPushButton* m_train = nullptr;
  QPushButton* m_pause = nullptr;
  QPushButton* m_resume = nullptr;
  QPushButton* m_stop = nullptr;
  QDoubleSpinBox* m_steerLr = nullptr;
  QPushButton* m_applyLr = nullptr;
  QComboBox* m_freezeNode = nullptr;
  QPushButton* m_freeze = nullptr;
  QPushButton* m_saveBest = nullptr;
  QPushButton* m_saveLast = nullptr;
  QPushButton* m_resumeFrom = nullptr;
  QPushButton* m_loadWeights = nullptr;

  QElapsedTimer m_runClock;
  qint64 m_firstStep = 0;
  strata::StepMetrics m_last;
};

}  // namespace strata::gui
