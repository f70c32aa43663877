// The general importer's import-time shape arithmetic (Shape, Size, Gather/Slice/Concat of
// shapes, integer Div/Sub, ConstantOfShape, Range, Cast), Expand, Gather and strided Slice of
// computed tensors, on hand-built ONNX graphs: what folds leaves no layer and gives the values
// ONNX defines, the batch stays free where the rule in docs/onnx-import.md says, and what cannot
// be known when importing is refused naming the node.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <set>

#include "onnx_node/onnx_graph_builder.h"

namespace strata {
namespace {

using test::GraphBuilder;

Tensor iota(const Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = static_cast<float>(i);
  return t;
}

std::set<std::string> layerTypes(const OnnxImport& imp) {
  std::set<std::string> types;
  for (const auto& n : imp.doc.nodes) types.insert(n.type);
  return types;
}

// Imports the builder's model, which must bring no weights and write the op with `layer`
// layers, and runs it on X: its one output, or nothing after a reported failure.
std::optional<Tensor> importAndRun(const GraphBuilder& b, const Tensor& x, const char* layer) {
  auto imported = importOnnxBytes(b.bytes());
  if (!imported) {
    ADD_FAILURE() << imported.message();
    return std::nullopt;
  }
  EXPECT_TRUE(imported->weights.empty());
  EXPECT_TRUE(layerTypes(*imported).count(layer)) << "no " << layer << " layer";
  auto outs = test::runImport(*imported, {{"X", x}});
  if (outs.size() != 1) {
    ADD_FAILURE() << outs.size() << " outputs";
    return std::nullopt;
  }
  return outs.begin()->second;
}

const GraphNode* firstOfType(const OnnxImport& imp, const std::string& type) {
  for (const auto& n : imp.doc.nodes)
    if (n.type == type) return &n;
  return nullptr;
}

// Y = (Reshape(X, [XShape[0:2], XShape[2] / 2, -1]) + Cast(Range(0, Size(XShape) - 1, 1)))
//     * ConstantOfShape([Size(XShape) - 1], 0.5)
// with X [2, 3, 4]: the target folds to [2, 3, 2, -1], the Range to [0, 1], the ConstantOfShape
// to [0.5, 0.5]; only Reshape, Constant, Add and Mul layers remain.
GraphBuilder shapeArithmetic(const Shape& xShape) {
  GraphBuilder b;
  b.input("X", xShape);
  b.ints("two", {2}, {});
  b.ints("one", {1}, {});
  b.ints("zero", {0}, {});
  b.ints("starts", {0}, {1});
  b.ints("ends", {2}, {1});
  b.ints("minus_one", {-1}, {1});
  b.ints("axes0", {0}, {1});
  b.node("Shape", {"X"}, "XShape");
  b.node("Size", {"XShape"}, "Rank");
  b.node("Gather", {"XShape", "two"}, "Last");
  b.node("Div", {"Last", "two"}, "Half");
  b.node("Unsqueeze", {"Half", "axes0"}, "Half1D");
  b.node("Slice", {"XShape", "starts", "ends"}, "Lead");
  b.node("Concat", {"Lead", "Half1D", "minus_one"}, "Target");
  GraphBuilder::intAttr(b.graph()->mutable_node(b.graph()->node_size() - 1), "axis", 0);
  b.node("Reshape", {"X", "Target"}, "R", "reshape_x");
  b.node("Sub", {"Rank", "one"}, "RankM1");
  b.node("Range", {"zero", "RankM1", "one"}, "Steps");
  GraphBuilder::intAttr(b.node("Cast", {"Steps"}, "StepsF"), "to", onnx::TensorProto::FLOAT);
  b.node("Add", {"R", "StepsF"}, "Shifted");
  b.node("Unsqueeze", {"RankM1", "axes0"}, "HalfShape");
  onnx::TensorProto half;
  half.set_data_type(onnx::TensorProto::FLOAT);
  half.add_dims(1);
  half.add_float_data(0.5f);
  GraphBuilder::tensorAttr(b.node("ConstantOfShape", {"HalfShape"}, "Halves"), "value", half);
  b.node("Mul", {"Shifted", "Halves"}, "Y");
  b.output("Y", {xShape[0], 3, 2, 2});
  return b;
}

TEST(OnnxShapeFolding, ShapeArithmeticFoldsAndTheBatchStaysFree) {
  auto imported = importOnnxBytes(shapeArithmetic({2, 3, 4}).bytes());
  ASSERT_TRUE(imported) << imported.message();
  EXPECT_EQ(layerTypes(*imported),
            (std::set<std::string>{"Input", "Reshape", "Constant", "Add", "Mul", "Output"}));
  // The folded batch size (2) reaches the Reshape at the batch's place: written 0, kept free.
  const GraphNode* reshape = firstOfType(*imported, "Reshape");
  ASSERT_NE(reshape, nullptr);
  EXPECT_EQ(reshape->params.at("shape"), Json::array({0, 3, 2, 2}));
  for (int64_t batch : {2, 5}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const Tensor x = iota({batch, 3, 4});
    auto outs = test::runImport(*imported, {{"X", x}});
    ASSERT_EQ(outs.size(), 1u);
    const Tensor& y = outs.begin()->second;
    ASSERT_EQ(y.shape(), (Shape{batch, 3, 2, 2}));
    for (int64_t i = 0; i < y.numel(); ++i)  // (x + [0, 1] along the last dim) * 0.5
      EXPECT_FLOAT_EQ(y.f32()[i], (x.f32()[i] + static_cast<float>(i % 2)) * 0.5f) << i;
  }
}

// Shape of an input whose batch has no declared size (a dim_param) cannot be read when
// importing: refused naming the node, the dim and why. Shape with start=1 reads only known dims.
TEST(OnnxShapeFolding, AShapeThatIsUnknownWhenImportingIsRefusedNamingTheNode) {
  auto refused = importOnnxBytes(shapeArithmetic({-1, 3, 4}).bytes());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("node 'XShape' (Shape): dim 0 of 'X' (the batch) has no size "
                                   "known when importing"),
            std::string::npos)
      << refused.message();

