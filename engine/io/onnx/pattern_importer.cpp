// The pattern importer: each ONNX value gets a symbolic meaning (a Strata endpoint with a layout,
// a constant, or a step of the GELU formula) and each op is matched against the patterns PyTorch
// 1.13 emits (engine-notes §2): Linear, Embedding, LayerNorm, activations, RNN/LSTM/GRU with their
// batch-first glue, and nn.MultiheadAttention scopes. Anything else is an error naming the node.
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "graph/document.h"
#include "io/onnx/import_detail.h"

namespace strata::onnx_import {

namespace {

using R = Result<OnnxImport>;

// Stale: an endpoint whose meaning changed when stacked recurrent layers were merged.
enum class Kind { Tensor, Const, GeluDiv, GeluErf, GeluAdd, GeluMul, Stale };
enum class Layout { BatchFirst, SeqFirst, SeqDir, SeqDirT, State };

struct Sym {
  Kind kind = Kind::Const;
  Endpoint ep;
  Layout layout = Layout::BatchFirst;
  int64_t dirs = 1;
  bool isInt = false;
  std::string pendingLinear;  // a MatMul's Linear that an Add may give a bias
  std::optional<Tensor> value;  // known constant value
};

class PatternImporter {
 public:
  // mergeStacks: fold a recurrent node fed only by the same kind of node into one multi-layer
  // node, as PyTorch's num_layers stacks are exported.
  PatternImporter(const onnx::GraphProto& g, bool mergeStacks) : m_g(g), m_merge(mergeStacks) {}

  R run() {
    for (const auto& init : m_g.initializer()) {
      auto t = readTensor(init);
      if (!t) return R::error(t.message());
      Sym s;
      s.value = *t;
      m_syms[init.name()] = s;
    }
    for (const auto& in : m_g.input()) {
      if (m_syms.count(in.name())) continue;  // an initializer listed as input (IR < 4 style)
      Status st = addInput(in);
      if (!st) return R::error(st.message());
    }
    for (int i = 0; i < m_g.node_size(); ++i) {
      const auto& node = m_g.node(i);
      const std::string region = attentionRegion(node.name());
      if (!region.empty()) {
        // The block is imported at its last node, when everything it reads has been seen.
        bool last = true;
        for (int k = i + 1; k < m_g.node_size() && last; ++k)
          last = attentionRegion(m_g.node(k).name()) != region;
        if (!last || m_regionsDone.count(region)) continue;
        m_regionsDone.insert(region);
        Status st = attentionBlock(region);
        if (!st) return R::error(st.message());
        continue;
      }
      Status st = visit(node);
      if (!st) return R::error(st.message());
    }
    for (const auto& o : m_g.output()) {
      auto it = m_syms.find(o.name());
      if (it == m_syms.end() || it->second.kind != Kind::Tensor ||
          (it->second.layout != Layout::BatchFirst && it->second.layout != Layout::State))
        return R::error("output '" + o.name() + "' is not a batch-first tensor of a known pattern");
      std::string id = newId(o.name());
      addNode(id, "Output", Json::object());
      connect(it->second.ep, id, "in");
    }
    layout();
    return OnnxImport{m_doc, m_weights};
  }

