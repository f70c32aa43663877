// ONNX export/import: every sample and a grid of single-layer graphs are exported, checked by
// onnx.checker (full_check) and run in onnxruntime-node 1.30 at two batch sizes against Strata's
// forward; export -> import -> export round trips; PyTorch 1.13 exports import and match PyTorch;
// hostile files fail cleanly. Each external tool starts once per suite. Values are judged by the
// fp32 rule (docs/numerics.md, tests/common/fp32_rule.h): against PyTorch in float64 where it
// computes the reference, and as two fp32 implementations where onnxruntime does.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/testenv.h"
#include "graph/model.h"
#include "io/onnx/exporter.h"
#include "io/onnx/importer.h"

namespace strata {
namespace {

using test::ScratchDir;
using Json = nlohmann::json;

#ifndef STRATA_TEST_ORT_DIR
#define STRATA_TEST_ORT_DIR ""
#endif

std::string ortDir() { return test::envOr("STRATA_ORT_DIR", STRATA_TEST_ORT_DIR); }
bool haveOrt() {
  return std::filesystem::exists(ortDir() + "/node_modules/onnxruntime-node/package.json");
}
std::string q(const std::string& s) { return "'" + s + "'"; }

void writeRaw(const std::string& path, const Tensor& t) {
  std::ofstream out(path, std::ios::binary);
  out.write(t.dtype() == DType::Int64 ? reinterpret_cast<const char*>(t.i64())
                                      : reinterpret_cast<const char*>(t.f32()),
            static_cast<std::streamsize>(t.bytes()));
}

std::vector<float> readFloats(const std::string& path) {
  std::string s = test::readText(path);
  std::vector<float> v(s.size() / 4);
  std::memcpy(v.data(), s.data(), v.size() * 4);
  return v;
}

// K for a whole graph whose result is compared between two fp32 implementations, with no float64
// reference to measure its sensitivity: the errors of consecutive layers add up, so K is the sum
// of every weight's and input's longest sum.
int64_t graphReduction(const Model& m, const std::map<std::string, Tensor>& in) {
  int64_t k = 0;
  for (const auto& p : m.parameters()) k += test::longestSum({p.tensor.shape()});
  for (const auto& [name, t] : in) k += test::longestSum({t.shape()});
  return k;
}

// got against want, both fp32 results (`implementations` as in checkFp32).
test::Fp32Verdict compareFp32(const float* got, const float* want, int64_t n, int64_t k,
                              double implementations) {
  const std::vector<double> ref(want, want + n);
  return test::checkFp32(got, ref.data(), nullptr, n, k, implementations);
}

// One graph under test: a single layer fed by Inputs, or a whole sample file.
struct Case {
  std::string name;
  std::string graph;  // JSON text
};

std::string single(const std::string& type, const Json& params, const Json& inShape,
                   const std::string& dtype = "float32", const std::string& port = "in",
                   const std::string& outPort = "out") {
  Json g = {{"format", "strata-graph"}, {"version", 1}};
  g["nodes"] = {{{"id", "x"},
                 {"type", "Input"},
                 {"params", {{"shape", inShape}, {"dtype", dtype}}}},
                {{"id", "layer"}, {"type", type}, {"params", params}},
                {{"id", "y"}, {"type", "Output"}}};
  g["edges"] = {{{"from", "x.out"}, {"to", "layer." + port}},
                {{"from", "layer." + outPort}, {"to", "y.in"}}};
  return g.dump();
}

std::vector<Case> gridCases() {
  std::vector<Case> c;
  c.push_back({"linear2d", single("Linear", {{"out_features", 5}}, {7})});
  c.push_back({"linear3d", single("Linear", {{"out_features", 3}, {"bias", false}}, {-1, 6})});
  c.push_back({"embedding", single("Embedding", {{"num_embeddings", 9}, {"embedding_dim", 4}},
                                   {-1}, "int64")});
  for (const char* a : {"ReLU", "Tanh", "Sigmoid", "Dropout"})
    c.push_back({a, single(a, Json::object(), {-1, 6})});
  c.push_back({"softmax", single("Softmax", {{"dim", -1}}, {-1, 6})});
  c.push_back({"softmax_dim1", single("Softmax", {{"dim", 1}}, {4, 6})});
  c.push_back({"gelu", single("GELU", Json::object(), {-1, 6})});
  c.push_back({"gelu_tanh", single("GELU", {{"approximate", "tanh"}}, {-1, 6})});
  c.push_back({"layernorm", single("LayerNorm", {{"eps", 1e-5}}, {-1, 6})});
  for (const char* m : {"last", "mean", "max"})
    c.push_back({std::string("pool_") + m, single("SequencePool", {{"mode", m}}, {-1, 6})});
  for (const char* type : {"RNN", "LSTM", "GRU"})
    for (int layers : {1, 2})
      for (bool bi : {false, true}) {
        Json p = {{"hidden_size", 3 + layers}, {"num_layers", layers}, {"bidirectional", bi}};
        std::string n = std::string(type) + "_l" + std::to_string(layers) + (bi ? "_bi" : "");
        c.push_back({n, single(type, p, {-1, 5})});
        if (layers == 2) c.push_back({n + "_hn", single(type, p, {-1, 5}, "float32", "in", "h_n")});
      }
  // The tensor layers (numpy-style ops for imported graphs).
  c.push_back({"permute", single("Permute", {{"dims", {0, 2, 1}}}, {4, 6})});
  c.push_back({"reshape", single("Reshape", {{"shape", {0, -1}}}, {4, 6})});
  c.push_back({"slice", single("Slice", {{"dim", 1}, {"start", 1}, {"end", 3}}, {4, 6})});
  c.push_back({"logsoftmax", single("LogSoftmax", {{"dim", 1}}, {4, 6})});
  for (const char* m : {"mean", "sum", "max"})
    c.push_back({std::string("reduce_") + m,
                 single("Reduce", {{"mode", m}, {"dims", {1}}, {"keepdim", m[0] == 's'}},
                        {4, 6})});
  for (const char* f : {"exp", "abs", "neg", "erf", "softplus", "softsign", "elu", "leaky_relu",
                        "selu"})
    c.push_back({std::string("elementwise_") + f,
                 single("Elementwise", {{"function", f}, {"alpha", 0.3}}, {-1, 6})});
  for (const char* op : {"MatMul", "Mul", "Sub", "Div"}) {
    Json g = {{"format", "strata-graph"}, {"version", 1}};
    g["nodes"] = {{{"id", "x"}, {"type", "Input"}, {"params", {{"shape", {4, 6}}}}},
                  {{"id", "k"}, {"type", "Constant"},
                   {"params", {{"shape", std::string(op) == "MatMul" ? Json{6, 3} : Json{6}}}}},
                  {{"id", "layer"}, {"type", op}},
                  {{"id", "y"}, {"type", "Output"}}};
    g["edges"] = {{{"from", "x.out"}, {"to", "layer.a"}}, {{"from", "k.out"}, {"to", "layer.b"}},
                  {{"from", "layer.out"}, {"to", "y.in"}}};
    c.push_back({std::string("tensor_") + op, g.dump()});
  }
  for (bool bi : {false, true})  // ONNX's default GRU (linear_before_reset=0)
    c.push_back({std::string("GRU_classic") + (bi ? "_bi" : ""),
                 single("GRU",
                        {{"hidden_size", 4}, {"num_layers", 2}, {"bidirectional", bi},
                         {"linear_before_reset", false}},
                        {-1, 5})});
  c.push_back({"RNN_relu", single("RNN", {{"hidden_size", 4}, {"nonlinearity", "relu"}}, {-1, 5})});
  c.push_back({"LSTM_nobias_cn",
               single("LSTM", {{"hidden_size", 4}, {"bias", false}}, {-1, 3}, "float32", "in",
                      "c_n")});
  c.push_back({"mha", single("MultiheadAttention", {{"num_heads", 2}}, {-1, 8}, "float32",
                             "query")});
  c.push_back({"mha_causal_weights",
               single("MultiheadAttention", {{"num_heads", 4}, {"causal", true}}, {-1, 8},
                      "float32", "query", "weights")});
  c.push_back({"pe_sin", single("PositionalEncoding", {{"max_len", 16}}, {-1, 6})});
  c.push_back({"pe_learned",
               single("PositionalEncoding", {{"max_len", 16}, {"kind", "learned"}}, {-1, 6})});
  for (bool nf : {false, true})
    for (const char* act : {"relu", "gelu"})
      c.push_back({std::string("encoder_") + act + (nf ? "_nf" : ""),
                   single("TransformerEncoderLayer",
                          {{"nhead", 2}, {"dim_feedforward", 16}, {"activation", act},
                           {"norm_first", nf}, {"causal", nf}},
                          {-1, 8})});
  // Multi-input graphs: Add, Concat, cross-attention with a padding mask, the decoder.
  auto multi = [](const std::string& name, Json nodes, Json edges) {
    Json g = {{"format", "strata-graph"}, {"version", 1}, {"nodes", nodes}, {"edges", edges}};
    return Case{name, g.dump()};
  };
  auto in = [](const std::string& id, Json shape, const std::string& dtype = "float32") {
    return Json{{"id", id}, {"type", "Input"}, {"params", {{"shape", shape}, {"dtype", dtype}}}};
  };
  auto node = [](const std::string& id, const std::string& type, Json p = Json::object()) {
    return Json{{"id", id}, {"type", type}, {"params", p}};
  };
  auto e = [](const std::string& f, const std::string& t) { return Json{{"from", f}, {"to", t}}; };
  c.push_back(multi("add_concat",
                    {in("a", {6, 4}), in("b", {6, 4}), node("s", "Add"),
                     node("cat", "Concat", {{"dim", -1}}), node("y", "Output")},
                    {e("a.out", "s.a"), e("b.out", "s.b"), e("s.out", "cat.in0"),
                     e("a.out", "cat.in1"), e("cat.out", "y.in")}));
  c.push_back(multi("mha_cross_mask",
                    {in("q", {-1, 8}), in("kv", {6, 8}), in("mask", {6}, "int64"),
                     node("att", "MultiheadAttention", {{"num_heads", 2}}), node("y", "Output"),
                     node("w", "Output")},
                    {e("q.out", "att.query"), e("kv.out", "att.key"), e("kv.out", "att.value"),
                     e("mask.out", "att.key_padding_mask"), e("att.out", "y.in"),
                     e("att.weights", "w.in")}));
  c.push_back(multi("encoder_mask",
                    {in("x", {6, 8}), in("mask", {6}, "int64"),
                     node("enc", "TransformerEncoderLayer", {{"nhead", 4}, {"dim_feedforward", 8}}),
                     node("y", "Output")},
                    {e("x.out", "enc.in"), e("mask.out", "enc.src_key_padding_mask"),
                     e("enc.out", "y.in")}));
  for (bool nf : {false, true})
    c.push_back(multi(std::string("decoder") + (nf ? "_nf" : ""),
                      {in("t", {-1, 8}), in("m", {6, 8}), in("mask", {6}, "int64"),
                       node("dec", "TransformerDecoderLayer",
                            {{"nhead", 2}, {"dim_feedforward", 12}, {"norm_first", nf}}),
                       node("y", "Output")},
                      {e("t.out", "dec.tgt"), e("m.out", "dec.memory"),
                       e("mask.out", "dec.memory_key_padding_mask"), e("dec.out", "y.in")}));
  // Initial states: a stack's final states start a second stack (h0/c0 sliced per layer).
  for (const char* type : {"LSTM", "GRU", "RNN"}) {
    const bool lstm = std::string(type) == "LSTM";
    Json p = {{"hidden_size", 4}, {"num_layers", 2}, {"bidirectional", true}};
    Json edges = {e("x.out", "r1.in"), e("r1.out", "r2.in"), e("r1.h_n", "r2.h0"),
                  e("r2.out", "y.in"), e("r2.h_n", "h.in")};
    if (lstm) edges.push_back(e("r1.c_n", "r2.c0"));
    c.push_back(multi(std::string(type) + "_h0",
                      {in("x", {-1, 5}), node("r1", type, p), node("r2", type, p),
                       node("y", "Output"), node("h", "Output")},
                      edges));
  }
  c.push_back(multi("stack_lm",
                    {in("tok", {-1}, "int64"),
                     node("emb", "Embedding", {{"num_embeddings", 9}, {"embedding_dim", 8}}),
                     node("pe", "PositionalEncoding", {{"max_len", 32}}),
                     node("gru", "GRU", {{"hidden_size", 8}, {"bidirectional", true}}),
                     node("fc", "Linear", {{"out_features", 9}}),
                     node("loss", "CrossEntropyLoss")},
                    {e("tok.out", "emb.in"), e("emb.out", "pe.in"), e("pe.out", "gru.in"),
                     e("gru.out", "fc.in"), e("fc.out", "loss.input")}));
  return c;
}

std::vector<Case> sampleCases() {
  std::vector<Case> c;
  for (const auto& f : std::filesystem::directory_iterator(test::sourceDir() + "/samples"))
    if (f.path().extension() == ".strata")
      c.push_back({"sample_" + f.path().stem().string(), test::readText(f.path().string())});
  return c;
}

// Random inputs for a model at batch B and variable length T: normal floats, token ids in [0, 5),
// and int64 masks (inputs named mask*) that never hide key 0.
std::map<std::string, Tensor> makeInputs(const Model& m, int64_t B, int64_t T, std::mt19937& rng) {
  std::map<std::string, Tensor> in;
  std::normal_distribution<float> normal;
  for (const std::string& name : m.inputNames()) {
    TensorType t = m.inputType(name);
    Shape s = t.shape;
    for (auto& d : s) d = d == kBatch ? B : d < 0 ? T : d;
    if (t.kind == ValueKind::Int64) {
      Tensor x = Tensor::empty(s, DType::Int64);
      for (int64_t i = 0; i < x.numel(); ++i) {
        bool mask = name.rfind("mask", 0) == 0;
        x.i64()[i] = mask ? (i % s.back() == 0 ? 0 : rng() % 3 == 0) : rng() % 5;
      }
      in[name] = x;
    } else {
      Tensor x = Tensor::empty(s);
      for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = normal(rng);
      in[name] = x;
    }
  }
  return in;
}

// The exported outputs, by ONNX name, as Strata's forward computes them.
std::map<std::string, Tensor> strataOutputs(Model& m, const GraphDocument& doc,
                                            const std::map<std::string, Tensor>& in) {
  ForwardContext ctx;
  auto r = m.forward(in, Tensor(), ctx);
  EXPECT_TRUE(r.isOk()) << r.message();
  if (!r) return {};
  if (!r->outputs.empty()) return r->outputs;
  for (const auto& e : doc.edges)
    if (e.to.port == "input") return {{e.from.node, r->prediction}};
  return {};
}

struct OrtRun {
  std::string name, model;
  std::map<std::string, Tensor> expected;  // by output name
  int64_t reduction = 1;                   // K of the fp32 rule
};

class OnnxExport : public ::testing::Test {
 protected:
  ScratchDir dir{"strata-onnx"};
};

TEST_F(OnnxExport, ChecksRunsInOrtAndRoundTrips) {
  std::vector<Case> cases = gridCases();
  for (auto& s : sampleCases()) cases.push_back(s);
  std::vector<std::string> files;
  std::vector<OrtRun> runs;
  Json manifest = Json::array();
  std::mt19937 rng(7);
  int roundTrips = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto doc = GraphDocument::parse(c.graph);
    ASSERT_TRUE(doc.isOk()) << doc.message();
    auto model = Model::compile(*doc);
    ASSERT_TRUE(model.isOk()) << model.message();
    (*model)->resetParameters(3);
    auto bytes = exportOnnxBytes(*doc, **model);
    ASSERT_TRUE(bytes.isOk()) << bytes.message();
    const std::string file = dir.file(c.name + ".onnx");
    test::writeText(file, *bytes);
    files.push_back(file);

    // Round trip: import, compare Strata's forward on the imported graph, export again.
    auto back = importOnnxBytes(*bytes);
    ASSERT_TRUE(back.isOk()) << back.message();
    auto model2 = Model::compile(back->doc);
    ASSERT_TRUE(model2.isOk()) << model2.message();
    std::map<std::string, Tensor> w;
    for (const auto& t : back->weights) w[t.name] = t.tensor;
    for (const auto& p : (*model2)->parameters()) {
      ASSERT_TRUE(w.count(p.name)) << p.name;
      Tensor(p.tensor).copyFrom(w[p.name]);
    }
    auto bytes2 = exportOnnxBytes(back->doc, **model2);
    ASSERT_TRUE(bytes2.isOk()) << bytes2.message();
    const std::string file2 = dir.file(c.name + ".rt.onnx");
    test::writeText(file2, *bytes2);

    for (int64_t b : {2, 3}) {
      const int64_t T = b == 2 ? 6 : 4;
      auto in = makeInputs(**model, b, T, rng);
      auto expected = strataOutputs(**model, *doc, in);
      auto again = strataOutputs(**model2, back->doc, in);
      const int64_t k = graphReduction(**model, in);
      for (const auto& [name, t] : expected) {
        ASSERT_TRUE(again.count(name));
        // The same engine on the imported graph: one fp32 implementation's error at most.
        const auto v = compareFp32(again[name].f32(), t.f32(), t.numel(), k, 1.0);
        EXPECT_TRUE(v.ok()) << v.describe(c.name + " round trip " + name);
      }
      ++roundTrips;
      for (const std::string& m : {file, file2}) {
        OrtRun r{c.name + "/B" + std::to_string(b) + (m == file2 ? "/rt" : ""), m, expected, k};
        Json feeds = Json::array(), outs = Json::array();
        const std::string stem = dir.file(c.name + "_" + std::to_string(b) +
                                          (m == file2 ? "_rt" : ""));
        for (const auto& [name, t] : in) {
          writeRaw(stem + "." + name + ".in", t);
          feeds.push_back({{"name", name},
                           {"dtype", t.dtype() == DType::Int64 ? "int64" : "float32"},
                           {"shape", t.shape()},
                           {"file", stem + "." + name + ".in"}});
        }
        for (const auto& [name, t] : expected)
          outs.push_back({{"name", name}, {"file", stem + "." + name + ".out"}});
        manifest.push_back({{"model", m}, {"feeds", feeds}, {"outputs", outs}});
        runs.push_back(r);
      }
    }
  }
  std::printf("[onnx] %zu graphs exported, %d round-trip forwards compared\n", cases.size(),
              roundTrips);

