// The TensorFlow.js exporter: walks the compiled graph in topological order and lets each layer
// family write its Keras layers through TfjsContext (LayerSpec::toTfjs); Input nodes become
// InputLayers and Output nodes linear Activations, both named by their node ids. The topology is
// the Keras-2 functional dialect tfjs-layers 4.22 reads (inbound_nodes as nested lists; the
// Keras-3 dialect does not load there).
#include "io/tfjs/exporter.h"

#include <exception>
#include <filesystem>
#include <map>
#include <set>

#include "core/atomic_file.h"
#include "io/tfjs/tfjs_context.h"

namespace strata {

namespace {

using Json = nlohmann::json;

// The Keras version whose JSON dialect is written (the last Keras 2), and who wrote it.
constexpr const char* kKerasVersion = "2.15.0";
constexpr const char* kGeneratedBy = "Strata 0.1.0";

// Keras layer names become TensorFlow name scopes: letters, digits, '_', '.', '-'; a letter or
// digit first.
std::string kerasName(const std::string& id) {
  std::string n;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
    n += ok ? ch : '_';
  }
  if (n.empty() || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
                     (n[0] >= '0' && n[0] <= '9')))
    n = "n" + n;
  return n;
}

class Exporter final : public TfjsContext {
 public:
  Exporter(std::map<std::string, Tensor> params, std::set<std::string> used)
      : m_params(std::move(params)), m_used(std::move(used)) {}

  void begin(const std::string& id, const NodeAnalysis& na, std::vector<std::string> inputs) {
    beginNode(id, na, std::move(inputs));
    m_outputs.assign(na.outputs.size(), "");
    m_mainTaken = false;
    m_error.clear();
  }
  const std::vector<std::string>& outputs() const { return m_outputs; }
  const std::string& error() const { return m_error; }

  bool outputUsed(size_t i) const override {
    const auto& ports = nodeAnalysis().spec->outputs;
    return i < ports.size() && m_used.count(nodeId() + "." + ports[i].name) > 0;
  }
  void setOutput(size_t i, const std::string& layer) override {
    if (i < m_outputs.size()) m_outputs[i] = layer;
  }
  Tensor param(const std::string& name) const override {
    auto it = m_params.find(nodeId() + "." + name);
    return it == m_params.end() ? Tensor() : it->second;
  }

  std::string layer(const std::string& className, const std::string& suffix, Json config,
                    const std::vector<std::string>& inputs,
                    std::vector<KerasWeight> weights) override {
    std::string name;
    if (suffix.empty() && !m_mainTaken) {
      name = m_reserved.at(nodeId());
      m_mainTaken = true;
    } else {
      name = fresh(kerasName(nodeId()) + "_" + (suffix.empty() ? "layer" : suffix));
    }
    Json inbound = Json::array();
    for (const std::string& in : inputs) {
      if (in.empty() && m_error.empty()) m_error = "layer " + name + " has an unconnected input";
      inbound.push_back(Json::array({in, 0, 0, Json::object()}));
    }
    addLayer(className, name, std::move(config), inputs.empty() ? Json::array()
                                                                 : Json::array({inbound}));
    for (KerasWeight& w : weights) {
      if (!w.value.defined() || w.value.dtype() != DType::Float32) {
        if (m_error.empty()) m_error = "weight " + name + "/" + w.name + " is missing";
        continue;
      }
      m_weights.push_back({name + "/" + w.name, std::move(w.value)});
    }
    return name;
  }

  // Graph inputs and outputs, named by their node ids.
  void inputLayer(const std::string& id, const TensorType& type) {
    Json shape = Json::array({nullptr});
    for (size_t i = 1; i < type.shape.size(); ++i) shape.push_back(keras::dim(type.shape[i]));
    const std::string name = m_reserved.at(id);
    addLayer("InputLayer", name,
             {{"batch_input_shape", shape},
              {"dtype", type.kind == ValueKind::Int64 ? "int32" : "float32"},
              {"sparse", false},
              {"ragged", false}},
             Json::array());
    m_inputLayers.push_back(Json::array({name, 0, 0}));
  }
  void outputLayer(const std::string& id, const std::string& source) {
    const std::string name = m_reserved.at(id);
    addLayer("Activation", name, {{"activation", "linear"}},
             Json::array({Json::array({Json::array({source, 0, 0, Json::object()})})}));
    m_outputLayers.push_back(Json::array({name, 0, 0}));
  }
  // Every node id is reserved up front (made Keras-safe and unique), so a node's main layer,
  // the graph's inputs and its outputs keep their node's name.
  void reserve(const std::string& id) { m_reserved[id] = fresh(kerasName(id)); }
  const std::string& reservedName(const std::string& id) const { return m_reserved.at(id); }
  const Json& outputLayers() const { return m_outputLayers; }

