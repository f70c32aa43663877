// Shared pieces of the strata-cli verbs: how a verb is registered, the error that ends a verb with
// exit code 2, and loading graphs, weights and arrays with one-line messages.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "graph/document.h"
#include "graph/model.h"
#include "tensor/tensor.h"
#include "train/memory_budget.h"  // formatBytes, for every verb

namespace strata::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // the input was fine but the work failed (training diverged)
constexpr int kExitBadInput = 2;  // bad command line, missing or malformed file, invalid graph

// Thrown by a verb for bad input; main prints the message and exits with kExitBadInput.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A registered verb: its CLI11 subcommand and what runs when it was chosen.
struct Verb {
  CLI::App* command = nullptr;
  std::function<int()> run;
};

Verb addValidateVerb(CLI::App& app);
Verb addInitVerb(CLI::App& app);
Verb addRunVerb(CLI::App& app);
Verb addTrainVerb(CLI::App& app);
Verb addSweepVerb(CLI::App& app);
Verb addBenchVerb(CLI::App& app);
Verb addSampleVerb(CLI::App& app);
Verb addExportVerb(CLI::App& app);
Verb addImportVerb(CLI::App& app);

// Option checks with one-line messages ("--lr: must be a positive number, got 'fast'").
CLI::Validator positiveNumber();
CLI::Validator nonNegativeNumber();
CLI::Validator fraction();  // in [0, 1)

// Loads a graph file; throws UsageError("<path>: <reason>").
GraphDocument loadGraph(const std::string& path);
// Analyzes and compiles; on an invalid graph throws UsageError with "<path>: node <id>: <reason>"
// lines (the same lines `validate` prints).
std::unique_ptr<Model> compileGraph(const GraphDocument& doc, const std::string& path);
// "<path>: node <id>: <reason>" lines, one per diagnostic.
std::string diagnosticLines(const GraphAnalysis& analysis, const std::string& path);
// Loads a safetensors checkpoint into the model's parameters (names and shapes must match).
void loadWeights(Model& model, const std::string& path);
Tensor loadArray(const std::string& path);

// A data spec read from a graph file names its files relative to that file: each relative path of
// text:/csv:/npy: that exists next to the graph is made to point there; others stay as given.
std::string resolveDataSpec(const std::string& spec, const std::string& graphPath);

// Checks that the device can be used and returns it; throws UsageError("CUDA is not available:
// <the CUDA error text and what to do>") for a GPU this machine cannot give, or an unknown name.
Device requireDevice(const std::string& device);
// Accepts cpu, cuda and cuda:N (for --device).
CLI::Validator deviceName();

// Splits "NAME=VALUE" when NAME is one of `names`; otherwise returns {"", text}.
std::pair<std::string, std::string> splitNamed(const std::string& text,
                                               const std::vector<std::string>& names);

// Peak resident memory of this process in bytes (VmHWM), 0 when unknown.
uint64_t peakMemoryBytes();

std::string formatCount(int64_t n);      // 1234567 -> "1,234,567"
std::string formatNumber(double x);       // shortest round-trip-ish "%.6g"

}  // namespace strata::cli
