// The checker wrapper: check_model, then InferShapes with type checks and strict errors (after a
// guard for an ONNX 1.12 shape-inference crash).
#include "io/onnx/checker.h"

#include <exception>
#include <map>
#include <string>
#include <vector>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

namespace strata {

namespace {

std::string oneLine(std::string s) {
  for (char& ch : s)
    if (ch == '\n' || ch == '\r') ch = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// ONNX 1.12's LayerNormalization shape inference indexes the input's dims with `axis` unchecked
// (an out-of-range axis crashed it). Its output shape does not depend on the axis, so a first
// inference with the axes removed gives every LayerNormalization input's rank to check against.
Status checkLayerNormAxes(const onnx::ModelProto& original) {
  bool any = false;
  for (const auto& n : original.graph().node())
    any = any || n.op_type() == "LayerNormalization";
  if (!any) return Status::ok();
  onnx::ModelProto m = original;
  std::vector<std::pair<std::string, int64_t>> axes;  // input value, axis
  for (auto& n : *m.mutable_graph()->mutable_node()) {
    if (n.op_type() != "LayerNormalization") continue;
    auto* attrs = n.mutable_attribute();
    for (int i = 0; i < attrs->size(); ++i)
      if (attrs->Get(i).name() == "axis") {
        if (n.input_size() > 0) axes.push_back({n.input(0), attrs->Get(i).i()});
        attrs->DeleteSubrange(i, 1);
        break;
      }
  }
  // Declared shapes of outputs and intermediates would disagree with the axis-less nodes.
  m.mutable_graph()->clear_value_info();
  for (auto& o : *m.mutable_graph()->mutable_output())
    o.mutable_type()->mutable_tensor_type()->clear_shape();
  try {
    onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(false, 0, false));
  } catch (const std::exception&) {
    // Ranks stay unknown beyond the graph inputs: only the default axis passes below.
  }
  std::map<std::string, int> ranks;
  auto note = [&](const onnx::ValueInfoProto& v) {
    if (v.type().tensor_type().has_shape())
      ranks[v.name()] = v.type().tensor_type().shape().dim_size();
  };
  for (const auto& v : m.graph().input()) note(v);
  for (const auto& v : m.graph().value_info()) note(v);
  for (const auto& t : m.graph().initializer()) ranks[t.name()] = t.dims_size();
  for (const auto& [value, axis] : axes) {
    auto it = ranks.find(value);
    const int64_t r = it == ranks.end() ? -1 : it->second;
    if (r < 0 ? axis != -1 : (axis < -r || axis >= r))  // -1 (PyTorch's) is safe at any rank
      return Status::error("ONNX check failed: LayerNormalization axis " + std::to_string(axis) +
                           " is out of range for its input '" + value + "'" +
                           (r < 0 ? " (rank unknown)" : " of rank " + std::to_string(r)));
  }
  return Status::ok();
}

}  // namespace

Status checkOnnxModel(const std::string& bytes) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) return Status::error("not a valid ONNX protobuf");
  try {
    onnx::checker::check_model(model);
    Status axes = checkLayerNormAxes(model);
    if (!axes) return axes;
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    return Status::error("ONNX check failed: " + oneLine(e.what()));
  }
  return Status::ok();
}

}  // namespace strata
