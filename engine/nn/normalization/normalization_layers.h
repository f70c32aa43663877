// The normalization family: LayerNorm (over the last dimension, PyTorch's nn.LayerNorm).
#pragma once

#include "nn/layer_spec.h"

namespace strata::nn {

void registerNormalizationLayers(LayerRegistry& r);

}  // namespace strata::nn
