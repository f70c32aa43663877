// strata-cli run records and sweeps end to end: `train` leaves a complete record beside the graph
// (or under --runs-dir, or none with --no-run-record); a SIGKILL mid-run leaves every step up to
// the kill in the log; the diff line names what changed; `sweep` runs a 2x2 grid on mlp-sine as
// four records with the right settings and prints the table; bad --set values exit 2.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "common/testenv.h"
#include "graph/document.h"
#include "train/run_record.h"

using namespace strata;
using strata::test::ScratchDir;

namespace {

namespace fs = std::filesystem;

std::string q(const std::string& s) { return "'" + s + "'"; }

// Without STRATA_RUNS_DIR, so records go where a user's would.
test::CommandResult cli(const std::string& args) {
  return test::run("env -u STRATA_RUNS_DIR " + q(test::cli()) + " " + args);
}

std::string sampleCopy(const ScratchDir& dir) {
  const std::string path = dir.file("mlp-sine.strata");
  fs::copy_file(test::sourceDir() + "/samples/mlp-sine.strata", path);
  return path;
}

size_t countLines(const std::string& path) {
  std::istringstream in(test::readText(path));
  std::string line;
  size_t n = 0;
  while (std::getline(in, line))
    if (!line.empty()) ++n;
  return n;
}

// `strata-cli train GRAPH` with a step budget it will not finish, recording into `runs`; returns
// once its log has more than `rows` lines (then pid and log path), or after 30 s (log empty).
struct LongRun {
  pid_t pid = -1;
  std::string log;
  size_t lines = 0;  // log lines seen before returning
};

LongRun startLongRun(const std::string& graph, const std::string& runs, size_t rows) {
  LongRun run;
  run.pid = fork();
  if (run.pid == 0) {
    freopen("/dev/null", "w", stdout);
    const std::string cliPath = test::cli();
    execl(cliPath.c_str(), cliPath.c_str(), "train", graph.c_str(), "--steps", "10000000",
          "--runs-dir", runs.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (run.pid > 0 && std::chrono::steady_clock::now() < deadline) {
    if (run.log.empty())
      for (const RunInfo& r : listRuns(runs)) run.log = r.logPath();
    if (!run.log.empty() && (run.lines = countLines(run.log)) > rows) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return run;
}

}  // namespace

TEST(CliRuns, TrainLeavesACompleteRecordBesideTheGraph) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  auto r = cli("train " + q(graph) + " --steps 25 --seed 4");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::vector<RunInfo> runs = listRuns(graph + ".runs");
  ASSERT_EQ(runs.size(), 1u) << r.output;
  const RunInfo& run = runs[0];
  EXPECT_NE(r.output.find("run record " + run.dir), std::string::npos) << r.output;
  EXPECT_EQ(run.summary.ended, "finished");
  EXPECT_EQ(run.summary.steps, 25);
  EXPECT_EQ(run.seed, 4u);
  EXPECT_EQ(run.source, "cli");
  EXPECT_EQ(run.graphFile, fs::absolute(graph).string());
  EXPECT_TRUE(std::regex_match(run.id, std::regex(R"(\d{8}-\d{6}-run)"))) << run.id;
  for (const std::string& f : {run.graphPath(), run.bestWeightsPath(), run.lastWeightsPath()})
    EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_EQ(countLines(run.logPath()), 26u);  // header + 25 steps

  auto none = cli("train " + q(graph) + " --steps 5 --no-run-record");
  ASSERT_EQ(none.exitCode, 0) << none.output;
  EXPECT_EQ(listRuns(graph + ".runs").size(), 1u);
  auto elsewhere = cli("train " + q(graph) + " --steps 5 --runs-dir " + q(dir.file("mine")));
  ASSERT_EQ(elsewhere.exitCode, 0) << elsewhere.output;
  EXPECT_EQ(listRuns(dir.file("mine")).size(), 1u);
}

TEST(CliRuns, DiffLineNamesParamAndSettingChanges) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  ASSERT_EQ(cli("train " + q(graph) + " --steps 5").exitCode, 0);
  auto doc = GraphDocument::load(graph);
  ASSERT_TRUE(doc);
  doc->node("fc1")->params["out_features"] = 32;
  ASSERT_TRUE(doc->save(graph));
  auto r = cli("train " + q(graph) + " --steps 5 --lr 0.001 --run-name smaller");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("(fc1.out_features 64→32, lr 3e-3→1e-3)"), std::string::npos)
      << r.output;
  const std::vector<RunInfo> runs = listRuns(graph + ".runs");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].diff, "fc1.out_features 64→32, lr 3e-3→1e-3");
  EXPECT_EQ(runs[1].name, "smaller");
  EXPECT_EQ(runs[0].diff, "first run");
}

// The log is appended and flushed every step: a run killed with SIGKILL keeps every step it
// finished, each row whole, and its summary still says "running".
TEST(CliRuns, SigkillKeepsEveryStepUpToTheKill) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  const std::string runs = dir.file("runs");
  const LongRun run = startLongRun(graph, runs, 40);
  ASSERT_GT(run.pid, 0);
  kill(run.pid, SIGKILL);
  int status = 0;
  waitpid(run.pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const std::string& log = run.log;
  const size_t before = run.lines;
  ASSERT_GT(before, 40u) << "the run did not get going";
  auto rows = readRunLog(log);
  ASSERT_TRUE(rows) << rows.message();
  // Every row read before the kill is still there, and there are no gaps.
  ASSERT_GE(rows->size() + 1, before);
  for (size_t i = 0; i < rows->size(); ++i) ASSERT_EQ((*rows)[i].step, int64_t(i + 1));
  const std::vector<RunInfo> all = listRuns(runs);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].summary.ended, "running");
}

