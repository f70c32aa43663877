// Tensor layers: the numpy-style operations general ONNX graphs are made of and Strata's other
// families do not express — Permute, Reshape, MatMul of two tensors, broadcasting Mul/Sub/Div,
// Slice, Reduce (mean/sum/max over dims), Elementwise functions, LogSoftmax, and Constant (a
// learned tensor with no input). Their dims count the batch as dim 0, as torch.permute does.
#include <algorithm>
#include <map>
#include <set>

#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

LayerSpec withTensorOpsOnnx(LayerSpec s);     // its ONNX mapping
LayerSpec withTensorOpsPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withTensorOpsTfjs(LayerSpec s);     // its TensorFlow.js (Keras) mapping

namespace {

using R = Result<ShapeResult>;

ParamSpec intListParam(std::string name, Json def, double minValue, std::string help) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::IntList;
  p.defaultValue = std::move(def);
  p.minValue = minValue;
  p.help = std::move(help);
  return p;
}

// Two dims fit when equal or when either is symbolic (checked when the model runs).
bool fits(int64_t a, int64_t b) { return a == b || a < 0 || b < 0; }

// numpy broadcasting over possibly symbolic dims; empty optional when they cannot broadcast.
std::optional<Shape> broadcastSym(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da == 1) out[i] = db;
    else if (db == 1) out[i] = da;
    else if (fits(da, db)) out[i] = da >= 0 ? da : db;
    else return std::nullopt;
  }
  return out;
}

class FunctionModule2 final : public Module {
 public:
  using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;
  explicit FunctionModule2(Fn fn) : m_fn(std::move(fn)) {}
  std::vector<Tensor> forward(const std::vector<Tensor>& in, ForwardContext&) override {
    return {m_fn(in.at(0), in.at(1))};
  }

 private:
  Fn m_fn;
};

// Outputs its parameter `value`: a constant operand of an imported graph, trainable like a weight.
class ConstantModule final : public Module {
 public:
  explicit ConstantModule(const Shape& shape) { m_value = addParameter("value", shape); }
  std::vector<Tensor> forward(const std::vector<Tensor>&, ForwardContext&) override {
    return {m_value};
  }
  // About one (a neutral scale, and a safe divisor); imports overwrite it with their values.
  void resetParameters(Rng& rng) override {
    for (int64_t i = 0; i < m_value.numel(); ++i) m_value.f32()[i] = rng.uniform(0.5f, 1.5f);
  }

 private:
  Tensor m_value;
};

std::string floatOnly(const std::optional<TensorType>& t, const std::string& name) {
  std::string err = requireRank(t, name, 1, "a tensor");
  if (!err.empty()) return err;
  if (t->kind != ValueKind::Float) return name + " must be float32, got " + typeToString(*t);
  return "";
}

R inferBinary(const ShapeContext& ctx) {
  for (size_t i = 0; i < 2; ++i)
    if (std::string e = floatOnly(ctx.inputs.at(i), ctx.inputNames.at(i)); !e.empty())
      return R::error(e);
  const Shape& a = ctx.inputs[0]->shape;
  const Shape& b = ctx.inputs[1]->shape;
  auto out = broadcastSym(a, b);
  if (!out)
    return R::error("shapes " + shapeToString(a) + " and " + shapeToString(b) +
                    " do not broadcast (numpy rules: aligned from the right, each pair equal "
                    "or one of them 1)");
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, *out}};
  r.flops = perSample(*out);
  return r;
}

R inferMatMul(const ShapeContext& ctx) {
  for (size_t i = 0; i < 2; ++i) {
    if (std::string e = floatOnly(ctx.inputs.at(i), ctx.inputNames.at(i)); !e.empty())
      return R::error(e);
    if (ctx.inputs[i]->shape.size() < 2)
      return R::error(ctx.inputNames[i] + " must have at least 2 dims (a matrix or a batch of "
                      "matrices), got " + shapeToString(ctx.inputs[i]->shape));
  }
  const Shape& a = ctx.inputs[0]->shape;
  const Shape& b = ctx.inputs[1]->shape;
  const int64_t M = a[a.size() - 2], K = a.back(), K2 = b[b.size() - 2], N = b.back();
  if (!fits(K, K2))
    return R::error("a " + shapeToString(a) + " has " + dimToString(K) + " columns but b " +
                    shapeToString(b) + " has " + dimToString(K2) + " rows");
  auto batch = broadcastSym(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!batch)
    return R::error("the batch dims of a " + shapeToString(a) + " and b " + shapeToString(b) +
                    " do not broadcast");
  Shape out = *batch;
  out.push_back(M);
  out.push_back(N);
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, out}};
  r.flops = flopsMul({2, perSample(out), K >= 0 ? K : 1});
  return r;
}

