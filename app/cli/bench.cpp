// `strata-cli bench GRAPH [--steps N] [--device cpu|cuda[:N]] [--tf32]`: training throughput
// (steps/s, samples/s, after one warm-up step), achieved TFLOP/s (3x the graph's forward FLOPs
// per sample, the usual forward + backward estimate) and peak memory: the process's resident
// peak (VmHWM), and on a GPU the caching allocator's peak of device memory.
#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "cli_common.h"
#include "train/trainer.h"

namespace strata::cli {

namespace {

struct BenchOptions {
  std::string graph;
  int64_t steps = 50;
  std::string device = "cpu";
  bool tf32 = false;
};

int runBench(const BenchOptions& o) {
  using Clock = std::chrono::steady_clock;
  GraphDocument doc = loadGraph(o.graph);
  // One warm-up step (primitive creation) that the timing leaves out; no validation.
  nlohmann::json overrides = {{"steps", o.steps + 1}, {"val_split", 0.0}, {"device", o.device}};
  auto settings = TrainSettings::merged(doc.training, overrides);
  if (!settings) throw UsageError(o.graph + ": " + settings.message());
  const Device device = requireDevice(settings->device);
  setAllowTf32(o.tf32);
  settings->data = resolveDataSpec(settings->data, o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  if (!model->hasLoss())
    throw UsageError(o.graph + ": the graph has no loss node to train (bench times training)");
  model->resetParameters(settings->seed);
  auto trainer = Trainer::create(*model, *settings);
  if (!trainer) throw UsageError(o.graph + ": " + trainer.message());

  Clock::time_point start;
  int64_t timedSteps = -1;
  (*trainer)->setStepCallback([&](const StepMetrics&) {
    if (++timedSteps == 0) start = Clock::now();
  });
  if (!device.isCpu()) backendFor(device).resetPeak(device.index);
  TrainReport report = (*trainer)->run();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (report.outcome == TrainOutcome::Failed) {
    std::fprintf(stderr, "%s: training failed: %s\n", o.graph.c_str(), report.message.c_str());
    return kExitFailed;
  }
  if (timedSteps <= 0) throw UsageError(o.graph + ": no steps ran");
  double stepsPerSec = static_cast<double>(timedSteps) / seconds;
  std::printf("%s: %lld training steps, batch %lld, device %s\n", o.graph.c_str(),
              static_cast<long long>(timedSteps), static_cast<long long>(settings->batch),
              settings->device.c_str());
  std::printf("steps/s      %.2f\n", stepsPerSec);
  std::printf("samples/s    %.0f\n", stepsPerSec * static_cast<double>(settings->batch));
  std::printf("ms/step      %.3f\n", 1000.0 / stepsPerSec);
  const double flopsPerStep = 3.0 * static_cast<double>(model->analysis().totalFlops) *
                              static_cast<double>(settings->batch);
  std::printf("TFLOP/s      %.3f (3 x %.3g forward FLOPs per step)\n",
              flopsPerStep * stepsPerSec / 1e12, flopsPerStep / 3.0);
  std::printf("peak memory  %s (VmHWM)\n", formatBytes(peakMemoryBytes()).c_str());
  if (!device.isCpu()) {
    const MemoryStats m = backendFor(device).memoryStats(device.index);
    std::printf("peak GPU memory  %s (%s, TF32 %s)\n", formatBytes(m.peak).c_str(),
                device.str().c_str(), o.tf32 ? "on" : "off");
  }
  return kExitOk;
}

}  // namespace

Verb addBenchVerb(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure training steps/s and peak memory");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  cmd->add_option("--steps", o->steps, "timed training steps (default 50)")
      ->check(positiveNumber());
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->check(deviceName());
  cmd->add_flag("--tf32", o->tf32, "let GPU matmuls use TF32 tensor cores (off by default)");
  return {cmd, [o] { return runBench(*o); }};
}

}  // namespace strata::cli
