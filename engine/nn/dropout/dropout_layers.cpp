// Dropout: random zeroing during training, identity at inference.
#include <stdexcept>

#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

LayerSpec withDropoutOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withDropoutPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withDropoutTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerDropoutLayers(LayerRegistry& r) {
  LayerSpec s;
  s.type = "Dropout";
  s.category = "Structure";
  s.summary = "Randomly zeroes values while training (regularisation).";
  s.doc =
      "Dropout sets each value to zero with probability p during training and scales the "
      "others by 1/(1-p), so the expected value is unchanged; at inference it passes values "
      "through untouched. Forcing the network not to rely on any single feature reduces "
      "overfitting. Typical p is 0.1 to 0.5; use it after activations in larger models when the "
      "validation loss rises while the training loss keeps falling. The output has the input's "
      "shape.";
  s.params = {floatParam("p", 0.5, 0.0, 1.0, "probability of zeroing a value")};
  s.inputs = {port("in", ValueKind::Float, "any shape")};
  s.outputs = {port("out", ValueKind::Float, "same shape as the input")};
  s.infer = sameShapeRule(1);
  s.create = [](const Json& params, const ShapeResult&,
                const std::vector<std::optional<TensorType>>&) {
    float p = params.at("p").get<float>();
    return std::make_unique<FunctionModule>([p](const Tensor& x, ForwardContext& ctx) {
      if (!ctx.training || p == 0.0f) return x;
      if (!ctx.rng) throw std::logic_error("Dropout in training needs a random generator");
      return ops::dropout(x, p, true, *ctx.rng);
    });
  };
  r.add(withDropoutTfjs(withDropoutPyTorch(withDropoutOnnx(std::move(s)))));
}

}  // namespace strata::nn
