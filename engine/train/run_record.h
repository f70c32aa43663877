// Run records: every training run leaves a folder `<graph>.runs/<timestamp>-<short name>/` with the
// graph as trained (graph.strata), the resolved settings (settings.json), what ran it (run.json:
// name, note, start time, seed, device, threads, version, sweep, the diff against the previous
// run), the per-step log (log.csv, appended and flushed every step, so a killed run keeps every
// step it finished), the best and last checkpoints and summary.json (how it ended and its
// figures). RunRecorder writes one; the functions below read, list, rename, annotate and delete
// them. The CLI and the GUI share all of it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/document.h"
#include "train/metrics_channel.h"
#include "train/train_settings.h"

namespace strata {

class Trainer;
struct TrainReport;

// summary.json: written when the run starts (ended "running") and replaced when it ends.
struct RunSummary {
  std::string ended = "running";  // running | finished | stopped | nan | failed
  std::string message;            // why it failed
  int64_t steps = 0;
  double finalLoss = StepMetrics::kNaN;
  double bestLoss = StepMetrics::kNaN;  // lowest training loss of a step
  double finalValLoss = StepMetrics::kNaN;
  double bestValLoss = StepMetrics::kNaN;
  int64_t bestValStep = 0;
  double accuracy = StepMetrics::kNaN;  // last validation accuracy, else the last batch's
  double stepsPerSec = StepMetrics::kNaN;
  double wallSeconds = 0;
  bool sawValAccuracy = false;  // bookkeeping for `accuracy`, not in summary.json

  // Takes one step's figures (losses, validation, accuracy) into the summary.
  void addStep(const StepMetrics& m);
  // What runs are compared by (the best of a sweep is the lowest): the final validation loss
  // when measured, else the final training loss.
  double score() const;
  Json toJson() const;
  static RunSummary fromJson(const Json& j);
};

// What a record folder holds, as read back (loadRun) or as being written (RunRecorder::info).
struct RunInfo {
  std::string dir;       // the record folder
  std::string id;        // its folder name: "<timestamp>-<short name>"
  std::string name;      // shown name (renamable; the folder keeps its id)
  std::string note;      // the user's annotation
  std::string started;   // UTC, ISO 8601 with milliseconds ("2026-12-05T23:45:12.345Z")
  std::string graphFile;  // the graph file trained (may be empty: an unsaved graph)
  std::string sweep;      // the sweep's id when the run is part of one, else empty
  Json sweepPoint = Json::object();  // the sweep's values for this run ({"lr": 0.001})
  std::string diff;       // against the previous run of the same folder ("first run" for none)
  uint64_t seed = 0;
  std::string device;
  int threads = 0;
  std::string version;    // Strata's version
  std::string source;     // "cli" or "gui"
  Json settings = Json::object();  // settings.json
  RunSummary summary;

  std::string graphPath() const { return dir + "/graph.strata"; }
  std::string logPath() const { return dir + "/log.csv"; }
  std::string bestWeightsPath() const { return dir + "/best.safetensors"; }
  std::string lastWeightsPath() const { return dir + "/last.safetensors"; }
  Json metaJson() const;  // run.json
};

// Options of a new record.
struct RunRecordOptions {
  std::string name;    // the run's name (and the folder's short name); empty: "run N"
  std::string source = "cli";
  std::string graphFile;  // the graph file trained, for the record (empty: an unsaved graph)
  std::string sweep;
  Json sweepPoint = Json::object();
  // last.safetensors (with the optimizer state) is also written during the run, at the first step
  // this many seconds after the previous one, so a killed process loses at most that much
  // training; 0 writes it only at the end.
  double checkpointSeconds = 30;
};

// The runs folder of a graph file: `<root>/<graph file name>.runs` under `root`, else under the
// root named by the environment variable STRATA_RUNS_DIR (tests, read-only sample folders), else
// `<graph>.runs` beside the file. An unsaved graph (empty graphPath) has `untitled.runs` in the
// root or the current folder.
std::string defaultRunsDir(const std::string& graphPath, const std::string& root = {});

// Writes a record. Use from the training thread: appendStep after each step, finish at the end.
// Every file but log.csv is replaced atomically; log.csv is appended and flushed row by row.
class RunRecorder {
 public:
  // Creates `<runsDir>/<timestamp>-<short name>/` (made unique) and writes graph.strata,
  // settings.json, run.json (with the diff against the latest record in runsDir) and a
  // "running" summary.json, and opens log.csv with its header.
  static Result<std::unique_ptr<RunRecorder>> create(const std::string& runsDir,
                                                     const GraphDocument& graph,
                                                     const TrainSettings& settings,
                                                     const RunRecordOptions& options);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // log.csv row (the `--log` columns plus val_accuracy), flushed to the file at once.
  Status appendStep(const StepMetrics& m);
  // On the training thread between steps: saves last.safetensors (and its optimizer state) when
  // options.checkpointSeconds have passed since the run started or the previous one; a resumable
  // checkpoint at the step just completed. True in `*saved` when it wrote one.
  Status checkpointIfDue(const Trainer& trainer, bool* saved = nullptr);
  // Saves best.safetensors and last.safetensors (with the optimizer state beside the last) from
  // the trainer (call while it is not running) and writes the final summary.json.
  Status finish(const TrainReport& report, const Trainer& trainer);
  // The summary as it stands (figures of the steps appended so far).
  RunSummary summary() const;
  const RunInfo& info() const { return m_info; }

  static std::string logHeader();  // metricsCsvHeader() + ",val_accuracy"

 private:
  RunRecorder() = default;
  Status writeSummary(const RunSummary& s) const;

  RunInfo m_info;
  std::FILE* m_log = nullptr;
  RunSummary m_summary;
  int64_t m_startNs = 0;
  int64_t m_lastCheckpointNs = 0;
  double m_checkpointSeconds = 30;
  int64_t m_firstStep = -1;
};

// Reading and editing records.
Result<RunInfo> loadRun(const std::string& dir);
// Every record in a runs folder, oldest first (by start time, then folder name). Folders that are
// not records (no run.json) are skipped; a record that cannot be read is reported in `problems`.
std::vector<RunInfo> listRuns(const std::string& runsDir, std::vector<std::string>* problems =
                                                              nullptr);
// The rows of a record's log.csv (columns by name, so older or newer logs read too).
Result<std::vector<StepMetrics>> readRunLog(const std::string& path);
Status renameRun(const std::string& dir, const std::string& name);
Status annotateRun(const std::string& dir, const std::string& note);
Status removeRun(const std::string& dir);  // deletes the folder; refuses one without run.json

}  // namespace strata
