// Parity of the Transformer family (LayerNorm, MultiheadAttention, PositionalEncoding,
// TransformerEncoderLayer, TransformerDecoderLayer) with PyTorch 1.13: forward outputs and the
// gradient of every float input and every parameter, with causal and padding masks, pre/post norm,
// relu/gelu and edge shapes (seq 1, one head). Modules are built through their LayerSpecs; the
// weights go to PyTorch by state_dict key, so this also checks that the keys load unchanged.
// All cases run in one Python process (tests/parity/torch_transformer.py). The asserted reference
// is PyTorch in float64 on the same float32 data: every element must lie within the fp32 rule's
// bound (docs/numerics.md, tests/common/fp32_rule.h). PyTorch in float32 is measured by the same
// rule and reported for context.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "common/fp32_rule.h"
#include "common/testenv.h"
#include "core/rng.h"
#include "nn/layer_spec.h"
#include "nn/normalization/normalization_layers.h"
#include "nn/transformer/transformer_family.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

using namespace strata;
using nlohmann::json;

namespace {

struct ParityCase {
  std::string name, layer;
  json params;
  std::vector<std::pair<std::string, Tensor>>
      inputs;  // by port name; masks are not differentiated
  // Engine results.
  std::unique_ptr<Module> module;
  std::vector<std::string> outPorts;
  std::map<std::string, Tensor> outs, upstream, grads;  // grads by input port or parameter key
  int64_t reduction = 1;                                // K of the fp32 rule
};

struct Worst {
  double ratio = 0, torch32 = 0;  // |error| / fp32 bound of the engine and of PyTorch float32
  std::vector<std::string> failures;
  std::string where = "-";
  int cases = 0;
};

Tensor randn(const Shape& s, Rng& rng, float scale = 1.0f, float shift = 0.0f) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = shift + scale * rng.normal();
  return t;
}

// [B, S] padding mask: the last pads[b] keys of batch item b are masked (nonzero).
Tensor paddingMask(int64_t b, int64_t s, const std::vector<int64_t>& pads, DType dtype) {
  Tensor m = Tensor::zeros({b, s}, dtype);
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = s - pads[i]; j < s; ++j) {
      if (dtype == DType::Int64)
        m.i64()[i * s + j] = 1;
      else
        m.f32()[i * s + j] = 1.0f;
    }
  return m;
}

void writeBin(const std::string& path, const Tensor& t) {
  std::ofstream(path, std::ios::binary).write(static_cast<const char*>(t.raw()), t.bytes());
}

json tensorEntry(const std::string& dir, const std::string& file, const Tensor& t) {
  writeBin(dir + "/" + file, t);
  return {{"file", file}, {"shape", t.shape()}, {"dtype", dtypeName(t.dtype())}};
}

