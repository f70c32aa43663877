// The layer registry: the list of layer families. Adding a family is a folder under engine/nn/
// that defines register<Family>Layers() plus one line in STRATA_LAYER_FAMILIES below.
#include "nn/layer_spec.h"

#define STRATA_LAYER_FAMILIES(X) \
  X(Io)                          \
  X(Dense)                       \
  X(Embedding)                   \
  X(Recurrent)                   \
  X(Activation)                  \
  X(Dropout)                     \
  X(Structure)                   \
  X(Normalization)               \
  X(Transformer)                 \
  X(TensorOps)                   \
  X(Loss)

namespace strata {

namespace nn {
#define STRATA_DECLARE_FAMILY(Family) void register##Family##Layers(LayerRegistry& r);
STRATA_LAYER_FAMILIES(STRATA_DECLARE_FAMILY)
#undef STRATA_DECLARE_FAMILY
}  // namespace nn

const LayerRegistry& LayerRegistry::instance() {
  static const LayerRegistry registry = [] {
    LayerRegistry r;
#define STRATA_REGISTER_FAMILY(Family) nn::register##Family##Layers(r);
    STRATA_LAYER_FAMILIES(STRATA_REGISTER_FAMILY)
#undef STRATA_REGISTER_FAMILY
    return r;
  }();
  return registry;
}

const LayerSpec* LayerRegistry::find(const std::string& type) const {
  for (const auto& s : m_specs)
    if (s.type == type) return &s;
  return nullptr;
}

}  // namespace strata
