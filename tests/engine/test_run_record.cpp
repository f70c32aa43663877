// Run records: what a record holds after a finished and a stopped run, the log read back (a row
// cut short by a kill is dropped, the ones before it kept), rename/annotate/delete, the diff line
// between runs for param and settings changes, and sweep grids (parsing, checks, application).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/testenv.h"
#include "graph/model.h"
#include "train/run_diff.h"
#include "io/safetensors.h"
#include "train/run_record.h"
#include "train/sweep.h"
#include "train/trainer.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

GraphDocument mlp(int hidden = 16) {
  Json j = {{"format", "strata-graph"},
            {"version", 1},
            {"nodes",
             {{{"id", "x"}, {"type", "Input"}, {"params", {{"shape", {8}}}}, {"pos", {0, 0}}},
              {{"id", "fc1"}, {"type", "Linear"}, {"params", {{"out_features", hidden}}},
               {"pos", {1, 0}}},
              {{"id", "act"}, {"type", "Tanh"}, {"params", Json::object()}, {"pos", {2, 0}}},
              {{"id", "fc2"}, {"type", "Linear"}, {"params", {{"out_features", 1}}},
               {"pos", {3, 0}}},
              {{"id", "loss"}, {"type", "MSELoss"}, {"params", Json::object()},
               {"pos", {4, 0}}}}},
            {"edges",
             {{{"from", "x.out"}, {"to", "fc1.in"}},
              {{"from", "fc1.out"}, {"to", "act.in"}},
              {{"from", "act.out"}, {"to", "fc2.in"}},
              {{"from", "fc2.out"}, {"to", "loss.input"}}}},
            {"training", {{"data", "sine"}, {"steps", 12}, {"batch", 16}, {"lr", 0.003}}}};
  auto d = GraphDocument::fromJson(j);
  EXPECT_TRUE(d) << d.message();
  return d ? *d : GraphDocument{};
}

TrainSettings settingsOf(const GraphDocument& g, Json overrides = Json::object()) {
  auto s = TrainSettings::merged(g.training, overrides);
  EXPECT_TRUE(s) << s.message();
  return s ? *s : TrainSettings{};
}

// Trains `g` for its settings with a recorder; `stopAt` > 0 requests a stop after that step.
RunInfo recordRun(const std::string& runsDir, const GraphDocument& g, const TrainSettings& s,
                  int64_t stopAt = 0, RunRecordOptions options = {}) {
  auto model = Model::compile(g);
  EXPECT_TRUE(model) << model.message();
  (*model)->resetParameters(s.seed);
  auto trainer = Trainer::create(**model, s);
  EXPECT_TRUE(trainer) << trainer.message();
  auto recorder = RunRecorder::create(runsDir, g, s, options);
  EXPECT_TRUE(recorder) << recorder.message();
  Trainer& t = **trainer;
  t.setStepCallback([&](const StepMetrics& m) {
    EXPECT_TRUE((*recorder)->appendStep(m));
    if (stopAt > 0 && m.step == stopAt) t.requestStop();
  });
  const TrainReport report = t.run();
  EXPECT_TRUE((*recorder)->finish(report, t));
  auto info = loadRun((*recorder)->info().dir);
  EXPECT_TRUE(info) << info.message();
  return info ? *info : RunInfo{};
}

