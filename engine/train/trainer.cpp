// Trainer: the step loop, validation, steering. Checkpoints are in trainer_checkpoint.cpp.
#include "train/trainer.h"

#include <chrono>
#include <cmath>

#include "backends/backend.h"
#include "graph/model.h"
#include "tensor/autograd.h"
#include "train/data_request.h"
#include "train/grad_clip.h"
#include "train/memory_budget.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t mix(uint64_t seed, uint64_t stream, uint64_t index) {
  // splitmix64 finaliser over the three parts: distinct, well-spread seeds per (purpose, index).
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + stream * 0xBF58476D1CE4E5B9ull + index + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kShuffleStream = 1, kDropoutStream = 2;

}  // namespace

Result<std::unique_ptr<Trainer>> Trainer::create(Model& model, const TrainSettings& settings) {
  Status st = settings.validate();
  if (!st) return st;
  auto request = dataRequestFor(model, settings.seqLen);
  if (!request) return request.status();
  auto data = makeDataSet(settings.data, *request, settings.seed);
  if (!data) return data.status();
  return create(model, settings, std::move(*data));
}

Result<std::unique_ptr<Trainer>> Trainer::create(Model& model, const TrainSettings& settings,
                                                 DataSet data) {
  Status st = settings.validate();
  if (!st) return st;
  // Before the run allocates its activations: a batch the machine cannot hold is refused with
  // the estimate and the limit. (A GPU's own memory is the CUDA backend's to check.)
  if (settings.device == "cpu") {
    const int64_t seq = data.inputs.defined() && data.inputs.ndim() >= 2 ? data.inputs.size(1) : 1;
    st = checkTrainingMemory(estimateTrainingMemory(model.analysis(), settings.batch, seq),
                             availableMemoryBytes(), settings.batch);
    if (!st) return st;
  }
  std::unique_ptr<Trainer> t(new Trainer(model, settings, std::move(data)));
  st = t->prepare();
  if (!st) return st;
  return t;
}

Trainer::Trainer(Model& model, TrainSettings settings, DataSet data)
    : m_model(model), m_settings(std::move(settings)), m_data(std::move(data)) {}

Trainer::~Trainer() = default;

Status Trainer::prepare() {
  auto device = Device::parse(m_settings.device);
  if (!device) return Status::error("unknown device '" + m_settings.device + "'");
  if (std::string why = deviceUnavailableReason(*device); !why.empty())
    return Status::error(why);
  m_device = *device;
  if (m_model.inputNames().size() != 1)
    return Status::error("the data sets feed exactly one Input; the graph has " +
                         std::to_string(m_model.inputNames().size()));
  if (!m_model.hasLoss()) return Status::error("the graph has no loss node");
  m_inputName = m_model.inputNames()[0];
  if (m_data.size() < 1) return Status::error("the data set is empty");
  m_split = m_data.split(m_settings.valSplit, m_settings.seed, m_settings.shuffle);
  if (m_split.train.empty()) return Status::error("no training samples after the split");

  m_params = m_model.parameters();
  // Node of each parameter: the longest node id that prefixes "<node>.<name>".
  for (const auto& p : m_params) {
    std::string owner;
    for (const auto& [id, _] : m_model.analysis().nodes)
      if (p.name.size() > id.size() && p.name.compare(0, id.size(), id) == 0 &&
          p.name[id.size()] == '.' && id.size() > owner.size())
        owner = id;
    m_paramNode.push_back(owner.empty() ? p.name : owner);
  }
  m_crossEntropy = m_model.lossType() == "CrossEntropyLoss";
  for (const auto& id : m_model.analysis().order) {
    const auto& node = m_model.analysis().nodes.at(id);
    if (!node.spec || !node.spec->isLoss) continue;
    auto it = node.params.find("ignore_index");
    if (it != node.params.end() && it->is_number_integer()) m_ignoreIndex = it->get<int64_t>();
    break;
  }

  auto opt = makeOptimizer(m_settings, m_params);
  if (!opt) return opt.status();
  m_optimizer = std::move(*opt);
  const auto nTrain = static_cast<int64_t>(m_split.train.size());
  m_stepsPerEpoch = (nTrain + m_settings.batch - 1) / m_settings.batch;
  m_totalSteps = m_settings.steps > 0 ? m_settings.steps : m_settings.epochs * m_stepsPerEpoch;
  m_valEvery = m_settings.valEvery > 0 ? m_settings.valEvery : m_stepsPerEpoch;
  m_scheduler.emplace(LrScheduler::fromSettings(m_settings, m_totalSteps));
  return Status::ok();
}

