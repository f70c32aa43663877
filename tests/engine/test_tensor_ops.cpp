// Central-difference gradient checks for the numpy-semantics ops behind the tensor layers (Permute,
// Reshape's view, MatMul with broadcast batch dims, broadcasting Add/Sub/Mul/Div, expand, Reduce
// mean/sum/max, every Elementwise function), and the layers themselves through a compiled graph:
// the analytic gradient of L = sum(w * op(x)) against (L(x + e) - L(x - e)) / 2e, L accumulated in
// double, tolerance |analytic - numeric| <= 1e-3 + 1e-2 |numeric| (as test_ops_gradcheck.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include "core/rng.h"
#include "graph/document.h"
#include "graph/model.h"
#include "ops/ops.h"
#include "tensor/autograd.h"
#include "gradcheck_util.h"

using namespace strata;
using namespace strata::test;

namespace {

// A tensor whose values are positive (log, sqrt, reciprocal, division).
Tensor positive(const Shape& s, Rng& rng) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = 0.5f + rng.uniform();
  return t;
}

}  // namespace

TEST(TensorOpsGradcheck, BroadcastingBinaryOps) {
  Rng r(11);
  const std::pair<ops::BinaryKind, const char*> kinds[] = {
      {ops::BinaryKind::Add, "add"}, {ops::BinaryKind::Sub, "sub"},
      {ops::BinaryKind::Mul, "mul"}, {ops::BinaryKind::Div, "div"}};
  for (const auto& [kind, name] : kinds) {
    const ops::BinaryKind k = kind;
    gradcheck(std::string(name) + " [2,3,4] (op) [3,1]",
              [k](const auto& x) { return ops::binaryOp(k, x[0], x[1]); },
              {randn({2, 3, 4}, r), positive({3, 1}, r)});
    gradcheck(std::string(name) + " [2,1,4] (op) [3,1]",
              [k](const auto& x) { return ops::binaryOp(k, x[0], x[1]); },
              {randn({2, 1, 4}, r), positive({3, 1}, r)});
  }
  gradcheck("expand [3,1] -> [2,3,4]",
            [](const auto& x) { return ops::expand(x[0], {2, 3, 4}); }, {randn({3, 1}, r)});
  EXPECT_THROW(ops::binaryOp(ops::BinaryKind::Add, randn({2, 3}, r), randn({4}, r)),
               std::invalid_argument);
}

TEST(TensorOpsGradcheck, PermuteMatMulReduce) {
  Rng r(12);
  gradcheck("permute [1,2,0]", [](const auto& x) { return ops::permute(x[0], {1, 2, 0}); },
            {randn({2, 3, 4}, r)});
  gradcheck("batchMatmul [2,1,3,4]@[3,4,2]",
            [](const auto& x) { return ops::batchMatmul(x[0], x[1]); },
            {randn({2, 1, 3, 4}, r), randn({3, 4, 2}, r)});
  gradcheck("batchMatmul [2,3,4]@[2,4,5]",
            [](const auto& x) { return ops::batchMatmul(x[0], x[1]); },
            {randn({2, 3, 4}, r), randn({2, 4, 5}, r)});
  gradcheck("reduce mean dims {0,2} keep",
            [](const auto& x) { return ops::reduceDims(x[0], {0, 2}, true, true); },
            {randn({2, 3, 4}, r)});
  gradcheck("reduce sum dim -1",
            [](const auto& x) { return ops::reduceDims(x[0], {-1}, false, false); },
            {randn({2, 3, 4}, r)});
  gradcheck("reduce max dim 1", [](const auto& x) { return ops::reduceMaxDims(x[0], {1}, false); },
            {separated({2, 3, 4}, r)});
  gradcheck("reduce max all keep", [](const auto& x) { return ops::reduceMaxDims(x[0], {}, true); },
            {separated({2, 3}, r)});
  EXPECT_THROW(ops::permute(randn({2, 3}, r), {0, 0}), std::invalid_argument);
  EXPECT_THROW(ops::batchMatmul(randn({2, 3}, r), randn({4, 2}, r)), std::invalid_argument);
}

