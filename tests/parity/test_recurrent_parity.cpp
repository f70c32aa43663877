// RNN / LSTM / GRU parity with PyTorch 1.13: outputs, h_n, c_n and every input and parameter
// gradient over a grid of layer counts, directions, initial states and shapes. All cases go to
// one manifest and one Python run (tests/parity/torch_recurrent.py), which computes the float64
// reference and its sensitivity; every element must lie within the fp32 rule's bound
// (docs/numerics.md, tests/common/fp32_rule.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/tensor_helpers.h"
#include "common/testenv.h"
#include "nn/recurrent/rnn_op.h"
#include "tensor/autograd.h"

using namespace strata;

namespace {

struct Case {
  std::string name;
  std::string kind;  // rnn_tanh, rnn_relu, lstm, gru
  RecurrentConfig cfg;
  int64_t batch = 1, seq = 1;
  bool withState = false;
};

RecurrentMode modeOf(const std::string& kind) {
  if (kind == "rnn_tanh") return RecurrentMode::RnnTanh;
  if (kind == "rnn_relu") return RecurrentMode::RnnRelu;
  if (kind == "lstm") return RecurrentMode::Lstm;
  return RecurrentMode::Gru;
}

void writeBin(const std::string& path, const Tensor& t) {
  std::ofstream(path, std::ios::binary)
      .write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
}

using test::uniformTensor;
using test::weightedSum;

// K: the longest sum in the case: a gate pre-activation (input or D·H features), the input
// gradient (over G·H gates of each direction) and the weight gradients (over batch × time).
int64_t reductionOf(const Case& c) {
  const RecurrentConfig& cfg = c.cfg;
  const int64_t G = cfg.mode == RecurrentMode::Lstm ? 4 : cfg.mode == RecurrentMode::Gru ? 3 : 1;
  const int64_t DH = cfg.directions() * cfg.hiddenSize;
  return std::max({cfg.inputSize, DH, G * DH, c.batch * c.seq});
}

std::vector<Case> buildGrid() {
  struct Dims { int64_t b, t, i, h; };
  // batch 1; seq 1 with hidden 1; input == hidden (all layers in one primitive when unidirectional)
  const std::vector<Dims> dims{{1, 5, 3, 4}, {3, 1, 4, 1}, {2, 6, 5, 5}};
  std::vector<Case> cases;
  for (const char* kind : {"rnn_tanh", "rnn_relu", "lstm", "gru"})
    for (int64_t layers : {1, 2, 3})
      for (bool bi : {false, true})
        for (bool state : {false, true})
          for (size_t s = 0; s < dims.size(); ++s) {
            Case c;
            c.kind = kind;
            c.cfg.mode = modeOf(kind);
            c.cfg.inputSize = dims[s].i;
            c.cfg.hiddenSize = dims[s].h;
            c.cfg.numLayers = layers;
            c.cfg.bidirectional = bi;
            c.batch = dims[s].b;
            c.seq = dims[s].t;
            c.withState = state;
            c.name = std::string(kind) + "_L" + std::to_string(layers) + (bi ? "_bi" : "_uni") +
                     (state ? "_h0" : "_noh0") + "_s" + std::to_string(s);
            cases.push_back(c);
          }
  for (const char* kind : {"rnn_tanh", "lstm", "gru"}) {  // bias=False
    Case c;
    c.kind = kind;
    c.cfg = RecurrentConfig{modeOf(kind), 3, 4, 2, false, true, 0.0f};
    c.batch = 2;
    c.seq = 4;
    c.withState = true;
    c.name = std::string(kind) + "_L2_bi_h0_nobias";
    cases.push_back(c);
  }
  return cases;
}

// One case's data: parameters, input, initial states and upstream gradients, from a seeded Rng.
struct CaseData {
  std::vector<std::string> names;  // parameter keys, as recurrentParameterShapes
  std::vector<Tensor> params;
  Tensor x, h0, c0, gOut, gH, gC;
};

CaseData makeData(const Case& c, Rng& rng) {
  const RecurrentConfig& cfg = c.cfg;
  const bool lstm = cfg.mode == RecurrentMode::Lstm;
  CaseData d;
  for (const auto& [name, shape] : recurrentParameterShapes(cfg)) {
    d.names.push_back(name);
    d.params.push_back(Tensor::empty(shape));
  }
  initRecurrentParameters(cfg, d.params, rng);
  const int64_t D = cfg.directions(), H = cfg.hiddenSize;
  const Shape state{cfg.numLayers * D, c.batch, H};
  d.x = uniformTensor({c.batch, c.seq, cfg.inputSize}, rng);
  if (c.withState) {
    d.h0 = uniformTensor(state, rng);
    if (lstm) d.c0 = uniformTensor(state, rng);
  }
  d.gOut = uniformTensor({c.batch, c.seq, D * H}, rng);
  d.gH = uniformTensor(state, rng);
  if (lstm) d.gC = uniformTensor(state, rng);
  return d;
}

// Writes the case's files for torch_recurrent.py and returns its manifest entry.
nlohmann::json writeCase(const Case& c, const CaseData& d, const test::ScratchDir& dir) {
  const RecurrentConfig& cfg = c.cfg;
  const std::string prefix = dir.file(c.name + ".");
  nlohmann::json entry{{"name", c.name},        {"kind", c.kind},
                       {"input_size", cfg.inputSize}, {"hidden_size", cfg.hiddenSize},
                       {"num_layers", cfg.numLayers}, {"bidirectional", cfg.bidirectional},
                       {"bias", cfg.bias},      {"batch", c.batch},
                       {"seq", c.seq},          {"with_state", c.withState},
                       {"reduction", reductionOf(c)}, {"prefix", prefix},
                       {"params", d.names}};
  for (size_t i = 0; i < d.names.size(); ++i) writeBin(prefix + d.names[i] + ".bin", d.params[i]);
  writeBin(prefix + "x.bin", d.x);
  if (d.h0.defined()) writeBin(prefix + "h0.bin", d.h0);
  if (d.c0.defined()) writeBin(prefix + "c0.bin", d.c0);
  writeBin(prefix + "g_out.bin", d.gOut);
  writeBin(prefix + "g_h_n.bin", d.gH);
  if (d.gC.defined()) writeBin(prefix + "g_c_n.bin", d.gC);
  return entry;
}

// The engine's outputs, h_n, c_n, inference outputs and every gradient, on fresh leaves.
std::map<std::string, Tensor> runEngine(const Case& c, const CaseData& d, Rng& rng) {
  const RecurrentConfig& cfg = c.cfg;
  auto leaf = [](const Tensor& t) { return t.defined() ? t.clone().setRequiresGrad() : t; };
  std::vector<Tensor> params;
  for (const Tensor& p : d.params) params.push_back(leaf(p));
  Tensor x = leaf(d.x), h0 = leaf(d.h0), c0 = leaf(d.c0);
  std::map<std::string, Tensor> v;
  RecurrentOutputs r = recurrent(cfg, x, h0, c0, params, /*training=*/true, &rng);
  std::vector<Tensor> outs{r.out, r.hN}, seeds{d.gOut, d.gH};
  if (r.cN.defined()) {
    outs.push_back(r.cN);
    seeds.push_back(d.gC);
    v["c_n"] = r.cN;
  }
  weightedSum(outs, seeds).backward();
  v["out"] = r.out;
  v["h_n"] = r.hN;
  v["d_x"] = x.grad();
  if (h0.defined()) v["d_h0"] = h0.grad();
  if (c0.defined()) v["d_c0"] = c0.grad();
  for (size_t i = 0; i < params.size(); ++i) v["d_" + d.names[i]] = params[i].grad();
  {
    NoGradGuard noGrad;  // the forward_inference primitive must agree too
    RecurrentOutputs inf = recurrent(cfg, x, h0, c0, params, /*training=*/false, nullptr);
    v["inference_out"] = inf.out;
    v["inference_h_n"] = inf.hN;
  }
  return v;
}

// Runs torch_recurrent.py on the manifest; "" or its output on failure.
std::string runReference(const nlohmann::json& manifest, const test::ScratchDir& dir) {
  const std::string manifestPath = dir.file("manifest.json");
  test::writeText(manifestPath, manifest.dump());
  const auto res = test::run(test::python() + " " + test::sourceDir() +
                             "/tests/parity/torch_recurrent.py " + manifestPath);
  return res.exitCode == 0 ? "" : "torch_recurrent.py failed:\n" + res.output;
}

// Every value against its float64 reference: the verdicts by value name.
std::map<std::string, test::Fp32Verdict> judge(const Case& c,
                                               const std::map<std::string, Tensor>& values,
                                               const test::ScratchDir& dir) {
  std::map<std::string, test::Fp32Verdict> verdicts;
  for (const auto& [what, t] : values) {
    test::Fp32Verdict& v = verdicts[what];
    v.ratio = std::numeric_limits<double>::infinity();  // until a reference says otherwise
    std::vector<double> ref, spread;
    const std::string refName = what.rfind("inference_", 0) == 0 ? what.substr(10) : what;
    if (t.defined() &&
        test::readReference(dir.file(c.name + ".ref." + refName), t.numel(), ref, spread))
      v = test::checkFp32(t.f32(), ref.data(), spread.data(), t.numel(), reductionOf(c));
  }
  return verdicts;
}

}  // namespace

