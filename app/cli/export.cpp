// `strata-cli export GRAPH [--weights CKPT] [--onnx OUT.onnx] [--pytorch OUT.py]
// [--pytorch-project DIR] [--tfjs DIR]`: the graph as an ONNX model (opset 17) that onnxruntime
// and Netron open, as a self-contained PyTorch module (a .py file whose state_dict keys are
// Strata's weight keys), as a PyTorch training project (docs/pytorch-project.md), and/or as a
// TensorFlow.js layers model (docs/tfjs-export.md). At least one target is
// required. Without --weights the ONNX weights are the seeded init of `init --seed 0` and the
// project starts from the init `train` would use (the graph's seed). A failed export writes
// nothing for that format.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "io/onnx/exporter.h"
#include "io/pytorch/exporter.h"
#include "io/pytorch/project_exporter.h"
#include "io/tfjs/exporter.h"
#include "train/train_settings.h"

namespace strata::cli {

namespace {

struct ExportOptions {
  std::string graph;
  std::string weights;
  std::string onnx;
  std::string pytorch;
  std::string project;
  std::string tfjs;
};

// The project's starting weights: --weights, else the init `strata-cli train` starts from.
std::vector<NamedTensor> projectWeights(const GraphDocument& doc, const std::string& path,
                                        const std::string& weights) {
  std::unique_ptr<Model> model = compileGraph(doc, path);
  if (!weights.empty()) {
    loadWeights(*model, weights);
  } else {
    auto settings = TrainSettings::merged(doc.training, nlohmann::json::object());
    if (!settings) throw UsageError(path + ": " + settings.message());
    model->resetParameters(settings->seed);
  }
  return model->parameters();
}

int runExport(const ExportOptions& o) {
  if (o.onnx.empty() && o.pytorch.empty() && o.project.empty() && o.tfjs.empty())
    throw UsageError("export: give --onnx OUT.onnx, --pytorch OUT.py, --pytorch-project DIR "
                     "and/or --tfjs DIR");
  GraphDocument doc = loadGraph(o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  if (o.weights.empty()) model->resetParameters(0);
  else loadWeights(*model, o.weights);
  if (!o.pytorch.empty()) {
    // Checked before anything is written, so an unexportable graph writes nothing.
    auto code = exportPyTorchCode(doc, *model);
    if (!code) throw UsageError(o.graph + ": " + code.message());
  }
  std::optional<TfjsModel> tfjs;
  if (!o.tfjs.empty()) {
    // Also checked before anything is written.
    auto m = exportTfjsModel(doc, *model);
    if (!m) throw UsageError(o.graph + ": " + m.message());
    tfjs = std::move(*m);
  }
  if (!o.project.empty()) {
    const std::string dataDir = std::filesystem::path(o.graph).parent_path().string();
    Status s = exportPyTorchProject(doc, *model, projectWeights(doc, o.graph, o.weights),
                                    dataDir, o.project);
    if (!s) throw UsageError(o.graph + ": " + s.message());
    std::printf("wrote %s (model.py, data.py, train.py, train.ipynb, README.md, "
                "initial.safetensors%s)\n",
                o.project.c_str(), o.weights.empty() ? ": the seeded init of train" : "");
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
  if (tfjs) {
    Status s = exportTfjs(doc, *model, o.tfjs);
    if (!s) throw UsageError(o.graph + ": " + s.message());
    std::printf("wrote %s (model.json + %s: a TensorFlow.js layers model, %zu weight "
                "tensors%s)\n",
                o.tfjs.c_str(), kTfjsWeightsFile,
                tfjs->modelJson["weightsManifest"][0]["weights"].size(),
                o.weights.empty() ? ", seed 0 init" : "");
  }
  return kExitOk;
}

}  // namespace

Verb addExportVerb(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd =
      app.add_subcommand("export", "Export a graph as ONNX, PyTorch code or a TensorFlow.js model");
  cmd->footer(
      "At least one of --onnx, --pytorch, --pytorch-project and --tfjs is required.\n"
      "--pytorch writes one Python file (imports torch only) defining class Model(nn.Module):\n"
      "its state_dict keys are Strata's weight keys, so a checkpoint loads with\n"
      "load_state_dict; forward takes one argument per Input node and returns the Outputs;\n"
      "loss(prediction, target) is the graph's loss.\n"
      "--pytorch-project writes a folder that trains the graph in PyTorch as `train` does,\n"
      "alone or under torchrun (DDP): model.py, data.py, train.py, train.ipynb, README.md,\n"
      "initial.safetensors (--weights, else train's seeded init) and the data files; DIR must\n"
      "not exist or be empty. Its checkpoints load back with --weights.\n"
      "--tfjs writes a TensorFlow.js layers model into DIR: model.json (a Keras-2 functional\n"
      "topology) and weights.bin; load it with tf.loadLayersModel. Graphs with a causal or\n"
      "padding mask, a PyTorch-style GRU or other layers Keras cannot express are refused,\n"
      "naming the node (docs/tfjs-export.md).\n"
      "Example: strata-cli export net.strata --pytorch net.py");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  cmd->add_option("--weights", o->weights,
                  "checkpoint (.safetensors) for the ONNX initializers and the tfjs weights; "
                  "default: the seeded init of `init --seed 0` (the .py file holds no weights)");
  cmd->add_option("--onnx", o->onnx, "output ONNX file");
  cmd->add_option("--pytorch", o->pytorch, "output Python file (PyTorch module)");
  cmd->add_option("--pytorch-project", o->project,
                  "output folder: a PyTorch training project (train.py runs under torchrun)");
  cmd->add_option("--tfjs", o->tfjs,
                  "output folder: a TensorFlow.js layers model (model.json + weights.bin)");
  return {cmd, [o] { return runExport(*o); }};
}

}  // namespace strata::cli