  GraphBuilder b;
  b.input("X", {-1, 3, 4});
  b.ints("minus_one", {-1}, {1});
  GraphBuilder::intAttr(b.node("Shape", {"X"}, "Features"), "start", 1);
  auto* cat = b.node("Concat", {"minus_one", "Features"}, "Target");
  GraphBuilder::intAttr(cat, "axis", 0);
  b.node("Reshape", {"X", "Target"}, "Y");
  b.output("Y", {-1, 3, 4});
  auto imported = importOnnxBytes(b.bytes());
  ASSERT_TRUE(imported) << imported.message();
  auto outs = test::runImport(*imported, {{"X", iota({5, 3, 4})}});
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs.begin()->second.shape(), (Shape{5, 3, 4}));
}

// ConstantOfShape of a shape computed when the model runs has no layer: refused naming it.
TEST(OnnxShapeFolding, ConstantOfShapeOfAComputedShapeIsRefused) {
  GraphBuilder b;
  b.input("X", {2, 3});
  b.input("dims", {2}, onnx::TensorProto::INT64);
  b.node("ConstantOfShape", {"dims"}, "Zeros", "make_zeros");
  b.node("Add", {"X", "Zeros"}, "Y");
  b.output("Y", {2, 3});
  auto r = importOnnxBytes(b.bytes());
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("node 'make_zeros' (ConstantOfShape): its inputs are computed when "
                             "the model runs"),
            std::string::npos)
      << r.message();
}

// Expand of a computed tensor: copies joined by Concat, no weight; numpy broadcasting both ways
// (the input's [*, 1, 3] against the target's [4, 1]), exact values.
TEST(OnnxShapeFolding, ExpandOfAComputedTensorCopiesWithoutWeights) {
  GraphBuilder b;
  b.input("X", {2, 1, 3});
  b.ints("target", {4, 1}, {2});
  b.node("Expand", {"X", "target"}, "Y");
  b.output("Y", {2, 4, 3});
  const Tensor x = iota({2, 1, 3});
  const auto out = importAndRun(b, x, "Concat");
  ASSERT_TRUE(out);
  const Tensor& y = *out;
  ASSERT_EQ(y.shape(), (Shape{2, 4, 3}));
  for (int64_t b0 = 0; b0 < 2; ++b0)
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t c = 0; c < 3; ++c)
        EXPECT_EQ(y.f32()[(b0 * 4 + r) * 3 + c], x.f32()[b0 * 3 + c]);
}

// Gather of a computed tensor at constant indices: Slices of consecutive runs joined by Concat;
// a scalar index drops the axis (the last step of a sequence).
TEST(OnnxShapeFolding, GatherOfAComputedTensorAtConstantIndices) {
  for (bool scalar : {false, true}) {
    SCOPED_TRACE(scalar ? "scalar index" : "index vector");
    GraphBuilder b;
    b.input("X", {2, 5, 3});
    if (scalar) b.ints("idx", {-1}, {});
    else b.ints("idx", {4, 0, 1}, {3});
    GraphBuilder::intAttr(b.node("Gather", {"X", "idx"}, "Y"), "axis", 1);
    b.output("Y", scalar ? Shape{2, 3} : Shape{2, 3, 3});
    const Tensor x = iota({2, 5, 3});
    const auto out = importAndRun(b, x, "Slice");
    ASSERT_TRUE(out);
    const Tensor& y = *out;
    const std::vector<int64_t> picks = scalar ? std::vector<int64_t>{4}
                                              : std::vector<int64_t>{4, 0, 1};
    ASSERT_EQ(y.shape(), scalar ? (Shape{2, 3}) : (Shape{2, 3, 3}));
    int64_t o = 0;
    for (int64_t b0 = 0; b0 < 2; ++b0)
      for (int64_t p : picks)
        for (int64_t c = 0; c < 3; ++c, ++o) EXPECT_EQ(y.f32()[o], x.f32()[(b0 * 5 + p) * 3 + c]);
  }
}

