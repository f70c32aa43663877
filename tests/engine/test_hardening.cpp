// Deterministic fuzz-style hardening: mutated graph files, absurd parameter values, lying npy and
// safetensors headers, corrupted ONNX bytes and bad run-time inputs must each end in a clear error
// (never a crash, a throw out of the engine, a hang or an absurd allocation), and the unmutated
// inputs must still work. Every random choice comes from a fixed seed.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testenv.h"
#include "graph/analysis.h"
#include "graph/document.h"
#include "graph/model.h"
#include "graph_test_util.h"
#include "io/npy.h"
#include "io/onnx/exporter.h"
#include "io/onnx/importer.h"
#include "io/safetensors.h"

namespace strata {
namespace {

using test::makeDoc;
using test::node;

// A small deterministic generator (splitmix64), the same on every platform.
class Fuzz {
 public:
  explicit Fuzz(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }

 private:
  uint64_t m_state;
};

// 200 copies of `bytes` with one random byte among the first `flipWithin` changed, then every
// prefix `cutStep` bytes apart: the corrupted files a reader test runs through.
void addFlipsAndCuts(std::vector<std::pair<std::string, std::string>>& cases,
                     const std::string& bytes, uint64_t seed, size_t flipWithin, size_t cutStep) {
  Fuzz f(seed);
  for (int k = 0; k < 200; ++k) {
    std::string b = bytes;
    b[f.below(std::min(b.size(), flipWithin))] = static_cast<char>(f.below(256));
    cases.push_back({"flip #" + std::to_string(k), b});
  }
  for (size_t len = 0; len < bytes.size(); len += cutStep)
    cases.push_back({"cut at " + std::to_string(len), bytes.substr(0, len)});
}

std::vector<std::string> sampleFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(test::sourceDir() + "/samples"))
    if (e.path().extension() == ".strata") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A concrete shape for a declared type: B = 2, every variable length 3.
Shape concrete(const Shape& s) {
  Shape out;
  for (int64_t d : s) out.push_back(d == kBatch ? 2 : d < 0 ? 3 : d);
  return out;
}

Tensor sampleTensor(const TensorType& type, uint64_t seed) {
  Shape shape = concrete(type.shape);
  Fuzz f(seed);
  const size_t n = static_cast<size_t>(numel(shape));
  if (type.kind == ValueKind::Int64) {
    std::vector<int64_t> v(n);
    for (auto& x : v) x = static_cast<int64_t>(f.below(2));
    return Tensor::fromVector(shape, v);
  }
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(f.below(2000)) / 1000.0f - 1.0f;
  return Tensor::fromVector(shape, v);
}

// Models past these sizes are left to the guard tests: the fuzz loop must stay fast and small.
constexpr int64_t kFuzzMaxParameters = 2'000'000;
constexpr int64_t kFuzzMaxInputElements = 100'000;
constexpr int64_t kLargeModel = 20'000;
constexpr int kLargeModelStride = 10;

struct Tally {
  int cases = 0, parsed = 0, valid = 0, compiled = 0, ran = 0;
};

// Drives one document text through parse -> analyze -> compile -> forward. Nothing may throw;
// every failure must carry a non-empty message.
void exercise(const std::string& text, const std::string& label, Tally& tally) {
  ++tally.cases;
  try {
    auto doc = GraphDocument::parse(text);
    if (!doc) {
      EXPECT_FALSE(doc.message().empty()) << label;
      return;
    }
    ++tally.parsed;
    (void)doc->serialize();  // what the editor does next; must not throw either
    GraphAnalysis ga = analyze(*doc);
    for (const auto& d : ga.diagnostics) EXPECT_FALSE(d.message.empty()) << label;
    if (!ga.ok()) {
      auto model = Model::compile(*doc);
      EXPECT_FALSE(model.isOk()) << label;
      if (!model) EXPECT_FALSE(model.message().empty()) << label;
      return;
    }
    ++tally.valid;
    if (ga.totalParameters > kFuzzMaxParameters) return;
    // Compiling initialises every weight: for the larger samples (char-lstm, tiny-gpt) compile
    // and run one valid mutant in kLargeModelStride, so the suite stays a few seconds.
    if (ga.totalParameters > kLargeModel && tally.valid % kLargeModelStride != 1) return;
    auto model = Model::compile(*doc);
    if (!model) {
      EXPECT_FALSE(model.message().empty()) << label;
      return;
    }
    ++tally.compiled;
    std::map<std::string, Tensor> inputs;
    for (const std::string& name : (*model)->inputNames()) {
      TensorType t = (*model)->inputType(name);
      if (numel(concrete(t.shape)) > kFuzzMaxInputElements) return;
      inputs[name] = sampleTensor(t, 7);
    }
    Tensor target;
    if (auto t = (*model)->targetType()) {
      if (numel(concrete(t->shape)) > kFuzzMaxInputElements) return;
      target = sampleTensor(*t, 8);
      if (t->kind == ValueKind::Int64) target = Tensor::zeros(concrete(t->shape), DType::Int64);
    }
    ForwardContext ctx;
    auto out = (*model)->forward(inputs, target, ctx);
    if (!out) {
      EXPECT_FALSE(out.message().empty()) << label;
      return;
    }
    ++tally.ran;
  } catch (const std::exception& e) {
    ADD_FAILURE() << label << ": an exception escaped the engine: " << e.what();
  } catch (...) {
    ADD_FAILURE() << label << ": a non-standard exception escaped the engine";
  }
}

// Every value in a JSON tree, as pointers (the root excluded).
void collectPointers(const Json& j, const Json::json_pointer& at,
                     std::vector<Json::json_pointer>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      auto p = at / it.key();
      out.push_back(p);
      collectPointers(it.value(), p, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      auto p = at / i;
      out.push_back(p);
      collectPointers(j[i], p, out);
    }
  }
}

