// Validation and shape inference: checks every node's type, params and edges, finds cycles, then
// runs the shape rules in topological order. Each problem is reported on the node it belongs to;
// nodes downstream of a failed node get no shapes and no blame.
#include "graph/analysis.h"

#include <algorithm>
#include <climits>
#include <set>

#include "graph/blocks.h"

namespace strata {

namespace {

std::string typeText(const TensorType& t) {
  return std::string(valueKindName(t.kind)) + " " + shapeToString(t.shape);
}

std::string edgeText(const GraphEdge& e) {
  return e.from.toString() + " -> " + e.to.toString();
}

std::string joinNames(const std::vector<PortSpec>& ports) {
  std::string out;
  for (const auto& p : ports) {
    if (p.fromData) continue;
    out += (out.empty() ? "" : ", ") + p.name + (p.variadic ? "0, " + p.name + "1, ..." : "");
  }
  return out.empty() ? "none" : out;
}

// The index of a variadic port name ("in3" -> 3), or -1.
int variadicIndex(const std::string& base, const std::string& name) {
  if (name.size() <= base.size()) return -1;
  try {
    return std::stoi(name.substr(base.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

struct Graph {
  std::vector<std::string> ids;                    // document order
  std::map<std::string, size_t> index;             // id -> document index
  std::vector<std::vector<size_t>> successors;     // by document index, deduplicated
};

// Strongly connected components (Tarjan, with an explicit stack: a hostile file may chain 100000
// nodes). Fills, per node, its component and whether it lies on a cycle.
void findCycles(const Graph& g, std::vector<bool>& cyclic, std::vector<size_t>& component,
                std::vector<size_t>& componentSize) {
  size_t n = g.ids.size();
  std::vector<int> idx(n, -1), low(n, 0);
  std::vector<bool> stacked(n, false);
  cyclic.assign(n, false);
  component.assign(n, 0);
  componentSize.clear();
  std::vector<size_t> stack;
  std::vector<std::pair<size_t, size_t>> work;  // (node, next successor to visit)
  int counter = 0;
  auto enter = [&](size_t v) {
    idx[v] = low[v] = counter++;
    stack.push_back(v);
    stacked[v] = true;
    work.push_back({v, 0});
  };
  for (size_t root = 0; root < n; ++root) {
    if (idx[root] >= 0) continue;
    enter(root);
    while (!work.empty()) {
      const size_t v = work.back().first;
      if (work.back().second < g.successors[v].size()) {
        const size_t w = g.successors[v][work.back().second++];
        if (idx[w] < 0)
          enter(w);
        else if (stacked[w])
          low[v] = std::min(low[v], idx[w]);
        continue;
      }
      work.pop_back();
      if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[v]);
      if (low[v] != idx[v]) continue;
      const size_t id = componentSize.size();
      std::vector<size_t> members;
      size_t w;
      do {
        w = stack.back();
        stack.pop_back();
        stacked[w] = false;
        component[w] = id;
        members.push_back(w);
      } while (w != v);
      componentSize.push_back(members.size());
      bool selfLoop = std::count(g.successors[v].begin(), g.successors[v].end(), v) > 0;
      if (members.size() > 1 || selfLoop)
        for (size_t c : members) cyclic[c] = true;
    }
  }
}

// A shortest cycle through `start` within its component, as "a -> b -> a".
std::string cycleThrough(const Graph& g, const std::vector<size_t>& component, size_t start) {
  std::vector<long> parent(g.ids.size(), -1);
  std::vector<size_t> queue{start};
  std::vector<bool> seen(g.ids.size(), false);
  for (size_t head = 0; head < queue.size(); ++head) {
    size_t v = queue[head];
    for (size_t w : g.successors[v]) {
      if (component[w] != component[start]) continue;
      if (w == start) {
        std::vector<size_t> path{start};
        for (long u = static_cast<long>(v); u != -1 && static_cast<size_t>(u) != start;
             u = parent[u])
          path.push_back(static_cast<size_t>(u));
        path.push_back(start);
        std::reverse(path.begin() + 1, path.end() - 1);
        std::string out;
        for (size_t p : path) out += (out.empty() ? "" : " -> ") + g.ids[p];
        return out;
      }
      if (!seen[w]) {
        seen[w] = true;
        parent[w] = static_cast<long>(v);
        queue.push_back(w);
      }
    }
  }
  return g.ids[start];
}

// Kahn's algorithm, taking ready nodes in document order so the order is stable. Nodes that
// never become ready (cycles and what follows them) are appended in document order.
std::vector<std::string> topologicalOrder(const Graph& g) {
  size_t n = g.ids.size();
  std::vector<int> indegree(n, 0);
  for (size_t v = 0; v < n; ++v)
    for (size_t w : g.successors[v]) ++indegree[w];
  std::set<size_t> ready;
  for (size_t v = 0; v < n; ++v)
    if (indegree[v] == 0) ready.insert(v);
  std::vector<std::string> order;
  std::vector<bool> placed(n, false);
  while (!ready.empty()) {
    size_t v = *ready.begin();
    ready.erase(ready.begin());
    placed[v] = true;
    order.push_back(g.ids[v]);
    for (size_t w : g.successors[v])
      if (--indegree[w] == 0) ready.insert(w);
  }
  for (size_t v = 0; v < n; ++v)
    if (!placed[v]) order.push_back(g.ids[v]);
  return order;
}

}  // namespace

const NodeAnalysis* GraphAnalysis::find(const std::string& id) const {
  if (auto it = nodes.find(id); it != nodes.end()) return &it->second;
  if (auto it = templates.find(id); it != templates.end()) return &it->second;
  return nullptr;
}

int64_t GraphAnalysis::parameterCount(const std::vector<std::string>& documentNodes) const {
  int64_t total = 0;
  for (const std::string& id : documentNodes) {
    if (auto c = copies.find(id); c != copies.end()) {
      for (const std::string& copy : c->second) total += nodes.at(copy).parameterCount;
    } else if (const NodeAnalysis* na = find(id)) {
      total += na->parameterCount;
    }
  }
  return total;
}

std::string GraphAnalysis::documentNode(const std::string& id) const {
  auto it = origin.find(id);
  return it == origin.end() ? id : it->second;
}

std::optional<TensorType> GraphAnalysis::typeOf(const Endpoint& from) const {
  const NodeAnalysis* na = find(from.node);
  if (!na || !na->spec) return std::nullopt;
  const auto& outs = na->spec->outputs;
  for (size_t i = 0; i < outs.size(); ++i)
    if (outs[i].name == from.port && i < na->outputs.size()) return na->outputs[i];
  return std::nullopt;
}

std::optional<TensorType> GraphAnalysis::edgeType(const GraphEdge& edge) const {
  auto c = copies.find(edge.from.node);
  if (c == copies.end() || c->second.empty()) return typeOf(edge.from);
  auto blockOf = [&](const std::string& id) {
    auto it = templateBlock.find(id);
    return it == templateBlock.end() ? std::string() : it->second;
  };
  const bool internal = blockOf(edge.to.node) == blockOf(edge.from.node);
  return typeOf({internal ? c->second.front() : c->second.back(), edge.from.port});
}

namespace {

// Elements of `shape`, symbolic dims counted as 1; -1 past kMaxTensorElements.
int64_t boundedElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    const int64_t size = d >= 0 ? d : 1;
    if (size == 0) return 0;
    if (n > kMaxTensorElements / size) return -1;
    n *= size;
  }
  return n;
}

// "4294967296", or "more than 9223372036854775807" when even int64 overflows.
std::string elementCount(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d >= 0 ? d : 1, &n))
      return "more than " + std::to_string(INT64_MAX);
  return std::to_string(n);
}

// A shape rule's result that would need absurd memory or overflow the model's counts: empty
// when fine. Checked before the result is kept, so nothing downstream sees the sizes.
std::string sizeProblem(const LayerSpec& spec, const ShapeResult& r, const GraphAnalysis& ga) {
  const std::string limit = std::to_string(kMaxTensorElements);
  for (size_t i = 0; i < r.outputs.size(); ++i)
    if (boundedElements(r.outputs[i].shape) < 0)
      return "output '" + (i < spec.outputs.size() ? spec.outputs[i].name : std::to_string(i)) +
             "' " + shapeToString(r.outputs[i].shape) + " would hold " +
             elementCount(r.outputs[i].shape) + " elements per sample; the limit is " + limit;
  int64_t count = 0;
  for (const auto& [name, shape] : r.parameters) {
    const int64_t n = boundedElements(shape);
    if (n < 0)
      return "parameter '" + name + "' " + shapeToString(shape) + " would hold " +
             elementCount(shape) + " elements; the limit is " + limit + " per tensor";
    count += n;  // at most a few tensors of 2^31 each: no overflow
  }
  if (count > kMaxModelParameters - ga.totalParameters)
    return "the model's parameters pass the limit of " + std::to_string(kMaxModelParameters) +
           " here (" + std::to_string(ga.totalParameters) + " before this node, " +
           std::to_string(count) + " in it)";
  if (r.flops < 0 || r.flops >= INT64_MAX - ga.totalFlops)  // the shape rules saturate
    return "the FLOP count overflows a 64-bit integer (the sizes are too large)";
  return {};
}

// Analyzes a document without Repeat blocks. `copies` names the expanded copies, whose dotted ids
// are not held to the identifier rule (their template ids were).
GraphAnalysis analyzeFlat(const GraphDocument& doc,
                          const std::map<std::string, std::string>& copies) {
  GraphAnalysis ga;
  const LayerRegistry& registry = LayerRegistry::instance();
  std::map<std::string, std::vector<std::string>> problems;
  auto blame = [&](const std::string& id, std::string message) {
    problems[id].push_back(std::move(message));
  };

  // 1. Types and params.
  bool hasInput = false;
  Graph g;
  for (const auto& node : doc.nodes) {
    g.index[node.id] = g.ids.size();
    g.ids.push_back(node.id);
    NodeAnalysis& na = ga.nodes[node.id];
    if (!copies.count(node.id) && !isIdentifier(node.id))
      blame(node.id, "id '" + node.id +
                         "' must start with a letter or '_' and hold only letters, digits and "
                         "'_' (it names the module in weight keys and exported code)");
    na.spec = registry.find(node.type);
    if (!na.spec) {
      blame(node.id, "unknown layer type '" + node.type + "'");
      continue;
    }
    hasInput = hasInput || na.spec->isInput;
    auto params = normalizeParams(*na.spec, node.params);
    if (params)
      na.params = *params;
    else
      blame(node.id, params.message());
  }
  g.successors.resize(g.ids.size());

  // 2. Edges: ports must exist and point the right way; each input port takes one edge.
  std::map<std::string, std::map<std::string, std::vector<const GraphEdge*>>> into;
  for (const auto& e : doc.edges) {
    auto s = g.index.find(e.from.node), t = g.index.find(e.to.node);
    if (s == g.index.end() || t == g.index.end()) {
      const std::string& missing = s == g.index.end() ? e.from.node : e.to.node;
      const std::string& other = s == g.index.end() ? e.to.node : e.from.node;
      if (g.index.count(other))
        blame(other, "edge " + edgeText(e) + " refers to a missing node '" + missing + "'");
      continue;
    }
    const LayerSpec* from = ga.nodes[e.from.node].spec;
    const LayerSpec* to = ga.nodes[e.to.node].spec;
    if (from && !from->outputPort(e.from.port)) {
      if (from->inputPort(e.from.port))
        blame(e.from.node, "edge " + edgeText(e) + " starts at input port '" + e.from.port +
                               "'; edges start at an output port (" + joinNames(from->outputs) +
                               ")");
      else
        blame(e.from.node, "no output port '" + e.from.port + "' (edge " + edgeText(e) +
                               "); outputs: " + joinNames(from->outputs));
    }
    if (!to) {
      g.successors[s->second].push_back(t->second);
      continue;
    }
    const PortSpec* port = to->inputPort(e.to.port);
    if (!port) {
      if (to->outputPort(e.to.port))
        blame(e.to.node, "edge " + edgeText(e) + " ends at output port '" + e.to.port +
                             "'; edges end at an input port (" + joinNames(to->inputs) + ")");
      else
        blame(e.to.node, "no input port '" + e.to.port + "' (edge " + edgeText(e) +
                             "); inputs: " + joinNames(to->inputs));
      continue;
    }
    if (port->fromData) {
      blame(e.to.node, "port '" + e.to.port + "' is fed by the data set's targets and takes "
                       "no edge (edge " + edgeText(e) + ")");
      continue;
    }
    into[e.to.node][e.to.port].push_back(&e);
    g.successors[s->second].push_back(t->second);
  }
  for (auto& succ : g.successors) {
    std::sort(succ.begin(), succ.end());
    succ.erase(std::unique(succ.begin(), succ.end()), succ.end());
  }
  for (const auto& [nodeId, ports] : into)
    for (const auto& [portName, edges] : ports) {
      if (edges.size() < 2) continue;
      std::string sources;
      for (const auto* e : edges) sources += (sources.empty() ? "" : ", ") + e->from.toString();
      blame(nodeId, "input port '" + portName + "' has " + std::to_string(edges.size()) +
                        " edges (from " + sources + "); an input port takes one");
    }

  // 3. Cycles: every node on one is blamed; what follows a cycle is only left without shapes.
  // A cycle is spelled out per node only while short: a 100000-node cycle would cost
  // 100000 searches and messages of 100000 ids each.
  constexpr size_t kListedCycle = 64;
  std::vector<bool> cyclic;
  std::vector<size_t> component, componentSize;
  findCycles(g, cyclic, component, componentSize);
  for (size_t v = 0; v < g.ids.size(); ++v) {
    if (!cyclic[v]) continue;
    const size_t size = componentSize[component[v]];
    blame(g.ids[v], size <= kListedCycle
                        ? "is part of a cycle (" + cycleThrough(g, component, v) + ")"
                        : "is part of a cycle through " + std::to_string(size) + " nodes");
  }
  ga.order = topologicalOrder(g);

  // 4. Shapes, in topological order.
  for (const std::string& id : ga.order) {
    NodeAnalysis& na = ga.nodes[id];
    if (!na.spec) continue;
    const auto& edgesIn = into[id];
    bool upstreamFailed = false;
    auto connect = [&](const PortSpec& port, const std::string& name, const GraphEdge& e) {
      std::optional<TensorType> t = ga.typeOf(e.from);
      if (!t) {
        upstreamFailed = true;
        na.inputs.push_back(std::nullopt);
      } else {
        if (port.kind != ValueKind::Any && t->kind != ValueKind::Any && t->kind != port.kind)
          blame(id, "input '" + name + "' takes " + valueKindName(port.kind) + " but " +
                        e.from.toString() + " gives " + typeText(*t));
        na.inputs.push_back(t);
      }
      na.inputNames.push_back(name);
    };
    for (const PortSpec& port : na.spec->inputs) {
      if (port.fromData) {
        na.inputs.push_back(std::nullopt);
        na.inputNames.push_back(port.name);
        continue;
      }
      if (port.variadic) {
        std::map<int, const GraphEdge*> byIndex;
        for (const auto& [name, edges] : edgesIn)
          if (na.spec->inputPort(name) == &port) byIndex[variadicIndex(port.name, name)] = edges[0];
        int expected = 0;
        for (const auto& [index, e] : byIndex) {
          if (index != expected) {
            blame(id, "input '" + port.name + std::to_string(expected) +
                          "' is not connected: connect " + port.name + "0, " + port.name +
                          "1, ... without gaps");
            break;
          }
          connect(port, port.name + std::to_string(index), *e);
          ++expected;
        }
        if (byIndex.size() < 2 && !port.optional)
          blame(id, "needs at least two inputs (" + port.name + "0, " + port.name + "1, ...), " +
                        "has " + std::to_string(byIndex.size()));
        continue;
      }
      auto it = edgesIn.find(port.name);
      if (it == edgesIn.end()) {
        if (!port.optional)
          blame(id, "input '" + port.name + "' is not connected" +
                        (hasInput ? "" : " (the graph has no Input node)"));
        na.inputs.push_back(std::nullopt);
        na.inputNames.push_back(port.name);
        continue;
      }
      connect(port, port.name, *it->second.front());
    }
    if (problems.count(id) || upstreamFailed) continue;
    ShapeContext ctx;
    ctx.params = na.params;
    ctx.inputs = na.inputs;
    ctx.inputNames = na.inputNames;
    auto result = na.spec->infer ? na.spec->infer(ctx) : Result<ShapeResult>(ShapeResult{});
    if (!result) {
      blame(id, result.message());
      continue;
    }
    if (std::string problem = sizeProblem(*na.spec, *result, ga); !problem.empty()) {
      blame(id, problem);
      continue;
    }
    na.outputs = result->outputs;
    if (!result->params.is_null()) na.params = result->params;
    na.parameters = result->parameters;
    na.flops = result->flops;
    na.target = result->target;
    for (const auto& [name, shape] : na.parameters) na.parameterCount += numel(shape);
    ga.totalParameters += na.parameterCount;
    ga.totalFlops += na.flops;
  }

  // 5. Diagnostics, in topological order.
  if (doc.nodes.empty()) ga.diagnostics.push_back({"", "the graph is empty: add an Input node"});
  for (const std::string& id : ga.order) {
    auto it = problems.find(id);
    if (it == problems.end()) continue;
    NodeAnalysis& na = ga.nodes[id];
    for (const auto& message : it->second) {
      ga.diagnostics.push_back({id, message});
      na.error += (na.error.empty() ? "" : "; ") + message;
    }
    na.outputs.clear();
  }
  return ga;
}

}  // namespace

