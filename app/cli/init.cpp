// `strata-cli init GRAPH --seed S --out CKPT`: deterministic fresh weights (PyTorch's default
// initialisation, seeded per node), for parity tests and as a starting point.
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "io/safetensors.h"

namespace strata::cli {

namespace {

struct InitOptions {
  std::string graph;
  uint64_t seed = 0;
  std::string out;
};

int runInit(const InitOptions& o) {
  GraphDocument doc = loadGraph(o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  model->resetParameters(o.seed);
  std::vector<NamedTensor> params = model->parameters();
  Status s = saveSafetensors(o.out, params,
                             {{"format", "pt"}, {"strata.seed", std::to_string(o.seed)}});
  if (!s) throw UsageError(s.message());
  int64_t count = 0;
  for (const NamedTensor& p : params) count += p.tensor.numel();
  std::printf("wrote %zu tensors (%s parameters, seed %llu) to %s\n", params.size(),
              formatCount(count).c_str(), static_cast<unsigned long long>(o.seed),
              o.out.c_str());
  return kExitOk;
}

}  // namespace

Verb addInitVerb(CLI::App& app) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* cmd = app.add_subcommand("init", "Write deterministic fresh weights for a graph");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  cmd->add_option("--seed", o->seed, "random seed (default 0)");
  cmd->add_option("--out", o->out, "output checkpoint (.safetensors)")->required();
  return {cmd, [o] { return runInit(*o); }};
}

}  // namespace strata::cli