R inferPermute(const ShapeContext& ctx) {
  if (std::string e = floatOnly(ctx.inputs.at(0), "in"); !e.empty()) return R::error(e);
  const Shape& in = ctx.inputs[0]->shape;
  const auto dims = ctx.params.at("dims").get<std::vector<int64_t>>();
  std::set<int64_t> seen(dims.begin(), dims.end());
  const int64_t r = static_cast<int64_t>(in.size());
  if (static_cast<int64_t>(dims.size()) != r || static_cast<int64_t>(seen.size()) != r ||
      *seen.rbegin() >= r)
    return R::error("dims must be a permutation of 0.." + std::to_string(r - 1) + " for " +
                    shapeToString(in) + " (the batch is dim 0)");
  Shape out;
  for (int64_t d : dims) out.push_back(in[d]);
  ShapeResult res;
  res.params = ctx.params;
  res.outputs = {TensorType{ValueKind::Float, out}};
  return res;
}

// ONNX's Reshape rule: 0 copies the input's dim at that place, -1 takes what is left.
R inferReshape(const ShapeContext& ctx) {
  if (std::string e = floatOnly(ctx.inputs.at(0), "in"); !e.empty()) return R::error(e);
  const Shape& in = ctx.inputs[0]->shape;
  const auto target = ctx.params.at("shape").get<std::vector<int64_t>>();
  Shape out;
  int inferAt = -1;
  std::vector<bool> copied(in.size(), false);
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t t = target[i];
    if (t == -1) {
      if (inferAt >= 0) return R::error("shape may hold at most one -1");
      inferAt = static_cast<int>(i);
      out.push_back(-1);
    } else if (t == 0) {
      if (i >= in.size())
        return R::error("shape copies dim " + std::to_string(i) + " (a 0) that " +
                        shapeToString(in) + " does not have");
      copied[i] = true;
      out.push_back(in[i]);
    } else {
      out.push_back(t);
    }
  }
  // Concrete products of what is not copied; symbolic dims left over make the result symbolic.
  int64_t inKnown = 1, outKnown = 1;
  std::vector<int64_t> inSymbols;
  for (size_t i = 0; i < in.size(); ++i) {
    if (copied[i]) continue;
    if (in[i] < 0) inSymbols.push_back(in[i]);
    else inKnown = flopsMul({inKnown, in[i]});
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (!copied[i] && static_cast<int>(i) != inferAt) outKnown = flopsMul({outKnown, out[i]});
  if (inferAt >= 0) {
    if (inSymbols.empty()) {
      if (outKnown == 0 || inKnown % outKnown != 0)
        return R::error("cannot reshape " + shapeToString(in) + " to " +
                        Json(target).dump() + ": the sizes do not divide");
      out[inferAt] = inKnown / outKnown;
    } else if (inSymbols.size() == 1 && inKnown == outKnown) {
      out[inferAt] = inSymbols[0];
    } else {
      out[inferAt] = kSym(7);  // known when the model runs
    }
  } else if (inSymbols.empty() && inKnown != outKnown) {
    return R::error("cannot reshape " + shapeToString(in) + " (" + std::to_string(inKnown) +
                    " elements) to " + Json(target).dump());
  }
  if (out.empty()) return R::error("shape must have at least one dim (the batch)");
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, out}};
  return r;
}