  TfjsModel finish(const std::string& modelName, const Json& outputLayers) {
    pruneTo(outputLayers);
    TfjsModel m;
    Json specs = Json::array();
    for (const auto& [name, t] : m_weights) {
      specs.push_back({{"name", name}, {"shape", t.shape()}, {"dtype", "float32"}});
      m.weightData.append(reinterpret_cast<const char*>(t.f32()), t.bytes());
    }
    Json topology = {{"class_name", "Functional"},
                     {"config",
                      {{"name", kerasName(modelName)},
                       {"layers", m_layers},
                       {"input_layers", m_inputLayers},
                       {"output_layers", outputLayers}}},
                     {"keras_version", kKerasVersion},
                     {"backend", "tensorflow"}};
    m.modelJson = {{"format", "layers-model"},
                   {"generatedBy", kGeneratedBy},
                   {"convertedBy", nullptr},
                   {"modelTopology", topology},
                   {"weightsManifest", Json::array({{{"paths", Json::array({kTfjsWeightsFile})},
                                                     {"weights", specs}}})}};
    return m;
  }

 private:
  void addLayer(const std::string& className, const std::string& name, Json config,
                Json inbound) {
    config["name"] = name;
    if (!config.contains("trainable")) config["trainable"] = true;
    if (!config.contains("dtype")) config["dtype"] = "float32";
    m_layers.push_back({{"class_name", className},
                        {"name", name},
                        {"config", std::move(config)},
                        {"inbound_nodes", std::move(inbound)}});
  }
  // Drops the layers (and their weights) no output depends on, e.g. the value path of an
  // attention node whose only used output is its weights: tfjs refuses weights it has no
  // variable for. Input layers stay (they are the model's signature).
  void pruneTo(const Json& outputLayers) {
    std::map<std::string, const Json*> byName;
    for (const Json& l : m_layers) byName[l["name"].get<std::string>()] = &l;
    std::set<std::string> needed;
    std::vector<std::string> todo;
    for (const Json& o : outputLayers) todo.push_back(o[0].get<std::string>());
    while (!todo.empty()) {
      const std::string n = todo.back();
      todo.pop_back();
      if (!needed.insert(n).second || !byName.count(n)) continue;
      for (const Json& call : (*byName[n])["inbound_nodes"])
        for (const Json& in : call) todo.push_back(in[0].get<std::string>());
    }
    Json kept = Json::array();
    for (Json& l : m_layers)
      if (l["class_name"] == "InputLayer" || needed.count(l["name"].get<std::string>()))
        kept.push_back(std::move(l));
    m_layers = std::move(kept);
    std::vector<std::pair<std::string, Tensor>> weights;
    for (auto& w : m_weights)
      if (needed.count(w.first.substr(0, w.first.find('/')))) weights.push_back(std::move(w));
    m_weights = std::move(weights);
  }
  std::string fresh(const std::string& base) {
    std::string n = base;
    for (int k = 1; m_names.count(n); ++k) n = base + "_" + std::to_string(k);
    m_names.insert(n);
    return n;
  }

  std::map<std::string, Tensor> m_params;
  std::set<std::string> m_used;  // "<node>.<port>" that feed something exported
  std::map<std::string, std::string> m_reserved;  // node id -> its Keras name
  std::set<std::string> m_names;
  Json m_layers = Json::array(), m_inputLayers = Json::array(), m_outputLayers = Json::array();
  std::vector<std::pair<std::string, Tensor>> m_weights;
  std::vector<std::string> m_outputs;
  bool m_mainTaken = false;
  std::string m_error;
};

}  // namespace

