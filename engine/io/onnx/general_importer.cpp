// The general importer: ONNX graphs that are not PyTorch 1.13's batch-first patterns (the ONNX
// standard's node tests, tf2onnx/Keras, hand-built models). Every value is either a constant
// (folded where its op can be evaluated: constant_folding.cpp, Shape/Size here) or a Strata
// endpoint with a tracked shape, and each op becomes the Strata layers that compute it:
// sequence-first or batch-wise RNN/LSTM/GRU with Permute/Reshape glue, Gemm as Linear or MatMul
// with scales, LayerNormalization on any axis by flattening, axis-0 Softmax/Concat through a unit
// leading dim, Expand as copies and Gather as an Embedding or Slices. The first input dim of
// every graph input is Strata's batch. What cannot import names the node, its op and why.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <set>

#include "graph/document.h"
#include "io/onnx/constant_folding.h"
#include "io/onnx/import_detail.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

namespace strata::onnx_import {

namespace {

using R = Result<OnnxImport>;

struct Value {
  bool isConst = false;
  std::optional<Tensor> value;  // constants (float32 or int64)
  Endpoint ep;                  // tensors
  Shape shape;                  // tensors: ONNX dims, -1 where unknown
  bool isInt = false;
  std::string pendingLinear;  // a bias-less Linear an Add may give its bias
};

class Failure {
 public:
  explicit Failure(std::string m) : message(std::move(m)) {}
  std::string message;
};

class GeneralImporter {
 public:
  GeneralImporter(const onnx::GraphProto& g, int64_t opset) : m_g(g), m_opset(opset) {}

  R run() {
    try {
      for (const auto& n : m_g.node())
        for (const auto& in : n.input()) m_consumed.insert(in);
      for (const auto& o : m_g.output()) m_consumed.insert(o.name());
      for (const auto& init : m_g.initializer()) {
        auto t = readTensor(init);
        if (!t) return R::error(t.message());
        setConst(init.name(), *t);
      }
      for (const auto& in : m_g.input())
        if (!m_values.count(in.name())) addInput(in);
      for (const auto& n : m_g.node()) visit(n);
      for (const auto& o : m_g.output()) {
        auto it = m_values.find(o.name());
        if (it == m_values.end())
          throw Failure("output '" + o.name() + "' is produced by no node");
        if (it->second.isInt && !it->second.isConst)
          throw Failure("output '" + o.name() + "' is an int64 tensor; Strata outputs float32");
        const Endpoint ep = materialize(o.name());
        const std::string id = newId(o.name().empty() ? "output" : o.name());
        addNode(id, "Output", Json::object());
        connect(ep, id, "in");
      }
    } catch (const Failure& f) {
      return R::error(f.message);
    } catch (const std::exception& e) {
      return R::error(std::string("while folding constants: ") + e.what());
    }
    layout();
    return OnnxImport{m_doc, m_weights};
  }

 private:
  // --- document building ------------------------------------------------------------------
  static std::string sanitize(const std::string& s) {
    std::string out;
    for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    while (!out.empty() && out.front() == '_') out.erase(out.begin());
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "n" + out;
    return out.substr(0, 64);
  }
  std::string newId(const std::string& base) {
    std::string b = sanitize(base), id = b;
    for (int k = 2; m_ids.count(id); ++k) id = b + std::to_string(k);
    m_ids.insert(id);
    return id;
  }
  void addNode(const std::string& id, const std::string& type, Json params) {
    GraphNode n;
    n.id = id;
    n.type = type;
    n.params = std::move(params);
    m_doc.nodes.push_back(n);
  }
  void connect(const Endpoint& from, const std::string& to, const std::string& port) {
    m_doc.edges.push_back({from, {to, port}});
  }
  void addWeight(const std::string& id, const std::string& name, const Tensor& t) {
    m_weights.push_back({id + "." + name, t});
  }
  void setConst(const std::string& name, const Tensor& t) {
    Value v;
    v.isConst = true;
    v.value = t;
    v.isInt = t.dtype() == DType::Int64;
    m_values[name] = v;
  }
  void setTensor(const std::string& name, const Endpoint& ep, const Shape& shape) {
    if (name.empty()) return;
    Value v;
    v.ep = ep;
    v.shape = shape;
    m_values[name] = v;
  }
  // A layer with one input `in` and output `out`; returns its endpoint.
  Endpoint layer(const std::string& base, const std::string& type, Json params, const Endpoint& x,
                 const std::string& inPort = "in") {
    const std::string id = newId(base);
    addNode(id, type, std::move(params));
    connect(x, id, inPort);
    return {id, "out"};
  }
  Endpoint layer2(const std::string& base, const std::string& type, const Endpoint& a,
                  const Endpoint& b) {
    const std::string id = newId(base);
    addNode(id, type, Json::object());
    connect(a, id, "a");
    connect(b, id, "b");
    return {id, "out"};
  }

  void addInput(const onnx::ValueInfoProto& in) {
    const auto& type = in.type().tensor_type();
    const int et = type.elem_type();
    if (et != onnx::TensorProto::FLOAT && et != onnx::TensorProto::INT64)
      throw Failure("input '" + in.name() + "': only float32 and int64 inputs import (element "
                    "type " + std::to_string(et) + ")");
    const auto& dims = type.shape().dim();
    if (dims.size() < 1)
      throw Failure("input '" + in.name() + "' is a scalar; a Strata input has a batch dim "
                    "(make it an initializer if it is a constant)");
    Shape shape;
    Json params = Json::array();
    int variable = 0;
    for (int i = 0; i < dims.size(); ++i) {
      const bool known = dims[i].has_dim_value() && dims[i].dim_value() > 0;
      if (known && dims[i].dim_value() > kMaxElements)
        throw Failure("input '" + in.name() + "' declares an implausible dimension");
      shape.push_back(known ? dims[i].dim_value() : -1);
      if (i == 0) continue;
      params.push_back(known ? dims[i].dim_value() : -1);
      if (!known) ++variable;
    }
    if (variable > 1)
      throw Failure("input '" + in.name() + "' has more than one variable dimension after the "
                    "batch");
    const std::string id = newId(in.name());
    addNode(id, "Input",
            {{"shape", params}, {"dtype", et == onnx::TensorProto::INT64 ? "int64" : "float32"}});
    setTensor(in.name(), {id, "out"}, shape);
    m_values[in.name()].isInt = et == onnx::TensorProto::INT64;
  }

  // --- helpers ------------------------------------------------------------------------------
  [[noreturn]] static void fail(const onnx::NodeProto& n, const std::string& why) {
    throw Failure(nodeLabel(n) + ": " + why);
  }
  const Value* in(const onnx::NodeProto& n, int i) const {
    if (i >= n.input_size() || n.input(i).empty()) return nullptr;
    auto it = m_values.find(n.input(i));
    if (it == m_values.end())
      throw Failure(nodeLabel(n) + ": input '" + n.input(i) + "' is produced by no earlier node");
    return &it->second;
  }
  const Value& req(const onnx::NodeProto& n, int i) const {
    const Value* v = in(n, i);
    if (!v) fail(n, "input " + std::to_string(i) + " is missing");
    return *v;
  }
  static std::string out(const onnx::NodeProto& n, int i = 0) {
    return i < n.output_size() ? n.output(i) : std::string();
  }
  bool used(const onnx::NodeProto& n, int i) const {
    return !out(n, i).empty() && m_consumed.count(out(n, i));
  }
  std::vector<int64_t> constInts(const onnx::NodeProto& n, int i, const std::string& what) const {
    const Value& v = req(n, i);
    if (!v.isConst) fail(n, what + " must be a constant (an initializer or Constant)");
    return intsOf(*v.value);
  }
  static Tensor floatConst(const onnx::NodeProto& n, const Value& v) {
    if (v.value->dtype() != DType::Float32) fail(n, "expected a float32 constant");
    return *v.value;
  }

