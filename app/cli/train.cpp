// `strata-cli train GRAPH [options]`: trains on a data spec with the graph file's training settings
// overridden by the command line; one line per epoch, a CSV row per step, `final loss <x>` last;
// every run leaves a run record (train/run_record.h) unless --no-run-record. Ctrl-C stops the run
// between steps (its record and --out still written).
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "train_common.h"

namespace strata::cli {

namespace {

// Ctrl-C or SIGTERM during training asks the loop to stop between steps, so the run ends as
// "stopped" with its checkpoints and summary written; a second one ends the process at once.
volatile std::sig_atomic_t g_stopRequested = 0;

extern "C" void onStopSignal(int sig) {
  if (g_stopRequested) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stopRequested = 1;
}

// Installs the handlers for the life of one run.
class StopSignals {
 public:
  StopSignals() {
    g_stopRequested = 0;
    m_int = std::signal(SIGINT, onStopSignal);
    m_term = std::signal(SIGTERM, onStopSignal);
  }
  ~StopSignals() {
    std::signal(SIGINT, m_int);
    std::signal(SIGTERM, m_term);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  void (*m_int)(int) = SIG_DFL;
  void (*m_term)(int) = SIG_DFL;
};

// The command line as a JSON object of training settings (only the options that were given).
nlohmann::json overrides(const TrainOptions& o) {
  nlohmann::json j = nlohmann::json::object();
  auto set = [&](const char* flag, const char* key, nlohmann::json value) {
    if (o.given.at(flag)->count() > 0) j[key] = std::move(value);
  };
  set("--data", "data", o.data);
  set("--epochs", "epochs", o.epochs);
  set("--steps", "steps", o.steps);
  set("--batch", "batch", o.batch);
  set("--lr", "lr", o.lr);
  set("--optimizer", "optimizer", o.optimizer);
  set("--shuffle", "shuffle", o.shuffle);
  set("--val-split", "val_split", o.valSplit);
  set("--seed", "seed", o.seed);
  set("--device", "device", o.device);
  return j;
}

std::string metric(const char* name, double v) {
  if (std::isnan(v)) return "";
  return std::string("  ") + name + " " + formatNumber(v);
}

}  // namespace

TrainRunResult trainDocument(const TrainOptions& o, const GraphDocument& doc,
                             const nlohmann::json& extra, const RunRecordOptions& record) {
  nlohmann::json over = overrides(o);
  for (auto it = extra.begin(); it != extra.end(); ++it) over[it.key()] = it.value();
  auto settings = TrainSettings::merged(doc.training, over);
  if (!settings) throw UsageError(o.graph + ": " + settings.message());
  requireDevice(settings->device);
  setAllowTf32(o.tf32);
  if (!over.contains("data"))  // the file's own spec: paths relative to the file
    settings->data = resolveDataSpec(settings->data, o.graph);

  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  if (!model->hasLoss())
    throw UsageError(o.graph + ": the graph has no loss node (MSELoss or CrossEntropyLoss)");
  if (!o.weights.empty())
    loadWeights(*model, o.weights);
  else
    model->resetParameters(settings->seed);

  std::ofstream log;
  if (!o.log.empty()) {
    log.open(o.log, std::ios::trunc);
    if (!log) throw UsageError(o.log + ": cannot open for writing");
    log << metricsCsvHeader() << "\n";
  }

  auto trainer = Trainer::create(*model, *settings);
  if (!trainer) throw UsageError(o.graph + ": " + trainer.message());
  Trainer& t = **trainer;

  std::unique_ptr<RunRecorder> recorder;
  if (!o.noRunRecord) {
    const std::string runsDir = o.runsDir.empty() ? defaultRunsDir(o.graph) : o.runsDir;
    RunRecordOptions options = record;
    std::error_code ec;
    options.graphFile = std::filesystem::absolute(o.graph, ec).string();
    auto r = RunRecorder::create(runsDir, doc, *settings, options);
    if (!r) throw UsageError(r.message() + " (--runs-dir DIR or --no-run-record)");
    recorder = std::move(r).value();
  }

  const int64_t perEpoch = std::max<int64_t>(1, t.stepsPerEpoch());
  const int64_t epochs = (t.totalSteps() + perEpoch - 1) / perEpoch;
  std::printf("%s: %s; %zu train / %zu validation samples\n", o.graph.c_str(),
              t.data().description.c_str(), t.split().train.size(), t.split().validation.size());
  std::printf("%s, lr %s, batch %lld, %lld steps (%lld per epoch), seed %llu, device %s\n",
              t.optimizer().name(), formatNumber(settings->lr).c_str(),
              static_cast<long long>(settings->batch), static_cast<long long>(t.totalSteps()),
              static_cast<long long>(perEpoch), static_cast<unsigned long long>(settings->seed),
              settings->device.c_str());
  if (recorder)
    std::printf("run record %s (%s)\n", recorder->info().dir.c_str(),
                recorder->info().diff.c_str());
  std::fflush(stdout);

  TrainRunResult result;
  std::string recordError;
  t.setStepCallback([&](const StepMetrics& m) {
    if (g_stopRequested) t.requestStop();
    if (log.is_open()) log << metricsCsvRow(m) << "\n";
    result.summary.addStep(m);
    if (recorder && recordError.empty()) {
      Status s = recorder->appendStep(m);
      if (s) s = recorder->checkpointIfDue(t);  // every 30 s: a kill loses at most that much
      if (!s) {
        recordError = s.message();
        t.requestStop();  // a record that silently lost steps would mislead
      }
    }
  });
  t.setEpochCallback([&](const StepMetrics& m) {
    std::printf("epoch %lld/%lld  step %lld/%lld%s%s%s%s%s\n", static_cast<long long>(m.epoch),
                static_cast<long long>(epochs), static_cast<long long>(m.step),
                static_cast<long long>(t.totalSteps()), metric("loss", m.loss).c_str(),
                metric("val_loss", m.valLoss).c_str(), metric("accuracy", m.accuracy).c_str(),
                metric("lr", m.lr).c_str(),
                metric("samples/s", std::round(m.samplesPerSec)).c_str());
    std::fflush(stdout);
    if (log.is_open()) log.flush();
  });

  const auto t0 = std::chrono::steady_clock::now();
  {
    StopSignals stopSignals;
    result.report = t.run();
  }
  if (result.report.outcome == TrainOutcome::Stopped)
    std::printf("stopped at step %lld\n", static_cast<long long>(result.report.steps));
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.summary.wallSeconds = wall;
  if (wall > 0) result.summary.stepsPerSec = static_cast<double>(result.report.steps) / wall;
  if (recorder) {
    Status s = recorder->finish(result.report, t);
    result.summary = recorder->summary();
    result.recordDir = recorder->info().dir;
    result.name = recorder->info().name;
    if (auto reread = loadRun(result.recordDir)) result.summary = reread->summary;
    if (!s) throw UsageError(s.message());
  }
  if (!recordError.empty()) throw UsageError(recordError);
  if (log.is_open()) {
    log.close();
    if (!log) throw UsageError(o.log + ": write failed");
  }
  if (result.report.outcome == TrainOutcome::Failed) {
    std::fprintf(stderr, "%s: training failed: %s\n", o.graph.c_str(),
                 result.report.message.c_str());
    result.exitCode = kExitFailed;
    return result;
  }
  if (!o.out.empty()) {
    Status s = t.saveCheckpoint(o.out);
    if (!s) throw UsageError(s.message());
    std::printf("saved weights to %s (optimizer state in %s)\n", o.out.c_str(),
                Trainer::optimizerStatePath(o.out).c_str());
  }
  if (!std::isnan(result.report.bestValLoss))
    std::printf("best val_loss %s at step %lld\n", formatNumber(result.report.bestValLoss).c_str(),
                static_cast<long long>(result.report.bestStep));
  std::printf("final loss %s\n", formatNumber(result.report.finalLoss).c_str());
  std::fflush(stdout);
  return result;
}

void addTrainOptions(CLI::App* cmd, TrainOptions& o) {
  auto& g = o.given;
  g["--data"] = cmd->add_option(
      "--data", o.data, "sine | text:FILE | csv:FILE | task:copy|reverse|sort | npy:X.npy,Y.npy");
  cmd->add_option("--weights", o.weights, "start from these weights (else a seeded init)");
  g["--epochs"] = cmd->add_option("--epochs", o.epochs, "epochs (when --steps is 0)")
                      ->check(nonNegativeNumber());
  g["--steps"] = cmd->add_option("--steps", o.steps, "total optimizer steps (0: use --epochs)")
                     ->check(nonNegativeNumber());
  g["--batch"] = cmd->add_option("--batch", o.batch, "batch size")->check(positiveNumber());
  g["--lr"] = cmd->add_option("--lr", o.lr, "learning rate")->check(positiveNumber());
  g["--optimizer"] = cmd->add_option("--optimizer", o.optimizer, "sgd | adam | adamw")
                         ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  g["--shuffle"] = cmd->add_option("--shuffle", o.shuffle,
                                   "on | off (off: batches in file order, replayable)")
                       ->check(CLI::IsMember({"on", "off"}));
  g["--val-split"] = cmd->add_option("--val-split", o.valSplit,
                                     "fraction of samples held out for validation, in [0, 1)")
                         ->check(fraction());
  g["--seed"] = cmd->add_option("--seed", o.seed, "seed for init, split, shuffling, dropout");
  g["--device"] = cmd->add_option("--device", o.device, "cpu | cuda | cuda:N")
                      ->check(deviceName());
  cmd->add_flag("--tf32", o.tf32, "let GPU matmuls and RNNs use TF32 tensor cores (default off)");
  cmd->add_option("--out", o.out, "write the trained weights here (.safetensors)");
  cmd->add_option("--log", o.log,
                  "CSV log: step,epoch,loss,val_loss,accuracy,lr,samples_per_s per step");
  cmd->add_option("--runs-dir", o.runsDir,
                  "where run records go (default GRAPH.runs beside the graph, or "
                  "$STRATA_RUNS_DIR/<graph file>.runs)");
  cmd->add_option("--run-name", o.runName, "the run's name (default: its folder name)");
  cmd->add_flag("--no-run-record", o.noRunRecord, "keep no run record of this run");
}

namespace {

int runTrain(const TrainOptions& o) {
  GraphDocument doc = loadGraph(o.graph);
  RunRecordOptions record;
  record.name = o.runName;
  return trainDocument(o, doc, nlohmann::json::object(), record).exitCode;
}

}  // namespace

Verb addTrainVerb(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a graph; options override the graph file's \"training\" settings");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  addTrainOptions(cmd, *o);
  return {cmd, [o] { return runTrain(*o); }};
}

}  // namespace strata::cli
