// strata-cli end to end: every verb's --help, validate over the samples, bad input that must end in
// exit code 2 with a one-line cause (never a signal), deterministic init, run against the engine's
// own forward pass, training to a stated loss with the CSV log, and replayable unshuffled runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include "common/testenv.h"
#include "graph/document.h"
#include "graph/model.h"
#include "io/npy.h"
#include "io/safetensors.h"
#include "tensor/autograd.h"

using namespace strata;
using strata::test::ScratchDir;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

test::CommandResult cli(const std::string& args) { return test::run(q(test::cli()) + " " + args); }

std::string sample(const std::string& name) { return test::sourceDir() + "/samples/" + name; }

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

// The value on the "final loss <x>" line, NaN when there is none.
double finalLoss(const std::string& output) {
  std::smatch m;
  static const std::regex re("final loss ([^\\s]+)");
  if (!std::regex_search(output, m, re)) return std::nan("");
  return std::stod(m[1]);
}

const char* kMlp = R"({
  "format": "strata-graph", "version": 1,
  "nodes": [
    {"id": "x", "type": "Input", "params": {"shape": [8], "dtype": "float32"}, "pos": [0, 0]},
    {"id": "fc1", "type": "Linear", "params": {"out_features": 16}, "pos": [1, 0]},
    {"id": "act", "type": "Tanh", "params": {}, "pos": [2, 0]},
    {"id": "fc2", "type": "Linear", "params": {"out_features": 2}, "pos": [3, 0]},
    {"id": "y", "type": "Output", "params": {}, "pos": [4, 0]},
    {"id": "loss", "type": "MSELoss", "params": {}, "pos": [4, 1]}
  ],
  "edges": [
    {"from": "x.out", "to": "fc1.in"}, {"from": "fc1.out", "to": "act.in"},
    {"from": "act.out", "to": "fc2.in"}, {"from": "fc2.out", "to": "y.in"},
    {"from": "fc2.out", "to": "loss.input"}
  ],
  "training": {"data": "sine", "epochs": 1, "batch": 8, "lr": 0.01}
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Tensor ramp(const Shape& shape, float scale) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = std::sin(scale * static_cast<float>(i));
  return t;
}

}  // namespace

TEST(CliHelp, EveryVerbPrintsHelpAndExitsZero) {
  auto top = cli("--help");
  EXPECT_EQ(top.exitCode, 0) << top.output;
  for (const char* verb : {"validate", "init", "run", "train", "bench"}) {
    EXPECT_NE(top.output.find(verb), std::string::npos) << verb;
    auto r = cli(std::string(verb) + " --help");
    EXPECT_EQ(r.exitCode, 0) << verb << ": " << r.output;
    EXPECT_NE(r.output.find("Usage: strata-cli " + std::string(verb)), std::string::npos)
        << r.output;
  }
  auto train = cli("train --help");
  for (const char* opt : {"--data", "--weights", "--epochs", "--steps", "--batch", "--lr",
                          "--optimizer", "--shuffle", "--val-split", "--seed", "--device",
                          "--out", "--log"})
    EXPECT_NE(train.output.find(opt), std::string::npos) << opt;
}

TEST(CliValidate, EverySampleIsValidAndPrintsShapes) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(test::sourceDir() + "/samples"))
    if (e.path().extension() == ".strata") files.push_back(e.path().string());
  ASSERT_FALSE(files.empty()) << "no samples/*.strata found";
  for (const std::string& f : files) {
    auto r = cli("validate " + q(f));
    EXPECT_EQ(r.exitCode, 0) << f << "\n" << r.output;
    EXPECT_NE(r.output.find("[B, "), std::string::npos) << f << "\n" << r.output;
    EXPECT_NE(r.output.find("total: "), std::string::npos) << f << "\n" << r.output;
  }
}

