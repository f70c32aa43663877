// PyTorch training-project export: a folder from which a graph's training continues in PyTorch,
// alone or under torchrun (DistributedDataParallel), and whose checkpoints come back into Strata.
// It holds model.py (exportPyTorchCode), data.py (the graph's data set, sample for sample),
// train.py (the training settings as command-line defaults, Strata's schedule, log and
// checkpoint format), train.ipynb (the same as a notebook), README.md, initial.safetensors (the
// starting weights) and copies of the data files under data/. See docs/pytorch-project.md.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "graph/document.h"
#include "graph/model.h"

namespace strata {

// Writes the project into `dir`, which must not exist or be empty. `dataDir` is where relative
// data paths in the graph's training spec are looked up (the graph file's folder); `weights` are
// the starting weights (initial.safetensors). Fails naming the cause when the graph is invalid
// or cannot be written as PyTorch, its training settings are invalid, or its data set cannot be
// built (a missing file, a shape the model cannot take). Everything is written into a temporary
// folder next to `dir` that is renamed into place at the end, so a failure leaves nothing behind.
Status exportPyTorchProject(const GraphDocument& doc, const Model& model,
                            const std::vector<NamedTensor>& weights, const std::string& dataDir,
                            const std::string& dir);

}  // namespace strata
