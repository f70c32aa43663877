// ONNX export: a compiled graph with its weights as an opset-17, IR-8 ModelProto. Losses are left
// out; the outputs are the Output nodes (or the loss input when there are none). The model is
// checked (checker + strict shape inference) before anything is written.
#pragma once

#include <string>

#include "core/status.h"
#include "graph/document.h"
#include "graph/model.h"

namespace strata {

// Metadata keys of a Strata export: the graph document (JSON) and the format marker.
inline constexpr const char* kOnnxGraphKey = "strata.graph";
inline constexpr const char* kOnnxMarkerKey = "strata.format";

// Serialises `model` (compiled from `doc`, weights as they are now) to ONNX bytes.
Result<std::string> exportOnnxBytes(const GraphDocument& doc, const Model& model);
// Exports and writes `path` (nothing is written on failure).
Status exportOnnx(const GraphDocument& doc, const Model& model, const std::string& path);

}  // namespace strata