  // onnx.checker with full_check, once for all files.
  std::string cmd = test::python() +
                    " -c \"import onnx,sys\nfor f in sys.argv[1:]: "
                    "onnx.checker.check_model(onnx.load(f), full_check=True)\nprint('checked', "
                    "len(sys.argv)-1)\"";
  for (const auto& f : files) cmd += " " + q(f);
  auto checked = test::run(cmd);
  EXPECT_EQ(checked.exitCode, 0) << checked.output;

  // scripts/test installs the runtime (tests/CMakeLists.txt runs npm at configure time): a
  // missing runtime is a broken set-up, not a reason to pass quietly.
  ASSERT_TRUE(haveOrt()) << "onnxruntime-node is not installed in " << ortDir()
                         << " (re-run cmake with npm available)";
  test::writeText(dir.file("manifest.json"), manifest.dump());
  auto ort = test::run("NODE_PATH=" + q(ortDir() + "/node_modules") + " node " +
                       q(test::sourceDir() + "/tests/onnx/run_ort.js") + " " +
                       q(dir.file("manifest.json")));
  EXPECT_EQ(ort.exitCode, 0) << ort.output;
  std::map<std::string, double> worstByCase;
  double worst = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Json& outs = manifest[i]["outputs"];
    for (const Json& o : outs) {
      const std::string name = o["name"];
      const Tensor& want = runs[i].expected.at(name);
      std::vector<float> got = readFloats(o["file"]);
      ASSERT_EQ(static_cast<int64_t>(got.size()), want.numel()) << runs[i].name << " " << name;
      const auto v = compareFp32(want.f32(), got.data(), want.numel(), runs[i].reduction, 2.0);
      EXPECT_TRUE(v.ok()) << v.describe(runs[i].name + " output " + name + " (Strata vs ORT)");
      const double d = v.ratio;
      std::string key = runs[i].name.substr(0, runs[i].name.find('/'));
      worstByCase[key] = std::max(worstByCase[key], d);
      worst = std::max(worst, d);
    }
  }
  for (const auto& [name, d] : worstByCase)
    std::printf("[onnx] %-22s vs ORT: %.3f of the fp32 bound\n", name.c_str(), d);
  std::printf("[onnx] %zu ORT runs, worst %.3f of the fp32 bound\n", runs.size(), worst);
}

