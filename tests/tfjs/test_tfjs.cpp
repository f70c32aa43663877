// TensorFlow.js export (`strata-cli export --tfjs`): every layer type that can export (a grid of
// small graphs) and every sample that can is exported by the CLI with perturbed weights, loaded
// by @tensorflow/tfjs 4.22 in Node (tests/tfjs/run_tfjs.js, one Node run for all models) and must
// match `strata-cli run` on the same inputs within the contract's 1e-5 (design.md). Deliberately
// broken exports (a kernel left in PyTorch layout, GRU gates in PyTorch order) must fail that
// comparison; what cannot export is refused with a message naming the node and the fix.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/testenv.h"
#include "graph/model.h"
#include "io/npy.h"
#include "io/safetensors.h"

namespace strata {
namespace {

using test::ScratchDir;
using Json = nlohmann::json;

#ifndef STRATA_TEST_TFJS_DIR
#define STRATA_TEST_TFJS_DIR ""
#endif

// The contract (design.md): tfjs outputs within 1e-5 of `strata-cli run`, absolute, and relative
// for values above 1.
constexpr double kTolerance = 1e-5;

std::string tfjsDir() { return test::envOr("STRATA_TFJS_DIR", STRATA_TEST_TFJS_DIR); }
std::string q(const std::string& s) { return "'" + s + "'"; }

// Empty when @tensorflow/tfjs is installed, else why not (tests/CMakeLists.txt installs it at
// configure time and records a failed npm run in install-error.txt).
std::string tfjsMissing() {
  if (std::filesystem::exists(tfjsDir() + "/node_modules/@tensorflow/tfjs/package.json")) return "";
  std::string why = test::readText(tfjsDir() + "/install-error.txt");
  return "@tensorflow/tfjs 4.22.0 is not installed in " + tfjsDir() +
         (why.empty() ? " (re-run cmake with npm and the registry reachable)" : ": " + why);
}

struct Case {
  std::string name;
  std::string graph;  // JSON text
};

Json inputNode(const std::string& id, Json shape, const std::string& dtype = "float32") {
  return {{"id", id}, {"type", "Input"}, {"params", {{"shape", shape}, {"dtype", dtype}}}};
}
Json node(const std::string& id, const std::string& type, Json p = Json::object()) {
  return {{"id", id}, {"type", type}, {"params", p}};
}
Json edge(const std::string& f, const std::string& t) { return {{"from", f}, {"to", t}}; }
std::string graph(Json nodes, Json edges) {
  return Json{{"format", "strata-graph"}, {"version", 1}, {"nodes", nodes}, {"edges", edges}}
      .dump();
}

// x -> layer -> y, the layer's `port` fed and its `outPort` read.
std::string single(const std::string& type, const Json& params, const Json& inShape,
                   const std::string& dtype = "float32", const std::string& port = "in",
                   const std::string& outPort = "out") {
  return graph({inputNode("x", inShape, dtype), node("layer", type, params), node("y", "Output")},
               {edge("x.out", "layer." + port), edge("layer." + outPort, "y.in")});
}

std::vector<Case> gridCases() {
  std::vector<Case> c;
  c.push_back({"linear2d", single("Linear", {{"out_features", 5}}, {7})});
  c.push_back({"linear3d_nobias",
               single("Linear", {{"out_features", 3}, {"bias", false}}, {-1, 6})});
  c.push_back({"linear_square", single("Linear", {{"out_features", 6}}, {6})});
  c.push_back({"embedding", single("Embedding", {{"num_embeddings", 9}, {"embedding_dim", 4}},
                                   {-1}, "int64")});
  for (const char* a : {"ReLU", "Tanh", "Sigmoid", "Dropout"})
    c.push_back({a, single(a, Json::object(), {-1, 6})});
  c.push_back({"gelu", single("GELU", Json::object(), {-1, 6})});
  c.push_back({"gelu_tanh", single("GELU", {{"approximate", "tanh"}}, {-1, 6})});
  c.push_back({"softmax", single("Softmax", {{"dim", -1}}, {-1, 6})});
  c.push_back({"softmax_dim1", single("Softmax", {{"dim", 1}}, {4, 6})});
  c.push_back({"layernorm", single("LayerNorm", {{"eps", 1e-5}}, {-1, 6})});
  c.push_back({"layernorm_eps1e-2", single("LayerNorm", {{"eps", 1e-2}}, {6})});
  for (const char* m : {"mean", "max"})
    c.push_back({std::string("pool_") + m, single("SequencePool", {{"mode", m}}, {-1, 6})});
  c.push_back({"pool_last", single("SequencePool", {{"mode", "last"}}, {5, 6})});
  for (const char* type : {"RNN", "LSTM", "GRU"})
    for (int layers : {1, 2})
      for (bool bi : {false, true}) {
        Json p = {{"hidden_size", 3 + layers}, {"num_layers", layers}, {"bidirectional", bi}};
        if (std::string(type) == "GRU") p["linear_before_reset"] = false;
        c.push_back({std::string(type) + "_l" + std::to_string(layers) + (bi ? "_bi" : ""),
                     single(type, p, {-1, 5})});
      }
  c.push_back({"RNN_relu", single("RNN", {{"hidden_size", 4}, {"nonlinearity", "relu"}}, {-1, 5})});
  c.push_back({"LSTM_nobias_dropout",
               single("LSTM", {{"hidden_size", 4}, {"bias", false}, {"num_layers", 2},
                               {"dropout", 0.3}}, {-1, 3})});
  c.push_back({"mha", single("MultiheadAttention", {{"num_heads", 2}}, {-1, 8}, "float32",
                             "query")});
  c.push_back({"mha_nobias_1head",
               single("MultiheadAttention", {{"num_heads", 1}, {"bias", false}}, {-1, 4},
                      "float32", "query")});
  c.push_back({"mha_weights", single("MultiheadAttention", {{"num_heads", 4}}, {-1, 8},
                                     "float32", "query", "weights")});
  c.push_back({"pe_sin", single("PositionalEncoding", {{"max_len", 16}}, {6, 6})});
  c.push_back({"pe_learned",
               single("PositionalEncoding", {{"max_len", 16}, {"kind", "learned"}}, {5, 6})});
  for (bool nf : {false, true})
    for (const char* act : {"relu", "gelu"})
      c.push_back({std::string("encoder_") + act + (nf ? "_nf" : ""),
                   single("TransformerEncoderLayer",
                          {{"nhead", 2}, {"dim_feedforward", 16}, {"activation", act},
                           {"norm_first", nf}},
                          {-1, 8})});
  // The tensor-op layers (ONNX import's general case) that Keras can express.
  c.push_back({"permute", single("Permute", {{"dims", {0, 2, 1}}}, {5, 6})});
  c.push_back({"reshape_fixed", single("Reshape", {{"shape", {0, 2, -1}}}, {4, 6})});
  c.push_back({"reshape_flat_variable", single("Reshape", {{"shape", {0, -1}}}, {-1, 6})});
  c.push_back({"slice_steps", single("Slice", {{"dim", 1}, {"start", 1}, {"end", 3}}, {5, 6})});
  c.push_back({"slice_features",
               single("Slice", {{"dim", -1}, {"start", 2}, {"end", 5}}, {-1, 6})});
  for (const char* m : {"mean", "max"})
    c.push_back({std::string("reduce_") + m,
                 single("Reduce", {{"mode", m}, {"dims", {1}}}, {-1, 6})});
  c.push_back({"logsoftmax", single("LogSoftmax", {{"dim", -1}}, {-1, 6})});
  c.push_back({"logsoftmax_dim1", single("LogSoftmax", {{"dim", 1}}, {4, 6})});
  for (const auto& [f, alpha] : std::vector<std::pair<std::string, double>>{
           {"softplus", 1.0}, {"softsign", 1.0}, {"elu", 1.0},
           {"leaky_relu", 0.1}, {"selu", 1.0}, {"neg", 1.0}, {"abs", 1.0}})
    c.push_back({"elementwise_" + f + (alpha != 1.0 ? "_alpha" : ""),
                 single("Elementwise", {{"function", f}, {"alpha", alpha}}, {-1, 6})});
  for (const char* op : {"Mul", "Sub"})
    c.push_back({std::string("binary_") + op,
                 graph({inputNode("a", {4, 6}), inputNode("b", {4, 1}), node("op", op),
                        node("y", "Output")},
                       {edge("a.out", "op.a"), edge("b.out", "op.b"), edge("op.out", "y.in")})});
  c.push_back({"matmul",
               graph({inputNode("a", {4, 3}), inputNode("b", {3, 5}), node("mm", "MatMul"),
                      node("y", "Output")},
                     {edge("a.out", "mm.a"), edge("b.out", "mm.b"), edge("mm.out", "y.in")})});
  c.push_back({"add_concat",
               graph({inputNode("a", {6, 4}), inputNode("b", {6, 4}), node("s", "Add"),
                      node("cat", "Concat", {{"dim", -1}}), node("y", "Output")},
                     {edge("a.out", "s.a"), edge("b.out", "s.b"), edge("s.out", "cat.in0"),
                      edge("a.out", "cat.in1"), edge("cat.out", "y.in")})});
  c.push_back({"mha_cross_two_outputs",
               graph({inputNode("q", {-1, 8}), inputNode("kv", {6, 8}),
                      node("att", "MultiheadAttention", {{"num_heads", 2}}), node("y", "Output"),
                      node("w", "Output")},
                     {edge("q.out", "att.query"), edge("kv.out", "att.key"),
                      edge("kv.out", "att.value"), edge("att.out", "y.in"),
                      edge("att.weights", "w.in")})});
  for (bool nf : {false, true})
    c.push_back({std::string("decoder") + (nf ? "_nf" : ""),
                 graph({inputNode("t", {-1, 8}), inputNode("m", {6, 8}),
                        node("dec", "TransformerDecoderLayer",
                             {{"nhead", 2}, {"dim_feedforward", 12}, {"norm_first", nf},
                              {"causal", false}}),
                        node("y", "Output")},
                       {edge("t.out", "dec.tgt"), edge("m.out", "dec.memory"),
                        edge("dec.out", "y.in")})});
  // No Output node: the loss input is the model's output ("prediction" for `run`).
  c.push_back({"stack_lm_loss_only",
               graph({inputNode("tok", {7}, "int64"),
                      node("emb", "Embedding", {{"num_embeddings", 9}, {"embedding_dim", 8}}),
                      node("pe", "PositionalEncoding", {{"max_len", 32}}),
                      node("gru", "GRU", {{"hidden_size", 8}, {"bidirectional", true},
                                          {"linear_before_reset", false}}),
                      node("fc", "Linear", {{"out_features", 9}}),
                      node("loss", "CrossEntropyLoss")},
                     {edge("tok.out", "emb.in"), edge("emb.out", "pe.in"),
                      edge("pe.out", "gru.in"), edge("gru.out", "fc.in"),
                      edge("fc.out", "loss.input")})});
  return c;
}

// Samples that export, and those refused with what the message must say.
const std::vector<std::string> kExportedSamples = {"char-lstm", "mlp-sine", "sine-rnn",
                                                   "transformer-reverse"};

struct Refusal {
  std::string name;
  std::string graph;  // JSON text, or a sample file's text
  std::vector<std::string> says;
};

std::vector<Refusal> refusalCases() {
  std::vector<Refusal> r;
  auto sample = [](const std::string& n) {
    return test::readText(test::sourceDir() + "/samples/" + n + ".strata");
  };
  r.push_back({"sample_series-gru", sample("series-gru"),
               {"node gru:", "linear_before_reset: true", "reset_after=false",
                "set linear_before_reset to false"}});
  r.push_back({"sample_tiny-gpt", sample("tiny-gpt"),
               {"node pos:", "variable length", "give the Input a fixed sequence length",
                "node layers.0.layer:", "node layers.1.layer:", "causal attention mask",
                "set causal to false"}});
  r.push_back({"mha_causal",
               single("MultiheadAttention", {{"num_heads", 2}, {"causal", true}}, {-1, 8},
                      "float32", "query"),
               {"node layer:", "causal attention mask", "set causal to false"}});
  r.push_back({"mha_padding_mask",
               graph({inputNode("x", {6, 8}), inputNode("mask", {6}, "int64"),
                      node("att", "MultiheadAttention", {{"num_heads", 2}}), node("y", "Output")},
                     {edge("x.out", "att.query"), edge("mask.out", "att.key_padding_mask"),
                      edge("att.out", "y.in")}),
               {"node att:", "key padding mask", "leave the mask input unconnected"}});
  r.push_back({"encoder_padding_mask",
               graph({inputNode("x", {6, 8}), inputNode("mask", {6}, "int64"),
                      node("enc", "TransformerEncoderLayer",
                           {{"nhead", 2}, {"dim_feedforward", 8}}),
                      node("y", "Output")},
                     {edge("x.out", "enc.in"), edge("mask.out", "enc.src_key_padding_mask"),
                      edge("enc.out", "y.in")}),
               {"node enc:", "key padding mask"}});
  r.push_back({"lstm_h_n", single("LSTM", {{"hidden_size", 4}}, {-1, 5}, "float32", "in", "h_n"),
               {"node layer:", "output 'h_n'", "SequencePool"}});
  // A state fed from another model's h_n; Strata's [layers * D, B, H] has no Keras form.
  r.push_back({"gru_h0",
               graph({inputNode("x", {-1, 5}), inputNode("h", {1, 4}),
                      node("gru", "GRU", {{"hidden_size", 4}, {"linear_before_reset", false}}),
                      node("y", "Output")},
                     {edge("x.out", "gru.in"), edge("h.out", "gru.h0"), edge("gru.out", "y.in")}),
               {"node gru:", "initial state", "leave h0 unconnected"}});
  r.push_back({"pool_last_variable",
               single("SequencePool", {{"mode", "last"}}, {-1, 6}),
               {"node layer:", "SequencePool 'last'", "fixed sequence length"}});
  r.push_back({"pe_variable", single("PositionalEncoding", {{"max_len", 16}}, {-1, 6}),
               {"node layer:", "fixed sequence length"}});
  r.push_back({"div",
               graph({inputNode("a", {4, 6}), inputNode("b", {4, 6}), node("op", "Div"),
                      node("y", "Output")},
                     {edge("a.out", "op.a"), edge("b.out", "op.b"), edge("op.out", "y.in")}),
               {"node op:", "no division layer", "export to ONNX instead"}});
  r.push_back({"constant",
               graph({inputNode("a", {4, 6}), node("k", "Constant", {{"shape", {6}}}),
                      node("s", "Add"), node("y", "Output")},
                     {edge("a.out", "s.a"), edge("k.out", "s.b"), edge("s.out", "y.in")}),
               {"node k:", "a Constant has no TensorFlow.js form"}});
  r.push_back({"elementwise_exp", single("Elementwise", {{"function", "exp"}}, {-1, 6}),
               {"node layer:", "Elementwise 'exp'"}});
  r.push_back({"elu_alpha", single("Elementwise", {{"function", "elu"}, {"alpha", 0.5}}, {-1, 6}),
               {"node layer:", "alpha 1 only"}});
  r.push_back({"permute_batch", single("Permute", {{"dims", {1, 0, 2}}}, {5, 6}),
               {"node layer:", "moves the batch dimension"}});
  r.push_back({"reduce_sum", single("Reduce", {{"mode", "sum"}, {"dims", {1}}}, {-1, 6}),
               {"node layer:", "use SequencePool"}});
  r.push_back({"decoder_causal_default",
               graph({inputNode("t", {4, 8}), inputNode("m", {6, 8}),
                      node("dec", "TransformerDecoderLayer", {{"nhead", 2}, {"dim_feedforward", 8},
                                                              {"causal", true}}),
                      node("y", "Output")},
                     {edge("t.out", "dec.tgt"), edge("m.out", "dec.memory"),
                      edge("dec.out", "y.in")}),
               {"node dec:", "causal attention mask"}});
  return r;
}

// Inputs at batch B and variable length T: normal floats, token ids in [0, 5).
std::map<std::string, Tensor> makeInputs(const Model& m, int64_t B, int64_t T, std::mt19937& rng) {
  std::map<std::string, Tensor> in;
  std::normal_distribution<float> normal;
  for (const std::string& name : m.inputNames()) {
    TensorType t = m.inputType(name);
    Shape s = t.shape;
    for (auto& d : s) d = d == kBatch ? B : d < 0 ? T : d;
    if (t.kind == ValueKind::Int64) {
      Tensor x = Tensor::empty(s, DType::Int64);
      for (int64_t i = 0; i < x.numel(); ++i) x.i64()[i] = static_cast<int64_t>(rng() % 5);
      in[name] = x;
    } else {
      Tensor x = Tensor::empty(s);
      for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = normal(rng);
      in[name] = x;
    }
  }
  return in;
}

void writeRaw(const std::string& path, const Tensor& t) {
  std::ofstream out(path, std::ios::binary);
  out.write(t.dtype() == DType::Int64 ? reinterpret_cast<const char*>(t.i64())
                                      : reinterpret_cast<const char*>(t.f32()),
            static_cast<std::streamsize>(t.bytes()));
}

std::vector<float> readFloats(const std::string& path) {
  std::string s = test::readText(path);
  std::vector<float> v(s.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), s.data(), v.size() * 4);
  return v;
}

// The contract's verdict on one output: the worst element against kTolerance * max(1, |want|).
struct Verdict {
  double worst = 0;  // max |got - want| / max(1, |want|)
  int64_t at = -1;
  bool ok() const { return worst <= kTolerance; }
};

Verdict compare(const float* got, const float* want, int64_t n) {
  Verdict v;
  for (int64_t i = 0; i < n; ++i) {
    const double g = got[i], w = want[i];
    double d = std::isfinite(g) && std::isfinite(w) ? std::fabs(g - w) / std::max(1.0, std::fabs(w))
               : (g == w ? 0.0 : INFINITY);
    if (v.at < 0 || d > v.worst) v.worst = d, v.at = i;
  }
  return v;
}

// Output names as `strata-cli run` writes them: the Output node ids, else "prediction".
std::vector<std::string> outputNames(const GraphDocument& doc) {
  std::vector<std::string> out;
  for (const auto& n : doc.nodes)
    if (n.type == "Output") out.push_back(n.id);
  if (out.empty()) out.push_back("prediction");
  return out;
}

// One exported model ready for Node: its folder, inputs and the CLI's outputs.
struct Prepared {
  std::string name, dir;
  std::map<std::string, Tensor> inputs;
  std::map<std::string, Tensor> expected;  // by output name
  int64_t reduction = 1;                   // K of the fp32 rule, reported for information
  bool broken = false;                     // a deliberately wrong export: must fail
};

class TfjsExport : public ::testing::Test {
 protected:
  ScratchDir dir{"strata-tfjs"};

