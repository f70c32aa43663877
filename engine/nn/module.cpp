#include "nn/module.h"

namespace strata {

Tensor Module::parameter(const std::string& name) const {
  for (const auto& p : m_parameters)
    if (p.name == name) return p.tensor;
  return {};
}

Tensor Module::addParameter(const std::string& name, const Shape& shape) {
  Tensor t = Tensor::zeros(shape);
  t.setRequiresGrad(true);
  m_parameters.push_back({name, t});
  return t;
}

}  // namespace strata
