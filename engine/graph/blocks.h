// Blocks: named groups of nodes (GraphDocument::blocks). A block with repeat 1 only groups nodes
// for the editor; the compiled graph is unchanged. A Repeat block (repeat N > 1) is a template
// that expands into N copies of its nodes, each with its own weights:
//
//  - copy k of member node `m` in block `b` is the node `b.k.m` (k from 0), so its weights are
//    `b.k.m.<name>` — the keys a PyTorch nn.ModuleList of the block's modules gives;
//  - the block's *carried* value runs through the copies: its carried input is the first input
//    port inside the block fed from outside, its carried output the first output port inside the
//    block that feeds something outside (block member order, then the layer's port order). Copy 0
//    takes the outside edge; copy k takes copy k-1's carried output;
//  - every other input fed from outside (a decoder's `memory`, a padding mask) goes to every copy;
//  - every edge leaving the block leaves from the last copy.
//
// analyze() and Model::compile() expand blocks themselves; the editor shows the template.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "graph/document.h"

namespace strata {

// The ports of a block as seen from outside it, in block member order then port order.
struct BlockPorts {
  std::vector<Endpoint> inputs;   // member input ports fed by an edge from outside the block
  std::vector<Endpoint> outputs;  // member output ports that feed a node outside the block
  std::optional<Endpoint> carriedInput() const;
  std::optional<Endpoint> carriedOutput() const;
};
BlockPorts blockPorts(const GraphDocument& doc, const GraphBlock& block);

// Why a block cannot repeat: an id that cannot name weights, a model input, output or loss
// inside it (they belong to the graph), or nothing flowing in or out. Empty when it can.
std::string repeatProblem(const GraphDocument& doc, const GraphBlock& block);

struct BlockExpansion {
  GraphDocument flat;  // no blocks; Repeat blocks replaced by their copies
  // Expanded node id -> the template node it copies (only for copies of Repeat blocks).
  std::map<std::string, std::string> origin;
  // Template node id -> its copies' ids, copy 0 first.
  std::map<std::string, std::vector<std::string>> copies;
};

// The id of copy `k` of `nodeId` in block `blockId`.
std::string copyId(const std::string& blockId, int k, const std::string& nodeId);

// Expands every Repeat block. Fails with "block '<id>': <reason>" when a block cannot repeat
// (no value runs through it, it holds an Input, Output or loss, or an id is not an identifier).
Result<BlockExpansion> expandBlocks(const GraphDocument& doc);

bool hasRepeatBlocks(const GraphDocument& doc);

// The graph as it compiles: Repeat blocks expanded, or the document itself when it has none or
// they cannot expand (analyze() then says why). For views that list the compiled layers.
GraphDocument flatten(const GraphDocument& doc);

}  // namespace strata