  // A value as an endpoint: constants become Constant nodes (once per value).
  Endpoint materialize(const std::string& name) {
    Value& v = m_values.at(name);
    if (!v.isConst) return v.ep;
    if (v.value->dtype() != DType::Float32)
      throw Failure("value '" + name + "' is an int64 constant used as a tensor");
    const std::string id = newId(name.empty() ? "const" : "const_" + name);
    Json shape = Json::array();
    for (int64_t d : v.value->shape()) shape.push_back(d);
    if (v.value->ndim() == 0) {  // a scalar broadcasts as [1] (Strata tensors have a dim)
      shape.push_back(1);
      v.value = v.value->clone().reshape({1});
    }
    addNode(id, "Constant", {{"shape", shape}});
    addWeight(id, "value", v.value->clone());
    const Tensor t = *v.value;
    v.isConst = false;
    v.ep = {id, "out"};
    v.shape = t.shape();
    v.value.reset();
    return v.ep;
  }
  Endpoint endpointOf(const onnx::NodeProto& n, int i) {
    req(n, i);
    return materialize(n.input(i));
  }
  Shape shapeOf(const onnx::NodeProto& n, int i) const {
    const Value& v = req(n, i);
    return v.isConst ? v.value->shape() : v.shape;
  }
  static bool known(const Shape& s) {
    return std::all_of(s.begin(), s.end(), [](int64_t d) { return d >= 0; });
  }

  // Reshape to `target` (ONNX dims, -1 unknown): dims that stay where they were are written as 0
  // (so the batch stays free), the rest concretely; at most one unknown.
  Endpoint reshapeTo(const onnx::NodeProto& n, const Endpoint& x, const Shape& from,
                     const Shape& target, const std::vector<int>& origin) {
    Json t = Json::array();
    int unknown = 0;
    for (size_t i = 0; i < target.size(); ++i) {
      if (i < origin.size() && origin[i] == static_cast<int>(i) && i < from.size()) {
        t.push_back(0);
      } else if (target[i] >= 0) {
        t.push_back(target[i]);
      } else {
        t.push_back(-1);
        ++unknown;
      }
    }
    if (unknown > 1) fail(n, "the result shape has more than one unknown dim");
    return layer(n.op_type() == "Reshape" ? "reshape" : sanitize(n.op_type()), "Reshape",
                 {{"shape", t}}, x);
  }

  // --- ops ----------------------------------------------------------------------------------
  void visit(const onnx::NodeProto& n) {
    try {
      visitOp(n);
    } catch (const NodeError& e) {
      fail(n, e.what());
    }
  }

  void visitOp(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      fail(n, "ops of domain '" + n.domain() + "' are not supported");
    if (op == "Constant") return constantOp(n);
    bool allConst = true;
    for (int i = 0; i < n.input_size(); ++i)
      if (const Value* v = in(n, i); v && !v->isConst) allConst = false;
    if (op == "Shape" || op == "Size") return shapeOp(n);
    if (allConst && n.input_size() > 0 && foldConstants(n)) return;
    if (op == "ConstantOfShape" || op == "Range")
      fail(n, "its inputs are computed when the model runs; Strata has no layer that makes a "
              "tensor of a run-time size, so " + op + " imports only when its inputs are "
              "known when importing");
    if (op == "Identity" || op == "Dropout") {
      if (op == "Dropout" && used(n, 1)) fail(n, "its mask output is not supported");
      m_values[out(n)] = req(n, 0);
      return;
    }
    if (op == "Cast") {
      const Value& x = req(n, 0);
      if (intAttr(n, "to", 1) != (x.isInt ? 7 : 1))
        fail(n, "casting a computed tensor to another element type is not supported");
      m_values[out(n)] = x;
      return;
    }
    static const std::map<std::string, std::string> unary = {
        {"Relu", "ReLU"}, {"Tanh", "Tanh"}, {"Sigmoid", "Sigmoid"}};
    if (auto it = unary.find(op); it != unary.end()) {
      const Shape s = shapeOf(n, 0);
      setTensor(out(n), layer(sanitize(op), it->second, Json::object(), endpointOf(n, 0)), s);
      return;
    }
    static const std::map<std::string, std::string> functions = {
        {"Exp", "exp"}, {"Log", "log"}, {"Sqrt", "sqrt"}, {"Reciprocal", "reciprocal"},
        {"Abs", "abs"}, {"Neg", "neg"}, {"Erf", "erf"}, {"Softplus", "softplus"},
        {"Softsign", "softsign"}, {"Elu", "elu"}, {"LeakyRelu", "leaky_relu"}, {"Selu", "selu"}};
    if (auto it = functions.find(op); it != functions.end()) {
      float alpha = 1.0f;
      if (op == "Elu") alpha = floatAttr(n, "alpha", 1.0f);
      if (op == "LeakyRelu") alpha = floatAttr(n, "alpha", 0.01f);
      const Shape s = shapeOf(n, 0);
      if (op == "Selu") {
        const float a = floatAttr(n, "alpha", 1.67326319f), g = floatAttr(n, "gamma", 1.05070102f);
        if (std::fabs(a - 1.67326319f) > 1e-6f || std::fabs(g - 1.05070102f) > 1e-6f) {
          // Other constants: Selu = gamma * Elu_alpha, the gamma a one-element Constant (a
          // weight, like PRelu's slope).
          NoGradGuard noGrad;
          const Endpoint elu = layer("selu_elu", "Elementwise",
                                     {{"function", "elu"}, {"alpha", a}}, endpointOf(n, 0));
          const Endpoint gamma = constant("selu_gamma", Tensor::fromVector({1}, std::vector<float>{g}));
          setTensor(out(n), layer2("selu", "Mul", elu, gamma), s);
          return;
        }
      }
      setTensor(out(n), layer(sanitize(op), "Elementwise",
                              {{"function", it->second}, {"alpha", alpha}}, endpointOf(n, 0)),
                s);
      return;
    }
    if (op == "PRelu") {
      // PRelu(x, slope) = Relu(x) - slope * Relu(-x); the slope becomes a Constant (trainable).
      const Shape s = shapeOf(n, 0);
      if (!req(n, 1).isConst) fail(n, "the slope must be a constant (it becomes a weight)");
      const Endpoint x = endpointOf(n, 0), slope = endpointOf(n, 1);
      const Endpoint pos = layer("prelu_pos", "ReLU", Json::object(), x);
      const Endpoint neg = layer("prelu_neg", "ReLU", Json::object(),
                                 layer("prelu_flip", "Elementwise", {{"function", "neg"}}, x));
      setTensor(out(n), layer2("prelu", "Sub", pos, layer2("prelu_scaled", "Mul", slope, neg)), s);
      return;
    }
    if (op == "Softmax" || op == "LogSoftmax") return softmax(n);
    if (op == "LayerNormalization") return layerNorm(n);
    if (op == "Gemm") return gemm(n);
    if (op == "MatMul") return matmul(n);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return binary(n);
    if (op == "Transpose") return transpose(n);
    if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze")
      return reshapeLike(n);
    if (op == "Concat") return concat(n);
    if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceSumSquare")
      return reduce(n);
    if (op == "Gather") return gather(n);
    if (op == "Expand") return expand(n);
    if (op == "LSTM" || op == "GRU" || op == "RNN") return recurrent(n);
    if (op == "Slice") return sliceOp(n);
    if (op == "Split") return splitOp(n);
    fail(n, "the op '" + op + "' has no Strata layer");
  }

