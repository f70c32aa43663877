// Dropout as Keras: Dropout(rate = p), the identity at inference as in Strata's eval mode.
#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDropoutTfjs(LayerSpec s) {
  s.toTfjs = [](TfjsContext& c) {
    c.setOutput(0, c.layer("Dropout", "", {{"rate", c.params().at("p").get<double>()}},
                           {c.input(0)}));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
