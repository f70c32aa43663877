// Model: compile errors, forward against hand-computed values, parameter keys, deterministic
// initialisation and run-time errors naming the node or input.
#include <cmath>

#include <gtest/gtest.h>

#include "graph/model.h"
#include "graph_test_util.h"

using namespace strata;
using strata::test::makeDoc;
using strata::test::node;

namespace {

GraphDocument tinyMlp() {
  return makeDoc({node("x", "Input", {{"shape", {3}}}), node("fc1", "Linear", {{"out_features", 2}}),
                  node("act", "ReLU"), node("fc2", "Linear", {{"out_features", 1}}),
                  node("loss", "MSELoss"), node("y", "Output")},
                 {"x.out->fc1.in", "fc1.out->act.in", "act.out->fc2.in", "fc2.out->loss.input",
                  "fc2.out->y.in"});
}

std::unique_ptr<Model> compileOk(const GraphDocument& doc) {
  auto m = Model::compile(doc);
  EXPECT_TRUE(m.isOk()) << m.message();
  return m.isOk() ? std::move(*m) : nullptr;
}

void set(Model& m, const std::string& key, const std::vector<float>& values) {
  for (auto& p : m.parameters())
    if (p.name == key) {
      ASSERT_EQ(p.tensor.numel(), static_cast<int64_t>(values.size())) << key;
      std::copy(values.begin(), values.end(), p.tensor.f32());
      return;
    }
  FAIL() << "no parameter " << key;
}

std::vector<float> values(const Tensor& t) { return {t.f32(), t.f32() + t.numel()}; }

}  // namespace

TEST(Model, CompileFailsWithNodeLines) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {3}}}),
                      node("fc", "Linear", {{"out_features", 0}}), node("bad", "Nope")},
                     {"x.out->fc.in"});
  auto m = Model::compile(doc);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.message(),
            "node fc: param 'out_features' must be an integer >= 1, got 0\n"
            "node bad: unknown layer type 'Nope'");
}

TEST(Model, ParameterKeysInTopologicalOrder) {
  // Nodes listed out of order in the document: parameters follow the data flow.
  auto doc = makeDoc({node("head", "Linear", {{"out_features", 1}}),
                      node("x", "Input", {{"shape", {3}}}),
                      node("emb_fc", "Linear", {{"out_features", 4}, {"bias", false}})},
                     {"x.out->emb_fc.in", "emb_fc.out->head.in"});
  auto m = compileOk(doc);
  ASSERT_TRUE(m);
  std::vector<std::string> keys;
  for (const auto& p : m->parameters()) keys.push_back(p.name);
  EXPECT_EQ(keys, (std::vector<std::string>{"emb_fc.weight", "head.weight", "head.bias"}));
  EXPECT_EQ(m->parameters()[0].tensor.shape(), (Shape{4, 3}));
  EXPECT_TRUE(m->parameters()[0].tensor.requiresGrad());
  EXPECT_NE(m->module("head"), nullptr);
  EXPECT_EQ(m->module("x"), nullptr);
  EXPECT_FALSE(m->hasLoss());
  EXPECT_EQ(m->lossType(), "");
}