TEST(OnnxImport, PyTorchExportsImportAndMatchPyTorch) {
  ScratchDir dir("strata-onnx-torch");
  auto gen = test::run(test::python() + " " + q(test::sourceDir() + "/tests/onnx/torch_onnx.py") +
                       " " + q(dir.path().string()) + " 2>/dev/null");
  ASSERT_EQ(gen.exitCode, 0) << gen.output;
  Json manifest = Json::parse(gen.output.substr(gen.output.find('[')));
  ASSERT_GE(manifest.size(), 10u);
  for (const Json& c : manifest) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    auto imp = importOnnx(dir.file(name + ".onnx"));
    ASSERT_TRUE(imp.isOk()) << imp.message();
    auto model = Model::compile(imp->doc);
    ASSERT_TRUE(model.isOk()) << model.message();
    std::map<std::string, Tensor> w;
    for (const auto& t : imp->weights) w[t.name] = t.tensor;
    for (const auto& p : (*model)->parameters()) Tensor(p.tensor).copyFrom(w.at(p.name));
    Shape shape = c["shape"].get<Shape>();
    const bool ids = c["dtype"] == "int64";
    Tensor x = Tensor::empty(shape, ids ? DType::Int64 : DType::Float32);
    std::string raw = test::readText(dir.file(name + ".in.bin"));
    ASSERT_EQ(raw.size(), x.bytes());
    std::memcpy(ids ? static_cast<void*>(x.i64()) : static_cast<void*>(x.f32()), raw.data(),
                raw.size());
    ForwardContext ctx;
    auto r = (*model)->forward({{"x", x}}, Tensor(), ctx);
    ASSERT_TRUE(r.isOk()) << r.message();
    ASSERT_EQ(r->outputs.size(), 1u);
    const Tensor& y = r->outputs.begin()->second;
    // PyTorch's module in float64 is the reference (torch_onnx.py).
    std::vector<double> ref, spread;
    ASSERT_TRUE(test::readReference(dir.file(name + ".ref"), y.numel(), ref, spread));
    const auto v = test::checkFp32(y.f32(), ref.data(), spread.data(), y.numel(),
                                   c["reduction"].get<int64_t>());
    std::printf("[onnx] torch %-14s -> %zu nodes, %.3f of the fp32 bound vs float64\n",
                name.c_str(), imp->doc.nodes.size(), v.ratio);
    EXPECT_TRUE(v.ok()) << v.describe(name);
    if (name == "lstm_bi2") {  // PyTorch's 2-layer stack comes back as one LSTM, same keys
      EXPECT_EQ(imp->doc.nodes.size(), 3u);
      EXPECT_TRUE(w.count("lstm.weight_hh_l1_reverse"));
    }
  }
  // The CLI verb on one of them writes both files.
  auto cli = test::run(test::cli() + " import " + q(dir.file("lstm_bi2.onnx")) + " --out " +
                       q(dir.file("g.strata")) + " --weights-out " + q(dir.file("g.safetensors")));
  EXPECT_EQ(cli.exitCode, 0) << cli.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("g.safetensors")));
  auto valid = test::run(test::cli() + " validate " + q(dir.file("g.strata")));
  EXPECT_EQ(valid.exitCode, 0) << valid.output;
}

