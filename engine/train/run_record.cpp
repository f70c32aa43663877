// RunRecorder and the record readers. Timestamps are UTC; numbers in the JSON files are written
// as null when they are not finite (JSON has no NaN).
#include "train/run_record.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/atomic_file.h"
#include "train/run_diff.h"
#include "train/trainer.h"

#ifndef STRATA_VERSION
#define STRATA_VERSION "unknown"
#endif

namespace strata {

namespace fs = std::filesystem;

namespace {

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

double numberOr(const Json& j, const char* key, double fallback = StepMetrics::kNaN) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string stringOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// "2026-12-05T23:45:12.345Z" and the folder stamp "20261205-234512".
std::pair<std::string, std::string> timestamps() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
                      .count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char iso[40], stamp[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  char full[48];
  std::snprintf(full, sizeof full, "%s.%03dZ", iso, static_cast<int>(ms));
  return {full, stamp};
}

// Folder-safe short name: letters, digits, '.', '_', '-' and '=', at most 48 characters.
std::string shortName(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                      c == '-' || c == '=';
    if (keep)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.size() > 48) out.resize(48);
  return out.empty() ? "run" : out;
}

Result<Json> readJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<Json>::error(path + ": cannot open");
  Json j = Json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Result<Json>::error(path + ": not a JSON object");
  return j;
}

Status writeJson(const std::string& path, const Json& j) {
  return writeFileAtomically(path, j.dump(2) + "\n");
}