void Trainer::requestPause() { m_pauseRequested = true; }

void Trainer::resume() {
  {
    std::lock_guard lock(m_mutex);
    m_pauseRequested = false;
  }
  m_wake.notify_all();
}

void Trainer::requestStop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopRequested = true;
  }
  m_wake.notify_all();
}

void Trainer::setLearningRate(double lr) {
  {
    std::lock_guard lock(m_mutex);
    m_pendingLr = lr;
  }
  m_wake.notify_all();
}

Status Trainer::setNodeFrozen(const std::string& nodeId, bool frozen) {
  bool found = false;
  for (const auto& n : m_paramNode) found = found || n == nodeId;
  if (!found) return Status::error("node '" + nodeId + "' has no parameters to freeze");
  {
    std::lock_guard lock(m_mutex);
    m_pendingFreeze.emplace_back(nodeId, frozen);
  }
  m_wake.notify_all();
  return Status::ok();
}

std::vector<std::string> Trainer::trainableNodes() const {
  std::vector<std::string> out;
  for (const auto& n : m_paramNode)
    if (out.empty() || out.back() != n) out.push_back(n);
  return out;
}

void Trainer::applyPending() {
  std::lock_guard lock(m_mutex);
  if (m_pendingLr && *m_pendingLr > 0 && std::isfinite(*m_pendingLr))
    m_scheduler->setBaseLr(*m_pendingLr);
  m_pendingLr.reset();
  for (const auto& [node, frozen] : m_pendingFreeze)
    for (size_t i = 0; i < m_params.size(); ++i)
      if (m_paramNode[i] == node) m_optimizer->setFrozen(m_params[i].name, frozen);
  m_pendingFreeze.clear();
}

bool Trainer::waitWhilePaused() {
  std::unique_lock lock(m_mutex);
  while (m_pauseRequested && !m_stopRequested) {
    m_parked = true;
    m_wake.wait_for(lock, std::chrono::milliseconds(50));
  }
  m_parked = false;
  return !m_stopRequested;
}

const std::vector<int64_t>& Trainer::epochOrder(int64_t epoch) {
  if (epoch != m_orderEpoch) {
    m_order = m_split.train;
    if (m_settings.shuffle) {
      Rng rng(mix(m_settings.seed, kShuffleStream, static_cast<uint64_t>(epoch)));
      for (size_t i = m_order.size(); i > 1; --i) std::swap(m_order[i - 1], m_order[rng.below(i)]);
    }
    m_orderEpoch = epoch;
  }
  return m_order;
}

std::pair<int64_t, int64_t> Trainer::countCorrect(const Tensor& logits,
                                                  const Tensor& target) const {
  if (!logits.defined() || !target.defined() || target.dtype() != DType::Int64 ||
      logits.dtype() != DType::Float32 || logits.ndim() < 1)
    return {0, 0};
  const int64_t classes = logits.size(-1);
  const int64_t rows = classes ? logits.numel() / classes : 0;
  if (rows != target.numel()) return {0, 0};
  int64_t correct = 0, counted = 0;
  // Accuracy is a metric: a GPU run copies the logits and targets to the host for it.
  const Tensor hostLogits = logits.to(Device::cpu()), hostTarget = target.to(Device::cpu());
  const float* l = hostLogits.f32();
  const int64_t* y = hostTarget.i64();
  for (int64_t r = 0; r < rows; ++r) {
    if (y[r] == m_ignoreIndex) continue;
    const float* row = l + r * classes;
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (row[c] > row[best]) best = c;
    correct += best == y[r] ? 1 : 0;
    ++counted;
  }
  return {correct, counted};
}