TEST(RunRecord, FinishedRunIsComplete) {
  test::ScratchDir dir("runrec");
  const std::string runs = dir.file("g.strata.runs");
  const GraphDocument g = mlp();
  const RunInfo info = recordRun(runs, g, settingsOf(g));
  EXPECT_EQ(info.summary.ended, "finished");
  EXPECT_EQ(info.summary.steps, 12);
  EXPECT_TRUE(std::isfinite(info.summary.finalLoss));
  EXPECT_LE(info.summary.bestLoss, info.summary.finalLoss);
  EXPECT_GT(info.summary.stepsPerSec, 0);
  EXPECT_GT(info.summary.wallSeconds, 0);
  EXPECT_EQ(info.diff, "first run");
  EXPECT_GT(info.threads, 0);
  EXPECT_EQ(info.device, "cpu");
  EXPECT_FALSE(info.version.empty());
  EXPECT_EQ(info.settings.at("lr").get<double>(), 0.003);
  for (const std::string& f : {info.graphPath(), info.logPath(), info.bestWeightsPath(),
                               info.lastWeightsPath(), info.dir + "/settings.json"})
    EXPECT_TRUE(fs::exists(f)) << f;
  auto graph = GraphDocument::load(info.graphPath());
  ASSERT_TRUE(graph) << graph.message();
  EXPECT_EQ(graph->serialize(), g.serialize());
  auto log = readRunLog(info.logPath());
  ASSERT_TRUE(log) << log.message();
  ASSERT_EQ(log->size(), 12u);
  for (size_t i = 0; i < log->size(); ++i) EXPECT_EQ((*log)[i].step, int64_t(i + 1));
  // The log keeps 9 significant digits.
  EXPECT_NEAR(log->back().loss, info.summary.finalLoss, 1e-8 * std::fabs(info.summary.finalLoss));
}

// During a run, last.safetensors is rewritten once checkpointSeconds have passed, holding the
// step just completed (what a killed process leaves to resume from); 0 writes it only at the end.
TEST(RunRecord, CheckpointsDuringTheRun) {
  test::ScratchDir dir("runrec-ckpt");
  const GraphDocument g = mlp();
  const TrainSettings s = settingsOf(g);
  for (double every : {0.0, 1e-9}) {
    auto model = Model::compile(g);
    ASSERT_TRUE(model) << model.message();
    (*model)->resetParameters(s.seed);
    auto trainer = Trainer::create(**model, s);
    ASSERT_TRUE(trainer) << trainer.message();
    RunRecordOptions options;
    options.checkpointSeconds = every;
    auto recorder = RunRecorder::create(dir.file(every > 0 ? "on" : "off"), g, s, options);
    ASSERT_TRUE(recorder) << recorder.message();
    Trainer& t = **trainer;
    std::vector<int64_t> saved;
    t.setStepCallback([&](const StepMetrics& m) {
      ASSERT_TRUE((*recorder)->appendStep(m));
      bool wrote = false;
      ASSERT_TRUE((*recorder)->checkpointIfDue(t, &wrote));
      if (!wrote) return;
      auto ckpt = loadSafetensors((*recorder)->info().lastWeightsPath());
      ASSERT_TRUE(ckpt) << ckpt.message();
      EXPECT_EQ(ckpt->metadata.at("step"), std::to_string(m.step));
      saved.push_back(m.step);
    });
    t.run();
    if (every > 0)
      EXPECT_EQ(saved.size(), 12u);  // a due interval at every step
    else
      EXPECT_TRUE(saved.empty());
  }
}

TEST(RunRecord, StoppedRunIsCompleteUpToTheStop) {
  test::ScratchDir dir("runrec");
  const GraphDocument g = mlp();
  const RunInfo info = recordRun(dir.file("runs"), g, settingsOf(g, {{"steps", 100}}), 5);
  EXPECT_EQ(info.summary.ended, "stopped");
  EXPECT_EQ(info.summary.steps, 5);
  auto log = readRunLog(info.logPath());
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 5u);
  EXPECT_TRUE(fs::exists(info.lastWeightsPath()));
  EXPECT_TRUE(fs::exists(info.bestWeightsPath()));
}

TEST(RunRecord, NanRunEndsAsNan) {
  test::ScratchDir dir("runrec");
  const GraphDocument g = mlp();
  const RunInfo info = recordRun(dir.file("runs"), g, settingsOf(g, {{"lr", 1e30},
                                                                     {"optimizer", "sgd"}}));
  EXPECT_EQ(info.summary.ended, "nan") << info.summary.message;
  EXPECT_FALSE(info.summary.message.empty());
}