  void constantOp(const onnx::NodeProto& n) {
    for (const auto& a : n.attribute()) {
      if (a.name() == "value") {
        auto t = readTensor(a.t());
        if (!t) fail(n, t.message());
        return setConst(out(n), *t);
      }
      if (a.name() == "value_float") return setConst(out(n), Tensor::scalar(a.f()));
      if (a.name() == "value_floats")
        return setConst(out(n), Tensor::fromVector({int64_t(a.floats_size())},
                                                   std::vector<float>(a.floats().begin(),
                                                                      a.floats().end())));
      if (a.name() == "value_int")
        return setConst(out(n), Tensor::fromVector(Shape{}, std::vector<int64_t>{a.i()}));
      if (a.name() == "value_ints")
        return setConst(out(n), Tensor::fromVector({int64_t(a.ints_size())},
                                                   std::vector<int64_t>(a.ints().begin(),
                                                                        a.ints().end())));
    }
    fail(n, "no supported value attribute");
  }

  // Shape and Size read the tracked dims, so they fold whenever the dims they cover are known.
  // A graph input's batch dim counts at the size the ONNX graph declares: where a value computed
  // from it reaches a Reshape at the batch's own place it is written 0 and the batch stays free
  // (reshapeTarget), anywhere else it fixes the imported graph to that batch size, as the ONNX
  // graph was. A dim declared without a size (a dim_param) cannot be read and is refused.
  void shapeOp(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    const int64_t r = static_cast<int64_t>(s.size());
    int64_t b = 0, e = r;
    if (n.op_type() == "Shape") {  // start and end (opset 15) clamp into [0, rank]
      b = intAttr(n, "start", 0);
      e = intAttr(n, "end", r);
      b = std::clamp<int64_t>(b < 0 ? b + r : b, 0, r);
      e = std::clamp<int64_t>(e < 0 ? e + r : e, b, r);
    }
    for (int64_t i = b; i < e; ++i)
      if (s[i] < 0)
        fail(n, "dim " + std::to_string(i) + " of '" + n.input(0) + "' " +
                (i == 0 ? "(the batch) " : "") + "has no size known when importing; Strata "
                "folds shape arithmetic only over known sizes (declare the dim's size)");
    if (n.op_type() == "Size")
      return setConst(out(n), Tensor::fromVector(Shape{}, std::vector<int64_t>{numel(s)}));
    setConst(out(n), Tensor::fromVector({e - b}, std::vector<int64_t>(s.begin() + b,
                                                                      s.begin() + e)));
  }

  // An op whose inputs are all constant, evaluated now (constant_folding.cpp); false when its op
  // is not one that folds, and the op is written as layers (with Constant operands) instead.
  bool foldConstants(const onnx::NodeProto& n) {
    std::vector<const Tensor*> inputs;
    for (int i = 0; i < n.input_size(); ++i) {
      const Value* v = in(n, i);
      inputs.push_back(v ? &*v->value : nullptr);
    }
    auto outs = foldNode(n, inputs);
    if (!outs) return false;
    for (size_t k = 0; k < outs->size() && k < size_t(n.output_size()); ++k)
      if (!out(n, int(k)).empty()) setConst(out(n, int(k)), (*outs)[k]);
    return true;
  }

  // A node's constant operand that steers the op (Reshape's shape, Squeeze's axes); null when
  // the optional input is omitted.
  const Tensor* constOperand(const onnx::NodeProto& n, int i, const std::string& what) const {
    const Value* v = in(n, i);
    if (!v) return nullptr;
    if (!v->isConst)
      fail(n, what + " must be known when importing (an initializer, a Constant, or shape "
                     "arithmetic on known shapes); here it is computed when the model runs");
    return &*v->value;
  }

  void reshapeLike(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    std::vector<int> origin;
    const Tensor* operand =
        constOperand(n, 1, n.op_type() == "Reshape" ? "the target shape" : "axes");
    const Shape t = reshapeTarget(n, s, operand, &origin);
    if (t.empty()) fail(n, "the result is a scalar; Strata tensors keep a batch dim");
    setTensor(out(n), reshapeTo(n, endpointOf(n, 0), s, t, origin), t);
  }

  void transpose(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    std::vector<int64_t> perm;
    if (auto p = intsAttr(n, "perm")) perm = *p;
    else for (int64_t i = static_cast<int64_t>(s.size()) - 1; i >= 0; --i) perm.push_back(i);
    if (perm.size() != s.size()) fail(n, "perm does not match the input's rank");
    bool identity = true;
    Shape o;
    for (size_t i = 0; i < perm.size(); ++i) {
      if (perm[i] < 0 || perm[i] >= int64_t(s.size())) fail(n, "perm is not a permutation");
      identity = identity && perm[i] == int64_t(i);
      o.push_back(s[perm[i]]);
    }
    const Endpoint x = endpointOf(n, 0);
    setTensor(out(n), identity ? x : layer("permute", "Permute", {{"dims", perm}}, x), o);
  }

  // Wraps an op that Strata refuses on the batch dim (dim 0): prepend a unit dim, run the op on
  // dim + 1, and drop the unit dim again.
  Endpoint withUnitBatch(const onnx::NodeProto& n, const Endpoint& x, const Shape& s,
                         const std::function<Endpoint(const Endpoint&)>& body) {
    Json up = Json::array({1}), down = Json::array({-1});
    if (!known(s)) fail(n, "working over the batch dim needs a known input shape");
    for (int64_t d : s) up.push_back(d);
    for (size_t i = 1; i < s.size(); ++i) down.push_back(s[i]);
    const Endpoint a = layer("unsqueeze", "Reshape", {{"shape", up}}, x);
    return layer("squeeze", "Reshape", {{"shape", down}}, body(a));
  }

