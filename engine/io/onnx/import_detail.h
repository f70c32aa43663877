// Internals shared by the ONNX importer's paths (importer.cpp, pattern_importer.cpp,
// general_importer.cpp).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "core/status.h"
#include "io/onnx/importer.h"
#include "tensor/tensor.h"

namespace strata::onnx_import {

constexpr int64_t kMaxElements = int64_t{1} << 31;  // 8 GiB of float32: more is hostile

// Reads an initializer or Constant tensor (float32 or int64), checking the declared size against
// the data it carries.
Result<Tensor> readTensor(const onnx::TensorProto& t);

// How a refusal names a node: "node 'lstm1' (LSTM)", or, for an unnamed one, by what it
// computes: "the LSTM node computing 'y'".
std::string nodeLabel(const onnx::NodeProto& n);

// Rebuilds a graph from a model not written by Strata, op pattern by op pattern.
Result<OnnxImport> importPattern(const onnx::GraphProto& graph);

// Rebuilds any graph of the ops general_importer.cpp maps, op by op with tracked shapes
// (`opset`: the model's ai.onnx version, for ops whose meaning changed).
Result<OnnxImport> importGeneral(const onnx::GraphProto& graph, int64_t opset);

}  // namespace strata::onnx_import