TEST(CliValidate, TableListsNodesShapesAndParameterCounts) {
  auto r = cli("validate " + q(sample("mlp-sine.strata")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  // fc1: Linear 32 -> 64 = 2,112 parameters; fc2: 64 -> 1 = 65; 2,177 in total.
  EXPECT_TRUE(std::regex_search(r.output, std::regex("fc1 +Linear +\\[B, 64\\] +2,112")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("fc2 +Linear +\\[B, 1\\] +65")))
      << r.output;
  EXPECT_NE(r.output.find("total: 2,177 parameters"), std::string::npos) << r.output;
}

struct BadInput {
  const char* name;
  std::string args;   // with {dir} for the scratch directory
  const char* cause;  // must appear in the output
};

// Keeps ctest's discovered names short and stable (the default prints the struct's bytes).
void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class CliBadInput : public ::testing::TestWithParam<BadInput> {
 protected:
  void SetUp() override {
    test::writeText(m_dir.file("good.strata"), kMlp);
    std::string text = kMlp;
    test::writeText(m_dir.file("truncated.strata"), text.substr(0, text.size() / 2));
    test::writeText(m_dir.file("wrongtype.strata"),
                    replaced(kMlp, "\"out_features\": 16", "\"out_features\": \"many\""));
    test::writeText(m_dir.file("version-string.strata"),
                    replaced(kMlp, "\"version\": 1", "\"version\": \"one\""));
    test::writeText(m_dir.file("unknown.strata"), replaced(kMlp, "\"Tanh\"", "\"Tanhh\""));
    test::writeText(m_dir.file("cycle.strata"),
                    replaced(kMlp, "{\"from\": \"x.out\", \"to\": \"fc1.in\"}",
                             "{\"from\": \"act.out\", \"to\": \"fc1.in\"}"));
    test::writeText(m_dir.file("bad-training.strata"),
                    replaced(kMlp, "\"lr\": 0.01", "\"lr\": \"fast\""));
    test::writeText(m_dir.file("not-json.strata"), "\x7f" "ELF garbage");
    test::writeText(m_dir.file("repeat-loss.strata"),
                    replaced(kMlp, "\"training\"",
                             "\"blocks\": [{\"id\": \"b\", \"nodes\": [\"fc2\", \"loss\"], "
                             "\"repeat\": 2}], \"training\""));
    test::writeText(m_dir.file("block-ghost.strata"),
                    replaced(kMlp, "\"training\"",
                             "\"blocks\": [{\"id\": \"b\", \"nodes\": [\"nope\"]}], \"training\""));
    // Sizes that used to crash compile (an overflowing element count, a 16 GiB weight), a number
    // past double range and JSON nested deeper than the parser's callers can recurse.
    test::writeText(m_dir.file("huge-input.strata"),
                    replaced(kMlp, "\"shape\": [8]", "\"shape\": [4611686018427387904]"));
    test::writeText(m_dir.file("huge-weight.strata"),
                    replaced(replaced(kMlp, "\"shape\": [8]", "\"shape\": [65536]"),
                             "\"out_features\": 16", "\"out_features\": 65536"));
    test::writeText(m_dir.file("number-overflow.strata"),
                    replaced(kMlp, "\"lr\": 0.01", "\"lr\": 1e400"));
    test::writeText(m_dir.file("deep.strata"),
                    replaced(kMlp, "\"training\"",
                             "\"meta\": {\"x\": " + std::string(100000, '[') +
                                 std::string(100000, ']') + "}, \"training\""));
    // A .npy that claims 1000 rows but holds 4, and a safetensors with a broken header.
    std::string npy = test::readText([&] {
      EXPECT_TRUE(saveNpy(m_dir.file("x.npy"), ramp({4, 8}, 0.1f)));
      return m_dir.file("x.npy");
    }());
    test::writeText(m_dir.file("lying.npy"),
                    replaced(npy, "'shape': (4, 8)", "'shape': (1000, 8)"));
    EXPECT_TRUE(saveNpy(m_dir.file("ints.npy"),
                        Tensor::fromVector({1, 8}, std::vector<int64_t>(8, 1))));
    EXPECT_TRUE(saveNpy(m_dir.file("rank3.npy"), ramp({1, 2, 8}, 0.1f)));
    std::string header = "{\"fc1.weight\": {\"dtype\"";  // cut off mid-way
    uint64_t len = header.size();
    test::writeText(m_dir.file("bad.safetensors"),
                    std::string(reinterpret_cast<char*>(&len), 8) + header);
    test::writeText(m_dir.file("huge.safetensors"), std::string(8, '\xff') + "{}");
    auto init = cli("init " + q(m_dir.file("good.strata")) + " --out " +
                    q(m_dir.file("w.safetensors")));
    EXPECT_EQ(init.exitCode, 0) << init.output;
    // Weights of a different model: fc1 has 32 outputs there.
    test::writeText(m_dir.file("wide.strata"),
                    replaced(kMlp, "\"out_features\": 16", "\"out_features\": 32"));
    init = cli("init " + q(m_dir.file("wide.strata")) + " --out " +
               q(m_dir.file("wide.safetensors")));
    EXPECT_EQ(init.exitCode, 0) << init.output;
  }
  ScratchDir m_dir{"strata-cli-bad"};
};

TEST_P(CliBadInput, ExitsTwoWithTheCause) {
  std::string args = std::regex_replace(GetParam().args, std::regex("\\{dir\\}"),
                                        m_dir.path().string());
  auto r = cli(args);
  EXPECT_EQ(r.exitCode, 2) << args << "\n" << r.output;  // -1 would be a signal (a crash)
  EXPECT_NE(r.output.find(GetParam().cause), std::string::npos) << args << "\n" << r.output;
  auto out = lines(r.output);
  ASSERT_FALSE(out.empty());
  // One line per problem (a cycle is reported on each node in it), each naming the cause.
  for (const std::string& line : out)
    EXPECT_LT(line.size(), 400u) << line;
  if (std::string(GetParam().name) != "cycle") EXPECT_EQ(out.size(), 1u) << r.output;
}

const std::string kRun = "run {dir}/good.strata --weights {dir}/w.safetensors --output {dir}/y.npy";

INSTANTIATE_TEST_SUITE_P(
    All, CliBadInput,
    ::testing::Values(
        BadInput{"missingFile", "validate {dir}/absent.strata", "absent.strata"},
        BadInput{"truncatedJson", "validate {dir}/truncated.strata", "parse error"},
        BadInput{"notJson", "validate {dir}/not-json.strata", "not-json.strata"},
        BadInput{"wrongParamType", "validate {dir}/wrongtype.strata",
                 "node fc1: param 'out_features'"},
        BadInput{"wrongFieldType", "validate {dir}/version-string.strata",
                 "'version' must be an integer"},
        BadInput{"unknownLayer", "validate {dir}/unknown.strata",
                 "node act: unknown layer type 'Tanhh'"},
        BadInput{"cycle", "validate {dir}/cycle.strata", "cycle"},
        BadInput{"repeatBlockHoldingLoss", "train {dir}/repeat-loss.strata",
                 "block 'b': a Repeat block cannot hold the MSELoss node 'loss'"},
        BadInput{"blockOfMissingNode", "validate {dir}/block-ghost.strata",
                 "blocks[0].nodes[0]: no node 'nope'"},
        BadInput{"hugeInput", "init {dir}/huge-input.strata --out {dir}/h.safetensors",
                 "node x: output 'out' [B, 4611686018427387904] would hold"},
        BadInput{"hugeWeight", "init {dir}/huge-weight.strata --out {dir}/h.safetensors",
                 "node fc1: parameter 'weight' [65536, 65536] would hold 4294967296 elements"},
        BadInput{"numberOverflow", "validate {dir}/number-overflow.strata",
                 "number overflow parsing '1e400'"},
        BadInput{"deepJson", "validate {dir}/deep.strata", "nested more than 256 levels deep"},
        BadInput{"initOnInvalidGraph", "init {dir}/unknown.strata --out {dir}/u.safetensors",
                 "unknown layer type"},
        BadInput{"lyingNpy", kRun + " --input {dir}/lying.npy", "lying.npy: truncated data"},
        BadInput{"missingNpy", kRun + " --input {dir}/nope.npy", "nope.npy: cannot open"},
        BadInput{"npyWrongDtype", kRun + " --input {dir}/ints.npy", "must be float32"},
        BadInput{"npyWrongRank", kRun + " --input {dir}/rank3.npy", "must have shape [B, 8]"},
        BadInput{"badSafetensorsHeader",
                 "run {dir}/good.strata --weights {dir}/bad.safetensors --input {dir}/x.npy "
                 "--output {dir}/y.npy",
                 "bad.safetensors: header is not valid JSON"},
        BadInput{"hugeSafetensorsHeader",
                 "run {dir}/good.strata --weights {dir}/huge.safetensors --input {dir}/x.npy "
                 "--output {dir}/y.npy",
                 "exceeds the 100 MB limit"},
        BadInput{"weightsOfAnotherModel",
                 "run {dir}/good.strata --weights {dir}/wide.safetensors --input {dir}/x.npy "
                 "--output {dir}/y.npy",
                 "'fc1.weight' has shape [32, 8] but the model expects [16, 8]"},
        BadInput{"badTrainingSetting", "train {dir}/bad-training.strata", "training.lr"},
        BadInput{"badOptionValue", "train {dir}/good.strata --lr fast",
                 "--lr: must be a positive number"},
        BadInput{"badOptimizer", "train {dir}/good.strata --optimizer lbfgs", "lbfgs"},
        BadInput{"missingDataFile", "train {dir}/good.strata --data npy:{dir}/a.npy,{dir}/b.npy",
                 "a.npy"},
        BadInput{"unknownDevice", "train {dir}/good.strata --device gpu",
                 "expected cpu, cuda or cuda:N"},
        BadInput{"unknownVerb", "frobnicate", "unknown verb 'frobnicate'"},
        BadInput{"noVerb", "", "subcommand is required"},
        BadInput{"missingRequired", "init {dir}/good.strata", "--out is required"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CliInit, SameSeedGivesIdenticalFilesAndAnotherSeedDiffers) {
  ScratchDir dir;
  std::string g = q(sample("mlp-sine.strata"));
  for (const char* args : {" --seed 7 --out a.safetensors", " --seed 7 --out b.safetensors",
                           " --seed 8 --out c.safetensors"}) {
    std::string a = args;
    auto r = cli("init " + g + std::regex_replace(a, std::regex("--out "),
                                                  "--out " + dir.path().string() + "/"));
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  std::string a = test::readText(dir.file("a.safetensors"));
  ASSERT_GT(a.size(), 2177u * 4);
  EXPECT_EQ(a, test::readText(dir.file("b.safetensors")));
  EXPECT_NE(a, test::readText(dir.file("c.safetensors")));
  auto f = loadSafetensors(dir.file("a.safetensors"));
  ASSERT_TRUE(f) << f.message();
  std::vector<std::string> names;
  for (const auto& t : f->tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
}

// A Repeat block: validate lists the copies, init names their weights, train and run work.
TEST(CliBlocks, RepeatBlockValidatesInitsTrainsAndRuns) {
  ScratchDir dir;
  test::writeText(dir.file("stack.strata"),
                  replaced(kMlp, "\"training\"",
                           "\"blocks\": [{\"id\": \"hid\", \"nodes\": [\"fc1\", \"act\"], "
                           "\"repeat\": 3}], \"training\""));
  const std::string g = q(dir.file("stack.strata"));
  auto r = cli("validate " + g);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("block hid x3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("hid.2.fc1"), std::string::npos) << r.output;
  // 8->16, then 16->16 twice, then 16->2.
  EXPECT_NE(r.output.find("total: 722 parameters"), std::string::npos) << r.output;
  r = cli("init " + g + " --seed 1 --out " + q(dir.file("w.safetensors")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto f = loadSafetensors(dir.file("w.safetensors"));
  ASSERT_TRUE(f) << f.message();
  std::vector<std::string> names;
  for (const auto& t : f->tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"hid.0.fc1.weight", "hid.0.fc1.bias",
                                             "hid.1.fc1.weight", "hid.1.fc1.bias",
                                             "hid.2.fc1.weight", "hid.2.fc1.bias", "fc2.weight",
                                             "fc2.bias"}));
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), ramp({16, 8}, 0.1f)));
  ASSERT_TRUE(saveNpy(dir.file("t.npy"), ramp({16, 2}, 0.05f)));
  r = cli("train " + g + " --data npy:" + dir.file("x.npy") + "," + dir.file("t.npy") +
          " --steps 4 --batch 4 --out " + q(dir.file("t.safetensors")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("final loss"), std::string::npos) << r.output;
  r = cli("run " + g + " --weights " + q(dir.file("t.safetensors")) + " --input " +
          q(dir.file("x.npy")) + " --output " + q(dir.file("y.npy")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto y = loadNpy(dir.file("y.npy"));
  ASSERT_TRUE(y) << y.message();
  EXPECT_EQ(y->shape(), (Shape{16, 2}));
}

TEST(CliRun, OutputEqualsTheEnginesForward) {
  ScratchDir dir;
  std::string graph = sample("mlp-sine.strata");
  auto init = cli("init " + q(graph) + " --seed 11 --out " + q(dir.file("w.safetensors")));
  ASSERT_EQ(init.exitCode, 0) << init.output;
  Tensor x = ramp({5, 32}, 0.37f);
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), x));
  auto r = cli("run " + q(graph) + " --weights " + q(dir.file("w.safetensors")) +
               " --input window=" + q(dir.file("x.npy")) + " --output " + q(dir.file("y.npy")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto y = loadNpy(dir.file("y.npy"));
  ASSERT_TRUE(y) << y.message();

  auto doc = GraphDocument::load(graph);
  ASSERT_TRUE(doc) << doc.message();
  auto model = Model::compile(*doc);
  ASSERT_TRUE(model) << model.message();
  auto weights = loadSafetensors(dir.file("w.safetensors"));
  ASSERT_TRUE(weights) << weights.message();
  auto params = (*model)->parameters();
  ASSERT_TRUE(assignTensors(weights->tensors, params));
  NoGradGuard noGrad;
  Rng rng(0);
  ForwardContext ctx{false, &rng, false};
  auto expected = (*model)->forward({{"window", x}}, Tensor(), ctx);
  ASSERT_TRUE(expected) << expected.message();
  const Tensor& want = expected->outputs.at("prediction");
  ASSERT_EQ(y->shape(), want.shape());
  ASSERT_EQ(y->shape(), (Shape{5, 1}));
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_NEAR(y->f32()[i], want.f32()[i], 1e-6f * (1 + std::fabs(want.f32()[i]))) << i;
  // Not a constant: different inputs give different outputs.
  EXPECT_NE(y->f32()[0], y->f32()[1]);
}

TEST(CliRun, SeveralOutputsAreChosenByName) {
  ScratchDir dir;
  std::string two = replaced(kMlp, R"({"id": "loss")",
                             R"({"id": "hidden", "type": "Output", "params": {}, "pos": [3, 1]},
                                {"id": "loss")");
  two = replaced(two, R"({"from": "fc2.out", "to": "y.in"})",
                 R"({"from": "fc2.out", "to": "y.in"}, {"from": "act.out", "to": "hidden.in"})");
  test::writeText(dir.file("two.strata"), two);
  std::string g = q(dir.file("two.strata"));
  ASSERT_EQ(cli("init " + g + " --out " + q(dir.file("w.safetensors"))).exitCode, 0);
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), ramp({3, 8}, 0.2f)));
  std::string base = "run " + g + " --weights " + q(dir.file("w.safetensors")) + " --input " +
                     q(dir.file("x.npy"));
  auto ambiguous = cli(base + " --output " + q(dir.file("o.npy")));
  EXPECT_EQ(ambiguous.exitCode, 2) << ambiguous.output;
  EXPECT_NE(ambiguous.output.find("several outputs (hidden, y)"), std::string::npos)
      << ambiguous.output;
  auto r = cli(base + " --output y=" + q(dir.file("y.npy")) + " --output hidden=" +
               q(dir.file("h.npy")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto y = loadNpy(dir.file("y.npy"));
  auto h = loadNpy(dir.file("h.npy"));
  ASSERT_TRUE(y && h);
  EXPECT_EQ(y->shape(), (Shape{3, 2}));
  EXPECT_EQ(h->shape(), (Shape{3, 16}));
}

TEST(CliTrain, SineSampleReachesTheStatedLossAndLogsEveryStep) {
  ScratchDir dir;
  auto r = cli("train " + q(sample("mlp-sine.strata")) + " --log " + q(dir.file("log.csv")) +
               " --out " + q(dir.file("trained.safetensors")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto out = lines(r.output);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back().rfind("final loss ", 0), 0u) << r.output;
  double loss = finalLoss(r.output);
  EXPECT_LT(loss, 1e-2) << r.output;
  // One line per epoch of the sample's own setting.
  auto doc = GraphDocument::load(sample("mlp-sine.strata"));
  ASSERT_TRUE(doc) << doc.message();
  const int64_t epochs = doc->training.value("epochs", int64_t{10});
  const std::string e = std::to_string(epochs);
  EXPECT_NE(r.output.find("epoch " + e + "/" + e + " "), std::string::npos) << r.output;
  EXPECT_EQ(std::count_if(out.begin(), out.end(),
                          [](const std::string& l) { return l.rfind("epoch ", 0) == 0; }),
            epochs);

  auto csv = lines(test::readText(dir.file("log.csv")));
  ASSERT_GT(csv.size(), static_cast<size_t>(epochs));
  EXPECT_EQ(csv[0], "step,epoch,loss,val_loss,accuracy,lr,samples_per_s");
  EXPECT_EQ(csv[1].rfind("1,1,", 0), 0u) << csv[1];
  for (size_t i = 1; i < csv.size(); ++i)
    EXPECT_EQ(std::count(csv[i].begin(), csv[i].end(), ','), 6) << csv[i];
  // The last row's loss is the printed final loss.
  std::string last = csv.back();
  std::vector<std::string> cols;
  std::stringstream ss(last);
  for (std::string c; std::getline(ss, c, ',');) cols.push_back(c);
  ASSERT_EQ(cols.size(), 7u);
  EXPECT_NEAR(std::stod(cols[2]), loss, 1e-5 * std::fabs(loss) + 1e-12);

  // The trained weights run.
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), ramp({2, 32}, 0.3f)));
  auto run = cli("run " + q(sample("mlp-sine.strata")) + " --weights " +
                 q(dir.file("trained.safetensors")) + " --input " + q(dir.file("x.npy")) +
                 " --output " + q(dir.file("y.npy")));
  EXPECT_EQ(run.exitCode, 0) << run.output;
}

TEST(CliTrain, CommandLineOverridesTheGraphSettings) {
  ScratchDir dir;
  auto r = cli("train " + q(sample("mlp-sine.strata")) + " --steps 7 --batch 4 --lr 0.02 " +
               "--optimizer sgd --val-split 0.2 --seed 3 --log " + q(dir.file("log.csv")));
  ASSERT_EQ(r.exitCode, 0) << r.output;
  auto csv = lines(test::readText(dir.file("log.csv")));
  ASSERT_EQ(csv.size(), 8u) << r.output;  // header + --steps rows
  EXPECT_NE(r.output.find("sgd, lr 0.02, batch 4"), std::string::npos) << r.output;
  EXPECT_NE(csv[7].find(",0.02,"), std::string::npos) << csv[7];
}

TEST(CliTrain, UnshuffledNpyRunsReplayExactly) {
  ScratchDir dir;
  test::writeText(dir.file("g.strata"), kMlp);
  Tensor x = ramp({40, 8}, 0.13f);
  Tensor y = ramp({40, 2}, 0.71f);
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), x));
  ASSERT_TRUE(saveNpy(dir.file("y.npy"), y));
  std::string base = "train " + q(dir.file("g.strata")) + " --data npy:" + dir.file("x.npy") +
                     "," + dir.file("y.npy") +
                     " --shuffle off --val-split 0.2 --epochs 3 --batch 8 --optimizer adam" +
                     " --seed 5 --log ";
  auto a = cli(base + q(dir.file("a.csv")));
  ASSERT_EQ(a.exitCode, 0) << a.output;
  auto b = cli(base + q(dir.file("b.csv")));
  ASSERT_EQ(b.exitCode, 0) << b.output;
  EXPECT_EQ(finalLoss(a.output), finalLoss(b.output));
  // Identical except the samples_per_s column (wall-clock timing).
  auto strip = [](const std::string& text) {
    std::string out;
    for (const std::string& l : lines(text)) out += l.substr(0, l.rfind(',')) + "\n";
    return out;
  };
  std::string la = test::readText(dir.file("a.csv")), lb = test::readText(dir.file("b.csv"));
  EXPECT_EQ(lines(la).size(), 1u + 3u * 4u);  // 32 training samples / batch 8 = 4 steps/epoch
  EXPECT_EQ(strip(la), strip(lb));
  EXPECT_NE(strip(la).find("\n1,1,"), std::string::npos);
}

TEST(CliTrain, DataFilesNamedInTheGraphAreRelativeToIt) {
  ScratchDir dir;
  test::writeText(dir.file("g.strata"),
                  replaced(kMlp, "\"data\": \"sine\"", "\"data\": \"npy:x.npy,y.npy\""));
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), ramp({20, 8}, 0.3f)));
  ASSERT_TRUE(saveNpy(dir.file("y.npy"), ramp({20, 2}, 0.9f)));
  // Run from another directory: the spec's relative paths must resolve next to the graph.
  ScratchDir elsewhere;
  auto r = test::run("cd " + q(elsewhere.path().string()) + " && " + q(test::cli()) + " train " +
                     q(dir.file("g.strata")) + " --steps 2");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_FALSE(std::isnan(finalLoss(r.output))) << r.output;
}

TEST(CliBench, PrintsStepsPerSecondAndPeakMemory) {
  auto r = cli("bench " + q(sample("mlp-sine.strata")) + " --steps 5");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("steps/s +([0-9.]+)"))) << r.output;
  EXPECT_GT(std::stod(m[1]), 0.0);
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("peak memory +([0-9.]+) (KiB|MiB|GiB)")))
      << r.output;
  EXPECT_GT(std::stod(m[1]), 0.0);
}
