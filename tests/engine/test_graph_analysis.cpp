// Analysis: shape inference, parameter counts, FLOPs, and one diagnostic per problem, on the node
// it belongs to.
#include <gtest/gtest.h>

#include "graph/analysis.h"
#include "graph_test_util.h"

using namespace strata;
using strata::test::makeDoc;
using strata::test::node;

namespace {

std::string shapeOf(const GraphAnalysis& ga, const std::string& id, size_t port = 0) {
  const auto& na = ga.nodes.at(id);
  return port < na.outputs.size() ? shapeToString(na.outputs[port].shape) : "none";
}

// The diagnostics of one node, joined.
std::string problemsOf(const GraphAnalysis& ga, const std::string& id) {
  std::string out;
  for (const auto& d : ga.diagnostics)
    if (d.nodeId == id) out += (out.empty() ? "" : " | ") + d.message;
  return out;
}

std::set<std::string> blamed(const GraphAnalysis& ga) {
  std::set<std::string> ids;
  for (const auto& d : ga.diagnostics) ids.insert(d.nodeId);
  return ids;
}

GraphDocument mlp(Json fc1Params = {{"out_features", 64}}) {
  return makeDoc({node("x", "Input", {{"shape", {32}}}), node("fc1", "Linear", fc1Params),
                  node("act", "ReLU"), node("fc2", "Linear", {{"out_features", 1}}),
                  node("loss", "MSELoss"), node("y", "Output")},
                 {"x.out->fc1.in", "fc1.out->act.in", "act.out->fc2.in", "fc2.out->loss.input",
                  "fc2.out->y.in"});
}

}  // namespace

TEST(Analysis, MlpShapesCountsAndFlops) {
  GraphAnalysis ga = analyze(mlp());
  ASSERT_TRUE(ga.ok()) << problemsOf(ga, "fc1");
  EXPECT_EQ(shapeOf(ga, "x"), "[B, 32]");
  EXPECT_EQ(shapeOf(ga, "fc1"), "[B, 64]");
  EXPECT_EQ(shapeOf(ga, "act"), "[B, 64]");
  EXPECT_EQ(shapeOf(ga, "fc2"), "[B, 1]");
  EXPECT_EQ(shapeOf(ga, "loss"), "[]");
  EXPECT_EQ(ga.nodes.at("fc1").params["in_features"], 32);  // inferred
  EXPECT_EQ(ga.nodes.at("fc1").parameterCount, 2112);       // 32*64 + 64
  EXPECT_EQ(ga.nodes.at("fc2").parameterCount, 65);
  EXPECT_EQ(ga.totalParameters, 2177);
  EXPECT_EQ(ga.nodes.at("fc1").flops, 2 * 32 * 64);
  EXPECT_EQ(ga.nodes.at("act").flops, 64);
  EXPECT_EQ(ga.nodes.at("fc2").flops, 2 * 64);
  EXPECT_EQ(ga.totalFlops, 4096 + 64 + 128 + 3);
  ASSERT_EQ(ga.nodes.at("fc1").parameters.size(), 2u);
  EXPECT_EQ(ga.nodes.at("fc1").parameters[0].first, "weight");
  EXPECT_EQ(ga.nodes.at("fc1").parameters[0].second, (Shape{64, 32}));
  EXPECT_EQ(ga.nodes.at("fc1").parameters[1].first, "bias");
  ASSERT_TRUE(ga.nodes.at("loss").target.has_value());
  EXPECT_EQ(shapeToString(ga.nodes.at("loss").target->shape), "[B, 1]");
  EXPECT_EQ(ga.order, (std::vector<std::string>{"x", "fc1", "act", "fc2", "loss", "y"}));
}

TEST(Analysis, SampleMlpSineIsValid) {
  auto doc = GraphDocument::load(test::sourceDir() + "/samples/mlp-sine.strata");
  ASSERT_TRUE(doc.isOk()) << doc.message();
  GraphAnalysis ga = analyze(*doc);
  ASSERT_TRUE(ga.ok()) << ga.diagnostics.front().nodeId << ": " << ga.diagnostics.front().message;
  EXPECT_EQ(shapeOf(ga, "window"), "[B, 32]");
  EXPECT_EQ(shapeOf(ga, "fc2"), "[B, 1]");
  EXPECT_EQ(ga.totalParameters, 2177);
  EXPECT_EQ(doc->training["data"], "sine");
}

