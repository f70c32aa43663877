// RNN / LSTM / GRU parity with PyTorch 1.13: outputs, h_n, c_n and every input and parameter
// gradient over a grid of layer counts, directions, initial states and shapes. All cases go to
// one manifest and one Python run (tests/parity/torch_recurrent.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

bool readBin(const std::string& path, std::vector<float>& out, size_t n) {
  std::ifstream in(path, std::ios::binary);
  out.assign(n, 0.0f);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n * sizeof(float)));
  return in.gcount() == static_cast<std::streamsize>(n * sizeof(float));
}

using test::uniformTensor;
using test::weightedSum;

// max |a - b| / (|b| + 1e-3), b the reference.
double relErr(const Tensor& a, const std::vector<float>& b) {
  double worst = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double e = std::fabs(double(a.f32()[i]) - b[i]) / (std::fabs(double(b[i])) + 1e-3);
    if (!(e <= worst)) worst = e;  // NaN-propagating max
  }
  return worst;
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

struct Produced {
  std::map<std::string, Tensor> values;  // out, h_n, c_n, inference_out, d_x, d_h0, d_<param>
};

}  // namespace

TEST(RecurrentParity, MatchesPyTorchOnGrid) {
  test::ScratchDir dir("strata-rnn-parity");
  const std::vector<Case> cases = buildGrid();
  nlohmann::json manifest = nlohmann::json::array();
  std::vector<Produced> produced(cases.size());

  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const Case& c = cases[ci];
    const RecurrentConfig& cfg = c.cfg;
    const bool lstm = cfg.mode == RecurrentMode::Lstm;
    Rng rng(1000 + ci);
    const auto shapes = recurrentParameterShapes(cfg);
    std::vector<Tensor> params;
    for (const auto& s : shapes) params.push_back(Tensor::empty(s.second));
    initRecurrentParameters(cfg, params, rng);
    for (auto& p : params) p.setRequiresGrad();
    const int64_t D = cfg.directions(), H = cfg.hiddenSize;
    const Shape state{cfg.numLayers * D, c.batch, H};
    Tensor x = uniformTensor({c.batch, c.seq, cfg.inputSize}, rng).setRequiresGrad();
    Tensor h0, c0;
    if (c.withState) {
      h0 = uniformTensor(state, rng).setRequiresGrad();
      if (lstm) c0 = uniformTensor(state, rng).setRequiresGrad();
    }
    Tensor gOut = uniformTensor({c.batch, c.seq, D * H}, rng);
    Tensor gH = uniformTensor(state, rng);
    Tensor gC = lstm ? uniformTensor(state, rng) : Tensor();

    const std::string prefix = dir.file(c.name + ".");
    nlohmann::json entry{{"name", c.name},        {"kind", c.kind},
                         {"input_size", cfg.inputSize}, {"hidden_size", H},
                         {"num_layers", cfg.numLayers}, {"bidirectional", cfg.bidirectional},
                         {"bias", cfg.bias},      {"batch", c.batch},
                         {"seq", c.seq},          {"with_state", c.withState},
                         {"prefix", prefix}};
    nlohmann::json names = nlohmann::json::array();
    for (size_t i = 0; i < shapes.size(); ++i) {
      names.push_back(shapes[i].first);
      writeBin(prefix + shapes[i].first + ".bin", params[i]);
    }
    entry["params"] = names;
    writeBin(prefix + "x.bin", x);
    if (h0.defined()) writeBin(prefix + "h0.bin", h0);
    if (c0.defined()) writeBin(prefix + "c0.bin", c0);
    writeBin(prefix + "g_out.bin", gOut);
    writeBin(prefix + "g_h_n.bin", gH);
    if (gC.defined()) writeBin(prefix + "g_c_n.bin", gC);
    manifest.push_back(entry);

    Produced& p = produced[ci];
    RecurrentOutputs r = recurrent(cfg, x, h0, c0, params, /*training=*/true, &rng);
    std::vector<Tensor> outs{r.out, r.hN}, seeds{gOut, gH};
    if (lstm) {
      outs.push_back(r.cN);
      seeds.push_back(gC);
    }
    weightedSum(outs, seeds).backward();
    p.values["out"] = r.out;
    p.values["h_n"] = r.hN;
    if (lstm) p.values["c_n"] = r.cN;
    p.values["d_x"] = x.grad();
    if (h0.defined()) p.values["d_h0"] = h0.grad();
    if (c0.defined()) p.values["d_c0"] = c0.grad();
    for (size_t i = 0; i < shapes.size(); ++i) p.values["d_" + shapes[i].first] = params[i].grad();
    {
      NoGradGuard noGrad;  // the forward_inference primitive must agree too
      RecurrentOutputs inf = recurrent(cfg, x, h0, c0, params, /*training=*/false, nullptr);
      p.values["inference_out"] = inf.out;
      p.values["inference_h_n"] = inf.hN;
    }
  }
  const std::string manifestPath = dir.file("manifest.json");
  test::writeText(manifestPath, manifest.dump());
  const auto res = test::run(test::python() + " " + test::sourceDir() +
                             "/tests/parity/torch_recurrent.py " + manifestPath);
  ASSERT_EQ(res.exitCode, 0) << res.output;

  std::map<std::string, std::pair<double, std::string>> worstByKind;
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    const Case& c = cases[ci];
    double caseWorst = 0.0;
    std::string caseWorstWhat;
    for (const auto& [what, t] : produced[ci].values) {
      ASSERT_TRUE(t.defined()) << c.name << ": no value for " << what;
      std::string refName = what.rfind("inference_", 0) == 0 ? what.substr(10) : what;
      std::vector<float> ref;
      ASSERT_TRUE(readBin(dir.file(c.name + ".ref." + refName + ".bin"), ref,
                          static_cast<size_t>(t.numel())))
          << c.name << ": reference " << refName << " missing or short";
      double e = relErr(t, ref);
      EXPECT_LE(e, 1e-4) << c.name << " " << what;
      if (!(e <= caseWorst)) {
        caseWorst = e;
        caseWorstWhat = what;
      }
    }
    auto& w = worstByKind[c.kind];
    if (!(caseWorst <= w.first)) w = {caseWorst, c.name + " " + caseWorstWhat};
  }
  for (const auto& [kind, w] : worstByKind)
    std::printf("[recurrent parity] %-8s worst rel err %.3g (%s)\n", kind.c_str(), w.first,
                w.second.c_str());
  std::printf("[recurrent parity] %zu cases\n", cases.size());
}
