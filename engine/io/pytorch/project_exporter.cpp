// The PyTorch project export: checks everything first (the module export, the training settings,
// the data set built exactly as `strata-cli train` builds it), gathers what the generated files
// need (ProjectInfo), then writes the folder through a temporary sibling renamed into place.
#include "io/pytorch/project_exporter.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "io/pytorch/exporter.h"
#include "io/pytorch/project_parts.h"
#include "io/safetensors.h"
#include "train/data_request.h"
#include "train/data_sources.h"
#include "train/generate.h"

namespace strata {

namespace fs = std::filesystem;

namespace {

using pyproject::ProjectInfo;

struct DataCopy {
  fs::path source;
  std::string name;  // "data/<file>"
};

// A data file named by the graph's spec: relative paths are looked up next to the graph first.
fs::path locate(const std::string& file, const std::string& dataDir) {
  fs::path p(file);
  std::error_code ec;
  if (!p.is_absolute() && !dataDir.empty() && fs::exists(fs::path(dataDir) / p, ec))
    return fs::path(dataDir) / p;
  return p;
}

// Fills the data part of `info` and lists the files to copy; returns the spec with the resolved
// paths (what makeDataSet reads here) and sets info.settings.data to the project's own spec.
Result<std::string> planData(ProjectInfo& info, const std::string& dataDir,
                             std::vector<DataCopy>& copies) {
  const std::string spec = info.settings.data;
  const auto colon = spec.find(':');
  info.dataKind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto copy = [&](const std::string& file) {
    const fs::path source = locate(file, dataDir);
    std::string name = "data/" + source.filename().string();
    for (const DataCopy& c : copies)
      if (c.name == name) name = "data/targets_" + source.filename().string();
    copies.push_back({source, name});
    return name;
  };
  if (info.dataKind == "sine") {
    auto options = data::parseSineOptions(arg);
    if (!options) return options.status();
    info.sineNoise = options->noise;
    info.sineWindows = options->windows;
    return spec;
  }
  if (info.dataKind == "task") {
    info.taskKind = arg;
    return spec;
  }
  if ((info.dataKind == "text" || info.dataKind == "csv") && !arg.empty()) {
    info.dataFile = copy(arg);
    info.settings.data = info.dataKind + ":" + info.dataFile;
    return info.dataKind + ":" + copies.back().source.string();
  }
  const auto comma = arg.find(',');
  if (info.dataKind == "npy" && comma != std::string::npos) {
    info.dataFile = copy(arg.substr(0, comma));
    info.targetFile = copy(arg.substr(comma + 1));
    info.settings.data = "npy:" + info.dataFile + "," + info.targetFile;
    return "npy:" + copies[0].source.string() + "," + copies[1].source.string();
  }
  return spec;  // makeDataSet names what is wrong with it
}

// sine/csv: which target windowSeries made (the same rules, from the per-sample shapes).
void planSeries(ProjectInfo& info, int64_t columns) {
  const Shape& t = info.targetShape;
  const int64_t w = info.inputShape.at(0);
  info.seriesColumns = columns;
  if (numel(t) == 1) {
    info.seriesTarget = "next-value";
  } else if (t.size() == 1 && t[0] == columns) {
    info.seriesTarget = "next-row";
  } else {
    info.seriesTarget = "sequence";
    info.seriesTargetColumns = t.size() == 2 && t[0] == w ? t[1] : 1;
  }
}

// Where the loss's prediction is in forward()'s return value: "" when it is the only value,
// "[k]" for the k-th Output of several.
Status planPrediction(ProjectInfo& info, const Model& model) {
  const GraphAnalysis& a = model.analysis();
  const GraphDocument& flat = model.flatDocument();
  std::optional<Endpoint> lossInput;
  std::string lossNode;
  for (const std::string& id : a.order) {
    const NodeAnalysis& n = a.nodes.at(id);
    if (!n.spec || !n.spec->isLoss) continue;
    for (const GraphEdge& e : flat.edges)
      if (e.to.node == id && e.to.port == "input" && !lossInput) lossInput = e.from, lossNode = id;
    if (lossNode == id) {
      info.lossText = n.spec->type + " (node " + id + ")";
      info.classification = n.spec->type == "CrossEntropyLoss";
      auto ignore = n.params.find("ignore_index");
      if (ignore != n.params.end() && ignore->is_number_integer())
        info.ignoreIndex = ignore->get<int64_t>();
    }
  }
  if (!lossInput) return Status::error("the loss node's input is not connected");
  if (auto type = a.typeOf(*lossInput)) {
    info.predictionShape = shapeToString(type->shape);
    info.predictionRank = type->shape.size();
  }
  std::vector<Endpoint> returned;  // forward's return values, as exportPyTorchCode orders them
  for (const GraphNode& n : flat.nodes) {
    const NodeAnalysis& na = a.nodes.at(n.id);
    if (!na.spec || !na.spec->isOutput) continue;
    for (const GraphEdge& e : flat.edges)
      if (e.to.node == n.id) returned.push_back(e.from);
  }
  if (returned.empty()) return Status::ok();  // forward returns the loss's input
  for (size_t k = 0; k < returned.size(); ++k) {
    if (!(returned[k] == *lossInput)) continue;
    info.predictionIndex = returned.size() == 1 ? "" : "[" + std::to_string(k) + "]";
    return Status::ok();
  }
  return Status::error("node " + lossNode + ": its input " + lossInput->toString() +
                       " is not an Output node's, so the exported forward() does not return "
                       "the prediction; connect an Output to it");
}

std::string readme(const ProjectInfo& p) {
  std::ostringstream o;
  const TrainSettings& s = p.settings;
  o << "# " << p.graphName << " — PyTorch training project\n\n"
    << "Exported by Strata (`strata-cli export GRAPH --pytorch-project DIR`). It trains the graph "
       "the way `strata-cli train` does — same data set, samples, split and order, optimizer, "
       "schedule and starting weights — and its checkpoints open in Strata unchanged.\n\n"
    << "| File | What it is |\n|---|---|\n"
    << "| `model.py` | the graph as `class Model(nn.Module)`; weight names are Strata's |\n"
    << "| `data.py` | the data set `" << s.data << "` as a `torch.utils.data.Dataset` ("
    << p.description << ") |\n"
    << "| `train.py` | the training run: single process or `torchrun` (DDP) |\n"
    << "| `train.ipynb` | the same as a notebook, with a live loss plot |\n"
    << "| `initial.safetensors` | the starting weights |\n";
  if (p.dataKind == "text" || p.dataKind == "csv" || p.dataKind == "npy")
    o << "| `data/` | the data file" << (p.dataKind == "npy" ? "s" : "") << " |\n";
  o << "\nNeeds Python 3 with PyTorch (1.13 or later) and NumPy; the notebook also Jupyter and "
       "matplotlib.\n\n"
    << "## Train\n\n```sh\n"
    << "python3 train.py                                  # the graph's settings\n"
    << "python3 train.py --steps 500 --out run.safetensors --log run.csv\n"
    << "torchrun --nproc_per_node=4 train.py --out run.safetensors   # 4 processes, DDP\n"
    << "python3 train.py --resume run.safetensors --steps 1000        # continue that run\n"
    << "```\n\n"
    << "The defaults are the graph's training settings: " << s.optimizer << ", lr "
    << s.lr << ", batch " << s.batch << ", "
    << (s.steps > 0 ? std::to_string(s.steps) + " steps" : std::to_string(s.epochs) + " epochs")
    << ", schedule " << s.schedule << ", seed " << s.seed << ", validation split " << s.valSplit
    << ". `python3 train.py --help` lists the flags; they mean what they mean for "
       "`strata-cli train` (`--steps`, `--epochs`, `--batch`, `--lr`, `--optimizer`, `--seed`, "
       "`--shuffle on|off`, `--val-split`, `--weights CKPT`, `--out CKPT`, `--log CSV`), plus "
       "`--resume CKPT` (weights, optimizer state and step of a checkpoint written by `--out` "
       "or by Strata) and the schedule and clipping settings.\n\n"
    << "- **The same run as Strata.** With `--shuffle off` the batches are exactly "
       "`strata-cli train --shuffle off`'s, and the losses agree step by step to float32 "
       "rounding (dropout aside: the two draw different masks). With shuffling on, the order is "
       "Strata's too (the same generator and seeds).\n"
    << "- **Several processes.** Under `torchrun --nproc_per_node=N`, `--batch` stays the batch "
       "of one step: each process takes `batch / N` of it (a `DistributedSampler` deals Strata's "
       "order round-robin) and `DistributedDataParallel` averages the gradients, so the run "
       "computes the steps of a single process. `--batch` must be a multiple of N. The backend "
       "is gloo on CPU and nccl with CUDA; process 0 validates, logs and saves. Debian 12's "
       "torchrun (PyTorch 1.13 on Python 3.11) stops at start with `AttributeError: "
       "'NoneType' object has no attribute 'get'`; give it `--redirects 2 --tee 2`.\n"
    << "- **Log.** `--log CSV` writes `step,epoch,loss,val_loss,accuracy,lr,samples_per_s`, "
       "one row per step, as `strata-cli train --log`.\n"
    << "- **Checkpoints** are safetensors with Strata's keys; the optimizer state goes next to "
       "them (`run.optim.safetensors`) in Strata's layout.\n\n"
    << "## Back in Strata\n\n```sh\n"
    << "strata-cli run GRAPH --weights run.safetensors --input x.npy --output y.npy\n";
  if (p.textModel)
    o << "strata-cli sample GRAPH --weights run.safetensors --prompt \"The \" --length 200\n";
  o << "```\n\nor open the graph in Strata and use Load weights.\n\n"
    << "## Notebook\n\n`jupyter notebook train.ipynb` (or upload the folder to Colab and `%cd` "
       "into it). The cells build the data and the model from this folder's files, train with "
       "a live loss plot"
    << (p.textModel ? ", sample text" : "") << " and save `notebook.safetensors`.\n";
  return o.str();
}

Status writeBytes(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::error(path.string() + ": cannot open for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) return Status::error(path.string() + ": write error");
  return Status::ok();
}

Result<std::string> readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<std::string>::error(path.string() + ": cannot open the data file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Status exportPyTorchProject(const GraphDocument& doc, const Model& model,
                            const std::vector<NamedTensor>& weights, const std::string& dataDir,
                            const std::string& dir) {
  auto modelPy = exportPyTorchCode(doc, model);
  if (!modelPy) return modelPy.status();
  auto settings = TrainSettings::merged(doc.training, nlohmann::json::object());
  if (!settings) return Status::error("training settings: " + settings.message());

  ProjectInfo info;
  info.graphName = doc.meta.value("name", std::string("graph"));
  info.settings = *settings;
  std::vector<DataCopy> copies;
  auto spec = planData(info, dataDir, copies);
  if (!spec) return spec.status();
  auto request = dataRequestFor(model, settings->seqLen);
  if (!request) return request.status();
  auto data = makeDataSet(*spec, *request, settings->seed);
  if (!data) return Status::error("data " + data.message());
  info.description = pyproject::fill(data->description, {{*spec, info.settings.data}});
  info.samples = data->size();
  const DataSplit split = data->split(settings->valSplit, settings->seed, settings->shuffle);
  info.trainSamples = static_cast<int64_t>(split.train.size());
  info.validationSamples = static_cast<int64_t>(split.validation.size());
  info.inputName = model.inputNames().at(0);
  info.inputInt64 = data->inputs.dtype() == DType::Int64;
  info.inputShape.assign(data->inputs.shape().begin() + 1, data->inputs.shape().end());
  info.targetInt64 = data->targets.dtype() == DType::Int64;
  info.targetShape.assign(data->targets.shape().begin() + 1, data->targets.shape().end());
  info.taskVocab = data->vocabSize();
  if (info.dataKind == "sine" || info.dataKind == "csv")
    planSeries(info, static_cast<int64_t>(data->columns.size()));
  Status st = planPrediction(info, model);
  if (!st) return st;
  info.textModel = info.dataKind == "text" && info.inputInt64 && info.predictionRank == 3;
  info.sampleContext = generationContext(model, *settings);

  std::vector<std::pair<std::string, std::string>> files = {
      {"model.py", *modelPy},
      {"data.py", pyproject::dataPy(info)},
      {"train.py", pyproject::trainPy(info)},
      {"train.ipynb", pyproject::notebookJson(info)},
      {"README.md", readme(info)}};
  for (const DataCopy& c : copies) {
    auto bytes = readBytes(c.source);
    if (!bytes) return bytes.status();
    files.emplace_back(c.name, std::move(*bytes));
  }

  // Write into a temporary sibling of `dir`, then rename it into place.
  fs::path target = fs::path(dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) return Status::error(dir + ": exists and is not a folder");
    if (!fs::is_empty(target, ec))
      return Status::error(dir + ": the folder is not empty; export into a new or empty folder");
  }
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path staging =
      parent / ("." + target.filename().string() + ".partial-" + std::to_string(std::random_device{}()));
  if (!fs::create_directories(staging, ec) || ec)
    return Status::error(dir + ": cannot create the folder: " +
                         (ec ? ec.message() : "it exists already"));
  auto fail = [&](const std::string& message) {
    fs::remove_all(staging, ec);
    return Status::error(message);
  };
  for (const auto& [name, bytes] : files) {
    st = writeBytes(staging / name, bytes);
    if (!st) return fail(st.message());
  }
  st = saveSafetensors((staging / "initial.safetensors").string(), weights,
                       {{"format", "pt"}, {"strata.graph", info.graphName}});
  if (!st) return fail(st.message());
  if (fs::exists(target, ec)) fs::remove(target, ec);  // the empty folder
  fs::rename(staging, target, ec);
  if (ec) return fail(dir + ": cannot move the project into place: " + ec.message());
  return Status::ok();
}

}  // namespace strata