TEST(RunRecord, SecondRunDiffsAgainstTheFirst) {
  test::ScratchDir dir("runrec");
  const std::string runs = dir.file("runs");
  recordRun(runs, mlp(16), settingsOf(mlp(16)));
  const RunInfo second = recordRun(runs, mlp(32), settingsOf(mlp(32), {{"lr", 0.001}}));
  EXPECT_EQ(second.diff, "fc1.out_features 16→32, lr 3e-3→1e-3");
  const RunInfo third = recordRun(runs, mlp(32), settingsOf(mlp(32), {{"lr", 0.001}}));
  EXPECT_EQ(third.diff, "no change");
  EXPECT_EQ(second.name, "run 2");  // a short default name; the folder keeps the time
  EXPECT_EQ(third.name, "run 3");
  EXPECT_EQ(listRuns(runs).size(), 3u);
}

TEST(RunRecord, SameSeedSameCurves) {
  test::ScratchDir dir("runrec");
  const GraphDocument g = mlp();
  const RunInfo a = recordRun(dir.file("runs"), g, settingsOf(g, {{"seed", 7}}));
  const RunInfo b = recordRun(dir.file("runs"), g, settingsOf(g, {{"seed", 7}}));
  EXPECT_EQ(a.seed, 7u);
  auto la = readRunLog(a.logPath()), lb = readRunLog(b.logPath());
  ASSERT_TRUE(la && lb);
  ASSERT_EQ(la->size(), lb->size());
  for (size_t i = 0; i < la->size(); ++i) {
    EXPECT_EQ((*la)[i].loss, (*lb)[i].loss) << "step " << i + 1;
    EXPECT_TRUE((*la)[i].valLoss == (*lb)[i].valLoss ||
                (std::isnan((*la)[i].valLoss) && std::isnan((*lb)[i].valLoss)));
  }
  const RunInfo c = recordRun(dir.file("runs"), g, settingsOf(g, {{"seed", 8}}));
  auto lc = readRunLog(c.logPath());
  ASSERT_TRUE(lc);
  EXPECT_NE(la->front().loss, lc->front().loss);
  EXPECT_EQ(c.diff, "seed 7→8");
}

TEST(RunRecord, RenameAnnotateDelete) {
  test::ScratchDir dir("runrec");
  const GraphDocument g = mlp();
  const RunInfo info = recordRun(dir.file("runs"), g, settingsOf(g));
  ASSERT_TRUE(renameRun(info.dir, "baseline"));
  ASSERT_TRUE(annotateRun(info.dir, "tanh, before the bigger layer"));
  auto again = loadRun(info.dir);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->name, "baseline");
  EXPECT_EQ(again->note, "tanh, before the bigger layer");
  EXPECT_EQ(again->summary.ended, "finished");  // nothing else touched
  EXPECT_FALSE(renameRun(info.dir, ""));
  Status refused = removeRun(dir.path().string());  // not a record: nothing deleted
  EXPECT_FALSE(refused);
  EXPECT_NE(refused.message().find("not a run record"), std::string::npos);
  ASSERT_TRUE(removeRun(info.dir));
  EXPECT_FALSE(fs::exists(info.dir));
  EXPECT_TRUE(listRuns(dir.file("runs")).empty());
}

TEST(RunRecord, LogCutShortKeepsCompleteRows) {
  test::ScratchDir dir("runrec");
  const std::string path = dir.file("log.csv");
  test::writeText(path, RunRecorder::logHeader() + "\n1,1,0.5,nan,nan,0.001,100,nan\n"
                                                   "2,1,0.4,0.45,nan,0.001,100,nan\n3,1,0.3");
  auto rows = readRunLog(path);
  ASSERT_TRUE(rows) << rows.message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].valLoss, 0.45);
  test::writeText(path, "nothing,here\n");
  auto bad = readRunLog(path);
  EXPECT_FALSE(bad);
  EXPECT_NE(bad.message().find("line 1"), std::string::npos) << bad.message();
}