std::map<std::string, double> Trainer::nodeNorms(std::string& firstBad) const {
  std::map<std::string, double> sumSq;
  // A GPU run sums every gradient on the device and copies the sums back in one go.
  std::vector<Tensor> onGpu;
  for (const auto& p : m_params)
    if (Tensor g = p.tensor.grad(); onDevice(g)) onGpu.push_back(g);
  const std::vector<double> gpuSums =
      onGpu.empty() ? std::vector<double>{} : backendFor(onGpu[0].device()).sumSquaresMany(onGpu);
  size_t nextGpu = 0;
  for (size_t i = 0; i < m_params.size(); ++i) {
    Tensor g = m_params[i].tensor.grad();
    if (!g.defined()) continue;
    double s = 0;
    if (onDevice(g)) {
      s = gpuSums[nextGpu++];
    } else {
      const float* d = g.f32();
      for (int64_t k = 0, n = g.numel(); k < n; ++k) s += static_cast<double>(d[k]) * d[k];
    }
    if (!std::isfinite(s) && firstBad.empty())
      firstBad = "'" + m_params[i].name + "' (node '" + m_paramNode[i] + "')";
    sumSq[m_paramNode[i]] += s;
  }
  for (auto& [_, v] : sumSq) v = std::sqrt(v);
  return sumSq;
}

Trainer::Validation Trainer::validate() {
  Validation v;
  if (m_split.validation.empty()) return v;
  NoGradGuard noGrad;
  Rng rng(0);
  ForwardContext ctx{false, &rng, false};
  double lossSum = 0;
  int64_t samples = 0, correct = 0, counted = 0;
  const auto& idx = m_split.validation;
  for (size_t b = 0; b < idx.size(); b += static_cast<size_t>(m_settings.batch)) {
    if (m_stopRequested) {
      v.interrupted = true;
      return v;
    }
    std::vector<int64_t> batch(
        idx.begin() + static_cast<std::ptrdiff_t>(b),
        idx.begin() + static_cast<std::ptrdiff_t>(
                          std::min(idx.size(), b + static_cast<size_t>(m_settings.batch))));
    auto out = m_model.forward({{m_inputName, m_data.gatherInputs(batch).to(m_device)}},
                               m_data.gatherTargets(batch).to(m_device), ctx);
    if (!out) {
      v.error = "validation: " + out.message();
      return v;
    }
    double batchLoss = 0;
    try {
      batchLoss = out->loss.item();
    } catch (const std::exception& e) {
      v.error = std::string("validation: ") + e.what();
      return v;
    }
    lossSum += batchLoss * static_cast<double>(batch.size());
    samples += static_cast<int64_t>(batch.size());
    if (m_crossEntropy) {
      auto [c, n] = countCorrect(out->prediction, m_data.gatherTargets(batch));
      correct += c;
      counted += n;
    }
  }
  v.loss = lossSum / static_cast<double>(samples);
  if (m_crossEntropy && counted > 0) v.accuracy = static_cast<double>(correct) / counted;
  return v;
}