TEST(TensorOpsGradcheck, ElementwiseFunctions) {
  Rng r(13);
  const std::pair<ops::UnaryKind, const char*> fns[] = {
      {ops::UnaryKind::Exp, "exp"}, {ops::UnaryKind::Log, "log"},
      {ops::UnaryKind::Sqrt, "sqrt"}, {ops::UnaryKind::Reciprocal, "reciprocal"},
      {ops::UnaryKind::Abs, "abs"}, {ops::UnaryKind::Neg, "neg"}, {ops::UnaryKind::Erf, "erf"},
      {ops::UnaryKind::Softplus, "softplus"}, {ops::UnaryKind::Softsign, "softsign"},
      {ops::UnaryKind::Elu, "elu"}, {ops::UnaryKind::LeakyRelu, "leaky_relu"},
      {ops::UnaryKind::Selu, "selu"}};
  for (const auto& [kind, name] : fns) {
    const ops::UnaryKind k = kind;
    const bool pos = k == ops::UnaryKind::Log || k == ops::UnaryKind::Sqrt ||
                     k == ops::UnaryKind::Reciprocal;
    gradcheck(name, [k](const auto& x) { return ops::unaryOp(k, x[0], 0.3f); },
              {pos ? positive({3, 4}, r) : separated({3, 4}, r)});
  }
  // Values, not only slopes: a few points against the formulas.
  Tensor x = Tensor::fromVector({3}, std::vector<float>{-2.0f, 0.5f, 3.0f});
  Tensor elu = ops::unaryOp(ops::UnaryKind::Elu, x, 1.5f);
  EXPECT_NEAR(elu.f32()[0], 1.5 * std::expm1(-2.0), 1e-6);
  EXPECT_NEAR(elu.f32()[2], 3.0, 1e-6);
  Tensor lr = ops::unaryOp(ops::UnaryKind::LeakyRelu, x, 0.1f);
  EXPECT_NEAR(lr.f32()[0], -0.2, 1e-6);
  Tensor sp = ops::unaryOp(ops::UnaryKind::Softplus, x);
  EXPECT_NEAR(sp.f32()[1], std::log1p(std::exp(0.5)), 1e-6);
}

namespace {

Result<std::unique_ptr<Model>> compileJson(const std::string& json) {
  auto doc = GraphDocument::parse(json);
  if (!doc) return Result<std::unique_ptr<Model>>::error(doc.message());
  return Model::compile(*doc);
}

std::string chain(const std::string& inShape, const std::string& nodes,
                  const std::string& edges) {
  return R"({"format": "strata-graph", "version": 1, "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": )" + inShape + R"(}},
    {"id": "y", "type": "Output"}, )" + nodes + R"(], "edges": [)" + edges + "]}";
}

}  // namespace

