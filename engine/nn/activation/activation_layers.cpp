// Activations: elementwise nonlinearities (ReLU, GELU, Tanh, Sigmoid) and Softmax.
#include "nn/spec_helpers.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

using CreateFn = decltype(LayerSpec::create);

CreateFn stateless(FunctionModule::Fn fn) {
  return [fn](const Json&, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<FunctionModule>(fn);
  };
}

LayerSpec activation(std::string type, std::string summary, std::string doc) {
  LayerSpec s;
  s.type = std::move(type);
  s.category = "Activations";
  s.summary = std::move(summary);
  s.doc = std::move(doc);
  s.inputs = {port("in", ValueKind::Float, "any shape")};
  s.outputs = {port("out", ValueKind::Float, "same shape as the input")};
  s.infer = sameShapeRule(1);
  return s;
}

Result<ShapeResult> inferSoftmax(const ShapeContext& ctx) {
  auto r = sameShapeRule(3)(ctx);
  if (!r) return r;
  int rank = static_cast<int>(ctx.inputs[0]->shape.size());
  int64_t dim = ctx.params.at("dim").get<int64_t>();
  int d = normalizeDim(dim, rank);
  if (d < 0)
    return Result<ShapeResult>::error("dim " + std::to_string(dim) + " is out of range for " +
                                      shapeToString(ctx.inputs[0]->shape));
  if (d == 0)
    return Result<ShapeResult>::error("dim " + std::to_string(dim) +
                                      " is the batch dimension; softmax runs over one sample");
  return r;
}

}  // namespace

LayerSpec withActivationOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withActivationPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withActivationTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerActivationLayers(LayerRegistry& r) {
  {
    LayerSpec s = activation(
        "ReLU", "max(0, x), elementwise.",
        "ReLU (rectified linear unit) keeps positive values and replaces negative ones by zero. "
        "It is the default nonlinearity between Linear layers: cheap, and its gradient does not "
        "shrink for positive inputs. The output has the input's shape.");
    s.create = stateless([](const Tensor& x, ForwardContext&) { return ops::relu(x); });
    r.add(withActivationTfjs(withActivationPyTorch(withActivationOnnx(std::move(s)))));
  }
  {
    LayerSpec s = activation(
        "GELU", "x * Phi(x), the smooth ReLU used in transformers.",
        "GELU (Gaussian error linear unit) weighs each value by the probability that a standard "
        "normal variable is below it: x * Phi(x). It behaves like a smooth ReLU and is the usual "
        "choice inside transformer feed-forward blocks. approximate = tanh uses the faster tanh "
        "formula of the original BERT/GPT code. The output has the input's shape.");
    s.params = {choiceParam("approximate", {"none", "tanh"}, "none",
                            "none: exact erf form; tanh: tanh approximation")};
    s.infer = sameShapeRule(8);
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      bool tanhApprox = p.at("approximate") == "tanh";
      return std::make_unique<FunctionModule>(
          [tanhApprox](const Tensor& x, ForwardContext&) { return ops::gelu(x, tanhApprox); });
    };
    r.add(withActivationTfjs(withActivationPyTorch(withActivationOnnx(std::move(s)))));
  }
  {
    LayerSpec s = activation(
        "Tanh", "Hyperbolic tangent, squashes to (-1, 1).",
        "Tanh squashes every value into (-1, 1), smoothly and symmetrically around zero. It is "
        "the classic nonlinearity of small MLPs and recurrent networks, and suits regression on "
        "smooth signals; for deep stacks ReLU or GELU train faster. The output has the input's "
        "shape.");
    s.create = stateless([](const Tensor& x, ForwardContext&) { return ops::tanh(x); });
    r.add(withActivationTfjs(withActivationPyTorch(withActivationOnnx(std::move(s)))));
  }
  {
    LayerSpec s = activation(
        "Sigmoid", "1 / (1 + exp(-x)), squashes to (0, 1).",
        "Sigmoid maps every value into (0, 1), which reads as a probability or a gate that is "
        "open or closed. Use it for gates and for yes/no outputs; as a hidden-layer "
        "nonlinearity it saturates and slows training. The output has the input's shape.");
    s.create = stateless([](const Tensor& x, ForwardContext&) { return ops::sigmoid(x); });
    r.add(withActivationTfjs(withActivationPyTorch(withActivationOnnx(std::move(s)))));
  }
  {
    LayerSpec s = activation(
        "Softmax", "Turns scores into probabilities along one dimension.",
        "Softmax exponentiates the values along `dim` and divides by their sum, so they become "
        "positive and add up to 1: a probability distribution over classes or positions. The "
        "output has the input's shape. Do not put it before CrossEntropyLoss, which applies "
        "log-softmax itself and expects raw scores (logits); use it to read out probabilities.");
    s.params = {intParam("dim", -1, -1e300, "dimension to normalise over (-1: the last)")};
    s.infer = inferSoftmax;
    s.create = [](const Json& p, const ShapeResult&,
                  const std::vector<std::optional<TensorType>>&) {
      int dim = static_cast<int>(p.at("dim").get<int64_t>());
      return std::make_unique<FunctionModule>(
          [dim](const Tensor& x, ForwardContext&) { return ops::softmax(x, dim); });
    };
    r.add(withActivationTfjs(withActivationPyTorch(withActivationOnnx(std::move(s)))));
  }
}

}  // namespace strata::nn