// SIGTERM (or Ctrl-C) stops between steps: the record is complete, "stopped", with checkpoints.
TEST(CliRuns, SigtermStopsWithACompleteRecord) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  const std::string runs = dir.file("runs");
  const LongRun run = startLongRun(graph, runs, 20);
  ASSERT_GT(run.pid, 0);
  ASSERT_GT(run.lines, 20u) << "the run did not get going";
  kill(run.pid, SIGTERM);
  int status = 0;
  waitpid(run.pid, &status, 0);
  const std::string& log = run.log;
  ASSERT_TRUE(WIFEXITED(status)) << "killed instead of stopping";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::vector<RunInfo> all = listRuns(runs);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].summary.ended, "stopped");
  EXPECT_GT(all[0].summary.steps, 20);
  EXPECT_EQ(countLines(log), static_cast<size_t>(all[0].summary.steps) + 1);
  EXPECT_TRUE(fs::exists(all[0].lastWeightsPath()));
  EXPECT_TRUE(fs::exists(all[0].bestWeightsPath()));
}

TEST(CliRuns, SameSeedSameCurve) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(cli("train " + q(graph) + " --steps 20 --seed 9").exitCode, 0);
  const std::vector<RunInfo> runs = listRuns(graph + ".runs");
  ASSERT_EQ(runs.size(), 2u);
  auto a = readRunLog(runs[0].logPath()), b = readRunLog(runs[1].logPath());
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), 20u);
  ASSERT_EQ(b->size(), 20u);
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ((*a)[i].loss, (*b)[i].loss) << i;
  EXPECT_EQ(runs[1].diff, "no change");
}

TEST(CliRuns, SweepTwoByTwoOnMlpSine) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  auto r = cli("sweep " + q(graph) +
               " --set lr=1e-3,3e-3 --set fc1.out_features=16,32 --steps 10 --seed 2");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const std::vector<RunInfo> runs = listRuns(graph + ".runs");
  ASSERT_EQ(runs.size(), 4u) << r.output;
  const double lrs[] = {1e-3, 1e-3, 3e-3, 3e-3};
  const int hidden[] = {16, 32, 16, 32};
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(runs[i].id);
    EXPECT_EQ(runs[i].settings.at("lr").get<double>(), lrs[i]);
    EXPECT_EQ(runs[i].settings.at("seed").get<int>(), 2);
    EXPECT_EQ(runs[i].settings.at("steps").get<int>(), 10);
    auto g = GraphDocument::load(runs[i].graphPath());
    ASSERT_TRUE(g);
    EXPECT_EQ(g->node("fc1")->params.at("out_features").get<int>(), hidden[i]);
    EXPECT_EQ(runs[i].sweep, runs[0].sweep);
    EXPECT_FALSE(runs[i].sweep.empty());
    EXPECT_EQ(runs[i].sweepPoint.at("lr").get<double>(), lrs[i]);
    EXPECT_EQ(runs[i].summary.ended, "finished");
    EXPECT_EQ(runs[i].summary.steps, 10);
  }
  // The table: a header and one row per run, the best marked once.
  std::smatch m;
  EXPECT_TRUE(std::regex_search(r.output, m, std::regex(R"(\n  run +ended +final_loss)")))
      << r.output;
  size_t rows = 0, best = 0;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line))
    if (line.find("fc1.out_features=") != std::string::npos &&
        line.find("finished") != std::string::npos) {
      ++rows;
      best += line[0] == '*';
    }
  EXPECT_EQ(rows, 4u) << r.output;
  EXPECT_EQ(best, 1u) << r.output;
  // The source graph is unchanged: each point trained a copy.
  auto original = GraphDocument::load(graph);
  ASSERT_TRUE(original);
  EXPECT_EQ(original->node("fc1")->params.at("out_features").get<int>(), 64);
}

TEST(CliRuns, SweepBadSetExitsTwoNamingIt) {
  ScratchDir dir("cliruns");
  const std::string graph = sampleCopy(dir);
  struct Case {
    std::string set, expect;
  } cases[] = {
      {"fc9.out_features=1,2", "--set fc9.out_features: no node 'fc9' in the graph"},
      {"speed=1,2", "--set speed: not a training setting"},
      {"lr", "expected NAME=V1,V2"},
      {"fc1.out_features=0", "sweep point fc1.out_features=0"},
      {"batch=0", "sweep point batch=0"},
  };
  for (const Case& c : cases) {
    auto r = cli("sweep " + q(graph) + " --set " + q(c.set) + " --steps 2");
    EXPECT_EQ(r.exitCode, 2) << c.set << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.set << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(graph + ".runs")) << "no run may start before every point is checked";
  auto help = cli("sweep --help");
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.output.find("--set"), std::string::npos);
}
