// The ONNX exporter: walks the compiled graph in topological order and lets each layer family
// write its nodes through OnnxContext (LayerSpec::toOnnx); Input and Output nodes become the
// graph's inputs and outputs, named by their node ids, with symbolic batch/sequence dimensions.
#include "io/onnx/exporter.h"

#include <cstring>
#include <map>
#include <set>

#include <onnx/onnx_pb.h>

#include "core/atomic_file.h"
#include "io/onnx/checker.h"
#include "io/onnx/onnx_context.h"

namespace strata {

namespace {

void fillTensor(onnx::TensorProto& t, const std::string& name, const Tensor& value) {
  t.set_name(name);
  for (int64_t d : value.shape()) t.add_dims(d);
  t.set_data_type(value.dtype() == DType::Int64 ? onnx::TensorProto::INT64
                                                : onnx::TensorProto::FLOAT);
  const char* data = value.dtype() == DType::Int64 ? reinterpret_cast<const char*>(value.i64())
                                                   : reinterpret_cast<const char*>(value.f32());
  t.set_raw_data(std::string(data, value.bytes()));  // little-endian, as ONNX wants
}

void fillValueInfo(onnx::ValueInfoProto& v, const std::string& name, const TensorType& type) {
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(type.kind == ValueKind::Int64 ? onnx::TensorProto::INT64
                                                  : onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (int64_t d : type.shape) {
    auto* dim = shape->add_dim();
    if (d == kBatch) dim->set_dim_param("batch");
    else if (d == kSeq) dim->set_dim_param("seq");
    else if (d < 0) dim->set_dim_param("dim" + std::to_string(-d));
    else dim->set_dim_value(d);
  }
}

class Exporter final : public OnnxContext {
 public:
  Exporter(onnx::GraphProto& graph, std::map<std::string, Tensor> params)
      : m_graph(graph), m_params(std::move(params)) {}

  // Per node.
  void begin(const std::string& id, const std::string& type, const NodeAnalysis& na,
             std::vector<std::string> inputs) {
    beginNode(id, na, std::move(inputs));
    m_type = type;
    m_outputs.assign(na.outputs.size(), "");
    m_counter = 0;
  }
  const std::vector<std::string>& outputs() const { return m_outputs; }

  void setOutput(size_t i, const std::string& value) override {
    if (i < m_outputs.size()) m_outputs[i] = value;
  }
  std::string weight(const std::string& name) override {
    const std::string key = nodeId() + "." + name;
    auto it = m_params.find(key);
    if (it == m_params.end()) return "";
    if (m_weights.insert(key).second) {
      fillTensor(*m_graph.add_initializer(), key, it->second);
      m_names.insert(key);
    }
    return key;
  }
  std::string constant(const std::string& name, const Tensor& value) override {
    std::string n = fresh(nodeId() + "/" + name);
    fillTensor(*m_graph.add_initializer(), n, value);
    return n;
  }
  std::vector<std::string> op(const std::string& type, const std::vector<std::string>& inputs,
                              int numOutputs, const std::vector<OnnxAttr>& attrs) override {
    onnx::NodeProto* node = m_graph.add_node();
    const std::string base = nodeId() + "/" + type + "_" + std::to_string(m_counter++);
    node->set_name(fresh(base));
    node->set_op_type(type);
    node->set_doc_string("Strata node '" + nodeId() + "' (" + m_type + ")");
    for (const auto& in : inputs) node->add_input(in);
    std::vector<std::string> outs;
    for (int i = 0; i < numOutputs; ++i) {
      outs.push_back(fresh(base + (numOutputs > 1 ? "_out" + std::to_string(i) : "")));
      node->add_output(outs.back());
    }
    for (const auto& a : attrs) {
      onnx::AttributeProto* p = node->add_attribute();
      p->set_name(a.name);
      if (auto* i = std::get_if<int64_t>(&a.value)) {
        p->set_type(onnx::AttributeProto::INT);
        p->set_i(*i);
      } else if (auto* f = std::get_if<float>(&a.value)) {
        p->set_type(onnx::AttributeProto::FLOAT);
        p->set_f(*f);
      } else if (auto* is = std::get_if<std::vector<int64_t>>(&a.value)) {
        p->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : *is) p->add_ints(v);
      } else if (auto* fs = std::get_if<std::vector<float>>(&a.value)) {
        p->set_type(onnx::AttributeProto::FLOATS);
        for (float v : *fs) p->add_floats(v);
      } else if (auto* s = std::get_if<std::string>(&a.value)) {
        p->set_type(onnx::AttributeProto::STRING);
        p->set_s(*s);
      } else if (auto* ss = std::get_if<std::vector<std::string>>(&a.value)) {
        p->set_type(onnx::AttributeProto::STRINGS);
        for (const auto& v : *ss) p->add_strings(v);
      }
    }
    return outs;
  }

  std::string fresh(const std::string& base) {
    std::string n = base;
    for (int k = 1; m_names.count(n); ++k) n = base + "_" + std::to_string(k);
    m_names.insert(n);
    return n;
  }
  void reserve(const std::string& name) { m_names.insert(name); }

 private:
  onnx::GraphProto& m_graph;
  std::map<std::string, Tensor> m_params;
  std::set<std::string> m_names, m_weights;
  std::string m_type;
  std::vector<std::string> m_outputs;
  int m_counter = 0;
};

}  // namespace

Result<std::string> exportOnnxBytes(const GraphDocument& doc, const Model& model) {
  using R = Result<std::string>;
  const GraphAnalysis& analysis = model.analysis();
  onnx::ModelProto proto;
  proto.set_ir_version(8);
  proto.set_producer_name("Strata");
  proto.set_producer_version("0.1.0");
  proto.set_doc_string("Exported by Strata from graph '" + doc.meta.value("name", std::string()) +
                       "'");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* marker = proto.add_metadata_props();
  marker->set_key(kOnnxMarkerKey);
  marker->set_value("strata-graph 1");
  auto* graphMeta = proto.add_metadata_props();
  graphMeta->set_key(kOnnxGraphKey);
  graphMeta->set_value(doc.serialize());
  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(doc.meta.value("name", std::string("strata")));

  std::map<std::string, Tensor> params;
  for (const NamedTensor& p : model.parameters()) params[p.name] = p.tensor;
  Exporter ex(graph, params);
  const GraphDocument& flat = model.flatDocument();  // Repeat blocks expanded
  for (const auto& n : flat.nodes) ex.reserve(n.id);  // graph I/O names stay the node ids

  std::map<std::string, std::string> values;  // "<node>.<port>" -> ONNX value
  std::vector<std::pair<std::string, Endpoint>> outputs;  // output name, source
  std::optional<Endpoint> lossInput;
  for (const std::string& id : analysis.order) {
    const NodeAnalysis& na = analysis.nodes.at(id);
    const LayerSpec* spec = na.spec;
    std::vector<std::optional<Endpoint>> sources;
    for (const std::string& port : na.inputNames) {
      std::optional<Endpoint> src;
      for (const auto& e : flat.edges)
        if (e.to.node == id && e.to.port == port) src = e.from;
      sources.push_back(src);
    }
    if (spec->isInput) {
      fillValueInfo(*graph.add_input(), id, na.outputs.at(0));
      values[id + "." + spec->outputs.at(0).name] = id;
      continue;
    }
    if (spec->isOutput) {
      if (sources.at(0)) outputs.push_back({id, *sources[0]});
      continue;
    }
    if (spec->isLoss) {
      if (!lossInput && !sources.empty() && sources[0]) lossInput = sources[0];
      continue;
    }
    if (!spec->toOnnx)
      return R::error("node " + id + ": " + spec->type + " has no ONNX mapping");
    std::vector<std::string> inputs;
    for (const auto& src : sources) {
      if (!src) {
        inputs.push_back("");
        continue;
      }
      auto it = values.find(src->toString());
      if (it == values.end()) {
        inputs.push_back("");  // fed by a node left out of the export (cannot happen today)
        continue;
      }
      inputs.push_back(it->second);
    }
    ex.begin(id, spec->type, na, inputs);
    Status s = spec->toOnnx(ex);
    if (!s) return R::error("node " + id + ": " + s.message());
    for (size_t i = 0; i < ex.outputs().size(); ++i)
      if (!ex.outputs()[i].empty()) values[id + "." + spec->outputs.at(i).name] = ex.outputs()[i];
  }
  if (outputs.empty() && lossInput) outputs.push_back({lossInput->node, *lossInput});
  if (outputs.empty())
    return R::error("the graph has no Output node and no loss: nothing to export");
  for (const auto& [name, src] : outputs) {
    auto it = values.find(src.toString());
    auto type = analysis.typeOf(src);
    if (it == values.end() || !type)
      return R::error("node " + name + ": its input " + src.toString() + " is not exportable");
    // An Identity gives the output the node id as its name (an Input may feed it directly).
    onnx::NodeProto* node = graph.add_node();
    node->set_name(ex.fresh(name + "/Identity"));
    node->set_op_type("Identity");
    node->set_doc_string("Strata node '" + name + "' (Output)");
    node->add_input(it->second);
    node->add_output(name);
    fillValueInfo(*graph.add_output(), name, *type);
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) return R::error("could not serialise the ONNX model");
  Status check = checkOnnxModel(bytes);
  if (!check) return R::error(check.message());
  return bytes;
}

Status exportOnnx(const GraphDocument& doc, const Model& model, const std::string& path) {
  auto bytes = exportOnnxBytes(doc, model);
  if (!bytes) return bytes.status();
  return writeFileAtomically(path, *bytes);
}

}  // namespace strata