GraphAnalysis analyze(const GraphDocument& doc) {
  if (!hasRepeatBlocks(doc)) return analyzeFlat(doc, {});
  std::map<std::string, std::string> blockErrors;
  for (const GraphBlock& b : doc.blocks) {
    if (b.repeat <= 1) continue;
    if (std::string problem = repeatProblem(doc, b); !problem.empty()) blockErrors[b.id] = problem;
  }
  Result<BlockExpansion> ex = blockErrors.empty() ? expandBlocks(doc)
                                                  : Result<BlockExpansion>::error("");
  if (!ex) {
    // Shapes as if each block ran once, plus the reason the blocks cannot repeat.
    GraphAnalysis ga = analyzeFlat(doc, {});
    for (const auto& [id, message] : blockErrors)
      ga.diagnostics.push_back({"", "block '" + id + "': " + message});
    if (blockErrors.empty()) ga.diagnostics.push_back({"", ex.message()});
    ga.blockErrors = std::move(blockErrors);
    return ga;
  }
  GraphAnalysis ga = analyzeFlat(ex->flat, ex->origin);
  ga.origin = std::move(ex->origin);
  ga.copies = std::move(ex->copies);
  for (const GraphBlock& b : doc.blocks)
    if (b.repeat > 1)
      for (const std::string& id : b.nodes) ga.templateBlock[id] = b.id;
  for (const auto& [id, copyIds] : ga.copies) {
    NodeAnalysis view = ga.nodes.at(copyIds.front());
    view.error.clear();
    for (size_t k = 0; k < copyIds.size(); ++k) {
      const std::string& error = ga.nodes.at(copyIds[k]).error;
      if (error.empty()) continue;
      view.error += (view.error.empty() ? "" : "; ") +
                    (k == 0 ? error : "in copy " + std::to_string(k) + ": " + error);
    }
    ga.templates[id] = std::move(view);
  }
  return ga;
}

