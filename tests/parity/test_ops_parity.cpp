// Parity of every op in engine/ops with PyTorch 1.13: forward outputs and the gradients of every
// float input, on several shapes per op (edge sizes included). All cases go to one Python run
// (tests/parity/torch_ops.py) through raw .bin files and a JSON manifest. Every element must lie
// within the fp32 rule's bound (docs/numerics.md, tests/common/fp32_rule.h) of the float64
// reference; PyTorch's own float32 result is measured by the same rule and reported beside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/testenv.h"
#include "core/rng.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

using namespace strata;
using nlohmann::json;

namespace {

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Case {
  std::string name, op;
  json params;
  std::vector<Tensor> inputs;  // float inputs are differentiated unless listed in noGrad
  std::vector<int> noGrad;
  OpFn fn;
  int64_t reduction = 1;  // K: the longest sum behind any compared element
  double scale = 0;       // the largest RMS of a float input or the upstream gradient
  // Engine results.
  Tensor out, gradOut;
  std::vector<Tensor> grads;  // per input; undefined for int64 / noGrad inputs
};

// One compared tensor: the engine's and PyTorch fp32's verdicts under the fp32 rule.
struct Result {
  std::string what;
  test::Fp32Verdict engine, torch32;
  bool ok() const { return engine.ok(); }
};

struct Worst {
  double ratio = 0, torch32 = 0;
  std::string where = "-";
  int cases = 0;
};

Tensor randn(const Shape& s, Rng& rng, float scale = 1.0f) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = scale * rng.normal();
  return t;
}

Tensor randint(const Shape& s, Rng& rng, int64_t n) {
  Tensor t = Tensor::empty(s, DType::Int64);
  for (int64_t i = 0; i < t.numel(); ++i) t.i64()[i] = static_cast<int64_t>(rng.below(n));
  return t;
}

void writeBin(const std::string& path, const Tensor& t) {
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(t.raw()), t.bytes());
}

bool readBin(const std::string& path, Tensor& t) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  return static_cast<size_t>(in.gcount()) == t.bytes();
}

double rms(const Tensor& t) { return test::rootMeanSquare(t.f32(), t.numel()); }

json shapeJson(const Shape& s) { return json(s); }

class OpsParity : public ::testing::Test {
 protected:
  static std::vector<Case>& cases() {
    static std::vector<Case> c;
    return c;
  }
  static std::string& setupError() {
    static std::string e;
    return e;
  }
  static std::map<std::string, Worst>& worst() {
    static std::map<std::string, Worst> w;
    return w;
  }

  // K defaults to the largest input's size, which bounds every sum an op performs; ops whose
  // sums are shorter (matmul, linear) pass their own.
  static void add(const std::string& op, json params, std::vector<Tensor> inputs, OpFn fn,
                  std::vector<int> noGrad = {}, int64_t reduction = 0) {
    Case c;
    for (const Tensor& t : inputs) c.reduction = std::max(c.reduction, t.numel());
    if (reduction > 0) c.reduction = reduction;
    c.name = op + "_" + std::to_string(cases().size());
    c.op = op;
    c.params = std::move(params);
    c.inputs = std::move(inputs);
    c.noGrad = std::move(noGrad);
    c.fn = std::move(fn);
    cases().push_back(std::move(c));
  }

  static void buildCases();

