// The ONNX standard's own backend node tests (Debian libonnx-testdata) through Strata's importer:
// every model of the ops a sequence-model tool should know is imported, run by the engine on the
// test's inputs, and each output compared with the test's expected output under the fp32 rule
// (tests/common/fp32_rule.h, two fp32 implementations). A model Strata cannot take must be
// refused with the reason listed in kRefusals; a listed model that starts importing, or an
// unlisted one that is refused or disagrees, fails the suite.
//
// Weights arrive as graph inputs in these tests (W, R, B of the recurrent ops, LayerNorm's scale
// and bias, a second operand of another batch size). Strata learns weights, and its inputs share
// one batch dim, so such inputs are frozen into initializers with the test's values first:
// inputs feeding a weight slot, scalar inputs, and inputs whose first dim differs from the
// first input's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "common/fp32_rule.h"
#include "onnx_node/onnx_graph_builder.h"
#include "graph/model.h"
#include "io/onnx/import_detail.h"
#include "io/onnx/importer.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string dataRoot() {
  const char* env = std::getenv("STRATA_ONNX_TESTDATA");
  return env && *env ? env : "/usr/share/libonnx-testdata/data";
}

// The models under test: node tests of these ops, and the relevant PyTorch-converted ones.
bool selected(const std::string& suite, const std::string& name) {
  if (suite == "pytorch-converted") {
    static const std::set<std::string> pt = {
        "test_Linear", "test_Linear_no_bias", "test_Embedding", "test_Embedding_sparse",
        "test_LogSoftmax", "test_ReLU", "test_Sigmoid", "test_Softmax", "test_Tanh",
        "test_log_softmax_dim3", "test_log_softmax_lastdim", "test_softmax_functional_dim3",
        "test_softmax_lastdim", "test_ELU", "test_LeakyReLU", "test_SELU", "test_Softplus",
        "test_Softsign", "test_GLU", "test_GLU_dim", "test_PReLU_1d"};
    return pt.count(name) > 0;
  }
  static const char* prefixes[] = {
      "test_lstm_", "test_gru_", "test_rnn_", "test_simple_rnn_", "test_gemm_", "test_matmul_",
      "test_layer_normalization_", "test_softmax_", "test_logsoftmax_", "test_add", "test_concat_",
      "test_sub", "test_mul", "test_div", "test_relu", "test_tanh", "test_sigmoid",
      "test_transpose_", "test_reshape_", "test_flatten_", "test_squeeze", "test_unsqueeze_",
      "test_reduce_mean_", "test_reduce_sum_", "test_reduce_max_", "test_identity", "test_slice",
      "test_split_",
      "test_gather_0", "test_gather_1", "test_einsum_batch_matmul", "test_exp", "test_log",
      "test_sqrt", "test_reciprocal", "test_abs", "test_neg", "test_softplus", "test_softsign",
      "test_elu", "test_leakyrelu", "test_selu", "test_erf", "test_prelu"};
  static const std::set<std::string> notTensors = {"test_identity_opt", "test_identity_sequence"};
  if (notTensors.count(name)) return false;
  for (const char* p : prefixes)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

// Models Strata refuses, with a piece of the reason the refusal must give.
const std::map<std::string, std::string>& refusals() {
  static const std::map<std::string, std::string> r = {
      {"test_lstm_with_peepholes", "peepholes (input P) are not supported"},
      {"test_add_uint8", "element type Strata does not read (2)"},
      {"test_sub_uint8", "element type Strata does not read (2)"},
      {"test_mul_uint8", "element type Strata does not read (2)"},
      {"test_div_uint8", "element type Strata does not read (2)"},
      {"test_einsum_batch_matmul", "element type Strata does not read (11)"},  // float64
      {"test_reshape_allowzero_reordered", "allowzero=1 with a zero in the shape"},
      {"test_split_zero_size_splits", "size is unknown when importing"},  // a [0] input
  };
  return r;
}

Result<Tensor> readPb(const std::string& path, std::string* name = nullptr) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  onnx::TensorProto t;
  if (!in || !t.ParseFromString(ss.str())) return Result<Tensor>::error(path + ": unreadable");
  if (name) *name = t.name();
  return onnx_import::readTensor(t);
}

