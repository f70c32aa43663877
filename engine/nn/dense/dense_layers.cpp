// Linear: y = x W^T + b over the last dimension, PyTorch's nn.Linear.
#include <cmath>

#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

class LinearModule final : public Module {
 public:
  LinearModule(int64_t in, int64_t out, bool bias) : m_in(in) {
    m_weight = addParameter("weight", {out, in});
    if (bias) m_bias = addParameter("bias", {out});
  }
  // x: [..., in] -> [..., out]
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    return {ops::linear(inputs.at(0), m_weight, m_bias)};
  }
  // kaiming_uniform_(a=sqrt(5)) on the weight reduces to U(-1/sqrt(in), 1/sqrt(in)); the bias
  // uses the same bound.
  void resetParameters(Rng& rng) override {
    float bound = m_in > 0 ? 1.0f / std::sqrt(static_cast<float>(m_in)) : 0.0f;
    for (auto* t : {&m_weight, &m_bias}) {
      if (!t->defined()) continue;
      float* p = t->f32();
      for (int64_t i = 0; i < t->numel(); ++i) p[i] = rng.uniform(-bound, bound);
    }
  }

 private:
  int64_t m_in;
  Tensor m_weight, m_bias;
};

Result<ShapeResult> inferLinear(const ShapeContext& ctx) {
  const auto& in = ctx.inputs.at(0);
  std::string err = requireRank(in, "in", 2, "[B, ..., in_features]");
  if (!err.empty()) return Result<ShapeResult>::error(err);
  if (in->kind != ValueKind::Float)
    return Result<ShapeResult>::error("input must be float32, got " + typeToString(*in));
  int64_t features = in->shape.back();
  ShapeResult r;
  r.params = ctx.params;
  if (ctx.params.contains("in_features")) {
    int64_t given = ctx.params["in_features"].get<int64_t>();
    if (features >= 0 && given != features)
      return Result<ShapeResult>::error("in_features is " + std::to_string(given) +
                                        " but the input has " + std::to_string(features) +
                                        " features (" + shapeToString(in->shape) + ")");
  } else {
    if (features < 0)
      return Result<ShapeResult>::error(
          "in_features cannot be inferred: the last dimension of " + shapeToString(in->shape) +
          " is variable");
    r.params["in_features"] = features;
  }
  int64_t inF = r.params["in_features"].get<int64_t>();
  int64_t outF = ctx.params.at("out_features").get<int64_t>();
  Shape out = in->shape;
  out.back() = outF;
  r.outputs = {TensorType{ValueKind::Float, out}};
  r.parameters.push_back({"weight", {outF, inF}});
  if (ctx.params.at("bias").get<bool>()) r.parameters.push_back({"bias", {outF}});
  Shape positions(in->shape.begin(), in->shape.end() - 1);  // [B, ...]: vectors per sample
  r.flops = flopsMul({2, inF, outF, perSample(positions)});
  return r;
}

}  // namespace

LayerSpec withDenseOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withDensePyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withDenseTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerDenseLayers(LayerRegistry& r) {
  LayerSpec s;
  s.type = "Linear";
  s.category = "Dense";
  s.summary = "Fully connected layer: y = x W^T + b on the last dimension.";
  s.doc =
      "Linear multiplies every feature vector by a learned weight matrix and adds a learned "
      "bias: each of the out_features outputs is a weighted sum of all in_features inputs. It "
      "acts on the last dimension only, so [B, in] becomes [B, out] and a sequence [B, T, in] "
      "becomes [B, T, out], with the same weights at every time step. in_features follows from "
      "the input and may be left out. Use it to change the feature size, to mix features, and "
      "as the final layer that maps to predictions or class scores; put a nonlinearity (ReLU, "
      "Tanh, GELU) between two Linears, or they collapse into one.";
  s.params = {inferredIntParam("in_features", 1, "size of each input vector (inferred)"),
              intParam("out_features", nullptr, 1, "size of each output vector"),
              boolParam("bias", true, "learn an additive bias")};
  s.inputs = {port("in", ValueKind::Float, "[B, ..., in_features]")};
  s.outputs = {port("out", ValueKind::Float, "[B, ..., out_features]")};
  s.infer = inferLinear;
  s.create = [](const Json& p, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<LinearModule>(p.at("in_features").get<int64_t>(),
                                          p.at("out_features").get<int64_t>(),
                                          p.at("bias").get<bool>());
  };
  r.add(withDenseTfjs(withDensePyTorch(withDenseOnnx(std::move(s)))));
}

}  // namespace strata::nn
