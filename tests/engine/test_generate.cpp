// engine/train/generate: sampling rules, prompt encoding, and generation over a tiny token model
// (determinism, greedy decoding, the context window for fixed-length and max_len models).
#include <gtest/gtest.h>

#include <cmath>

#include "graph/model.h"
#include "graph_test_util.h"
#include "train/generate.h"

using namespace strata;
using test::makeDoc;
using test::node;

namespace {

std::unique_ptr<Model> tinyLm(const Json& inputShape, bool positional = false) {
  Json nodes =
      Json::array({node("x", "Input", {{"shape", inputShape}, {"dtype", "int64"}}),
                   node("emb", "Embedding", {{"num_embeddings", 5}, {"embedding_dim", 8}}),
                   node("rnn", "GRU", {{"hidden_size", 8}}),
                   node("fc", "Linear", {{"out_features", 6}}), node("loss", "CrossEntropyLoss")});
  std::vector<std::string> edges = {"emb.out->rnn.in", "rnn.out->fc.in", "fc.out->loss.input"};
  if (positional) {
    nodes.push_back(node("pe", "PositionalEncoding", {{"max_len", 4}}));
    edges.push_back("x.out->emb.in");
    edges[0] = "emb.out->pe.in";
    edges.push_back("pe.out->rnn.in");
  } else {
    edges.push_back("x.out->emb.in");
  }
  auto model = Model::compile(makeDoc(nodes, edges));
  EXPECT_TRUE(model.isOk()) << model.message();
  if (!model) return nullptr;
  (*model)->resetParameters(11);
  return std::move(*model);
}

const std::vector<std::string> kVocab = {" ", "a", "b", "c", "\xc3\xa9"};  // last: U+00E9

}  // namespace

TEST(Generate, SampleLogitsGreedyAndTemperature) {
  const float logits[] = {0.1f, 2.0f, -1.0f, 1.9f, 50.0f};
  // Entries past vocabSize (here the 50) are never chosen.
  EXPECT_EQ(sampleLogits(logits, 4, 0.0, 0.99), 1);
  EXPECT_EQ(sampleLogits(logits, 4, 1e-4, 0.99), 1);
  // At temperature 1 the inverse CDF walks the classes in order.
  EXPECT_EQ(sampleLogits(logits, 4, 1.0, 0.0), 0);
  EXPECT_EQ(sampleLogits(logits, 4, 1.0, 0.999), 3);
  // A huge temperature makes the draw nearly uniform: u = 0.6 lands in the third quarter.
  EXPECT_EQ(sampleLogits(logits, 4, 1e6, 0.6), 2);
}

TEST(Generate, EncodeTextNamesTheFirstUnknownCharacter) {
  auto ok = encodeText("ab \xc3\xa9", kVocab);
  ASSERT_TRUE(ok.isOk()) << ok.message();
  EXPECT_EQ(*ok, (std::vector<int64_t>{1, 2, 0, 4}));
  auto bad = encodeText("abz", kVocab);
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.message().find("'z' at position 2"), std::string::npos) << bad.message();
  auto broken = encodeText("a\xc3", kVocab);
  ASSERT_FALSE(broken.isOk());
  EXPECT_NE(broken.message().find("UTF-8"), std::string::npos);
}

TEST(Generate, DeterministicForASeedAndGreedyAtTemperatureZero) {
  auto model = tinyLm({-1});
  ASSERT_TRUE(model);
  GenerateOptions o;
  o.prompt = "ab";
  o.length = 25;
  o.seed = 4;
  auto a = generateText(*model, kVocab, 8, o);
  auto b = generateText(*model, kVocab, 8, o);
  ASSERT_TRUE(a.isOk()) << a.message();
  EXPECT_EQ(*a, *b);
  o.seed = 5;
  EXPECT_NE(*generateText(*model, kVocab, 8, o), *a);
  o.temperature = 0;
  auto g1 = generateText(*model, kVocab, 8, o);
  o.seed = 6;
  auto g2 = generateText(*model, kVocab, 8, o);
  ASSERT_TRUE(g1.isOk()) << g1.message();
  EXPECT_EQ(*g1, *g2);
  // The stream callback sees every character and can stop early.
  int seen = 0;
  auto stopped = generateText(*model, kVocab, 8, o, [&](const std::string&) { return ++seen < 3; });
  ASSERT_TRUE(stopped.isOk());
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(*stopped, g1->substr(0, stopped->size()));
}

TEST(Generate, ContextFollowsFixedLengthAndMaxLen) {
  TrainSettings s;
  s.seqLen = 16;
  auto variable = tinyLm({-1});
  auto fixed = tinyLm({6});
  auto positional = tinyLm({-1}, true);
  ASSERT_TRUE(variable && fixed && positional);
  EXPECT_EQ(generationContext(*variable, s), 16);
  EXPECT_EQ(generationContext(*fixed, s), 6);
  EXPECT_EQ(generationContext(*positional, s), 4);
  // A fixed-length model gets short prompts right-padded and long contexts cropped; both run.
  GenerateOptions o;
  o.prompt = "a";
  o.length = 12;
  auto r = generateText(*fixed, kVocab, generationContext(*fixed, s), o);
  ASSERT_TRUE(r.isOk()) << r.message();
  auto p = generateText(*positional, kVocab, generationContext(*positional, s), o);
  ASSERT_TRUE(p.isOk()) << p.message();
  // With a context of one token, greedy decoding is a fixed map from the previous character to
  // the next: each step of a long run must be reproduced from that character alone.
  const std::vector<std::string> ascii = {" ", "a", "b", "c"};
  o.temperature = 0;
  auto chain = generateText(*variable, ascii, 1, o);
  ASSERT_TRUE(chain.isOk()) << chain.message();
  const std::string text = "a" + *chain;
  for (size_t k = 0; k + 1 < text.size(); ++k) {
    GenerateOptions one = o;
    one.prompt = std::string("c") + text[k];  // the 'c' falls outside the context
    one.length = 1;
    auto next = generateText(*variable, ascii, 1, one);
    ASSERT_TRUE(next.isOk());
    EXPECT_EQ(*next, std::string(1, text[k + 1])) << "step " << k;
  }
}

TEST(Generate, RefusesModelsThatAreNotTokenLanguageModels) {
  auto model = Model::compile(
      makeDoc(Json::array({node("x", "Input", {{"shape", Json::array({4})}}),
                           node("fc", "Linear", {{"out_features", 3}}), node("loss", "MSELoss")}),
              {"x.out->fc.in", "fc.out->loss.input"}));
  ASSERT_TRUE(model.isOk()) << model.message();
  GenerateOptions o;
  auto r = generateText(**model, kVocab, 4, o);
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.message().find("int64 Input"), std::string::npos) << r.message();
  TrainSettings s;
  s.data = "sine";
  auto v = generationVocabulary(**model, s);
  ASSERT_FALSE(v.isOk());
  EXPECT_NE(v.message().find("text:FILE"), std::string::npos) << v.message();
}