TEST(RecurrentParity, MatchesPyTorchOnGrid) {
  test::ScratchDir dir("strata-rnn-parity");
  const std::vector<Case> cases = buildGrid();
  nlohmann::json manifest = nlohmann::json::array();
  std::vector<std::map<std::string, Tensor>> produced;
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    Rng rng(1000 + ci);
    const CaseData d = makeData(cases[ci], rng);
    manifest.push_back(writeCase(cases[ci], d, dir));
    produced.push_back(runEngine(cases[ci], d, rng));
  }
  const std::string error = runReference(manifest, dir);
  ASSERT_TRUE(error.empty()) << error;

  // Worst |error| / bound per kind (<= 1 passes).
  std::map<std::string, std::pair<double, std::string>> worstByKind;
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const Case& c = cases[ci];
    auto& w = worstByKind[c.kind];
    for (const auto& [what, v] : judge(c, produced[ci], dir)) {
      EXPECT_TRUE(v.ok()) << v.describe(c.name + " " + what);
      if (!(v.ratio <= w.first)) w = {v.ratio, c.name + " " + what};
    }
  }
  for (const auto& [kind, w] : worstByKind)
    std::printf("[recurrent parity] %-8s worst |error| / fp32 bound %.3f (%s)\n", kind.c_str(),
                w.first, w.second.c_str());
  std::printf("[recurrent parity] %zu cases\n", cases.size());
}

