// Blocks: the file format (round trip, structural errors), the expansion of Repeat blocks (copy
// ids, carried and broadcast inputs, outgoing edges from the last copy), analysis of the template
// (shapes, per-copy errors, block errors) and the compiled model: a Repeat block computes exactly
// what the same graph written out by hand computes, forward and backward, with separate weights.
#include <gtest/gtest.h>

#include "common/tensor_helpers.h"
#include "core/rng.h"
#include "graph/blocks.h"
#include "graph/model.h"
#include "graph_test_util.h"

using namespace strata;
using strata::test::node;

namespace {

Json base() { return {{"format", "strata-graph"}, {"version", 1}}; }

Json edge(const std::string& from, const std::string& to) { return {{"from", from}, {"to", to}}; }

GraphDocument parseOk(const Json& j) {
  auto doc = GraphDocument::fromJson(j);
  EXPECT_TRUE(doc.isOk()) << doc.message();
  return doc.isOk() ? *doc : GraphDocument{};
}

// x -> [fc -> act] x N -> head -> y (+ MSE loss): an MLP whose hidden layers are a Repeat block.
Json mlpWithBlock(int repeat, int hidden = 6) {
  Json j = base();
  j["nodes"] = {node("x", "Input", {{"shape", {4}}}),
                node("fc", "Linear", {{"out_features", hidden}}),
                node("act", "Tanh"),
                node("head", "Linear", {{"out_features", 2}}),
                node("loss", "MSELoss"),
                node("y", "Output")};
  j["edges"] = {edge("x.out", "fc.in"), edge("fc.out", "act.in"), edge("act.out", "head.in"),
                edge("head.out", "loss.input"), edge("head.out", "y.in")};
  j["blocks"] = {{{"id", "hidden"}, {"name", "Hidden layers"}, {"nodes", {"fc", "act"}},
                  {"repeat", repeat}, {"collapsed", false}}};
  return j;
}

std::vector<float> values(const Tensor& t) { return {t.f32(), t.f32() + t.numel()}; }

}  // namespace

TEST(Blocks, SaveLoadRoundTripIsByteStable) {
  GraphDocument doc = parseOk(mlpWithBlock(3));
  ASSERT_EQ(doc.blocks.size(), 1u);
  EXPECT_EQ(doc.blocks[0].name, "Hidden layers");
  EXPECT_EQ(doc.blocks[0].repeat, 3);
  EXPECT_EQ(doc.blocks[0].nodes, (std::vector<std::string>{"fc", "act"}));
  ASSERT_NE(doc.blockOf("act"), nullptr);
  EXPECT_EQ(doc.blockOf("act")->id, "hidden");
  EXPECT_EQ(doc.blockOf("head"), nullptr);
  const std::string text = doc.serialize();
  EXPECT_NE(text.find("\"blocks\""), std::string::npos);
  auto again = GraphDocument::parse(text);
  ASSERT_TRUE(again.isOk()) << again.message();
  EXPECT_EQ(again->blocks, doc.blocks);
  EXPECT_EQ(again->serialize(), text);

  // Without blocks the key is absent, so older files stay byte-identical.
  doc.blocks.clear();
  EXPECT_EQ(doc.serialize().find("\"blocks\""), std::string::npos);
}

TEST(Blocks, StructuralErrorsNameThePlace) {
  auto expectError = [](Json blocks, const std::string& expected) {
    Json j = mlpWithBlock(2);
    j["blocks"] = std::move(blocks);
    auto doc = GraphDocument::fromJson(j);
    ASSERT_FALSE(doc.isOk()) << expected;
    EXPECT_NE(doc.message().find(expected), std::string::npos) << doc.message();
  };
  expectError(Json::object(), "'blocks' must be an array");
  expectError({{{"id", "b"}, {"nodes", {"fc"}}, {"color", 1}}}, "blocks[0]: unknown key 'color'");
  expectError({{{"nodes", {"fc"}}}}, "blocks[0]: missing 'id'");
  expectError({{{"id", "b"}, {"nodes", Json::array()}}}, "blocks[0].nodes: must be a non-empty");
  expectError({{{"id", "b"}, {"nodes", {"nope"}}}}, "blocks[0].nodes[0]: no node 'nope'");
  expectError({{{"id", "b"}, {"nodes", {"fc"}}}, {{"id", "c"}, {"nodes", {"act", "fc"}}}},
              "blocks[1].nodes[1]: node 'fc' is already in a block");
  expectError({{{"id", "b"}, {"nodes", {"fc"}}}, {{"id", "b"}, {"nodes", {"act"}}}},
              "blocks[1]: duplicate block id 'b'");
  expectError({{{"id", "head"}, {"nodes", {"fc"}}}}, "blocks[0].id: 'head' is also a node id");
  expectError({{{"id", "b"}, {"nodes", {"fc"}}, {"repeat", 0}}},
              "blocks[0].repeat: must be an integer from 1 to 256, got 0");
  expectError({{{"id", "b"}, {"nodes", {"fc"}}, {"repeat", 2.5}}}, "blocks[0].repeat");
  expectError({{{"id", "b"}, {"nodes", {"fc"}}, {"collapsed", "yes"}}},
              "blocks[0].collapsed: must be true or false");
}