  void softmax(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    const bool log = n.op_type() == "LogSoftmax";
    const int axis = normAxis(intAttr(n, "axis", m_opset >= 13 ? -1 : 1), s.size());
    const std::string type = log ? "LogSoftmax" : "Softmax";
    Endpoint x = endpointOf(n, 0);
    if (m_opset < 13 && axis != static_cast<int>(s.size()) - 1) {
      // Before opset 13 the input is flattened to 2-D at `axis` and normalised over the rest.
      if (axis == 0) fail(n, "opset < 13 softmax over everything (axis 0) is not supported");
      Json flat = Json::array();
      for (int i = 0; i < axis; ++i) flat.push_back(0);
      flat.push_back(-1);
      Json back = Json::array();
      for (size_t i = 0; i < s.size(); ++i) back.push_back(int(i) < axis ? 0 : s[i]);
      const Endpoint f = layer("flatten", "Reshape", {{"shape", flat}}, x);
      const Endpoint y = layer(sanitize(type), type, {{"dim", -1}}, f);
      setTensor(out(n), layer("unflatten", "Reshape", {{"shape", back}}, y), s);
      return;
    }
    if (axis == 0 && !log) {
      setTensor(out(n), withUnitBatch(n, x, s, [&](const Endpoint& a) {
                  return layer("softmax", "Softmax", {{"dim", 1}}, a);
                }), s);
      return;
    }
    setTensor(out(n), layer(sanitize(type), type, {{"dim", axis}}, x), s);
  }

  void layerNorm(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    const int r = static_cast<int>(s.size());
    const int axis = normAxis(intAttr(n, "axis", -1), s.size());
    const Value& w = req(n, 1);
    const Value* b = in(n, 2);
    if (!w.isConst || (b && !b->isConst))
      fail(n, "Scale and B must be constants (Strata's LayerNorm learns them as weights)");
    int64_t d = 1;
    for (int i = axis; i < r; ++i) {
      if (s[i] < 0) fail(n, "the normalised dims must be known when importing");
      d *= s[i];
    }
    const Tensor wt = floatConst(n, w);
    if (wt.numel() != d) fail(n, "Scale has " + std::to_string(wt.numel()) + " values for " +
                                     std::to_string(d) + " normalised elements");
    Tensor bt = b ? floatConst(n, *b) : Tensor::zeros({d});
    if (bt.numel() != d) fail(n, "B does not match the normalised elements");
    const float eps = floatAttr(n, "epsilon", 1e-5f);
    auto norm = [&](const Endpoint& x) {
      const std::string id = newId("layernorm");
      addNode(id, "LayerNorm", {{"normalized_shape", d}, {"eps", eps}});
      connect(x, id, "in");
      addWeight(id, "weight", wt.clone().reshape({d}));
      addWeight(id, "bias", bt.clone().reshape({d}));
      return Endpoint{id, "out"};
    };
    Endpoint x = endpointOf(n, 0);
    if (used(n, 1) || used(n, 2)) {
      // Mean and InvStdDev = 1 / sqrt(biased variance + epsilon) over the normalised dims.
      Json dims = Json::array();
      Shape stat = s;
      for (int i = axis; i < r; ++i) {
        dims.push_back(i);
        stat[i] = 1;
      }
      const Json mean = {{"mode", "mean"}, {"dims", dims}, {"keepdim", true}};
      const Endpoint mu = layer("mean", "Reduce", mean, x);
      setTensor(out(n, 1), mu, stat);
      const Endpoint centred = layer2("centred", "Sub", x, mu);
      const Endpoint var = layer("variance", "Reduce", mean, layer2("square", "Mul", centred,
                                                                    centred));
      const Endpoint sd = layer("std", "Elementwise", {{"function", "sqrt"}},
                                layer2("var_eps", "Add", var,
                                       constant("epsilon", Tensor::full({1}, eps))));
      setTensor(out(n, 2), layer("inv_std", "Elementwise", {{"function", "reciprocal"}}, sd),
                stat);
    }
    if (axis == r - 1 && r >= 2) {
      setTensor(out(n), norm(x), s);
      return;
    }
    if (axis >= 1) {
      Json flat = Json::array(), back = Json::array();
      for (int i = 0; i < axis; ++i) flat.push_back(0);
      flat.push_back(-1);
      for (int i = 0; i < r; ++i) back.push_back(i < axis ? 0 : s[i]);
      const Endpoint f = layer("flatten", "Reshape", {{"shape", flat}}, x);
      setTensor(out(n), layer("unflatten", "Reshape", {{"shape", back}}, norm(f)), s);
      return;
    }
    // axis 0: everything, batch included, is one normalised group.
    if (!known(s)) fail(n, "normalising over the batch dim needs a known input shape");
    const Endpoint f = layer("flatten", "Reshape", {{"shape", Json::array({1, -1})}}, x);
    Json back = Json::array();
    for (int64_t v : s) back.push_back(v);
    setTensor(out(n), layer("unflatten", "Reshape", {{"shape", back}}, norm(f)), s);
  }

  // A Constant holding `t` (a scale or bias made while importing).
  Endpoint constant(const std::string& base, const Tensor& t) {
    const std::string id = newId(base);
    Json shape = Json::array();
    for (int64_t d : t.shape()) shape.push_back(d);
    addNode(id, "Constant", {{"shape", shape}});
    addWeight(id, "value", t);
    return {id, "out"};
  }

  Endpoint linear(const Endpoint& x, const Shape&, const Tensor& w, const Tensor* bias,
                  const std::string& base = "linear") {
    const std::string id = newId(base);
    // in_features given: the input's last dim may be Strata's symbolic batch.
    Json p = {{"in_features", w.size(1)}, {"out_features", w.size(0)}, {"bias", bias != nullptr}};
    addNode(id, "Linear", p);
    connect(x, id, "in");
    addWeight(id, "weight", w);
    if (bias) addWeight(id, "bias", *bias);
    return {id, "out"};
  }

  static Tensor transposed2d(const Tensor& w) {
    NoGradGuard g;
    return ops::permute(w, {1, 0});
  }

  void gemm(const onnx::NodeProto& n) {
    NoGradGuard noGrad;
    const float alpha = floatAttr(n, "alpha", 1.0f), beta = floatAttr(n, "beta", 1.0f);
    const bool tA = intAttr(n, "transA", 0) != 0, tB = intAttr(n, "transB", 0) != 0;
    const Value& A = req(n, 0);
    const Value& B = req(n, 1);
    const Value* C = in(n, 2);
    Shape as = shapeOf(n, 0), bs = shapeOf(n, 1);
    if (as.size() != 2 || bs.size() != 2) fail(n, "A and B must be matrices");
    if (A.isConst && B.isConst) fail(n, "both operands constant: nothing to compute");
    Endpoint a = endpointOf(n, 0);
    if (tA) {
      a = layer("transpose_a", "Permute", {{"dims", {1, 0}}}, a);
      std::swap(as[0], as[1]);
    }
    const int64_t M = as[0];
    const int64_t N = tB ? bs[0] : bs[1];
    Endpoint y;
    bool biasDone = false;
    if (B.isConst) {
      Tensor w = tB ? B.value->clone() : transposed2d(*B.value);  // [N, K]
      if (alpha != 1.0f) w = ops::scale(w, alpha);
      // A bias that is one row (C of [N], [1, N], [1] or a scalar) goes into the Linear.
      std::optional<Tensor> bias;
      if (C && C->isConst && C->value->dtype() == DType::Float32) {
        const Shape& cs = C->value->shape();
        const bool row = C->value->numel() == N ||
                         (C->value->numel() == 1 && (cs.size() <= 1 || cs[0] == 1));
        if (row && (cs.size() < 2 || cs[0] == 1)) {
          Tensor b = ops::expand(C->value->reshape(C->value->numel() == 1 ? Shape{1}
                                                                          : Shape{N}),
                                 Shape{N});
          bias = ops::scale(b.clone(), beta);
          biasDone = true;
        }
      }
      y = linear(a, as, w, bias ? &*bias : nullptr, "gemm");
    } else {
      Endpoint b = endpointOf(n, 1);
      if (tB) b = layer("transpose_b", "Permute", {{"dims", {1, 0}}}, b);
      y = layer2("gemm", "MatMul", a, b);
      if (alpha != 1.0f) y = layer2("alpha", "Mul", y, constant("alpha", Tensor::full({1}, alpha)));
    }
    if (C && !biasDone) {
      Endpoint c;
      if (C->isConst) {
        c = constant("gemm_c", ops::scale(C->value->clone(), beta));
      } else {
        c = endpointOf(n, 2);
        if (beta != 1.0f) c = layer2("beta", "Mul", c, constant("beta", Tensor::full({1}, beta)));
      }
      y = layer2("gemm_bias", "Add", y, c);
    }
    setTensor(out(n), y, {M, N});
  }

