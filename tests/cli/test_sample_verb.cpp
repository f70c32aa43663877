// `strata-cli sample` end to end on the char-lstm sample with fresh (seeded) weights: the same
// seed gives the same text, temperature 0 is greedy (the seed no longer matters), characters
// outside the training text are refused with exit code 2, and graphs that are not language
// models are refused with a reason. Plus `train` on a recurrent sample from another directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/testenv.h"

using strata::test::ScratchDir;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

strata::test::CommandResult cli(const std::string& args) {
  return strata::test::run(q(strata::test::cli()) + " " + args);
}

std::string sample(const std::string& name) {
  return strata::test::sourceDir() + "/samples/" + name;
}

class SampleVerb : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = cli("init " + q(sample("char-lstm.strata")) + " --seed 3 --out " + q(weights()));
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  std::string weights() const { return m_dir.file("w.safetensors"); }
  strata::test::CommandResult generate(const std::string& extra) {
    return cli("sample " + q(sample("char-lstm.strata")) + " --weights " + q(weights()) + " " +
               extra);
  }
  ScratchDir m_dir{"strata-sample"};
};

}  // namespace

TEST_F(SampleVerb, SameSeedSameTextAndThePromptComesFirst) {
  auto a = generate("--prompt 'The model' --length 24 --seed 7");
  auto b = generate("--prompt 'The model' --length 24 --seed 7");
  auto c = generate("--prompt 'The model' --length 24 --seed 8");
  ASSERT_EQ(a.exitCode, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  EXPECT_NE(a.output, c.output);  // 24 draws from ~39 near-uniform characters
  EXPECT_EQ(a.output.rfind("The model", 0), 0u) << a.output;
  EXPECT_EQ(a.output.size(), std::string("The model").size() + 24 + 1);  // ASCII corpus + '\n'
}

TEST_F(SampleVerb, TemperatureZeroIsGreedyWhateverTheSeed) {
  auto a = generate("--prompt 'a ' --length 16 --temperature 0 --seed 1");
  auto b = generate("--prompt 'a ' --length 16 --temperature 0 --seed 2");
  ASSERT_EQ(a.exitCode, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  // A tiny temperature concentrates all mass on the argmax as well.
  auto c = generate("--prompt 'a ' --length 16 --temperature 0.0001 --seed 5");
  EXPECT_EQ(a.output, c.output);
}

TEST_F(SampleVerb, PromptCharacterOutsideTheVocabularyIsAClearError) {
  auto r = generate("--prompt 'The Zebra' --length 5");
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("'Z' at position 4 is not in the vocabulary"), std::string::npos)
      << r.output;
}

TEST_F(SampleVerb, GraphWithoutTextDataOrTokenInputIsRefused) {
  ScratchDir dir("strata-sample-bad");
  auto init = cli("init " + q(sample("sine-rnn.strata")) + " --out " + q(dir.file("s.st")));
  ASSERT_EQ(init.exitCode, 0) << init.output;
  auto r = cli("sample " + q(sample("sine-rnn.strata")) + " --weights " + q(dir.file("s.st")));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("text:FILE"), std::string::npos) << r.output;
  auto h = cli("sample --help");
  EXPECT_EQ(h.exitCode, 0);
  EXPECT_NE(h.output.find("--temperature"), std::string::npos);
}

TEST(RecurrentSamplesCli, SeriesGruTrainsFromAnotherDirectory) {
  // csv:data/series.csv resolves next to the graph file, wherever strata-cli runs.
  ScratchDir dir("strata-gru");
  auto r = strata::test::run("cd " + q(dir.path().string()) + " && " + q(strata::test::cli()) +
                             " train " + q(sample("series-gru.strata")) + " --steps 3 --log " +
                             q(dir.file("log.csv")));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("final loss"), std::string::npos) << r.output;
}

TEST(SampleVerbGeneric, TinyGptPastItsContextWindow) {
  // A Transformer LM works the same way; 80 characters run past the 64-token context, which must
  // be cropped to the latest tokens rather than fed past the positional encoding's range.
  ScratchDir dir("strata-sample-gpt");
  const std::string graph = sample("tiny-gpt.strata");
  if (!std::filesystem::exists(graph)) GTEST_SKIP() << "no tiny-gpt sample";
  auto init = cli("init " + q(graph) + " --seed 1 --out " + q(dir.file("g.st")));
  ASSERT_EQ(init.exitCode, 0) << init.output;
  auto r = cli("sample " + q(graph) + " --weights " + q(dir.file("g.st")) +
               " --prompt 'The ' --length 80 --seed 2");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output.size(), std::string("The ").size() + 80 + 1) << r.output;
}