std::vector<Json> weirdValues() {
  return {nullptr,
          true,
          "x",
          "",
          0,
          -1,
          1.5,
          1e300,
          -1e300,
          Json(int64_t{1} << 31),
          Json(int64_t{1} << 62),
          Json(uint64_t{1} << 63),
          Json(std::numeric_limits<int64_t>::min()),
          "NaN",
          "-inf",
          Json::array(),
          Json::object(),
          Json::array({1, -1}),
          std::string(5000, 'a'),
          "\xc3\xb1\xe2\x82\xac\xf0\x9f\x98\x80 id"};
}

TEST(HardeningGraphFuzz, SamplesStillCompileAndRun) {
  for (const std::string& file : sampleFiles()) {
    Tally tally;
    exercise(readFile(file), file, tally);
    EXPECT_EQ(tally.ran, 1) << file << ": the unmutated sample must compile and run";
  }
}

TEST(HardeningGraphFuzz, StructuralMutationsOfEverySample) {
  Tally tally;
  const std::vector<Json> weird = weirdValues();
  for (const std::string& file : sampleFiles()) {
    const Json original = Json::parse(readFile(file));
    std::vector<Json::json_pointer> pointers;
    collectPointers(original, Json::json_pointer(), pointers);
    ASSERT_GT(pointers.size(), 20u) << file;
    for (const auto& p : pointers) {
      const std::string where = file + " at " + p.to_string();
      // Deleted.
      Json j = original;
      Json& parent = j[p.parent_pointer()];
      if (parent.is_object())
        parent.erase(p.back());
      else
        parent.erase(static_cast<size_t>(std::stoul(p.back())));
      exercise(j.dump(), where + " deleted", tally);
      // Duplicated (an array element twice: duplicate ids, edges, block members).
      j = original;
      Json& parent2 = j[p.parent_pointer()];
      if (parent2.is_array()) {
        size_t i = std::stoul(p.back());
        parent2.insert(parent2.begin() + static_cast<long>(i), parent2[i]);
        exercise(j.dump(), where + " duplicated", tally);
      }
      // Replaced by a value of every wrong type and size.
      for (size_t w = 0; w < weird.size(); ++w) {
        j = original;
        j[p] = weird[w];
        exercise(j.dump(), where + " = " + weird[w].dump().substr(0, 40), tally);
      }
    }
  }
  // Most mutants must be refused, and the harness must reach every stage.
  EXPECT_GT(tally.cases, 5000);
  EXPECT_GT(tally.parsed, tally.cases / 4);
  EXPECT_LT(tally.valid, tally.parsed);
  EXPECT_GT(tally.ran, 100);
  std::cout << "structural mutations: " << tally.cases << " cases, " << tally.parsed
            << " parsed, " << tally.valid << " valid, " << tally.compiled << " compiled, "
            << tally.ran << " ran\n";
}