  void matmul(const onnx::NodeProto& n) {
    NoGradGuard noGrad;
    const Value& A = req(n, 0);
    const Value& B = req(n, 1);
    const Shape as = shapeOf(n, 0), bs = shapeOf(n, 1);
    if (as.size() < 2 || bs.size() < 2)
      fail(n, "1-D operands are not supported (Strata's MatMul takes matrices)");
    Shape o;
    {
      const Shape ba(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
      Shape batch(std::max(ba.size(), bb.size()), 1);
      for (size_t i = 0; i < batch.size(); ++i) {
        const int64_t x = i < batch.size() - ba.size() ? 1 : ba[i - (batch.size() - ba.size())];
        const int64_t y = i < batch.size() - bb.size() ? 1 : bb[i - (batch.size() - bb.size())];
        batch[i] = x == 1 ? y : x;
      }
      o = batch;
      o.push_back(as[as.size() - 2]);
      o.push_back(bs.back());
    }
    if (B.isConst && bs.size() == 2 && !A.isConst) {
      // x @ W: a bias-less Linear with weight Wᵀ; an Add of a bias vector may complete it.
      const Endpoint y = linear(endpointOf(n, 0), as, transposed2d(*B.value), nullptr);
      setTensor(out(n), y, o);
      m_values[out(n)].pendingLinear = y.node;
      return;
    }
    setTensor(out(n), layer2("matmul", "MatMul", endpointOf(n, 0), endpointOf(n, 1)), o);
  }

  void binary(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    const Value& a = req(n, 0);
    const Value& b = req(n, 1);
    if ((a.isInt && !a.isConst) || (b.isInt && !b.isConst))
      fail(n, "arithmetic on int64 tensors is not supported");
    // A MatMul's Linear followed by + bias[N] becomes a Linear with a bias.
    if (op == "Add") {
      const Value* lin = !a.pendingLinear.empty() ? &a : !b.pendingLinear.empty() ? &b : nullptr;
      const Value* other = lin == &a ? &b : &a;
      if (lin && other->isConst && other->value->dtype() == DType::Float32 &&
          other->value->ndim() == 1) {
        GraphNode& ln = *m_doc.node(lin->pendingLinear);
        if (other->value->numel() == ln.params["out_features"].get<int64_t>() &&
            !ln.params["bias"].get<bool>()) {
          ln.params["bias"] = true;
          addWeight(ln.id, "bias", other->value->clone());
          Value v = *lin;
          v.pendingLinear.clear();
          m_values[out(n)] = v;
          return;
        }
      }
    }
    const Shape as = shapeOf(n, 0), bs = shapeOf(n, 1);
    Shape o(std::max(as.size(), bs.size()), 1);
    for (size_t i = 0; i < o.size(); ++i) {
      const int64_t x = i < o.size() - as.size() ? 1 : as[i - (o.size() - as.size())];
      const int64_t y = i < o.size() - bs.size() ? 1 : bs[i - (o.size() - bs.size())];
      if (x != y && x != 1 && y != 1 && x >= 0 && y >= 0)
        fail(n, "shapes " + shapeToString(as) + " and " + shapeToString(bs) +
                " do not broadcast");
      o[i] = x == 1 ? y : x;
    }
    const Endpoint ea = endpointOf(n, 0), eb = endpointOf(n, 1);
    setTensor(out(n), layer2(sanitize(op), op, ea, eb), o);
  }

  void concat(const onnx::NodeProto& n) {
    std::vector<Endpoint> xs;
    std::vector<Shape> shapes;
    for (int i = 0; i < n.input_size(); ++i) {
      shapes.push_back(shapeOf(n, i));
      xs.push_back(endpointOf(n, i));
    }
    const int axis = normAxis(intAttr(n, "axis", 0), shapes.at(0).size());
    const auto [y, o] = joinAlong(n, xs, shapes, axis);
    setTensor(out(n), y, o);
  }

  // Tensors joined along `axis` by a Concat. Along the batch dim (0), which Strata's Concat does
  // not take, each input goes in as [1, ...] with concrete sizes, joined along dim 1 and
  // reshaped back (the imported graph is then fixed to those sizes). Returns it and its shape.
  std::pair<Endpoint, Shape> joinAlong(const onnx::NodeProto& n, const std::vector<Endpoint>& xs,
                                       const std::vector<Shape>& shapes, int axis) {
    const Shape& s0 = shapes.at(0);
    Shape o = s0;
    o[axis] = 0;
    for (const Shape& s : shapes) {
      if (s.size() != s0.size()) fail(n, "inputs differ in rank");
      o[axis] = (o[axis] < 0 || s[axis] < 0) ? -1 : o[axis] + s[axis];
    }
    auto cat = [&](const std::vector<Endpoint>& parts, int dim) {
      const std::string id = newId("concat");
      addNode(id, "Concat", {{"dim", dim}});
      for (size_t i = 0; i < parts.size(); ++i) connect(parts[i], id, "in" + std::to_string(i));
      return Endpoint{id, "out"};
    };
    if (axis > 0) return {cat(xs, axis), o};
    std::vector<Endpoint> parts;
    for (size_t i = 0; i < xs.size(); ++i) {
      if (!known(shapes[i])) fail(n, "joining along the batch dim needs known input shapes");
      Json up = Json::array({1});
      for (int64_t d : shapes[i]) up.push_back(d);
      parts.push_back(layer("unsqueeze", "Reshape", {{"shape", up}}, xs[i]));
    }
    Json down = Json::array();
    for (int64_t d : o) down.push_back(d);
    return {layer("squeeze", "Reshape", {{"shape", down}}, cat(parts, 1)), o};
  }

  // Expand of a computed tensor to a constant shape (numpy broadcasting, both ways): a Reshape
  // adds the missing leading dims, and each dim that grows from 1 to k becomes k copies joined
  // by Concat. Strata has no repeat layer, and a broadcasting Add of a zero Constant would bring
  // a weight that trains away from zero; the copies keep the op exact and weightless.
  void expand(const onnx::NodeProto& n) {
    static constexpr int64_t kMaxCopies = 256;  // beyond this the graph stops being editable
    Shape s = shapeOf(n, 0);
    const Tensor* shapeIn = constOperand(n, 1, "the target shape");
    if (!shapeIn) fail(n, "the target shape is missing");
    const std::vector<int64_t> dims = intsOf(*shapeIn);
    const size_t r = std::max(s.size(), dims.size());
    Shape o(r);
    for (size_t i = 0; i < r; ++i) {
      const int64_t x = i < r - s.size() ? 1 : s[i - (r - s.size())];
      const int64_t t = i < r - dims.size() ? 1 : dims[i - (r - dims.size())];
      if (t < 1) fail(n, "the target shape holds a size of " + std::to_string(t));
      if (x < 0 && t != 1)
        fail(n, "dim " + std::to_string(i) + " of the input has no size known when importing, "
                "so broadcasting it to " + std::to_string(t) + " cannot be checked");
      if (x != 1 && t != 1 && x != t)
        fail(n, "shapes " + shapeToString(s) + " and " + shapeToString(Shape(dims)) +
                " do not broadcast");
      o[i] = x == 1 ? t : x;
    }
    Endpoint x = endpointOf(n, 0);
    if (s.size() < r) {
      Shape up(r - s.size(), 1);
      up.insert(up.end(), s.begin(), s.end());
      x = reshapeTo(n, x, s, up, std::vector<int>(r, -1));  // every dim moves
      s = up;
    }
    for (size_t i = 0; i < r; ++i) {
      if (s[i] == o[i]) continue;
      if (o[i] > kMaxCopies)
        fail(n, "growing dim " + std::to_string(i) + " from 1 to " + std::to_string(o[i]) +
                " takes that many copies; Strata writes Expand as copies joined by Concat, up "
                "to " + std::to_string(kMaxCopies));
      const auto joined = joinAlong(n, std::vector<Endpoint>(size_t(o[i]), x),
                                    std::vector<Shape>(size_t(o[i]), s), int(i));
      x = joined.first;
      s = joined.second;
    }
    setTensor(out(n), x, o);
  }

  // Slice of a computed tensor with constant bounds: per axis, step 1 is one Slice layer; any
  // other step (every k-th, or backwards) picks its positions as gatherSlices does.
  void sliceOp(const onnx::NodeProto& n) {
    Shape s = shapeOf(n, 0);
    const auto starts = constInts(n, 1, "starts"), ends = constInts(n, 2, "ends");
    std::vector<int64_t> axes, steps;
    if (in(n, 3)) axes = constInts(n, 3, "axes");
    else for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
    if (in(n, 4)) steps = constInts(n, 4, "steps");
    else steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      fail(n, "starts, ends, axes and steps differ in length");
    Endpoint x = endpointOf(n, 0);
    for (size_t k = 0; k < starts.size(); ++k) {
      const int axis = normAxis(axes[k], s.size());
      const int64_t dim = s[axis], step = steps[k];
      if (step == 0) fail(n, "a step of 0");
      if (dim < 0) fail(n, "slicing a dim whose size is unknown when importing");
      // The ONNX rule: negative bounds count from the end, then clamp to [0, dim] going
      // forwards and to [-1, dim - 1] going backwards (INT64 extremes stand for "to the end").
      auto bound = [&](int64_t v, int64_t lo, int64_t hi) {
        if (v < 0 && v >= -dim) v += dim;
        return std::clamp<int64_t>(v, lo, hi);
      };
      const int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
      const int64_t b = bound(starts[k], lo, hi), e = bound(ends[k], lo, hi);
      if (step == 1) {
        const int64_t end = std::max(b, e);  // an end before the start is an empty slice
        if (b == 0 && end == dim) continue;
        x = layer("slice", "Slice", {{"dim", axis}, {"start", b}, {"end", end}}, x);
        s[axis] = end - b;
        continue;
      }
      std::vector<int64_t> picks;
      for (int64_t i = b; step > 0 ? i < e : i > e; i += step) picks.push_back(i);
      if (picks.empty()) fail(n, "the slice along dim " + std::to_string(axis) + " is empty");
      std::tie(x, s) = pickAlong(n, x, s, axis, picks, "slice");
    }
    setTensor(out(n), x, s);
  }

  void splitOp(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    const int axis = normAxis(intAttr(n, "axis", 0), s.size());
    if (s[axis] < 0) fail(n, "splitting a dim whose size is unknown when importing");
    std::vector<int64_t> sizes;
    if (in(n, 1)) sizes = constInts(n, 1, "split");
    else if (auto a = intsAttr(n, "split")) sizes = *a;
    else {
      const int64_t parts = n.output_size();
      if (parts < 1 || s[axis] % parts) fail(n, "cannot split " + shapeToString(s) + " evenly");
      sizes.assign(static_cast<size_t>(parts), s[axis] / parts);
    }
    if (static_cast<int>(sizes.size()) != n.output_size())
      fail(n, "the split sizes do not match the outputs");
    const Endpoint x = endpointOf(n, 0);
    int64_t start = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      if (sizes[k] < 0 || start + sizes[k] > s[axis]) fail(n, "split sizes exceed the axis");
      Shape o = s;
      o[axis] = sizes[k];
      if (sizes[k] == 0) fail(n, "an empty part (size 0) is not supported");
      setTensor(out(n, int(k)),
                layer("split", "Slice", {{"dim", axis}, {"start", start},
                                         {"end", start + sizes[k]}}, x),
                o);
      start += sizes[k];
    }
  }

