// Differentiable layer normalization over the last dimension, on oneDNN's layer_normalization
// forward/backward primitives (cached per shape). Used by LayerNorm and the Transformer layers.
#pragma once

#include "tensor/tensor.h"

namespace strata::ops {

// x: [..., d], weight: [d] or undefined, bias: [d] or undefined -> [..., d]
//   y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance over the last dim
// (PyTorch's nn.LayerNorm / F.layer_norm). Gradients flow to x, weight and bias.
Tensor layerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

}  // namespace strata::ops
