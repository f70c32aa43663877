// `strata-cli export GRAPH [--weights CKPT] [--onnx OUT.onnx] [--pytorch OUT.py]`: the graph as
// an ONNX model (opset 17) that onnxruntime and Netron open, and/or as a self-contained PyTorch
// module (a .py file whose state_dict keys are Strata's weight keys). At least one of --onnx and
// --pytorch is required. Without --weights the ONNX weights are the seeded init of
// `init --seed 0`. A failed export writes nothing for that format.
#include <cstdio>
#include <memory>

#include "cli_common.h"
#include "io/onnx/exporter.h"
#include "io/pytorch/exporter.h"

namespace strata::cli {

namespace {

struct ExportOptions {
  std::string graph;
  std::string weights;
  std::string onnx;
  std::string pytorch;
};

int runExport(const ExportOptions& o) {
  if (o.onnx.empty() && o.pytorch.empty())
    throw UsageError("export: give --onnx OUT.onnx and/or --pytorch OUT.py");
  GraphDocument doc = loadGraph(o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  if (o.weights.empty()) model->resetParameters(0);
  else loadWeights(*model, o.weights);
  if (!o.pytorch.empty()) {
    // Checked before the ONNX file is written, so an unexportable graph writes neither.
    auto code = exportPyTorchCode(doc, *model);
    if (!code) throw UsageError(o.graph + ": " + code.message());
  }
  if (!o.onnx.empty()) {
    Status s = exportOnnx(doc, *model, o.onnx);
    if (!s) throw UsageError(o.graph + ": " + s.message());
    std::printf("wrote %s (opset 17, %zu parameter tensors%s)\n", o.onnx.c_str(),
                model->parameters().size(), o.weights.empty() ? ", seed 0 init" : "");
  }
  if (!o.pytorch.empty()) {
    Status s = exportPyTorch(doc, *model, o.pytorch);
    if (!s) throw UsageError(o.graph + ": " + s.message());
    std::printf("wrote %s (class Model; load the weights with load_state_dict)\n",
                o.pytorch.c_str());
  }
  return kExitOk;
}

}  // namespace

Verb addExportVerb(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd =
      app.add_subcommand("export", "Export a graph as ONNX (with its weights) and/or PyTorch code");
  cmd->footer(
      "At least one of --onnx and --pytorch is required.\n"
      "--pytorch writes one Python file (imports torch only) defining class Model(nn.Module):\n"
      "its state_dict keys are Strata's weight keys, so a checkpoint loads with\n"
      "load_state_dict; forward takes one argument per Input node and returns the Outputs;\n"
      "loss(prediction, target) is the graph's loss.\n"
      "Example: strata-cli export net.strata --pytorch net.py");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  cmd->add_option("--weights", o->weights,
                  "checkpoint (.safetensors) for the ONNX initializers; default: the seeded "
                  "init of `init --seed 0` (the .py file holds no weights)");
  cmd->add_option("--onnx", o->onnx, "output ONNX file");
  cmd->add_option("--pytorch", o->pytorch, "output Python file (PyTorch module)");
  return {cmd, [o] { return runExport(*o); }};
}

}  // namespace strata::cli