R inferReduce(const ShapeContext& ctx) {
  if (std::string e = floatOnly(ctx.inputs.at(0), "in"); !e.empty()) return R::error(e);
  const Shape& in = ctx.inputs[0]->shape;
  const int rank = static_cast<int>(in.size());
  std::set<int> dims;
  for (int64_t d : ctx.params.at("dims").get<std::vector<int64_t>>()) {
    int n = normalizeDim(d, rank);
    if (n < 0)
      return R::error("dim " + std::to_string(d) + " is out of range for " + shapeToString(in));
    dims.insert(n);
  }
  const bool keep = ctx.params.at("keepdim").get<bool>();
  Shape out;
  for (int d = 0; d < rank; ++d) {
    const bool reduced = dims.empty() || dims.count(d);
    if (!reduced) out.push_back(in[d]);
    else if (keep) out.push_back(1);
  }
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, out}};
  r.flops = perSample(in);
  return r;
}

R inferSlice(const ShapeContext& ctx) {
  if (std::string e = floatOnly(ctx.inputs.at(0), "in"); !e.empty()) return R::error(e);
  const Shape& in = ctx.inputs[0]->shape;
  const int64_t dim = ctx.params.at("dim").get<int64_t>();
  const int d = normalizeDim(dim, static_cast<int>(in.size()));
  if (d < 0)
    return R::error("dim " + std::to_string(dim) + " is out of range for " + shapeToString(in));
  const int64_t start = ctx.params.at("start").get<int64_t>();
  const int64_t end = ctx.params.at("end").get<int64_t>();
  if (end < start)
    return R::error("end " + std::to_string(end) + " is before start " + std::to_string(start));
  if (in[d] >= 0 && end > in[d])
    return R::error("[" + std::to_string(start) + ", " + std::to_string(end) + ") is beyond dim " +
                    std::to_string(dim) + " of " + shapeToString(in));
  Shape out = in;
  out[d] = end - start;
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, out}};
  return r;
}

R inferLogSoftmax(const ShapeContext& ctx) {
  if (std::string e = floatOnly(ctx.inputs.at(0), "in"); !e.empty()) return R::error(e);
  const Shape& in = ctx.inputs[0]->shape;
  const int64_t dim = ctx.params.at("dim").get<int64_t>();
  const int d = normalizeDim(dim, static_cast<int>(in.size()));
  if (d < 0)
    return R::error("dim " + std::to_string(dim) + " is out of range for " + shapeToString(in));
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, in}};
  r.flops = 4 * perSample(in);
  return r;
}

R inferConstant(const ShapeContext& ctx) {
  const auto shape = ctx.params.at("shape").get<std::vector<int64_t>>();
  const Shape s(shape.begin(), shape.end());
  int64_t n = 1;
  for (int64_t d : s) n = flopsMul({n, d});  // saturates: a hostile shape cannot overflow
  if (n > kMaxTensorElements)
    return R::error("shape " + shapeToString(s) + " is too large");
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, s}};
  r.parameters = {{"value", s}};
  return r;
}

LayerSpec base(std::string type, std::string category, std::string summary, std::string doc) {
  LayerSpec s;
  s.type = std::move(type);
  s.category = std::move(category);
  s.summary = std::move(summary);
  s.doc = std::move(doc);
  return s;
}

LayerSpec binarySpec(const std::string& type, ops::BinaryKind kind, const std::string& symbol,
                     const std::string& doc) {
  LayerSpec s = base(type, "Structure", "Elementwise a " + symbol + " b with broadcasting.", doc);
  s.inputs = {port("a", ValueKind::Float, "left operand"),
              port("b", ValueKind::Float, "right operand, broadcast against a")};
  s.outputs = {port("out", ValueKind::Float, "a " + symbol + " b")};
  s.infer = inferBinary;
  s.create = [kind](const Json&, const ShapeResult&,
                    const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<FunctionModule2>(
        [kind](const Tensor& a, const Tensor& b) { return ops::binaryOp(kind, a, b); });
  };
  return s;
}

}  // namespace

