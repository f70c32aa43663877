// `strata-cli sweep GRAPH --set KEY=V1,V2 [--set KEY=...] [train options]`: trains the grid of
// the given values one run after another (the first --set varying slowest), each leaving a normal
// run record that names the sweep, then prints one table row per run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>

#include "train/sweep.h"
#include "train_common.h"

namespace strata::cli {

namespace {

struct SweepOptions {
  TrainOptions train;
  std::vector<std::string> sets;
};

std::string cell(double v) { return std::isfinite(v) ? formatNumber(v) : "-"; }

int runSweep(const SweepOptions& o) {
  std::vector<SweepAxis> axes;
  for (const std::string& text : o.sets) {
    auto axis = parseSweepAxis(text);
    if (!axis) throw UsageError(o.train.graph + ": " + axis.message());
    axes.push_back(std::move(axis).value());
  }
  const GraphDocument doc = loadGraph(o.train.graph);
  Status checked = checkSweepAxes(axes, doc);
  if (!checked) throw UsageError(o.train.graph + ": " + checked.message());
  const std::vector<Json> grid = sweepGrid(axes);
  for (const Json& point : grid)
    if (Status s = checkSweepPoint(point, doc); !s)
      throw UsageError(o.train.graph + ": " + s.message());

  // The sweep's id: the first run's folder stamp is not known yet, so use the start time.
  char id[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(id, sizeof id, "sweep-%Y%m%d-%H%M%S", &tm);
  std::printf("%s: %zu runs\n", id, grid.size());
  std::fflush(stdout);

  std::vector<std::pair<std::string, TrainRunResult>> results;
  int exitCode = kExitOk;
  for (size_t i = 0; i < grid.size(); ++i) {
    const Json& point = grid[i];
    GraphDocument g = doc;
    Json overrides = Json::object();
    applySweepPoint(point, g, overrides);
    std::printf("\n[%zu/%zu] %s\n", i + 1, grid.size(), sweepPointLabel(point).c_str());
    std::fflush(stdout);
    RunRecordOptions record;
    record.name = sweepPointLabel(point);
    record.sweep = id;
    record.sweepPoint = point;
    TrainRunResult r = trainDocument(o.train, g, overrides, record);
    if (r.exitCode != kExitOk) exitCode = r.exitCode;  // a diverged point; the others still run
    results.emplace_back(sweepPointLabel(point), std::move(r));
  }

  // The table: the best run (the lowest RunSummary::score) marked with '*'.
  size_t best = 0;
  for (size_t i = 1; i < results.size(); ++i) {
    const double candidate = results[i].second.summary.score();
    const double sofar = results[best].second.summary.score();
    if (candidate < sofar || !std::isfinite(sofar)) best = i;
  }
  size_t width = 5;
  for (const auto& [label, _] : results) width = std::max(width, label.size());
  std::printf("\n  %-*s  %-10s  %-12s  %-12s  %-10s  %-9s  %s\n", static_cast<int>(width), "run",
              "ended", "final_loss", "val_loss", "accuracy", "steps/s", "record");
  for (size_t i = 0; i < results.size(); ++i) {
    const RunSummary& s = results[i].second.summary;
    const std::string ended = s.ended == "running" ? "-" : s.ended;
    std::printf("%s %-*s  %-10s  %-12s  %-12s  %-10s  %-9s  %s\n", i == best ? "*" : " ",
                static_cast<int>(width), results[i].first.c_str(), ended.c_str(),
                cell(s.finalLoss).c_str(), cell(s.finalValLoss).c_str(), cell(s.accuracy).c_str(),
                cell(std::round(s.stepsPerSec * 10) / 10).c_str(),
                results[i].second.recordDir.empty() ? "-" : results[i].second.recordDir.c_str());
  }
  std::fflush(stdout);
  return exitCode;
}

}  // namespace

Verb addSweepVerb(CLI::App& app) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Train a grid of settings or node params, one run record each, then a table");
  cmd->add_option("GRAPH", o->train.graph, "the .strata graph file")->required();
  cmd->add_option("--set", o->sets,
                  "NAME=V1,V2,...: a training setting (lr, batch, ...) or node.param "
                  "(fc1.out_features); repeat for a grid")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  addTrainOptions(cmd, o->train);
  return {cmd, [o] { return runSweep(*o); }};
}

}  // namespace strata::cli