TrainReport Trainer::run() {
  TrainReport report;
  m_running = true;
  // A stop requested before run() starts is honoured (a GUI may stop a worker that has not
  // begun yet); the flag is cleared when run() returns, so a later run() continues.
  auto finish = [&](TrainOutcome o, std::string message) {
    m_stopRequested = false;
    report.outcome = o;
    report.message = std::move(message);
    report.steps = m_step;
    report.finalLoss = m_lastLoss;
    report.bestValLoss = m_bestValLoss;
    report.bestStep = m_bestStep;
    m_running = false;
    // The model leaves run() on the host, whatever the device: checkpoints, inference and the
    // GUI read it there. A device that failed keeps the weights it could not give back.
    if (!m_device.isCpu()) {
      try {
        for (auto& p : m_params) p.tensor.moveTo(Device::cpu());
      } catch (const std::exception& e) {
        report.outcome = TrainOutcome::Failed;
        report.message += std::string(report.message.empty() ? "" : "; ") +
                          "the weights could not be copied back from " + m_device.str() + ": " +
                          e.what();
      }
    }
    return report;
  };
  if (!m_device.isCpu()) {
    try {
      for (auto& p : m_params) p.tensor.moveTo(m_device);
    } catch (const std::exception& e) {
      return finish(TrainOutcome::Failed, m_device.str() + ": " + e.what());
    }
  }
  const auto batch = static_cast<size_t>(m_settings.batch);
  for (int64_t step = m_step; step < m_totalSteps; ++step) {
    applyPending();
    if (!waitWhilePaused())
      return finish(TrainOutcome::Stopped, "stopped at step " + std::to_string(step));
    applyPending();  // steering done while paused takes effect now
    const auto t0 = Clock::now();
    const int64_t epoch = step / m_stepsPerEpoch;
    const auto pos = static_cast<size_t>(step % m_stepsPerEpoch);
    const auto& order = epochOrder(epoch);
    std::vector<int64_t> idx(
        order.begin() + static_cast<std::ptrdiff_t>(pos * batch),
        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), (pos + 1) * batch)));
    // Host -> device once per batch (a no-op on the CPU).
    const Tensor x = m_data.gatherInputs(idx).to(m_device);
    const Tensor y = m_data.gatherTargets(idx).to(m_device);
    const double lr = m_scheduler->lrAt(step);
    m_optimizer->setLr(lr);
    m_optimizer->zeroGrad();

    const std::string where = "step " + std::to_string(step + 1) + ": ";
    Rng dropoutRng(mix(m_settings.seed, kDropoutStream, static_cast<uint64_t>(step)));
    ForwardContext ctx{true, &dropoutRng, false};
    auto out = m_model.forward({{m_inputName, x}}, y, ctx);
    if (!out) return finish(TrainOutcome::Failed, where + out.message());
    double loss = 0;
    try {
      loss = out->loss.item();
    } catch (const std::exception& e) {
      return finish(TrainOutcome::Failed, where + e.what());
    }
    // Backward runs even for a non-finite loss so the message can name the first parameter
    // whose gradient went bad; nothing is updated before the checks below.
    try {
      out->loss.backward();
    } catch (const std::exception& e) {
      return finish(TrainOutcome::Failed, where + "backward failed: " + e.what());
    }
    for (auto& p : m_params)  // frozen parameters get no gradient, so clipping ignores them
      if (m_optimizer->isFrozen(p.name)) p.tensor.zeroGrad();
    std::string bad;
    StepMetrics m;
    try {
      m.nodeGradNorms = nodeNorms(bad);
    } catch (const std::exception& e) {
      return finish(TrainOutcome::Failed, where + e.what());
    }
    if (!std::isfinite(loss) || !bad.empty()) {
      m_optimizer->zeroGrad();
      const std::string what =
          !std::isfinite(loss)
              ? "the loss is " + std::string(std::isnan(loss) ? "nan" : "inf") +
                    (bad.empty() ? "" : " (first non-finite gradient: " + bad + ")")
              : "non-finite gradient in " + bad;
      return finish(TrainOutcome::Failed,
                    where + what +
                        "; training stopped and the weights from before this step "
                        "kept (lower the learning rate or clip gradients)");
    }
    double total = 0;
    for (const auto& [_, n] : m.nodeGradNorms) total += n * n;
    m.gradNorm = std::sqrt(total);
    try {
      if (m_settings.clipGradNorm > 0) clipGradNorm(m_params, m_settings.clipGradNorm);
      m_optimizer->step();
    } catch (const std::exception& e) {  // a device failure mid-update (CPU steps do not throw)
      return finish(TrainOutcome::Failed, where + "update failed: " + e.what());
    }
    m_optimizer->zeroGrad();

    m.step = step + 1;
    m.epoch = epoch + 1;
    m.loss = loss;
    m.lr = lr;
    if (m_crossEntropy) {
      auto [c, n] = countCorrect(out->prediction, y);
      if (n > 0) m.accuracy = static_cast<double>(c) / n;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    m.samplesPerSec = secs > 0 ? static_cast<double>(idx.size()) / secs : StepMetrics::kNaN;
    m_lastLoss = loss;
    m_step = step + 1;

    const bool epochEnd = pos + 1 == static_cast<size_t>(m_stepsPerEpoch);
    if ((step + 1) % m_valEvery == 0 || step + 1 == m_totalSteps) {
      Validation v = validate();
      if (!v.error.empty()) return finish(TrainOutcome::Failed, where + v.error);
      if (v.interrupted) {
        if (m_onStep) m_onStep(m);
        m_channel.push(m);
        return finish(TrainOutcome::Stopped, "stopped at step " + std::to_string(step + 1));
      }
      m.valLoss = v.loss;
      m.valAccuracy = v.accuracy;
      if (std::isfinite(v.loss) && (std::isnan(m_bestValLoss) || v.loss < m_bestValLoss)) {
        m_bestValLoss = v.loss;
        m_bestStep = step + 1;
        m_best.clear();
        for (const auto& p : m_params) m_best.push_back({p.name, p.tensor.clone()});
      }
    }
    if (m_onStep) m_onStep(m);
    if ((epochEnd || step + 1 == m_totalSteps) && m_onEpoch) m_onEpoch(m);
    m_channel.push(std::move(m));
  }
  return finish(TrainOutcome::Finished, "");
}

}  // namespace strata
