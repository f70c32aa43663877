// Shape-rule checks shared by the Transformer family, and the family's registration.
#include "nn/spec_helpers.h"
#include "nn/transformer/transformer_family.h"

namespace strata::nn {

namespace transformer_detail {

namespace {
bool differ(int64_t a, int64_t b) { return a >= 0 && b >= 0 && a != b; }
}  // namespace

std::string checkSequence(const std::optional<TensorType>& in, const std::string& port) {
  if (!in) return "input '" + port + "' is not connected";
  if (in->shape.size() != 3 || in->kind != ValueKind::Float)
    return "input '" + port + "' must be float32 [B, T, features], got " + typeToString(*in);
  return {};
}

std::string checkPaddingMask(const std::optional<TensorType>& mask, const std::string& port,
                             const TensorType& masked, const std::string& maskedPort) {
  if (!mask) return {};
  if (mask->shape.size() != 2)
    return "input '" + port + "' must be a float32 or int64 [B, S] mask (nonzero = ignore that " +
           "key), got " + typeToString(*mask);
  if (differ(mask->shape[0], masked.shape[0]) || differ(mask->shape[1], masked.shape[1]))
    return "input '" + port + "' " + shapeToString(mask->shape) + " does not match the " +
           maskedPort + " sequence " + shapeToString(masked.shape) +
           ": it needs one entry per batch item and key position";
  return {};
}

std::string resolveFeatureSize(Json& params, const std::string& name, const TensorType& in,
                               const std::string& port) {
  const int64_t last = in.shape.back();
  if (params.contains(name) && !params[name].is_null()) {
    const int64_t given = params[name].get<int64_t>();
    if (differ(given, last))
      return name + " is " + std::to_string(given) + " but input '" + port + "' has " +
             std::to_string(last) + " features (" + shapeToString(in.shape) + ")";
    return {};
  }
  if (last < 0)
    return name + " cannot be inferred: the last dimension of input '" + port + "' " +
           shapeToString(in.shape) + " is variable";
  params[name] = last;
  return {};
}

std::string checkFeatures(const TensorType& t, const std::string& port, int64_t size,
                          const std::string& name) {
  if (differ(t.shape.back(), size))
    return "input '" + port + "' has " + std::to_string(t.shape.back()) + " features but " + name +
           " is " + std::to_string(size) + " (" + shapeToString(t.shape) + ")";
  return {};
}

std::string checkHeads(int64_t embedDim, int64_t heads, const std::string& embedName,
                       const std::string& headsName) {
  if (heads < 1) return headsName + " must be >= 1";
  if (embedDim % heads != 0)
    return embedName + " " + std::to_string(embedDim) + " is not divisible by " + headsName + " " +
           std::to_string(heads);
  return {};
}

}  // namespace transformer_detail

LayerSpec withTransformerOnnx(LayerSpec s);  // its ONNX mapping
LayerSpec withTransformerPyTorch(LayerSpec s);  // its PyTorch mapping
LayerSpec withTransformerTfjs(LayerSpec s);  // its TensorFlow.js (Keras) mapping

void registerTransformerLayers(LayerRegistry& r) {
  using namespace transformer_detail;
  for (LayerSpec s : {multiheadAttentionSpec(), positionalEncodingSpec(),
                      transformerEncoderLayerSpec(), transformerDecoderLayerSpec()})
    r.add(withTransformerTfjs(withTransformerPyTorch(withTransformerOnnx(std::move(s)))));
}

}  // namespace strata::nn