std::string csvNumber(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void RunSummary::addStep(const StepMetrics& m) {
  steps = m.step;
  finalLoss = m.loss;
  if (std::isfinite(m.loss) && !(m.loss >= bestLoss)) bestLoss = m.loss;
  if (std::isfinite(m.valLoss)) {
    finalValLoss = m.valLoss;
    if (!(m.valLoss >= bestValLoss)) {
      bestValLoss = m.valLoss;
      bestValStep = m.step;
    }
  }
  // The last validation accuracy once there is one; until then the last batch's.
  if (std::isfinite(m.valAccuracy)) {
    accuracy = m.valAccuracy;
    sawValAccuracy = true;
  } else if (!sawValAccuracy) {
    accuracy = m.accuracy;
  }
}

double RunSummary::score() const { return std::isfinite(finalValLoss) ? finalValLoss : finalLoss; }

Json RunSummary::toJson() const {
  Json j = Json::object();
  j["ended"] = ended;
  if (!message.empty()) j["message"] = message;
  j["steps"] = steps;
  j["final_loss"] = number(finalLoss);
  j["best_loss"] = number(bestLoss);
  j["final_val_loss"] = number(finalValLoss);
  j["best_val_loss"] = number(bestValLoss);
  j["best_val_step"] = bestValStep;
  j["accuracy"] = number(accuracy);
  j["steps_per_s"] = number(stepsPerSec);
  j["wall_s"] = wallSeconds;
  return j;
}

RunSummary RunSummary::fromJson(const Json& j) {
  RunSummary s;
  s.ended = stringOr(j, "ended");
  if (s.ended.empty()) s.ended = "unknown";
  s.message = stringOr(j, "message");
  s.steps = static_cast<int64_t>(numberOr(j, "steps", 0));
  s.finalLoss = numberOr(j, "final_loss");
  s.bestLoss = numberOr(j, "best_loss");
  s.finalValLoss = numberOr(j, "final_val_loss");
  s.bestValLoss = numberOr(j, "best_val_loss");
  s.bestValStep = static_cast<int64_t>(numberOr(j, "best_val_step", 0));
  s.accuracy = numberOr(j, "accuracy");
  s.stepsPerSec = numberOr(j, "steps_per_s");
  s.wallSeconds = numberOr(j, "wall_s", 0);
  return s;
}

Json RunInfo::metaJson() const {
  return Json{{"format", "strata-run"},    {"version", 1},          {"name", name},
              {"note", note},              {"started", started},    {"graph_file", graphFile},
              {"sweep", sweep},            {"sweep_point", sweepPoint}, {"diff", diff},
              {"seed", seed},              {"device", device},      {"threads", threads},
              {"strata_version", version}, {"source", source}};
}

std::string defaultRunsDir(const std::string& graphPath, const std::string& root) {
  const char* env = std::getenv("STRATA_RUNS_DIR");
  const std::string under = !root.empty() ? root : env && *env ? std::string(env) : std::string();
  const std::string file =
      graphPath.empty() ? "untitled" : fs::path(graphPath).filename().string();
  if (!under.empty()) return (fs::path(under) / (file + ".runs")).string();
  if (graphPath.empty()) return (fs::current_path() / "untitled.runs").string();
  return graphPath + ".runs";
}

std::string RunRecorder::logHeader() { return metricsCsvHeader() + ",val_accuracy"; }

Result<std::unique_ptr<RunRecorder>> RunRecorder::create(const std::string& runsDir,
                                                         const GraphDocument& graph,
                                                         const TrainSettings& settings,
                                                         const RunRecordOptions& options) {
  std::error_code ec;
  fs::create_directories(runsDir, ec);
  if (ec) return Status::error(runsDir + ": cannot create the runs folder: " + ec.message());

  std::unique_ptr<RunRecorder> r(new RunRecorder);
  RunInfo& info = r->m_info;
  auto [iso, stamp] = timestamps();
  const std::string base = stamp + "-" + shortName(options.name.empty() ? "run" : options.name);
  std::string id = base;
  for (int n = 2; fs::exists(fs::path(runsDir) / id, ec); ++n) id = base + "-" + std::to_string(n);
  info.dir = (fs::path(runsDir) / id).string();
  fs::create_directory(info.dir, ec);
  if (ec) return Status::error(info.dir + ": cannot create the run record: " + ec.message());

  // The diff against the latest record before this one.
  const std::vector<RunInfo> earlier = listRuns(runsDir);
  const Json settingsJson = settings.toJson();
  info.diff = "first run";
  for (auto it = earlier.rbegin(); it != earlier.rend(); ++it) {
    if (it->dir == info.dir) continue;
    auto prevGraph = GraphDocument::load(it->graphPath());
    if (!prevGraph) continue;
    info.diff = runDiff(*prevGraph, it->settings, graph, settingsJson);
    break;
  }
  info.id = id;
  // A short default name ("run 3") reads in a table and a chart legend; the id keeps the time.
  info.name = options.name.empty() ? "run " + std::to_string(earlier.size() + 1) : options.name;
  info.started = iso;
  info.graphFile = options.graphFile;
  info.sweep = options.sweep;
  info.sweepPoint = options.sweepPoint.is_object() ? options.sweepPoint : Json::object();
  info.seed = settings.seed;
  info.device = settings.device;
  info.threads = omp_get_max_threads();
  info.version = STRATA_VERSION;
  info.source = options.source;
  info.settings = settingsJson;

  Status s = graph.save(info.graphPath());
  if (s) s = writeJson(info.dir + "/settings.json", settingsJson);
  if (s) s = writeJson(info.dir + "/run.json", info.metaJson());
  if (s) s = r->writeSummary(r->m_summary);
  if (!s) return s;
  r->m_log = std::fopen(info.logPath().c_str(), "wb");
  if (!r->m_log) return Status::error(info.logPath() + ": cannot open for writing");
  if (std::fprintf(r->m_log, "%s\n", logHeader().c_str()) < 0 || std::fflush(r->m_log) != 0)
    return Status::error(info.logPath() + ": write error");
  r->m_startNs = nowNs();
  r->m_lastCheckpointNs = r->m_startNs;
  r->m_checkpointSeconds = options.checkpointSeconds;
  return r;
}

RunRecorder::~RunRecorder() {
  if (m_log) std::fclose(m_log);
}

Status RunRecorder::appendStep(const StepMetrics& m) {
  if (!m_log) return Status::error(m_info.logPath() + ": not open");
  if (m_firstStep < 0) m_firstStep = m.step - 1;  // a resumed run starts past step 0
  const std::string row = metricsCsvRow(m) + "," + csvNumber(m.valAccuracy) + "\n";
  // fflush hands the row to the kernel: a SIGKILL after this keeps it.
  if (std::fputs(row.c_str(), m_log) < 0 || std::fflush(m_log) != 0)
    return Status::error(m_info.logPath() + ": write error");
  m_summary.addStep(m);
  return Status::ok();
}

RunSummary RunRecorder::summary() const {
  RunSummary s = m_summary;
  s.wallSeconds = static_cast<double>(nowNs() - m_startNs) * 1e-9;
  const int64_t done = s.steps - std::max<int64_t>(0, m_firstStep);
  s.stepsPerSec = s.wallSeconds > 0 && done > 0 ? static_cast<double>(done) / s.wallSeconds
                                                : StepMetrics::kNaN;
  return s;
}

Status RunRecorder::checkpointIfDue(const Trainer& trainer, bool* saved) {
  if (saved) *saved = false;
  if (m_checkpointSeconds <= 0) return Status::ok();
  const int64_t now = nowNs();
  if (static_cast<double>(now - m_lastCheckpointNs) * 1e-9 < m_checkpointSeconds)
    return Status::ok();
  m_lastCheckpointNs = now;
  Status st = trainer.saveCheckpoint(m_info.lastWeightsPath());
  if (st && saved) *saved = true;
  return st;
}

Status RunRecorder::finish(const TrainReport& report, const Trainer& trainer) {
  RunSummary s = summary();
  switch (report.outcome) {
    case TrainOutcome::Finished: s.ended = "finished"; break;
    case TrainOutcome::Stopped: s.ended = "stopped"; break;
    case TrainOutcome::Failed:
      // The trainer's guard names non-finite losses and gradients; anything else failed.
      s.ended = report.message.find("non-finite") != std::string::npos ||
                        report.message.find("the loss is nan") != std::string::npos ||
                        report.message.find("the loss is inf") != std::string::npos
                    ? "nan"
                    : "failed";
      s.message = report.message;
      break;
  }
  s.steps = report.steps;
  if (std::isfinite(report.finalLoss)) s.finalLoss = report.finalLoss;
  Status st = Status::ok();
  if (m_log) {
    if (std::fclose(m_log) != 0) st = Status::error(m_info.logPath() + ": write error");
    m_log = nullptr;
  }
  // The NaN guard keeps the weights from before the bad step, so even that run has checkpoints;
  // a run that failed otherwise (a data or shape error) has nothing worth keeping.
  if (st && s.ended != "failed") {
    st = trainer.saveCheckpoint(m_info.lastWeightsPath());
    if (st) st = trainer.saveBest(m_info.bestWeightsPath());
  }
  Status written = writeSummary(s);
  m_summary = s;
  return st ? written : st;
}

Status RunRecorder::writeSummary(const RunSummary& s) const {
  return writeJson(m_info.dir + "/summary.json", s.toJson());
}

Result<RunInfo> loadRun(const std::string& dir) {
  RunInfo info;
  info.dir = dir;
  info.id = fs::path(dir).filename().string();
  auto meta = readJson(dir + "/run.json");
  if (!meta) return meta.status();
  const Json& m = *meta;
  if (stringOr(m, "format") != "strata-run")
    return Status::error(dir + "/run.json: not a Strata run record (\"format\" is not "
                               "\"strata-run\")");
  info.name = stringOr(m, "name");
  if (info.name.empty()) info.name = info.id;
  info.note = stringOr(m, "note");
  info.started = stringOr(m, "started");
  info.graphFile = stringOr(m, "graph_file");
  info.sweep = stringOr(m, "sweep");
  if (auto it = m.find("sweep_point"); it != m.end() && it->is_object()) info.sweepPoint = *it;
  info.diff = stringOr(m, "diff");
  if (auto it = m.find("seed"); it != m.end() && it->is_number_unsigned())
    info.seed = it->get<uint64_t>();
  info.device = stringOr(m, "device");
  info.threads = static_cast<int>(numberOr(m, "threads", 0));
  info.version = stringOr(m, "strata_version");
  info.source = stringOr(m, "source");
  if (auto settings = readJson(dir + "/settings.json")) info.settings = *settings;
  if (auto summary = readJson(dir + "/summary.json"))
    info.summary = RunSummary::fromJson(*summary);
  else
    info.summary.ended = "unknown";
  return info;
}

std::vector<RunInfo> listRuns(const std::string& runsDir, std::vector<std::string>* problems) {
  std::vector<RunInfo> runs;
  std::error_code ec;
  if (!fs::is_directory(runsDir, ec)) return runs;
  for (const auto& entry : fs::directory_iterator(runsDir, ec)) {
    if (!entry.is_directory(ec) || !fs::exists(entry.path() / "run.json", ec)) continue;
    auto info = loadRun(entry.path().string());
    if (info)
      runs.push_back(std::move(info).value());
    else if (problems)
      problems->push_back(info.message());
  }
  std::sort(runs.begin(), runs.end(), [](const RunInfo& a, const RunInfo& b) {
    return std::tie(a.started, a.id) < std::tie(b.started, b.id);
  });
  return runs;
}

Result<std::vector<StepMetrics>> readRunLog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(path + ": cannot open");
  std::string line;
  if (!std::getline(in, line)) return Status::error(path + ": empty (no header line)");
  std::map<std::string, size_t> column;
  {
    std::stringstream ss(line);
    std::string name;
    for (size_t i = 0; std::getline(ss, name, ','); ++i) {
      if (!name.empty() && name.back() == '\r') name.pop_back();
      column[name] = i;
    }
  }
  if (!column.count("step") || !column.count("loss"))
    return Status::error(path + ": line 1: expected a header with 'step' and 'loss' columns");
  std::vector<StepMetrics> rows;
  int64_t lineNo = 1;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    // A row cut short by a kill mid-write is the last one: keep what is complete before it.
    if (cells.size() < column.size()) break;
    auto get = [&](const char* name) {
      auto it = column.find(name);
      if (it == column.end()) return StepMetrics::kNaN;
      const std::string& c = cells[it->second];
      char* end = nullptr;
      const double v = std::strtod(c.c_str(), &end);
      return end != c.c_str() ? v : StepMetrics::kNaN;
    };
    StepMetrics m;
    const double step = get("step");
    if (!std::isfinite(step))
      return Status::error(path + ": line " + std::to_string(lineNo) + ": step is not a number");
    m.step = static_cast<int64_t>(step);
    const double epoch = get("epoch");
    m.epoch = std::isfinite(epoch) ? static_cast<int64_t>(epoch) : 0;
    m.loss = get("loss");
    m.valLoss = get("val_loss");
    m.accuracy = get("accuracy");
    m.valAccuracy = get("val_accuracy");
    m.lr = get("lr");
    m.samplesPerSec = get("samples_per_s");
    rows.push_back(m);
  }
  return rows;
}

namespace {

Status updateMeta(const std::string& dir, const char* key, const std::string& value) {
  auto meta = readJson(dir + "/run.json");
  if (!meta) return meta.status();
  (*meta)[key] = value;
  return writeJson(dir + "/run.json", *meta);
}

}  // namespace

Status renameRun(const std::string& dir, const std::string& name) {
  if (name.empty()) return Status::error(dir + ": a run's name cannot be empty");
  return updateMeta(dir, "name", name);
}

Status annotateRun(const std::string& dir, const std::string& note) {
  return updateMeta(dir, "note", note);
}

Status removeRun(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "run.json", ec))
    return Status::error(dir + ": not a run record (no run.json); nothing deleted");
  fs::remove_all(dir, ec);
  if (ec) return Status::error(dir + ": cannot delete: " + ec.message());
  return Status::ok();
}

}  // namespace strata
