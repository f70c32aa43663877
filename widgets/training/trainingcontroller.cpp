#include "training/trainingcontroller.h"

#include <QFileInfo>

#include <filesystem>

#include "backends/backend.h"
#include "graph/model.h"
#include "document/graphmodel.h"
#include "io/safetensors.h"
#include "train/data_set.h"
#include "train/run_record.h"
#include "train/sweep.h"
#include "train/trainer.h"
#include "training/trainingworker.h"

namespace strata::gui {

namespace {

constexpr int kPollMs = 50;       // metrics batches at 20 Hz
constexpr int kNormsMs = 250;     // gradient overlay at 4 Hz
constexpr int kSnapshotMs = 500;  // weights copy for inference views at 2 Hz

std::vector<NamedTensor> cloneAll(const std::vector<NamedTensor>& params) {
  std::vector<NamedTensor> out;
  out.reserve(params.size());
  // Host copies: the GUI's inference (playground, attention, unrolled view) runs on the CPU
  // whatever device trains.
  for (const auto& p : params)
    out.push_back({p.name, p.tensor.isCpu() ? p.tensor.clone() : p.tensor.to(Device::cpu())});
  return out;
}

QString formatLr(double lr) { return QString::number(lr, 'g', 3); }

}  // namespace

TrainingController::TrainingController(GraphModel* model, QObject* parent)
    : QObject(parent), m_model(model) {
  m_thread.setObjectName(QStringLiteral("strata-trainer"));
  m_thread.start();
  m_pollTimer.setInterval(kPollMs);
  connect(&m_pollTimer, &QTimer::timeout, this, [this] { poll(); });
}

TrainingController::~TrainingController() {
  if (m_trainer) m_trainer->requestStop();
  m_thread.quit();
  m_thread.wait();
}

std::string TrainingController::resolveDataSpec(const std::string& spec,
                                                const QString& graphPath) {
  namespace fs = std::filesystem;
  const size_t colon = spec.find(':');
  if (colon == std::string::npos || graphPath.isEmpty()) return spec;
  const std::string kind = spec.substr(0, colon);
  if (kind != "text" && kind != "csv" && kind != "npy") return spec;
  const fs::path base = fs::path(QFileInfo(graphPath).absolutePath().toStdString());
  auto resolve = [&](const std::string& file) {
    const fs::path p(file);
    std::error_code ec;
    if (p.empty() || p.is_absolute()) return file;
    const fs::path candidate = base / p;
    return fs::exists(candidate, ec) ? candidate.string() : file;
  };
  const std::string rest = spec.substr(colon + 1);
  const size_t comma = rest.find(',');
  if (kind != "npy" || comma == std::string::npos) return kind + ":" + resolve(rest);
  return kind + ":" + resolve(rest.substr(0, comma)) + "," + resolve(rest.substr(comma + 1));
}

Result<TrainSettings> TrainingController::documentSettings(const GraphModel& model) {
  auto s = TrainSettings::merged(model.document().training, Json::object());
  if (!s) return s;
  s->data = resolveDataSpec(s->data, model.filePath());
  return s;
}

bool TrainingController::start() { return startRun(Json::object(), QString()); }

bool TrainingController::startSweepPoint(const Json& point, const QString& sweepId) {
  return startRun(point, sweepId);
}

QString TrainingController::runsDirectory() const {
  return QString::fromStdString(
      defaultRunsDir(m_model->filePath().toStdString(), m_runsRoot.toStdString()));
}

bool TrainingController::startRun(const Json& point, const QString& sweepId) {
  if (isTraining()) return false;
  auto fail = [this](const QString& why) {
    m_lastMessage = why;
    emit errorOccurred(why);
    return false;
  };
  GraphDocument doc = m_model->document();  // the snapshot: edits from now on do not reach it
  Json overrides = Json::object();
  if (Status s = applySweepPoint(point, doc, overrides); !s)
    return fail(tr("Sweep: %1").arg(QString::fromStdString(s.message())));
  auto settings = TrainSettings::merged(doc.training, overrides);
  if (!settings) return fail(tr("Training settings: %1").arg(QString::fromStdString(
                                 settings.message())));
  settings->data = resolveDataSpec(settings->data, m_model->filePath());
  if (auto device = Device::parse(settings->device)) {
    if (std::string why = deviceUnavailableReason(*device); !why.empty())
      return fail(tr("Device %1: %2").arg(QString::fromStdString(settings->device),
                                          QString::fromStdString(why)));
  }
  auto compiled = Model::compile(doc);
  if (!compiled) return fail(QString::fromStdString(compiled.message()));
  std::unique_ptr<Model> model = std::move(compiled).value();
  if (!model->hasLoss())
    return fail(tr("The graph has no loss node (MSELoss or CrossEntropyLoss) to train."));
  model->resetParameters(settings->seed);
  auto trainer = Trainer::create(*model, *settings);
  if (!trainer) return fail(QString::fromStdString(trainer.message()));
  if (!m_resumePath.isEmpty()) {
    Status s = (*trainer)->resumeFrom(m_resumePath.toStdString());
    if (!s) return fail(QString::fromStdString(s.message()));
  }
  std::unique_ptr<RunRecorder> recorder;
  if (m_recordRuns) {
    RunRecordOptions options;
    options.source = "gui";
    options.graphFile = m_model->filePath().toStdString();
    options.sweep = sweepId.toStdString();
    options.sweepPoint = point;
    options.checkpointSeconds = m_checkpointSeconds;
    if (!point.empty()) options.name = sweepPointLabel(point);
    auto r = RunRecorder::create(runsDirectory().toStdString(), doc, *settings, options);
    if (!r) return fail(tr("Run record: %1").arg(QString::fromStdString(r.message())));
    recorder = std::move(r).value();
  }

  // The previous run's trainer and model go only now: its thread is idle (state was Idle).
  m_trainer = std::move(trainer).value();
  m_trainModel = std::move(model);
  m_snapshot = std::move(doc);
  m_settings = *settings;
  m_data = std::make_shared<DataSet>(m_trainer->data());
  m_totalSteps = m_trainer->totalSteps();
  m_stepsPerEpoch = m_trainer->stepsPerEpoch();
  m_markers.clear();
  m_frozen.clear();
  m_lastMessage.clear();
  {
    std::lock_guard lock(m_weightsMutex);
    m_weights = cloneAll(m_trainModel->parameters());
    m_weightsDirty = true;
  }
  m_snapshotClock.start();
  m_lastSnapshotMs = 0;
  m_recorder = std::move(recorder);
  m_recordDir = m_recorder ? QString::fromStdString(m_recorder->info().dir) : QString();
  m_recordError.clear();
  m_trainer->setStepCallback([this](const StepMetrics& m) {
    // On the training thread, between steps: the record's log row (flushed, so a crash keeps
    // it), and a short weights copy a few times a second.
    if (m_recorder && m_recordError.empty()) {
      Status s = m_recorder->appendStep(m);
      if (s) s = m_recorder->checkpointIfDue(*m_trainer);  // a crash loses at most 30 s
      if (!s) {
        m_recordError = s.message();
        m_trainer->requestStop();  // a record that silently lost steps would mislead
      }
    }
    const int64_t now = m_snapshotClock.elapsed();
    if (now - m_lastSnapshotMs < kSnapshotMs) return;
    m_lastSnapshotMs = now;
    snapshotWeights();
  });

  auto* worker = new TrainingWorker(m_trainer.get(), [this](const TrainReport& report) {
    if (!m_recorder) return;
    Status s = m_recorder->finish(report, *m_trainer);
    if (!s && m_recordError.empty()) m_recordError = s.message();
  });
  worker->moveToThread(&m_thread);
  connect(worker, &TrainingWorker::finished, this,
          [this](int outcome, const QString& message, qint64, double) {
            onWorkerFinished(outcome, message);
          });
  connect(worker, &TrainingWorker::finished, worker, &QObject::deleteLater);
  QMetaObject::invokeMethod(worker, &TrainingWorker::run, Qt::QueuedConnection);

  m_pendingNorms.clear();
  m_normsClock.start();
  m_pollTimer.start();
  setState(State::Running);
  emit started(m_totalSteps, m_stepsPerEpoch);
  emit weightsChanged();
  if (!m_recordDir.isEmpty()) emit runRecordStarted(m_recordDir);
  return true;
}

void TrainingController::pause() {
  if (m_state != State::Running) return;
  m_trainer->requestPause();
  setState(State::Paused);
}

void TrainingController::resume() {
  if (m_state != State::Paused) return;
  m_trainer->resume();
  setState(State::Running);
}

void TrainingController::stop() {
  if (!isTraining()) return;
  m_trainer->requestStop();
}

qint64 TrainingController::currentStep() const { return m_trainer ? m_trainer->currentStep() : 0; }

void TrainingController::addMarker(const QString& label) {
  const qint64 step = currentStep();
  m_markers.push_back({step, label});
  emit markerAdded(step, label);
}

bool TrainingController::setLearningRate(double lr) {
  if (!m_trainer || !isTraining() || !(lr > 0)) return false;
  m_trainer->setLearningRate(lr);
  addMarker(tr("lr %1").arg(formatLr(lr)));
  return true;
}

bool TrainingController::setNodeFrozen(const QString& nodeId, bool frozen) {
  if (!m_trainer || !isTraining()) return false;
  Status s = m_trainer->setNodeFrozen(nodeId.toStdString(), frozen);
  if (!s) {
    emit errorOccurred(QString::fromStdString(s.message()));
    return false;
  }
  if (frozen && !m_frozen.contains(nodeId)) m_frozen << nodeId;
  if (!frozen) m_frozen.removeAll(nodeId);
  addMarker((frozen ? tr("freeze %1") : tr("unfreeze %1")).arg(nodeId));
  return true;
}

QStringList TrainingController::trainableNodes() const {
  QStringList out;
  if (m_trainer) {
    for (const auto& n : m_trainer->trainableNodes()) out << QString::fromStdString(n);
    return out;
  }
  for (const auto& [id, a] : m_model->analysis().nodes)
    if (a.parameterCount > 0) out << QString::fromStdString(id);
  return out;
}

Status TrainingController::saveLast(const QString& path) {
  if (!m_trainer) return Status::error("nothing has been trained yet");
  if (m_state == State::Running) return Status::error("pause training before saving");
  return m_trainer->saveCheckpoint(path.toStdString());
}

Status TrainingController::saveBest(const QString& path) {
  if (!m_trainer) return Status::error("nothing has been trained yet");
  if (m_state == State::Running) return Status::error("pause training before saving");
  return m_trainer->saveBest(path.toStdString());
}

Result<std::vector<NamedTensor>> TrainingController::readWeights(const GraphDocument& doc,
                                                                const QString& path) {
  auto file = loadSafetensors(path.toStdString());
  if (!file) return file.status();
  auto model = Model::compile(doc);
  if (!model) return model.status();
  std::vector<NamedTensor> params = (*model)->parameters();
  Status s = assignTensors(file->tensors, params);
  if (!s) return Status::error(path.toStdString() + ": " + s.message());
  return cloneAll(params);  // the model goes: keep the tensors, not views of its storage
}

void TrainingController::setWeights(std::vector<NamedTensor> weights) {
  {
    std::lock_guard lock(m_weightsMutex);
    m_weights = std::move(weights);
  }
  emit weightsChanged();
}

Status TrainingController::loadWeights(const QString& path) {
  const GraphDocument doc = m_trainModel ? m_snapshot : m_model->document();
  auto weights = readWeights(doc, path);
  if (!weights) return weights.status();
  if (!m_trainModel) m_snapshot = doc;
  setWeights(std::move(weights).value());
  return Status::ok();
}

Status TrainingController::adoptWeights(const QString& path) {
  if (isTraining()) return Status::error("stop training before opening a run");
  const GraphDocument doc = m_model->document();
  auto weights = readWeights(doc, path);
  if (!weights) return weights.status();
  // The trainer refers to its model: both go together, and nothing of the last run stays.
  m_trainer.reset();
  m_trainModel.reset();
  m_snapshot = doc;
  m_markers.clear();
  setWeights(std::move(weights).value());
  return Status::ok();
}

bool TrainingController::hasWeights() const {
  std::lock_guard lock(m_weightsMutex);
  return !m_weights.empty();
}

std::vector<NamedTensor> TrainingController::currentWeights() const {
  std::lock_guard lock(m_weightsMutex);
  return cloneAll(m_weights);
}

Result<std::unique_ptr<Model>> TrainingController::inferenceModel() const {
  if (!hasWeights()) return Status::error("no weights yet: train or load a checkpoint");
  auto model = Model::compile(m_snapshot);
  if (!model) return model.status();
  std::vector<NamedTensor> params = (*model)->parameters();
  Status s = assignTensors(currentWeights(), params);
  if (!s) return s;
  return model;
}

void TrainingController::snapshotWeights() {
  std::vector<NamedTensor> copy = cloneAll(m_trainModel->parameters());
  std::lock_guard lock(m_weightsMutex);
  m_weights = std::move(copy);
  m_weightsDirty = true;
}

void TrainingController::poll(bool flush) {
  if (!m_trainer) return;
  std::vector<StepMetrics> batch = m_trainer->metrics().drain();
  if (!batch.empty()) emit metricsArrived(batch);
  for (auto it = batch.rbegin(); it != batch.rend(); ++it)
    if (!it->nodeGradNorms.empty()) {
      m_pendingNorms = std::move(it->nodeGradNorms);
      break;
    }
  // The newest norms are held back until the clock allows, and always sent by the final flush:
  // a run shorter than kNormsMs, drained by the timer, still ends with its overlay.
  if (!m_pendingNorms.empty() && (flush || m_normsClock.elapsed() >= kNormsMs)) {
    m_normsClock.restart();
    emit gradNormsChanged(m_pendingNorms);
    m_pendingNorms.clear();
  }
  bool dirty = false;
  {
    std::lock_guard lock(m_weightsMutex);
    std::swap(dirty, m_weightsDirty);
  }
  if (dirty) emit weightsChanged();
}

void TrainingController::onWorkerFinished(int outcome, const QString& message) {
  m_pollTimer.stop();
  poll(true);               // the last steps' metrics and gradient norms
  if (m_trainModel) snapshotWeights();  // the thread is idle: the final weights
  m_lastMessage = message;
  const bool recorded = m_recorder != nullptr;
  m_recorder.reset();  // the thread is done with it
  setState(State::Idle);
  emit weightsChanged();
  if (!m_recordError.empty())
    emit errorOccurred(tr("Run record: %1").arg(QString::fromStdString(m_recordError)));
  if (recorded) emit runRecorded(m_recordDir);
  if (outcome == static_cast<int>(TrainOutcome::Failed)) emit trainingFailed(message);
  emit finished(outcome, message);
}

void TrainingController::setState(State s) {
  if (s == m_state) return;
  const bool wasActive = isTraining();
  m_state = s;
  emit stateChanged(s);
  if (wasActive != isTraining()) emit trainingActiveChanged(isTraining());
}

}  // namespace strata::gui
