// Hand-built ONNX models for the importer's tests: inputs, outputs, initializers and nodes
// through the protobuf API, and a run of the imported Strata graph.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "core/rng.h"
#include "graph/model.h"
#include "io/onnx/importer.h"

namespace strata::test {

inline onnx::TensorProto floatProto(const std::string& name, const Shape& shape, Rng& rng) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : shape) {
    t.add_dims(d);
    n *= d;
  }
  for (int64_t i = 0; i < n; ++i) t.add_float_data(rng.uniform(-0.8f, 0.8f));
  return t;
}

// A float32 graph input (or output) of `shape`; -1 declares a dim without a size (dim_param).
inline void addInputInfo(onnx::GraphProto* g, const std::string& name, const Shape& shape,
                         bool output = false,
                         onnx::TensorProto::DataType type = onnx::TensorProto::FLOAT) {
  auto* v = output ? g->add_output() : g->add_input();
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type);
  for (int64_t d : shape) {
    auto* dim = tt->mutable_shape()->add_dim();
    if (d >= 0) dim->set_dim_value(d);
    else dim->set_dim_param("N");
  }
}

// A model of opset 17 built node by node.
class GraphBuilder {
 public:
  GraphBuilder() {
    m_model.set_ir_version(8);
    m_model.add_opset_import()->set_version(17);
    m_model.mutable_graph()->set_name("built");
  }
  onnx::GraphProto* graph() { return m_model.mutable_graph(); }
  void input(const std::string& name, const Shape& shape,
             onnx::TensorProto::DataType type = onnx::TensorProto::FLOAT) {
    addInputInfo(graph(), name, shape, false, type);
  }
  // A float32 output (the checker wants its shape declared, and inference to agree).
  void output(const std::string& name, const Shape& shape) {
    addInputInfo(graph(), name, shape, true);
  }
  // An int64 initializer; `shape` empty: a scalar.
  void ints(const std::string& name, const std::vector<int64_t>& values, const Shape& shape) {
    auto* t = graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : shape) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
  }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::string& output, const std::string& name = "") {
    auto* n = graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? output : name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }
  static void intAttr(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void tensorAttr(onnx::NodeProto* n, const std::string& name, const onnx::TensorProto& t) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = t;
  }
  std::string bytes() const {
    std::string b;
    m_model.SerializeToString(&b);
    return b;
  }

 private:
  onnx::ModelProto m_model;
};

// Compiles an import with its weights and runs it; the outputs by their Output node ids.
inline std::map<std::string, Tensor> runImport(const OnnxImport& imported,
                                               const std::map<std::string, Tensor>& feed) {
  auto model = Model::compile(imported.doc);
  EXPECT_TRUE(model) << model.message();
  if (!model) return {};
  std::map<std::string, Tensor> byName;
  for (const auto& w : imported.weights) byName[w.name] = w.tensor;
  for (const NamedTensor& p : (*model)->parameters()) {
    Tensor dst = p.tensor;
    dst.copyFrom(byName.at(p.name));
  }
  ForwardContext ctx;
  auto out = (*model)->forward(feed, Tensor(), ctx);
  EXPECT_TRUE(out) << out.message();
  if (!out) return {};
  return out->outputs;
}

}  // namespace strata::test