std::string canConnect(const GraphDocument& doc, const GraphEdge& edge) {
  const GraphNode* from = doc.node(edge.from.node);
  const GraphNode* to = doc.node(edge.to.node);
  if (!from) return "no node '" + edge.from.node + "'";
  if (!to) return "no node '" + edge.to.node + "'";
  const LayerRegistry& registry = LayerRegistry::instance();
  const LayerSpec* fromSpec = registry.find(from->type);
  const LayerSpec* toSpec = registry.find(to->type);
  if (!fromSpec) return "'" + from->id + "' has an unknown type '" + from->type + "'";
  if (!toSpec) return "'" + to->id + "' has an unknown type '" + to->type + "'";
  const PortSpec* out = fromSpec->outputPort(edge.from.port);
  if (!out)
    return fromSpec->inputPort(edge.from.port)
               ? "'" + edge.from.toString() + "' is an input port; start at an output port"
               : "'" + from->id + "' has no output port '" + edge.from.port + "'";
  const PortSpec* in = toSpec->inputPort(edge.to.port);
  if (!in)
    return toSpec->outputPort(edge.to.port)
               ? "'" + edge.to.toString() + "' is an output port; end at an input port"
               : "'" + to->id + "' has no input port '" + edge.to.port + "'";
  if (in->fromData) return "'" + edge.to.toString() + "' is fed by the data set's targets";
  for (const auto& e : doc.edges)
    if (e.to == edge.to)
      return "'" + edge.to.toString() + "' is already connected (from " + e.from.toString() + ")";

  // A cycle appears when `to` already reaches `from`.
  std::vector<std::string> stack{to->id};
  std::set<std::string> seen{to->id};
  while (!stack.empty()) {
    std::string v = stack.back();
    stack.pop_back();
    if (v == from->id) return "would create a cycle";
    for (const auto& e : doc.edges)
      if (e.from.node == v && seen.insert(e.to.node).second) stack.push_back(e.to.node);
  }

  ValueKind kind = out->kind;
  if (kind == ValueKind::Any) {
    GraphAnalysis ga = analyze(doc);
    if (auto t = ga.typeOf(edge.from)) kind = t->kind;
  }
  if (kind != ValueKind::Any && in->kind != ValueKind::Any && kind != in->kind)
    return "'" + edge.to.toString() + "' takes " + valueKindName(in->kind) + " but '" +
           edge.from.toString() + "' gives " + valueKindName(kind);
  return {};
}

}  // namespace strata