struct Outcome {
  enum Kind { Passed, Refused, Failed } kind = Failed;
  std::string detail;
};

// Ops whose inputs at these positions are weights Strata learns.
// Also the int64 operands that are attributes in spirit (shapes, axes, slice bounds).
bool weightSlot(const std::string& op, int i) {
  if (op == "LSTM" || op == "GRU" || op == "RNN") return i >= 1 && i <= 4;
  if (op == "LayerNormalization") return i >= 1;
  if (op == "Gather") return i == 0;
  if (op == "PRelu") return i == 1;  // the learned slope
  if (op == "Reshape" || op == "Squeeze" || op == "Unsqueeze" || op == "Split" ||
      op == "ReduceSum")
    return i == 1;
  if (op == "Slice") return i >= 1;
  if (op == "Expand") return i == 1;  // the target shape
  return false;
}

// Freezes the inputs Strata cannot take as inputs (see the file comment) into initializers.
// Returns the test's input tensors of the inputs that stay, in order.
Result<std::vector<Tensor>> prepare(const fs::path& dir, onnx::ModelProto& m) {
  using RV = Result<std::vector<Tensor>>;
  auto* g = m.mutable_graph();
  std::set<std::string> inits;
  for (const auto& t : g->initializer()) inits.insert(t.name());
  std::set<std::string> weights;
  for (const auto& n : g->node())
    for (int i = 0; i < n.input_size(); ++i)
      if (weightSlot(n.op_type(), i)) weights.insert(n.input(i));
  std::vector<Tensor> kept;
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> stay;
  int k = 0;
  int64_t batch = -2;
  for (const auto& in : g->input()) {
    if (inits.count(in.name())) {  // an initializer listed as an input (IR < 4)
      *stay.Add() = in;
      continue;
    }
    const fs::path pb = dir / "test_data_set_0" / ("input_" + std::to_string(k++) + ".pb");
    std::ifstream raw(pb, std::ios::binary);
    std::stringstream ss;
    ss << raw.rdbuf();
    onnx::TensorProto t;
    if (!raw || !t.ParseFromString(ss.str())) return RV::error(pb.string() + ": unreadable");
    const int64_t d0 = t.dims_size() > 0 ? t.dims(0) : -1;
    const bool freeze = weights.count(in.name()) || t.dims_size() == 0 ||
                        (batch != -2 && d0 != batch);
    if (batch == -2 && !freeze) batch = d0;
    if (freeze) {
      t.set_name(in.name());
      *g->add_initializer() = t;
      continue;
    }
    auto tensor = onnx_import::readTensor(t);
    if (!tensor) return RV::error("input '" + in.name() + "': " + tensor.message());
    kept.push_back(*tensor);
    *stay.Add() = in;
  }
  g->mutable_input()->Swap(&stay);
  return kept;
}