TEST(Model, ForwardMatchesHandComputation) {
  auto m = compileOk(tinyMlp());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->inputNames(), std::vector<std::string>{"x"});
  EXPECT_EQ(shapeToString(m->inputType("x").shape), "[B, 3]");
  EXPECT_EQ(m->lossType(), "MSELoss");
  ASSERT_TRUE(m->targetType().has_value());
  EXPECT_EQ(shapeToString(m->targetType()->shape), "[B, 1]");

  set(*m, "fc1.weight", {1, 0, -1, 0.5f, 0.5f, 0.5f});
  set(*m, "fc1.bias", {0.1f, -2});
  set(*m, "fc2.weight", {2, 3});
  set(*m, "fc2.bias", {-1});
  Tensor x = Tensor::fromVector({2, 3}, std::vector<float>{1, 2, 3, -1, 0, 4});
  Tensor target = Tensor::fromVector({2, 1}, std::vector<float>{0, 1});
  ForwardContext ctx;
  auto out = m->forward({{"x", x}}, target, ctx);
  ASSERT_TRUE(out.isOk()) << out.message();
  // Sample 0: h = relu([1-3+0.1, 3-2]) = [0, 1]; y = 2*0 + 3*1 - 1 = 2.
  // Sample 1: h = relu([-1-4+0.1, 1.5-2]) = [0, 0]; y = -1.
  ASSERT_EQ(out->outputs.count("y"), 1u);
  EXPECT_EQ(values(out->outputs["y"]), (std::vector<float>{2, -1}));
  EXPECT_TRUE(out->prediction.sameAs(out->outputs["y"]));
  ASSERT_TRUE(out->loss.defined());
  EXPECT_EQ(out->loss.ndim(), 0);
  EXPECT_NEAR(out->loss.item(), (4.0f + 4.0f) / 2, 1e-6);  // ((2-0)^2 + (-1-1)^2) / 2

  // Gradients reach the parameters through the model.
  out->loss.backward();
  Tensor g = m->parameters()[2].tensor.grad();  // fc2.weight
  ASSERT_TRUE(g.defined());
  // dL/dw2 = mean over samples of 2 (y - t) h: sample 0 gives 2*2*[0, 1], sample 1 zeros.
  EXPECT_NEAR(g.f32()[0], 0.0f, 1e-6);
  EXPECT_NEAR(g.f32()[1], 2.0f, 1e-6);

  // Without a target: no loss, same outputs; a single input may use any key.
  auto inference = m->forward({{"anything", x}}, Tensor(), ctx);
  ASSERT_TRUE(inference.isOk()) << inference.message();
  EXPECT_FALSE(inference->loss.defined());
  EXPECT_EQ(values(inference->outputs["y"]), (std::vector<float>{2, -1}));
}

TEST(Model, CrossEntropyThroughEmbedding) {
  auto doc = makeDoc({node("tok", "Input", {{"shape", {-1}}, {"dtype", "int64"}}),
                      node("emb", "Embedding", {{"num_embeddings", 3}, {"embedding_dim", 2}}),
                      node("ce", "CrossEntropyLoss")},
                     {"tok.out->emb.in", "emb.out->ce.input"});
  auto m = compileOk(doc);
  ASSERT_TRUE(m);
  set(*m, "emb.weight", {0, 0, 1, 0, 0, 2});
  Tensor tok = Tensor::fromVector({1, 3}, std::vector<int64_t>{0, 1, 2});
  Tensor target = Tensor::fromVector({1, 3}, std::vector<int64_t>{0, 0, 1});
  ForwardContext ctx;
  auto out = m->forward({{"tok", tok}}, target, ctx);
  ASSERT_TRUE(out.isOk()) << out.message();
  // logits rows [0,0], [1,0], [0,2]; targets 0, 0, 1.
  float l0 = std::log(2.0f), l1 = std::log(1 + std::exp(-1.0f)), l2 = std::log(1 + std::exp(-2.0f));
  EXPECT_NEAR(out->loss.item(), (l0 + l1 + l2) / 3, 1e-5);
  EXPECT_EQ(m->targetType()->kind, ValueKind::Int64);

  // An id out of range fails in the op; the error names the node and its type.
  Tensor bad = Tensor::fromVector({1, 2}, std::vector<int64_t>{0, 7});
  auto err = m->forward({{"tok", bad}}, Tensor(), ctx);
  ASSERT_FALSE(err.isOk());
  EXPECT_EQ(err.message().rfind("node emb (Embedding): ", 0), 0u) << err.message();
}

TEST(Model, InputAndTargetErrorsNameTheInput) {
  auto m = compileOk(tinyMlp());
  ASSERT_TRUE(m);
  ForwardContext ctx;
  Tensor good = Tensor::zeros({2, 3});
  auto missing = m->forward({{"a", good}, {"b", good}}, Tensor(), ctx);
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.message(), "input 'x' is missing");
  auto shape = m->forward({{"x", Tensor::zeros({2, 4})}}, Tensor(), ctx);
  ASSERT_FALSE(shape.isOk());
  EXPECT_EQ(shape.message(), "input 'x': expected float32 [B, 3], got float32[2, 4]");
  auto dtype = m->forward({{"x", Tensor::zeros({2, 3}, DType::Int64)}}, Tensor(), ctx);
  ASSERT_FALSE(dtype.isOk());
  EXPECT_EQ(dtype.message(), "input 'x': expected float32 [B, 3], got int64[2, 3]");
  auto rank = m->forward({{"x", Tensor::zeros({3})}}, Tensor(), ctx);
  EXPECT_FALSE(rank.isOk());
  auto target = m->forward({{"x", good}}, Tensor::zeros({2, 2}), ctx);
  ASSERT_FALSE(target.isOk());
  EXPECT_EQ(target.message(), "target: expected float32 [B, 1], got float32[2, 2]");
}

