// Trainer: bit-for-bit determinism, exact resume, stop within 200 ms from another thread, pause
// (step count frozen, steering applied), the NaN guard (message names step and node, weights from
// before the bad step kept), metrics (channel, per-node gradient norms, validation, accuracy).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "common/testenv.h"
#include "graph/model.h"
#include "train/trainer.h"
#include "train/memory_budget.h"

namespace strata {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

GraphDocument doc(const Json& nodes,
                  const std::vector<std::pair<std::string, std::string>>& edges) {
  Json j = {{"format", "strata-graph"}, {"version", 1}, {"nodes", nodes}, {"edges", Json::array()}};
  for (const auto& [from, to] : edges) j["edges"].push_back({{"from", from}, {"to", to}});
  auto d = GraphDocument::fromJson(j);
  EXPECT_TRUE(d) << d.message();
  return d ? *d : GraphDocument{};
}

Json node(const std::string& id, const std::string& type, Json params = Json::object()) {
  return {{"id", id}, {"type", type}, {"params", params}, {"pos", {0, 0}}};
}

// Window of 16 sine values -> next value, with dropout so the per-step masks matter.
std::unique_ptr<Model> sineMlp(uint64_t seed = 3) {
  auto d =
      doc({node("x", "Input", {{"shape", {16}}}), node("fc1", "Linear", {{"out_features", 24}}),
           node("act", "Tanh"), node("drop", "Dropout", {{"p", 0.2}}),
           node("fc2", "Linear", {{"out_features", 1}}), node("loss", "MSELoss")},
          {{"x.out", "fc1.in"},
           {"fc1.out", "act.in"},
           {"act.out", "drop.in"},
           {"drop.out", "fc2.in"},
           {"fc2.out", "loss.input"}});
  auto m = Model::compile(d);
  EXPECT_TRUE(m) << m.message();
  if (!m) return nullptr;
  (*m)->resetParameters(seed);
  return std::move(*m);
}

TrainSettings sineSettings() {
  TrainSettings s;
  s.data = "sine";
  s.epochs = 2;
  s.batch = 50;
  s.lr = 0.01;
  s.seed = 11;
  s.valSplit = 0.2;
  return s;
}

std::unique_ptr<Trainer> makeTrainer(Model& model, const TrainSettings& s) {
  auto t = Trainer::create(model, s);
  EXPECT_TRUE(t) << t.message();
  return t ? std::move(*t) : nullptr;
}

std::vector<double> losses(Trainer& t) {
  std::vector<double> out;
  for (const auto& m : t.metrics().drain()) out.push_back(m.loss);
  return out;
}

TEST(Trainer, SameSeedSameLossesBitForBit) {
  auto run = [](TrainSettings s) {
    auto model = sineMlp();
    auto t = makeTrainer(*model, s);
    TrainReport r = t->run();
    EXPECT_EQ(r.outcome, TrainOutcome::Finished) << r.message;
    return losses(*t);
  };
  const auto a = run(sineSettings());
  const auto b = run(sineSettings());
  ASSERT_EQ(a.size(), 32u);  // 800 training windows / 50 per batch * 2 epochs
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(double)), 0) << "step " << i + 1;
  auto other = sineSettings();
  other.seed = 12;
  EXPECT_NE(run(other), a);
  EXPECT_LT(a.back(), a.front());
}

TEST(Trainer, ResumeFromCheckpointContinuesExactly) {
  test::ScratchDir dir;
  auto full = sineMlp();
  auto tf = makeTrainer(*full, sineSettings());
  tf->run();
  const auto expected = losses(*tf);

  auto first = sineMlp();
  auto half = sineSettings();
  half.steps = 20;
  half.valEvery = 16;  // validation at the epoch end, as in the full run
  auto t1 = makeTrainer(*first, half);
  ASSERT_EQ(t1->run().outcome, TrainOutcome::Finished);
  ASSERT_TRUE(t1->saveCheckpoint(dir.file("ck.safetensors")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("ck.optim.safetensors")));

  auto second = sineMlp(99);  // different init: the checkpoint must overwrite it
  auto t2 = makeTrainer(*second, sineSettings());
  Status st = t2->resumeFrom(dir.file("ck.safetensors"));
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(t2->currentStep(), 20);
  ASSERT_EQ(t2->run().outcome, TrainOutcome::Finished);
  const auto rest = losses(*t2);
  ASSERT_EQ(rest.size(), expected.size() - 20);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i], expected[i + 20]) << i;
}

