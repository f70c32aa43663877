// Whole-model GPU runs: 20 Adam steps of every sample on the GPU against the same 20 on the CPU
// (dropout set to 0 so both draw no masks), a checkpoint written from a GPU run that opens and
// runs on the CPU, and device errors (a graph too large for the card) ending the run with a
// message and the weights from before the failing step, and a graph of the tensor-op layers of
// imported ONNX models trained on both. Skipped with the reason without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "common/testenv.h"
#include "gpu_test_util.h"
#include "graph/model.h"
#include "io/safetensors.h"
#include "tensor/autograd.h"
#include "train/trainer.h"

using namespace strata;
using namespace strata::gpu_test;

namespace {

const std::vector<std::string> kSamples{"mlp-sine",  "sine-rnn", "series-gru",
                                        "char-lstm", "tiny-gpt", "transformer-reverse"};

GraphDocument loadSample(const std::string& name) {
  const std::string dir = test::sourceDir() + "/samples/";
  auto doc = GraphDocument::load(dir + name + ".strata");
  EXPECT_TRUE(doc.isOk()) << doc.message();
  GraphDocument d = *doc;
  // Data files are named relative to the graph.
  if (d.training.contains("data")) {
    std::string spec = d.training["data"].get<std::string>();
    const size_t colon = spec.find(':');
    if (colon != std::string::npos && std::filesystem::exists(dir + spec.substr(colon + 1)))
      d.training["data"] = spec.substr(0, colon + 1) + dir + spec.substr(colon + 1);
  }
  // No dropout: the CPU and the GPU draw their masks from different generators.
  for (GraphNode& n : d.nodes)
    for (const char* key : {"dropout", "p"})
      if (n.params.contains(key) && n.params[key].is_number()) n.params[key] = 0.0;
  return d;
}

struct RunResult {
  std::vector<double> losses;
  std::vector<NamedTensor> weights;
  TrainReport report;
};

RunResult train(const GraphDocument& doc, const std::string& device, int steps) {
  RunResult r;
  auto model = Model::compile(doc);
  EXPECT_TRUE(model.isOk()) << model.message();
  if (!model) return r;
  nlohmann::json overrides = {{"steps", steps},       {"optimizer", "adam"}, {"val_split", 0.0},
                              {"device", device},     {"shuffle", false},    {"lr", 1e-3},
                              {"clip_grad_norm", 1.0}};
  auto settings = TrainSettings::merged(doc.training, overrides);
  EXPECT_TRUE(settings.isOk()) << settings.message();
  (*model)->resetParameters(settings->seed);
  auto trainer = Trainer::create(**model, *settings);
  EXPECT_TRUE(trainer.isOk()) << trainer.message();
  if (!trainer) return r;
  (*trainer)->setStepCallback([&](const StepMetrics& m) { r.losses.push_back(m.loss); });
  r.report = (*trainer)->run();
  for (const NamedTensor& p : (*model)->parameters())
    r.weights.push_back({p.name, p.tensor.clone()});
  return r;
}

// 20 Adam steps on each device agree. Step 1's loss is a pure forward on identical weights: the
// fp32 parity of the ops (1e-4). Later steps follow Adam updates, which turn rounding noise in a
// gradient element that is ~0 (its sign) into up to ~lr of movement: 1e-3 relative then, and for
// the weights an absolute allowance of lr per step on top of the per-element rule. A wrong
// layout, gate order or update is orders of magnitude beyond either.
void expectTwentyStepsAgree(const GraphDocument& doc, const std::string& what) {
  const RunResult cpu = train(doc, "cpu", 20), gpuRun = train(doc, "cuda", 20);
  ASSERT_EQ(cpu.report.outcome, TrainOutcome::Finished) << cpu.report.message;
  ASSERT_EQ(gpuRun.report.outcome, TrainOutcome::Finished) << gpuRun.report.message;
  ASSERT_EQ(cpu.losses.size(), 20u);
  ASSERT_EQ(gpuRun.losses.size(), cpu.losses.size());
  for (size_t i = 0; i < cpu.losses.size(); ++i)
    EXPECT_NEAR(gpuRun.losses[i], cpu.losses[i],
                (i == 0 ? 1e-4 : 1e-3) * std::max(1.0, std::fabs(cpu.losses[i])))
        << what << " step " << i + 1;
  // The weights come back to the host when run() returns, and still match.
  ASSERT_EQ(cpu.weights.size(), gpuRun.weights.size());
  for (size_t i = 0; i < cpu.weights.size(); ++i) {
    EXPECT_TRUE(gpuRun.weights[i].tensor.isCpu());
    EXPECT_TRUE(close(cpu.weights[i].name, cpu.weights[i].tensor, gpuRun.weights[i].tensor, 4096,
                      1e-3 * 20))
        << what;
  }
}

}  // namespace