TEST(Blocks, RepeatExpandsIntoChainedCopies) {
  GraphDocument doc = parseOk(mlpWithBlock(3));
  BlockPorts ports = blockPorts(doc, doc.blocks[0]);
  ASSERT_EQ(ports.inputs.size(), 1u);
  EXPECT_EQ(ports.inputs[0].toString(), "fc.in");
  ASSERT_EQ(ports.outputs.size(), 1u);
  EXPECT_EQ(ports.outputs[0].toString(), "act.out");

  auto ex = expandBlocks(doc);
  ASSERT_TRUE(ex.isOk()) << ex.message();
  std::vector<std::string> ids;
  for (const auto& n : ex->flat.nodes) ids.push_back(n.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"x", "hidden.0.fc", "hidden.0.act", "hidden.1.fc",
                                           "hidden.1.act", "hidden.2.fc", "hidden.2.act", "head",
                                           "loss", "y"}));
  std::vector<std::string> edges;
  for (const auto& e : ex->flat.edges) edges.push_back(e.from.toString() + "->" + e.to.toString());
  EXPECT_EQ(edges, (std::vector<std::string>{
                       "x.out->hidden.0.fc.in", "hidden.0.act.out->hidden.1.fc.in",
                       "hidden.1.act.out->hidden.2.fc.in", "hidden.0.fc.out->hidden.0.act.in",
                       "hidden.1.fc.out->hidden.1.act.in", "hidden.2.fc.out->hidden.2.act.in",
                       "hidden.2.act.out->head.in", "head.out->loss.input", "head.out->y.in"}))
      << "copy 0 takes the outside edge, copy k takes copy k-1's carried output";
  EXPECT_EQ(ex->origin.at("hidden.2.act"), "act");
  EXPECT_EQ(ex->copies.at("fc"),
            (std::vector<std::string>{"hidden.0.fc", "hidden.1.fc", "hidden.2.fc"}));
  EXPECT_TRUE(ex->flat.blocks.empty());
}

TEST(Blocks, AnalysisShowsTheTemplateAndCountsEveryCopy) {
  GraphDocument doc = parseOk(mlpWithBlock(3));
  GraphAnalysis ga = analyze(doc);
  ASSERT_TRUE(ga.ok()) << (ga.diagnostics.empty() ? "" : ga.diagnostics[0].message);
  // Copy 0 reads 4 features, the others read 6; each has its own weights.
  EXPECT_EQ(ga.nodes.at("hidden.0.fc").params["in_features"], 4);
  EXPECT_EQ(ga.nodes.at("hidden.1.fc").params["in_features"], 6);
  EXPECT_EQ(ga.totalParameters, (4 * 6 + 6) + 2 * (6 * 6 + 6) + (6 * 2 + 2));
  // The editor asks for the template ids.
  const NodeAnalysis* fc = ga.find("fc");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->params["in_features"], 4);
  EXPECT_EQ(ga.documentNode("hidden.1.fc"), "fc");
  EXPECT_EQ(ga.documentNode("head"), "head");
  // Edge types: inside the block copy 0's, leaving it the last copy's.
  GraphEdge inside{{"fc", "out"}, {"act", "in"}}, leaving{{"act", "out"}, {"head", "in"}};
  ASSERT_TRUE(ga.edgeType(inside));
  EXPECT_EQ(shapeToString(ga.edgeType(inside)->shape), "[B, 6]");
  ASSERT_TRUE(ga.edgeType(leaving));
  EXPECT_EQ(shapeToString(ga.edgeType(leaving)->shape), "[B, 6]");
}