TEST(Analysis, SequenceShapesWithSymbolicLengths) {
  auto doc = makeDoc(
      {node("tokens", "Input", {{"shape", {-1}}, {"dtype", "int64"}}),
       node("emb", "Embedding", {{"num_embeddings", 100}, {"embedding_dim", 64}}),
       node("proj", "Linear", {{"out_features", 64}, {"bias", false}}),
       node("sum", "Add"), node("cat", "Concat"), node("g", "GELU", {{"approximate", "tanh"}}),
       node("pool", "SequencePool", {{"mode", "mean"}}), node("drop", "Dropout", {{"p", 0.1}}),
       node("head", "Linear", {{"out_features", 10}}), node("sm", "Softmax"),
       node("ce", "CrossEntropyLoss"), node("probs", "Output")},
      {"tokens.out->emb.in", "emb.out->proj.in", "emb.out->sum.a", "proj.out->sum.b",
       "sum.out->cat.in0", "emb.out->cat.in1", "cat.out->g.in", "g.out->pool.in",
       "pool.out->drop.in", "drop.out->head.in", "head.out->ce.input", "head.out->sm.in",
       "sm.out->probs.in"});
  GraphAnalysis ga = analyze(doc);
  ASSERT_TRUE(ga.ok()) << ga.diagnostics.front().nodeId << ": " << ga.diagnostics.front().message;
  EXPECT_EQ(ga.nodes.at("tokens").outputs[0].kind, ValueKind::Int64);
  EXPECT_EQ(shapeOf(ga, "tokens"), "[B, T]");
  EXPECT_EQ(shapeOf(ga, "emb"), "[B, T, 64]");
  EXPECT_EQ(shapeOf(ga, "sum"), "[B, T, 64]");
  EXPECT_EQ(shapeOf(ga, "cat"), "[B, T, 128]");
  EXPECT_EQ(shapeOf(ga, "pool"), "[B, 128]");
  EXPECT_EQ(shapeOf(ga, "head"), "[B, 10]");
  EXPECT_EQ(ga.nodes.at("emb").parameterCount, 6400);
  EXPECT_EQ(ga.nodes.at("proj").parameterCount, 4096);
  EXPECT_EQ(ga.nodes.at("head").parameterCount, 1290);
  EXPECT_EQ(ga.nodes.at("proj").flops, 2 * 64 * 64);  // T taken as 1
  EXPECT_EQ(ga.nodes.at("ce").target->kind, ValueKind::Int64);
  EXPECT_EQ(shapeToString(ga.nodes.at("ce").target->shape), "[B]");
}

TEST(Analysis, CrossEntropyPerStepTarget) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {-1, 8}}}),
                      node("fc", "Linear", {{"out_features", 5}}), node("ce", "CrossEntropyLoss")},
                     {"x.out->fc.in", "fc.out->ce.input"});
  GraphAnalysis ga = analyze(doc);
  ASSERT_TRUE(ga.ok());
  EXPECT_EQ(shapeToString(ga.nodes.at("ce").target->shape), "[B, T]");
}

TEST(Analysis, UnknownTypeAndBadParamsBlameTheNodeOnly) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {8}}}), node("c", "Conv9d"),
                      node("fc", "Linear", {{"out_features", -3}}), node("y", "Output"),
                      node("z", "Output")},
                     {"x.out->c.in", "x.out->fc.in", "fc.out->y.in", "c.out->z.in"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "c"), "unknown layer type 'Conv9d'");
  EXPECT_EQ(problemsOf(ga, "fc"), "param 'out_features' must be an integer >= 1, got -3");
  EXPECT_EQ(blamed(ga), (std::set<std::string>{"c", "fc"}));
  EXPECT_EQ(shapeOf(ga, "x"), "[B, 8]");
  EXPECT_EQ(ga.nodes.at("fc").error, "param 'out_features' must be an integer >= 1, got -3");
  EXPECT_TRUE(ga.nodes.at("fc").outputs.empty());
}

TEST(Analysis, PortErrors) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {8}}}), node("a", "ReLU"), node("b", "Tanh"),
                      node("c", "Sigmoid"), node("d", "ReLU")},
                     {"x.out->a.in", "a.outt->b.in", "x.out->c.out", "x.out->d.in", "d.in->b.in"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "a"), "no output port 'outt' (edge a.outt -> b.in); outputs: out");
  EXPECT_EQ(problemsOf(ga, "c"),
            "edge x.out -> c.out ends at output port 'out'; edges end at an input port (in) | "
            "input 'in' is not connected");
  EXPECT_EQ(problemsOf(ga, "d"),
            "edge d.in -> b.in starts at input port 'in'; edges start at an output port (out)");
  EXPECT_EQ(problemsOf(ga, "b"),
            "input port 'in' has 2 edges (from a.outt, d.in); an input port takes one");
  auto unknownIn = analyze(makeDoc({node("x", "Input", {{"shape", {8}}}), node("a", "ReLU")},
                                   {"x.out->a.input", "x.out->a.in"}));
  EXPECT_EQ(problemsOf(unknownIn, "a"), "no input port 'input' (edge x.out -> a.input); inputs: in");
}