TEST(HardeningGraphFuzz, ByteFlipsAndTruncations) {
  Tally tally;
  Fuzz f(20261125);
  const std::string structural = "{}[]\":,.-0123456789eE \\";
  for (const std::string& file : sampleFiles()) {
    const std::string original = readFile(file);
    for (int k = 0; k < 150; ++k) {
      std::string text = original;
      const int flips = 1 + static_cast<int>(f.below(3));
      for (int i = 0; i < flips; ++i) {
        size_t at = f.below(text.size());
        text[at] = f.below(2) ? structural[f.below(structural.size())]
                              : static_cast<char>(f.below(256));
      }
      exercise(text, file + " flip #" + std::to_string(k), tally);
    }
    for (int k = 0; k < 40; ++k) {
      size_t len = f.below(original.size());
      exercise(original.substr(0, len), file + " cut at " + std::to_string(len), tally);
    }
    // Duplicated keys (the parser keeps the last) and numbers past double range.
    for (const char* key : {"\"id\": ", "\"type\": ", "\"repeat\": ", "\"shape\": ",
                            "\"from\": ", "\"version\": "}) {
      std::string text = original;
      if (auto at = text.find(key); at != std::string::npos) {
        text.insert(at, std::string(key) + "7, ");
        exercise(text, file + " duplicate " + key, tally);
      }
    }
    for (const char* number : {"1e400", "-1e400", "123456789012345678901234567890", "-0",
                               "1e-400", "18446744073709551616"}) {
      std::string text = original;
      for (size_t at = text.find(": 1"); at != std::string::npos; at = text.find(": 1", at + 1)) {
        std::string t = text;
        size_t end = at + 2;
        while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) ||
                                  t[end] == '.'))
          ++end;
        t.replace(at + 2, end - at - 2, number);
        exercise(t, file + " number " + number + " at " + std::to_string(at), tally);
      }
    }
  }
  EXPECT_GT(tally.cases, 1000);
  EXPECT_GT(tally.ran, 10);
  std::cout << "byte mutations: " << tally.cases << " cases, " << tally.parsed << " parsed, "
            << tally.ran << " ran\n";
}

TEST(HardeningGraphFuzz, LongAndUnicodeIdsRenamedConsistently) {
  for (const std::string& file : sampleFiles()) {
    const Json original = Json::parse(readFile(file));
    const std::string id = original["nodes"][1]["id"];
    for (const std::string& renamed :
         {std::string(100000, 'n'), std::string("\xc3\xa9t\xc3\xa9_\xe2\x82\xac"),
          std::string("a.b"), std::string("9lives")}) {
      std::string text = original.dump();
      for (const std::string& form : {"\"" + id + "\"", "\"" + id + "."}) {
        const std::string to = "\"" + renamed + form.substr(form.size() - 1);
        for (size_t at = text.find(form); at != std::string::npos;
             at = text.find(form, at + to.size()))
          text.replace(at, form.size(), to);
      }
      Tally tally;
      exercise(text, file + " renamed to " + renamed.substr(0, 20), tally);
      EXPECT_EQ(tally.parsed, 1) << file;
      if (renamed[0] != 'n') {
        auto doc = GraphDocument::parse(text);
        ASSERT_TRUE(doc.isOk()) << doc.message();
        GraphAnalysis ga = analyze(*doc);
        ASSERT_FALSE(ga.ok()) << file << ": '" << renamed << "' is not an identifier";
        EXPECT_NE(ga.diagnostics.front().message.find("must start with a letter"),
                  std::string::npos);
      }
    }
  }
}

TEST(HardeningGraphFuzz, DeeplyNestedJsonIsRefusedNotRecursedInto) {
  Tally tally;
  const std::string deepArray(100000, '[');
  std::string deepObject;
  for (int i = 0; i < 100000; ++i) deepObject += "{\"a\":";
  for (const std::string& text : {deepArray, deepArray + std::string(100000, ']'), deepObject}) {
    auto doc = GraphDocument::parse(text);
    ASSERT_FALSE(doc.isOk());
    EXPECT_FALSE(doc.message().empty());
  }
  // Deep nesting inside a valid file (in params and in meta) is reported with its place.
  const std::string mlp = readFile(test::sourceDir() + "/samples/mlp-sine.strata");
  for (const std::string& key : {"\"meta\": ", "\"params\": "}) {
    std::string text = mlp;
    const size_t at = text.find(key) + key.size();
    text.insert(at, std::string(100000, '[') + std::string(100000, ']') + ", \"zz\": ");
    auto doc = GraphDocument::parse(text);
    ASSERT_FALSE(doc.isOk()) << key;
    EXPECT_NE(doc.message().find("nested"), std::string::npos) << doc.message();
    EXPECT_NE(doc.message().find("line "), std::string::npos) << doc.message();
  }
  // Moderate nesting stays legal: meta is kept verbatim.
  std::string text = mlp;
  const size_t at = text.find("\"meta\": {") + 9;
  text.insert(at, "\"deep\": " + std::string(100, '[') + std::string(100, ']') + ", ");
  exercise(text, "meta nested 100 deep", tally);
  EXPECT_EQ(tally.ran, 1);
}

