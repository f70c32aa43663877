// LayerNorm: normalises each feature vector to zero mean and unit variance, then scales and
// shifts it with learned per-feature weights (PyTorch's nn.LayerNorm over the last dimension).
#include <string>

#include "nn/normalization/layernorm_op.h"
#include "nn/normalization/normalization_layers.h"
#include "nn/spec_helpers.h"

namespace strata::nn {

namespace {

class LayerNormModule final : public Module {
 public:
  LayerNormModule(int64_t d, float eps) : m_eps(eps) {
    m_weight = addParameter("weight", {d});
    m_bias = addParameter("bias", {d});
  }
  // x: [..., d] -> [..., d]
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    return {ops::layerNorm(inputs.at(0), m_weight, m_bias, m_eps)};
  }
  void resetParameters(Rng&) override {
    m_weight.fill(1.0f);
    m_bias.fill(0.0f);
  }

 private:
  float m_eps;
  Tensor m_weight, m_bias;
};

Result<ShapeResult> inferLayerNorm(const ShapeContext& ctx) {
  using R = Result<ShapeResult>;
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "in", 2, "[B, ..., normalized_shape]");
  if (!err.empty()) return R::error(err);
  if (in->kind != ValueKind::Float)
    return R::error("input must be float32, got " + typeToString(*in));
  const int64_t last = in->shape.back();
  ShapeResult r;
  r.params = ctx.params;
  if (ctx.params.contains("normalized_shape")) {
    const int64_t given = ctx.params["normalized_shape"].get<int64_t>();
    if (last >= 0 && given != last)
      return R::error("normalized_shape is " + std::to_string(given) +
                      " but the input's last dimension is " + std::to_string(last) + " (" +
                      shapeToString(in->shape) + ")");
  } else {
    if (last < 0)
      return R::error("normalized_shape cannot be inferred: the last dimension of " +
                      shapeToString(in->shape) + " is variable");
    r.params["normalized_shape"] = last;
  }
  const int64_t d = r.params["normalized_shape"].get<int64_t>();
  r.outputs = {TensorType{ValueKind::Float, in->shape}};
  r.parameters = {{"weight", {d}}, {"bias", {d}}};
  r.flops = 8 * perSample(in->shape);
  return r;
}

}  // namespace

LayerSpec withNormalizationOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withNormalizationPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withNormalizationTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerNormalizationLayers(LayerRegistry& r) {
  LayerSpec s;
  s.type = "LayerNorm";
  s.category = "Structure";
  s.summary = "Layer normalization over the last dimension, with a learned scale and shift.";
  s.doc =
      "LayerNorm rescales every feature vector on its own: it subtracts the vector's mean, "
      "divides by its standard deviation (sqrt of the biased variance plus eps), then multiplies "
      "each feature by a learned weight (starting at 1) and adds a learned bias (starting at 0). "
      "It acts on the last dimension only, so [B, T, d] stays [B, T, d] and every position is "
      "normalised independently of the batch, which makes it behave the same in training and "
      "inference. normalized_shape is that last size and may be left out. Transformers put one "
      "around every attention and feed-forward block because it keeps activations in a stable "
      "range and makes deep stacks much easier to train.";
  s.params = {inferredIntParam("normalized_shape", 1,
                               "size of the normalised last dimension "
                               "(inferred)"),
              floatParam("eps", 1e-5, 0.0, 1.0, "added to the variance inside the square root")};
  s.inputs = {port("in", ValueKind::Float, "[B, ..., normalized_shape]")};
  s.outputs = {port("out", ValueKind::Float, "same shape as the input")};
  s.infer = inferLayerNorm;
  s.create = [](const Json& p, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<LayerNormModule>(p.at("normalized_shape").get<int64_t>(),
                                             static_cast<float>(p.at("eps").get<double>()));
  };
  r.add(withNormalizationTfjs(withNormalizationPyTorch(withNormalizationOnnx(std::move(s)))));
}

}  // namespace strata::nn