// Runs one model; `perturb` adds a small error to the first expected output (a broken case).
Outcome runCase(const fs::path& dir, bool perturb = false) {
  Outcome o;
  onnx::ModelProto m;
  {
    std::ifstream in(dir / "model.onnx", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!m.ParseFromString(ss.str())) return {Outcome::Failed, "model.onnx unreadable"};
  }
  auto inputs = prepare(dir, m);
  if (!inputs) return {Outcome::Refused, inputs.message()};
  std::string bytes;
  m.SerializeToString(&bytes);
  auto imported = importOnnxBytes(bytes);
  if (!imported) return {Outcome::Refused, imported.message()};
  auto model = Model::compile(imported->doc);
  if (!model) return {Outcome::Failed, "compile: " + model.message()};
  std::map<std::string, NamedTensor> byName;
  for (auto& w : imported->weights) byName[w.name] = w;
  for (const NamedTensor& p : (*model)->parameters()) {
    auto it = byName.find(p.name);
    if (it == byName.end()) return {Outcome::Failed, "no weight " + p.name};
    Tensor dst = p.tensor;
    dst.copyFrom(it->second.tensor);
  }
  const auto& names = (*model)->inputNames();
  if (names.size() != inputs->size())
    return {Outcome::Failed, std::to_string(names.size()) + " Strata inputs for " +
                                 std::to_string(inputs->size()) + " test inputs"};
  std::map<std::string, Tensor> feed;
  int64_t K = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    feed[names[i]] = (*inputs)[i];
    K += test::longestSum({(*inputs)[i].shape()});
  }
  for (const auto& w : imported->weights) K += test::longestSum({w.tensor.shape()});
  NoGradGuard noGrad;
  ForwardContext ctx;
  auto out = (*model)->forward(feed, Tensor(), ctx);
  if (!out) return {Outcome::Failed, "run: " + out.message()};
  std::vector<std::string> outIds;
  for (const auto& n : imported->doc.nodes)
    if (n.type == "Output") outIds.push_back(n.id);
  for (size_t i = 0; i < outIds.size(); ++i) {
    const fs::path pb = dir / "test_data_set_0" / ("output_" + std::to_string(i) + ".pb");
    auto want = readPb(pb.string());
    if (!want) return {Outcome::Failed, want.message()};
    const Tensor& got = out->outputs.at(outIds[i]);
    if (got.numel() != want->numel() || got.dtype() != DType::Float32)
      return {Outcome::Failed, "output " + std::to_string(i) + " is " +
                                   shapeToString(got.shape()) + ", expected " +
                                   shapeToString(want->shape())};
    std::vector<double> ref(want->f32(), want->f32() + want->numel());
    if (perturb && i == 0) ref[ref.size() / 2] += 1e-3 * (1.0 + std::fabs(ref[ref.size() / 2]));
    auto v = test::checkFp32(got.f32(), ref.data(), nullptr, got.numel(), K, 2.0);
    if (!v.ok()) return {Outcome::Failed, v.describe("output " + std::to_string(i))};
  }
  return {Outcome::Passed, ""};
}

