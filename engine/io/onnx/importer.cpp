// The ONNX importer's entry: reads and checks the file (sizes, known ops, the ONNX checker), then
// takes Strata's own exports from their "strata.graph" metadata and initializers named
// "<node>.<param>", and hands other models to the pattern importer (pattern_importer.cpp).
#include "io/onnx/importer.h"

#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "graph/model.h"
#include "io/onnx/checker.h"
#include "io/onnx/exporter.h"
#include "io/onnx/import_detail.h"

namespace strata {

namespace {

using R = Result<OnnxImport>;
using onnx_import::readTensor;

// Strata's own export: graph from metadata, weights by name.
R importStrata(const onnx::ModelProto& m, const std::string& graphJson,
               const std::map<std::string, const onnx::TensorProto*>& inits) {
  auto doc = GraphDocument::parse(graphJson);
  if (!doc) return R::error("the embedded Strata graph is invalid: " + doc.message());
  auto model = Model::compile(*doc);
  if (!model) return R::error("the embedded Strata graph is invalid: " + model.message());
  OnnxImport out;
  out.doc = *doc;
  for (const NamedTensor& p : (*model)->parameters()) {
    auto it = inits.find(p.name);
    if (it == inits.end()) return R::error("missing initializer '" + p.name + "'");
    auto t = readTensor(*it->second);
    if (!t) return R::error(t.message());
    if (t->dtype() != p.tensor.dtype() || t->shape() != p.tensor.shape())
      return R::error("initializer '" + p.name + "' is " + shapeToString(t->shape()) +
                      ", the graph needs " + shapeToString(p.tensor.shape()));
    out.weights.push_back({p.name, *t});
  }
  return out;
}

}  // namespace

Result<OnnxImport> importOnnxBytes(const std::string& bytes) {
  onnx::ModelProto m;
  if (!m.ParseFromString(bytes))
    return R::error("not an ONNX model (truncated, or not a protobuf ModelProto)");
  if (!m.has_graph()) return R::error("the model has no graph");
  std::map<std::string, const onnx::TensorProto*> inits;
  for (const auto& t : m.graph().initializer()) {
    auto checked = readTensor(t);  // sizes first: a huge declared dimension stops here
    if (!checked) return R::error(checked.message());
    inits[t.name()] = &t;
  }
  // Name an unsupported op before the checker reports it in its own words.
  static const std::set<std::string> known = {
      "Constant", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat",
      "ConstantOfShape", "Expand", "Cast", "Slice", "Reshape", "Mul", "Add", "Div", "Sub",
      "Equal", "Where", "Range", "Transpose", "Identity", "Dropout", "Relu", "Tanh", "Sigmoid",
      "Softmax", "LayerNormalization", "Gemm", "MatMul", "LSTM", "GRU", "RNN", "Erf", "Split",
      "Trilu", "Or", "ReduceMean", "ReduceMax", "ReduceSum", "LogSoftmax", "Flatten", "Exp",
      "Log", "Sqrt", "Reciprocal", "Abs", "Neg", "Softplus", "Softsign", "Elu", "LeakyRelu",
      "Selu", "ReduceSumSquare", "PRelu"};
  for (const auto& n : m.graph().node())
    if (!known.count(n.op_type()))
      return R::error(onnx_import::nodeLabel(n) + ": unsupported ONNX op '" + n.op_type() +
                      "' (docs/onnx-import.md lists the ops Strata imports)");
  Status check = checkOnnxModel(bytes);
  if (!check) return R::error(check.message());
  for (const auto& p : m.metadata_props())
    if (p.key() == kOnnxGraphKey) return importStrata(m, p.value(), inits);
  // PyTorch's batch-first patterns first (they give merged stacks and whole attention blocks),
  // then the general op-by-op path; its reason is the one reported.
  auto r = onnx_import::importPattern(m.graph());
  auto model = r ? Model::compile(r->doc) : Result<std::unique_ptr<Model>>::error(r.message());
  if (!model) {
    int64_t opset = 17;
    for (const auto& o : m.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
    r = onnx_import::importGeneral(m.graph(), opset);
    if (!r) return r;
    // The rebuilt graph must compile and its weights must be exactly what it needs.
    model = Model::compile(r->doc);
    if (!model) return R::error("the imported graph does not validate: " + model.message());
  }
  std::map<std::string, Tensor> got;
  for (const auto& w : r->weights) got[w.name] = w.tensor;
  for (const NamedTensor& p : (*model)->parameters()) {
    auto it = got.find(p.name);
    if (it == got.end() || it->second.shape() != p.tensor.shape())
      return R::error("imported weights do not fit the graph at '" + p.name + "'");
  }
  return r;
}

Result<OnnxImport> importOnnx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::error(path + ": cannot open");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > (std::streamoff{1} << 31))
    return R::error(path + ": not a plausible ONNX file size");
  in.seekg(0);
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), size);
  auto r = importOnnxBytes(bytes);
  if (!r) return R::error(path + ": " + r.message());
  return r;
}

