// Linear as Keras: Dense(out_features) with kernel = weight^T, on [B, ..., in] as PyTorch's.
#include "io/tfjs/tfjs_context.h"
#include "nn/layer_spec.h"

namespace strata::nn {

LayerSpec withDenseTfjs(LayerSpec s) {
  s.toTfjs = [](TfjsContext& c) {
    c.setOutput(0, keras::dense(c, c.input(0), "", c.param("weight"), c.param("bias")));
    return Status::ok();
  };
  return s;
}

}  // namespace strata::nn