TEST(HardeningGraphFuzz, LongChainsAnalyzeWithoutDeepRecursion) {
  // 30000 nodes in a chain (the recursive search this replaced went one stack frame per node),
  // then the same chain closed into a cycle.
  Json j = {{"format", "strata-graph"}, {"version", 1}, {"nodes", Json::array()},
            {"edges", Json::array()}};
  const int n = 30000;
  j["nodes"].push_back(node("x", "Input", {{"shape", {4}}}));
  for (int i = 0; i < n; ++i) {
    j["nodes"].push_back(node("a" + std::to_string(i), "ReLU"));
    j["edges"].push_back({{"from", (i ? "a" + std::to_string(i - 1) : std::string("x")) + ".out"},
                          {"to", "a" + std::to_string(i) + ".in"}});
  }
  auto doc = GraphDocument::fromJson(j);
  ASSERT_TRUE(doc.isOk()) << doc.message();
  GraphAnalysis ga = analyze(*doc);
  EXPECT_TRUE(ga.ok());
  EXPECT_EQ(ga.order.size(), static_cast<size_t>(n + 1));
  j["edges"][0]["from"] = "a" + std::to_string(n - 1) + ".out";
  auto cyclic = GraphDocument::fromJson(j);
  ASSERT_TRUE(cyclic.isOk()) << cyclic.message();
  ga = analyze(*cyclic);
  ASSERT_FALSE(ga.ok());
  EXPECT_NE(ga.diagnostics.front().message.find("cycle"), std::string::npos);
}

// ---- Parameter extremes: refused with the node named, never allocated. ----

struct Extreme {
  std::string label;
  Json nodes;
  std::vector<std::string> edges;
  std::string node;  // the node the error must name
};

std::vector<Extreme> extremeGraphs() {
  std::vector<Extreme> out;
  const std::vector<Json> values = {0, -1, Json(int64_t{1} << 31), Json(int64_t{1} << 62)};
  const Json seqIn = node("x", "Input", {{"shape", {3, 8}}});
  const Json tokIn = node("x", "Input", {{"shape", {3}}, {"dtype", "int64"}});
  for (const Json& v : values) {
    const std::string s = v.dump();
    out.push_back({"Linear.out_features=" + s,
                   {seqIn, node("fc", "Linear", {{"out_features", v}})},
                   {"x.out->fc.in"},
                   "fc"});
    for (const char* type : {"RNN", "LSTM", "GRU"}) {
      out.push_back({std::string(type) + ".hidden_size=" + s,
                     {seqIn, node("r", type, {{"hidden_size", v}})},
                     {"x.out->r.in"},
                     "r"});
      out.push_back({std::string(type) + ".num_layers=" + s,
                     {seqIn, node("r", type, {{"hidden_size", 4}, {"num_layers", v}})},
                     {"x.out->r.in"},
                     "r"});
    }
    out.push_back({"Embedding.embedding_dim=" + s,
                   {tokIn, node("e", "Embedding", {{"num_embeddings", 10}, {"embedding_dim", v}})},
                   {"x.out->e.in"},
                   "e"});
    out.push_back({"Embedding.num_embeddings=" + s,
                   {tokIn, node("e", "Embedding", {{"num_embeddings", v}, {"embedding_dim", 4}})},
                   {"x.out->e.in"},
                   "e"});
    for (const char* type : {"TransformerEncoderLayer", "TransformerDecoderLayer"}) {
      const bool dec = std::string(type) == "TransformerDecoderLayer";
      std::vector<std::string> edges{dec ? "x.out->t.tgt" : "x.out->t.in"};
      if (dec) edges.push_back("x.out->t.memory");
      out.push_back({std::string(type) + ".dim_feedforward=" + s,
                     {seqIn, node("t", type, {{"nhead", 2}, {"dim_feedforward", v}})},
                     edges,
                     "t"});
      out.push_back({std::string(type) + ".nhead=" + s,
                     {seqIn, node("t", type, {{"nhead", v}, {"dim_feedforward", 8}})},
                     edges,
                     "t"});
    }
    for (const char* kind : {"sinusoidal", "learned"})
      out.push_back({std::string("PositionalEncoding.") + kind + ".max_len=" + s,
                     {seqIn, node("pe", "PositionalEncoding", {{"kind", kind}, {"max_len", v}})},
                     {"x.out->pe.in"},
                     "pe"});
    out.push_back({"MultiheadAttention.num_heads=" + s,
                   {seqIn, node("a", "MultiheadAttention", {{"num_heads", v}})},
                   {"x.out->a.query"},
                   "a"});
    out.push_back({"Input.shape=" + s,
                   {node("x", "Input", {{"shape", {3, v}}}), node("fc", "Linear",
                                                                  {{"out_features", 4}})},
                   {"x.out->fc.in"},
                   v.get<int64_t>() == -1 ? "fc" : "x"});
  }
  // nhead not dividing d_model, and huge inputs meeting layers.
  out.push_back({"nhead=3 over d_model=8",
                 {seqIn, node("t", "TransformerEncoderLayer", {{"nhead", 3}})},
                 {"x.out->t.in"},
                 "t"});
  out.push_back({"num_heads=3 over embed_dim=8",
                 {seqIn, node("a", "MultiheadAttention", {{"num_heads", 3}})},
                 {"x.out->a.query"},
                 "a"});
  out.push_back({"Input of 2^40 elements per sample",
                 // Json::array: a one-element brace list is a copy under clang (CWG 2137).
                 Json::array({node("x", "Input", {{"shape", {1 << 20, 1 << 20}}})}),
                 {},
                 "x"});
  out.push_back({"LayerNorm over 2^40 features",
                 {node("x", "Input", {{"shape", {int64_t{1} << 40}}}), node("n", "LayerNorm")},
                 {"x.out->n.in"},
                 "x"});
  out.push_back({"Concat of two 2^31 inputs",
                 {node("x", "Input", {{"shape", {int64_t{1} << 30}}}),
                  node("c", "Concat", {{"dim", -1}}), node("d", "Concat", {{"dim", -1}})},
                 {"x.out->c.in0", "x.out->c.in1", "c.out->d.in0", "c.out->d.in1"},
                 "d"});
  return out;
}