Result<TfjsModel> exportTfjsModel(const GraphDocument& doc, const Model& model) {
  using R = Result<TfjsModel>;
  const GraphAnalysis& analysis = model.analysis();
  const GraphDocument& flat = model.flatDocument();  // Repeat blocks expanded

  // Which outputs feed something that is exported: a layer, an Output, or (without Output
  // nodes) the loss input, which then becomes the model's output.
  bool hasOutputNode = false;
  for (const auto& n : flat.nodes) {
    auto it = analysis.nodes.find(n.id);
    if (it != analysis.nodes.end() && it->second.spec && it->second.spec->isOutput)
      hasOutputNode = true;
  }
  std::set<std::string> used;
  for (const auto& e : flat.edges) {
    auto it = analysis.nodes.find(e.to.node);
    if (it == analysis.nodes.end() || !it->second.spec) continue;
    if (it->second.spec->isLoss && (hasOutputNode || e.to.port != "input")) continue;
    used.insert(e.from.toString());
  }

  std::map<std::string, Tensor> params;
  for (const NamedTensor& p : model.parameters()) params[p.name] = p.tensor;
  Exporter ex(params, used);
  for (const auto& n : flat.nodes) ex.reserve(n.id);

  std::map<std::string, std::string> values;  // "<node>.<port>" -> Keras layer
  std::vector<std::pair<std::string, Endpoint>> outputs;  // Output node id, source
  std::optional<Endpoint> lossInput;
  // Every node that cannot export is reported, not just the first; a node downstream of one
  // reports only its own reasons (not the missing input it inherits).
  std::vector<std::string> refusals;
  std::set<std::string> failed;  // nodes refused or skipped
  for (const std::string& id : analysis.order) {
    const NodeAnalysis& na = analysis.nodes.at(id);
    const LayerSpec* spec = na.spec;
    std::vector<std::optional<Endpoint>> sources;
    for (const std::string& port : na.inputNames) {
      std::optional<Endpoint> src;
      for (const auto& e : flat.edges)
        if (e.to.node == id && e.to.port == port) src = e.from;
      sources.push_back(src);
    }
    if (spec->isInput) {
      ex.inputLayer(id, na.outputs.at(0));
      values[id + "." + spec->outputs.at(0).name] = ex.reservedName(id);
      continue;
    }
    if (spec->isOutput) {
      if (sources.at(0)) outputs.push_back({id, *sources[0]});
      continue;
    }
    if (spec->isLoss) {
      if (!lossInput && !sources.empty() && sources[0]) lossInput = sources[0];
      continue;
    }
    bool upstreamFailed = false;
    for (const auto& src : sources) upstreamFailed |= src && failed.count(src->node) > 0;
    auto refuse = [&](const std::string& why) {
      refusals.push_back("node " + id + ": " + why);
      failed.insert(id);
    };
    if (!spec->toTfjs) {
      refuse(spec->type +
             " has no TensorFlow.js (Keras) form; remove it, or export to ONNX instead");
      continue;
    }
    std::vector<std::string> inputs;
    std::string missing;
    for (const auto& src : sources) {
      if (!src) {
        inputs.push_back("");
        continue;
      }
      auto it = values.find(src->toString());
      if (it == values.end() && !upstreamFailed) missing = src->toString();
      // Below a refused node the layers are written against a placeholder and dropped: only
      // the node's own refusals (a mask, a state port) are of interest there.
      inputs.push_back(it == values.end() ? "(refused upstream)" : it->second);
    }
    if (!missing.empty()) {
      refuse("its input " + missing + " has no TensorFlow.js form");
      continue;
    }
    ex.begin(id, na, inputs);
    Status s = Status::ok();
    try {
      s = spec->toTfjs(ex);
    } catch (const std::exception& e) {  // a weight of an unexpected shape: a bug, not a crash
      s = Status::error(std::string("internal error while writing its Keras layers: ") +
                        e.what());
    }
    if (!s || !ex.error().empty()) {
      refuse(!s ? s.message() : ex.error());
      continue;
    }
    if (upstreamFailed) {
      failed.insert(id);
      continue;
    }
    for (size_t i = 0; i < ex.outputs().size(); ++i) {
      const std::string port = spec->outputs.at(i).name;
      if (!ex.outputs()[i].empty()) values[id + "." + port] = ex.outputs()[i];
      else if (used.count(id + "." + port))
        refuse("output '" + port + "' has no TensorFlow.js form; leave it unconnected");
    }
  }
  if (!refusals.empty()) {
    std::string all;
    for (const std::string& r : refusals) all += (all.empty() ? "" : "\n") + r;
    return R::error(all);
  }
  if (outputs.empty() && lossInput) {
    auto it = values.find(lossInput->toString());
    if (it == values.end())
      return R::error("node " + lossInput->node + ": its output has no TensorFlow.js form");
    // The loss input itself is the model's output (as `strata-cli run` names it "prediction").
    return ex.finish(doc.meta.value("name", std::string("strata")),
                     Json::array({Json::array({it->second, 0, 0})}));
  }
  if (outputs.empty())
    return R::error("the graph has no Output node and no loss: nothing to export");
  for (const auto& [name, src] : outputs) {
    auto it = values.find(src.toString());
    if (it == values.end())
      return R::error("node " + name + ": its input " + src.toString() + " is not exportable");
    ex.outputLayer(name, it->second);
  }
  return ex.finish(doc.meta.value("name", std::string("strata")), ex.outputLayers());
}

Status exportTfjs(const GraphDocument& doc, const Model& model, const std::string& dir) {
  auto m = exportTfjsModel(doc, model);
  if (!m) return m.status();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::error(dir + ": cannot create the folder: " + ec.message());
  const std::filesystem::path base(dir);
  Status s = writeFileAtomically((base / kTfjsWeightsFile).string(), m->weightData);
  if (!s) return s;
  return writeFileAtomically((base / "model.json").string(), m->modelJson.dump(1) + "\n");
}

}  // namespace strata