 private:
  static std::string sanitize(const std::string& s) {
    std::string out;
    for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    while (!out.empty() && out.front() == '_') out.erase(out.begin());
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "n" + out;
    return out;
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
  GraphNode& node(const std::string& id) { return *m_doc.node(id); }
  void connect(const Endpoint& from, const std::string& to, const std::string& port) {
    m_doc.edges.push_back({from, {to, port}});
  }
  void setTensor(const std::string& value, const Endpoint& ep, Layout l = Layout::BatchFirst) {
    Sym s;
    s.kind = Kind::Tensor;
    s.ep = ep;
    s.layout = l;
    m_syms[value] = s;
  }

  Status addInput(const onnx::ValueInfoProto& in) {
    const auto& type = in.type().tensor_type();
    const int et = type.elem_type();
    if (et != onnx::TensorProto::FLOAT && et != onnx::TensorProto::INT64)
      return Status::error("input '" + in.name() + "': only float32 and int64 inputs import");
    Json shape = Json::array();
    int variable = 0;
    const auto& dims = type.shape().dim();
    if (dims.size() < 1) return Status::error("input '" + in.name() + "' has no batch dimension");
    for (int i = 1; i < dims.size(); ++i) {
      if (dims[i].has_dim_value() && dims[i].dim_value() > 0) {
        if (dims[i].dim_value() > kMaxElements)
          return Status::error("input '" + in.name() + "' declares an implausible dimension " +
                               std::to_string(dims[i].dim_value()));
        shape.push_back(dims[i].dim_value());
      } else {
        shape.push_back(-1);
        ++variable;
      }
    }
    if (variable > 1)
      return Status::error("input '" + in.name() + "' has more than one variable dimension");
    std::string id = newId(in.name());
    addNode(id, "Input",
            {{"shape", shape}, {"dtype", et == onnx::TensorProto::INT64 ? "int64" : "float32"}});
    setTensor(in.name(), {id, "out"});
    m_syms[in.name()].isInt = et == onnx::TensorProto::INT64;
    return Status::ok();
  }

  static int64_t intAttr(const onnx::NodeProto& n, const std::string& name, int64_t def) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.i();
    return def;
  }
  static float floatAttr(const onnx::NodeProto& n, const std::string& name, float def) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.f();
    return def;
  }
  static std::string strAttr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.s();
    return "";
  }
  static std::vector<int64_t> intsAttr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return {a.ints().begin(), a.ints().end()};
    return {};
  }
  static std::vector<std::string> stringsAttr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return {a.strings().begin(), a.strings().end()};
    return {};
  }

  const Sym* sym(const onnx::NodeProto& n, int i) const {
    if (i >= n.input_size() || n.input(i).empty()) return nullptr;
    auto it = m_syms.find(n.input(i));
    return it == m_syms.end() ? nullptr : &it->second;
  }
  Status fail(const onnx::NodeProto& n, const std::string& why) const {
    return Status::error(nodeLabel(n) + ": " + why);
  }
  static bool isTensor(const Sym* s, Layout l = Layout::BatchFirst) {
    return s && s->kind == Kind::Tensor && s->layout == l;
  }
  static bool isScalar(const Sym* s, float v) {
    return s && s->kind == Kind::Const && s->value && s->value->numel() == 1 &&
           s->value->dtype() == DType::Float32 && std::fabs(s->value->f32()[0] - v) < 1e-4f;
  }
  std::string out(const onnx::NodeProto& n, int i = 0) const {
    return i < n.output_size() ? n.output(i) : std::string();
  }
  // A one-in/one-out layer fed by input 0.
  Status simple(const onnx::NodeProto& n, const std::string& type, Json params,
                const std::string& base) {
    const Sym* x = sym(n, 0);
    if (!isTensor(x)) return fail(n, "its input is not a batch-first tensor");
    std::string id = newId(base);
    addNode(id, type, std::move(params));
    connect(x->ep, id, "in");
    setTensor(out(n), {id, "out"});
    return Status::ok();
  }
  void addWeight(const std::string& id, const std::string& name, const Tensor& t) {
    m_weights.push_back({id + "." + name, t});
  }

  Status visit(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      return fail(n, "ops of domain '" + n.domain() + "' are not supported");
    if (op == "Constant") {
      Sym s;
      for (const auto& a : n.attribute())
        if (a.name() == "value") {
          auto t = readTensor(a.t());
          if (t) s.value = *t;
        }
      m_syms[out(n)] = s;
      return Status::ok();
    }
    // Shape arithmetic over constants (PyTorch's zero initial states): stays constant.
    static const std::set<std::string> constOps = {
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "ConstantOfShape", "Expand", "Cast",
        "Slice", "Reshape", "Mul", "Add", "Div", "Sub", "Equal", "Where", "Range", "Transpose"};
    bool allConst = true;
    for (int i = 0; i < n.input_size(); ++i) {
      if (n.input(i).empty()) continue;
      auto it = m_syms.find(n.input(i));
      if (it == m_syms.end())
        return fail(n, "input '" + n.input(i) + "' is produced by no earlier node or initializer");
      if (it->second.kind != Kind::Const) allConst = false;
    }
    if (op == "Shape" || (allConst && constOps.count(op))) {
      for (const auto& o : n.output()) m_syms[o] = Sym{};
      return Status::ok();
    }
    if (op == "Identity" || op == "Dropout") {
      if (!sym(n, 0)) return fail(n, "missing input");
      m_syms[out(n)] = *sym(n, 0);
      return Status::ok();
    }
    if (op == "Relu") return simple(n, "ReLU", Json::object(), "relu");
    if (op == "Tanh") return simple(n, "Tanh", Json::object(), "tanh");
    if (op == "Sigmoid") return simple(n, "Sigmoid", Json::object(), "sigmoid");
    if (op == "Softmax") {
      int64_t axis = intAttr(n, "axis", -1);
      if (axis == 0) return fail(n, "softmax over the batch axis");
      return simple(n, "Softmax", {{"dim", axis}}, "softmax");
    }
    if (op == "LayerNormalization") {
      const Sym* w = sym(n, 1);
      const Sym* b = sym(n, 2);
      if (!w || !w->value || (b && !b->value) || intAttr(n, "axis", -1) != -1 ||
          w->value->ndim() != 1)
        return fail(n, "only LayerNormalization over the last axis with constant scale/bias");
      Status s = simple(n, "LayerNorm", {{"eps", floatAttr(n, "epsilon", 1e-5f)}}, "norm");
      if (!s) return s;
      const std::string id = m_syms[out(n)].ep.node;
      addWeight(id, "weight", *w->value);
      addWeight(id, "bias", b ? *b->value : Tensor::zeros(w->value->shape()));
      return Status::ok();
    }
    if (op == "Gemm") return gemm(n);
    if (op == "MatMul") return matmul(n);
    if (op == "Add") return add(n);
    if (op == "Gather") return gather(n);
    if (op == "LSTM" || op == "GRU" || op == "RNN") return recurrent(n);
    if (op == "Transpose") return transpose(n);
    if (op == "Squeeze") {
      const Sym* x = sym(n, 0);
      std::vector<int64_t> axes = intsAttr(n, "axes");
      if (const Sym* a = sym(n, 1); a && a->value && a->value->dtype() == DType::Int64)
        axes.assign(a->value->i64(), a->value->i64() + a->value->numel());
      if (isTensor(x, Layout::SeqDir) && x->dirs == 1 && axes == std::vector<int64_t>{1}) {
        setTensor(out(n), x->ep, Layout::SeqFirst);
        return Status::ok();
      }
      return fail(n, "only the Squeeze of a recurrent output's direction axis imports");
    }
    if (op == "Reshape") {
      const Sym* x = sym(n, 0);
      if (isTensor(x, Layout::SeqDirT)) {
        setTensor(out(n), x->ep, Layout::SeqFirst);
        return Status::ok();
      }
      return fail(n, "only the Reshape that merges a bidirectional output imports");
    }
    if (op == "Concat") {
      std::string id = newId("concat");
      for (int i = 0; i < n.input_size(); ++i)
        if (!isTensor(sym(n, i))) return fail(n, "its inputs are not batch-first tensors");
      addNode(id, "Concat", {{"dim", intAttr(n, "axis", -1)}});
      for (int i = 0; i < n.input_size(); ++i)
        connect(sym(n, i)->ep, id, "in" + std::to_string(i));
      setTensor(out(n), {id, "out"});
      return Status::ok();
    }
    if (op == "Div" || op == "Erf" || op == "Mul") return geluStep(n);
    return fail(n, "unsupported ONNX op '" + op + "'");
  }

  // GELU as PyTorch writes it: Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5.
  Status geluStep(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    const Sym* a = sym(n, 0);
    const Sym* b = n.input_size() > 1 ? sym(n, 1) : nullptr;
    Sym s;
    if (op == "Div" && isTensor(a) && isScalar(b, std::sqrt(2.0f))) {
      s = *a;
      s.kind = Kind::GeluDiv;
    } else if (op == "Erf" && a && a->kind == Kind::GeluDiv) {
      s = *a;
      s.kind = Kind::GeluErf;
    } else if (op == "Mul" && a && b &&
               ((isTensor(a) && b->kind == Kind::GeluAdd && b->ep == a->ep) ||
                (isTensor(b) && a->kind == Kind::GeluAdd && a->ep == b->ep))) {
      s = isTensor(a) ? *a : *b;
      s.kind = Kind::GeluMul;
    } else if (op == "Mul" && a && b &&
               ((a->kind == Kind::GeluMul && isScalar(b, 0.5f)) ||
                (b->kind == Kind::GeluMul && isScalar(a, 0.5f)))) {
      const Sym& x = a->kind == Kind::GeluMul ? *a : *b;
      std::string id = newId("gelu");
      addNode(id, "GELU", Json::object());
      connect(x.ep, id, "in");
      setTensor(out(n), {id, "out"});
      return Status::ok();
    } else {
      return fail(n, "unsupported use of '" + op + "' (only the GELU formula imports)");
    }
    m_syms[out(n)] = s;
    return Status::ok();
  }

  Status linearNode(const onnx::NodeProto& n, const Sym& x, const Tensor& w, const Tensor* b) {
    std::string id = newId("linear");
    addNode(id, "Linear", {{"out_features", w.size(0)}, {"bias", b != nullptr}});
    connect(x.ep, id, "in");
    addWeight(id, "weight", w);
    if (b) addWeight(id, "bias", *b);
    setTensor(out(n), {id, "out"});
    return Status::ok();
  }

  static Tensor transposed(const Tensor& w) {  // [a, b] -> [b, a]
    const int64_t a = w.size(0), b = w.size(1);
    Tensor t = Tensor::empty({b, a});
    for (int64_t i = 0; i < a; ++i)
      for (int64_t j = 0; j < b; ++j) t.f32()[j * a + i] = w.f32()[i * b + j];
    return t;
  }

  Status gemm(const onnx::NodeProto& n) {
    const Sym* x = sym(n, 0);
    const Sym* w = sym(n, 1);
    const Sym* c = sym(n, 2);
    if (!isTensor(x) || !w || !w->value || w->value->ndim() != 2 || (c && !c->value) ||
        intAttr(n, "transA", 0) != 0 || floatAttr(n, "alpha", 1.0f) != 1.0f ||
        floatAttr(n, "beta", 1.0f) != 1.0f)
      return fail(n, "only Gemm(x, W, b) with constant weights imports (a Linear)");
    Tensor wt = intAttr(n, "transB", 0) ? *w->value : transposed(*w->value);
    if (c && c->value->numel() != wt.size(0)) return fail(n, "bias size does not match");
    Tensor bias;
    if (c) bias = c->value->reshape({wt.size(0)});
    return linearNode(n, *x, wt, c ? &bias : nullptr);
  }

  Status matmul(const onnx::NodeProto& n) {
    const Sym* x = sym(n, 0);
    const Sym* w = sym(n, 1);
    if (!isTensor(x) || !w || !w->value || w->value->ndim() != 2)
      return fail(n, "only MatMul(x, W) with a constant 2-D W imports (a Linear)");
    Status s = linearNode(n, *x, transposed(*w->value), nullptr);
    if (s) m_syms[out(n)].pendingLinear = m_syms[out(n)].ep.node;
    return s;
  }

  Status add(const onnx::NodeProto& n) {
    const Sym* a = sym(n, 0);
    const Sym* b = sym(n, 1);
    if (!a || !b) return fail(n, "missing input");
    if (a->kind == Kind::GeluErf || b->kind == Kind::GeluErf) {
      const Sym& e = a->kind == Kind::GeluErf ? *a : *b;
      if (!isScalar(a->kind == Kind::GeluErf ? b : a, 1.0f)) return fail(n, "not the GELU formula");
      Sym s = e;
      s.kind = Kind::GeluAdd;
      m_syms[out(n)] = s;
      return Status::ok();
    }
    const Sym* lin = !a->pendingLinear.empty() ? a : (!b->pendingLinear.empty() ? b : nullptr);
    const Sym* other = lin == a ? b : a;
    if (lin && other->kind == Kind::Const && other->value && other->value->ndim() == 1) {
      GraphNode& ln = node(lin->pendingLinear);
      if (other->value->numel() != ln.params["out_features"].get<int64_t>())
        return fail(n, "bias size does not match the MatMul");
      ln.params["bias"] = true;
      addWeight(ln.id, "bias", *other->value);
      setTensor(out(n), lin->ep);
      return Status::ok();
    }
    if (isTensor(a) && isTensor(b)) {
      std::string id = newId("add");
      addNode(id, "Add", Json::object());
      connect(a->ep, id, "a");
      connect(b->ep, id, "b");
      setTensor(out(n), {id, "out"});
      return Status::ok();
    }
    return fail(n, "only Linear biases, GELU steps and tensor + tensor import");
  }

  Status gather(const onnx::NodeProto& n) {
    const Sym* w = sym(n, 0);
    const Sym* ids = sym(n, 1);
    if (!w || !w->value || w->value->ndim() != 2 || w->value->dtype() != DType::Float32 ||
        !isTensor(ids) || !ids->isInt || intAttr(n, "axis", 0) != 0)
      return fail(n, "only Gather(table, token ids) imports (an Embedding)");
    std::string id = newId("embedding");
    addNode(id, "Embedding",
            {{"num_embeddings", w->value->size(0)}, {"embedding_dim", w->value->size(1)}});
    connect(ids->ep, id, "in");
    addWeight(id, "weight", *w->value);
    setTensor(out(n), {id, "out"});
    return Status::ok();
  }

  Status transpose(const onnx::NodeProto& n) {
    const Sym* x = sym(n, 0);
    std::vector<int64_t> perm = intsAttr(n, "perm");
    if (x && x->kind == Kind::Tensor && perm == std::vector<int64_t>{1, 0, 2}) {
      if (x->layout == Layout::BatchFirst) {
        setTensor(out(n), x->ep, Layout::SeqFirst);
        return Status::ok();
      }
      if (x->layout == Layout::SeqFirst) {
        setTensor(out(n), x->ep, Layout::BatchFirst);
        return Status::ok();
      }
    }
    if (isTensor(x, Layout::SeqDir) && perm == std::vector<int64_t>{0, 2, 1, 3}) {
      setTensor(out(n), x->ep, Layout::SeqDirT);
      return Status::ok();
    }
    return fail(n, "only the batch-first <-> sequence-first Transposes around RNNs import");
  }

  // ONNX gate blocks -> PyTorch gate blocks of one direction: w [G*H, ...].
  static Tensor pytorchGates(const Tensor& w, const std::vector<int>& fromOnnx, int64_t H) {
    const int64_t rowLen = w.numel() / w.size(0);
    Tensor out = Tensor::empty(w.shape());
    for (size_t g = 0; g < fromOnnx.size(); ++g)
      std::memcpy(out.f32() + g * H * rowLen, w.f32() + fromOnnx[g] * H * rowLen,
                  sizeof(float) * H * rowLen);
    return out;
  }
  static Tensor direction(const Tensor& w, int64_t d, int64_t offset, int64_t rows) {
    // w: [D, X, ...] -> rows [offset, offset + rows) of direction d, as [rows, ...]
    const int64_t rowLen = w.numel() / (w.size(0) * w.size(1));
    Shape s(w.shape().begin() + 1, w.shape().end());
    s[0] = rows;
    Tensor out = Tensor::empty(s);
    std::memcpy(out.f32(), w.f32() + (d * w.size(1) + offset) * rowLen,
                sizeof(float) * rows * rowLen);
    return out;
  }

  Status recurrent(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    const Sym* x = sym(n, 0);
    const Sym* W = sym(n, 1);
    const Sym* Rm = sym(n, 2);
    const Sym* B = sym(n, 3);
    if (!isTensor(x, Layout::SeqFirst))
      return fail(n, "its input is not the sequence-first Transpose of a batch-first tensor");
    if (!W || !W->value || !Rm || !Rm->value || (B && !B->value) || W->value->ndim() != 3)
      return fail(n, "W, R and B must be constant");
    if (sym(n, 4)) return fail(n, "sequence_lens is not supported");
    for (int i = 5; i < n.input_size(); ++i) {
      const Sym* s = sym(n, i);
      if (s && (s->kind != Kind::Const || (s->value && s->value->dtype() == DType::Float32 &&
                                           [&] {
                                             for (int64_t k = 0; k < s->value->numel(); ++k)
                                               if (s->value->f32()[k] != 0.0f) return true;
                                             return false;
                                           }())))
        return fail(n, "only zero initial states import");
    }
    const std::string dir = strAttr(n, "direction");
    if (!dir.empty() && dir != "forward" && dir != "bidirectional")
      return fail(n, "direction '" + dir + "' is not supported");
    if (intAttr(n, "layout", 0) != 0) return fail(n, "layout=1 is not supported");
    for (const auto& a : n.attribute())
      if (a.name() == "clip" || a.name() == "input_forget")
        if (a.name() != "input_forget" || a.i() != 0)
          return fail(n, "attribute '" + a.name() + "' is not supported");
    const int64_t D = dir == "bidirectional" ? 2 : 1;
    const int64_t H = intAttr(n, "hidden_size", 0);
    const int64_t G = op == "LSTM" ? 4 : op == "GRU" ? 3 : 1;
    const Tensor& w = *W->value;
    if (H < 1 || w.size(0) != D || w.size(1) != G * H || Rm->value->ndim() != 3 ||
        Rm->value->size(0) != D || Rm->value->size(1) != G * H || Rm->value->size(2) != H ||
        (B && (B->value->ndim() != 2 || B->value->size(0) != D || B->value->size(1) != 2 * G * H)))
      return fail(n, "W/R/B shapes do not match hidden_size and direction");
    Json params{{"hidden_size", H}, {"bidirectional", D == 2}, {"bias", B != nullptr}};
    std::vector<std::string> acts = stringsAttr(n, "activations");
    if (op == "GRU") params["linear_before_reset"] = intAttr(n, "linear_before_reset", 0) != 0;
    if (op == "RNN") {
      bool relu = !acts.empty() && acts[0] == "Relu";
      for (const auto& a : acts)
        if (a != acts[0] || (a != "Relu" && a != "Tanh"))
          return fail(n, "activations other than Tanh or Relu are not supported");
      params["nonlinearity"] = relu ? "relu" : "tanh";
    } else if (!acts.empty()) {
      return fail(n, "custom activations are not supported");
    }
    const std::vector<int> fromOnnx =
        op == "LSTM" ? std::vector<int>{0, 2, 3, 1} : op == "GRU" ? std::vector<int>{1, 0, 2}
                                                                 : std::vector<int>{0};
    std::string id;
    int64_t layer = 0;
    GraphNode* below = m_doc.node(x->ep.node);
    bool belowFeedsOthers = false;  // then its output must stay its own
    for (const auto& e : m_doc.edges)
      belowFeedsOthers = belowFeedsOthers || e.from.node == x->ep.node;
    if (m_merge && below && !belowFeedsOthers && x->ep.port == "out" && below->type == op &&
        below->params.value("hidden_size", int64_t{0}) == H &&
        below->params.value("bidirectional", false) == (D == 2) &&
        below->params.value("bias", true) == (B != nullptr) &&
        below->params.value("linear_before_reset", true) ==
            params.value("linear_before_reset", true) &&
        below->params.value("nonlinearity", std::string("tanh")) ==
            params.value("nonlinearity", std::string("tanh"))) {
      id = below->id;
      layer = below->params.value("num_layers", int64_t{1});
      below->params["num_layers"] = layer + 1;
      for (auto& [name, s] : m_syms)  // the lower layer's outputs no longer exist on their own
        if (s.kind == Kind::Tensor && s.ep.node == id) s.kind = Kind::Stale;
    } else {
      id = newId(op == "LSTM" ? "lstm" : op == "GRU" ? "gru" : "rnn");
      addNode(id, op, params);
      connect(x->ep, id, "in");
    }
    for (int64_t d = 0; d < D; ++d) {
      const std::string suffix = "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
      addWeight(id, "weight_ih" + suffix, pytorchGates(direction(w, d, 0, G * H), fromOnnx, H));
      addWeight(id, "weight_hh" + suffix,
                pytorchGates(direction(*Rm->value, d, 0, G * H), fromOnnx, H));
      if (B) {
        addWeight(id, "bias_ih" + suffix,
                  pytorchGates(direction(*B->value, d, 0, G * H), fromOnnx, H));
        addWeight(id, "bias_hh" + suffix,
                  pytorchGates(direction(*B->value, d, G * H, G * H), fromOnnx, H));
      }
    }
    Sym y;
    y.kind = Kind::Tensor;
    y.ep = {id, "out"};
    y.layout = Layout::SeqDir;
    y.dirs = D;
    m_syms[out(n, 0)] = y;
    if (!out(n, 1).empty()) setTensor(out(n, 1), {id, "h_n"}, Layout::State);
    if (op == "LSTM" && !out(n, 2).empty()) setTensor(out(n, 2), {id, "c_n"}, Layout::State);
    // A merged layer's own final states are slices of the stack's h_n/c_n, not the whole.
    if (layer > 0)
      for (int k = 1; k < n.output_size(); ++k)
        if (!out(n, k).empty()) m_syms[out(n, k)].kind = Kind::Stale;
    return Status::ok();
  }

  // PyTorch names the nodes of nn.MultiheadAttention "<scope>/self_attn/<Op>": such a scope is
  // imported as one MultiheadAttention node (self-attention, no masks).
  static std::string attentionRegion(const std::string& name) {
    const std::string key = "/self_attn/";
    size_t at = name.find(key);
    return at == std::string::npos ? "" : name.substr(0, at + key.size());
  }

  Status attentionBlock(const std::string& region) {
    std::vector<const onnx::NodeProto*> nodes;
    std::set<std::string> produced;
    for (int i = 0; i < m_g.node_size(); ++i)
      if (attentionRegion(m_g.node(i).name()) == region) {
        nodes.push_back(&m_g.node(i));
        for (const auto& o : m_g.node(i).output()) produced.insert(o);
      }
    auto err = [&](const std::string& why) {
      return Status::error("attention block '" + region + "': " + why);
    };
    std::optional<Endpoint> x;
    std::optional<Tensor> inW, inB, outW, outB, scale;
    int softmaxes = 0;
    static const std::set<std::string> allowed = {
        "Transpose", "Shape", "Gather", "Div", "Cast", "MatMul", "Add", "Slice", "Mul",
        "Unsqueeze", "Concat", "Reshape", "Softmax", "Gemm", "Constant", "Identity"};
    auto constOf = [&](const std::string& v) -> std::optional<Tensor> {
      auto it = m_syms.find(v);
      if (it != m_syms.end() && it->second.kind == Kind::Const) return it->second.value;
      return std::nullopt;
    };
    for (const auto* n : nodes) {
      if (!allowed.count(n->op_type()))
        return err("op '" + n->op_type() + "' (node '" + n->name() +
                   "') is not part of the attention pattern Strata imports (masks are not)");
      if (n->op_type() == "Constant") {
        Sym s;
        for (const auto& a : n->attribute())
          if (a.name() == "value")
            if (auto t = readTensor(a.t())) s.value = *t;
        m_syms[n->output(0)] = s;
      }
      for (const auto& in : n->input()) {
        if (in.empty() || produced.count(in)) continue;
        auto it = m_syms.find(in);
        if (it == m_syms.end()) return err("input '" + in + "' is produced by no earlier node");
        if (it->second.kind == Kind::Tensor) {
          if (it->second.layout != Layout::BatchFirst || (x && !(*x == it->second.ep)))
            return err("only self-attention on one batch-first input imports");
          x = it->second.ep;
        }
      }
      if (n->op_type() == "Softmax") ++softmaxes;
      if (n->op_type() == "MatMul" && n->input_size() == 2)
        if (auto w = constOf(n->input(1)); w && w->ndim() == 2) inW = transposed(*w);
      if (n->op_type() == "Add" && n->input_size() == 2)
        for (int k = 0; k < 2; ++k)
          if (auto b = constOf(n->input(k)); b && b->ndim() == 1 && b->numel() > 1) inB = b;
      if (n->op_type() == "Gemm" && n->input_size() == 3) {
        outW = constOf(n->input(1));
        outB = constOf(n->input(2));
      }
      if (n->op_type() == "Div" && n->input_size() == 2)
        if (auto c = constOf(n->input(1)); c && c->dtype() == DType::Float32 && c->numel() == 1)
          scale = c;
    }
    if (!x || !inW || !inB || !outW || !outB || !scale || softmaxes != 1)
      return err("the in/out projections, scale or softmax were not found");
    const int64_t E = inW->size(1);
    const int64_t D = std::llround(scale->f32()[0] * scale->f32()[0]);
    if (inW->size(0) != 3 * E || inB->numel() != 3 * E || D < 1 || E % D != 0 ||
        outW->ndim() != 2 || outW->size(0) != E || outW->size(1) != E || outB->numel() != E)
      return err("projection shapes do not fit embed_dim " + std::to_string(E));
    // The one value used outside the block is its output.
    std::string output;
    for (const auto* n : nodes)
      for (const auto& o : n->output()) {
        bool outside = false;
        for (const auto& other : m_g.node())
          if (attentionRegion(other.name()) != region)
            for (const auto& in : other.input()) outside = outside || in == o;
        for (const auto& go : m_g.output()) outside = outside || go.name() == o;
        if (outside) {
          if (!output.empty() && output != o) return err("more than one value leaves the block");
          output = o;
        }
      }
    if (output.empty()) return err("its output is unused");
    std::string id = newId("self_attn");
    addNode(id, "MultiheadAttention", {{"num_heads", E / D}});
    connect(*x, id, "query");
    addWeight(id, "in_proj_weight", *inW);
    addWeight(id, "in_proj_bias", inB->reshape({3 * E}));
    addWeight(id, "out_proj.weight", *outW);
    addWeight(id, "out_proj.bias", outB->reshape({E}));
    setTensor(output, {id, "out"});
    return Status::ok();
  }

  // Left to right by depth (longest path from an input), stacked vertically within a column.
  void layout() {
    std::map<std::string, int> depth;
    for (const auto& nd : m_doc.nodes) depth[nd.id] = 0;
    for (size_t pass = 0; pass < m_doc.nodes.size(); ++pass)
      for (const auto& e : m_doc.edges)
        depth[e.to.node] = std::max(depth[e.to.node], depth[e.from.node] + 1);
    std::map<int, int> rows;
    for (auto& nd : m_doc.nodes) {
      int d = depth[nd.id];
      nd.x = 220.0 * d;
      nd.y = 140.0 * rows[d]++;
    }
  }

  const onnx::GraphProto& m_g;
  bool m_merge = false;
  std::map<std::string, Sym> m_syms;
  std::set<std::string> m_ids, m_regionsDone;
  GraphDocument m_doc;
  std::vector<NamedTensor> m_weights;
};

}  // namespace

Result<OnnxImport> importPattern(const onnx::GraphProto& graph) {
  // Stacks merge when nothing else reads the lower layers; otherwise one node per ONNX node.
  auto merged = PatternImporter(graph, true).run();
  if (merged) return merged;
  auto single = PatternImporter(graph, false).run();
  return single ? single : merged;
}

}  // namespace strata::onnx_import