TEST(OnnxImport, HostileFilesFailCleanly) {
  ScratchDir dir("strata-onnx-hostile");
  auto gen = test::run(test::python() + " " +
                       q(test::sourceDir() + "/tests/onnx/hostile_onnx.py") + " " +
                       q(dir.path().string()));
  ASSERT_EQ(gen.exitCode, 0) << gen.output;
  const std::map<std::string, std::string> expect = {
      {"truncated", "not an ONNX model"}, {"garbage", "not an ONNX model"},
      {"huge", "implausible"},           {"huge_input", "implausible"},
      {"unknown_op", "FancyOp"},
      {"cycle", "topologically"},        {"missing_init", "W"},
      {"nothing", "cannot open"}};
  for (const auto& [name, text] : expect) {
    SCOPED_TRACE(name);
    auto r = test::run(test::cli() + " import " + q(dir.file(name + ".onnx")) + " --out " +
                       q(dir.file(name + ".strata")) + " --weights-out " +
                       q(dir.file(name + ".safetensors")));
    EXPECT_EQ(r.exitCode, 2) << r.output;
    EXPECT_NE(r.output.find(text), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_FALSE(std::filesystem::exists(dir.file(name + ".strata")));
    EXPECT_FALSE(std::filesystem::exists(dir.file(name + ".safetensors")));
  }
}

TEST(OnnxCli, ExportVerb) {
  ScratchDir dir("strata-onnx-cli");
  const std::string sample = test::sourceDir() + "/samples/mlp-sine.strata";
  auto r = test::run(test::cli() + " export " + q(sample) + " --onnx " + q(dir.file("a.onnx")));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  auto init = test::run(test::cli() + " init " + q(sample) + " --seed 0 --out " +
                        q(dir.file("w.safetensors")));
  ASSERT_EQ(init.exitCode, 0) << init.output;
  r = test::run(test::cli() + " export " + q(sample) + " --weights " +
                q(dir.file("w.safetensors")) + " --onnx " + q(dir.file("b.onnx")));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  // Without --weights the weights are `init --seed 0`: the two files are identical.
  EXPECT_EQ(test::readText(dir.file("a.onnx")), test::readText(dir.file("b.onnx")));
  r = test::run(test::cli() + " export " + q(dir.file("missing.strata")) + " --onnx " +
                q(dir.file("c.onnx")));
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.onnx")));
  r = test::run(test::cli() + " export " + q(sample));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  r = test::run(test::cli() + " export --help");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("--onnx"), std::string::npos);
}

}  // namespace
}  // namespace strata