TEST(Analysis, TargetPortTakesNoEdgeAndNeedsNone) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {4}}}), node("t", "Input", {{"shape", {4}}}),
                      node("loss", "MSELoss")},
                     {"x.out->loss.input", "t.out->loss.target"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "loss"),
            "port 'target' is fed by the data set's targets and takes no edge (edge t.out -> "
            "loss.target)");
  auto fine = analyze(makeDoc({node("x", "Input", {{"shape", {4}}}), node("loss", "MSELoss")},
                              {"x.out->loss.input"}));
  EXPECT_TRUE(fine.ok());
}

TEST(Analysis, KindMismatch) {
  auto doc = makeDoc({node("tok", "Input", {{"shape", {-1}}, {"dtype", "int64"}}),
                      node("fc", "Linear", {{"out_features", 4}}), node("y", "Output")},
                     {"tok.out->fc.in", "fc.out->y.in"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "fc"), "input 'in' takes float32 but tok.out gives int64 [B, T]");
  EXPECT_EQ(blamed(ga), std::set<std::string>{"fc"});
  auto emb = analyze(makeDoc({node("x", "Input", {{"shape", {3}}}),
                              node("e", "Embedding",
                                   {{"num_embeddings", 5}, {"embedding_dim", 2}})},
                             {"x.out->e.in"}));
  EXPECT_EQ(problemsOf(emb, "e"), "input 'in' takes int64 but x.out gives float32 [B, 3]");
}

TEST(Analysis, RequiredInputsAndMissingLossInput) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {4}}}), node("add", "Add"),
                      node("loss", "CrossEntropyLoss"), node("cat", "Concat"), node("y", "Output")},
                     {"x.out->add.a", "x.out->cat.in0", "x.out->cat.in2", "add.out->y.in"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "add"), "input 'b' is not connected");
  EXPECT_EQ(problemsOf(ga, "loss"), "input 'input' is not connected");
  EXPECT_EQ(problemsOf(ga, "cat"),
            "input 'in1' is not connected: connect in0, in1, ... without gaps");
  EXPECT_EQ(blamed(ga), (std::set<std::string>{"add", "loss", "cat"}));
  EXPECT_EQ(shapeOf(ga, "y"), "none");
  auto one = analyze(makeDoc({node("x", "Input", {{"shape", {4}}}), node("cat", "Concat")},
                             {"x.out->cat.in0"}));
  EXPECT_EQ(problemsOf(one, "cat"), "needs at least two inputs (in0, in1, ...), has 1");
}

TEST(Analysis, NoInputNode) {
  auto doc = makeDoc({node("fc", "Linear", {{"out_features", 4}}), node("loss", "MSELoss")},
                     {"fc.out->loss.input"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "fc"), "input 'in' is not connected (the graph has no Input node)");
  EXPECT_EQ(blamed(ga), std::set<std::string>{"fc"});
  GraphAnalysis empty = analyze(GraphDocument{});
  ASSERT_EQ(empty.diagnostics.size(), 1u);
  EXPECT_EQ(empty.diagnostics[0].nodeId, "");
  EXPECT_EQ(empty.diagnostics[0].message, "the graph is empty: add an Input node");
}

TEST(Analysis, CycleBlamesEveryNodeOnItButNotDownstream) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {4}}}), node("add", "Add"),
                      node("r", "ReLU"), node("t", "Tanh"), node("after", "Sigmoid"),
                      node("y", "Output")},
                     {"x.out->add.a", "add.out->r.in", "r.out->t.in", "t.out->add.b",
                      "t.out->after.in", "after.out->y.in"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(blamed(ga), (std::set<std::string>{"add", "r", "t"}));
  EXPECT_EQ(problemsOf(ga, "add"), "is part of a cycle (add -> r -> t -> add)");
  EXPECT_EQ(problemsOf(ga, "r"), "is part of a cycle (r -> t -> add -> r)");
  EXPECT_EQ(shapeOf(ga, "after"), "none");
  EXPECT_EQ(ga.order.size(), 6u);
  EXPECT_EQ(ga.order.front(), "x");
  auto self = analyze(makeDoc({node("x", "Input", {{"shape", {4}}}), node("add", "Add")},
                              {"x.out->add.a", "add.out->add.b"}));
  EXPECT_EQ(problemsOf(self, "add"), "is part of a cycle (add -> add)");
}