// Checkpoints of one run at two steps: a.safetensors after 10 steps, b.safetensors after 20
// (resumed from a). Returns the losses of steps 11 to 20.
static std::vector<double> checkpointStepsTenAndTwenty(const test::ScratchDir& dir) {
  auto model = sineMlp();
  auto settings = sineSettings();
  settings.steps = 10;
  auto t1 = makeTrainer(*model, settings);
  EXPECT_EQ(t1->run().outcome, TrainOutcome::Finished);
  EXPECT_TRUE(t1->saveCheckpoint(dir.file("a.safetensors")));
  settings.steps = 20;
  auto t2 = makeTrainer(*model, settings);
  EXPECT_TRUE(t2->resumeFrom(dir.file("a.safetensors")));
  EXPECT_EQ(t2->run().outcome, TrainOutcome::Finished);
  EXPECT_TRUE(t2->saveCheckpoint(dir.file("b.safetensors")));
  return losses(*t2);
}

// The optimizer state names its step: paired with weights of another step (a save killed between
// the two files' renames) it is refused, naming both steps, rather than silently mixed.
TEST(Trainer, ResumeRefusesAnOptimizerStateOfAnotherStep) {
  test::ScratchDir dir;
  checkpointStepsTenAndTwenty(dir);
  std::filesystem::copy_file(dir.file("b.optim.safetensors"), dir.file("a.optim.safetensors"),
                             std::filesystem::copy_options::overwrite_existing);
  auto fresh = sineMlp();
  auto t3 = makeTrainer(*fresh, sineSettings());
  const Status st = t3->resumeFrom(dir.file("a.safetensors"));
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("from step 20"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("step 10"), std::string::npos) << st.message();
  auto other = sineMlp();
  EXPECT_TRUE(makeTrainer(*other, sineSettings())->resumeFrom(dir.file("b.safetensors")));
}

// A save killed between its two renames leaves the new optimizer state beside the old weights;
// the old state is still there as the previous state, so the checkpoint resumes exactly.
TEST(Trainer, ResumeAfterASaveKilledBetweenItsRenames) {
  test::ScratchDir dir;
  const auto expected = checkpointStepsTenAndTwenty(dir);  // the clean continuation from step 10
  const std::string a = dir.file("a.safetensors");
  EXPECT_FALSE(std::filesystem::exists(Trainer::previousOptimizerStatePath(a)));
  {  // replacing a whole pair leaves no previous state behind
    auto model = sineMlp();
    auto t = makeTrainer(*model, sineSettings());
    ASSERT_TRUE(t->resumeFrom(a));
    ASSERT_TRUE(t->saveCheckpoint(a));
    EXPECT_FALSE(std::filesystem::exists(Trainer::previousOptimizerStatePath(a)));
  }

  // The files as a save of step 20 into `a` leaves them when killed after the optimizer state's
  // rename: previous state (step 10) kept, new state (step 20) in place, weights still step 10.
  namespace fs = std::filesystem;
  fs::copy_file(Trainer::optimizerStatePath(a), Trainer::previousOptimizerStatePath(a));
  fs::copy_file(dir.file("b.optim.safetensors"), Trainer::optimizerStatePath(a),
                fs::copy_options::overwrite_existing);
  auto half = sineSettings();
  half.steps = 20;
  auto resumed = sineMlp(99);
  auto t3 = makeTrainer(*resumed, half);
  const Status st = t3->resumeFrom(a);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(t3->currentStep(), 10);
  ASSERT_EQ(t3->run().outcome, TrainOutcome::Finished);
  EXPECT_EQ(losses(*t3), expected);  // the moments of step 10, not those of step 20

  // The previous state must belong to the weights too: one of another step is still refused.
  fs::copy_file(dir.file("b.optim.safetensors"), Trainer::previousOptimizerStatePath(a),
                fs::copy_options::overwrite_existing);
  auto fresh = sineMlp();
  EXPECT_FALSE(makeTrainer(*fresh, half)->resumeFrom(a));
}

