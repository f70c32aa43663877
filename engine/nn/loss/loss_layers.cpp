// Losses: MSELoss and CrossEntropyLoss (mean reduction). The `input` port takes the prediction by
// an edge; the `target` port is fed by the data set's targets and never by an edge.
#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

class LossModule final : public Module {
 public:
  using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;
  explicit LossModule(Fn fn) : m_fn(std::move(fn)) {}
  // inputs: {prediction, target}; an undefined target (inference) gives an undefined loss.
  std::vector<Tensor> forward(const std::vector<Tensor>& in, ForwardContext&) override {
    if (in.size() < 2 || !in[1].defined()) return {Tensor()};
    return {m_fn(in[0], in[1])};
  }

 private:
  Fn m_fn;
};

LayerSpec lossSpec(std::string type, std::string summary, std::string doc) {
  LayerSpec s;
  s.type = std::move(type);
  s.category = "Losses";
  s.summary = std::move(summary);
  s.doc = std::move(doc);
  PortSpec target = port("target", ValueKind::Any, "the data set's targets (no edge)");
  target.fromData = true;
  s.inputs = {port("input", ValueKind::Float, "the prediction"), target};
  s.outputs = {port("loss", ValueKind::Float, "scalar []")};
  s.isLoss = true;
  return s;
}

Result<ShapeResult> inferMse(const ShapeContext& ctx) {
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "input", 1, "a tensor");
  if (!err.empty()) return Result<ShapeResult>::error(err);
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, {}}};
  r.target = TensorType{ValueKind::Float, in->shape};
  r.flops = 3 * perSample(in->shape);
  return r;
}

Result<ShapeResult> inferCrossEntropy(const ShapeContext& ctx) {
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "input", 2, "logits [B, C] or [B, T, C]");
  if (!err.empty()) return Result<ShapeResult>::error(err);
  const Shape& s = in->shape;
  if (s.size() > 3)
    return Result<ShapeResult>::error("input must be logits [B, C] or [B, T, C], got " +
                                      shapeToString(s));
  if (s.back() < 0)
    return Result<ShapeResult>::error("the number of classes (last dimension of " +
                                      shapeToString(s) + ") must be fixed");
  ShapeResult r;
  r.params = ctx.params;
  r.outputs = {TensorType{ValueKind::Float, {}}};
  r.target = TensorType{ValueKind::Int64, Shape(s.begin(), s.end() - 1)};
  r.flops = 4 * perSample(s);
  return r;
}

}  // namespace

LayerSpec withLossPyTorch(LayerSpec s);  // its PyTorch mapping

void registerLossLayers(LayerRegistry& r) {
  {
    LayerSpec s = lossSpec(
        "MSELoss", "Mean squared error between prediction and target (regression).",
        "MSELoss measures how far a real-valued prediction is from the target: the average of "
        "(prediction - target)^2 over all elements. Its input is the prediction, [B, ...] of any "
        "shape; the target comes from the data set with the same shape, and the output is one "
        "number. Use it for regression, such as predicting the next value of a signal. Training "
        "lowers it; its square root is the typical error in the target's units.");
    s.infer = inferMse;
    s.create = [](const Json&, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      return std::make_unique<LossModule>(
          [](const Tensor& x, const Tensor& t) { return ops::mseLoss(x, t); });
    };
    r.add(withLossPyTorch(std::move(s)));
  }
  {
    LayerSpec s = lossSpec(
        "CrossEntropyLoss", "Classification loss on raw class scores (logits).",
        "CrossEntropyLoss trains a classifier. Its input is one raw score (logit) per class, "
        "[B, C] for one label per sample or [B, T, C] for one label per time step (batch-first, "
        "unlike PyTorch's [B, C, T]); the data set supplies int64 class indices, [B] or [B, T]. "
        "It applies log-softmax and averages the negative log-probability of the correct class, "
        "so a model that guesses uniformly among C classes starts near ln(C). Targets equal to "
        "ignore_index (padding) are skipped. Do not put a Softmax before it.");
    s.params = {intParam("ignore_index", -100, -1e300, "target value that does not count")};
    s.infer = inferCrossEntropy;
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      int64_t ignore = p.at("ignore_index").get<int64_t>();
      return std::make_unique<LossModule>([ignore](const Tensor& x, const Tensor& t) {
        return ops::crossEntropy(x, t, ignore);
      });
    };
    r.add(withLossPyTorch(std::move(s)));
  }
}

}  // namespace strata::nn