  // Writes the graph, perturbed weights, the CLI's export and the CLI's outputs on inputs of
  // batch 2 and length 5. False (with a failure recorded) when a step fails.
  bool prepare(const Case& c, std::mt19937& rng, Prepared& p) {
    SCOPED_TRACE(c.name);
    auto doc = GraphDocument::parse(c.graph);
    EXPECT_TRUE(doc.isOk()) << doc.message();
    if (!doc) return false;
    auto model = Model::compile(*doc);
    EXPECT_TRUE(model.isOk()) << model.message();
    if (!model) return false;
    // PyTorch's init leaves LayerNorm at 1/0 and attention biases at 0: perturb every weight so
    // a swapped gamma/beta or a dropped bias shows.
    (*model)->resetParameters(5);
    std::uniform_real_distribution<float> noise(-0.25f, 0.25f);
    std::vector<NamedTensor> params = (*model)->parameters();
    for (auto& t : params)
      for (int64_t i = 0; i < t.tensor.numel(); ++i) Tensor(t.tensor).f32()[i] += noise(rng);
    const std::string stem = dir.file(c.name);
    test::writeText(stem + ".strata", c.graph);
    if (!saveSafetensors(stem + ".safetensors", params)) {
      ADD_FAILURE() << "cannot write weights";
      return false;
    }
    p.name = c.name;
    p.dir = stem + ".tfjs";
    auto ex = test::run(test::cli() + " export " + q(stem + ".strata") + " --weights " +
                        q(stem + ".safetensors") + " --tfjs " + q(p.dir));
    EXPECT_EQ(ex.exitCode, 0) << ex.output;
    if (ex.exitCode != 0) return false;

    p.inputs = makeInputs(**model, 2, 5, rng);
    std::string cmd = test::cli() + " run " + q(stem + ".strata") + " --weights " +
                      q(stem + ".safetensors");
    for (const auto& [name, t] : p.inputs) {
      const std::string f = stem + "." + name + ".npy";
      EXPECT_TRUE(saveNpy(f, t).isOk());
      cmd += " --input " + q(name + "=" + f);
    }
    const std::vector<std::string> outs = outputNames(*doc);
    for (const std::string& o : outs)
      cmd += " --output " + q(o + "=" + stem + ".out." + o + ".npy");
    auto run = test::run(cmd);
    EXPECT_EQ(run.exitCode, 0) << run.output;
    if (run.exitCode != 0) return false;
    for (const std::string& o : outs) {
      auto y = loadNpy(stem + ".out." + o + ".npy");
      EXPECT_TRUE(y.isOk()) << y.message();
      if (!y) return false;
      p.expected[o] = *y;
    }
    p.reduction = 0;
    for (const auto& t : params) p.reduction += test::longestSum({t.tensor.shape()});
    for (const auto& [n, t] : p.inputs) p.reduction += test::longestSum({t.shape()});
    return true;
  }
};

// Reads a weight of an export by its manifest name; offsets follow the manifest order.
struct WeightSlot {
  Shape shape;
  size_t offset = 0;  // bytes into weights.bin
};
std::map<std::string, WeightSlot> manifestSlots(const std::string& tfjs) {
  std::map<std::string, WeightSlot> slots;
  Json m = Json::parse(test::readText(tfjs + "/model.json"));
  size_t offset = 0;
  for (const Json& w : m["weightsManifest"][0]["weights"]) {
    WeightSlot s{w["shape"].get<Shape>(), offset};
    slots[w["name"].get<std::string>()] = s;
    offset += static_cast<size_t>(numel(s.shape)) * 4;
  }
  return slots;
}

// Copies an export to `to` and rewrites weight `name` through `change` (floats, shape).
using WeightChange = std::function<void(std::vector<float>&, const Shape&)>;
void breakWeights(const std::string& from, const std::string& to,
                  const std::map<std::string, WeightChange>& changes) {
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(from + "/model.json", to + "/model.json");
  std::string bin = test::readText(from + "/weights.bin");
  auto slots = manifestSlots(from);
  for (const auto& [name, change] : changes) {
    ASSERT_TRUE(slots.count(name)) << name;
    const WeightSlot& s = slots[name];
    std::vector<float> v(static_cast<size_t>(numel(s.shape)));
    std::memcpy(v.data(), bin.data() + s.offset, v.size() * 4);
    change(v, s.shape);
    std::memcpy(bin.data() + s.offset, v.data(), v.size() * 4);
  }
  test::writeText(to + "/weights.bin", bin);
}

TEST_F(TfjsExport, LoadsInTfjsAndMatchesStrataRun) {
  const std::string missing = tfjsMissing();
  if (!missing.empty()) GTEST_SKIP() << missing;

  std::vector<Case> cases = gridCases();
  for (const std::string& s : kExportedSamples)
    cases.push_back(
        {"sample_" + s, test::readText(test::sourceDir() + "/samples/" + s + ".strata")});
  {
    // tiny-gpt with a fixed length and no causal mask: its Repeat block's copies
    // ("layers.0.layer", "layers.1.layer") become Keras layers named by their flat ids.
    Json g = Json::parse(test::readText(test::sourceDir() + "/samples/tiny-gpt.strata"));
    for (Json& n : g["nodes"]) {
      if (n["id"] == "chars") n["params"]["shape"] = {8};
      if (n["id"] == "layer") n["params"]["causal"] = false;
    }
    cases.push_back({"tiny-gpt_fixed_noncausal", g.dump()});
  }
  std::mt19937 rng(11);
  std::vector<Prepared> runs;
  for (const Case& c : cases) {
    Prepared p;
    if (prepare(c, rng, p)) runs.push_back(std::move(p));
  }
  ASSERT_EQ(runs.size(), cases.size()) << "some cases did not export or run (see above)";

  // Deliberately broken exports: the comparison must catch them.
  auto find = [&](const std::string& n) -> const Prepared& {
    for (const Prepared& p : runs)
      if (p.name == n) return p;
    throw std::runtime_error("no case " + n);
  };
  {
    Prepared b = find("linear_square");
    b.name = "broken_kernel_untransposed";
    b.broken = true;
    const std::string to = dir.file(b.name + ".tfjs");
    breakWeights(b.dir, to, {{"layer/kernel", [](std::vector<float>& v, const Shape& s) {
                                std::vector<float> t(v.size());
                                for (int64_t i = 0; i < s[0]; ++i)
                                  for (int64_t j = 0; j < s[1]; ++j)
                                    t[static_cast<size_t>(j * s[0] + i)] =
                                        v[static_cast<size_t>(i * s[1] + j)];
                                v = t;
                              }}});
    b.dir = to;
    runs.push_back(b);
  }
  {
    // Keras's z, r, h written as PyTorch's r, z, n: swap the first two column blocks.
    Prepared b = find("GRU_l1");
    b.name = "broken_gru_gate_order";
    b.broken = true;
    auto swapZr = [](std::vector<float>& v, const Shape& s) {
      const int64_t cols = s.back(), rows = static_cast<int64_t>(v.size()) / cols, h = cols / 3;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t k = 0; k < h; ++k)
          std::swap(v[static_cast<size_t>(r * cols + k)], v[static_cast<size_t>(r * cols + h + k)]);
    };
    const std::string to = dir.file(b.name + ".tfjs");
    breakWeights(b.dir, to, {{"layer/kernel", swapZr}, {"layer/recurrent_kernel", swapZr},
                             {"layer/bias", swapZr}});
    b.dir = to;
    runs.push_back(b);
  }