TEST(RunRecord, ListSkipsOtherFoldersAndReportsBrokenRecords) {
  test::ScratchDir dir("runrec");
  const std::string runs = dir.file("runs");
  const GraphDocument g = mlp();
  recordRun(runs, g, settingsOf(g));
  fs::create_directories(runs + "/not-a-run");
  fs::create_directories(runs + "/broken");
  test::writeText(runs + "/broken/run.json", "{ nope");
  std::vector<std::string> problems;
  EXPECT_EQ(listRuns(runs, &problems).size(), 1u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("broken/run.json"), std::string::npos) << problems[0];
}

TEST(RunRecord, SummaryTakesStepsAndScores) {
  RunSummary s;
  StepMetrics m;
  m.step = 1;
  m.loss = 2.0;
  m.accuracy = 0.25;
  s.addStep(m);
  EXPECT_EQ(s.accuracy, 0.25);  // the batch's until validation measured one
  EXPECT_EQ(s.score(), 2.0);    // no validation: the training loss
  m.step = 2;
  m.loss = 1.0;
  m.valLoss = 1.5;
  m.valAccuracy = 0.5;
  s.addStep(m);
  m.step = 3;
  m.loss = 1.2;
  m.valLoss = StepMetrics::kNaN;
  m.valAccuracy = StepMetrics::kNaN;
  m.accuracy = 0.9;
  s.addStep(m);
  EXPECT_EQ(s.steps, 3);
  EXPECT_EQ(s.finalLoss, 1.2);
  EXPECT_EQ(s.bestLoss, 1.0);
  EXPECT_EQ(s.bestValLoss, 1.5);
  EXPECT_EQ(s.bestValStep, 2);
  EXPECT_EQ(s.accuracy, 0.5);  // the validation accuracy, not a later batch's
  EXPECT_EQ(s.score(), 1.5);
}

TEST(RunDiff, ParamsSettingsAndStructure) {
  GraphDocument a = mlp(256), b = mlp(128);
  Json sa = settingsOf(a).toJson(), sb = settingsOf(a, {{"lr", 1e-3}}).toJson();
  EXPECT_EQ(runDiff(a, sa, b, sb), "fc1.out_features 256→128, lr 3e-3→1e-3");
  EXPECT_EQ(runDiff(a, sa, a, sa), "no change");
  b.nodes.push_back({"drop", "Dropout", {{"p", 0.1}}, 0, 0});
  EXPECT_EQ(runDiff(a, sa, b, sa), "fc1.out_features 256→128, +drop (Dropout)");
  EXPECT_EQ(runDiff(b, sa, a, sa), "fc1.out_features 128→256, −drop");
  GraphDocument c = mlp(256);
  c.nodes[2].type = "ReLU";
  EXPECT_EQ(runDiff(a, sa, c, sa), "act Tanh→ReLU");
  GraphDocument d = mlp(256);
  d.edges.pop_back();
  EXPECT_EQ(runDiff(a, sa, d, sa), "rewired");
  Json se = settingsOf(a, {{"optimizer", "sgd"}, {"batch", 64}, {"shuffle", false}}).toJson();
  EXPECT_EQ(runDiff(a, sa, a, se), "batch 16→64, optimizer adam→sgd, shuffle true→false");
  // A param present on one side only (a default made explicit) names both states.
  GraphDocument e = mlp(256);
  e.nodes[1].params["bias"] = false;
  EXPECT_EQ(runDiff(a, sa, e, sa), "fc1.bias unset→false");
}