namespace onnx_import {

std::string nodeLabel(const onnx::NodeProto& n) {
  if (n.name().empty() && n.output_size() > 0)  // unnamed: named by what it computes
    return "the " + n.op_type() + " node computing '" + n.output(0) + "'";
  return "node '" + n.name() + "' (" + n.op_type() + ")";
}

// Reads an initializer or Constant tensor; checks its declared size against its data.
Result<Tensor> readTensor(const onnx::TensorProto& t) {
  using RT = Result<Tensor>;
  Shape shape;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > kMaxElements || (d > 0 && n > kMaxElements / d))
      return RT::error("tensor '" + t.name() + "' declares an implausible size");
    n *= d;
    shape.push_back(d);
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return RT::error("tensor '" + t.name() + "' uses external data, which Strata does not read");
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    Tensor out = Tensor::empty(shape);
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(n) * 4)
        return RT::error("tensor '" + t.name() + "' has " + std::to_string(t.raw_data().size()) +
                         " bytes of data for " + std::to_string(n) + " floats");
      std::memcpy(out.f32(), t.raw_data().data(), t.raw_data().size());
    } else {
      if (t.float_data_size() != n)
        return RT::error("tensor '" + t.name() + "' has the wrong number of values");
      for (int64_t i = 0; i < n; ++i) out.f32()[i] = t.float_data(static_cast<int>(i));
    }
    return out;
  }
  if (t.data_type() == onnx::TensorProto::INT64) {
    Tensor out = Tensor::empty(shape, DType::Int64);
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(n) * 8)
        return RT::error("tensor '" + t.name() + "' has the wrong number of bytes");
      std::memcpy(out.i64(), t.raw_data().data(), t.raw_data().size());
    } else {
      if (t.int64_data_size() != n)
        return RT::error("tensor '" + t.name() + "' has the wrong number of values");
      for (int64_t i = 0; i < n; ++i) out.i64()[i] = t.int64_data(static_cast<int>(i));
    }
    return out;
  }
  if (t.data_type() == onnx::TensorProto::INT32) {  // lengths and indices: read as int64
    Tensor out = Tensor::empty(shape, DType::Int64);
    if (t.has_raw_data()) {
      if (t.raw_data().size() != static_cast<size_t>(n) * 4)
        return RT::error("tensor '" + t.name() + "' has the wrong number of bytes");
      for (int64_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, t.raw_data().data() + i * 4, 4);
        out.i64()[i] = v;
      }
    } else {
      if (t.int32_data_size() != n)
        return RT::error("tensor '" + t.name() + "' has the wrong number of values");
      for (int64_t i = 0; i < n; ++i) out.i64()[i] = t.int32_data(static_cast<int>(i));
    }
    return out;
  }
  return RT::error("tensor '" + t.name() + "' has an element type Strata does not read (" +
                   std::to_string(t.data_type()) + ")");
}

}  // namespace onnx_import

}  // namespace strata