class GpuSamples : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuSamples, TwentyAdamStepsMatchTheCpu) {
  STRATA_REQUIRE_GPU();
  expectTwentyStepsAgree(loadSample(GetParam()), GetParam());
}

INSTANTIATE_TEST_SUITE_P(EverySample, GpuSamples, ::testing::ValuesIn(kSamples),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (c == '-') c = '_';
                           return s;
                         });

// A graph as the ONNX importer writes them: no Linear or LayerNorm, only tensor ops — Permute,
// Reshape, MatMul against Constants (one with a broadcast batch dim, so Expand runs), broadcasting
// Add/Sub/Mul/Div, a layer norm spelt out with Reduce mean and Elementwise sqrt, Elementwise elu
// and exp, Reduce max, LogSoftmax and Slice — trained for 20 Adam steps on the GPU and on the CPU.
constexpr const char kTensorOpsGraph[] = R"({
  "format": "strata-graph", "version": 1,
  "nodes": [
    {"id": "window", "type": "Input", "params": {"shape": [16, 1], "dtype": "float32"}},
    {"id": "p", "type": "Permute", "params": {"dims": [0, 2, 1]}},
    {"id": "r", "type": "Reshape", "params": {"shape": [0, 4, 4]}},
    {"id": "w1", "type": "Constant", "params": {"shape": [4, 8]}},
    {"id": "mm1", "type": "MatMul"},
    {"id": "c1", "type": "Constant", "params": {"shape": [4, 1]}},
    {"id": "add1", "type": "Add"},
    {"id": "mu", "type": "Reduce", "params": {"mode": "mean", "dims": [-1], "keepdim": true}},
    {"id": "cent", "type": "Sub"},
    {"id": "sq", "type": "Mul"},
    {"id": "var", "type": "Reduce", "params": {"mode": "mean", "dims": [-1], "keepdim": true}},
    {"id": "eps", "type": "Constant", "params": {"shape": [1]}},
    {"id": "ve", "type": "Add"},
    {"id": "sd", "type": "Elementwise", "params": {"function": "sqrt"}},
    {"id": "nrm", "type": "Div"},
    {"id": "gam", "type": "Constant", "params": {"shape": [8]}},
    {"id": "sc", "type": "Mul"},
    {"id": "act", "type": "Elementwise", "params": {"function": "elu", "alpha": 1.0}},
    {"id": "w3", "type": "Constant", "params": {"shape": [1, 8, 3]}},
    {"id": "mm2", "type": "MatMul"},
    {"id": "mx", "type": "Reduce", "params": {"mode": "max", "dims": [1], "keepdim": false}},
    {"id": "ls", "type": "LogSoftmax", "params": {"dim": -1}},
    {"id": "ex", "type": "Elementwise", "params": {"function": "exp"}},
    {"id": "sl", "type": "Slice", "params": {"dim": -1, "start": 0, "end": 2}},
    {"id": "rs", "type": "Reshape", "params": {"shape": [0, 1, 2]}},
    {"id": "w4", "type": "Constant", "params": {"shape": [2, 1]}},
    {"id": "mm3", "type": "MatMul"},
    {"id": "pred", "type": "Reshape", "params": {"shape": [0, 1]}},
    {"id": "loss", "type": "MSELoss"},
    {"id": "prediction", "type": "Output"}
  ],
  "edges": [
    {"from": "window.out", "to": "p.in"}, {"from": "p.out", "to": "r.in"},
    {"from": "r.out", "to": "mm1.a"}, {"from": "w1.out", "to": "mm1.b"},
    {"from": "mm1.out", "to": "add1.a"}, {"from": "c1.out", "to": "add1.b"},
    {"from": "add1.out", "to": "mu.in"},
    {"from": "add1.out", "to": "cent.a"}, {"from": "mu.out", "to": "cent.b"},
    {"from": "cent.out", "to": "sq.a"}, {"from": "cent.out", "to": "sq.b"},
    {"from": "sq.out", "to": "var.in"},
    {"from": "var.out", "to": "ve.a"}, {"from": "eps.out", "to": "ve.b"},
    {"from": "ve.out", "to": "sd.in"},
    {"from": "cent.out", "to": "nrm.a"}, {"from": "sd.out", "to": "nrm.b"},
    {"from": "nrm.out", "to": "sc.a"}, {"from": "gam.out", "to": "sc.b"},
    {"from": "sc.out", "to": "act.in"},
    {"from": "act.out", "to": "mm2.a"}, {"from": "w3.out", "to": "mm2.b"},
    {"from": "mm2.out", "to": "mx.in"}, {"from": "mx.out", "to": "ls.in"},
    {"from": "ls.out", "to": "ex.in"}, {"from": "ex.out", "to": "sl.in"},
    {"from": "sl.out", "to": "rs.in"},
    {"from": "rs.out", "to": "mm3.a"}, {"from": "w4.out", "to": "mm3.b"},
    {"from": "mm3.out", "to": "pred.in"},
    {"from": "pred.out", "to": "loss.input"}, {"from": "pred.out", "to": "prediction.in"}
  ],
  "training": {"batch": 32, "data": "sine", "lr": 0.001, "optimizer": "adam", "seed": 0}
})";

