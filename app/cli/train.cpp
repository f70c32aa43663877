// `strata-cli train GRAPH [options]`: trains on a data spec with the graph file's training settings
// overridden by the command line; one line per epoch, a CSV row per step, `final loss <x>` last.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "train/trainer.h"

namespace strata::cli {

namespace {

struct TrainOptions {
  std::string graph;
  std::string data, weights, optimizer, shuffle, device, out, log;
  int64_t epochs = 0, steps = 0, batch = 0;
  double lr = 0, valSplit = 0;
  uint64_t seed = 0;
  // Which options were given (an override only then).
  std::map<std::string, CLI::Option*> given;
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

int runTrain(const TrainOptions& o) {
  GraphDocument doc = loadGraph(o.graph);
  auto settings = TrainSettings::merged(doc.training, overrides(o));
  if (!settings) throw UsageError(o.graph + ": " + settings.message());
  requireDevice(settings->device);
  if (o.given.at("--data")->count() == 0)  // the file's own spec: paths relative to the file
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
  const int64_t perEpoch = std::max<int64_t>(1, t.stepsPerEpoch());
  const int64_t epochs = (t.totalSteps() + perEpoch - 1) / perEpoch;
  std::printf("%s: %s; %zu train / %zu validation samples\n", o.graph.c_str(),
              t.data().description.c_str(), t.split().train.size(), t.split().validation.size());
  std::printf("%s, lr %s, batch %lld, %lld steps (%lld per epoch), seed %llu, device %s\n",
              t.optimizer().name(), formatNumber(settings->lr).c_str(),
              static_cast<long long>(settings->batch), static_cast<long long>(t.totalSteps()),
              static_cast<long long>(perEpoch), static_cast<unsigned long long>(settings->seed),
              settings->device.c_str());
  std::fflush(stdout);

  if (log.is_open())
    t.setStepCallback([&log](const StepMetrics& m) { log << metricsCsvRow(m) << "\n"; });
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

  TrainReport report = t.run();
  if (log.is_open()) {
    log.close();
    if (!log) throw UsageError(o.log + ": write failed");
  }
  if (report.outcome == TrainOutcome::Failed) {
    std::fprintf(stderr, "%s: training failed: %s\n", o.graph.c_str(), report.message.c_str());
    return kExitFailed;
  }
  if (!o.out.empty()) {
    Status s = t.saveCheckpoint(o.out);
    if (!s) throw UsageError(s.message());
    std::printf("saved weights to %s (optimizer state in %s)\n", o.out.c_str(),
                Trainer::optimizerStatePath(o.out).c_str());
  }
  if (!std::isnan(report.bestValLoss))
    std::printf("best val_loss %s at step %lld\n", formatNumber(report.bestValLoss).c_str(),
                static_cast<long long>(report.bestStep));
  std::printf("final loss %s\n", formatNumber(report.finalLoss).c_str());
  return kExitOk;
}

}  // namespace

Verb addTrainVerb(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a graph; options override the graph file's \"training\" settings");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  auto& g = o->given;
  g["--data"] = cmd->add_option(
      "--data", o->data, "sine | text:FILE | csv:FILE | task:copy|reverse|sort | npy:X.npy,Y.npy");
  cmd->add_option("--weights", o->weights, "start from these weights (else a seeded init)");
  g["--epochs"] = cmd->add_option("--epochs", o->epochs, "epochs (when --steps is 0)")
                      ->check(nonNegativeNumber());
  g["--steps"] = cmd->add_option("--steps", o->steps, "total optimizer steps (0: use --epochs)")
                     ->check(nonNegativeNumber());
  g["--batch"] = cmd->add_option("--batch", o->batch, "batch size")->check(positiveNumber());
  g["--lr"] = cmd->add_option("--lr", o->lr, "learning rate")->check(positiveNumber());
  g["--optimizer"] = cmd->add_option("--optimizer", o->optimizer, "sgd | adam | adamw")
                         ->check(CLI::IsMember({"sgd", "adam", "adamw"}));
  g["--shuffle"] = cmd->add_option("--shuffle", o->shuffle,
                                   "on | off (off: batches in file order, replayable)")
                       ->check(CLI::IsMember({"on", "off"}));
  g["--val-split"] = cmd->add_option("--val-split", o->valSplit,
                                     "fraction of samples held out for validation, in [0, 1)")
                         ->check(fraction());
  g["--seed"] = cmd->add_option("--seed", o->seed, "seed for init, split, shuffling, dropout");
  g["--device"] = cmd->add_option("--device", o->device, "cpu | cuda")
                      ->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--out", o->out, "write the trained weights here (.safetensors)");
  cmd->add_option("--log", o->log,
                  "CSV log: step,epoch,loss,val_loss,accuracy,lr,samples_per_s per step");
  return {cmd, [o] { return runTrain(*o); }};
}

}  // namespace strata::cli
