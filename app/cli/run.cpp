// `strata-cli run GRAPH --weights CKPT --input [NAME=]X.npy ... --output [NAME=]Y.npy ...`:
// inference in eval mode without autograd; writes the Output nodes' tensors as .npy.
#include <cstdio>
#include <map>
#include <memory>

#include "cli_common.h"
#include "io/npy.h"
#include "tensor/autograd.h"

namespace strata::cli {

namespace {

struct RunOptions {
  std::string graph;
  std::string weights;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::string device = "cpu";
};

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::map<std::string, Tensor> readInputs(const Model& model, const std::vector<std::string>& args) {
  const std::vector<std::string>& names = model.inputNames();
  if (names.empty()) throw UsageError("the graph has no Input node");
  std::map<std::string, Tensor> inputs;
  for (const std::string& arg : args) {
    auto [name, path] = splitNamed(arg, names);
    if (name.empty()) {
      if (names.size() != 1)
        throw UsageError("--input " + arg + ": the graph has several inputs (" + joined(names) +
                         "); use --input NAME=X.npy");
      name = names.front();
    }
    if (inputs.count(name)) throw UsageError("--input: input '" + name + "' given twice");
    Tensor t = loadArray(path);
    TensorType want = model.inputType(name);
    DType wantDtype = want.kind == ValueKind::Int64 ? DType::Int64 : DType::Float32;
    if (want.kind != ValueKind::Any && t.dtype() != wantDtype)
      throw UsageError(path + ": input '" + name + "' must be " + dtypeName(wantDtype) +
                       ", the file holds " + dtypeName(t.dtype()));
    if (!want.shape.empty() && t.ndim() != static_cast<int>(want.shape.size()))
      throw UsageError(path + ": input '" + name + "' must have shape " +
                       shapeToString(want.shape) + " (batch first), the file holds " +
                       shapeToString(t.shape()));
    inputs[name] = t;
  }
  for (const std::string& n : names)
    if (!inputs.count(n)) throw UsageError("missing --input for input '" + n + "'");
  return inputs;
}

int runRun(const RunOptions& o) {
  const Device device = requireDevice(o.device);  // before any file: a missing GPU says so first
  GraphDocument doc = loadGraph(o.graph);
  std::unique_ptr<Model> model = compileGraph(doc, o.graph);
  loadWeights(*model, o.weights);
  std::map<std::string, Tensor> inputs = readInputs(*model, o.inputs);
  // On a GPU: the weights and inputs go over once, the outputs come back for writing.
  if (!device.isCpu()) {
    for (NamedTensor& p : model->parameters()) p.tensor.moveTo(device);
    for (auto& [_, t] : inputs) t = t.to(device);
  }

  NoGradGuard noGrad;
  Rng rng(0);
  ForwardContext ctx;
  ctx.training = false;
  ctx.rng = &rng;
  auto result = model->forward(inputs, Tensor(), ctx);
  if (!result) throw UsageError(o.graph + ": " + result.message());

  // The tensors that can be written: the Output nodes', or the loss input when there are none.
  std::map<std::string, Tensor> available = result->outputs;
  if (available.empty() && result->prediction.defined())
    available["prediction"] = result->prediction;
  for (auto& [_, t] : available) t = t.to(Device::cpu());
  if (available.empty()) throw UsageError(o.graph + ": the graph has no Output node");
  std::vector<std::string> names;
  for (const auto& [name, _] : available) names.push_back(name);

  std::map<std::string, std::string> targets;  // output name -> path
  for (const std::string& arg : o.outputs) {
    auto [name, path] = splitNamed(arg, names);
    if (name.empty()) {
      if (names.size() != 1)
        throw UsageError("--output " + arg + ": the graph has several outputs (" + joined(names) +
                         "); use --output NAME=Y.npy");
      name = names.front();
    }
    if (targets.count(name)) throw UsageError("--output: output '" + name + "' given twice");
    targets[name] = path;
  }
  for (const auto& [name, path] : targets) {
    Status s = saveNpy(path, available.at(name));
    if (!s) throw UsageError(s.message());
    std::printf("%s: %s -> %s\n", name.c_str(), describe(available.at(name)).c_str(),
                path.c_str());
  }
  return kExitOk;
}

}  // namespace

Verb addRunVerb(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run inference on .npy inputs (eval mode, no grad)");
  cmd->add_option("GRAPH", o->graph, "the .strata graph file")->required();
  cmd->add_option("--weights", o->weights, "checkpoint (.safetensors)")->required();
  cmd->add_option("--input", o->inputs,
                  "X.npy, or NAME=X.npy for the Input node NAME (repeat for several inputs)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--output", o->outputs,
                  "Y.npy, or NAME=Y.npy for the Output node NAME (repeat for several outputs)")
      ->required()
      ->allow_extra_args(false);
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N (default cpu)")
      ->check(deviceName());
  return {cmd, [o] { return runRun(*o); }};
}

}  // namespace strata::cli