TEST(GpuImportedGraph, TensorOpLayersTrainOnTheGpuAsOnTheCpu) {
  STRATA_REQUIRE_GPU();
  auto parsed = GraphDocument::parse(kTensorOpsGraph);
  ASSERT_TRUE(parsed.isOk()) << parsed.message();
  expectTwentyStepsAgree(*parsed, "tensor-op graph");
}

TEST(GpuCheckpoint, WrittenOnTheGpuRunsOnTheCpu) {
  STRATA_REQUIRE_GPU();
  const GraphDocument doc = loadSample("char-lstm");
  auto model = Model::compile(doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  auto settings = TrainSettings::merged(doc.training, {{"steps", 5}, {"device", "cuda"}});
  ASSERT_TRUE(settings.isOk()) << settings.message();
  (*model)->resetParameters(settings->seed);
  auto trainer = Trainer::create(**model, *settings);
  ASSERT_TRUE(trainer.isOk()) << trainer.message();
  ASSERT_EQ((*trainer)->run().outcome, TrainOutcome::Finished);
  test::ScratchDir dir;
  const std::string path = dir.file("gpu.safetensors");
  ASSERT_TRUE((*trainer)->saveCheckpoint(path));

  // A fresh CPU model from the file gives the same outputs as the trained model on the GPU.
  auto fresh = Model::compile(doc);
  ASSERT_TRUE(fresh.isOk());
  auto file = loadSafetensors(path);
  ASSERT_TRUE(file.isOk()) << file.message();
  auto params = (*fresh)->parameters();
  ASSERT_TRUE(assignTensors(file->tensors, params));
  const Tensor x = (*trainer)->data().gatherInputs({0, 1, 2, 3});
  NoGradGuard noGrad;
  Rng rng(0);
  ForwardContext ctx{false, &rng, false};
  auto onCpu = (*fresh)->forward({{(*fresh)->inputNames()[0], x}}, Tensor(), ctx);
  ASSERT_TRUE(onCpu.isOk()) << onCpu.message();
  for (NamedTensor& p : (*model)->parameters()) p.tensor.moveTo(gpu());
  auto onGpuOut = (*model)->forward({{(*model)->inputNames()[0], x.to(gpu())}}, Tensor(), ctx);
  ASSERT_TRUE(onGpuOut.isOk()) << onGpuOut.message();
  ASSERT_FALSE(onCpu->outputs.empty());
  for (const auto& [name, t] : onCpu->outputs)
    EXPECT_TRUE(close("output " + name, t, onGpuOut->outputs.at(name), 256));
}

TEST(GpuErrors, OutOfMemoryEndsTheRunWithAMessageAndKeepsTheWeights) {
  STRATA_REQUIRE_GPU();
  const GraphDocument doc = loadSample("mlp-sine");
  auto model = Model::compile(doc);
  ASSERT_TRUE(model.isOk());
  auto settings = TrainSettings::merged(doc.training, {{"steps", 3}, {"device", "cuda"}});
  ASSERT_TRUE(settings.isOk());
  (*model)->resetParameters(settings->seed);
  std::vector<Tensor> before;
  for (const NamedTensor& p : (*model)->parameters()) before.push_back(p.tensor.clone());
  auto trainer = Trainer::create(**model, *settings);
  ASSERT_TRUE(trainer.isOk()) << trainer.message();
  // A card "too small" for this graph: the allocator refuses beyond 4 KiB.
  Backend& b = backendFor(gpu());
  b.setMemoryLimit(0, 4096);
  TrainReport r = (*trainer)->run();
  b.setMemoryLimit(0, 0);
  ASSERT_EQ(r.outcome, TrainOutcome::Failed);
  EXPECT_NE(r.message.find("out of memory"), std::string::npos) << r.message;
  const auto after = (*model)->parameters();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    ASSERT_TRUE(after[i].tensor.isCpu());
    for (int64_t k = 0; k < before[i].numel(); ++k)
      ASSERT_EQ(after[i].tensor.f32()[k], before[i].f32()[k]) << after[i].name;
  }
}

TEST(GpuErrors, AMissingDeviceIndexIsRefusedWithTheCount) {
  STRATA_REQUIRE_GPU();
  const std::string why = deviceUnavailableReason(Device::cuda(999));
  EXPECT_NE(why.find("does not exist"), std::string::npos) << why;
}
