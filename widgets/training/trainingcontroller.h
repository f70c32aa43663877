// TrainingController: runs strata::Trainer on a worker thread over a snapshot of the GraphModel's
// document (editing while it trains cannot race the engine), drains the trainer's MetricsChannel
// on a ~20 Hz timer into batched signals, steers it (pause/resume/stop, learning rate, freezing,
// each change a labelled marker) and keeps a copy of the latest weights for inference views.
// Every run leaves a run record (engine/train/run_record.h): the log appended on the training
// thread step by step, checkpoints and summary written there when the run ends.
// Qt Core only: every widget listens to it, none of the training logic lives in a widget.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QTimer>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/document.h"
#include "nn/module.h"
#include "train/metrics_channel.h"
#include "train/run_record.h"
#include "train/train_settings.h"

namespace strata {
class DataSet;
class Model;
class Trainer;
}  // namespace strata

namespace strata::gui {

class GraphModel;
class TrainingWorker;

struct TrainingMarker {
  qint64 step = 0;
  QString label;  // "lr 0.001", "freeze fc1"
};

class TrainingController final : public QObject {
  Q_OBJECT

 public:
  enum class State { Idle, Running, Paused };

  explicit TrainingController(GraphModel* model, QObject* parent = nullptr);
  ~TrainingController() override;

  GraphModel* model() const { return m_model; }
  State state() const { return m_state; }
  bool isTraining() const { return m_state != State::Idle; }

  // Compiles a snapshot of the document with its "training" settings and starts a run (from the
  // resume checkpoint when one is set, else a seeded init). False and errorOccurred on failure.
  bool start();
  // A run of one sweep point: the point's node params set in the snapshot, its settings over the
  // document's ({"lr": 0.001, "fc1.out_features": 32}); the record names the sweep.
  bool startSweepPoint(const Json& point, const QString& sweepId);
  void pause();
  void resume();
  // Asks the loop to stop between steps; finished() follows within one step (< 200 ms).
  void stop();

  // Steering: applied before the next step, recorded as a marker at the current step.
  bool setLearningRate(double lr);
  bool setNodeFrozen(const QString& nodeId, bool frozen);
  QStringList trainableNodes() const;
  bool isFrozen(const QString& nodeId) const { return m_frozen.contains(nodeId); }
  const std::vector<TrainingMarker>& markers() const { return m_markers; }

  // Checkpoints (safetensors + optimizer state). Saving needs a paused or finished run.
  Status saveLast(const QString& path);
  Status saveBest(const QString& path);
  // The next start() resumes from this checkpoint (empty: a fresh init).
  void setResumeCheckpoint(const QString& path) { m_resumePath = path; }
  QString resumeCheckpoint() const { return m_resumePath; }
  // Loads weights into the controller's current weights (what the inference views use).
  Status loadWeights(const QString& path);
  // Forgets the last run and takes the document as it is now with these weights (a run record
  // opened as a new document). Only while idle.
  Status adoptWeights(const QString& path);

  // Run records. The folder of this graph's records: `<graph>.runs` beside the file, or under
  // the root set here (or in $STRATA_RUNS_DIR); empty root: the default.
  void setRunsRoot(const QString& root) { m_runsRoot = root; }
  QString runsRoot() const { return m_runsRoot; }
  QString runsDirectory() const;
  void setRecordRuns(bool on) { m_recordRuns = on; }
  bool recordsRuns() const { return m_recordRuns; }
  // How often a run's record gets a fresh last.safetensors during training (tests: shorter).
  void setCheckpointSeconds(double seconds) { m_checkpointSeconds = seconds; }
  QString currentRecord() const { return m_recordDir; }  // the last run's record folder

  // Progress.
  qint64 currentStep() const;
  qint64 totalSteps() const { return m_totalSteps; }
  qint64 stepsPerEpoch() const { return m_stepsPerEpoch; }
  QString lastMessage() const { return m_lastMessage; }
  const TrainSettings& settings() const { return m_settings; }

