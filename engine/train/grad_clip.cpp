// Gradient norm and clipping.
#include "train/grad_clip.h"

#include <cmath>

#include "backends/backend.h"

namespace strata {

double gradNorm(const std::vector<NamedTensor>& params) {
  double sumSq = 0;
  std::vector<Tensor> onGpu;  // summed on their device, copied back in one go
  for (const auto& p : params)
    if (Tensor g = p.tensor.grad(); onDevice(g)) onGpu.push_back(g);
  if (!onGpu.empty())
    for (double s : backendFor(onGpu[0].device()).sumSquaresMany(onGpu)) sumSq += s;
  for (const auto& p : params) {
    Tensor g = p.tensor.grad();
    if (!g.defined() || onDevice(g)) continue;
    const float* d = g.f32();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) sumSq += static_cast<double>(d[i]) * d[i];
  }
  return std::sqrt(sumSq);
}

double clipGradNorm(const std::vector<NamedTensor>& params, double maxNorm) {
  const double total = gradNorm(params);
  if (!std::isfinite(total)) return total;
  const double coef = maxNorm / (total + 1e-6);
  if (coef >= 1.0) return total;
  const auto c = static_cast<float>(coef);
  for (const auto& p : params) {
    Tensor g = p.tensor.grad();
    if (!g.defined()) continue;
    if (onDevice(g)) {
      backendFor(g.device()).scaleInPlace(g, c);
      continue;
    }
    float* d = g.f32();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) d[i] *= c;
  }
  return total;
}

}  // namespace strata