TEST(RunDiff, ValueFormatting) {
  EXPECT_EQ(formatDiffValue(Json(0.003)), "3e-3");
  EXPECT_EQ(formatDiffValue(Json(0.0005)), "5e-4");
  EXPECT_EQ(formatDiffValue(Json(0.00025)), "2.5e-4");
  EXPECT_EQ(formatDiffValue(Json(0.1)), "0.1");
  EXPECT_EQ(formatDiffValue(Json(128)), "128");
  EXPECT_EQ(formatDiffValue(Json(2.0)), "2");
  EXPECT_EQ(formatDiffValue(Json(2e7)), "20000000");
  EXPECT_EQ(formatDiffValue(Json(2.5e7)), "25000000");
  EXPECT_EQ(formatDiffValue(Json("adam")), "adam");
  EXPECT_EQ(formatDiffValue(Json::array({2, 3})), "[2,3]");
}

TEST(Sweep, ParseGridAndApply) {
  auto lr = parseSweepAxis("lr=1e-3, 3e-3");
  ASSERT_TRUE(lr) << lr.message();
  EXPECT_EQ(lr->key, "lr");
  ASSERT_EQ(lr->values.size(), 2u);
  EXPECT_EQ(lr->values[1].get<double>(), 3e-3);
  auto hidden = parseSweepAxis("fc1.out_features=8,16");
  ASSERT_TRUE(hidden);
  EXPECT_TRUE(hidden->isNodeParam());
  auto opt = parseSweepAxis("optimizer=sgd,adam");
  ASSERT_TRUE(opt);
  EXPECT_EQ(opt->values[0], Json("sgd"));
  auto split = parseSweepAxis("val-split=0.1,0.2");
  ASSERT_TRUE(split);
  EXPECT_EQ(split->key, "val_split");

  const GraphDocument g = mlp(16);
  EXPECT_TRUE(checkSweepAxes({*lr, *hidden}, g));
  const std::vector<Json> grid = sweepGrid({*lr, *hidden});
  ASSERT_EQ(grid.size(), 4u);
  EXPECT_EQ(grid[0], (Json{{"lr", 1e-3}, {"fc1.out_features", 8}}));
  EXPECT_EQ(grid[1], (Json{{"lr", 1e-3}, {"fc1.out_features", 16}}));
  EXPECT_EQ(grid[3], (Json{{"lr", 3e-3}, {"fc1.out_features", 16}}));
  GraphDocument copy = g;
  Json overrides = Json::object();
  ASSERT_TRUE(applySweepPoint(grid[2], copy, overrides));
  EXPECT_EQ(copy.node("fc1")->params.at("out_features"), 8);
  EXPECT_EQ(overrides, (Json{{"lr", 3e-3}}));
  EXPECT_EQ(g.node("fc1")->params.at("out_features"), 16);  // the original is untouched
  EXPECT_EQ(sweepPointLabel(grid[2]), "fc1.out_features=8 lr=3e-3");
}

TEST(Sweep, BadAxesNameTheCause) {
  const GraphDocument g = mlp();
  EXPECT_NE(parseSweepAxis("lr").message().find("expected NAME=V1,V2"), std::string::npos);
  EXPECT_NE(parseSweepAxis("lr=").message().find("no values"), std::string::npos);
  EXPECT_NE(parseSweepAxis("lr=1,,2").message().find("empty value"), std::string::npos);
  Status s = checkSweepAxes({*parseSweepAxis("fc9.out_features=1")}, g);
  EXPECT_NE(s.message().find("--set fc9.out_features: no node 'fc9'"), std::string::npos)
      << s.message();
  s = checkSweepAxes({*parseSweepAxis("speed=1")}, g);
  EXPECT_NE(s.message().find("--set speed: not a training setting"), std::string::npos)
      << s.message();
  s = checkSweepAxes({*parseSweepAxis("lr=1"), *parseSweepAxis("lr=2")}, g);
  EXPECT_NE(s.message().find("named twice"), std::string::npos);
}

}  // namespace
}  // namespace strata