// Builds the module through its spec, fills its parameters with random values, runs forward and
// backward (loss = sum over outputs of <out, upstream>) and writes everything for Python.
void runEngine(ParityCase& c, const LayerRegistry& registry, Rng& rng, const std::string& dir,
               json& manifest) {
  const LayerSpec* spec = registry.find(c.layer);
  ASSERT_NE(spec, nullptr) << c.layer;
  auto params = normalizeParams(*spec, c.params);
  ASSERT_TRUE(params) << c.name << ": " << params.message();
  ShapeContext sctx;
  sctx.params = *params;
  for (const auto& port : spec->inputs) {
    sctx.inputNames.push_back(port.name);
    std::optional<TensorType> type;
    for (const auto& [name, t] : c.inputs)
      if (name == port.name && t.defined())
        type =
            TensorType{t.dtype() == DType::Int64 ? ValueKind::Int64 : ValueKind::Float, t.shape()};
    sctx.inputs.push_back(type);
  }
  auto shapes = spec->infer(sctx);
  ASSERT_TRUE(shapes) << c.name << ": " << shapes.message();
  c.module = spec->create(shapes->params, *shapes, sctx.inputs);
  ASSERT_TRUE(c.module);
  ASSERT_EQ(c.module->parameters().size(), shapes->parameters.size()) << c.name;
  c.module->resetParameters(rng);

  json entry = {{"name", c.name}, {"layer", c.layer}, {"params", shapes->params}};
  for (size_t i = 0; i < shapes->parameters.size(); ++i) {
    NamedTensor& p = c.module->parameters()[i];
    ASSERT_EQ(p.name, shapes->parameters[i].first) << c.name;
    ASSERT_EQ(p.tensor.shape(), shapes->parameters[i].second) << c.name << " " << p.name;
    // PyTorch's default init (realistic conditioning), then biases and norm parameters moved off
    // their 0/1 starting values so that they matter.
    const bool norm = p.name.find("norm") != std::string::npos || c.layer == "LayerNorm";
    const bool bias = p.name.find("bias") != std::string::npos;
    Tensor v = p.tensor.clone();
    if (norm || bias) {
      Tensor noise = randn(v.shape(), rng, 0.2f);
      for (int64_t k = 0; k < v.numel(); ++k) v.f32()[k] += noise.f32()[k];
    }
    p.tensor.copyFrom(v);
    entry["parameters"][p.name] = tensorEntry(dir, c.name + ".param." + p.name + ".bin", v);
  }

  std::vector<Tensor> inputs;
  std::vector<Shape> sizes;  // K: the longest row, feature or feed-forward width, or key count
  for (const auto& p : c.module->parameters()) sizes.push_back(p.tensor.shape());
  for (const auto& [name, given] : c.inputs)
    if (given.defined()) sizes.push_back(given.shape());
  c.reduction = test::longestSum(sizes);
  entry["reduction"] = c.reduction;
  for (const auto& port : spec->inputs) {
    Tensor t;
    for (auto& [name, given] : c.inputs)
      if (name == port.name && given.defined()) {
        t = given;
        json e = tensorEntry(dir, c.name + ".in." + name + ".bin", t);
        if (port.kind == ValueKind::Float) {
          t.setRequiresGrad(true);
        } else {
          e["mask"] = true;
        }
        entry["inputs"][name] = e;
      }
    inputs.push_back(t);
  }
  ForwardContext fctx;
  std::vector<Tensor> outs = c.module->forward(inputs, fctx);
  ASSERT_EQ(outs.size(), spec->outputs.size());
  Tensor loss;
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string& port = spec->outputs[i].name;
    ASSERT_EQ(outs[i].shape(),
              [&] {
                Shape s = shapes->outputs[i].shape;
                return s;
              }())
        << c.name << " " << port;
    Tensor g = randn(outs[i].shape(), rng);
    Tensor term = ops::sum(ops::mul(outs[i], g));
    loss = loss.defined() ? ops::add(loss, term) : term;
    c.outPorts.push_back(port);
    c.outs[port] = outs[i];
    c.upstream[port] = g;
    entry["upstream"][port] = tensorEntry(dir, c.name + ".up." + port + ".bin", g);
  }
  loss.backward();
  for (const auto& [name, t] : c.inputs)
    if (t.defined() && t.requiresGrad())
      c.grads[name] = t.grad().defined() ? t.grad() : Tensor::zeros(t.shape());
  for (const auto& p : c.module->parameters())
    c.grads[p.name] =
        p.tensor.grad().defined() ? p.tensor.grad() : Tensor::zeros(p.tensor.shape());
  manifest["cases"].push_back(entry);
}

