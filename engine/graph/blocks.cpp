// Blocks: their outer ports and the expansion of Repeat blocks into copies (see blocks.h).
#include "graph/blocks.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "nn/layer_spec.h"

namespace strata {

namespace {

// Where a port sits in its layer's port list (variadic ports by their index), for ordering.
std::pair<size_t, int> portRank(const GraphDocument& doc, const Endpoint& end, bool input) {
  const GraphNode* node = doc.node(end.node);
  const LayerSpec* spec = node ? LayerRegistry::instance().find(node->type) : nullptr;
  if (!spec) return {0, 0};
  const auto& ports = input ? spec->inputs : spec->outputs;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == end.port) return {i, 0};
    if (ports[i].variadic && end.port.rfind(ports[i].name, 0) == 0) {
      try {
        return {i, std::stoi(end.port.substr(ports[i].name.size()))};
      } catch (const std::exception&) {
        return {i, 0};
      }
    }
  }
  return {ports.size(), 0};
}

}  // namespace

std::optional<Endpoint> BlockPorts::carriedInput() const {
  if (inputs.empty()) return std::nullopt;
  return inputs.front();
}

std::optional<Endpoint> BlockPorts::carriedOutput() const {
  if (outputs.empty()) return std::nullopt;
  return outputs.front();
}

BlockPorts blockPorts(const GraphDocument& doc, const GraphBlock& block) {
  std::map<std::string, size_t> member;
  for (size_t i = 0; i < block.nodes.size(); ++i) member[block.nodes[i]] = i;
  using Key = std::tuple<size_t, size_t, int, std::string>;
  std::map<Key, Endpoint> ins, outs;
  for (const GraphEdge& e : doc.edges) {
    const bool fromInside = member.count(e.from.node) > 0;
    const bool toInside = member.count(e.to.node) > 0;
    if (toInside && !fromInside) {
      auto [port, index] = portRank(doc, e.to, true);
      ins.emplace(Key{member[e.to.node], port, index, e.to.port}, e.to);
    }
    if (fromInside && !toInside) {
      auto [port, index] = portRank(doc, e.from, false);
      outs.emplace(Key{member[e.from.node], port, index, e.from.port}, e.from);
    }
  }
  BlockPorts ports;
  for (auto& [key, end] : ins) ports.inputs.push_back(end);
  for (auto& [key, end] : outs) ports.outputs.push_back(end);
  return ports;
}

namespace {

// Why `block` cannot repeat, given its outer ports; empty when it can.
std::string problemWith(const GraphDocument& doc, const GraphBlock& block,
                        const BlockPorts& ports) {
  if (!isIdentifier(block.id))
    return "the id must start with a letter or '_' and hold only letters, digits and '_' (it "
           "names the copies in weight keys)";
  for (const std::string& id : block.nodes) {
    const GraphNode* node = doc.node(id);
    const LayerSpec* spec = node ? LayerRegistry::instance().find(node->type) : nullptr;
    if (spec && (spec->isInput || spec->isOutput || spec->isLoss))
      return "a Repeat block cannot hold the " + spec->type + " node '" + id +
             "'; keep model inputs, outputs and losses outside it";
  }
  if (ports.inputs.empty())
    return "nothing flows into the block; a Repeat block passes one value through its copies, "
           "so connect an edge into it";
  if (ports.outputs.empty())
    return "nothing flows out of the block; a Repeat block passes one value through its copies, "
           "so connect an edge out of it";
  return {};
}

}  // namespace

std::string repeatProblem(const GraphDocument& doc, const GraphBlock& block) {
  return problemWith(doc, block, blockPorts(doc, block));
}

std::string copyId(const std::string& blockId, int k, const std::string& nodeId) {
  return blockId + "." + std::to_string(k) + "." + nodeId;
}

bool hasRepeatBlocks(const GraphDocument& doc) {
  return std::any_of(doc.blocks.begin(), doc.blocks.end(),
                     [](const GraphBlock& b) { return b.repeat > 1; });
}