std::vector<fs::path> casesUnder(const std::string& suite) {
  std::vector<fs::path> out;
  const fs::path root = fs::path(dataRoot()) / suite;
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && selected(suite, e.path().filename().string()) &&
        fs::exists(e.path() / "model.onnx"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(OnnxNodeSuite, StandardModelsImportAndMatchOrAreRefusedWithTheirReason) {
  auto cases = casesUnder("node");
  auto pt = casesUnder("pytorch-converted");
  cases.insert(cases.end(), pt.begin(), pt.end());
  if (cases.empty()) GTEST_SKIP() << "libonnx-testdata is not installed under " << dataRoot();
  int passed = 0, refused = 0;
  std::set<std::string> seen;
  for (const auto& dir : cases) {
    const std::string name = dir.filename().string();
    seen.insert(name);
    const Outcome o = runCase(dir);
    auto expected = refusals().find(name);
    const std::string suite = dir.parent_path().filename().string();
    std::printf("%-10s %-58s %s %s\n",
                o.kind == Outcome::Passed ? "pass" : o.kind == Outcome::Refused ? "refused"
                                                                                : "FAILED",
                (suite + "/" + name).c_str(), "", o.detail.c_str());
    if (o.kind == Outcome::Passed) {
      ++passed;
      EXPECT_TRUE(expected == refusals().end())
          << name << " now imports and matches: remove it from the refusal list";
    } else if (o.kind == Outcome::Refused) {
      ++refused;
      if (expected == refusals().end())
        ADD_FAILURE() << name << " was refused: " << o.detail;
      else
        EXPECT_NE(o.detail.find(expected->second), std::string::npos)
            << name << ": the refusal '" << o.detail << "' does not give the listed reason '"
            << expected->second << "'";
    } else {
      ADD_FAILURE() << name << ": " << o.detail;
    }
  }
  for (const auto& [name, why] : refusals())
    EXPECT_TRUE(seen.count(name)) << name << " is listed but not among the models";
  std::printf("ONNX node suite: %d of %zu models import and match, %d refused\n", passed,
              cases.size(), refused);
}

// The comparison can fail: a perturbed expected output is rejected, on a model that passes.
TEST(OnnxNodeSuite, APerturbedOutputIsRejected) {
  for (const char* name : {"test_gru_defaults", "test_gemm_all_attributes",
                           "test_layer_normalization_4d_axis1",
                           "test_layer_normalization_4d_axis1_expanded"}) {
    const fs::path dir = fs::path(dataRoot()) / "node" / name;
    if (!fs::exists(dir)) GTEST_SKIP() << "libonnx-testdata is not installed";
    EXPECT_EQ(runCase(dir).kind, Outcome::Passed) << name;
    const Outcome broken = runCase(dir, true);
    EXPECT_EQ(broken.kind, Outcome::Failed) << name << ": a perturbed output passed";
  }
}

// ONNX 1.12's own shape inference crashed on a LayerNormalization axis out of range (found by
// mutating these models): the importer refuses it first, naming the axis and the input.
TEST(OnnxNodeSuite, LayerNormAxisOutOfRangeIsRefusedNotACrash) {
  const fs::path dir = fs::path(dataRoot()) / "node" / "test_layer_normalization_2d_axis1";
  if (!fs::exists(dir)) GTEST_SKIP() << "libonnx-testdata is not installed";
  onnx::ModelProto m;
  std::ifstream in(dir / "model.onnx", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  ASSERT_TRUE(m.ParseFromString(ss.str()));
  ASSERT_TRUE(prepare(dir, m));
  for (int64_t axis : {-100, 2, -3}) {
    for (auto& a : *m.mutable_graph()->mutable_node(0)->mutable_attribute())
      if (a.name() == "axis") a.set_i(axis);
    std::string bytes;
    m.SerializeToString(&bytes);
    auto r = importOnnxBytes(bytes);
    ASSERT_FALSE(r) << axis;
    EXPECT_NE(r.message().find("LayerNormalization axis " + std::to_string(axis) +
                               " is out of range for its input 'X' of rank 2"),
              std::string::npos)
        << r.message();
  }
}

namespace {

using test::addInputInfo;
using test::floatProto;

// The ONNX GRU formula in float64, straight from the ONNX tensors (gates z, r, h; forward only):
// X [T, N, I] (layout 0), W [1, 3H, I], R [1, 3H, H], B [1, 6H], h0 [1, N, H] -> Y [T, N, H].
std::vector<double> onnxGru(const float* X, const float* W, const float* R, const float* B,
                            const float* h0, int64_t T, int64_t N, int64_t I, int64_t H,
                            bool lbr) {
  std::vector<double> y(T * N * H), h(h0, h0 + N * H);
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  for (int64_t t = 0; t < T; ++t) {
    std::vector<double> next(N * H);
    for (int64_t b = 0; b < N; ++b) {
      const float* x = X + (t * N + b) * I;
      auto wx = [&](int64_t row) {
        double a = B[row];
        for (int64_t k = 0; k < I; ++k) a += double(W[row * I + k]) * x[k];
        return a;
      };
      auto rh = [&](int64_t row, const std::vector<double>& v) {
        double a = B[3 * H + row];
        for (int64_t k = 0; k < H; ++k) a += double(R[row * H + k]) * v[k];
        return a;
      };
      std::vector<double> hb(h.begin() + b * H, h.begin() + (b + 1) * H), z(H), r(H), rhb(H);
      for (int64_t o = 0; o < H; ++o) {
        z[o] = sig(wx(o) + rh(o, hb));
        r[o] = sig(wx(H + o) + rh(H + o, hb));
        rhb[o] = r[o] * hb[o];
      }
      for (int64_t o = 0; o < H; ++o) {
        const double n = lbr ? std::tanh(wx(2 * H + o) + r[o] * rh(2 * H + o, hb))
                             : std::tanh(wx(2 * H + o) + rh(2 * H + o, rhb));
        next[b * H + o] = (1 - z[o]) * n + z[o] * hb[o];
        y[(t * N + b) * H + o] = next[b * H + o];
      }
    }
    h = next;
  }
  return y;
}

}  // namespace

// GRU nodes with an initial state given as a graph input, in both layouts and both
// linear_before_reset values, against the ONNX formula in float64 computed from the ONNX
// tensors themselves (independent of the importer's gate reordering). The standard's node tests
// have no initial_h without peepholes, so these models are built here.
TEST(OnnxNodeSuite, GruWithInitialStateMatchesTheOnnxFormula) {
  const int64_t T = 4, N = 3, I = 2, H = 5;
  for (int layout : {0, 1})
    for (int lbr : {0, 1}) {
      SCOPED_TRACE("layout " + std::to_string(layout) + " linear_before_reset " +
                   std::to_string(lbr));
      Rng rng(40 + layout * 2 + lbr);
      onnx::ModelProto m;
      m.set_ir_version(8);
      m.add_opset_import()->set_version(17);
      auto* g = m.mutable_graph();
      g->set_name("gru");
      const Shape xs = layout ? Shape{N, T, I} : Shape{T, N, I};
      const Shape hs = layout ? Shape{N, 1, H} : Shape{1, N, H};
      addInputInfo(g, "X", xs);
      addInputInfo(g, "h0", hs);
      *g->add_initializer() = floatProto("W", {1, 3 * H, I}, rng);
      *g->add_initializer() = floatProto("R", {1, 3 * H, H}, rng);
      *g->add_initializer() = floatProto("B", {1, 6 * H}, rng);
      auto* n = g->add_node();
      n->set_op_type("GRU");
      n->set_name("gru");
      for (const char* i : {"X", "W", "R", "B", "", "h0"}) n->add_input(i);
      n->add_output("Y");
      n->add_output("Y_h");
      auto* a = n->add_attribute();
      a->set_name("hidden_size");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(H);
      a = n->add_attribute();
      a->set_name("layout");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(layout);
      a = n->add_attribute();
      a->set_name("linear_before_reset");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(lbr);
      addInputInfo(g, "Y", layout ? Shape{N, T, 1, H} : Shape{T, 1, N, H}, true);
      std::string bytes;
      m.SerializeToString(&bytes);
      auto imported = importOnnxBytes(bytes);
      ASSERT_TRUE(imported) << imported.message();
      auto model = Model::compile(imported->doc);
      ASSERT_TRUE(model) << model.message();
      std::map<std::string, Tensor> byName;
      for (auto& w : imported->weights) byName[w.name] = w.tensor;
      for (const NamedTensor& p : (*model)->parameters()) {
        Tensor dst = p.tensor;
        dst.copyFrom(byName.at(p.name));
      }
      // Inputs in ONNX layout; the reference wants layout 0.
      Tensor x = Tensor::empty(xs), h0 = Tensor::empty(hs);
      for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = rng.uniform(-1.0f, 1.0f);
      for (int64_t i = 0; i < h0.numel(); ++i) h0.f32()[i] = rng.uniform(-1.0f, 1.0f);
      Tensor x0 = layout ? ops::permute(x, {1, 0, 2}) : x;
      Tensor h00 = layout ? ops::permute(h0, {1, 0, 2}) : h0;
      auto tensorOf = [&](const char* name) {
        for (const auto& t : g->initializer())
          if (t.name() == name) return *onnx_import::readTensor(t);
        return Tensor();
      };
      const std::vector<double> ref =
          onnxGru(x0.f32(), tensorOf("W").f32(), tensorOf("R").f32(), tensorOf("B").f32(),
                  h00.f32(), T, N, I, H, lbr != 0);
      const auto& names = (*model)->inputNames();
      ASSERT_EQ(names.size(), 2u);
      ForwardContext ctx;
      auto out = (*model)->forward({{names[0], x}, {names[1], h0}}, Tensor(), ctx);
      ASSERT_TRUE(out) << out.message();
      Tensor y = out->outputs.begin()->second;  // [T, 1, N, H] or [N, T, 1, H]
      if (layout) y = ops::permute(y.reshape({N, T, H}), {1, 0, 2});
      ASSERT_EQ(y.numel(), T * N * H);
      auto v = test::checkFp32(y.f32(), ref.data(), nullptr, y.numel(), 64);
      EXPECT_TRUE(v.ok()) << v.describe("Y");
      // Without the state wired the result would differ: the state matters here.
      std::vector<float> zeros(static_cast<size_t>(N * H), 0.0f);
      const std::vector<double> noState = onnxGru(x0.f32(), tensorOf("W").f32(),
                                                  tensorOf("R").f32(), tensorOf("B").f32(),
                                                  zeros.data(), T, N, I, H, lbr != 0);
      EXPECT_GT(test::checkFp32(y.f32(), noState.data(), nullptr, y.numel(), 64).ratio, 100.0);
    }
}

// Imported general graphs stay trainable: a loss on the imported output, and a few SGD steps
// through the Permute/Reshape glue, the recurrent or MatMul layers and the Constants lower it.
TEST(OnnxNodeSuite, ImportedGeneralGraphsTrain) {
  for (const char* name : {"test_gru_defaults", "test_lstm_batchwise", "test_gemm_all_attributes",
                           "test_layer_normalization_3d_axis1_epsilon",
                           "test_layer_normalization_3d_axis1_epsilon_expanded"}) {
    SCOPED_TRACE(name);
    const fs::path dir = fs::path(dataRoot()) / "node" / name;
    if (!fs::exists(dir)) GTEST_SKIP() << "libonnx-testdata is not installed";
    onnx::ModelProto m;
    {
      std::ifstream in(dir / "model.onnx", std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      ASSERT_TRUE(m.ParseFromString(ss.str()));
    }
    auto inputs = prepare(dir, m);
    ASSERT_TRUE(inputs) << inputs.message();
    std::string bytes;
    m.SerializeToString(&bytes);
    auto imported = importOnnxBytes(bytes);
    ASSERT_TRUE(imported) << imported.message();
    // The first output feeds an MSELoss as well.
    GraphDocument doc = imported->doc;
    std::optional<Endpoint> first;
    for (const auto& e : doc.edges)
      if (!first && doc.node(e.to.node)->type == "Output") first = e.from;
    ASSERT_TRUE(first.has_value());
    GraphNode loss;
    loss.id = "loss";
    loss.type = "MSELoss";
    doc.nodes.push_back(loss);
    doc.edges.push_back({*first, {"loss", "input"}});
    auto model = Model::compile(doc);
    ASSERT_TRUE(model) << model.message();
    std::map<std::string, Tensor> byName;
    for (auto& w : imported->weights) byName[w.name] = w.tensor;
    for (const NamedTensor& p : (*model)->parameters()) {
      Tensor dst = p.tensor;
      dst.copyFrom(byName.at(p.name));
    }
    std::map<std::string, Tensor> feed;
    const auto& names = (*model)->inputNames();
    for (size_t i = 0; i < names.size(); ++i) feed[names[i]] = (*inputs)[i];
    Tensor target;
    std::vector<double> losses;
    Rng rng(1);
    for (int step = 0; step < 20; ++step) {
      ForwardContext ctx;
      ctx.training = true;
      ctx.rng = &rng;
      if (!target.defined()) {
        NoGradGuard g;
        auto probe = (*model)->forward(feed, Tensor(), ctx);
        ASSERT_TRUE(probe) << probe.message();
        target = Tensor::full(probe->prediction.shape(), 0.25f);
      }
      auto out = (*model)->forward(feed, target, ctx);
      ASSERT_TRUE(out) << out.message();
      losses.push_back(out->loss.item());
      out->loss.backward();
      int updated = 0;
      for (const NamedTensor& p : (*model)->parameters()) {
        Tensor t = p.tensor;
        Tensor g = t.grad();
        if (!g.defined()) continue;  // a weight off the loss's path (a side output's epsilon)
        ++updated;
        for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] -= 0.3f * g.f32()[i];
        t.zeroGrad();
      }
      ASSERT_GT(updated, 0) << "no weight got a gradient";
    }
    std::printf("%s: loss %.5f -> %.5f\n", name, losses.front(), losses.back());
    EXPECT_LT(losses.back(), 0.9 * losses.front());
  }
}

}  // namespace
}  // namespace strata