TEST(HardeningLimits, AbsurdParametersAreRefusedNamingTheNode) {
  int refused = 0;
  const std::vector<Extreme> graphs = extremeGraphs();
  for (const Extreme& e : graphs) {
    GraphDocument doc = makeDoc(e.nodes, e.edges);
    try {
      auto model = Model::compile(doc);
      ASSERT_FALSE(model.isOk()) << e.label << " compiled";
      EXPECT_NE(model.message().find("node " + e.node + ":"), std::string::npos)
          << e.label << ": " << model.message();
      ++refused;
    } catch (const std::exception& ex) {
      ADD_FAILURE() << e.label << ": threw " << ex.what();
    }
  }
  EXPECT_EQ(refused, static_cast<int>(graphs.size()));
}

TEST(HardeningLimits, HugeModelsAreRefusedWithTheSize) {
  // One weight past the per-tensor limit: 2^16 x 2^16 = 2^32 elements.
  GraphDocument doc = makeDoc({node("x", "Input", {{"shape", {65536}}}),
                               node("fc", "Linear", {{"out_features", 65536}})},
                              {"x.out->fc.in"});
  auto model = Model::compile(doc);
  ASSERT_FALSE(model.isOk());
  EXPECT_NE(model.message().find("node fc: parameter 'weight' [65536, 65536]"), std::string::npos)
      << model.message();
  EXPECT_NE(model.message().find("4294967296"), std::string::npos) << model.message();

  // A Repeat block of 256 copies of a 2^26-parameter layer: each copy is legal, the sum is not.
  Json j = Json::parse(R"({"format": "strata-graph", "version": 1,
    "nodes": [{"id": "x", "type": "Input", "params": {"shape": [8192]}},
              {"id": "fc", "type": "Linear", "params": {"out_features": 8192, "bias": false}},
              {"id": "y", "type": "Output"}],
    "edges": [{"from": "x.out", "to": "fc.in"}, {"from": "fc.out", "to": "y.in"}],
    "blocks": [{"id": "layers", "nodes": ["fc"], "repeat": 256}]})");
  auto big = GraphDocument::fromJson(j);
  ASSERT_TRUE(big.isOk()) << big.message();
  GraphAnalysis ga = analyze(*big);
  ASSERT_FALSE(ga.ok());
  const auto& d = ga.diagnostics.front();
  EXPECT_EQ(d.nodeId, "layers.59.fc") << d.message;  // 60 copies pass 4e9 parameters
  EXPECT_NE(d.message.find("parameters"), std::string::npos) << d.message;
  auto m = Model::compile(*big);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.message().find("node layers.59.fc: "), std::string::npos) << m.message();

  // Just under the limits still analyzes (without allocating anything).
  j["blocks"][0]["repeat"] = 59;
  ga = analyze(*GraphDocument::fromJson(j));
  EXPECT_TRUE(ga.ok()) << ga.diagnostics.front().message;
  EXPECT_EQ(ga.totalParameters, int64_t{59} * 8192 * 8192);
}