// Slice of a computed tensor with a step other than 1: the positions follow ONNX's rule
// (negative bounds count from the end, INT64 extremes mean "to the end", clamping differs by
// direction), written here from the rule, not from Strata.
TEST(OnnxShapeFolding, SliceWithStepsPicksThePositionsOnnxDefines) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  struct Case {
    int64_t start, end, step;
    std::vector<int64_t> picks;
  };
  const Case cases[] = {{1, kMax, 2, {1, 3, 5}},    {-1, kMin, -3, {6, 3, 0}},
                        {5, 1, -2, {5, 3}},          {100, -100, -1, {6, 5, 4, 3, 2, 1, 0}},
                        {0, 7, 3, {0, 3, 6}},        {-2, -6, -1, {5, 4, 3, 2}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.start) + ":" + std::to_string(c.end) + ":" +
                 std::to_string(c.step));
    GraphBuilder b;
    b.input("X", {2, 7, 3});
    b.ints("starts", {c.start}, {1});
    b.ints("ends", {c.end}, {1});
    b.ints("axes", {1}, {1});
    b.ints("steps", {c.step}, {1});
    b.node("Slice", {"X", "starts", "ends", "axes", "steps"}, "Y");
    const int64_t k = static_cast<int64_t>(c.picks.size());
    b.output("Y", {2, k, 3});
    const Tensor x = iota({2, 7, 3});
    const auto out = importAndRun(b, x, "Slice");
    ASSERT_TRUE(out);
    const Tensor& y = *out;
    ASSERT_EQ(y.shape(), (Shape{2, k, 3}));
    int64_t o = 0;
    for (int64_t b0 = 0; b0 < 2; ++b0)
      for (int64_t p : c.picks)
        for (int64_t col = 0; col < 3; ++col, ++o)
          EXPECT_EQ(y.f32()[o], x.f32()[(b0 * 7 + p) * 3 + col]);
  }
  GraphBuilder b;  // a step of 0 is refused naming the node (ONNX's own check catches it first)
  b.input("X", {2, 7});
  b.ints("starts", {0}, {1});
  b.ints("ends", {7}, {1});
  b.ints("axes", {1}, {1});
  b.ints("steps", {0}, {1});
  b.node("Slice", {"X", "starts", "ends", "axes", "steps"}, "Y", "still");
  b.output("Y", {2, 7});
  auto r = importOnnxBytes(b.bytes());
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("node name: still"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("'step' cannot be 0"), std::string::npos) << r.message();
}

// An op Strata has no mapping for is named with its node, the unnamed one by what it computes,
// before the ONNX checker could report it in its own words.
TEST(OnnxShapeFolding, AnUnsupportedOpIsRefusedNamingItsNode) {
  for (const std::string name : {"", "pool1"}) {
    GraphBuilder b;
    b.input("X", {2, 4, 6});
    auto* node = b.node("GlobalAveragePool", {"X"}, "pooled", name);
    if (name.empty()) node->clear_name();  // the builder names a node after its output
    b.output("pooled", {2, 4, 1});
    auto r = importOnnxBytes(b.bytes());
    ASSERT_FALSE(r);
    const std::string who = name.empty() ? "the GlobalAveragePool node computing 'pooled'"
                                         : "node 'pool1' (GlobalAveragePool)";
    EXPECT_EQ(r.message().rfind(who + ": unsupported ONNX op 'GlobalAveragePool'", 0), 0u)
        << r.message();
  }
}

// What would take more than 256 copies or Slices to write is refused naming the node: the
// imported graph has to stay one a person can edit.
TEST(OnnxShapeFolding, ExpandAndGatherBeyondAnEditableGraphAreRefused) {
  {
    GraphBuilder b;
    b.input("X", {2, 1});
    b.ints("target", {2, 1000}, {2});
    b.node("Expand", {"X", "target"}, "Y", "wide");
    b.output("Y", {2, 1000});
    auto r = importOnnxBytes(b.bytes());
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("node 'wide' (Expand): growing dim 1 from 1 to 1000"),
              std::string::npos)
        << r.message();
  }
  {
    std::vector<int64_t> every2nd;
    for (int64_t i = 0; i < 600; i += 2) every2nd.push_back(i);
    GraphBuilder b;
    b.input("X", {2, 600});
    b.ints("idx", every2nd, {int64_t(every2nd.size())});
    GraphBuilder::intAttr(b.node("Gather", {"X", "idx"}, "Y", "strided"), "axis", 1);
    b.output("Y", {2, int64_t(every2nd.size())});
    auto r = importOnnxBytes(b.bytes());
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("node 'strided' (Gather): the positions picked along dim 1 form "
                               "more than 256 runs"),
              std::string::npos)
        << r.message();
  }
}

}  // namespace
}  // namespace strata
