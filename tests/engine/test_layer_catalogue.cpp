// The layer catalogue: every spec is complete, params normalise with clear messages, and the
// docs list every layer type.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "graph_test_util.h"
#include "nn/layer_spec.h"

using namespace strata;

namespace {

const LayerSpec& spec(const std::string& type) {
  const LayerSpec* s = LayerRegistry::instance().find(type);
  if (!s) throw std::runtime_error("no spec " + type);
  return *s;
}

std::string normalizeError(const std::string& type, const Json& params) {
  auto r = normalizeParams(spec(type), params);
  EXPECT_FALSE(r.isOk()) << "expected an error for " << type << " " << params.dump();
  return r.isOk() ? "" : r.message();
}

}  // namespace

TEST(LayerCatalogue, FoundationLayersAreRegistered) {
  for (const char* type : {"Input", "Output", "Linear", "Embedding", "ReLU", "GELU", "Tanh",
                           "Sigmoid", "Softmax", "Dropout", "Add", "Concat", "SequencePool",
                           "MSELoss", "CrossEntropyLoss"})
    EXPECT_NE(LayerRegistry::instance().find(type), nullptr) << type;
  EXPECT_EQ(LayerRegistry::instance().find("Conv2d"), nullptr);
}

TEST(LayerCatalogue, EverySpecIsComplete) {
  std::set<std::string> types;
  for (const auto& s : LayerRegistry::instance().all()) {
    SCOPED_TRACE(s.type);
    EXPECT_TRUE(types.insert(s.type).second) << "registered twice";
    EXPECT_FALSE(s.category.empty());
    EXPECT_FALSE(s.summary.empty());
    EXPECT_GT(s.doc.size(), 150u) << "the doc should be a paragraph for students";
    EXPECT_TRUE(s.infer) << "no shape rule";
    EXPECT_EQ(s.create == nullptr, s.isInput || s.isOutput);
    for (const auto& p : s.params) EXPECT_FALSE(p.help.empty()) << p.name;
    if (s.isLoss) {
      ASSERT_EQ(s.inputs.size(), 2u);
      EXPECT_EQ(s.inputs[0].name, "input");
      EXPECT_EQ(s.inputs[1].name, "target");
      EXPECT_TRUE(s.inputs[1].fromData);
      ASSERT_EQ(s.outputs.size(), 1u);
      EXPECT_EQ(s.outputs[0].name, "loss");
    }
  }
}

TEST(LayerCatalogue, PortNamesFollowTheDesign) {
  EXPECT_EQ(spec("Linear").inputs[0].name, "in");
  EXPECT_EQ(spec("Linear").outputs[0].name, "out");
  EXPECT_EQ(spec("Add").inputs[0].name, "a");
  EXPECT_EQ(spec("Add").inputs[1].name, "b");
  EXPECT_EQ(spec("Output").inputs[0].name, "in");
  EXPECT_TRUE(spec("Output").outputs.empty());
  const LayerSpec& concat = spec("Concat");
  EXPECT_NE(concat.inputPort("in0"), nullptr);
  EXPECT_NE(concat.inputPort("in12"), nullptr);
  EXPECT_EQ(concat.inputPort("in"), nullptr);
  EXPECT_EQ(concat.inputPort("in01"), nullptr);
  EXPECT_EQ(concat.inputPort("inx"), nullptr);
  EXPECT_EQ(spec("Linear").inputPort("in0"), nullptr);
}

TEST(LayerCatalogue, DocsListEveryLayerType) {
  std::ifstream in(test::sourceDir() + "/docs/graph-format.md");
  ASSERT_TRUE(in) << "docs/graph-format.md is missing";
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const auto& s : LayerRegistry::instance().all()) {
    EXPECT_NE(text.find("`" + s.type + "`"), std::string::npos) << s.type << " is undocumented";
    for (const auto& p : s.params)
      EXPECT_NE(text.find("`" + p.name + "`"), std::string::npos) << s.type << "." << p.name;
  }
}

TEST(NormalizeParams, FillsDefaultsAndLeavesInferredOut) {
  auto r = normalizeParams(spec("Linear"), {{"out_features", 64}});
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ(*r, Json({{"out_features", 64}, {"bias", true}}));
  auto d = normalizeParams(spec("Dropout"), Json::object());
  ASSERT_TRUE(d.isOk());
  EXPECT_DOUBLE_EQ((*d)["p"].get<double>(), 0.5);
  auto in = normalizeParams(spec("Input"), {{"shape", {-1, 8.0}}});
  ASSERT_TRUE(in.isOk()) << in.message();
  EXPECT_EQ((*in)["shape"], Json::array({-1, 8}));
  EXPECT_TRUE((*in)["shape"][1].is_number_integer());
  EXPECT_EQ((*in)["dtype"], "float32");
  // A null value means "not given".
  auto n = normalizeParams(spec("Linear"), {{"out_features", 3}, {"in_features", nullptr}});
  ASSERT_TRUE(n.isOk());
  EXPECT_FALSE(n->contains("in_features"));
}

TEST(NormalizeParams, ErrorMessages) {
  EXPECT_EQ(normalizeError("Linear", {{"out_features", -3}}),
            "param 'out_features' must be an integer >= 1, got -3");
  EXPECT_EQ(normalizeError("Linear", {{"out_features", 2.5}}),
            "param 'out_features' must be an integer >= 1, got 2.5");
  EXPECT_EQ(normalizeError("Linear", {{"out_features", "64"}}),
            "param 'out_features' must be an integer >= 1, got \"64\"");
  EXPECT_EQ(normalizeError("Linear", Json::object()), "missing required param 'out_features'");
  EXPECT_EQ(normalizeError("Linear", {{"out_features", 4}, {"bias", 1}}),
            "param 'bias' must be true or false, got 1");
  EXPECT_EQ(normalizeError("Linear", {{"out_features", 4}, {"units", 4}}),
            "unknown param 'units' (Linear takes in_features, out_features, bias)");
  EXPECT_EQ(normalizeError("ReLU", {{"inplace", true}}),
            "unknown param 'inplace' (ReLU takes no params)");
  EXPECT_EQ(normalizeError("Dropout", {{"p", 1.5}}),
            "param 'p' must be a number in [0, 1], got 1.5");
  EXPECT_EQ(normalizeError("SequencePool", {{"mode", "first"}}),
            "param 'mode' must be one of last, mean, max, got \"first\"");
  EXPECT_EQ(normalizeError("Input", {{"shape", {4, -2}}}),
            "param 'shape' must be a list of integers >= -1, got [4,-2]");
  EXPECT_EQ(normalizeError("Input", {{"shape", 4}}),
            "param 'shape' must be a list of integers >= -1, got 4");
  EXPECT_EQ(normalizeError("Input", {{"shape", {4}}, {"dtype", "float64"}}),
            "param 'dtype' must be one of float32, int64, got \"float64\"");
  EXPECT_EQ(normalizeError("Linear", Json::array()), "params must be an object, got []");
}
