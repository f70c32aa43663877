// LR schedules.
#include "train/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "train/train_settings.h"

namespace strata {

LrScheduler::LrScheduler(Kind kind, double baseLr, int64_t totalSteps, int64_t warmupSteps,
                         int64_t stepSize, double gamma)
    : m_kind(kind),
      m_baseLr(baseLr),
      m_totalSteps(std::max<int64_t>(totalSteps, 1)),
      m_warmup(std::max<int64_t>(warmupSteps, 0)),
      m_stepSize(std::max<int64_t>(stepSize, 1)),
      m_gamma(gamma) {}

LrScheduler LrScheduler::fromSettings(const TrainSettings& s, int64_t totalSteps) {
  Kind kind = s.schedule == "step"     ? Kind::Step
              : s.schedule == "cosine" ? Kind::Cosine
                                       : Kind::Constant;
  return LrScheduler(kind, s.lr, totalSteps, s.warmupSteps, s.stepSize, s.gamma);
}

double LrScheduler::lrAt(int64_t step) const {
  step = std::max<int64_t>(step, 0);
  if (step < m_warmup)
    return m_baseLr * static_cast<double>(step + 1) / static_cast<double>(m_warmup);
  const int64_t t = step - m_warmup;
  switch (m_kind) {
    case Kind::Constant:
      return m_baseLr;
    case Kind::Step:
      return m_baseLr * std::pow(m_gamma, static_cast<double>(t / m_stepSize));
    case Kind::Cosine: {
      const int64_t span = std::max<int64_t>(m_totalSteps - m_warmup, 1);
      const double frac = std::min(1.0, static_cast<double>(t) / static_cast<double>(span));
      return m_baseLr * 0.5 * (1.0 + std::cos(std::numbers::pi * frac));
    }
  }
  return m_baseLr;
}

}  // namespace strata
