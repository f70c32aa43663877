// Validation and shape inference over a graph document: per node, the resolved params, output
// types, parameter shapes and counts, FLOPs, or the reason the node cannot work. Used by
// `strata-cli validate`, by the editor after every change, and before compiling.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/document.h"
#include "nn/layer_spec.h"

namespace strata {

struct NodeDiagnostic {
  std::string nodeId;   // the node the problem belongs to; empty for the graph as a whole
  std::string message;  // the reason, without the node id
};

struct NodeAnalysis {
  const LayerSpec* spec = nullptr;  // null for an unknown type
  Json params;                      // resolved: defaults and inferred values filled in
  std::vector<std::optional<TensorType>> inputs;  // in the order ShapeContext gives them
  std::vector<std::string> inputNames;
  std::vector<TensorType> outputs;  // empty when the node has an error or an upstream one
  std::vector<std::pair<std::string, Shape>> parameters;
  int64_t parameterCount = 0;
  int64_t flops = 0;
  std::optional<TensorType> target;  // what the data set feeds to a loss's `target` port
  std::string error;  // this node's own problem, empty if none
};

struct GraphAnalysis {
  std::map<std::string, NodeAnalysis> nodes;
  std::vector<std::string> order;          // topological order (all nodes when acyclic)
  std::vector<NodeDiagnostic> diagnostics;  // every problem, in topological/document order
  int64_t totalParameters = 0;
  int64_t totalFlops = 0;

  // Repeat blocks (graph/blocks.h): `nodes`, `order` and `diagnostics` name the expanded copies
  // ("enc.1.layer"); these map them back to the template nodes the document holds.
  std::map<std::string, std::string> origin;                // copy id -> template node id
  std::map<std::string, std::vector<std::string>> copies;   // template node id -> copy ids
  std::map<std::string, std::string> templateBlock;         // template node id -> block id
  // A template node as the editor shows it: copy 0's analysis, with the errors of every copy.
  std::map<std::string, NodeAnalysis> templates;
  std::map<std::string, std::string> blockErrors;  // block id -> why it cannot repeat

  bool ok() const { return diagnostics.empty(); }
  // A node of the graph or a template node of a Repeat block; null when unknown.
  const NodeAnalysis* find(const std::string& id) const;
  // The document node a diagnostic or copy id belongs to (the template for a copy).
  std::string documentNode(const std::string& id) const;
  // The type flowing out of "<node>.<port>", if known (a template node gives copy 0's).
  std::optional<TensorType> typeOf(const Endpoint& from) const;
  // The parameters of document nodes, every copy of a Repeat block's node counted.
  int64_t parameterCount(const std::vector<std::string>& documentNodes) const;
  // The type on a document edge: an edge leaving a Repeat block carries its last copy's value.
  std::optional<TensorType> edgeType(const GraphEdge& edge) const;
};

GraphAnalysis analyze(const GraphDocument& doc);

// Checks whether adding `edge` would be legal (ports exist, kinds fit, input port free, no cycle).
// Empty string when legal, else the reason. For the editor's connect gesture.
std::string canConnect(const GraphDocument& doc, const GraphEdge& edge);

}  // namespace strata