  static void SetUpTestSuite() {
    buildCases();
    Rng rng(7);
    test::ScratchDir dir("strata-ops-parity");
    json manifest;
    manifest["cases"] = json::array();
    for (Case& c : cases()) {
      // Engine side: fresh leaves, forward, backward with a random upstream gradient.
      std::vector<Tensor> leaves;
      json inputs = json::array();
      for (size_t i = 0; i < c.inputs.size(); ++i) {
        Tensor leaf = c.inputs[i].clone();
        const bool grad = leaf.dtype() == DType::Float32 &&
                          std::find(c.noGrad.begin(), c.noGrad.end(), int(i)) == c.noGrad.end();
        if (grad) leaf.setRequiresGrad();
        leaves.push_back(leaf);
        const std::string file = c.name + ".in" + std::to_string(i) + ".bin";
        writeBin(dir.file(file), leaf);
        inputs.push_back({{"file", file},
                          {"shape", shapeJson(leaf.shape())},
                          {"dtype", dtypeName(leaf.dtype())},
                          {"grad", grad}});
      }
      try {
        c.out = c.fn(leaves);
      } catch (const std::exception& e) {
        setupError() += c.name + " threw: " + e.what() + "\n";
        continue;
      }
      c.gradOut = randn(c.out.shape(), rng);
      for (const Tensor& t : c.inputs)
        if (t.dtype() == DType::Float32) c.scale = std::max(c.scale, rms(t));
      c.scale = std::max(c.scale, rms(c.gradOut));
      if (c.out.requiresGrad()) c.out.backward(c.gradOut);
      for (size_t i = 0; i < leaves.size(); ++i) {
        Tensor g;
        if (leaves[i].requiresGrad())
          g = leaves[i].grad().defined() ? leaves[i].grad() : Tensor::zeros(leaves[i].shape());
        c.grads.push_back(g);
      }
      const std::string gfile = c.name + ".gradOut.bin";
      writeBin(dir.file(gfile), c.gradOut);
      manifest["cases"].push_back({{"name", c.name},
                                   {"op", c.op},
                                   {"reduction", c.reduction},
                                   {"params", c.params},
                                   {"inputs", inputs},
                                   {"gradOut",
                                    {{"file", gfile},
                                     {"shape", shapeJson(c.gradOut.shape())},
                                     {"dtype", "float32"}}}});
    }
    test::writeText(dir.file("manifest.json"), manifest.dump(1));
    const std::string script = test::sourceDir() + "/tests/parity/torch_ops.py";
    const auto r = test::run("'" + test::python() + "' '" + script + "' '" + dir.path().string() +
                             "'");
    if (r.exitCode != 0) {
      setupError() += "PyTorch reference failed (exit " + std::to_string(r.exitCode) + ") with " +
                      test::python() + " " + script +
                      ". It needs /usr/bin/python3 with torch 1.13 and numpy (scripts/setup.sh " +
                      "installs python3-torch):\n" + r.output;
      return;
    }
    std::printf("%s", r.output.c_str());
    // STRATA_PARITY_KEEP=DIR keeps the inputs, references and manifest for a closer look.
    if (const char* keep = std::getenv("STRATA_PARITY_KEEP")) {
      for (Case& c : cases())
        if (c.out.defined()) {
          writeBin(dir.file(c.name + ".engine.out.bin"), c.out);
          for (size_t i = 0; i < c.grads.size(); ++i)
            if (c.grads[i].defined())
              writeBin(dir.file(c.name + ".engine.grad" + std::to_string(i) + ".bin"),
                       c.grads[i]);
        }
      std::filesystem::copy(dir.path(), keep, std::filesystem::copy_options::recursive |
                                                  std::filesystem::copy_options::overwrite_existing);
    }
    // Compare everything now: the scratch dir goes away with this scope.
    for (Case& c : cases()) {
      if (!c.out.defined()) continue;
      Worst& w = worst()[c.op];
      ++w.cases;
      auto check = [&](const Tensor& mine, const std::string& stem, const std::string& what) {
        Result r;
        r.what = c.name + " " + what + " " + shapeToString(mine.shape());
        std::vector<double> ref, spread;
        Tensor torch32 = Tensor::empty(mine.shape());
        if (!test::readReference(dir.file(stem), mine.numel(), ref, spread) ||
            !readBin(dir.file(stem + ".bin"), torch32)) {
          r.engine.ratio = std::numeric_limits<double>::infinity();
          r.engine.at = 0;
        } else {
          r.engine = test::checkFp32(mine.f32(), ref.data(), spread.data(), mine.numel(),
                                     c.reduction, 1.0, c.scale);
          r.torch32 = test::checkFp32(torch32.f32(), ref.data(), spread.data(), mine.numel(),
                                      c.reduction, 1.0, c.scale);
        }
        if (r.engine.ratio > w.ratio || w.where == "-") {
          w.ratio = r.engine.ratio;
          w.where = r.what;
        }
        w.torch32 = std::max(w.torch32, r.torch32.ratio);
        results()[c.op].push_back(r);
      };
      check(c.out, c.name + ".out", "output");
      for (size_t i = 0; i < c.grads.size(); ++i)
        if (c.grads[i].defined())
          check(c.grads[i], c.name + ".grad" + std::to_string(i), "grad" + std::to_string(i));
    }
  }

  // The ratios are |error| / bound (<= 1 passes): how close each op came to the fp32 bound, and
  // how close PyTorch's own float32 result came to it.
  static void TearDownTestSuite() {
    std::printf("\nOps parity vs float64 (worst |error| / fp32 bound per op; PyTorch fp32 "
                "beside):\n");
    for (const auto& [op, w] : worst())
      std::printf("  %-13s %2d cases  engine %.3f  torch fp32 %.3f  (%s)\n", op.c_str(), w.cases,
                  w.ratio, w.torch32, w.where.c_str());
  }