GraphDocument flatten(const GraphDocument& doc) {
  if (!hasRepeatBlocks(doc)) return doc;
  auto ex = expandBlocks(doc);
  return ex ? std::move(ex->flat) : doc;
}

Result<BlockExpansion> expandBlocks(const GraphDocument& doc) {
  using R = Result<BlockExpansion>;
  BlockExpansion ex;
  ex.flat.training = doc.training;
  ex.flat.meta = doc.meta;

  // Which Repeat block each member belongs to, and each block's carried ports.
  std::map<std::string, const GraphBlock*> repeatOf;
  std::map<std::string, BlockPorts> portsOf;
  for (const GraphBlock& b : doc.blocks) {
    if (b.repeat <= 1) continue;
    const std::string where = "block '" + b.id + "': ";
    BlockPorts ports = blockPorts(doc, b);
    if (std::string problem = problemWith(doc, b, ports); !problem.empty())
      return R::error(where + problem);
    for (const std::string& id : b.nodes)
      if (!isIdentifier(id))
        return R::error(where + "node id '" + id + "' must be an identifier");
    for (const std::string& id : b.nodes) repeatOf[id] = &b;
    portsOf[b.id] = std::move(ports);
  }

  std::set<std::string> emitted;  // Repeat blocks already expanded into `flat.nodes`
  for (const GraphNode& n : doc.nodes) {
    auto r = repeatOf.find(n.id);
    if (r == repeatOf.end()) {
      ex.flat.nodes.push_back(n);
      continue;
    }
    const GraphBlock& b = *r->second;
    if (!emitted.insert(b.id).second) continue;
    for (int k = 0; k < b.repeat; ++k)
      for (const std::string& member : b.nodes) {
        GraphNode copy = *doc.node(member);
        copy.id = copyId(b.id, k, member);
        ex.origin[copy.id] = member;
        ex.copies[member].push_back(copy.id);
        ex.flat.nodes.push_back(std::move(copy));
      }
  }
  std::set<std::string> ids;
  for (const GraphNode& n : ex.flat.nodes)
    if (!ids.insert(n.id).second)
      return R::error("node id '" + n.id + "' is also the id of a Repeat block's copy; rename it");

  auto blockOf = [&](const std::string& id) -> const GraphBlock* {
    auto it = repeatOf.find(id);
    return it == repeatOf.end() ? nullptr : it->second;
  };
  for (const GraphEdge& e : doc.edges) {
    const GraphBlock* from = blockOf(e.from.node);
    const GraphBlock* to = blockOf(e.to.node);
    if (from && from == to) {  // inside one block: once per copy
      for (int k = 0; k < from->repeat; ++k)
        ex.flat.edges.push_back({{copyId(from->id, k, e.from.node), e.from.port},
                                 {copyId(from->id, k, e.to.node), e.to.port}});
      continue;
    }
    // Leaving a block: from its last copy.
    Endpoint source = from ? Endpoint{copyId(from->id, from->repeat - 1, e.from.node), e.from.port}
                           : e.from;
    if (!to) {
      ex.flat.edges.push_back({source, e.to});
      continue;
    }
    // Entering a block: the carried input takes the value once, then each copy feeds the next;
    // every other input reaches every copy.
    const BlockPorts& ports = portsOf[to->id];
    const bool carried = ports.carriedInput() && *ports.carriedInput() == e.to;
    for (int k = 0; k < to->repeat; ++k) {
      Endpoint target{copyId(to->id, k, e.to.node), e.to.port};
      if (carried && k > 0) {
        const Endpoint out = *ports.carriedOutput();
        ex.flat.edges.push_back({{copyId(to->id, k - 1, out.node), out.port}, target});
      } else {
        ex.flat.edges.push_back({source, target});
      }
    }
  }
  // Plain groups stay: they are kept on the flat document so tools can still show them.
  for (const GraphBlock& b : doc.blocks)
    if (b.repeat <= 1) ex.flat.blocks.push_back(b);
  return ex;
}

}  // namespace strata
