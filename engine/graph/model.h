// Model: a graph document compiled to modules in topological order. Parameters carry PyTorch
// state_dict keys ("<node>.<name>"). forward() maps named inputs (Input node ids) to the tensors on
// Output nodes, the loss input ("prediction") and the summed loss when targets are given.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/analysis.h"
#include "graph/document.h"
#include "nn/module.h"

namespace strata {

struct ModelOutputs {
  std::map<std::string, Tensor> outputs;  // by Output node id
  Tensor prediction;  // the tensor on the (first) loss node's `input` port, if any
  Tensor loss;        // scalar sum of all loss nodes; undefined without targets or losses
};

class Model {
 public:
  // Analyzes and compiles; fails with "node <id>: <reason>" lines when the graph is invalid.
  static Result<std::unique_ptr<Model>> compile(const GraphDocument& doc);

  const GraphAnalysis& analysis() const { return m_analysis; }
  // The compiled graph: the document with Repeat blocks expanded into their copies.
  const GraphDocument& flatDocument() const { return m_doc; }
  // Input node ids in document order, with their types (batch included, symbolic dims kept).
  const std::vector<std::string>& inputNames() const { return m_inputNames; }
  TensorType inputType(const std::string& name) const;
  bool hasLoss() const { return !m_lossNodes.empty(); }
  // The type the data set must provide as targets (from the first loss node), if there is a loss.
  std::optional<TensorType> targetType() const;
  std::string lossType() const;  // "MSELoss", "CrossEntropyLoss", or "" without a loss

  std::vector<NamedTensor> parameters() const;  // "<node>.<name>", in topological order
  Module* module(const std::string& nodeId) const;
  void resetParameters(uint64_t seed);

  // Runs the graph. `inputs` are keyed by Input node id (a single input may use any key).
  // Errors (missing input, wrong dtype or shape, an op failing) come back as a Status naming
  // the node. `target` may be undefined (inference).
  Result<ModelOutputs> forward(const std::map<std::string, Tensor>& inputs, const Tensor& target,
                               ForwardContext& ctx);

 private:
  Model() = default;
  struct Step {
    std::string nodeId;
    const LayerSpec* spec = nullptr;
    std::unique_ptr<Module> module;
    std::vector<std::optional<Endpoint>> inputs;  // source of each input slot
  };
  GraphDocument m_doc;
  GraphAnalysis m_analysis;
  std::vector<Step> m_steps;
  std::vector<std::string> m_inputNames;
  std::vector<std::string> m_outputNodes;
  std::vector<std::string> m_lossNodes;
};

}  // namespace strata
