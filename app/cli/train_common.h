// What `strata-cli train` and `strata-cli sweep` share: the training options, and one training
// run of a graph document that leaves a run record (unless --no-run-record).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "train/run_record.h"
#include "train/trainer.h"

namespace strata::cli {

struct TrainOptions {
  std::string graph;
  std::string data, weights, optimizer, shuffle, device, out, log;
  int64_t epochs = 0, steps = 0, batch = 0;
  double lr = 0, valSplit = 0;
  uint64_t seed = 0;
  std::string runsDir, runName;
  bool noRunRecord = false;
  bool tf32 = false;  // GPU matmuls and RNNs may use TF32 tensor cores (off: fp32 parity)
  // Which options were given (an override only then).
  std::map<std::string, CLI::Option*> given;
};

// Registers train's options (all but GRAPH) on `cmd`.
void addTrainOptions(CLI::App* cmd, TrainOptions& o);

struct TrainRunResult {
  int exitCode = kExitOk;
  TrainReport report;
  RunSummary summary;  // the record's summary (figures from the steps even without a record)
  std::string recordDir;  // empty without a record
  std::string name;
};

// Trains `doc` (the graph file's document, changed by a sweep point when `extra` is not empty)
// with the file's settings, then the command line, then `extra` (setting overrides). Prints the
// per-epoch lines and `final loss <x>`. Bad input throws UsageError.
TrainRunResult trainDocument(const TrainOptions& o, const GraphDocument& doc,
                             const nlohmann::json& extra, const RunRecordOptions& record);

}  // namespace strata::cli
