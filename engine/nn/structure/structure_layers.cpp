// Structure: layers that combine or reduce tensors without parameters (Add, Concat, SequencePool).
#include <algorithm>

#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

// Two dims fit when equal, or when one is a variable non-batch length (checked at run time).
bool dimsFit(int64_t a, int64_t b) {
  if (a == b) return true;
  if (a == kBatch || b == kBatch) return false;
  return a < 0 || b < 0;
}

int64_t mergeDim(int64_t a, int64_t b) { return a >= 0 ? a : b; }

// a and b: equal shapes, or one equal to a trailing part of the other (broadcast).
class AddModule final : public Module {
 public:
  std::vector<Tensor> forward(const std::vector<Tensor>& in, ForwardContext&) override {
    const Tensor& a = in.at(0);
    const Tensor& b = in.at(1);
    const Tensor& big = a.ndim() >= b.ndim() ? a : b;
    const Tensor& small = a.ndim() >= b.ndim() ? b : a;
    if (std::equal(small.shape().begin(), small.shape().end(),
                   big.shape().end() - small.ndim()))
      return {ops::add(big, small)};
    return {ops::binaryOp(ops::BinaryKind::Add, a, b)};  // general numpy broadcasting
  }
};

Result<ShapeResult> inferAdd(const ShapeContext& ctx) {
  for (size_t i = 0; i < 2; ++i) {
    std::string err = requireRank(ctx.inputs.at(i), ctx.inputNames.at(i), 1, "a tensor");
    if (!err.empty()) return Result<ShapeResult>::error(err);
  }
  const Shape& a = ctx.inputs[0]->shape;
  const Shape& b = ctx.inputs[1]->shape;
  const Shape& big = a.size() >= b.size() ? a : b;
  const Shape& small = a.size() >= b.size() ? b : a;
  Shape out = big;
  size_t offset = big.size() - small.size();
  for (size_t i = 0; i < small.size(); ++i) {
    const int64_t x = big[offset + i], y = small[i];
    if (x == 1 || y == 1) {  // numpy broadcasting: a size-1 dim repeats
      out[offset + i] = x == 1 ? y : x;
      continue;
    }
    if (!dimsFit(x, y))
      return Result<ShapeResult>::error("cannot add " + shapeToString(a) + " and " +
                                        shapeToString(b) +
                                        ": shapes must broadcast (aligned from the right, each "
                                        "pair of dims equal or one of them 1)");
    out[offset + i] = mergeDim(x, y);
  }
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, out}};
  r.flops = perSample(out);
  return r;
}

class ConcatModule final : public Module {
 public:
  explicit ConcatModule(int dim) : m_dim(dim) {}
  std::vector<Tensor> forward(const std::vector<Tensor>& in, ForwardContext&) override {
    return {ops::concat(in, m_dim)};
  }

 private:
  int m_dim;
};

Result<ShapeResult> inferConcat(const ShapeContext& ctx) {
  if (ctx.inputs.size() < 2)
    return Result<ShapeResult>::error("needs at least two inputs (in0, in1, ...), got " +
                                      std::to_string(ctx.inputs.size()));
  Shape out;
  int d = -1;
  int64_t dim = ctx.params.at("dim").get<int64_t>();
  for (size_t i = 0; i < ctx.inputs.size(); ++i) {
    const auto& in = ctx.inputs[i];
    std::string err = requireRank(in, ctx.inputNames[i], 2, "a tensor");
    if (!err.empty()) return Result<ShapeResult>::error(err);
    const Shape& s = in->shape;
    if (i == 0) {
      out = s;
      d = normalizeDim(dim, static_cast<int>(s.size()));
      if (d < 0)
        return Result<ShapeResult>::error("dim " + std::to_string(dim) + " is out of range for " +
                                          shapeToString(s));
      if (d == 0) return Result<ShapeResult>::error("cannot concatenate along the batch dimension");
      if (s[d] < 0)
        return Result<ShapeResult>::error("cannot concatenate along a variable dimension (" +
                                          dimToString(s[d]) + " in " + shapeToString(s) + ")");
      continue;
    }
    bool fits = s.size() == out.size();
    for (size_t k = 0; fits && k < s.size(); ++k)
      if (static_cast<int>(k) != d) fits = dimsFit(out[k], s[k]);
    if (!fits || s[d] < 0) {
      std::string all;
      for (size_t k = 0; k < ctx.inputs.size(); ++k)
        if (ctx.inputs[k])
          all += (all.empty() ? "" : ", ") + ctx.inputNames[k] + " " +
                 shapeToString(ctx.inputs[k]->shape);
      return Result<ShapeResult>::error("cannot concatenate along dim " + std::to_string(dim) +
                                        ": " + all + " differ outside that dimension");
    }
    for (size_t k = 0; k < s.size(); ++k)
      out[k] = static_cast<int>(k) == d ? out[k] + s[k] : mergeDim(out[k], s[k]);
  }
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, out}};
  return r;
}