std::vector<ParityCase> makeCases(Rng& rng) {
  std::vector<ParityCase> cs;
  auto add = [&](std::string name, std::string layer, json params,
                 std::vector<std::pair<std::string, Tensor>> inputs) {
    ParityCase c;
    c.name = std::move(name);
    c.layer = std::move(layer);
    c.params = std::move(params);
    c.inputs = std::move(inputs);
    cs.push_back(std::move(c));
  };
  const DType f = DType::Float32, i = DType::Int64;
  // LayerNorm
  add("ln_btd", "LayerNorm", json::object(), {{"in", randn({2, 5, 8}, rng)}});
  add("ln_2d_eps", "LayerNorm", {{"eps", 1e-3}}, {{"in", randn({4, 16}, rng, 2.0f, 0.5f)}});
  add("ln_seq1", "LayerNorm", {{"normalized_shape", 32}}, {{"in", randn({3, 1, 32}, rng)}});
  add("ln_wide", "LayerNorm", json::object(), {{"in", randn({2, 3, 257}, rng)}});
  // MultiheadAttention
  add("mha_self", "MultiheadAttention", {{"num_heads", 2}}, {{"query", randn({2, 5, 8}, rng)}});
  add("mha_one_head", "MultiheadAttention", {{"num_heads", 1}},
      {{"query", randn({2, 4, 6}, rng)}});
  add("mha_seq1", "MultiheadAttention", {{"num_heads", 4}}, {{"query", randn({3, 1, 8}, rng)}});
  add("mha_cross", "MultiheadAttention", {{"num_heads", 2}},
      {{"query", randn({2, 3, 8}, rng)},
       {"key", randn({2, 6, 8}, rng)},
       {"value", randn({2, 6, 8}, rng)}});
  add("mha_kv_shared", "MultiheadAttention", {{"num_heads", 4}},
      {{"query", randn({2, 3, 8}, rng)}, {"key", randn({2, 6, 8}, rng)}});
  add("mha_causal", "MultiheadAttention", {{"num_heads", 2}, {"causal", true}},
      {{"query", randn({2, 5, 8}, rng)}});
  add("mha_pad_float", "MultiheadAttention", {{"num_heads", 2}},
      {{"query", randn({2, 5, 8}, rng)}, {"key_padding_mask", paddingMask(2, 5, {2, 1}, f)}});
  add("mha_causal_pad_int64", "MultiheadAttention", {{"num_heads", 2}, {"causal", true}},
      {{"query", randn({3, 6, 8}, rng)}, {"key_padding_mask", paddingMask(3, 6, {0, 3, 5}, i)}});
  add("mha_nobias_cross_pad", "MultiheadAttention", {{"num_heads", 3}, {"bias", false}},
      {{"query", randn({2, 1, 12}, rng)},
       {"key", randn({2, 4, 12}, rng)},
       {"value", randn({2, 4, 12}, rng)},
       {"key_padding_mask", paddingMask(2, 4, {1, 3}, f)}});
  add("mha_causal_rect", "MultiheadAttention", {{"num_heads", 2}, {"causal", true}},
      {{"query", randn({2, 4, 8}, rng)},
       {"key", randn({2, 6, 8}, rng)},
       {"value", randn({2, 6, 8}, rng)}});
  // PositionalEncoding
  add("pe_sinusoidal", "PositionalEncoding", {{"max_len", 16}}, {{"in", randn({2, 7, 8}, rng)}});
  add("pe_sinusoidal_odd_full", "PositionalEncoding", {{"max_len", 5}},
      {{"in", randn({2, 5, 7}, rng)}});
  add("pe_sinusoidal_long", "PositionalEncoding", {{"max_len", 512}},
      {{"in", randn({1, 512, 16}, rng)}});
  add("pe_learned", "PositionalEncoding", {{"kind", "learned"}, {"max_len", 10}},
      {{"in", randn({3, 4, 6}, rng)}});
  // TransformerEncoderLayer (PyTorch defaults except the sizes and dropout 0)
  auto enc = [](int64_t nhead, int64_t ff, bool normFirst, const char* act, bool causal) {
    return json{{"nhead", nhead},          {"dim_feedforward", ff}, {"dropout", 0.0},
                {"norm_first", normFirst}, {"activation", act},     {"causal", causal}};
  };
  add("enc_post_relu", "TransformerEncoderLayer", enc(2, 16, false, "relu", false),
      {{"in", randn({2, 5, 8}, rng)}});
  add("enc_pre_gelu", "TransformerEncoderLayer", enc(2, 16, true, "gelu", false),
      {{"in", randn({2, 5, 8}, rng)}});
  add("enc_post_gelu_causal", "TransformerEncoderLayer", enc(4, 16, false, "gelu", true),
      {{"in", randn({2, 6, 8}, rng)}});
  add("enc_pre_relu_pad", "TransformerEncoderLayer", enc(2, 24, true, "relu", false),
      {{"in", randn({3, 5, 8}, rng)}, {"src_key_padding_mask", paddingMask(3, 5, {1, 0, 4}, i)}});
  add("enc_seq1_one_head", "TransformerEncoderLayer", enc(1, 16, false, "relu", false),
      {{"in", randn({3, 1, 8}, rng)}});
  json encEps = enc(3, 20, false, "gelu", true);
  encEps["layer_norm_eps"] = 1e-3;
  add("enc_causal_pad_eps", "TransformerEncoderLayer", encEps,
      {{"in", randn({2, 7, 12}, rng)}, {"src_key_padding_mask", paddingMask(2, 7, {3, 0}, f)}});
  add("enc_default_ff", "TransformerEncoderLayer", {{"nhead", 4}, {"dropout", 0.0}},
      {{"in", randn({2, 3, 16}, rng)}});
  // TransformerDecoderLayer (causal by default)
  auto dec = [](int64_t nhead, int64_t ff, bool normFirst, const char* act, bool causal) {
    return json{{"nhead", nhead},          {"dim_feedforward", ff}, {"dropout", 0.0},
                {"norm_first", normFirst}, {"activation", act},     {"causal", causal}};
  };
  add("dec_post_relu_causal", "TransformerDecoderLayer", dec(2, 16, false, "relu", true),
      {{"tgt", randn({2, 4, 8}, rng)}, {"memory", randn({2, 6, 8}, rng)}});
  add("dec_pre_gelu_causal", "TransformerDecoderLayer", dec(2, 16, true, "gelu", true),
      {{"tgt", randn({2, 5, 8}, rng)}, {"memory", randn({2, 3, 8}, rng)}});
  add("dec_post_gelu_full", "TransformerDecoderLayer", dec(4, 12, false, "gelu", false),
      {{"tgt", randn({2, 4, 8}, rng)}, {"memory", randn({2, 4, 8}, rng)}});
  add("dec_pre_relu_pads", "TransformerDecoderLayer", dec(2, 16, true, "relu", true),
      {{"tgt", randn({2, 5, 8}, rng)},
       {"memory", randn({2, 6, 8}, rng)},
       {"tgt_key_padding_mask", paddingMask(2, 5, {2, 0}, f)},
       {"memory_key_padding_mask", paddingMask(2, 6, {1, 5}, i)}});
  add("dec_seq1_one_head", "TransformerDecoderLayer", dec(1, 16, false, "relu", true),
      {{"tgt", randn({2, 1, 8}, rng)}, {"memory", randn({2, 1, 8}, rng)}});
  return cs;
}

class TransformerParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_setupError.clear();
    s_worst.clear();
    test::ScratchDir scratch("strata-transformer-parity");
    // STRATA_PARITY_DIR keeps the exchanged files for a look with NumPy.
    const std::filesystem::path dirPath =
        std::getenv("STRATA_PARITY_DIR") ? std::filesystem::path(std::getenv("STRATA_PARITY_DIR"))
                                         : scratch.path();
    std::filesystem::create_directories(dirPath);
    auto file = [&](const std::string& name) { return (dirPath / name).string(); };
    LayerRegistry registry;
    nn::registerNormalizationLayers(registry);
    nn::registerTransformerLayers(registry);
    Rng rng(20240611);
    std::vector<ParityCase> cases = makeCases(rng);
    json manifest = {{"cases", json::array()}};
    for (auto& c : cases) {
      runEngine(c, registry, rng, dirPath.string(), manifest);
      if (::testing::Test::HasFatalFailure()) {
        s_setupError = "engine side failed on " + c.name;
        return;
      }
    }
    test::writeText(file("manifest.json"), manifest.dump());
    auto run = test::run(test::python() + " " + test::sourceDir() +
                         "/tests/parity/torch_transformer.py " + dirPath.string());
    if (run.exitCode != 0) {
      s_setupError = "torch_transformer.py failed:\n" + run.output;
      return;
    }
    std::printf("%s", run.output.c_str());
    std::printf("%-26s %-8s %-8s  worst element (|error| / fp32 bound: engine, torch fp32)\n",
                "case", "engine", "torch32");
    for (auto& c : cases) {
      Worst w;
      auto compare = [&](const std::string& what, const Tensor& mine) {
        std::vector<double> r64, spread, r32;
        const int64_t n = mine.numel();
        if (std::getenv("STRATA_PARITY_DIR"))
          writeBin(file(c.name + ".strata." + what + ".bin"), mine);
        if (!test::readReference(file(c.name + ".ref64." + what), n, r64, spread) ||
            !test::readDoubles(file(c.name + ".ref32." + what + ".bin"), r32, n)) {
          s_setupError = c.name + ": no PyTorch result for " + what;
          return;
        }
        const auto v = test::checkFp32(mine.f32(), r64.data(), spread.data(), n, c.reduction);
        const auto t = test::checkFp32(r32.data(), r64.data(), spread.data(), n, c.reduction);
        if (v.ratio >= w.ratio) {
          w.ratio = v.ratio;
          w.where = v.describe(what);
        }
        w.torch32 = std::max(w.torch32, t.ratio);
        if (!v.ok()) w.failures.push_back(v.describe(c.name + " " + what));
        if (std::getenv("STRATA_PARITY_VERBOSE"))
          std::printf("  %-24s %-40s %.3f (torch32 %.3f)\n", c.name.c_str(), what.c_str(),
                      v.ratio, t.ratio);
      };
      for (const auto& port : c.outPorts) compare("out." + port, c.outs[port]);
      for (const auto& [name, g] : c.grads) compare("grad." + name, g);
      std::printf("%-26s %-8.3f %-8.3f  %s\n", c.name.c_str(), w.ratio, w.torch32,
                  w.where.c_str());
      Worst& total = s_worst[c.layer];
      if (w.ratio >= total.ratio) {
        total.ratio = w.ratio;
        total.where = c.name + " " + w.where;
      }
      total.torch32 = std::max(total.torch32, w.torch32);
      total.failures.insert(total.failures.end(), w.failures.begin(), w.failures.end());
      ++total.cases;
    }
    for (const auto& [layer, w] : s_worst)
      std::printf("worst %-24s engine %.3f, torch fp32 %.3f of the fp32 bound, %d cases; at %s\n",
                  layer.c_str(), w.ratio, w.torch32, w.cases, w.where.c_str());
    std::fflush(stdout);
  }

  static void expectLayer(const std::string& layer) {
    ASSERT_TRUE(s_setupError.empty()) << s_setupError;
    auto it = s_worst.find(layer);
    ASSERT_NE(it, s_worst.end()) << "no cases for " << layer;
    EXPECT_GT(it->second.cases, 0);
    for (const auto& f : it->second.failures) ADD_FAILURE() << f;
  }

  static std::string s_setupError;
  static std::map<std::string, Worst> s_worst;
};

std::string TransformerParity::s_setupError;
std::map<std::string, Worst> TransformerParity::s_worst;

TEST_F(TransformerParity, LayerNorm) { expectLayer("LayerNorm"); }
TEST_F(TransformerParity, MultiheadAttention) { expectLayer("MultiheadAttention"); }
TEST_F(TransformerParity, PositionalEncoding) { expectLayer("PositionalEncoding"); }
TEST_F(TransformerParity, TransformerEncoderLayer) { expectLayer("TransformerEncoderLayer"); }
TEST_F(TransformerParity, TransformerDecoderLayer) { expectLayer("TransformerDecoderLayer"); }

}  // namespace
