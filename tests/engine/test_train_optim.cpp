// Optimizers (update rules by hand, freezing, state round trip), clipping, LR schedules,
// training settings and the metrics channel.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "train/adam.h"
#include "train/grad_clip.h"
#include "train/lr_scheduler.h"
#include "train/metrics_channel.h"
#include "train/sgd.h"
#include "train/train_settings.h"

namespace strata {
namespace {

NamedTensor param(const std::string& name, std::vector<float> v) {
  NamedTensor p{name, Tensor::fromVector({static_cast<int64_t>(v.size())}, v)};
  p.tensor.setRequiresGrad();
  return p;
}

void setGrad(NamedTensor& p, std::vector<float> g) {
  p.tensor.setGrad(Tensor::fromVector(p.tensor.shape(), g));
}

TEST(TrainOptim, SgdMomentumBufferStartsAtFirstGradient) {
  auto p = param("w", {1.0f});
  Sgd sgd({p}, 0.1, 0.9);
  setGrad(p, {1.0f});
  sgd.step();  // buf = 1 -> w = 1 - 0.1
  EXPECT_FLOAT_EQ(p.tensor.f32()[0], 0.9f);
  setGrad(p, {1.0f});
  sgd.step();  // buf = 0.9 + 1 = 1.9 -> w = 0.9 - 0.19
  EXPECT_FLOAT_EQ(p.tensor.f32()[0], 0.71f);
}

TEST(TrainOptim, AdamFirstStepMovesByLr) {
  // With bias correction the first Adam step is lr * g / (|g| + eps) ~= lr * sign(g).
  auto p = param("w", {0.5f, -0.5f});
  Adam adam({p}, 0.01);
  setGrad(p, {3.0f, -0.2f});
  adam.step();
  EXPECT_NEAR(p.tensor.f32()[0], 0.49f, 1e-6);
  EXPECT_NEAR(p.tensor.f32()[1], -0.49f, 1e-6);
  // AdamW with zero gradient still decays: p *= 1 - lr * wd.
  auto q = param("q", {2.0f});
  AdamW adamw({q}, 0.1, 0.9, 0.999, 1e-8, 0.5);
  setGrad(q, {0.0f});
  adamw.step();
  EXPECT_FLOAT_EQ(q.tensor.f32()[0], 2.0f * 0.95f);
}

TEST(TrainOptim, FrozenAndGradlessParametersAreSkipped) {
  auto a = param("a", {1.0f});
  auto b = param("b", {1.0f});
  auto c = param("c", {1.0f});
  Adam adam({a, b, c}, 0.1);
  adam.setFrozen("b", true);
  setGrad(a, {1.0f});
  setGrad(b, {1.0f});
  adam.step();
  EXPECT_LT(a.tensor.f32()[0], 1.0f);
  EXPECT_EQ(b.tensor.f32()[0], 1.0f);
  EXPECT_EQ(c.tensor.f32()[0], 1.0f);
  adam.setFrozen("b", false);
  adam.step();
  EXPECT_LT(b.tensor.f32()[0], 1.0f);
  adam.zeroGrad();
  EXPECT_FALSE(a.tensor.grad().defined());
}

TEST(TrainOptim, StateRoundTripContinuesIdentically) {
  auto run = [](bool reload) {
    auto p = param("w", {0.3f, -0.7f, 1.1f});
    auto opt = std::make_unique<Adam>(std::vector<NamedTensor>{p}, 0.05);
    std::vector<float> out;
    for (int s = 0; s < 6; ++s) {
      if (reload && s == 3) {
        auto state = opt->state();
        auto fresh = std::make_unique<Adam>(std::vector<NamedTensor>{p}, 0.05);
        EXPECT_TRUE(fresh->loadState(state));
        EXPECT_EQ(fresh->stepCount(), 3);
        opt = std::move(fresh);
      }
      setGrad(p, {0.1f * s, -0.2f, 0.3f - 0.05f * s});
      opt->step();
    }
    return std::vector<float>(p.tensor.f32(), p.tensor.f32() + 3);
  };
  EXPECT_EQ(run(false), run(true));

  auto p = param("w", {1.0f});
  Sgd sgd({p}, 0.1, 0.9);
  auto other = param("v", {1.0f, 2.0f});
  Adam adam({other}, 0.1);
  setGrad(other, {1.0f, 1.0f});
  adam.step();
  Status st = sgd.loadState(adam.state());
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("'w.step'"), std::string::npos) << st.message();
}

TEST(TrainOptim, ClipGradNormLikeTorch) {
  auto a = param("a", {3.0f, 0.0f});
  auto b = param("b", {4.0f});
  setGrad(a, {3.0f, 0.0f});
  setGrad(b, {4.0f});
  std::vector<NamedTensor> ps{a, b};
  EXPECT_DOUBLE_EQ(gradNorm(ps), 5.0);
  EXPECT_DOUBLE_EQ(clipGradNorm(ps, 10.0), 5.0);  // below the limit: unchanged
  EXPECT_EQ(b.tensor.grad().f32()[0], 4.0f);
  EXPECT_DOUBLE_EQ(clipGradNorm(ps, 1.0), 5.0);
  EXPECT_NEAR(a.tensor.grad().f32()[0], 3.0 / (5.0 + 1e-6), 1e-7);
  EXPECT_NEAR(gradNorm(ps), 1.0, 1e-6);
}

TEST(TrainOptim, Schedules) {
  LrScheduler constant(LrScheduler::Kind::Constant, 0.1, 100);
  EXPECT_DOUBLE_EQ(constant.lrAt(0), 0.1);
  EXPECT_DOUBLE_EQ(constant.lrAt(99), 0.1);

  LrScheduler step(LrScheduler::Kind::Step, 1.0, 100, 0, 10, 0.5);
  EXPECT_DOUBLE_EQ(step.lrAt(9), 1.0);
  EXPECT_DOUBLE_EQ(step.lrAt(10), 0.5);
  EXPECT_DOUBLE_EQ(step.lrAt(25), 0.25);

  LrScheduler cosine(LrScheduler::Kind::Cosine, 1.0, 100);
  EXPECT_DOUBLE_EQ(cosine.lrAt(0), 1.0);
  EXPECT_NEAR(cosine.lrAt(50), 0.5, 1e-12);
  EXPECT_NEAR(cosine.lrAt(100), 0.0, 1e-12);
  EXPECT_LT(cosine.lrAt(80), cosine.lrAt(20));

  LrScheduler warm(LrScheduler::Kind::Cosine, 1.0, 110, 10);
  EXPECT_DOUBLE_EQ(warm.lrAt(0), 0.1);
  EXPECT_DOUBLE_EQ(warm.lrAt(4), 0.5);
  EXPECT_DOUBLE_EQ(warm.lrAt(10), 1.0);
  EXPECT_NEAR(warm.lrAt(60), 0.5, 1e-12);

  TrainSettings s;
  s.schedule = "linear-warmup";
  s.warmupSteps = 4;
  s.lr = 0.2;
  auto lw = LrScheduler::fromSettings(s, 50);
  EXPECT_DOUBLE_EQ(lw.lrAt(1), 0.1);
  EXPECT_DOUBLE_EQ(lw.lrAt(40), 0.2);
  lw.setBaseLr(0.4);
  EXPECT_DOUBLE_EQ(lw.lrAt(40), 0.4);
}

TEST(TrainSettingsTest, JsonRoundTripAndOverrides) {
  nlohmann::json file = {{"optimizer", "sgd"},  {"lr", 0.05},       {"momentum", 0.9},
                         {"betas", {0.8, 0.9}}, {"shuffle", "off"}, {"seed", 7}};
  auto s = TrainSettings::merged(file, {{"lr", 0.01}, {"epochs", 3}});
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(s->optimizer, "sgd");
  EXPECT_DOUBLE_EQ(s->lr, 0.01);  // the override wins
  EXPECT_EQ(s->epochs, 3);
  EXPECT_DOUBLE_EQ(s->beta1, 0.8);
  EXPECT_FALSE(s->shuffle);
  EXPECT_EQ(s->seed, 7u);
  auto back = TrainSettings::fromJson(s->toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->toJson(), s->toJson());
  EXPECT_DOUBLE_EQ(TrainSettings{}.effectiveWeightDecay(), 0.0);
  TrainSettings w;
  w.optimizer = "adamw";
  EXPECT_DOUBLE_EQ(w.effectiveWeightDecay(), 0.01);
}

TEST(TrainSettingsTest, ClearErrors) {
  struct Bad {
    nlohmann::json j;
    std::string expect;
  };
  const std::vector<Bad> bad = {
      {{{"lr", "fast"}}, "training.lr: expected a number"},
      {{{"batch", 0}}, "batch must be >= 1, got 0"},
      {{{"optimizer", "rmsprop"}}, "optimizer must be sgd, adam or adamw, got 'rmsprop'"},
      {{{"learning_rate", 0.1}}, "unknown setting 'learning_rate'"},
      {{{"val_split", 1.0}}, "val_split must be in [0, 1)"},
      {{{"schedule", "exp"}}, "schedule must be"},
      {{{"schedule", "linear-warmup"}}, "needs warmup_steps >= 1"},
      {{{"optimizer", "sgd"}, {"nesterov", true}}, "nesterov needs momentum > 0"},
      {{{"shuffle", "maybe"}}, "training.shuffle: expected on/off"},
      {{{"betas", {0.9}}}, "training.betas: expected [beta1, beta2]"},
      {{{"device", "tpu"}}, "device must be cpu, cuda or cuda:N"},
      {{{"epochs", 2.5}}, "training.epochs: expected an integer"},
  };
  for (const auto& b : bad) {
    auto r = TrainSettings::merged(b.j, nlohmann::json::object());
    ASSERT_FALSE(r) << b.j.dump();
    EXPECT_NE(r.message().find(b.expect), std::string::npos) << r.message();
  }
}

TEST(TrainMetrics, ChannelDrainsInOrderAcrossThreads) {
  MetricsChannel channel(1000);
  std::thread producer([&] {
    for (int i = 1; i <= 500; ++i) {
      StepMetrics m;
      m.step = i;
      m.loss = 1.0 / i;
      channel.push(m);
    }
  });
  std::vector<StepMetrics> got;
  while (got.size() < 500) {
    auto batch = channel.drain();
    got.insert(got.end(), batch.begin(), batch.end());
    std::this_thread::yield();
  }
  producer.join();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].step, static_cast<int64_t>(i + 1));
  EXPECT_TRUE(channel.drain().empty());

  MetricsChannel small(3);
  for (int i = 0; i < 5; ++i) small.push(StepMetrics{.step = i});
  auto kept = small.drain();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept.front().step, 2);
  EXPECT_EQ(small.dropped(), 2u);

  StepMetrics m{.step = 3, .epoch = 1, .loss = 0.5, .lr = 0.001, .samplesPerSec = 1000};
  EXPECT_EQ(metricsCsvHeader(), "step,epoch,loss,val_loss,accuracy,lr,samples_per_s");
  EXPECT_EQ(metricsCsvRow(m), "3,1,0.5,nan,nan,0.001,1000");
}

}  // namespace
}  // namespace strata
