// The node a layer family is exporting, as both exporters present it (OnnxContext for ONNX,
// PyTorchContext for PyTorch code): its id, its resolved params and types from the analysis, and
// what feeds each input slot (an ONNX value name or a Python expression).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/analysis.h"

namespace strata {

class ExportNode {
 public:
  virtual ~ExportNode() = default;

  const std::string& nodeId() const { return m_id; }
  const nlohmann::json& params() const { return m_na->params; }
  // In ShapeContext order.
  const std::vector<std::optional<TensorType>>& inputTypes() const { return m_na->inputs; }
  const std::vector<TensorType>& outputTypes() const { return m_na->outputs; }
  // What feeds input slot i; empty when the optional port is unconnected.
  std::string input(size_t i) const { return i < m_inputs.size() ? m_inputs[i] : ""; }

 protected:
  // The exporter moves on to node `id` (its analysis must outlive the node's export).
  void beginNode(const std::string& id, const NodeAnalysis& na, std::vector<std::string> inputs) {
    m_id = id;
    m_na = &na;
    m_inputs = std::move(inputs);
  }
  const NodeAnalysis& nodeAnalysis() const { return *m_na; }

 private:
  std::string m_id;
  const NodeAnalysis* m_na = nullptr;
  std::vector<std::string> m_inputs;
};

}  // namespace strata