TEST(Trainer, MetricsValidationAndGradNorms) {
  auto model = sineMlp();
  auto s = sineSettings();
  auto t = makeTrainer(*model, s);
  std::vector<StepMetrics> seen, epochs;
  t->setStepCallback([&](const StepMetrics& m) { seen.push_back(m); });
  t->setEpochCallback([&](const StepMetrics& m) { epochs.push_back(m); });
  TrainReport r = t->run();
  ASSERT_EQ(r.outcome, TrainOutcome::Finished);
  const auto drained = t->metrics().drain();
  ASSERT_EQ(drained.size(), seen.size());
  ASSERT_EQ(epochs.size(), 2u);
  for (size_t i = 0; i < drained.size(); ++i) {
    const auto& m = drained[i];
    EXPECT_EQ(m.step, static_cast<int64_t>(i + 1));
    EXPECT_EQ(m.epoch, i < 16 ? 1 : 2);
    EXPECT_EQ(std::isnan(m.valLoss), m.step != 16 && m.step != 32) << m.step;
    EXPECT_TRUE(std::isnan(m.accuracy));  // MSE: no accuracy
    EXPECT_DOUBLE_EQ(m.lr, 0.01);
    EXPECT_GT(m.samplesPerSec, 0);
    ASSERT_EQ(m.nodeGradNorms.size(), 2u);
    const double a = m.nodeGradNorms.at("fc1"), b = m.nodeGradNorms.at("fc2");
    EXPECT_GT(a, 0);
    EXPECT_NEAR(std::sqrt(a * a + b * b), m.gradNorm, 1e-9 * m.gradNorm);
  }
  EXPECT_EQ(epochs.back().step, 32);
  EXPECT_EQ(r.steps, 32);
  EXPECT_EQ(r.finalLoss, drained.back().loss);
  EXPECT_FALSE(std::isnan(r.bestValLoss));
  EXPECT_TRUE(t->hasBest());
}

TEST(Trainer, StopsWithin200msFromAnotherThread) {
  auto model = sineMlp();
  auto s = sineSettings();
  s.epochs = 100000;
  auto t = makeTrainer(*model, s);
  std::atomic<bool> done{false};
  TrainReport report;
  std::thread worker([&] {
    report = t->run();
    done = true;
  });
  while (t->currentStep() < 5) std::this_thread::sleep_for(1ms);
  const auto asked = std::chrono::steady_clock::now();
  t->requestStop();
  while (!done) std::this_thread::sleep_for(1ms);
  const auto took = std::chrono::steady_clock::now() - asked;
  worker.join();
  EXPECT_EQ(report.outcome, TrainOutcome::Stopped);
  EXPECT_LT(took, 200ms);

  // A stop requested before run() begins is honoured; the next run() continues.
  const int64_t at = t->currentStep();
  t->requestStop();
  EXPECT_EQ(t->run().outcome, TrainOutcome::Stopped);
  EXPECT_EQ(t->currentStep(), at);
}

TEST(Trainer, PauseFreezesStepsAndAppliesSteering) {
  auto model = sineMlp();
  auto s = sineSettings();
  s.epochs = 100000;
  auto t = makeTrainer(*model, s);
  std::thread worker([&] { t->run(); });
  while (t->currentStep() < 3) std::this_thread::sleep_for(1ms);
  t->requestPause();
  while (!t->isPaused()) std::this_thread::sleep_for(1ms);
  const int64_t at = t->currentStep();
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(t->currentStep(), at);

  // Steering while paused: a new rate, and fc1 frozen.
  t->setLearningRate(0.002);
  ASSERT_TRUE(t->setNodeFrozen("fc1", true));
  EXPECT_FALSE(t->setNodeFrozen("act", true));  // no parameters
  std::this_thread::sleep_for(100ms);           // the parked loop applies it
  std::vector<float> fc1Before;
  for (const auto& p : model->parameters())
    if (p.name == "fc1.weight") fc1Before.assign(p.tensor.f32(), p.tensor.f32() + p.tensor.numel());
  t->metrics().drain();
  t->resume();
  while (t->currentStep() < at + 4) std::this_thread::sleep_for(1ms);
  t->requestStop();
  worker.join();
  const auto after = t->metrics().drain();
  ASSERT_FALSE(after.empty());
  for (const auto& m : after) {
    EXPECT_DOUBLE_EQ(m.lr, 0.002);
    EXPECT_EQ(m.nodeGradNorms.count("fc1"), 0u);  // frozen: no gradient kept
  }
  for (const auto& p : model->parameters())
    if (p.name == "fc1.weight")
      EXPECT_EQ(std::memcmp(fc1Before.data(), p.tensor.f32(), fc1Before.size() * 4), 0);
}