// The layers through a compiled graph: a sequence-first input made batch-first by Permute,
// split into heads by Reshape, scored by MatMul against a Constant, normalised by LogSoftmax,
// reduced, sliced and passed through an Elementwise function; the result equals the ops
// composed by hand, and the gradient reaches the Constant.
TEST(TensorLayers, AGraphOfTheNewLayersComputesTheComposedOps) {
  const std::string json = chain("[2, 6]",
      R"({"id": "p", "type": "Permute", "params": {"dims": [1, 0, 2]}},
         {"id": "r", "type": "Reshape", "params": {"shape": [0, 0, 2, 3]}},
         {"id": "w", "type": "Constant", "params": {"shape": [3, 4]}},
         {"id": "mm", "type": "MatMul"},
         {"id": "ls", "type": "LogSoftmax", "params": {"dim": -1}},
         {"id": "red", "type": "Reduce", "params": {"mode": "max", "dims": [2]}},
         {"id": "sl", "type": "Slice", "params": {"dim": -1, "start": 1, "end": 3}},
         {"id": "ex", "type": "Elementwise", "params": {"function": "exp"}},
         {"id": "d", "type": "Div"})",
      R"({"from": "x.out", "to": "p.in"}, {"from": "p.out", "to": "r.in"},
         {"from": "r.out", "to": "mm.a"}, {"from": "w.out", "to": "mm.b"},
         {"from": "mm.out", "to": "ls.in"}, {"from": "ls.out", "to": "red.in"},
         {"from": "red.out", "to": "sl.in"}, {"from": "sl.out", "to": "ex.in"},
         {"from": "ex.out", "to": "d.a"}, {"from": "sl.out", "to": "d.b"},
         {"from": "d.out", "to": "y.in"})");
  auto m = compileJson(json);
  ASSERT_TRUE(m) << m.message();
  EXPECT_EQ(shapeToString((*m)->analysis().nodes.at("d").outputs.at(0).shape), "[2, B, 2]");
  Rng r(5);
  (*m)->resetParameters(3);
  Tensor w;
  for (const auto& p : (*m)->parameters())
    if (p.name == "w.value") w = p.tensor;
  ASSERT_TRUE(w.defined());
  w.copyFrom(randn({3, 4}, r));
  Tensor x = randn({3, 2, 6}, r);  // batch 3 (sequence-first: [T=3, N=2, 6])
  ForwardContext ctx;
  auto out = (*m)->forward({{"x", x}}, Tensor(), ctx);
  ASSERT_TRUE(out) << out.message();
  Tensor want;
  {
    NoGradGuard g;
    Tensor h = ops::permute(x, {1, 0, 2}).reshape({2, 3, 2, 3});
    Tensor s = ops::reduceMaxDims(ops::logSoftmax(ops::batchMatmul(h, w), -1), {2}, false);
    Tensor c = ops::slice(s, 2, 1, 3);
    want = ops::binaryOp(ops::BinaryKind::Div, ops::unaryOp(ops::UnaryKind::Exp, c), c);
  }
  Tensor got = out->outputs.at("y");
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_FLOAT_EQ(got.f32()[i], want.f32()[i]) << i;
  got.backward(Tensor::full(got.shape(), 1.0f));
  ASSERT_TRUE(w.grad().defined());
  double norm = 0;
  for (int64_t i = 0; i < w.grad().numel(); ++i) norm += std::fabs(w.grad().f32()[i]);
  EXPECT_GT(norm, 0.0) << "no gradient reached the Constant";
}

TEST(TensorLayers, ShapeRulesRefuseWithAReason) {
  auto one = [](const std::string& node) {
    const std::string edges =
        R"({"from": "x.out", "to": "l.in"}, {"from": "l.out", "to": "y.in"})";
    return compileJson(chain("[4, 6]", node, edges));
  };
  auto bad = one(R"({"id": "l", "type": "Permute", "params": {"dims": [0, 2, 2]}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("dims must be a permutation"), std::string::npos) << bad.message();
  bad = one(R"({"id": "l", "type": "Reshape", "params": {"shape": [0, 5, -1]}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("do not divide"), std::string::npos) << bad.message();
  bad = one(R"({"id": "l", "type": "Slice", "params": {"dim": 1, "start": 2, "end": 9}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("beyond dim"), std::string::npos) << bad.message();
  EXPECT_TRUE(one(R"({"id": "l", "type": "Reshape", "params": {"shape": [0, -1]}})"));
  auto mm = compileJson(chain("[4, 6]",
      R"({"id": "c", "type": "Constant", "params": {"shape": [5, 2]}},
         {"id": "l", "type": "MatMul"})",
      R"({"from": "x.out", "to": "l.a"}, {"from": "c.out", "to": "l.b"},
         {"from": "l.out", "to": "y.in"})"));
  ASSERT_FALSE(mm);
  EXPECT_NE(mm.message().find("has 6 columns but b"), std::string::npos) << mm.message();
}