// The rule is strict where it matters: the engine run on deliberately broken data (the bugs a
// recurrent implementation typically has) must fail it, naming the tensor, while the same case
// unbroken passes. Each mutation changes what the engine sees, never the float64 reference.
TEST(Fp32Rule, CatchesBrokenRecurrentLayers) {
  test::ScratchDir dir("strata-fp32-rule");
  auto make = [](const char* name, const char* kind, int64_t in, int64_t hidden) {
    Case c;
    c.name = name;
    c.kind = kind;
    c.cfg.mode = modeOf(kind);
    c.cfg.inputSize = in;
    c.cfg.hiddenSize = hidden;
    c.batch = 3;
    c.seq = 6;
    c.withState = true;
    return c;
  };
  const std::vector<Case> cases{make("lstm", "lstm", 4, 5), make("gru", "gru", 4, 5),
                                make("rnn", "rnn_tanh", 5, 5)};
  std::vector<CaseData> data;
  nlohmann::json manifest = nlohmann::json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    Rng rng(77 + i);
    data.push_back(makeData(cases[i], rng));
    manifest.push_back(writeCase(cases[i], data[i], dir));
  }
  const std::string error = runReference(manifest, dir);
  ASSERT_TRUE(error.empty()) << error;

  auto param = [](CaseData& d, const std::string& key) -> Tensor& {
    const auto it = std::find(d.names.begin(), d.names.end(), key);
    EXPECT_NE(it, d.names.end()) << key;
    return d.params[static_cast<size_t>(it - d.names.begin())];
  };
  // Swaps gate blocks a and b (rows [a·H, (a+1)·H)) of every layer-0 weight and bias.
  auto swapGates = [&](CaseData& d, int64_t H, int64_t a, int64_t b) {
    for (const char* key : {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}) {
      Tensor& t = param(d, key);
      t = t.clone();
      const int64_t row = t.numel() / t.shape()[0];
      float* p = t.f32();
      for (int64_t i = 0; i < H * row; ++i) std::swap(p[a * H * row + i], p[b * H * row + i]);
    }
  };
  struct Mutation {
    std::string what;
    size_t caseIndex;
    std::function<void(CaseData&)> apply;
  };
  const std::vector<Mutation> mutations{
      {"LSTM input and forget gates swapped", 0, [&](CaseData& d) { swapGates(d, 5, 0, 1); }},
      {"GRU reset and update gates swapped", 1, [&](CaseData& d) { swapGates(d, 5, 0, 1); }},
      {"RNN recurrent weight transposed", 2,
       [&](CaseData& d) {
         Tensor& w = param(d, "weight_hh_l0");
         Tensor t = w.clone();
         for (int64_t r = 0; r < 5; ++r)
           for (int64_t k = 0; k < 5; ++k) t.f32()[r * 5 + k] = w.f32()[k * 5 + r];
         w = t;
       }},
      {"LSTM input bias missing", 0,
       [&](CaseData& d) {
         Tensor& b = param(d, "bias_ih_l0");
         b = Tensor::zeros(b.shape());
       }},
      {"LSTM input read one step late", 0,
       [&](CaseData& d) {
         Tensor x = d.x.clone();  // x'[t] = x[t-1], x'[0] = 0
         const int64_t T = x.shape()[1], F = x.shape()[2];
         for (int64_t b = 0; b < x.shape()[0]; ++b)
           for (int64_t t = T - 1; t >= 0; --t)
             for (int64_t f = 0; f < F; ++f)
               x.f32()[(b * T + t) * F + f] = t ? d.x.f32()[(b * T + t - 1) * F + f] : 0.0f;
         d.x = x;
       }},
      {"GRU recurrent weight 0.1 % too large", 1,
       [&](CaseData& d) {
         Tensor& w = param(d, "weight_hh_l0");
         w = w.clone();
         for (int64_t i = 0; i < w.numel(); ++i) w.f32()[i] *= 1.001f;
       }},
  };
  for (size_t i = 0; i < cases.size(); ++i) {  // unbroken: passes
    Rng rng(1);
    for (const auto& [what, v] : judge(cases[i], runEngine(cases[i], data[i], rng), dir))
      EXPECT_TRUE(v.ok()) << "unbroken " << v.describe(cases[i].name + " " + what);
  }
  for (const Mutation& m : mutations) {
    const Case& c = cases[m.caseIndex];
    CaseData broken = data[m.caseIndex];
    m.apply(broken);
    Rng rng(1);
    const auto verdicts = judge(c, runEngine(c, broken, rng), dir);
    const test::Fp32Verdict& out = verdicts.at("out");
    EXPECT_FALSE(out.ok()) << m.what << ": the rule let it pass: " << out.describe("out");
    std::printf("[fp32 rule] %-40s fails: %s\n", m.what.c_str(),
                out.describe(c.name + " out").c_str());
  }
}
