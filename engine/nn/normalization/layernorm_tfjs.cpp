// LayerNorm as Keras: LayerNormalization(axis=-1) with gamma = weight, beta = bias and epsilon
// written explicitly (tfjs's default is 1e-3).
#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withNormalizationTfjs(LayerSpec s) {
  s.toTfjs = [](TfjsContext& c) {
    c.setOutput(0, keras::layerNorm(c, c.input(0), "", c.param("weight"), c.param("bias"),
                                    c.params().at("eps").get<double>()));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