  Json manifest = Json::array();
  for (const Prepared& p : runs) {
    Json feeds = Json::array(), outs = Json::array();
    for (const auto& [name, t] : p.inputs) {
      const std::string f = dir.file(p.name + "." + name + ".in");
      writeRaw(f, t);
      feeds.push_back({{"name", name},
                       {"dtype", t.dtype() == DType::Int64 ? "int64" : "float32"},
                       {"shape", t.shape()},
                       {"file", f}});
    }
    for (const auto& [name, t] : p.expected)
      outs.push_back({{"name", name}, {"file", dir.file(p.name + "." + name + ".tfjs.out")}});
    manifest.push_back({{"name", p.name}, {"dir", p.dir}, {"feeds", feeds}, {"outputs", outs}});
  }
  test::writeText(dir.file("manifest.json"), manifest.dump());
  auto node = test::run("NODE_PATH=" + q(tfjsDir() + "/node_modules") + " node " +
                        q(test::sourceDir() + "/tests/tfjs/run_tfjs.js") + " " +
                        q(dir.file("manifest.json")));
  ASSERT_EQ(node.exitCode, 0) << node.output;
  std::printf("[tfjs] %s", node.output.substr(node.output.rfind("tfjs ")).c_str());

  int caught = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Prepared& p = runs[i];
    SCOPED_TRACE(p.name);
    ASSERT_NE(node.output.find("CASE " + p.name + " OK"), std::string::npos)
        << "tfjs did not run " << p.name << ":\n" << node.output;
    bool allOk = true;
    double worst = 0, fp32 = 0;
    for (const Json& o : manifest[i]["outputs"]) {
      const std::string name = o["name"];
      const Tensor& want = p.expected.at(name);
      std::vector<float> got = readFloats(o["file"]);
      ASSERT_EQ(static_cast<int64_t>(got.size()), want.numel()) << name;
      const Verdict v = compare(got.data(), want.f32(), want.numel());
      const std::vector<double> ref(want.f32(), want.f32() + want.numel());
      const auto rule = test::checkFp32(got.data(), ref.data(), nullptr, want.numel(),
                                        p.reduction, 2.0);
      worst = std::max(worst, v.worst);
      fp32 = std::max(fp32, rule.ratio);
      allOk = allOk && v.ok();
      if (!p.broken)
        EXPECT_TRUE(v.ok()) << p.name << " output " << name << "[" << v.at << "]: tfjs "
                            << got[static_cast<size_t>(v.at)] << " vs strata-cli run "
                            << want.f32()[v.at] << " (" << v.worst << " > " << kTolerance << ")";
    }
    if (p.broken) {
      EXPECT_FALSE(allOk) << p.name << ": the comparison did not catch a broken export";
      caught += !allOk;
    }
    std::printf("[tfjs] %-28s max diff %.2e (contract 1e-5)%s, %.3f of the fp32 bound\n",
                p.name.c_str(), worst, p.broken ? (allOk ? " NOT CAUGHT" : " caught") : "",
                fp32);
  }
  EXPECT_EQ(caught, 2);
}