void registerTensorOpsLayers(LayerRegistry& r) {
  auto add = [&r](LayerSpec s) {
    r.add(withTensorOpsTfjs(withTensorOpsPyTorch(withTensorOpsOnnx(std::move(s)))));
  };
  {
    LayerSpec s = base(
        "Permute", "Structure", "Reorders the dimensions of a tensor (torch.permute).",
        "Permute moves dimensions around: output dim i is input dim dims[i], counting the batch "
        "as dim 0, so dims [1, 0, 2] turns a sequence-first [T, B, C] into the batch-first "
        "[B, T, C] that Strata's recurrent layers read, and [0, 2, 1] swaps time and features. "
        "It copies the values and has no weights; the gradient is permuted back. ONNX calls it "
        "Transpose; graphs imported from ONNX use it wherever a model reorders axes.");
    s.params = {intListParam("dims", nullptr, 0, "output dim i is input dim dims[i] (batch = 0)")};
    s.inputs = {port("in", ValueKind::Float, "a tensor")};
    s.outputs = {port("out", ValueKind::Float, "the tensor with its dims reordered")};
    s.infer = inferPermute;
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      const auto d = p.at("dims").get<std::vector<int64_t>>();
      std::vector<int> dims(d.begin(), d.end());
      return std::make_unique<FunctionModule>(
          [dims](const Tensor& x, ForwardContext&) { return ops::permute(x, dims); });
    };
    add(std::move(s));
  }
  {
    LayerSpec s = base(
        "Reshape", "Structure", "Gives a tensor a new shape with the same elements.",
        "Reshape reads the elements in order and lays them out in `shape`, which counts the "
        "batch as its first entry: 0 keeps the input's size at that place and one -1 takes "
        "whatever is left, so [0, -1] flattens everything after the batch and [0, 0, 4, -1] "
        "splits the features of [B, T, 32] into 4 heads of 8. The number of elements must not "
        "change. It has no weights and costs a copy; ONNX's Reshape, Flatten, Squeeze and "
        "Unsqueeze all import as it.");
    s.params = {intListParam("shape", nullptr, -1,
                             "new shape, batch first; 0 keeps that input dim, -1 infers one")};
    s.inputs = {port("in", ValueKind::Float, "a tensor")};
    s.outputs = {port("out", ValueKind::Float, "the same elements in the new shape")};
    s.infer = inferReshape;
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      const auto target = p.at("shape").get<std::vector<int64_t>>();
      return std::make_unique<FunctionModule>([target](const Tensor& x, ForwardContext&) {
        Shape s;
        for (size_t i = 0; i < target.size(); ++i)
          s.push_back(target[i] == 0 && i < static_cast<size_t>(x.ndim()) ? x.size(int(i))
                                                                            : target[i]);
        return x.reshape(s);
      });
    };
    add(std::move(s));
  }
  {
    LayerSpec s = base(
        "MatMul", "Structure", "Matrix product of two tensors (torch.matmul).",
        "MatMul multiplies the last two dims of a [..., M, K] by those of b [..., K, N] and "
        "gives [..., M, N]; the dims in front are batch dims and broadcast (numpy rules). Both "
        "operands are computed tensors, so it is how attention scores q kᵀ and weighted sums of "
        "values are written by hand. Unlike Linear it has no weights of its own; feed a "
        "Constant to b for a fixed matrix.");
    s.inputs = {port("a", ValueKind::Float, "[..., M, K]"),
                port("b", ValueKind::Float, "[..., K, N]")};
    s.outputs = {port("out", ValueKind::Float, "[..., M, N]")};
    s.infer = inferMatMul;
    s.create = [](const Json&, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      return std::make_unique<FunctionModule2>(
          [](const Tensor& a, const Tensor& b) { return ops::batchMatmul(a, b); });
    };
    add(std::move(s));
  }
  add(binarySpec("Mul", ops::BinaryKind::Mul, "*",
                 "Mul multiplies its inputs element by element. Shapes broadcast as in numpy: "
                 "aligned from the right, each pair of dims equal or one of them 1, so a [B, T, "
                 "C] times a [C] scales every feature and times a [B, T, 1] scales every step. "
                 "Use it for gates, masks and learned scales (feed a Constant); the gradient of "
                 "each input is the other input times the incoming gradient."));
  add(binarySpec("Sub", ops::BinaryKind::Sub, "-",
                 "Sub subtracts b from a element by element, with numpy broadcasting (aligned "
                 "from the right, each pair of dims equal or one of them 1): a [B, T, C] minus "
                 "a [B, T, 1] centres every step on a per-step value. ONNX graphs use it in "
                 "normalisations written out by hand; the gradient of b is minus that of a."));
  add(binarySpec("Div", ops::BinaryKind::Div, "/",
                 "Div divides a by b element by element, with numpy broadcasting (aligned from "
                 "the right, each pair of dims equal or one of them 1): a [B, T, C] over a "
                 "Constant [1] scales everything, over a [B, T, 1] normalises every step. A "
                 "zero in b gives an infinity, as in PyTorch and ONNX."));
  {
    LayerSpec s = base(
        "Reduce", "Structure", "Mean, sum or max over some dimensions (ONNX ReduceMean/Sum/Max).",
        "Reduce averages (mode mean), adds up (mode sum) or takes the largest of (mode max; the "
        "gradient goes to the first largest) the values along `dims`, counting "
        "the batch as dim 0 (an empty list reduces over every dim). keepdim leaves each reduced "
        "dim in place with size 1, so the result still broadcasts against the input, as a "
        "hand-written normalisation needs. Mean over dim 1 of [B, T, C] pools a sequence, as "
        "SequencePool's mean does.");
    s.params = {choiceParam("mode", {"mean", "sum", "max"}, "mean", "mean, sum or max"),
                intListParam("dims", Json::array(), -1e300,
                             "dims to reduce (batch = 0; negative from the end; [] = all)"),
                boolParam("keepdim", false, "keep each reduced dim with size 1")};
    s.inputs = {port("in", ValueKind::Float, "a tensor")};
    s.outputs = {port("out", ValueKind::Float, "the reduced tensor")};
    s.infer = inferReduce;
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      const auto d = p.at("dims").get<std::vector<int64_t>>();
      std::vector<int> dims(d.begin(), d.end());
      const bool keep = p.at("keepdim").get<bool>(), mean = p.at("mode") == "mean";
      const bool max = p.at("mode") == "max";
      return std::make_unique<FunctionModule>([dims, keep, mean, max](const Tensor& x,
                                                                      ForwardContext&) {
        return max ? ops::reduceMaxDims(x, dims, keep) : ops::reduceDims(x, dims, keep, mean);
      });
    };
    add(std::move(s));
  }
  {
    LayerSpec s = base(
        "Slice", "Structure", "Keeps the positions [start, end) along one dimension.",
        "Slice keeps a contiguous range of one dimension, positions start to end - 1, counting "
        "the batch as dim 0: dim -1, start 0, end 16 keeps the first 16 features of [B, T, 32], "
        "and dim 1, start 0, end 1 keeps the first time step as [B, 1, C]. The gradient flows "
        "back into the kept positions only. ONNX's Slice (step 1) and Split import as Slices; "
        "PyTorch writes it x.narrow(dim, start, length).");
    s.params = {intParam("dim", -1, -1e300, "dimension to slice (batch = 0, -1: the last)"),
                intParam("start", 0, 0, "first position kept"),
                intParam("end", nullptr, 0, "one past the last position kept")};
    s.inputs = {port("in", ValueKind::Float, "a tensor")};
    s.outputs = {port("out", ValueKind::Float, "the kept positions")};
    s.infer = inferSlice;
    s.create = [](const Json& p, const ShapeResult& shapes,
                  const std::vector<std::optional<TensorType>>&) {
      const int rank = static_cast<int>(shapes.outputs.at(0).shape.size());
      const int dim = normalizeDim(p.at("dim").get<int64_t>(), rank);
      const int64_t start = p.at("start").get<int64_t>(), end = p.at("end").get<int64_t>();
      return std::make_unique<FunctionModule>([dim, start, end](const Tensor& x,
                                                                ForwardContext&) {
        return ops::slice(x, dim, start, end);
      });
    };
    add(std::move(s));
  }
  {
    LayerSpec s = base(
        "Elementwise", "Activations", "A function applied to every element (exp, log, sqrt, ...).",
        "Elementwise applies one function to every value: exp, log, sqrt, reciprocal (1/x), abs, "
        "neg (-x), erf, softplus (log(1 + e^x)), softsign (x / (1 + |x|)), elu (x, or alpha * "
        "(e^x - 1) below 0), leaky_relu (x, or alpha * x below 0) or selu. The shape does not "
        "change. They are the building blocks of formulas that ONNX graphs spell out op by op, "
        "and activations beyond ReLU, GELU, Tanh and Sigmoid. log and sqrt of negative values "
        "give NaN, as in PyTorch.");
    s.params = {choiceParam("function",
                            {"exp", "log", "sqrt", "reciprocal", "abs", "neg", "erf", "softplus",
                             "softsign", "elu", "leaky_relu", "selu"},
                            nullptr, "the function applied to every element"),
                floatParam("alpha", 1.0, -1e300, 1e300,
                           "elu: alpha (1); leaky_relu: the negative slope (0.01 in PyTorch)")};
    s.inputs = {port("in", ValueKind::Float, "a tensor")};
    s.outputs = {port("out", ValueKind::Float, "f(in), same shape")};
    s.infer = sameShapeRule(4);
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      static const std::map<std::string, ops::UnaryKind> kinds = {
          {"exp", ops::UnaryKind::Exp}, {"log", ops::UnaryKind::Log},
          {"sqrt", ops::UnaryKind::Sqrt}, {"reciprocal", ops::UnaryKind::Reciprocal},
          {"abs", ops::UnaryKind::Abs}, {"neg", ops::UnaryKind::Neg},
          {"erf", ops::UnaryKind::Erf}, {"softplus", ops::UnaryKind::Softplus},
          {"softsign", ops::UnaryKind::Softsign}, {"elu", ops::UnaryKind::Elu},
          {"leaky_relu", ops::UnaryKind::LeakyRelu}, {"selu", ops::UnaryKind::Selu}};
      const ops::UnaryKind kind = kinds.at(p.at("function").get<std::string>());
      const float alpha = p.at("alpha").get<float>();
      return std::make_unique<FunctionModule>(
          [kind, alpha](const Tensor& x, ForwardContext&) { return ops::unaryOp(kind, x, alpha); });
    };
    add(std::move(s));
  }
  {
    LayerSpec s = base(
        "LogSoftmax", "Activations", "Logarithm of the softmax along one dimension.",
        "LogSoftmax computes log(softmax(x)) along `dim` in one numerically stable step: x "
        "minus the log of the sum of exponentials. Its outputs are log-probabilities (all <= "
        "0); a classifier trained with a negative log-likelihood ends in it. Prefer it to a "
        "Softmax followed by a log, which underflows for confident predictions.");
    s.params = {intParam("dim", -1, -1e300, "dimension to normalise over (-1: the last)")};
    s.inputs = {port("in", ValueKind::Float, "a tensor")};
    s.outputs = {port("out", ValueKind::Float, "log-probabilities along dim")};
    s.infer = inferLogSoftmax;
    s.create = [](const Json& p, const ShapeResult& shapes,
                  const std::vector<std::optional<TensorType>>&) {
      const int rank = static_cast<int>(shapes.outputs.at(0).shape.size());
      const int dim = normalizeDim(p.at("dim").get<int64_t>(), rank);
      return std::make_unique<FunctionModule>(
          [dim](const Tensor& x, ForwardContext&) { return ops::logSoftmax(x, dim); });
    };
    add(std::move(s));
  }
  {
    LayerSpec s = base(
        "Constant", "Structure", "A learned tensor with no input (a bias, scale or table).",
        "Constant outputs its one weight, `value`, of the given `shape` (no batch dim): a fixed "
        "or learned operand for Add, Mul, Sub, Div or MatMul. Graphs imported from ONNX use it "
        "for every constant that is not the weight of a Linear, LayerNorm or recurrent layer, "
        "so it trains like any weight (freeze it in the training panel to keep it fixed). A "
        "fresh one starts at values drawn from U(0.5, 1.5), about one.");
    s.params = {intListParam("shape", Json::array(), 1, "sizes of the tensor ([] = a scalar)")};
    s.outputs = {port("out", ValueKind::Float, "the tensor `value`")};
    s.infer = inferConstant;
    s.create = [](const Json&, const ShapeResult& shapes,
                  const std::vector<std::optional<TensorType>>&) {
      return std::make_unique<ConstantModule>(shapes.outputs.at(0).shape);
    };
    add(std::move(s));
  }
}

}  // namespace strata::nn
