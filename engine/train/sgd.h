// SGD as torch.optim.SGD (dampening 0): weight decay as L2 on the gradient, a momentum buffer
// initialised to the first gradient, Nesterov's look-ahead.
#pragma once

#include "train/optimizer.h"

namespace strata {

class Sgd final : public Optimizer {
 public:
  Sgd(std::vector<NamedTensor> params, double lr, double momentum = 0.0, bool nesterov = false,
      double weightDecay = 0.0);
  const char* name() const override { return "sgd"; }

 protected:
  std::vector<std::string> bufferNames() const override { return {"momentum_buffer"}; }
  void update(Tensor& p, const Tensor& g, ParamState& s) override;

 private:
  double m_momentum;
  bool m_nesterov;
  double m_weightDecay;
};

}  // namespace strata
