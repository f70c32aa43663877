// SGD update, written in the order torch.optim.SGD 1.13 (_single_tensor_sgd) computes it, in fp32.
#include "train/sgd.h"

#include "backends/backend.h"

namespace strata {

Sgd::Sgd(std::vector<NamedTensor> params, double lr, double momentum, bool nesterov,
         double weightDecay)
    : Optimizer(std::move(params), lr),
      m_momentum(momentum),
      m_nesterov(nesterov),
      m_weightDecay(weightDecay) {}

void Sgd::update(Tensor& p, const Tensor& g, ParamState& s) {
  const int64_t n = p.numel();
  float* w = p.f32();
  const float* grad = g.f32();
  const auto wd = static_cast<float>(m_weightDecay);
  const auto mu = static_cast<float>(m_momentum);
  const auto negLr = static_cast<float>(-m_lr);
  Tensor& buf = s.buffers[0];
  const bool firstStep = !buf.defined();
  if (m_momentum != 0 && firstStep) buf = Tensor::empty(p.shape(), DType::Float32, p.device());
  if (onDevice(p)) {
    if (buf.defined()) buf.moveTo(p.device());
    backendFor(p.device()).sgdStep(p, g, buf,
                                   {wd, mu, negLr, m_weightDecay != 0, m_momentum != 0,
                                    m_nesterov, firstStep});
    ++s.steps;
    return;
  }
  float* b = buf.defined() ? buf.f32() : nullptr;
  for (int64_t i = 0; i < n; ++i) {
    float d = grad[i];
    if (m_weightDecay != 0) d = d + wd * w[i];  // d_p = d_p.add(param, alpha=wd)
    if (m_momentum != 0) {
      b[i] = firstStep ? d : b[i] * mu + d;  // buf = clone(d_p), then buf*mu + (1-0)*d_p
      d = m_nesterov ? d + mu * b[i] : b[i];
    }
    w[i] = w[i] + negLr * d;  // param.add_(d_p, alpha=-lr)
  }
  ++s.steps;
}

}  // namespace strata
