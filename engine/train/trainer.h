// Trainer: the training loop. run() blocks the thread that calls it (the GUI's worker thread or
// the CLI's main thread); other threads steer it through atomic flags and small locked queues that
// the loop reads between steps: pause/resume/stop (stop is honoured within one step), the learning
// rate and per-node freezing. Progress goes to a callback (on the training thread) and to a
// MetricsChannel that a GUI drains. Same seed + same thread count => the same losses, bit for bit:
// the epoch order, the split and each step's dropout masks derive from (seed, epoch/step) only,
// which also makes a resumed run continue exactly where the checkpoint left off.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/data_set.h"
#include "train/lr_scheduler.h"
#include "train/metrics_channel.h"
#include "train/optimizer.h"
#include "train/train_settings.h"

namespace strata {

class Model;

enum class TrainOutcome { Finished, Stopped, Failed };

struct TrainReport {
  TrainOutcome outcome = TrainOutcome::Finished;
  std::string message;  // why it failed ("step 12: non-finite gradient in 'fc.weight' ...")
  int64_t steps = 0;    // optimizer steps completed in total (resumed ones included)
  double finalLoss = StepMetrics::kNaN;    // last step's training loss
  double bestValLoss = StepMetrics::kNaN;  // NaN without validation
  int64_t bestStep = 0;
};

class Trainer {
 public:
  using StepCallback = std::function<void(const StepMetrics&)>;

  // Builds the data set from settings.data for this model (see dataRequestFor) and the optimizer.
  // The model keeps its current weights (initialise or load them before).
  static Result<std::unique_ptr<Trainer>> create(Model& model, const TrainSettings& settings);
  // With a data set made elsewhere (tests, the GUI's preview).
  static Result<std::unique_ptr<Trainer>> create(Model& model, const TrainSettings& settings,
                                                 DataSet data);
  ~Trainer();

  // Called on the training thread after every step (and after validation when it ran).
  void setStepCallback(StepCallback cb) { m_onStep = std::move(cb); }
  // Called on the training thread after the last step of each epoch (the CLI's per-epoch line).
  void setEpochCallback(StepCallback cb) { m_onEpoch = std::move(cb); }
  MetricsChannel& metrics() { return m_channel; }

  // Trains until the step budget is spent, stop is requested or a step fails. Can be called again
  // after a stop to continue.
  TrainReport run();

  // --- Steering, from any thread -------------------------------------------------------------
  void requestPause();
  void resume();
  void requestStop();  // run() returns within one step (validation is interruptible)
  bool isPaused() const { return m_parked.load(); }  // the loop is parked between steps
  bool isRunning() const { return m_running.load(); }
  int64_t currentStep() const { return m_step.load(); }  // steps completed
  int64_t totalSteps() const { return m_totalSteps; }
  int64_t stepsPerEpoch() const { return m_stepsPerEpoch; }
  // New base rate for the schedule; applied before the next step (also while paused).
  void setLearningRate(double lr);
  // Freezes or unfreezes every parameter of a node; applied before the next step.
  Status setNodeFrozen(const std::string& nodeId, bool frozen);
  std::vector<std::string> trainableNodes() const;  // nodes that own parameters

  // --- Checkpoints: call while paused or while run() is not running ------------------------------
  // Weights (safetensors with metadata step/epoch/best_val_loss) plus the optimizer state next
  // to them in optimizerStatePath(path); while the pair is being replaced, the previous state is
  // kept in previousOptimizerStatePath(path), so a save killed between its renames still resumes.
  Status saveCheckpoint(const std::string& path) const;
  // The weights of the best validation loss so far (the current ones when none was measured).
  Status saveBest(const std::string& path) const;
  bool hasBest() const { return !m_best.empty(); }
  const std::vector<NamedTensor>& bestWeights() const { return m_best; }
  // Restores weights, the step count and, when its file exists, the optimizer state.
  Status resumeFrom(const std::string& path);
  static std::string optimizerStatePath(const std::string& weightsPath);
  static std::string previousOptimizerStatePath(const std::string& weightsPath);

  const DataSet& data() const { return m_data; }
  const DataSplit& split() const { return m_split; }
  const TrainSettings& settings() const { return m_settings; }
  Optimizer& optimizer() { return *m_optimizer; }

 private:
  Trainer(Model& model, TrainSettings settings, DataSet data);
  Status prepare();
  void applyPending();
  bool waitWhilePaused();  // false when stop was requested
  const std::vector<int64_t>& epochOrder(int64_t epoch);
  struct Validation {
    double loss = StepMetrics::kNaN;
    double accuracy = StepMetrics::kNaN;
    bool interrupted = false;
    std::string error;
  };
  Validation validate();
  // Correct and counted predictions for CrossEntropy (argmax over the last dim).
  std::pair<int64_t, int64_t> countCorrect(const Tensor& logits, const Tensor& target) const;
  std::map<std::string, double> nodeNorms(std::string& firstBad) const;

  Model& m_model;
  TrainSettings m_settings;
  DataSet m_data;
  DataSplit m_split;
  std::unique_ptr<Optimizer> m_optimizer;
  std::optional<LrScheduler> m_scheduler;
  std::vector<NamedTensor> m_params;
  std::vector<std::string> m_paramNode;  // node id of each parameter
  std::string m_inputName;
  Device m_device;  // where the parameters live while run() runs (settings.device)
  bool m_crossEntropy = false;
  int64_t m_ignoreIndex = -100;
  int64_t m_stepsPerEpoch = 1;
  int64_t m_totalSteps = 0;
  int64_t m_valEvery = 1;
  int64_t m_orderEpoch = -1;
  std::vector<int64_t> m_order;

  std::vector<NamedTensor> m_best;
  double m_bestValLoss = StepMetrics::kNaN;
  int64_t m_bestStep = 0;
  double m_lastLoss = StepMetrics::kNaN;

  StepCallback m_onStep, m_onEpoch;
  MetricsChannel m_channel;

  std::atomic<int64_t> m_step{0};
  std::atomic<bool> m_pauseRequested{false}, m_stopRequested{false};
  std::atomic<bool> m_parked{false}, m_running{false};
  mutable std::mutex m_mutex;  // guards the pending steering below and the pause wait
  std::condition_variable m_wake;
  std::optional<double> m_pendingLr;
  std::vector<std::pair<std::string, bool>> m_pendingFreeze;
};

}  // namespace strata
