// Adam and AdamW as torch.optim.Adam / AdamW (amsgrad off): Adam adds weight decay to the gradient
// (L2), AdamW decays the weights directly (p *= 1 - lr * wd) before the moment update.
#pragma once

#include "train/optimizer.h"

namespace strata {

class Adam : public Optimizer {
 public:
  Adam(std::vector<NamedTensor> params, double lr, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8, double weightDecay = 0.0, bool decoupled = false);
  const char* name() const override { return m_decoupled ? "adamw" : "adam"; }

 protected:
  std::vector<std::string> bufferNames() const override { return {"exp_avg", "exp_avg_sq"}; }
  void update(Tensor& p, const Tensor& g, ParamState& s) override;

 private:
  double m_beta1, m_beta2, m_eps, m_weightDecay;
  bool m_decoupled;
};

class AdamW final : public Adam {
 public:
  AdamW(std::vector<NamedTensor> params, double lr, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01)
      : Adam(std::move(params), lr, beta1, beta2, eps, weightDecay, true) {}
};

}  // namespace strata
