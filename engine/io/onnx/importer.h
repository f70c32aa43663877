// ONNX import: rebuilds an editable Strata graph and its weights from an ONNX model. Strata's own
// exports carry the graph in their metadata (exact round trip); other files (PyTorch 1.13
// torch.onnx.export at opset 17) are pattern-matched op by op. Either everything imports or
// nothing does: an unsupported op is an error naming its type and node.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "graph/document.h"
#include "nn/module.h"

namespace strata {

struct OnnxImport {
  GraphDocument doc;
  std::vector<NamedTensor> weights;  // "<node>.<param>", PyTorch state_dict names
};

Result<OnnxImport> importOnnxBytes(const std::string& bytes);
Result<OnnxImport> importOnnx(const std::string& path);  // messages start with the path

}  // namespace strata
