// `strata-cli export GRAPH [--weights CKPT] --onnx OUT.onnx`: the graph as an ONNX model (opset
// 17) that onnxruntime and Netron open. Without --weights the weights are the seeded init of
// `init --seed 0`. The model is checked before it is written; a failed check writes nothing.
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "io/onnx/exporter.h"

namespace strata::cli {

namespace {

struct ExportOptions {
  std::string graph;
  std::string weights;
  std::string onnx;
};

int runExport(const ExportOptions& o) {
  GraphDocument doc = loadGraph(o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  if (o.weights.empty()) model->resetParameters(0);
  else loadWeights(*model, o.weights);
  Status s = exportOnnx(doc, *model, o.onnx);
  if (!s) throw UsageError(o.graph + ": " + s.message());
  std::printf("wrote %s (opset 17, %zu parameter tensors%s)\n", o.onnx.c_str(),
              model->parameters().size(), o.weights.empty() ? ", seed 0 init" : "");
  return kExitOk;
}

}  // namespace

Verb addExportVerb(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand("export", "Export a graph and its weights as ONNX");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  cmd->add_option("--weights", o->weights,
                  "checkpoint (.safetensors); default: the seeded init of `init --seed 0`");
  cmd->add_option("--onnx", o->onnx, "output ONNX file")->required();
  return {cmd, [o] { return runExport(*o); }};
}

}  // namespace strata::cli
