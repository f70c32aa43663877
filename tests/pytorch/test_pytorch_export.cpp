// PyTorch code export (`strata-cli export --pytorch`): every sample and a grid of small graphs
// covering every layer type and port are exported, then run in PyTorch 1.13 with Strata's weights
// loaded by load_state_dict(strict=True); forward must match Strata's forward (strata-cli run for
// the samples) and loss() Strata's loss, each element within the fp32 rule's bound
// (docs/numerics.md) of the exported module run in float64. One Python run checks every case.
// Also: the verb's errors (invalid graph, unexportable id, no format) exit 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/testenv.h"
#include "graph/model.h"
#include "io/npy.h"
#include "io/pytorch/exporter.h"
#include "io/safetensors.h"
#include "tensor/autograd.h"

namespace strata {
namespace {

using test::ScratchDir;
using Json = nlohmann::json;

std::string q(const std::string& s) { return "'" + s + "'"; }

struct Case {
  std::string name;
  std::string graph;       // JSON text
  std::string samplePath;  // a sample file: reference outputs come from `strata-cli run`
};

Json in(const std::string& id, Json shape, const std::string& dtype = "float32") {
  return Json{{"id", id}, {"type", "Input"}, {"params", {{"shape", shape}, {"dtype", dtype}}}};
}
Json node(const std::string& id, const std::string& type, Json p = Json::object()) {
  return Json{{"id", id}, {"type", type}, {"params", p}};
}
Json e(const std::string& f, const std::string& t) { return Json{{"from", f}, {"to", t}}; }
Case graph(const std::string& name, Json nodes, Json edges, Json blocks = nullptr) {
  Json g = {{"format", "strata-graph"}, {"version", 1}, {"nodes", nodes}, {"edges", edges}};
  if (!blocks.is_null()) g["blocks"] = blocks;
  // A name with quotes, backslashes, a newline and non-ASCII text must still give valid Python.
  const std::string hostile = "grid \"\"\" it's \\ a\nb \u00e9";
  g["meta"] = {{"name", name == "add_concat" ? hostile : "grid " + name}};
  return Case{name, g.dump(), ""};
}
// x -> layer -> y (and more outputs by port).
Case single(const std::string& name, const std::string& type, const Json& params,
            const Json& shape, const std::string& dtype = "float32",
            const std::string& inPort = "in", std::vector<std::string> outPorts = {"out"}) {
  Json nodes = {in("x", shape, dtype), node("layer", type, params)};
  // Json::array: a one-element brace list of a json object is that object under clang, an
  // array under gcc.
  Json edges = Json::array({e("x.out", "layer." + inPort)});
  for (const auto& p : outPorts) {
    nodes.push_back(node("y_" + p, "Output"));
    edges.push_back(e("layer." + p, "y_" + p + ".in"));
  }
  return graph(name, nodes, edges);
}

std::vector<Case> gridCases() {
  std::vector<Case> c;
  c.push_back(single("linear2d", "Linear", {{"out_features", 5}}, {7}));
  c.push_back(single("linear3d_nobias", "Linear", {{"out_features", 3}, {"bias", false}},
                     {-1, 6}));
  c.push_back(single("embedding", "Embedding", {{"num_embeddings", 9}, {"embedding_dim", 4}},
                     {-1}, "int64"));
  for (const char* a : {"ReLU", "Tanh", "Sigmoid", "Dropout"})
    c.push_back(single(a, a, Json::object(), {-1, 6}));
  c.push_back(single("softmax_last", "Softmax", {{"dim", -1}}, {-1, 6}));
  c.push_back(single("softmax_dim1", "Softmax", {{"dim", 1}}, {4, 6}));
  c.push_back(single("gelu", "GELU", Json::object(), {-1, 6}));
  c.push_back(single("gelu_tanh", "GELU", {{"approximate", "tanh"}}, {-1, 6}));
  c.push_back(single("layernorm", "LayerNorm", {{"eps", 1e-3}}, {-1, 6}));
  for (const char* m : {"last", "mean", "max"})
    c.push_back(single(std::string("pool_") + m, "SequencePool", {{"mode", m}}, {-1, 6}));
  // Recurrent: 1-2 layers, uni/bi; every output port; inter-layer dropout (inactive in eval).
  for (const char* type : {"RNN", "LSTM", "GRU"}) {
    const bool lstm = std::string(type) == "LSTM";
    for (int layers : {1, 2})
      for (bool bi : {false, true}) {
        Json p = {{"hidden_size", 3 + layers}, {"num_layers", layers}, {"bidirectional", bi},
                  {"dropout", layers == 2 ? 0.3 : 0.0}};
        std::vector<std::string> outs = {"out", "h_n"};
        if (lstm) outs.push_back("c_n");
        c.push_back(single(std::string(type) + "_l" + std::to_string(layers) + (bi ? "_bi" : ""),
                           type, p, {-1, 5}, "float32", "in", outs));
      }
    // A stack's final states start a second stack: h0 (and c0) fed.
    Json p = {{"hidden_size", 4}, {"num_layers", 2}, {"bidirectional", true}};
    Json edges = {e("x.out", "r1.in"), e("r1.out", "r2.in"), e("r1.h_n", "r2.h0"),
                  e("r2.out", "y.in"), e("r2.h_n", "h.in")};
    Json nodes = {in("x", {-1, 5}), node("r1", type, p), node("r2", type, p),
                  node("y", "Output"), node("h", "Output")};
    if (lstm) {
      edges.push_back(e("r1.c_n", "r2.c0"));
      edges.push_back(e("r2.c_n", "c.in"));
      nodes.push_back(node("c", "Output"));
    }
    c.push_back(graph(std::string(type) + "_h0", nodes, edges));
  }
  c.push_back(single("RNN_relu", "RNN", {{"hidden_size", 4}, {"nonlinearity", "relu"}}, {-1, 5}));
  c.push_back(single("LSTM_nobias", "LSTM", {{"hidden_size", 4}, {"bias", false}}, {-1, 3},
                     "float32", "in", {"out", "h_n", "c_n"}));
  // LSTM with only h0 (c0 zeros) and only c0 (h0 zeros).
  for (const char* port : {"h0", "c0"}) {
    Json p = {{"hidden_size", 4}};
    const std::string src = std::string(port) == "h0" ? "r1.h_n" : "r1.c_n";
    c.push_back(graph(std::string("LSTM_only_") + port,
                      {in("x", {-1, 3}), node("r1", "LSTM", p), node("r2", "LSTM", p),
                       node("y", "Output")},
                      {e("x.out", "r1.in"), e("x.out", "r2.in"), e(src, std::string("r2.") + port),
                       e("r2.out", "y.in")}));
  }
  // Attention: self, causal with weights, padding mask with weights, cross-attention, no bias.
  c.push_back(single("mha_self", "MultiheadAttention", {{"num_heads", 2}}, {-1, 8}, "float32",
                     "query"));
  c.push_back(single("mha_causal_weights", "MultiheadAttention",
                     {{"num_heads", 4}, {"causal", true}}, {-1, 8}, "float32", "query",
                     {"out", "weights"}));
  c.push_back(graph("mha_mask_causal_weights",
                    {in("x", {-1, 8}), in("mask", {-1}, "int64"),
                     node("att", "MultiheadAttention",
                          {{"num_heads", 2}, {"causal", true}, {"bias", false}}),
                     node("y", "Output"), node("w", "Output")},
                    {e("x.out", "att.query"), e("mask.out", "att.key_padding_mask"),
                     e("att.out", "y.in"), e("att.weights", "w.in")}));
  c.push_back(graph("mha_cross_mask",
                    {in("q", {-1, 8}), in("kv", {6, 8}), in("mask", {6}, "int64"),
                     node("att", "MultiheadAttention", {{"num_heads", 2}}), node("y", "Output"),
                     node("w", "Output")},
                    {e("q.out", "att.query"), e("kv.out", "att.key"), e("kv.out", "att.value"),
                     e("mask.out", "att.key_padding_mask"), e("att.out", "y.in"),
                     e("att.weights", "w.in")}));
  c.push_back(graph("mha_cross_kv",
                    {in("q", {-1, 4}), in("k", {6, 4}), in("v", {6, 4}),
                     node("att", "MultiheadAttention", {{"num_heads", 1}, {"causal", true}}),
                     node("y", "Output")},
                    {e("q.out", "att.query"), e("k.out", "att.key"), e("v.out", "att.value"),
                     e("att.out", "y.in")}));
  // A float padding mask (nonzero = padding, like the int64 ones).
  c.push_back(graph("mha_float_mask",
                    {in("x", {-1, 4}), in("mask_f", {-1}),
                     node("att", "MultiheadAttention", {{"num_heads", 2}}), node("y", "Output")},
                    {e("x.out", "att.query"), e("mask_f.out", "att.key_padding_mask"),
                     e("att.out", "y.in")}));
  c.push_back(single("pe_sin", "PositionalEncoding", {{"max_len", 16}}, {-1, 6}));
  c.push_back(single("pe_sin_odd", "PositionalEncoding", {{"max_len", 7}}, {-1, 5}));
  c.push_back(single("pe_learned", "PositionalEncoding", {{"max_len", 16}, {"kind", "learned"}},
                     {-1, 6}));
  // Transformer layers: norm_first both ways, relu/gelu, causal, padding masks.
  for (bool nf : {false, true})
    for (const char* act : {"relu", "gelu"}) {
      const std::string tag = std::string(act) + (nf ? "_nf" : "");
      c.push_back(single("encoder_" + tag, "TransformerEncoderLayer",
                         {{"nhead", 2}, {"dim_feedforward", 16}, {"activation", act},
                          {"norm_first", nf}, {"causal", nf}, {"layer_norm_eps", 1e-4}},
                         {-1, 8}));
      c.push_back(graph("encoder_mask_" + tag,
                        {in("x", {-1, 8}), in("mask", {-1}, "int64"),
                         node("enc", "TransformerEncoderLayer",
                              {{"nhead", 4}, {"dim_feedforward", 8}, {"activation", act},
                               {"norm_first", nf}, {"causal", !nf}}),
                         node("y", "Output")},
                        {e("x.out", "enc.in"), e("mask.out", "enc.src_key_padding_mask"),
                         e("enc.out", "y.in")}));
      c.push_back(graph("decoder_" + tag,
                        {in("t", {-1, 8}), in("m", {6, 8}), in("mask_t", {-1}, "int64"),
                         in("mask_m", {6}, "int64"),
                         node("dec", "TransformerDecoderLayer",
                              {{"nhead", 2}, {"dim_feedforward", 12}, {"activation", act},
                               {"norm_first", nf}, {"causal", !nf || std::string(act) == "relu"}}),
                         node("y", "Output")},
                        {e("t.out", "dec.tgt"), e("m.out", "dec.memory"),
                         e("mask_t.out", "dec.tgt_key_padding_mask"),
                         e("mask_m.out", "dec.memory_key_padding_mask"), e("dec.out", "y.in")}));
    }
  // Post-norm, not causal, even heads, padding mask: PyTorch 1.13 takes its fused encoder-layer
  // fast path under no_grad, which must agree too.
  c.push_back(graph("encoder_mask_fastpath",
                    {in("x", {-1, 8}), in("mask", {-1}, "int64"),
                     node("enc", "TransformerEncoderLayer",
                          {{"nhead", 2}, {"dim_feedforward", 16}, {"causal", false}}),
                     node("y", "Output")},
                    {e("x.out", "enc.in"), e("mask.out", "enc.src_key_padding_mask"),
                     e("enc.out", "y.in")}));
  c.push_back(graph("decoder_nomask",
                    {in("t", {-1, 8}), in("m", {-1, 8}),
                     node("dec", "TransformerDecoderLayer", {{"nhead", 2}, {"dim_feedforward", 8}}),
                     node("y", "Output")},
                    {e("t.out", "dec.tgt"), e("m.out", "dec.memory"), e("dec.out", "y.in")}));
  // The tensor layers (numpy-style ops for imported graphs).
  c.push_back(single("permute", "Permute", {{"dims", {0, 2, 1}}}, {4, 6}));
  c.push_back(single("reshape", "Reshape", {{"shape", {0, -1}}}, {4, 6}));
  c.push_back(single("slice", "Slice", {{"dim", 1}, {"start", 1}, {"end", 3}}, {4, 6}));
  c.push_back(single("logsoftmax", "LogSoftmax", {{"dim", 1}}, {4, 6}));
  for (const char* m : {"mean", "sum", "max"})
    c.push_back(single(std::string("reduce_") + m, "Reduce",
                       {{"mode", m}, {"dims", {1}}, {"keepdim", m[0] == 's'}}, {4, 6}));
  for (const char* f : {"exp", "abs", "neg", "erf", "softplus", "softsign", "elu", "leaky_relu",
                        "selu"})
    c.push_back(single(std::string("elementwise_") + f, "Elementwise",
                       {{"function", f}, {"alpha", 0.3}}, {-1, 6}));
  for (const char* op : {"MatMul", "Mul", "Sub", "Div"})
    c.push_back(graph(std::string("tensor_") + op,
                      {in("x", {4, 6}),
                       node("k", "Constant",
                            {{"shape", std::string(op) == "MatMul" ? Json{6, 3} : Json{6}}}),
                       node("layer", op), node("y", "Output")},
                      {e("x.out", "layer.a"), e("k.out", "layer.b"), e("layer.out", "y.in")}));
  // Structure: Add, Concat (3 inputs, and along time), SequencePool after Softmax.
  c.push_back(graph("add_concat",
                    {in("a", {6, 4}), in("b", {6, 4}), node("s", "Add"),
                     node("cat", "Concat", {{"dim", -1}}), node("y", "Output")},
                    {e("a.out", "s.a"), e("b.out", "s.b"), e("s.out", "cat.in0"),
                     e("a.out", "cat.in1"), e("b.out", "cat.in2"), e("cat.out", "y.in")}));
  c.push_back(graph("concat_time",
                    {in("a", {3, 4}), in("b", {5, 4}), node("cat", "Concat", {{"dim", 1}}),
                     node("sm", "Softmax", {{"dim", 1}}),
                     node("pool", "SequencePool", {{"mode", "max"}}), node("y", "Output")},
                    {e("a.out", "cat.in0"), e("b.out", "cat.in1"), e("cat.out", "sm.in"),
                     e("sm.out", "pool.in"), e("pool.out", "y.in")}));
  // Losses: MSE with an Output, CrossEntropy over [B, T, C] without one (forward returns the
  // loss input), CrossEntropy over [B, C].
  c.push_back(graph("mse_with_output",
                    {in("x", {-1, 3}), node("fc", "Linear", {{"out_features", 2}}),
                     node("y", "Output"), node("mse", "MSELoss")},
                    {e("x.out", "fc.in"), e("fc.out", "y.in"), e("fc.out", "mse.input")}));
  c.push_back(graph("ce_seq_no_output",
                    {in("tok", {-1}, "int64"),
                     node("emb", "Embedding", {{"num_embeddings", 7}, {"embedding_dim", 6}}),
                     node("gru", "GRU", {{"hidden_size", 5}}),
                     node("fc", "Linear", {{"out_features", 7}}),
                     node("ce", "CrossEntropyLoss")},
                    {e("tok.out", "emb.in"), e("emb.out", "gru.in"), e("gru.out", "fc.in"),
                     e("fc.out", "ce.input")}));
  c.push_back(graph("ce_classes",
                    {in("x", {-1, 4}), node("lstm", "LSTM", {{"hidden_size", 6}}),
                     node("pool", "SequencePool", {{"mode", "mean"}}),
                     node("fc", "Linear", {{"out_features", 3}}),
                     node("ce", "CrossEntropyLoss", {{"ignore_index", 1}}), node("y", "Output")},
                    {e("x.out", "lstm.in"), e("lstm.out", "pool.in"), e("pool.out", "fc.in"),
                     e("fc.out", "ce.input"), e("fc.out", "y.in")}));
  // Repeat blocks: two encoder layers sharing the padding mask; a Linear+Tanh pair.
  c.push_back(graph(
      "repeat_encoders",
      {in("x", {-1, 8}), in("mask", {-1}, "int64"),
       node("layer", "TransformerEncoderLayer",
            {{"nhead", 2}, {"dim_feedforward", 16}, {"norm_first", true}, {"causal", true}}),
       node("y", "Output")},
      {e("x.out", "layer.in"), e("mask.out", "layer.src_key_padding_mask"),
       e("layer.out", "y.in")},
      Json::array({{{"id", "layers"}, {"nodes", {"layer"}}, {"repeat", 2}}})));
  c.push_back(graph("repeat_linear_tanh",
                    {in("x", {-1, 6}), node("fc", "Linear", {{"out_features", 6}}),
                     node("act", "Tanh"), node("head", "Linear", {{"out_features", 2}}),
                     node("y", "Output")},
                    {e("x.out", "fc.in"), e("fc.out", "act.in"), e("act.out", "head.in"),
                     e("head.out", "y.in")},
                    Json::array({{{"id", "blocks"}, {"nodes", {"fc", "act"}}, {"repeat", 3}}})));
  return c;
}

std::vector<Case> sampleCases() {
  std::vector<Case> c;
  for (const auto& f : std::filesystem::directory_iterator(test::sourceDir() + "/samples"))
    if (f.path().extension() == ".strata")
      c.push_back({"sample_" + f.path().stem().string(), test::readText(f.path().string()),
                   f.path().string()});
  std::sort(c.begin(), c.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return c;
}

// Random inputs at batch B and variable length T: normal floats, token ids below the smallest
// vocabulary, and int64 masks (inputs named mask*) that hide trailing keys but never key 0.
std::map<std::string, Tensor> makeInputs(const Model& m, int64_t B, int64_t T,
                                         std::mt19937& rng) {
  int64_t vocab = 5;
  for (const auto& [id, na] : m.analysis().nodes)
    if (na.spec && na.spec->type == "Embedding")
      vocab = std::min(vocab, na.params.at("num_embeddings").get<int64_t>());
  std::map<std::string, Tensor> inputs;
  std::normal_distribution<float> normal;
  for (const std::string& name : m.inputNames()) {
    TensorType t = m.inputType(name);
    Shape s = t.shape;
    for (auto& d : s) d = d == kBatch ? B : d < 0 ? T : d;
    const bool mask = name.rfind("mask", 0) == 0;
    const int64_t len = s.back();
    auto masked = [len](int64_t i) { return i % len > 0 && i % len >= len - (i / len) % 3; };
    if (t.kind == ValueKind::Int64) {
      Tensor x = Tensor::empty(s, DType::Int64);
      for (int64_t i = 0; i < x.numel(); ++i)
        x.i64()[i] = mask ? masked(i) : static_cast<int64_t>(rng() % vocab);
      inputs[name] = x;
    } else if (mask) {  // float masks: any nonzero value hides the key
      Tensor x = Tensor::empty(s);
      for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = masked(i) ? -2.5f : 0.0f;
      inputs[name] = x;
    } else {
      Tensor x = Tensor::empty(s);
      for (int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = normal(rng);
      inputs[name] = x;
    }
  }
  return inputs;
}

// Targets of the model's loss: normal floats (MSE) or class indices, one of them ignore_index.
Tensor makeTarget(const Model& m, int64_t B, int64_t T, std::mt19937& rng) {
  auto type = m.targetType();
  if (!type) return Tensor();
  Shape s = type->shape;
  for (auto& d : s) d = d == kBatch ? B : d < 0 ? T : d;
  if (type->kind != ValueKind::Int64) {
    std::normal_distribution<float> normal;
    Tensor t = Tensor::empty(s);
    for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = normal(rng);
    return t;
  }
  int64_t classes = 2, ignore = -100;
  for (const auto& [id, na] : m.analysis().nodes)
    if (na.spec && na.spec->isLoss && na.spec->type == "CrossEntropyLoss") {
      classes = na.inputs.at(0)->shape.back();
      ignore = na.params.at("ignore_index").get<int64_t>();
    }
  Tensor t = Tensor::empty(s, DType::Int64);
  for (int64_t i = 0; i < t.numel(); ++i) t.i64()[i] = static_cast<int64_t>(rng() % classes);
  if (t.numel() > 2) t.i64()[1] = ignore;
  return t;
}

class PyTorchExport : public ::testing::Test {
 protected:
  ScratchDir dir{"strata-pytorch"};
};

TEST_F(PyTorchExport, ForwardAndLossMatchStrata) {
  std::vector<Case> cases = gridCases();
  for (auto& s : sampleCases()) cases.push_back(s);
  std::set<std::string> types;
  Json manifest = Json::array();
  std::mt19937 rng(11);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto doc = GraphDocument::parse(c.graph);
    ASSERT_TRUE(doc.isOk()) << doc.message();
    auto compiled = Model::compile(*doc);
    ASSERT_TRUE(compiled.isOk()) << compiled.message();
    Model& model = **compiled;
    for (const auto& [id, na] : model.analysis().nodes) types.insert(na.spec->type);
    const std::string graphPath = c.samplePath.empty() ? dir.file(c.name + ".strata")
                                                        : c.samplePath;
    if (c.samplePath.empty()) test::writeText(graphPath, c.graph);
    const std::string weights = dir.file(c.name + ".safetensors");
    // Weights: `strata-cli init` for the samples, a seeded reset in-process for the grid.
    if (!c.samplePath.empty()) {
      auto init = test::run(test::cli() + " init " + q(graphPath) + " --seed 5 --out " +
                            q(weights));
      ASSERT_EQ(init.exitCode, 0) << init.output;
      auto loaded = loadSafetensors(weights);
      ASSERT_TRUE(loaded.isOk()) << loaded.message();
      std::vector<NamedTensor> params = model.parameters();
      ASSERT_TRUE(assignTensors(loaded->tensors, params).isOk());
    } else {
      model.resetParameters(5);
      ASSERT_TRUE(saveSafetensors(weights, model.parameters()).isOk());
    }
    // Grid weights are made less tidy than an init (LayerNorm 1/0, zero biases) so that every
    // parameter matters; the same values go to both sides through the checkpoint. The samples
    // keep `init`'s weights.
    if (c.samplePath.empty()) {
      std::normal_distribution<float> jitter(0.0f, 0.1f);
      for (NamedTensor& p : model.parameters())
        for (int64_t i = 0; i < p.tensor.numel(); ++i) p.tensor.f32()[i] += jitter(rng);
      ASSERT_TRUE(saveSafetensors(weights, model.parameters()).isOk());
    }
    const int64_t B = 3, T = 5;
    auto inputs = makeInputs(model, B, T, rng);
    Tensor target = makeTarget(model, B, T, rng);
    ForwardContext ctx;
    Result<ModelOutputs> out = Status::error("not run");
    {
      NoGradGuard noGrad;
      out = model.forward(inputs, target, ctx);
    }
    ASSERT_TRUE(out.isOk()) << out.message();
    Json entry = {{"name", c.name}, {"weights", weights}, {"stem", dir.file(c.name + ".ref")}};
    entry["inputs"] = Json::array();
    std::string runArgs;
    for (const std::string& name : model.inputNames()) {
      const std::string path = dir.file(c.name + ".in." + name + ".npy");
      ASSERT_TRUE(saveNpy(path, inputs.at(name)).isOk());
      entry["inputs"].push_back(path);
      runArgs += " --input " + q(name + "=" + path);
    }
    // Reference outputs in forward()'s order: Output nodes in document order, else the loss input.
    std::vector<std::pair<std::string, Tensor>> refs;
    for (const auto& n : model.flatDocument().nodes)
      if (out->outputs.count(n.id)) refs.push_back({n.id, out->outputs.at(n.id)});
    if (refs.empty()) refs.push_back({"prediction", out->prediction});
    entry["outputs"] = Json::array();
    for (const auto& [name, t] : refs) {
      const std::string path = dir.file(c.name + ".out." + name + ".npy");
      if (!c.samplePath.empty()) {
        // The samples' reference is `strata-cli run` on the same weights and inputs.
        auto run = test::run(test::cli() + " run " + q(graphPath) + " --weights " + q(weights) +
                             runArgs + " --output " + q(name + "=" + path));
        ASSERT_EQ(run.exitCode, 0) << run.output;
      } else {
        ASSERT_TRUE(saveNpy(path, t).isOk());
      }
      entry["outputs"].push_back(path);
    }
    if (target.defined()) {
      ASSERT_TRUE(out->loss.defined());
      const std::string tp = dir.file(c.name + ".target.npy");
      const std::string pp = dir.file(c.name + ".prediction.npy");
      ASSERT_TRUE(saveNpy(tp, target).isOk());
      ASSERT_TRUE(saveNpy(pp, out->prediction).isOk());
      entry["target"] = tp;
      entry["prediction"] = pp;
      entry["loss"] = out->loss.item();
    }
    // The file under test comes from the CLI verb.
    const std::string py = dir.file(c.name + ".py");
    auto exp = test::run(test::cli() + " export " + q(graphPath) + " --pytorch " + q(py));
    ASSERT_EQ(exp.exitCode, 0) << exp.output;
    entry["py"] = py;
    manifest.push_back(entry);
  }
  // Every layer type of the catalogue is covered.
  for (const LayerSpec& s : LayerRegistry::instance().all())
    EXPECT_TRUE(types.count(s.type)) << s.type << " is not covered by any case";

  const std::string manifestPath = dir.file("manifest.json");
  test::writeText(manifestPath, manifest.dump(1));
  auto r = test::run(test::python() + " " +
                     q(test::sourceDir() + "/tests/pytorch/torch_export_check.py") + " " +
                     q(manifestPath));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::map<std::string, std::string> results;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("RESULT ", 0) != 0) continue;
    std::istringstream ls(line.substr(7));
    std::string name;
    ls >> name;
    std::string rest;
    std::getline(ls, rest);
    results[name] = rest.size() > 0 ? rest.substr(1) : rest;
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto it = results.find(c.name);
    ASSERT_NE(it, results.end()) << "no result; python said:\n" << r.output;
    std::istringstream rs(it->second);
    std::string status;
    int64_t reduction = 0;
    rs >> status >> reduction;
    ASSERT_EQ(status, "OK") << it->second;
    // Strata's values (from the .npy files the manifest names) against the float64 module.
    const Json& entry = *std::find_if(manifest.begin(), manifest.end(),
                                      [&](const Json& e) { return e["name"] == c.name; });
    const std::string stem = entry["stem"];
    std::vector<std::pair<std::string, Tensor>> values;
    for (size_t i = 0; i < entry["outputs"].size(); ++i) {
      auto t = loadNpy(entry["outputs"][i].get<std::string>());
      ASSERT_TRUE(t.isOk()) << t.message();
      values.push_back({"out" + std::to_string(i), *t});
    }
    if (entry.contains("loss"))
      values.push_back({"loss", Tensor::scalar(entry["loss"].get<float>())});
    double worst = 0;
    for (const auto& [what, t] : values) {
      std::vector<double> ref, spread;
      ASSERT_TRUE(test::readReference(stem + "." + what, t.numel(), ref, spread)) << what;
      const auto v = test::checkFp32(t.f32(), ref.data(), spread.data(), t.numel(), reduction);
      EXPECT_TRUE(v.ok()) << v.describe(c.name + " " + what);
      worst = std::max(worst, v.ratio);
    }
    std::printf("  %-28s worst |error| / fp32 bound %.3f (K %lld)\n", c.name.c_str(), worst,
                static_cast<long long>(reduction));
  }
}

TEST_F(PyTorchExport, ErrorsExitTwoNamingTheNode) {
  // An invalid graph: the node and the graph are named, nothing is written.
  Case bad = graph("bad",
                    {in("x", {4}),
                     node("fc", "Linear", {{"in_features", 3}, {"out_features", 2}}),
                     node("y", "Output")},
                   {e("x.out", "fc.in"), e("fc.out", "y.in")});
  const std::string badPath = dir.file("bad.strata");
  test::writeText(badPath, bad.graph);
  auto r = test::run(test::cli() + " export " + q(badPath) + " --pytorch " + q(dir.file("b.py")));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find(badPath), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("node fc"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("b.py")));

