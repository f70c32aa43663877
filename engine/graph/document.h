// The graph document: what a .strata file holds (nodes, edges, training settings), loaded from and
// saved to the JSON format of docs/graph-format.md. Saving is deterministic, so save -> load -> save
// is byte-stable. The document holds no executable state; see analysis.h and model.h for that.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace strata {

using Json = nlohmann::json;

struct GraphNode {
  std::string id;    // unique; the module name in weight keys, the input name for Input nodes
  std::string type;  // a LayerRegistry type
  Json params = Json::object();
  double x = 0, y = 0;  // canvas position ("pos": [x, y])
};

struct Endpoint {
  std::string node;
  std::string port;
  std::string toString() const { return node + "." + port; }
  bool operator==(const Endpoint&) const = default;
};

struct GraphEdge {
  Endpoint from;  // an output port
  Endpoint to;    // an input port
  bool operator==(const GraphEdge&) const = default;
};

// A named group of nodes, drawn as one collapsible node in the editor. With repeat > 1 the block
// is a template: compiling stacks `repeat` copies of its nodes, each with its own weights (see
// graph/blocks.h for how copies are wired and named).
struct GraphBlock {
  std::string id;                  // unique among blocks and nodes; prefixes the copies' ids
  std::string name;                // shown on the canvas; may be empty (the id is shown)
  std::vector<std::string> nodes;  // member node ids, in the order the user grouped them
  int repeat = 1;                  // 1..kMaxRepeat
  bool collapsed = false;          // drawn as one node (an editor state, saved with the file)
  static constexpr int kMaxRepeat = 256;
  bool operator==(const GraphBlock&) const = default;
};

class GraphDocument {
 public:
  static constexpr int kVersion = 1;

  // Parses and checks the file structure (format, version, field types, unique ids, edge syntax).
  // Layer-level problems (unknown type, bad params, shapes) are left to analyze().
  static Result<GraphDocument> fromJson(const Json& j);
  static Result<GraphDocument> parse(const std::string& text);
  static Result<GraphDocument> load(const std::string& path);  // messages start with the path

  Json toJson() const;
  std::string serialize() const;  // pretty-printed, keys sorted, newline at the end
  Status save(const std::string& path) const;  // writes atomically (temp file, then rename)

  std::vector<GraphNode> nodes;
  std::vector<GraphEdge> edges;
  std::vector<GraphBlock> blocks;  // at most one block per node; absent from the file when empty
  Json training = Json::object();  // training settings (see engine/train), kept verbatim
  Json meta = Json::object();      // name, description, and anything a tool wants to keep

  const GraphNode* node(const std::string& id) const;
  GraphNode* node(const std::string& id);
  const GraphBlock* block(const std::string& id) const;
  GraphBlock* block(const std::string& id);
  const GraphBlock* blockOf(const std::string& nodeId) const;  // the block holding the node
  // Edges into / out of a node.
  std::vector<const GraphEdge*> edgesInto(const std::string& nodeId) const;
  std::vector<const GraphEdge*> edgesFrom(const std::string& nodeId) const;
};

// Node and block ids name modules in weight keys and exported code: letters, digits and '_',
// not starting with a digit.
bool isIdentifier(const std::string& id);

// Parses "<node>.<port>"; the node id may itself contain dots, the port is after the last one.
Result<Endpoint> parseEndpoint(const std::string& text);

}  // namespace strata