  void reduce(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    std::vector<int64_t> axes;
    if (in(n, 1)) axes = constInts(n, 1, "axes");
    else if (auto a = intsAttr(n, "axes")) axes = *a;
    const bool keep = intAttr(n, "keepdims", 1) != 0;
    if (axes.empty() && intAttr(n, "noop_with_empty_axes", 0) != 0) {
      m_values[out(n)] = req(n, 0);
      return;
    }
    std::set<int> ax;
    for (int64_t a : axes) ax.insert(normAxis(a, s.size()));
    Shape o;
    for (size_t i = 0; i < s.size(); ++i) {
      const bool red = ax.empty() || ax.count(int(i));
      if (!red) o.push_back(s[i]);
      else if (keep) o.push_back(1);
    }
    if (o.empty()) fail(n, "reducing to a scalar is not supported (set keepdims=1)");
    Json dims = Json::array();
    for (int a : ax) dims.push_back(a);
    const std::string mode = n.op_type() == "ReduceMean" ? "mean"
                             : n.op_type() == "ReduceMax" ? "max" : "sum";
    Endpoint x = endpointOf(n, 0);
    if (n.op_type() == "ReduceSumSquare") x = layer2("square", "Mul", x, x);
    setTensor(out(n), layer("reduce", "Reduce", {{"mode", mode}, {"dims", dims}, {"keepdim", keep}},
                            x),
              o);
  }

  void gather(const onnx::NodeProto& n) {
    const Value& w = req(n, 0);
    const Value& ids = req(n, 1);
    if (w.isConst && !ids.isConst) return gatherRows(n, w, ids);
    if (!w.isConst && ids.isConst) return gatherSlices(n);
    fail(n, "both the data and the indices are computed when the model runs; Strata imports "
            "a Gather of a constant table at computed ids (an Embedding) or of a computed "
            "tensor at constant indices (Slices)");
  }

