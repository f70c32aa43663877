// PyTorch code export: a compiled graph as one self-contained Python file (imports torch and math
// only) defining `class Model(torch.nn.Module)`. Its submodules are named by node id, so
// state_dict() keys are exactly Strata's weight keys and a Strata safetensors checkpoint loads
// with load_state_dict(strict=True); Repeat-block copies (`layers.0.layer`) live in an
// nn.ModuleList of nn.ModuleDicts. forward() takes one argument per Input node (document order)
// and returns the Output nodes' tensors; loss(prediction, target) is the graph's loss.
#pragma once

#include <string>

#include "core/status.h"
#include "graph/document.h"
#include "graph/model.h"

namespace strata {

// The Python source for `model` (compiled from `doc`). Fails naming the node when a node has no
// PyTorch mapping or its id cannot be a PyTorch module or argument name.
Result<std::string> exportPyTorchCode(const GraphDocument& doc, const Model& model);
// Exports and writes `path` (nothing is written on failure).
Status exportPyTorch(const GraphDocument& doc, const Model& model, const std::string& path);

}  // namespace strata