TEST_F(TfjsExport, WritesKeras2TopologyWithExplicitDefaults) {
  // No Node needed: the file itself (tfjs's defaults differ from PyTorch's and Keras 3's JSON
  // does not load in tfjs).
  const std::string g = dir.file("g.strata");
  test::writeText(g, graph({inputNode("x", {-1, 5}),
                            node("lstm", "LSTM", {{"hidden_size", 4}, {"bidirectional", true}}),
                            node("norm", "LayerNorm"), node("y", "Output")},
                           {edge("x.out", "lstm.in"), edge("lstm.out", "norm.in"),
                            edge("norm.out", "y.in")}));
  auto r = test::run(test::cli() + " export " + q(g) + " --tfjs " + q(dir.file("out")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  Json m = Json::parse(test::readText(dir.file("out/model.json")));
  EXPECT_EQ(m["format"], "layers-model");
  const Json& topo = m["modelTopology"];
  EXPECT_EQ(topo["class_name"], "Functional");
  EXPECT_EQ(topo["keras_version"].get<std::string>().substr(0, 2), "2.");
  EXPECT_EQ(topo["backend"], "tensorflow");
  std::map<std::string, Json> layers;
  for (const Json& l : topo["config"]["layers"]) layers[l["name"]] = l;
  ASSERT_TRUE(layers.count("x") && layers.count("lstm") && layers.count("norm") &&
              layers.count("y"));
  EXPECT_EQ(layers["x"]["class_name"], "InputLayer");
  EXPECT_EQ(layers["x"]["config"]["batch_input_shape"], Json::parse("[null, null, 5]"));
  EXPECT_EQ(layers["lstm"]["class_name"], "Bidirectional");
  const Json& cell = layers["lstm"]["config"]["layer"];
  EXPECT_EQ(cell["class_name"], "LSTM");
  EXPECT_EQ(cell["config"]["recurrent_activation"], "sigmoid");
  EXPECT_EQ(cell["config"]["return_sequences"], true);
  EXPECT_EQ(layers["norm"]["config"]["epsilon"], 1e-5);
  // Keras-2 inbound nodes: a list of calls, each a list of [layer, node, tensor, kwargs].
  EXPECT_EQ(layers["norm"]["inbound_nodes"], Json::parse(R"([[["lstm", 0, 0, {}]]])"));
  EXPECT_EQ(topo["config"]["output_layers"], Json::parse(R"([["y", 0, 0]])"));
  std::vector<std::string> names;
  for (const Json& w : m["weightsManifest"][0]["weights"]) names.push_back(w["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "lstm/forward_lstm/kernel", "lstm/forward_lstm/recurrent_kernel",
                       "lstm/forward_lstm/bias", "lstm/backward_lstm/kernel",
                       "lstm/backward_lstm/recurrent_kernel", "lstm/backward_lstm/bias",
                       "norm/gamma", "norm/beta"}));
  EXPECT_EQ(m["weightsManifest"][0]["paths"], Json::parse(R"(["weights.bin"])"));
  EXPECT_EQ(std::filesystem::file_size(dir.file("out/weights.bin")),
            static_cast<uintmax_t>(4 * (2 * (5 * 16 + 4 * 16 + 16) + 2 * 8)));
}

TEST_F(TfjsExport, RefusesWhatKerasCannotExpressNamingNodeAndFix) {
  for (const Refusal& c : refusalCases()) {
    SCOPED_TRACE(c.name);
    const std::string g = dir.file(c.name + ".strata");
    const std::string out = dir.file(c.name + ".tfjs");
    test::writeText(g, c.graph);
    auto r = test::run(test::cli() + " export " + q(g) + " --tfjs " + q(out));
    EXPECT_EQ(r.exitCode, 2) << r.output;
    for (const std::string& s : c.says)
      EXPECT_NE(r.output.find(s), std::string::npos) << "missing '" << s << "' in:\n" << r.output;
    EXPECT_FALSE(std::filesystem::exists(out + "/model.json")) << "a refused export wrote files";
    std::printf("[tfjs] refused %-22s %s", c.name.c_str(),
                r.output.substr(r.output.find("node ")).c_str());
  }
}

}  // namespace
}  // namespace strata
