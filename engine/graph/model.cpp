// Compiling a graph document into modules and running them in topological order.
#include "graph/model.h"

#include <exception>

#include "graph/blocks.h"
#include "ops/ops.h"

namespace strata {

namespace {

// FNV-1a: a hash of the node id that is the same on every platform and run.
uint64_t stableHash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string typeText(const TensorType& t) {
  return std::string(valueKindName(t.kind)) + " " + shapeToString(t.shape);
}

// Checks a run-time tensor against a declared type (symbolic dims match any size).
bool fits(const Tensor& t, const TensorType& type) {
  if (type.kind == ValueKind::Float && t.dtype() != DType::Float32) return false;
  if (type.kind == ValueKind::Int64 && t.dtype() != DType::Int64) return false;
  if (t.ndim() != static_cast<int>(type.shape.size())) return false;
  for (int i = 0; i < t.ndim(); ++i)
    if (type.shape[i] >= 0 && type.shape[i] != t.shape()[i]) return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<Model>> Model::compile(const GraphDocument& doc) {
  using R = Result<std::unique_ptr<Model>>;
  GraphAnalysis analysis = analyze(doc);
  if (!analysis.ok()) {
    std::string message;
    for (const auto& d : analysis.diagnostics) {
      if (!message.empty()) message += "\n";
      message += d.nodeId.empty() ? d.message : "node " + d.nodeId + ": " + d.message;
    }
    return R::error(message);
  }
  std::unique_ptr<Model> model(new Model());
  if (hasRepeatBlocks(doc)) {
    auto expanded = expandBlocks(doc);  // analyze() succeeded, so this does too
    if (!expanded) return R::error(expanded.message());
    model->m_doc = std::move(expanded->flat);
  } else {
    model->m_doc = doc;
  }
  const GraphDocument& flat = model->m_doc;
  for (const auto& n : flat.nodes) {
    const LayerSpec* spec = analysis.nodes.at(n.id).spec;
    if (spec->isInput) model->m_inputNames.push_back(n.id);
  }
  for (const std::string& id : analysis.order) {
    const NodeAnalysis& na = analysis.nodes.at(id);
    Step step;
    step.nodeId = id;
    step.spec = na.spec;
    for (const std::string& name : na.inputNames) {
      std::optional<Endpoint> source;
      for (const auto& e : flat.edges)
        if (e.to.node == id && e.to.port == name) source = e.from;
      step.inputs.push_back(source);
    }
    if (na.spec->create) {
      ShapeResult shapes;
      shapes.outputs = na.outputs;
      shapes.params = na.params;
      shapes.parameters = na.parameters;
      shapes.flops = na.flops;
      shapes.target = na.target;
      try {
        step.module = na.spec->create(na.params, shapes, na.inputs);
      } catch (const std::exception& e) {
        return R::error("node " + id + ": " + e.what());
      }
    }
    if (na.spec->isOutput) model->m_outputNodes.push_back(id);
    if (na.spec->isLoss) model->m_lossNodes.push_back(id);
    model->m_steps.push_back(std::move(step));
  }
  model->m_analysis = std::move(analysis);
  model->resetParameters(0);
  return model;
}

TensorType Model::inputType(const std::string& name) const {
  auto it = m_analysis.nodes.find(name);
  if (it == m_analysis.nodes.end() || it->second.outputs.empty()) return {};
  return it->second.outputs.front();
}

std::optional<TensorType> Model::targetType() const {
  if (m_lossNodes.empty()) return std::nullopt;
  return m_analysis.nodes.at(m_lossNodes.front()).target;
}

std::string Model::lossType() const {
  if (m_lossNodes.empty()) return {};
  return m_analysis.nodes.at(m_lossNodes.front()).spec->type;
}

std::vector<NamedTensor> Model::parameters() const {
  std::vector<NamedTensor> out;
  for (const auto& step : m_steps) {
    if (!step.module) continue;
    for (const auto& p : step.module->parameters())
      out.push_back({step.nodeId + "." + p.name, p.tensor});
  }
  return out;
}

Module* Model::module(const std::string& nodeId) const {
  for (const auto& step : m_steps)
    if (step.nodeId == nodeId) return step.module.get();
  return nullptr;
}

void Model::resetParameters(uint64_t seed) {
  // One generator per node, seeded from the seed and the node id: adding or removing a node
  // leaves every other node's initial weights unchanged.
  for (auto& step : m_steps) {
    if (!step.module) continue;
    Rng rng(splitmix64(seed ^ splitmix64(stableHash(step.nodeId))));
    step.module->resetParameters(rng);
  }
}

Result<ModelOutputs> Model::forward(const std::map<std::string, Tensor>& inputs,
                                    const Tensor& target, ForwardContext& ctx) {
  using R = Result<ModelOutputs>;
  std::map<std::string, Tensor> values;  // "<node>.<port>" -> tensor
  for (const std::string& name : m_inputNames) {
    auto it = inputs.find(name);
    if (it == inputs.end() && m_inputNames.size() == 1 && inputs.size() == 1) it = inputs.begin();
    if (it == inputs.end()) return R::error("input '" + name + "' is missing");
    const Tensor& t = it->second;
    TensorType expected = inputType(name);
    if (!t.defined()) return R::error("input '" + name + "' is undefined");
    if (!fits(t, expected))
      return R::error("input '" + name + "': expected " + typeText(expected) + ", got " +
                      describe(t));
    values[name + "." + m_analysis.nodes.at(name).spec->outputs.at(0).name] = t;
  }
  if (target.defined()) {
    if (auto expected = targetType(); expected && !fits(target, *expected))
      return R::error("target: expected " + typeText(*expected) + ", got " + describe(target));
  }

  ModelOutputs result;
  for (const auto& step : m_steps) {
    std::vector<Tensor> args;
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      const auto& source = step.inputs[i];
      if (source) {
        args.push_back(values.at(source->toString()));
      } else {
        const PortSpec* port = step.spec->inputPort(m_analysis.nodes.at(step.nodeId).inputNames[i]);
        args.push_back(port && port->fromData ? target : Tensor());
      }
    }
    if (step.spec->isOutput) result.outputs[step.nodeId] = args.at(0);
    if (step.spec->isLoss && !result.prediction.defined()) result.prediction = args.at(0);
    if (!step.module) continue;
    std::vector<Tensor> outs;
    try {
      outs = step.module->forward(args, ctx);
    } catch (const std::exception& e) {
      return R::error("node " + step.nodeId + " (" + step.spec->type + "): " + e.what());
    }
    for (size_t i = 0; i < outs.size() && i < step.spec->outputs.size(); ++i)
      values[step.nodeId + "." + step.spec->outputs[i].name] = outs[i];
    if (step.spec->isLoss && !outs.empty() && outs[0].defined()) {
      try {
        result.loss = result.loss.defined() ? ops::add(result.loss, outs[0]) : outs[0];
      } catch (const std::exception& e) {
        return R::error("node " + step.nodeId + " (" + step.spec->type + "): " + e.what());
      }
    }
  }
  return result;
}

}  // namespace strata