  // For inference views: the document that was trained, a copy of the latest weights (taken
  // between steps a few times a second, never blocking the trainer) and the run's data set.
  const GraphDocument& snapshot() const { return m_snapshot; }
  bool hasWeights() const;
  std::vector<NamedTensor> currentWeights() const;
  // A fresh model compiled from the snapshot (or the live document when nothing ran yet) with
  // the current weights assigned.
  Result<std::unique_ptr<Model>> inferenceModel() const;
  std::shared_ptr<const DataSet> dataSet() const { return m_data; }

  // The settings stored in the document, data paths resolved against the graph file.
  static Result<TrainSettings> documentSettings(const GraphModel& model);
  static std::string resolveDataSpec(const std::string& spec, const QString& graphPath);

 signals:
  void stateChanged(strata::gui::TrainingController::State state);
  void trainingActiveChanged(bool active);
  void started(qint64 totalSteps, qint64 stepsPerEpoch);
  // Everything drained since the last batch, oldest first; at most ~20 per second.
  void metricsArrived(const std::vector<strata::StepMetrics>& batch);
  // The latest per-node gradient norms, a few times a second.
  void gradNormsChanged(const std::map<std::string, double>& norms);
  void markerAdded(qint64 step, const QString& label);
  void weightsChanged();  // a newer copy of the weights is available
  // outcome as strata::TrainOutcome: 0 finished, 1 stopped, 2 failed.
  void finished(int outcome, const QString& message);
  // A failed run (the NaN/Inf guard names the step and the first non-finite parameter).
  void trainingFailed(const QString& message);
  void errorOccurred(const QString& message);
  // A run record was created (the run starts) and completed (its summary written).
  void runRecordStarted(const QString& dir);
  void runRecorded(const QString& dir);

 private:
  void setState(State s);
  // Forwards the metrics drained since the last call; gradient norms at most every kNormsMs,
  // or always when `flush` (the run ended, so the overlay shows the final norms).
  void poll(bool flush = false);
  void onWorkerFinished(int outcome, const QString& message);
  void snapshotWeights();  // on the training thread (step callback) or when idle
  void addMarker(const QString& label);
  bool startRun(const Json& point, const QString& sweepId);
  // `path`'s tensors assigned to the parameters of `doc`'s model (names and shapes checked).
  static Result<std::vector<NamedTensor>> readWeights(const GraphDocument& doc,
                                                      const QString& path);
  void setWeights(std::vector<NamedTensor> weights);  // the inference views' copy

  GraphModel* m_model = nullptr;
  QThread m_thread;
  QTimer m_pollTimer;
  State m_state = State::Idle;

  GraphDocument m_snapshot;
  TrainSettings m_settings;
  std::unique_ptr<Model> m_trainModel;
  std::unique_ptr<Trainer> m_trainer;
  std::shared_ptr<const DataSet> m_data;
  qint64 m_totalSteps = 0;
  qint64 m_stepsPerEpoch = 1;
  QString m_resumePath;
  QString m_lastMessage;
  std::vector<TrainingMarker> m_markers;
  QStringList m_frozen;
  QElapsedTimer m_normsClock;
  std::map<std::string, double> m_pendingNorms;  // newest gradient norms not yet sent

  QString m_runsRoot;
  bool m_recordRuns = true;
  double m_checkpointSeconds = RunRecordOptions{}.checkpointSeconds;
  std::unique_ptr<RunRecorder> m_recorder;  // used on the training thread while it runs
  QString m_recordDir;
  std::string m_recordError;  // set on the training thread, read after it finished

  mutable std::mutex m_weightsMutex;  // guards m_weights (written on the training thread)
  std::vector<NamedTensor> m_weights;
  bool m_weightsDirty = false;
  int64_t m_lastSnapshotMs = -1;
  QElapsedTimer m_snapshotClock;  // read on the training thread only while running
};

}  // namespace strata::gui