TEST(Model, ResetParametersIsDeterministicPerNode) {
  auto a = compileOk(tinyMlp());
  auto b = compileOk(tinyMlp());
  ASSERT_TRUE(a && b);
  a->resetParameters(42);
  b->resetParameters(42);
  for (size_t i = 0; i < a->parameters().size(); ++i)
    EXPECT_EQ(values(a->parameters()[i].tensor), values(b->parameters()[i].tensor));
  b->resetParameters(43);
  EXPECT_NE(values(a->parameters()[0].tensor), values(b->parameters()[0].tensor));

  // Adding a node leaves the other nodes' initial weights unchanged.
  GraphDocument bigger = tinyMlp();
  bigger.nodes.push_back({"extra", "Linear", {{"out_features", 5}}, 0, 0});
  bigger.edges.push_back({{"act", "out"}, {"extra", "in"}});
  auto c = compileOk(bigger);
  ASSERT_TRUE(c);
  c->resetParameters(42);
  for (const auto& p : a->parameters()) {
    Tensor same;
    for (const auto& q : c->parameters())
      if (q.name == p.name) same = q.tensor;
    ASSERT_TRUE(same.defined()) << p.name;
    EXPECT_EQ(values(p.tensor), values(same)) << p.name;
  }
}

TEST(Model, InitRangesFollowPyTorch) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {-1, 100}}}),
                      node("fc", "Linear", {{"out_features", 50}}),
                      node("tok", "Input", {{"shape", {-1}}, {"dtype", "int64"}}),
                      node("emb", "Embedding", {{"num_embeddings", 100}, {"embedding_dim", 50}})},
                     {"x.out->fc.in", "tok.out->emb.in"});
  auto m = compileOk(doc);
  ASSERT_TRUE(m);
  m->resetParameters(7);
  const float bound = 1.0f / std::sqrt(100.0f);
  for (const char* key : {"fc.weight", "fc.bias"}) {
    Tensor t;
    for (const auto& p : m->parameters())
      if (p.name == key) t = p.tensor;
    float lo = 1, hi = -1;
    for (float v : values(t)) lo = std::min(lo, v), hi = std::max(hi, v);
    EXPECT_GE(lo, -bound) << key;
    EXPECT_LE(hi, bound) << key;
    if (t.numel() > 1000) {  // the range is used, not a narrower one
      EXPECT_LT(lo, -0.9f * bound);
      EXPECT_GT(hi, 0.9f * bound);
    }
  }
  Tensor e = m->module("emb")->parameter("weight");
  double sum = 0, sq = 0;
  for (float v : values(e)) sum += v, sq += double(v) * v;
  double mean = sum / e.numel(), var = sq / e.numel() - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(var, 1.0, 0.08);
}

TEST(Model, DropoutOnlyInTraining) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {1000}}}), node("d", "Dropout", {{"p", 0.5}}),
                      node("y", "Output")},
                     {"x.out->d.in", "d.out->y.in"});
  auto m = compileOk(doc);
  ASSERT_TRUE(m);
  Tensor x = Tensor::full({1, 1000}, 1.0f);
  ForwardContext eval;
  auto a = m->forward({{"x", x}}, Tensor(), eval);
  ASSERT_TRUE(a.isOk());
  EXPECT_EQ(values(a->outputs["y"]), values(x));
  Rng rng(1);
  ForwardContext train;
  train.training = true;
  train.rng = &rng;
  auto b = m->forward({{"x", x}}, Tensor(), train);
  ASSERT_TRUE(b.isOk()) << b.message();
  int zeros = 0;
  for (float v : values(b->outputs["y"])) {
    EXPECT_TRUE(v == 0.0f || std::fabs(v - 2.0f) < 1e-6) << v;
    zeros += v == 0.0f;
  }
  EXPECT_GT(zeros, 400);
  EXPECT_LT(zeros, 600);
}