TEST(HardeningLimits, FlopCountsNeverOverflow) {
  // A long sequence through a wide recurrent stack: FLOPs past int64 are an error, not a wrap.
  GraphDocument doc = makeDoc({node("x", "Input", {{"shape", {int64_t{1} << 30, 1}}}),
                               node("r", "LSTM", {{"hidden_size", 30000}, {"num_layers", 4}})},
                              {"x.out->r.in"});
  GraphAnalysis ga = analyze(doc);
  for (const auto& [id, na] : ga.nodes) EXPECT_GE(na.flops, 0) << id;
  EXPECT_GE(ga.totalFlops, 0);
  ASSERT_FALSE(ga.ok());
  EXPECT_EQ(ga.diagnostics.front().nodeId, "r");
}

// ---- Run-time inputs. ----

TEST(HardeningForward, BadInputsAreErrorsAndNanPropagates) {
  GraphDocument doc =
      makeDoc({node("x", "Input", {{"shape", {-1}}, {"dtype", "int64"}}),
               node("e", "Embedding", {{"num_embeddings", 5}, {"embedding_dim", 8}}),
               node("pe", "PositionalEncoding", {{"max_len", 4}}),
               node("t", "TransformerEncoderLayer", {{"nhead", 2}, {"dim_feedforward", 8}}),
               node("y", "Output")},
              {"x.out->e.in", "e.out->pe.in", "pe.out->t.in", "t.out->y.in"});
  auto model = Model::compile(doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  ForwardContext ctx;
  auto run = [&](const Tensor& x) { return (*model)->forward({{"x", x}}, Tensor(), ctx); };
  auto ids = [](Shape s, int64_t v) {
    return Tensor::fromVector(s, std::vector<int64_t>(static_cast<size_t>(numel(s)), v));
  };
  auto ok = run(ids({2, 3}, 1));
  ASSERT_TRUE(ok.isOk()) << ok.message();
  struct Bad {
    const char* label;
    Tensor x;
    const char* cause;
  };
  for (const Bad& b : {Bad{"float ids", Tensor::zeros({2, 3}), "input 'x'"},
                       Bad{"rank 3", ids({2, 3, 1}, 1), "input 'x'"},
                       Bad{"rank 1", ids({3}, 1), "input 'x'"},
                       Bad{"undefined", Tensor(), "input 'x'"},
                       Bad{"too long for max_len", ids({2, 9}, 1), "node pe"},
                       Bad{"id past the vocabulary", ids({2, 3}, 5), "node e"},
                       Bad{"negative id", ids({2, 3}, -1), "node e"},
                       Bad{"huge id", ids({2, 3}, std::numeric_limits<int64_t>::max()),
                           "node e"}}) {
    try {
      auto r = run(b.x);
      ASSERT_FALSE(r.isOk()) << b.label;
      EXPECT_NE(r.message().find(b.cause), std::string::npos) << b.label << ": " << r.message();
    } catch (const std::exception& e) {
      ADD_FAILURE() << b.label << ": threw " << e.what();
    }
  }
  // A zero batch and a zero length either work (empty outputs) or fail with a message.
  for (const Shape& s : {Shape{0, 3}, Shape{2, 0}, Shape{0, 0}}) {
    try {
      auto r = run(ids(s, 1));
      if (r) {
        EXPECT_EQ(r->outputs.at("y").shape(), (Shape{s[0], s[1], 8}));
      } else {
        EXPECT_FALSE(r.message().empty());
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << shapeToString(s) << ": threw " << e.what();
    }
  }

  // NaN in a float model: the output carries NaN, the loss is NaN, nothing fails.
  GraphDocument mlp = makeDoc({node("x", "Input", {{"shape", {4}}}),
                               node("fc", "Linear", {{"out_features", 2}}),
                               node("loss", "MSELoss")},
                              {"x.out->fc.in", "fc.out->loss.input"});
  auto m = Model::compile(mlp);
  ASSERT_TRUE(m.isOk()) << m.message();
  std::vector<float> v(8, 1.0f);
  v[0] = std::numeric_limits<float>::quiet_NaN();
  v[5] = std::numeric_limits<float>::infinity();
  auto r = (*m)->forward({{"x", Tensor::fromVector({2, 4}, v)}}, Tensor::zeros({2, 2}), ctx);
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_TRUE(std::isnan(r->loss.item()));
  // Wrong target shape, wrong target dtype.
  for (const Tensor& t : {Tensor::zeros({2, 3}), Tensor::zeros({2, 2}, DType::Int64)}) {
    auto bad = (*m)->forward({{"x", Tensor::zeros({2, 4})}}, t, ctx);
    ASSERT_FALSE(bad.isOk());
    EXPECT_NE(bad.message().find("target"), std::string::npos) << bad.message();
  }
}

// ---- npy and safetensors readers. ----

class HardeningFiles : public ::testing::Test {
 protected:
  test::ScratchDir m_dir{"strata-hardening"};
};

TEST_F(HardeningFiles, NpyWithLyingHeadersFailsNamingTheFile) {
  const std::string good = m_dir.file("good.npy");
  ASSERT_TRUE(saveNpy(good, Tensor::fromVector({4, 8}, std::vector<float>(32, 0.5f))));
  const std::string bytes = readFile(good);
  auto loaded = loadNpy(good);
  ASSERT_TRUE(loaded.isOk()) << loaded.message();

  std::vector<std::pair<std::string, std::string>> cases;
  auto headerEdit = [&](const std::string& from, const std::string& to) {
    std::string b = bytes;
    size_t at = b.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) b.replace(at, from.size(), to);
    cases.push_back({"header " + from + " -> " + to, b});
  };
  for (const char* shape : {"(9223372036854775807, 8)", "(4294967296, 4294967296)", "(-1, 8)",
                            "(4, -8)", "(99999999999999999999999, 8)", "(0, 8)", "(4, 8, 1)",
                            "()", "(4,, 8)", "(4 8)", "(4, 8"})
    headerEdit("(4, 8)", shape);
  for (const char* descr : {"<f2", ">f4", "|b1", "<c8", "", "<f4<f4", "<i8"})
    headerEdit("'<f4'", std::string("'") + descr + "'");
  headerEdit("False", "True");
  headerEdit("'descr'", "'desc'");
  // The header length field: huge, zero, past the end.
  for (uint16_t len : {uint16_t{0xffff}, uint16_t{0}, uint16_t{1}}) {
    std::string b = bytes;
    std::memcpy(&b[8], &len, 2);
    cases.push_back({"header length " + std::to_string(len), b});
  }
  for (char version : {'\x00', '\x02', '\x03', '\x09'}) {
    std::string b = bytes;
    b[6] = version;
    cases.push_back({"version " + std::to_string(version), b});
  }
  addFlipsAndCuts(cases, bytes, 11, 128, 7);

  int refused = 0;
  for (const auto& [label, b] : cases) {
    const std::string path = m_dir.file("case.npy");
    writeFile(path, b);
    try {
      auto r = loadNpy(path);
      if (r) {
        EXPECT_EQ(r->dtype() == DType::Float32 ? r->numel() * 4 : r->numel() * 8,
                  static_cast<int64_t>(r->bytes()))
            << label;
        EXPECT_LE(r->numel(), 64) << label;
        continue;
      }
      ++refused;
      EXPECT_EQ(r.message().rfind(path + ": ", 0), 0u) << label << ": " << r.message();
    } catch (const std::exception& e) {
      ADD_FAILURE() << label << ": threw " << e.what();
    }
  }
  EXPECT_GT(refused, 100);
}

std::string safetensorsBytes(const std::string& header, const std::string& data) {
  uint64_t len = header.size();
  return std::string(reinterpret_cast<const char*>(&len), 8) + header + data;
}

TEST_F(HardeningFiles, SafetensorsWithLyingHeadersFailsNamingTheFile) {
  const std::string good = m_dir.file("good.safetensors");
  ASSERT_TRUE(saveSafetensors(good, {{"a.weight", Tensor::full({2, 3}, 1.0f)},
                                     {"a.bias", Tensor::full({3}, 2.0f)}}));
  const std::string bytes = readFile(good);
  ASSERT_TRUE(loadSafetensors(good).isOk());

  const std::string data(64, '\0');
  std::vector<std::pair<std::string, std::string>> cases;
  auto entry = [&](const std::string& dtype, const std::string& shape,
                   const std::string& offsets) {
    std::string h = "{\"w\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape +
                    ", \"data_offsets\": " + offsets + "}}";
    cases.push_back({h, safetensorsBytes(h, data)});
  };
  entry("F32", "[4611686018427387904, 4]", "[0, 64]");
  entry("F32", "[4294967296, 4294967296]", "[0, 64]");
  entry("F32", "[-1, 16]", "[0, 64]");
  entry("F32", "[16]", "[0, 18446744073709551615]");
  entry("F32", "[16]", "[64, 0]");
  entry("F32", "[16]", "[-8, 56]");
  entry("F32", "[16]", "[0, 1e300]");
  entry("F32", "[16]", "[0]");
  entry("F32", "[16]", "\"0-64\"");
  entry("F32", "[1e300]", "[0, 64]");
  entry("F32", "[16.5]", "[0, 64]");
  entry("F32", "16", "[0, 64]");
  entry("F32", "[\"16\"]", "[0, 64]");
  entry("I64", "[16]", "[0, 64]");  // 16 int64 need 128 bytes
  entry("F16", "[32]", "[0, 64]");
  entry("BF16", "[32]", "[0, 64]");
  entry("", "[16]", "[0, 64]");
  entry("F32", "[4, 4]", "[0, 32]");  // gap at the end
  cases.push_back({"not an object", safetensorsBytes("[1, 2]", data)});
  cases.push_back({"deeply nested", safetensorsBytes("{\"w\": " + std::string(100000, '[') +
                                                         std::string(100000, ']') + "}", data)});
  cases.push_back({"entry not an object", safetensorsBytes("{\"w\": 3}", data)});
  cases.push_back({"metadata not strings",
                   safetensorsBytes("{\"__metadata__\": {\"a\": 1}}", "")});
  cases.push_back({"overlap", safetensorsBytes(
      "{\"a\": {\"dtype\": \"F32\", \"shape\": [16], \"data_offsets\": [0, 64]}, "
      "\"b\": {\"dtype\": \"F32\", \"shape\": [8], \"data_offsets\": [0, 32]}}", data)});
  for (uint64_t len : {uint64_t{0}, uint64_t{1} << 63, ~uint64_t{0}, uint64_t{200}}) {
    std::string b = bytes;
    std::memcpy(&b[0], &len, 8);
    cases.push_back({"header length " + std::to_string(len), b});
  }
  addFlipsAndCuts(cases, bytes, 12, bytes.size(), 5);

  int refused = 0;
  for (const auto& [label, b] : cases) {
    const std::string path = m_dir.file("case.safetensors");
    writeFile(path, b);
    try {
      auto r = loadSafetensors(path);
      if (r) {
        for (const auto& t : r->tensors) EXPECT_LE(t.tensor.numel(), 64) << label;
        continue;
      }
      ++refused;
      EXPECT_EQ(r.message().rfind(path + ": ", 0), 0u) << label << ": " << r.message();
    } catch (const std::exception& e) {
      ADD_FAILURE() << label << ": threw " << e.what();
    }
  }
  EXPECT_GT(refused, 100);
}

// ---- ONNX import of corrupted bytes. ----

TEST_F(HardeningFiles, OnnxImportOfCorruptedBytesFailsCleanly) {
  GraphDocument doc = makeDoc({node("x", "Input", {{"shape", {-1, 4}}}),
                               node("r", "GRU", {{"hidden_size", 3}}),
                               node("n", "LayerNorm"),
                               node("fc", "Linear", {{"out_features", 2}}), node("y", "Output")},
                              {"x.out->r.in", "r.out->n.in", "n.out->fc.in", "fc.out->y.in"});
  auto model = Model::compile(doc);
  ASSERT_TRUE(model.isOk()) << model.message();
  auto bytes = exportOnnxBytes(doc, **model);
  ASSERT_TRUE(bytes.isOk()) << bytes.message();
  ASSERT_TRUE(importOnnxBytes(*bytes).isOk());

  Fuzz f(13);
  int refused = 0, imported = 0;
  for (int k = 0; k < 600; ++k) {
    std::string b = *bytes;
    const int kind = static_cast<int>(f.below(4));
    if (kind == 0) {
      b = b.substr(0, f.below(b.size()));
    } else {
      const int flips = 1 + static_cast<int>(f.below(kind == 3 ? 30 : 3));
      for (int i = 0; i < flips; ++i) b[f.below(b.size())] = static_cast<char>(f.below(256));
    }
    const std::string label = "onnx mutant #" + std::to_string(k);
    try {
      auto r = importOnnxBytes(b);
      if (!r) {
        ++refused;
        EXPECT_FALSE(r.message().empty()) << label;
        continue;
      }
      ++imported;
      // Whatever imports must be a document the rest of the engine handles.
      Tally tally;
      exercise(r->doc.serialize(), label, tally);
    } catch (const std::exception& e) {
      ADD_FAILURE() << label << ": threw " << e.what();
    }
  }
  EXPECT_GT(refused, 100);
  // Through a file the message starts with the path.
  const std::string path = m_dir.file("bad.onnx");
  writeFile(path, bytes->substr(0, bytes->size() / 2));
  auto r = importOnnx(path);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message().rfind(path + ": ", 0), 0u) << r.message();
  std::cout << "onnx mutants: " << refused << " refused, " << imported << " imported\n";
}

}  // namespace
}  // namespace strata