  static std::map<std::string, std::vector<Result>>& results() {
    static std::map<std::string, std::vector<Result>> r;
    return r;
  }

  void expectOp(const std::string& op) {
    ASSERT_TRUE(setupError().empty()) << setupError();
    const auto& rs = results()[op];
    ASSERT_FALSE(rs.empty()) << "no parity results for " << op;
    for (const Result& r : rs)
      EXPECT_TRUE(r.ok()) << op << ": " << r.engine.describe(r.what);
  }
};

void OpsParity::buildCases() {
  Rng rng(2024);
  // Dense.
  struct MM {
    Shape a, b;
    bool ta, tb;
  };
  for (const MM& m : std::vector<MM>{{{3, 4}, {4, 5}, false, false},
                                     {{1, 1}, {1, 1}, false, false},
                                     {{2, 3, 4}, {2, 4, 5}, false, false},
                                     {{2, 3, 4}, {4, 5}, false, false},
                                     {{2, 4, 3}, {4, 5}, true, false},
                                     {{3, 4}, {5, 4}, false, true},
                                     {{2, 2, 4, 3}, {2, 2, 5, 4}, true, true},
                                     {{1, 7, 16}, {16, 1}, false, false},
                                     {{3, 1, 6}, {6, 9}, false, false},
                                     {{4, 32, 64}, {64, 48}, false, false},
                                     {{4, 64, 32}, {4, 48, 64}, true, true}})
    // Sums: the inner dimension (forward), each output dimension (dA, dB), and the batch when
    // B is broadcast over it (dB): at most every dimension times the batch.
    add("matmul", {{"transA", m.ta}, {"transB", m.tb}}, {randn(m.a, rng), randn(m.b, rng)},
        [m](const std::vector<Tensor>& x) { return ops::matmul(x[0], x[1], m.ta, m.tb); }, {},
        std::max(numel(m.a) / std::min(m.a.end()[-1], m.a.end()[-2]),
                 numel(m.b) / std::min(m.b.end()[-1], m.b.end()[-2])));
  struct Lin {
    Shape x;
    int64_t out;
    bool bias;
  };
  for (const Lin& l : std::vector<Lin>{{{4, 8}, 6, true},
                                       {{2, 3, 5}, 7, true},
                                       {{1, 1}, 1, false},
                                       {{1, 1}, 1, true},
                                       {{3, 1, 16}, 32, true},
                                       {{5, 12}, 3, false},
                                       {{8, 16, 128}, 96, true}}) {
    std::vector<Tensor> in{randn(l.x, rng), randn({l.out, l.x.back()}, rng, 0.3f)};
    if (l.bias) in.push_back(randn({l.out}, rng));
    const int64_t rows = numel(l.x) / l.x.back();  // dW and db sum over the rows
    add("linear", {}, in, [](const std::vector<Tensor>& x) {
      return ops::linear(x[0], x[1], x.size() > 2 ? x[2] : Tensor());
    }, {}, std::max({rows, l.x.back(), l.out}));
  }
  // Elementwise.
  for (const Shape& s : std::vector<Shape>{{}, {1}, {2, 3, 4}, {5, 17}}) {
    add("relu", {}, {randn(s, rng)}, [](const auto& x) { return ops::relu(x[0]); });
    add("gelu", {{"tanh", false}}, {randn(s, rng, 2)},
        [](const auto& x) { return ops::gelu(x[0]); });
    add("gelu", {{"tanh", true}}, {randn(s, rng, 2)},
        [](const auto& x) { return ops::gelu(x[0], true); });
    add("tanh", {}, {randn(s, rng, 2)}, [](const auto& x) { return ops::tanh(x[0]); });
    add("sigmoid", {}, {randn(s, rng, 3)}, [](const auto& x) { return ops::sigmoid(x[0]); });
    add("scale", {{"s", -0.37f}}, {randn(s, rng)},
        [](const auto& x) { return ops::scale(x[0], -0.37f); });
  }
  for (const auto& [a, b] : std::vector<std::pair<Shape, Shape>>{{{2, 3}, {2, 3}},
                                                                 {{2, 3, 4}, {4}},
                                                                 {{2, 3, 4}, {3, 4}},
                                                                 {{1}, {1}},
                                                                 {{5, 1}, {1}},
                                                                 {{4, 6}, {}}}) {
    add("add", {}, {randn(a, rng), randn(b, rng)},
        [](const auto& x) { return ops::add(x[0], x[1]); });
    add("mul", {}, {randn(a, rng), randn(b, rng)},
        [](const auto& x) { return ops::mul(x[0], x[1]); });
  }
  // Softmax. (The lambdas below copy structured bindings with init-captures: clang 14, which
  // builds the sanitizer suite, cannot capture a binding by name.)
  for (const auto& [s, dim] : std::vector<std::pair<Shape, int>>{
           {{3, 5}, -1}, {{2, 3, 4}, 1}, {{2, 3, 4}, 0}, {{1, 1}, -1}, {{4, 1, 6}, 2},
           {{16, 300}, -1}}) {
    add("softmax", {{"dim", dim}}, {randn(s, rng, 2)},
        [dim = dim](const auto& x) { return ops::softmax(x[0], dim); });
    add("logSoftmax", {{"dim", dim}}, {randn(s, rng, 2)},
        [dim = dim](const auto& x) { return ops::logSoftmax(x[0], dim); });
  }
  // Reductions.
  for (const Shape& s : std::vector<Shape>{{2, 3, 4}, {1}, {37}, {64, 1000}}) {
    add("sum", {{"dim", nullptr}}, {randn(s, rng)}, [](const auto& x) { return ops::sum(x[0]); });
    add("mean", {{"dim", nullptr}}, {randn(s, rng)},
        [](const auto& x) { return ops::mean(x[0]); });
  }
  for (const auto& [s, dim, keep] : std::vector<std::tuple<Shape, int, bool>>{
           {{2, 3, 4}, 1, false}, {{2, 3, 4}, -1, true}, {{2, 3, 4}, 0, false}, {{1, 5}, 0, true},
           {{6, 1}, 1, false}, {{32, 500, 8}, 1, false}}) {
    add("sum", {{"dim", dim}, {"keepDim", keep}}, {randn(s, rng)},
        [dim = dim, keep = keep](const auto& x) { return ops::sum(x[0], dim, keep); });
    add("mean", {{"dim", dim}, {"keepDim", keep}}, {randn(s, rng)},
        [dim = dim, keep = keep](const auto& x) { return ops::mean(x[0], dim, keep); });
  }
  // Structure.
  for (const auto& [is, num, dim] : std::vector<std::tuple<Shape, int64_t, int64_t>>{
           {{2, 3}, 10, 4}, {{1}, 1, 1}, {{4, 5}, 3, 7}, {{2, 2, 2}, 5, 70}})
    add("embedding", {}, {randint(is, rng, num), randn({num, dim}, rng)},
        [](const auto& x) { return ops::embedding(x[0], x[1]); });
  for (const auto& [s, dim, b, e] : std::vector<std::tuple<Shape, int, int64_t, int64_t>>{
           {{4, 5}, 0, 1, 3}, {{2, 6, 3}, 1, 0, 6}, {{2, 6, 3}, -1, 2, 3}, {{1}, 0, 0, 1},
           {{3, 4}, 1, 2, 2}})
    add("slice", {{"dim", dim < 0 ? dim + int(s.size()) : dim}, {"start", b}, {"end", e}},
        {randn(s, rng)},
        [dim = dim, b = b, e = e](const auto& x) { return ops::slice(x[0], dim, b, e); });
  for (const auto& [shapes, dim] : std::vector<std::pair<std::vector<Shape>, int>>{
           {{{2, 3}, {2, 1}, {2, 2}}, 1},
           {{{1, 3}, {2, 3}}, 0},
           {{{2, 1, 4}, {2, 3, 4}}, 1},
           {{{2, 3, 1}, {2, 3, 2}}, -1},
           {{{1}}, 0}}) {
    std::vector<Tensor> in;
    for (const Shape& s : shapes) in.push_back(randn(s, rng));
    add("concat", {{"dim", dim}}, in, [dim = dim](const auto& x) { return ops::concat(x, dim); });
  }
  for (const auto& [s, d0, d1] : std::vector<std::tuple<Shape, int, int>>{
           {{2, 3}, 0, 1}, {{2, 3, 4}, 0, 2}, {{2, 3, 4, 5}, 1, 3}, {{1, 4}, 0, 1},
           {{2, 3}, 1, 1}, {{2, 3, 4}, -1, -2}})
    add("transpose", {{"dim0", d0}, {"dim1", d1}}, {randn(s, rng)},
        [d0 = d0, d1 = d1](const auto& x) { return ops::transpose(x[0], d0, d1); });
  // Dropout: the engine draws its mask from Rng(seed) in element order; torch gets that mask.
  for (const auto& [s, p, training] : std::vector<std::tuple<Shape, float, bool>>{
           {{4, 5}, 0.3f, true}, {{4, 5}, 0.0f, true}, {{4, 5}, 0.5f, false},
           {{1}, 0.9f, true}, {{3, 3}, 1.0f, true}, {{64}, 0.5f, true}}) {
    const uint64_t seed = 99 + cases().size();
    Tensor mask = Tensor::empty(s);
    Rng mr(seed);
    for (int64_t i = 0; i < mask.numel(); ++i) mask.f32()[i] = mr.uniform() >= p ? 1.0f : 0.0f;
    add("dropout", {{"p", p}, {"training", training}}, {randn(s, rng), mask},
        [p = p, training = training, seed](const auto& x) {
          Rng r(seed);
          return ops::dropout(x[0], p, training, r);
        },
        {1});
  }
  for (const Shape& s : std::vector<Shape>{{2, 5, 3}, {1, 1, 1}, {3, 2, 4}})
    for (const auto& [mode, name] : std::vector<std::pair<ops::PoolMode, const char*>>{
             {ops::PoolMode::Last, "last"}, {ops::PoolMode::Mean, "mean"},
             {ops::PoolMode::Max, "max"}})
      add("sequencePool", {{"mode", name}}, {randn(s, rng)},
          [mode = mode](const auto& x) { return ops::sequencePool(x[0], mode); });
  // Losses.
  for (const auto& [a, b] : std::vector<std::pair<Shape, Shape>>{
           {{3, 4}, {3, 4}}, {{1}, {1}}, {{2, 3, 5}, {2, 3, 5}}, {{6}, {2, 3}}})
    add("mseLoss", {}, {randn(a, rng), randn(b, rng)},
        [](const auto& x) { return ops::mseLoss(x[0], x[1]); });
  struct CE {
    Shape logits;
    int64_t ignore;
    int ignoredEvery;  // every k-th target set to ignore (0: none; 1: all)
  };
  for (const CE& ce : std::vector<CE>{{{5, 7}, -100, 0},
                                      {{2, 3, 4}, -100, 3},
                                      {{1, 1}, -100, 0},
                                      {{3, 4}, -100, 1},
                                      {{4, 6}, 2, 0},
                                      {{2, 5, 11}, 0, 2},
                                      {{8, 32, 1000}, -100, 7}}) {
    const int64_t C = ce.logits.back();
    Tensor target = randint(Shape(ce.logits.begin(), ce.logits.end() - 1), rng, C);
    for (int64_t i = 0; ce.ignoredEvery && i < target.numel(); i += ce.ignoredEvery)
      target.i64()[i] = ce.ignore;
    const int64_t ig = ce.ignore;
    add("crossEntropy", {{"ignoreIndex", ig}}, {randn(ce.logits, rng, 2), target},
        [ig](const auto& x) { return ops::crossEntropy(x[0], x[1], ig); });
  }
}

}  // namespace