  // A valid graph whose node id cannot name a PyTorch submodule.
  Case clash = graph("clash", {in("x", {4}), node("forward", "Linear", {{"out_features", 2}}),
                               node("y", "Output")},
                     {e("x.out", "forward.in"), e("forward.out", "y.in")});
  const std::string clashPath = dir.file("clash.strata");
  test::writeText(clashPath, clash.graph);
  r = test::run(test::cli() + " export " + q(clashPath) + " --onnx " + q(dir.file("c.onnx")) +
                " --pytorch " + q(dir.file("c.py")));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("node forward"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.py")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.onnx")));  // neither format is written

  // An Input id that is a Python keyword cannot be a forward() argument.
  Case kw = graph("kw", {in("lambda", {4}), node("fc", "Linear", {{"out_features", 2}}),
                         node("y", "Output")},
                  {e("lambda.out", "fc.in"), e("fc.out", "y.in")});
  auto doc = GraphDocument::parse(kw.graph);
  ASSERT_TRUE(doc.isOk());
  auto model = Model::compile(*doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  auto code = exportPyTorchCode(*doc, **model);
  ASSERT_FALSE(code.isOk());
  EXPECT_NE(code.message().find("node lambda"), std::string::npos) << code.message();

  // A GRU with linear_before_reset=false has no nn.GRU: refused naming the node and the fix.
  Case gru = graph("gru_classic",
                   {in("x", {-1, 4}),
                    node("enc", "GRU", {{"hidden_size", 3}, {"linear_before_reset", false}}),
                    node("y", "Output")},
                   {e("x.out", "enc.in"), e("enc.out", "y.in")});
  doc = GraphDocument::parse(gru.graph);
  ASSERT_TRUE(doc.isOk());
  model = Model::compile(*doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  code = exportPyTorchCode(*doc, **model);
  ASSERT_FALSE(code.isOk());
  EXPECT_NE(code.message().find("node enc"), std::string::npos) << code.message();
  EXPECT_NE(code.message().find("linear_before_reset"), std::string::npos) << code.message();

  // No format: the message names both options.
  const std::string sample = test::sourceDir() + "/samples/mlp-sine.strata";
  r = test::run(test::cli() + " export " + q(sample));
  EXPECT_EQ(r.exitCode, 2) << r.output;
  EXPECT_NE(r.output.find("--onnx"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--pytorch"), std::string::npos) << r.output;

  // Both formats at once; --help documents --pytorch.
  r = test::run(test::cli() + " export " + q(sample) + " --onnx " + q(dir.file("m.onnx")) +
                " --pytorch " + q(dir.file("m.py")));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("m.onnx")));
  EXPECT_NE(test::readText(dir.file("m.py")).find("class Model(nn.Module):"), std::string::npos);
  r = test::run(test::cli() + " export --help");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_NE(r.output.find("--pytorch"), std::string::npos) << r.output;
}

TEST_F(PyTorchExport, FileShape) {
  // Repeat copies live in a ModuleList of ModuleDicts; the docstring names the graph; the only
  // imports are math and torch.
  Case c = gridCases().back();  // repeat_linear_tanh
  ASSERT_EQ(c.name, "repeat_linear_tanh");
  auto doc = GraphDocument::parse(c.graph);
  ASSERT_TRUE(doc.isOk());
  auto model = Model::compile(*doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  auto code = exportPyTorchCode(*doc, **model);
  ASSERT_TRUE(code.isOk()) << code.message();
  EXPECT_NE(code->find("self.blocks = nn.ModuleList([nn.ModuleDict() for _ in range(3)])"),
            std::string::npos) << *code;
  EXPECT_NE(code->find("self.blocks[2]['fc'] = nn.Linear(6, 6, bias=True)"), std::string::npos);
  EXPECT_NE(code->find("Graph 'grid repeat_linear_tanh'"), std::string::npos);
  std::istringstream lines(*code);
  std::string line;
  std::vector<std::string> imports;
  while (std::getline(lines, line))
    if (line.rfind("import ", 0) == 0 || line.rfind("from ", 0) == 0) imports.push_back(line);
  EXPECT_EQ(imports, (std::vector<std::string>{"import math", "import torch",
                                               "import torch.nn as nn",
                                               "import torch.nn.functional as F"}));
}

}  // namespace
}  // namespace strata
