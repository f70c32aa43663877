// TensorFlow.js export: a compiled graph with its weights as a tfjs *layers model*, i.e. a
// `model.json` whose `modelTopology` is a Keras-2 functional model (class "Functional") plus one
// `weights.bin` listed in its `weightsManifest`. @tensorflow/tfjs 4.22 loads it with
// tf.loadLayersModel; tensorflowjs_converter turns it into a Keras model. Input layers are named
// by the Input node ids, and each Output node becomes a linear Activation named by its id (the
// loss input when there are no Output nodes). Losses are left out. What Keras/tfjs cannot express
// is refused naming the node (docs/tfjs-export.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "graph/document.h"
#include "graph/model.h"

namespace strata {

// The weights file the manifest points to, next to model.json.
inline constexpr const char* kTfjsWeightsFile = "weights.bin";

struct TfjsModel {
  nlohmann::json modelJson;  // format, generatedBy, modelTopology, weightsManifest
  std::string weightData;    // little-endian float32, in manifest order
};

// Builds the model (compiled from `doc`, weights as they are now) without writing anything.
Result<TfjsModel> exportTfjsModel(const GraphDocument& doc, const Model& model);
// Exports into folder `dir` (created when missing): model.json and weights.bin. Nothing is
// written when the graph cannot be exported.
Status exportTfjs(const GraphDocument& doc, const Model& model, const std::string& dir);

}  // namespace strata
