// Adam/AdamW update, written in the order torch.optim 1.13 (_single_tensor_adam[w]) computes it:
// fp32 tensors, Python-float (double) bias corrections.
#include "train/adam.h"

#include <cmath>

#include "backends/backend.h"

namespace strata {

Adam::Adam(std::vector<NamedTensor> params, double lr, double beta1, double beta2, double eps,
           double weightDecay, bool decoupled)
    : Optimizer(std::move(params), lr),
      m_beta1(beta1),
      m_beta2(beta2),
      m_eps(eps),
      m_weightDecay(weightDecay),
      m_decoupled(decoupled) {}

void Adam::update(Tensor& p, const Tensor& g, ParamState& s) {
  if (!s.buffers[0].defined()) {
    s.buffers[0] = Tensor::zeros(p.shape(), DType::Float32, p.device());
    s.buffers[1] = Tensor::zeros(p.shape(), DType::Float32, p.device());
  }
  ++s.steps;
  const auto step = static_cast<double>(s.steps);
  const double biasCorrection1 = 1 - std::pow(m_beta1, step);
  const double biasCorrection2 = 1 - std::pow(m_beta2, step);
  const auto negStepSize = static_cast<float>(-(m_lr / biasCorrection1));
  const auto bc2Sqrt = static_cast<float>(std::sqrt(biasCorrection2));
  const auto b1 = static_cast<float>(m_beta1), b2 = static_cast<float>(m_beta2);
  const auto oneMinusB1 = static_cast<float>(1 - m_beta1);
  const auto oneMinusB2 = static_cast<float>(1 - m_beta2);
  const auto eps = static_cast<float>(m_eps);
  const auto wd = static_cast<float>(m_weightDecay);
  const auto decay = static_cast<float>(1 - m_lr * m_weightDecay);  // AdamW: p *= 1 - lr*wd

  if (onDevice(p)) {  // loaded state arrives on the host: it follows the parameter once
    for (Tensor& b : s.buffers) b.moveTo(p.device());  // (undefined ones stay so)
    backendFor(p.device()).adamStep(p, g, s.buffers[0], s.buffers[1],
                                    {negStepSize, bc2Sqrt, b1, b2, oneMinusB1, oneMinusB2, eps,
                                     wd, decay, m_decoupled, m_weightDecay != 0});
    return;
  }
  const int64_t n = p.numel();
  float* w = p.f32();
  const float* grad = g.f32();
  float* m = s.buffers[0].f32();
  float* v = s.buffers[1].f32();
  for (int64_t i = 0; i < n; ++i) {
    float gi = grad[i];
    if (m_decoupled)
      w[i] = w[i] * decay;
    else if (m_weightDecay != 0)
      gi = gi + wd * w[i];
    m[i] = m[i] * b1 + oneMinusB1 * gi;
    v[i] = v[i] * b2 + oneMinusB2 * (gi * gi);
    const float denom = std::sqrt(v[i]) / bc2Sqrt + eps;
    w[i] = w[i] + negStepSize * (m[i] / denom);
  }
}

}  // namespace strata