  // Gather(constant table, computed ids) along axis k: an Embedding whose rows are the table's
  // slices along k (the table permuted so that k leads, each slice flattened), reshaped back and
  // permuted so that the ids' dims sit where axis k was: out = table[:k] + ids + table[k+1:].
  void gatherRows(const onnx::NodeProto& n, const Value& w, const Value& ids) {
    NoGradGuard noGrad;
    if (w.value->dtype() != DType::Float32 || !ids.isInt)
      fail(n, "a constant table must be float32 and its computed indices int64 (an Embedding)");
    const Shape& ts = w.value->shape();
    const int k = normAxis(intAttr(n, "axis", 0), ts.size());
    std::vector<int> lead{k};  // the table with axis k first
    for (int i = 0; i < static_cast<int>(ts.size()); ++i)
      if (i != k) lead.push_back(i);
    const Tensor table = k == 0 ? *w.value : ops::permute(*w.value, lead);
    const int64_t V = ts[k], row = table.numel() / std::max<int64_t>(V, 1);
    const std::string id = newId("embedding");
    addNode(id, "Embedding", {{"num_embeddings", V}, {"embedding_dim", row}});
    connect(ids.ep, id, "in");
    addWeight(id, "weight", table.clone().reshape({V, row}));
    // [ids..., row] -> [ids..., table dims but k] (the ids' dims, the batch first, stay free).
    const int m = static_cast<int>(ids.shape.size());
    Shape o = ids.shape;
    Json t = Json::array();
    for (int i = 0; i < m; ++i) t.push_back(0);
    for (size_t i = 1; i < lead.size(); ++i) {
      t.push_back(ts[lead[i]]);
      o.push_back(ts[lead[i]]);
    }
    Endpoint e{id, "out"};
    if (ts.size() != 2) e = layer("unflatten", "Reshape", {{"shape", t}}, e);
    if (k > 0) {  // the table's dims before k back in front of the ids' dims
      std::vector<int64_t> perm;
      for (int i = 0; i < k; ++i) perm.push_back(m + i);
      for (int i = 0; i < m; ++i) perm.push_back(i);
      for (int i = m + k; i < static_cast<int>(o.size()); ++i) perm.push_back(i);
      Shape permuted;
      for (int64_t p : perm) permuted.push_back(o[p]);
      e = layer("permute", "Permute", {{"dims", perm}}, e);
      o = permuted;
    }
    setTensor(out(n), e, o);
  }

  // The positions `picks` of dim k of x, in that order: each run of consecutive positions is
  // one Slice, the runs joined by Concat. Serves Gather with constant indices and Slice with a
  // step other than 1.
  std::pair<Endpoint, Shape> pickAlong(const onnx::NodeProto& n, const Endpoint& x,
                                       const Shape& s, int k, const std::vector<int64_t>& picks,
                                       const char* name) {
    static constexpr size_t kMaxRuns = 256;  // beyond this the graph stops being editable
    std::vector<Endpoint> parts;
    std::vector<Shape> shapes;
    for (size_t i = 0; i < picks.size();) {
      if (parts.size() == kMaxRuns)
        fail(n, "the positions picked along dim " + std::to_string(k) + " form more than " +
                std::to_string(kMaxRuns) + " runs of consecutive positions; Strata writes " +
                n.op_type() + " as one Slice per run");
      size_t j = i + 1;
      while (j < picks.size() && picks[j] == picks[j - 1] + 1) ++j;
      const int64_t b = picks[i], e = picks[j - 1] + 1;
      Shape part = s;
      part[k] = e - b;
      parts.push_back(b == 0 && e == s[k]
                          ? x
                          : layer(name, "Slice", {{"dim", k}, {"start", b}, {"end", e}}, x));
      shapes.push_back(part);
      i = j;
    }
    return parts.size() == 1 ? std::pair(parts[0], shapes[0]) : joinAlong(n, parts, shapes, k);
  }

  // Gather(computed tensor, constant indices) along axis k: each run of consecutive indices is
  // one Slice, the runs joined by Concat, then a Reshape when the indices are not a vector (a
  // scalar index drops the axis, a matrix of indices splits it).
  void gatherSlices(const onnx::NodeProto& n) {
    const Shape s = shapeOf(n, 0);
    const int k = normAxis(intAttr(n, "axis", 0), s.size());
    if (s[k] < 0) fail(n, "gathering along a dim whose size is unknown when importing");
    const Tensor& idx = *req(n, 1).value;
    std::vector<int64_t> picks = intsOf(idx);
    if (picks.empty()) fail(n, "no indices: an empty result is not supported");
    for (int64_t& p : picks) {
      if (p < -s[k] || p >= s[k])
        fail(n, "index " + std::to_string(p) + " is out of range for dim " +
                std::to_string(k) + " of size " + std::to_string(s[k]));
      if (p < 0) p += s[k];
    }
    auto [y, flat] = pickAlong(n, endpointOf(n, 0), s, k, picks, "gather");
    Shape o(s.begin(), s.begin() + k);
    o.insert(o.end(), idx.shape().begin(), idx.shape().end());
    o.insert(o.end(), s.begin() + k + 1, s.end());
    if (idx.ndim() != 1) {
      if (o.empty()) fail(n, "the result is a scalar; Strata tensors keep a batch dim");
      std::vector<int> origin(o.size(), -1);  // the dims before k stay in place
      for (int i = 0; i < k; ++i) origin[i] = i;
      y = reshapeTo(n, y, flat, o, origin);
    }
    setTensor(out(n), y, o);
  }

  // ONNX gate blocks of one direction -> PyTorch's order: w [G*H, ...].
  static Tensor pytorchGates(const Tensor& w, const std::vector<int>& fromOnnx, int64_t H) {
    const int64_t rowLen = w.numel() / w.size(0);
    Tensor out = Tensor::empty(w.shape());
    for (size_t g = 0; g < fromOnnx.size(); ++g)
      std::memcpy(out.f32() + g * H * rowLen, w.f32() + fromOnnx[g] * H * rowLen,
                  sizeof(float) * H * rowLen);
    return out;
  }
  static Tensor rows(const Tensor& w, int64_t d, int64_t offset, int64_t count) {
    const int64_t rowLen = w.numel() / (w.size(0) * w.size(1));
    Shape s(w.shape().begin() + 1, w.shape().end());
    s[0] = count;
    Tensor out = Tensor::empty(s);
    std::memcpy(out.f32(), w.f32() + (d * w.size(1) + offset) * rowLen,
                sizeof(float) * count * rowLen);
    return out;
  }

