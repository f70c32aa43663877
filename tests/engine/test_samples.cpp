// The sample graphs: each is valid, and mlp-sine trains to a low loss with its stored settings
// within the time budget the gallery promises.
#include <chrono>

#include <gtest/gtest.h>

#include "graph/model.h"
#include "graph_test_util.h"
#include "train/trainer.h"

using namespace strata;

TEST(Samples, MlpSineTrainsBelowOneHundredthWithItsOwnSettings) {
  auto doc = GraphDocument::load(test::sourceDir() + "/samples/mlp-sine.strata");
  ASSERT_TRUE(doc.isOk()) << doc.message();
  auto model = Model::compile(*doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  auto settings = TrainSettings::fromJson(doc->training);
  ASSERT_TRUE(settings.isOk()) << settings.message();
  (*model)->resetParameters(settings->seed);
  auto trainer = Trainer::create(**model, *settings);
  ASSERT_TRUE(trainer.isOk()) << trainer.message();
  auto start = std::chrono::steady_clock::now();
  TrainReport report = (*trainer)->run();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(report.outcome, TrainOutcome::Finished) << report.message;
  // The noise floor of the sine data is 0.05^2 = 0.0025; one batch's loss scatters around it.
  EXPECT_LT(report.bestValLoss, 1e-2);
  EXPECT_LT(report.finalLoss, 2e-2);
  EXPECT_LT(seconds, 30.0);
  std::printf("mlp-sine: %lld steps, final loss %.5f, best val %.5f, %.2f s\n",
              static_cast<long long>(report.steps), report.finalLoss, report.bestValLoss,
              seconds);
}