Result<ShapeResult> inferSequencePool(const ShapeContext& ctx) {
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "in", 3, "a sequence [B, T, C]");
  if (!err.empty()) return Result<ShapeResult>::error(err);
  if (in->shape.size() != 3)
    return Result<ShapeResult>::error("input must be a sequence [B, T, C], got " +
                                      shapeToString(in->shape));
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, {in->shape[0], in->shape[2]}}};
  r.flops = ctx.params.at("mode") == "last" ? 0 : perSample(in->shape);
  return r;
}

}  // namespace

LayerSpec withStructureOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withStructurePyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withStructureTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerStructureLayers(LayerRegistry& r) {
  {
    LayerSpec s;
    s.type = "Add";
    s.category = "Structure";
    s.summary = "Elementwise sum a + b (residual connections).";
    s.doc =
        "Add sums its two inputs element by element. Both must have the same shape, or broadcast "
        "as in numpy (aligned from the right, each pair of dims equal or one of them 1; a "
        "trailing part of the other's shape is repeated). Its "
        "main use is the residual connection: adding a block's input to its output lets "
        "gradients flow straight through and makes deep stacks trainable. It is also how "
        "positional information is added to embeddings.";
    s.inputs = {port("a", ValueKind::Float, "first summand"),
                port("b", ValueKind::Float, "second summand, same shape as a")};
    s.outputs = {port("out", ValueKind::Float, "a + b")};
    s.infer = inferAdd;
    s.create = [](const Json&, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      return std::make_unique<AddModule>();
    };
    r.add(withStructureTfjs(withStructurePyTorch(withStructureOnnx(std::move(s)))));
  }
  {
    LayerSpec s;
    s.type = "Concat";
    s.category = "Structure";
    s.summary = "Joins its inputs along one dimension.";
    s.doc =
        "Concat places its inputs side by side along `dim` (by default the last, the features): "
        "[B, T, 32] and [B, T, 16] become [B, T, 48]. All other dimensions must agree. Connect "
        "in0, in1, in2, ... in order; at least two are needed. Use it to combine features from "
        "different branches, for example the forward and backward states of two RNNs, before a "
        "Linear that mixes them.";
    PortSpec in = port("in", ValueKind::Float, "in0, in1, ...: tensors to join, in order");
    in.variadic = true;
    s.inputs = {in};
    s.outputs = {port("out", ValueKind::Float, "the joined tensor")};
    s.params = {intParam("dim", -1, -1e300, "dimension to join along (-1: the last)")};
    s.infer = inferConcat;
    s.create = [](const Json&, const ShapeResult& shapes,
                  const std::vector<std::optional<TensorType>>&) {
      const Json& p = shapes.params;
      int rank = static_cast<int>(shapes.outputs.at(0).shape.size());
      return std::make_unique<ConcatModule>(normalizeDim(p.at("dim").get<int64_t>(), rank));
    };
    r.add(withStructureTfjs(withStructurePyTorch(withStructureOnnx(std::move(s)))));
  }
  {
    LayerSpec s;
    s.type = "SequencePool";
    s.category = "Structure";
    s.summary = "Reduces a sequence [B, T, C] to one vector [B, C].";
    s.doc =
        "SequencePool summarises a whole sequence in one vector per sample: [B, T, C] becomes "
        "[B, C]. mode = last keeps the final time step (natural after a forward RNN, which has "
        "read everything by then), mean averages over time, max takes the largest value of "
        "each feature. Use it between a sequence encoder and a classifier or regressor that "
        "predicts one thing per sequence.";
    s.inputs = {port("in", ValueKind::Float, "a sequence [B, T, C]")};
    s.outputs = {port("out", ValueKind::Float, "[B, C]")};
    s.params = {choiceParam("mode", {"last", "mean", "max"}, "last",
                            "last: final step; mean: average; max: largest over time")};
    s.infer = inferSequencePool;
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      std::string m = p.at("mode").get<std::string>();
      ops::PoolMode mode = m == "mean"  ? ops::PoolMode::Mean
                           : m == "max" ? ops::PoolMode::Max
                                        : ops::PoolMode::Last;
      return std::make_unique<FunctionModule>(
          [mode](const Tensor& x, ForwardContext&) { return ops::sequencePool(x, mode); });
    };
    r.add(withStructureTfjs(withStructurePyTorch(withStructureOnnx(std::move(s)))));
  }
}

}  // namespace strata::nn