  void recurrent(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    const bool lstm = op == "LSTM";
    const int64_t layoutAttr = intAttr(n, "layout", 0);
    if (layoutAttr != 0 && layoutAttr != 1) fail(n, "layout must be 0 or 1");
    const bool batchwise = layoutAttr == 1;
    const Shape xs = shapeOf(n, 0);
    if (xs.size() != 3) fail(n, "X must be 3-D");
    const Value* W = in(n, 1);
    const Value* Rm = in(n, 2);
    const Value* B = in(n, 3);
    if (!W || !W->isConst || !Rm || !Rm->isConst || (B && !B->isConst))
      fail(n, "W, R and B must be constants (initializers): they become the layer's weights");
    if (lstm && in(n, 7))
      fail(n, "peepholes (input P) are not supported: Strata's LSTM, like PyTorch's, has none");
    const int64_t T = batchwise ? xs[1] : xs[0];
    if (const Value* sl = in(n, 4)) {
      bool full = sl->isConst && T >= 0;
      if (full)
        for (int64_t v : intsOf(*sl->value)) full = full && v == T;
      if (!full)
        fail(n, "sequence_lens (per-sample lengths) is not supported: pad the sequences and "
                "mask the loss instead");
    }
    const std::string dir = strAttr(n, "direction", "forward");
    if (dir != "forward" && dir != "bidirectional")
      fail(n, "direction '" + dir + "' is not supported (forward or bidirectional)");
    if (attr(n, "clip")) fail(n, "cell clipping (clip) is not supported");
    if (lstm && intAttr(n, "input_forget", 0) != 0) fail(n, "input_forget=1 is not supported");
    const int64_t D = dir == "bidirectional" ? 2 : 1;
    const int64_t H = intAttr(n, "hidden_size", 0);
    const int64_t G = lstm ? 4 : op == "GRU" ? 3 : 1;
    const Tensor& w = *W->value;
    const Tensor& rm = *Rm->value;
    if (H < 1 || w.ndim() != 3 || w.size(0) != D || w.size(1) != G * H || rm.ndim() != 3 ||
        rm.size(0) != D || rm.size(1) != G * H || rm.size(2) != H ||
        (B && (B->value->ndim() != 2 || B->value->size(0) != D ||
               B->value->size(1) != 2 * G * H)))
      fail(n, "W/R/B shapes do not match hidden_size " + std::to_string(H) + " and direction");
    Json params{{"hidden_size", H}, {"bidirectional", D == 2}, {"bias", B != nullptr}};
    std::vector<std::string> acts;
    if (const auto* a = attr(n, "activations"))
      acts.assign(a->strings().begin(), a->strings().end());
    if (attr(n, "activation_alpha") || attr(n, "activation_beta"))
      fail(n, "activation_alpha/beta are not supported");
    if (op == "RNN") {
      for (const auto& a : acts)
        if (a != acts[0] || (a != "Relu" && a != "Tanh"))
          fail(n, "activations other than Tanh or Relu (the same for both directions) are not "
                  "supported");
      params["nonlinearity"] = !acts.empty() && acts[0] == "Relu" ? "relu" : "tanh";
    } else {
      const std::vector<std::string> def =
          lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
               : std::vector<std::string>{"Sigmoid", "Tanh"};
      for (size_t i = 0; i < acts.size(); ++i)
        if (acts[i] != def[i % def.size()])
          fail(n, "custom activations are not supported (only the defaults " +
                  std::string(lstm ? "Sigmoid, Tanh, Tanh" : "Sigmoid, Tanh") + ")");
    }
    if (op == "GRU") params["linear_before_reset"] = intAttr(n, "linear_before_reset", 0) != 0;

    const std::string id = newId(op == "LSTM" ? "lstm" : op == "GRU" ? "gru" : "rnn");
    addNode(id, op, params);
    // X: sequence-first [T, N, I] needs a Permute to Strata's batch-first [N, T, I].
    const Endpoint x = endpointOf(n, 0);
    connect(batchwise ? x : layer("to_batch_first", "Permute", {{"dims", {1, 0, 2}}}, x), id,
            "in");
    const int64_t N = batchwise ? xs[0] : xs[1];
    // Initial states: ONNX [D, N, H] (layout 0) or [N, D, H] (layout 1); zeros stay unconnected.
    auto state = [&](int i, const std::string& port) {
      const Value* s = in(n, i);
      if (!s) return;
      if (s->isConst) {
        bool zero = true;
        const Tensor& t = *s->value;
        for (int64_t k = 0; k < t.numel() && zero; ++k)
          zero = t.dtype() == DType::Float32 && t.f32()[k] == 0.0f;
        if (zero) return;
      }
      Endpoint e = endpointOf(n, i);
      if (batchwise) e = layer("state_to_dnh", "Permute", {{"dims", {1, 0, 2}}}, e);
      connect(e, id, port);
    };
    state(5, "h0");
    if (lstm) state(6, "c0");
    const std::vector<int> fromOnnx = lstm ? std::vector<int>{0, 2, 3, 1}
                                      : op == "GRU" ? std::vector<int>{1, 0, 2}
                                                    : std::vector<int>{0};
    for (int64_t d = 0; d < D; ++d) {
      const std::string sfx = std::string("_l0") + (d == 1 ? "_reverse" : "");
      addWeight(id, "weight_ih" + sfx, pytorchGates(rows(w, d, 0, G * H), fromOnnx, H));
      addWeight(id, "weight_hh" + sfx, pytorchGates(rows(rm, d, 0, G * H), fromOnnx, H));
      if (B) {
        addWeight(id, "bias_ih" + sfx, pytorchGates(rows(*B->value, d, 0, G * H), fromOnnx, H));
        addWeight(id, "bias_hh" + sfx,
                  pytorchGates(rows(*B->value, d, G * H, G * H), fromOnnx, H));
      }
    }
    // Y: [T, D, N, H] (layout 0) or [N, T, D, H] (layout 1) from out [N, T, D*H].
    if (used(n, 0)) {
      Endpoint y = layer("split_directions", "Reshape", {{"shape", {0, 0, D, H}}}, {id, "out"});
      if (!batchwise) y = layer("to_onnx_y", "Permute", {{"dims", {1, 2, 0, 3}}}, y);
      setTensor(out(n, 0), y, batchwise ? Shape{N, T, D, H} : Shape{T, D, N, H});
    }
    auto final = [&](int k, const std::string& port) {
      if (!used(n, k)) return;
      Endpoint e{id, port};
      if (batchwise) e = layer("state_to_ndh", "Permute", {{"dims", {1, 0, 2}}}, e);
      setTensor(out(n, k), e, batchwise ? Shape{N, D, H} : Shape{D, N, H});
    };
    final(1, "h_n");
    if (lstm) final(2, "c_n");
  }

  // Left to right by depth (longest path from an input), stacked vertically within a column.
  void layout() {
    std::map<std::string, int> depth;
    for (const auto& nd : m_doc.nodes) depth[nd.id] = 0;
    for (size_t pass = 0; pass < m_doc.nodes.size(); ++pass) {
      bool changed = false;
      for (const auto& e : m_doc.edges)
        if (depth[e.to.node] < depth[e.from.node] + 1) {
          depth[e.to.node] = depth[e.from.node] + 1;
          changed = true;
        }
      if (!changed) break;
    }
    std::map<int, int> rowsAt;
    for (auto& nd : m_doc.nodes) {
      const int d = depth[nd.id];
      nd.x = 220.0 * d;
      nd.y = 140.0 * rowsAt[d]++;
    }
  }

  const onnx::GraphProto& m_g;
  int64_t m_opset = 17;
  std::map<std::string, Value> m_values;
  std::set<std::string> m_consumed, m_ids;
  GraphDocument m_doc;
  std::vector<NamedTensor> m_weights;
};

}  // namespace

Result<OnnxImport> importGeneral(const onnx::GraphProto& graph, int64_t opset) {
  return GeneralImporter(graph, opset).run();
}

}  // namespace strata::onnx_import