TEST(Blocks, AnErrorInOneCopyIsReportedOnTheCopyAndTheTemplate) {
  // fc fixes in_features 4: copy 0 fits, copy 1 reads 6 features and cannot.
  Json j = mlpWithBlock(2);
  j["nodes"][1]["params"]["in_features"] = 4;
  GraphAnalysis ga = analyze(parseOk(j));
  ASSERT_FALSE(ga.ok());
  ASSERT_EQ(ga.diagnostics.size(), 1u);
  EXPECT_EQ(ga.diagnostics[0].nodeId, "hidden.1.fc");
  EXPECT_NE(ga.diagnostics[0].message.find("in_features is 4"), std::string::npos)
      << ga.diagnostics[0].message;
  const NodeAnalysis* fc = ga.find("fc");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->error.rfind("in copy 1: ", 0), 0u) << fc->error;
  // Model::compile reports the copy.
  auto m = Model::compile(parseOk(j));
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.message().find("node hidden.1.fc: "), std::string::npos) << m.message();
}

TEST(Blocks, BlocksThatCannotRepeatSayWhy) {
  // Holding the loss.
  Json j = mlpWithBlock(2);
  j["blocks"][0]["nodes"] = {"fc", "act", "head", "loss"};
  GraphAnalysis ga = analyze(parseOk(j));
  ASSERT_FALSE(ga.ok());
  EXPECT_EQ(ga.blockErrors.count("hidden"), 1u);
  EXPECT_NE(ga.diagnostics.back().message.find(
                "block 'hidden': a Repeat block cannot hold the MSELoss node 'loss'"),
            std::string::npos)
      << ga.diagnostics.back().message;
  // Shapes still show as if the block ran once.
  EXPECT_FALSE(ga.find("head")->outputs.empty());

  // Nothing leaves the block.
  j = mlpWithBlock(2);
  j["edges"] = {edge("x.out", "fc.in"), edge("fc.out", "act.in")};
  j["nodes"] = {j["nodes"][0], j["nodes"][1], j["nodes"][2]};
  ga = analyze(parseOk(j));
  ASSERT_EQ(ga.blockErrors.count("hidden"), 1u);
  EXPECT_NE(ga.blockErrors.at("hidden").find("nothing flows out of the block"),
            std::string::npos);

  // A block id that cannot name weights.
  j = mlpWithBlock(2);
  j["blocks"][0]["id"] = "2nd";
  ga = analyze(parseOk(j));
  ASSERT_EQ(ga.blockErrors.count("2nd"), 1u);
  auto m = Model::compile(parseOk(j));
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.message().find("block '2nd'"), std::string::npos) << m.message();

  // Repeat 1 is a plain group: anything may be grouped, nothing is expanded.
  j = mlpWithBlock(1);
  j["blocks"][0]["nodes"] = {"x", "fc", "loss"};
  ga = analyze(parseOk(j));
  EXPECT_TRUE(ga.ok());
  EXPECT_TRUE(ga.copies.empty());
  EXPECT_EQ(ga.nodes.count("fc"), 1u);
}