TEST_F(OpsParity, Matmul) { expectOp("matmul"); }
TEST_F(OpsParity, Linear) { expectOp("linear"); }
TEST_F(OpsParity, Relu) { expectOp("relu"); }
TEST_F(OpsParity, Gelu) { expectOp("gelu"); }
TEST_F(OpsParity, Tanh) { expectOp("tanh"); }
TEST_F(OpsParity, Sigmoid) { expectOp("sigmoid"); }
TEST_F(OpsParity, Scale) { expectOp("scale"); }
TEST_F(OpsParity, Add) { expectOp("add"); }
TEST_F(OpsParity, Mul) { expectOp("mul"); }
TEST_F(OpsParity, Softmax) { expectOp("softmax"); }
TEST_F(OpsParity, LogSoftmax) { expectOp("logSoftmax"); }
TEST_F(OpsParity, Sum) { expectOp("sum"); }
TEST_F(OpsParity, Mean) { expectOp("mean"); }
TEST_F(OpsParity, Embedding) { expectOp("embedding"); }
TEST_F(OpsParity, Slice) { expectOp("slice"); }
TEST_F(OpsParity, Concat) { expectOp("concat"); }
TEST_F(OpsParity, Transpose) { expectOp("transpose"); }
TEST_F(OpsParity, Dropout) { expectOp("dropout"); }
TEST_F(OpsParity, SequencePool) { expectOp("sequencePool"); }
TEST_F(OpsParity, MseLoss) { expectOp("mseLoss"); }
TEST_F(OpsParity, CrossEntropy) { expectOp("crossEntropy"); }