TEST(Trainer, NonFiniteGuardKeepsPreviousWeights) {
  auto model = sineMlp();
  auto s = sineSettings();
  s.optimizer = "sgd";
  s.lr = 1e18;
  auto t = makeTrainer(*model, s);
  std::vector<std::vector<float>> lastGood;
  t->setStepCallback([&](const StepMetrics&) {
    lastGood.clear();
    for (const auto& p : model->parameters())
      lastGood.emplace_back(p.tensor.f32(), p.tensor.f32() + p.tensor.numel());
  });
  TrainReport r = t->run();
  ASSERT_EQ(r.outcome, TrainOutcome::Failed);
  const std::string step = "step " + std::to_string(r.steps + 1) + ":";
  EXPECT_EQ(r.message.rfind(step, 0), 0u) << r.message;
  EXPECT_TRUE(r.message.find("node 'fc1'") != std::string::npos ||
              r.message.find("node 'fc2'") != std::string::npos)
      << r.message;
  ASSERT_GE(r.steps, 1);
  std::printf("guard message: %s\n", r.message.c_str());
  const auto params = model->parameters();
  ASSERT_EQ(params.size(), lastGood.size());
  for (size_t i = 0; i < params.size(); ++i)
    EXPECT_EQ(std::memcmp(lastGood[i].data(), params[i].tensor.f32(), lastGood[i].size() * 4), 0)
        << params[i].name;
}

TEST(Trainer, CrossEntropyAccuracyOnCopyTask) {
  auto d = doc({node("tokens", "Input", {{"shape", {8}}, {"dtype", "int64"}}),
                node("emb", "Embedding", {{"num_embeddings", 10}, {"embedding_dim", 16}}),
                node("head", "Linear", {{"out_features", 10}}), node("loss", "CrossEntropyLoss")},
               {{"tokens.out", "emb.in"}, {"emb.out", "head.in"}, {"head.out", "loss.input"}});
  auto m = Model::compile(d);
  ASSERT_TRUE(m) << m.message();
  (*m)->resetParameters(1);
  TrainSettings s;
  s.data = "task:copy";
  s.epochs = 3;
  s.batch = 64;
  s.lr = 0.02;
  auto t = makeTrainer(**m, s);
  EXPECT_EQ(t->data().vocabSize(), 10);  // capped by num_embeddings
  ASSERT_EQ(t->run().outcome, TrainOutcome::Finished);
  const auto all = t->metrics().drain();
  ASSERT_FALSE(all.empty());
  EXPECT_GE(all.front().accuracy, 0.0);
  EXPECT_LE(all.front().accuracy, 1.0);
  EXPECT_GT(all.back().valAccuracy, 0.9);  // copying through an embedding is easy
  EXPECT_GT(all.back().valAccuracy, all.front().accuracy);
}

TEST(Trainer, ClearSetupErrors) {
  auto model = sineMlp();
  auto s = sineSettings();
  s.data = "text:/nonexistent/corpus.txt";
  auto t = Trainer::create(*model, s);
  ASSERT_FALSE(t);
  EXPECT_NE(t.message().find("/nonexistent/corpus.txt: cannot open"), std::string::npos)
      << t.message();
  s.data = "task:copy";  // tokens for a float model
  auto k = Trainer::create(*model, s);
  ASSERT_FALSE(k);
  EXPECT_NE(k.message().find("int64"), std::string::npos) << k.message();
  s.data = "sine";
  s.batch = 0;
  auto b = Trainer::create(*model, s);
  ASSERT_FALSE(b);
  EXPECT_NE(b.message().find("batch must be >= 1"), std::string::npos);
}

// Limits before allocation: the estimate grows with the batch (activations) and the parameters;
// a run that would not fit the free memory is refused before training, naming both numbers.
TEST(Trainer, RefusesARunThatDoesNotFitTheMemory) {
  auto model = sineMlp();
  const auto small = estimateTrainingMemory(model->analysis(), 16, 1);
  const auto big = estimateTrainingMemory(model->analysis(), 1600, 1);
  EXPECT_GT(small.activationBytes, 0u);
  EXPECT_GT(small.parameterBytes, 0u);
  EXPECT_EQ(big.parameterBytes, small.parameterBytes);
  EXPECT_NEAR(static_cast<double>(big.activationBytes), 100.0 * small.activationBytes,
              0.01 * big.activationBytes);
  EXPECT_TRUE(checkTrainingMemory(small, small.totalBytes(), 16));
  EXPECT_TRUE(checkTrainingMemory(small, 0, 16));  // unknown: nothing refused
  const Status no = checkTrainingMemory(big, small.totalBytes(), 1600);
  ASSERT_FALSE(no);
  EXPECT_NE(no.message().find("batch 1600"), std::string::npos) << no.message();
  EXPECT_NE(no.message().find("free"), std::string::npos) << no.message();

  // Through Trainer::create, with the free memory capped as a user can.
  ::setenv("STRATA_MEMORY_LIMIT", "1000", 1);
  auto refused = Trainer::create(*model, sineSettings());
  ::unsetenv("STRATA_MEMORY_LIMIT");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("training needs about"), std::string::npos)
      << refused.message();
  EXPECT_TRUE(Trainer::create(*model, sineSettings()));
}

}  // namespace
}  // namespace strata