TEST(Blocks, OtherInputsReachEveryCopyAndOutputsLeaveTheLast) {
  // A decoder stack: tgt is carried, memory and its mask go to every copy.
  Json j = base();
  j["nodes"] = {node("t", "Input", {{"shape", {-1, 8}}}), node("m", "Input", {{"shape", {5, 8}}}),
                node("dec", "TransformerDecoderLayer", {{"nhead", 2}, {"dim_feedforward", 16}}),
                node("y", "Output")};
  j["edges"] = {edge("t.out", "dec.tgt"), edge("m.out", "dec.memory"), edge("dec.out", "y.in")};
  j["blocks"] = {{{"id", "stack"}, {"nodes", {"dec"}}, {"repeat", 3}}};
  GraphDocument doc = parseOk(j);
  auto ex = expandBlocks(doc);
  ASSERT_TRUE(ex.isOk()) << ex.message();
  std::vector<std::string> edges;
  for (const auto& e : ex->flat.edges) edges.push_back(e.from.toString() + "->" + e.to.toString());
  EXPECT_EQ(edges, (std::vector<std::string>{
                       "t.out->stack.0.dec.tgt", "stack.0.dec.out->stack.1.dec.tgt",
                       "stack.1.dec.out->stack.2.dec.tgt", "m.out->stack.0.dec.memory",
                       "m.out->stack.1.dec.memory", "m.out->stack.2.dec.memory",
                       "stack.2.dec.out->y.in"}));
  auto model = Model::compile(doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  int decoderWeights = 0;
  for (const auto& p : (*model)->parameters())
    if (p.name.rfind("stack.2.dec.", 0) == 0) ++decoderWeights;
  EXPECT_GT(decoderWeights, 0);
}

// The Repeat block computes what the same graph written out by hand computes: same outputs and
// the same gradients for every copy's weights, which are separate tensors.
TEST(Blocks, RepeatMatchesTheHandWrittenGraph) {
  GraphDocument blockDoc = parseOk(mlpWithBlock(3));
  GraphDocument handDoc = test::makeDoc(
      {node("x", "Input", {{"shape", {4}}}), node("fc0", "Linear", {{"out_features", 6}}),
       node("act0", "Tanh"), node("fc1", "Linear", {{"out_features", 6}}), node("act1", "Tanh"),
       node("fc2", "Linear", {{"out_features", 6}}), node("act2", "Tanh"),
       node("head", "Linear", {{"out_features", 2}}), node("loss", "MSELoss"),
       node("y", "Output")},
      {"x.out->fc0.in", "fc0.out->act0.in", "act0.out->fc1.in", "fc1.out->act1.in",
       "act1.out->fc2.in", "fc2.out->act2.in", "act2.out->head.in", "head.out->loss.input",
       "head.out->y.in"});
  auto blockModel = Model::compile(blockDoc);
  auto handModel = Model::compile(handDoc);
  ASSERT_TRUE(blockModel.isOk()) << blockModel.message();
  ASSERT_TRUE(handModel.isOk()) << handModel.message();
  Model& bm = **blockModel;
  Model& hm = **handModel;
  (void)bm.resetParameters(7);

  // Separate weights: the copies start different.
  std::map<std::string, Tensor> blockParams;
  for (const auto& p : bm.parameters()) blockParams[p.name] = p.tensor;
  ASSERT_EQ(blockParams.size(), 8u);
  ASSERT_EQ(blockParams.count("hidden.1.fc.weight"), 1u);
  EXPECT_NE(values(blockParams.at("hidden.1.fc.weight")),
            values(blockParams.at("hidden.2.fc.weight")));

  auto handKey = [](const std::string& key) {
    if (key.rfind("hidden.", 0) != 0) return key;
    return "fc" + key.substr(7, 1) + key.substr(key.find(".weight") != std::string::npos
                                                    ? key.find(".weight")
                                                    : key.find(".bias"));
  };
  std::map<std::string, Tensor> handParams;
  for (const auto& p : hm.parameters()) handParams[p.name] = p.tensor;
  for (const auto& [key, t] : blockParams) {
    ASSERT_EQ(handParams.count(handKey(key)), 1u) << key << " -> " << handKey(key);
    Tensor h = handParams.at(handKey(key));
    std::copy(t.f32(), t.f32() + t.numel(), h.f32());
  }

  Rng rng(3);
  Tensor x = test::uniformTensor({5, 4}, rng);
  Tensor target = test::uniformTensor({5, 2}, rng);
  ForwardContext ctx;
  auto bo = bm.forward({{"x", x}}, target, ctx);
  auto ho = hm.forward({{"x", x}}, target, ctx);
  ASSERT_TRUE(bo.isOk()) << bo.message();
  ASSERT_TRUE(ho.isOk()) << ho.message();
  EXPECT_EQ(values(bo->outputs.at("y")), values(ho->outputs.at("y")));
  bo->loss.backward();
  ho->loss.backward();
  for (const auto& [key, t] : blockParams) {
    ASSERT_TRUE(t.grad().defined()) << key;
    EXPECT_EQ(values(t.grad()), values(handParams.at(handKey(key)).grad())) << key;
  }
}