TEST(Analysis, ShapeMismatches) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {-1, 64}}}),
                      node("p", "Linear", {{"out_features", 32}}), node("add", "Add"),
                      node("fc", "Linear", {{"in_features", 16}, {"out_features", 2}}),
                      node("after", "ReLU"), node("y", "Output"), node("pool", "SequencePool"),
                      node("pool2", "SequencePool")},
                     {"x.out->p.in", "x.out->add.a", "p.out->add.b", "x.out->fc.in",
                      "fc.out->after.in", "after.out->y.in", "x.out->pool.in",
                      "pool.out->pool2.in"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "add"),
            "cannot add [B, T, 64] and [B, T, 32]: shapes must broadcast (aligned from the "
            "right, each pair of dims equal or one of them 1)");
  EXPECT_EQ(problemsOf(ga, "fc"), "in_features is 16 but the input has 64 features ([B, T, 64])");
  EXPECT_EQ(problemsOf(ga, "pool2"), "input 'in' must be a sequence [B, T, C], got float32 [B, 64]");
  EXPECT_EQ(blamed(ga), (std::set<std::string>{"add", "fc", "pool2"}));
  EXPECT_EQ(shapeOf(ga, "after"), "none");
  EXPECT_EQ(shapeOf(ga, "pool"), "[B, 64]");
}

TEST(Analysis, OtherShapeRules) {
  auto doc = makeDoc({node("x", "Input", {{"shape", {4, 6}}}), node("s", "Softmax", {{"dim", 3}}),
                      node("s0", "Softmax", {{"dim", 0}}), node("c", "Concat", {{"dim", 1}}),
                      node("ce", "CrossEntropyLoss"), node("v", "Input", {{"shape", {-1, -1}}}),
                      node("z", "Input", {{"shape", {0}}}), node("b", "Add")},
                     {"x.out->s.in", "x.out->s0.in", "x.out->c.in0", "x.out->c.in1",
                      "c.out->ce.input", "x.out->b.a", "x.out->b.b"});
  GraphAnalysis ga = analyze(doc);
  EXPECT_EQ(problemsOf(ga, "s"), "dim 3 is out of range for [B, 4, 6]");
  EXPECT_EQ(problemsOf(ga, "s0"), "dim 0 is the batch dimension; softmax runs over one sample");
  EXPECT_EQ(shapeOf(ga, "c"), "[B, 8, 6]");
  EXPECT_EQ(problemsOf(ga, "ce"), "");
  EXPECT_EQ(shapeToString(ga.nodes.at("ce").target->shape), "[B, 8]");
  EXPECT_EQ(problemsOf(ga, "v"), "shape may mark only one dimension -1 (variable)");
  EXPECT_EQ(problemsOf(ga, "z"), "shape sizes must be >= 1 (or -1), got 0");
  EXPECT_EQ(shapeOf(ga, "b"), "[B, 4, 6]");
}

TEST(Analysis, NodeIdsMustBeIdentifiers) {
  auto doc = makeDoc(Json::array({node("my input", "Input", {{"shape", {4}}})}), {});
  GraphAnalysis ga = analyze(doc);
  EXPECT_NE(problemsOf(ga, "my input").find("id 'my input' must start with a letter"),
            std::string::npos);
}

TEST(Analysis, CanConnect) {
  auto doc = makeDoc({node("tok", "Input", {{"shape", {-1}}, {"dtype", "int64"}}),
                      node("x", "Input", {{"shape", {4}}}), node("a", "ReLU"), node("b", "Tanh"),
                      node("cat", "Concat"), node("loss", "MSELoss")},
                     {"x.out->a.in", "a.out->b.in"});
  auto can = [&](const std::string& from, const std::string& to) {
    return canConnect(doc, GraphEdge{*parseEndpoint(from), *parseEndpoint(to)});
  };
  EXPECT_EQ(can("b.out", "cat.in0"), "");
  EXPECT_EQ(can("b.out", "cat.in7"), "");
  EXPECT_EQ(can("b.out", "loss.input"), "");
  EXPECT_EQ(can("b.out", "a.in"), "'a.in' is already connected (from x.out)");
  EXPECT_EQ(can("b.out", "x.in"), "'x' has no input port 'in'");
  EXPECT_EQ(can("a.in", "cat.in0"), "'a.in' is an input port; start at an output port");
  EXPECT_EQ(can("a.out", "b.out"), "'b.out' is an output port; end at an input port");
  EXPECT_EQ(can("x.out", "loss.target"), "'loss.target' is fed by the data set's targets");
  EXPECT_EQ(can("tok.out", "cat.in0"), "'cat.in0' takes float32 but 'tok.out' gives int64");
  EXPECT_EQ(can("nope.out", "a.in"), "no node 'nope'");
  GraphDocument cyc = doc;
  cyc.edges.erase(cyc.edges.begin());  // free a.in
  EXPECT_EQ(canConnect(cyc, GraphEdge{{"b", "out"}, {"a", "in"}}), "would create a cycle");
  EXPECT_EQ(canConnect(cyc, GraphEdge{{"b", "out"}, {"cat", "in0"}}), "");
}
