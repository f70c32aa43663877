// `strata-cli sample GRAPH --weights CKPT [--prompt TEXT] [--length N] [--temperature T]
// [--seed S]`: text from a trained character language model (engine/train/generate.h). The
// vocabulary is rebuilt from the graph's text:FILE data set; the prompt and the generated text go
// to stdout, streamed as they are made.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "train/generate.h"

namespace strata::cli {

namespace {

struct SampleOptions {
  std::string graph;
  std::string weights;
  std::string data;  // overrides the graph's training data spec
  GenerateOptions gen;
};

int runSample(const SampleOptions& o) {
  GraphDocument doc = loadGraph(o.graph);
  nlohmann::json overrides = nlohmann::json::object();
  if (!o.data.empty()) overrides["data"] = o.data;
  auto settings = TrainSettings::merged(doc.training, overrides);
  if (!settings) throw UsageError(o.graph + ": " + settings.message());
  settings->data = resolveDataSpec(settings->data, o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  loadWeights(*model, o.weights);
  auto vocab = generationVocabulary(*model, *settings);
  if (!vocab) throw UsageError(o.graph + ": " + vocab.message());
  // Check the prompt before printing anything.
  if (auto ids = encodeText(o.gen.prompt, *vocab); !ids) throw UsageError("--" + ids.message());
  std::fputs(o.gen.prompt.c_str(), stdout);
  std::fflush(stdout);
  auto text = generateText(*model, *vocab, generationContext(*model, *settings), o.gen,
                           [](const std::string& c) {
                             std::fputs(c.c_str(), stdout);
                             std::fflush(stdout);
                             return true;
                           });
  std::fputs("\n", stdout);
  if (!text) throw UsageError(o.graph + ": " + text.message());
  return kExitOk;
}

}  // namespace

Verb addSampleVerb(CLI::App& app) {
  auto o = std::make_shared<SampleOptions>();
  CLI::App* cmd =
      app.add_subcommand("sample", "Generate text from a trained character language model");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file (int64 Input, logits [B, T, V])")
      ->required();
  cmd->add_option("--weights", o->weights, "trained checkpoint (.safetensors)")->required();
  cmd->add_option("--prompt", o->gen.prompt,
                  "text to start from; every character must occur in the training text");
  cmd->add_option("--length", o->gen.length, "characters to generate (default 200)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temperature", o->gen.temperature,
                  "sampling temperature (default 1; 0 picks the most likely character)")
      ->check(nonNegativeNumber());
  cmd->add_option("--seed", o->gen.seed, "random seed (default 0); same seed => same text");
  cmd->add_option("--data", o->data,
                  "text:FILE whose characters are the vocabulary (default: the graph's data)");
  return {cmd, [o] { return runSample(*o); }};
}

}  // namespace strata::cli
