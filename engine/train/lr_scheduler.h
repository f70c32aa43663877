// Learning-rate schedules as a pure function of the step index, so a resumed run gets the same
// rates: constant, step (x gamma every step_size steps), cosine (to 0 at the last step), each
// optionally after a linear warm-up; "linear-warmup" is the warm-up followed by the constant rate.
#pragma once

#include <cstdint>
#include <string>

namespace strata {

struct TrainSettings;

class LrScheduler {
 public:
  enum class Kind { Constant, Step, Cosine };
  LrScheduler(Kind kind, double baseLr, int64_t totalSteps, int64_t warmupSteps = 0,
              int64_t stepSize = 100, double gamma = 0.1);
  static LrScheduler fromSettings(const TrainSettings& s, int64_t totalSteps);

  // The rate for the update with 0-based index `step`. Warm-up: baseLr * (step + 1) / warmup for
  // step < warmup; the schedule after it counts from the end of the warm-up.
  double lrAt(int64_t step) const;

  double baseLr() const { return m_baseLr; }
  void setBaseLr(double lr) { m_baseLr = lr; }  // steering: later steps scale from the new rate
  int64_t totalSteps() const { return m_totalSteps; }

 private:
  Kind m_kind;
  double m_baseLr;
  int64_t m_totalSteps;
  int64_t m_warmup;
  int64_t m_stepSize;
  double m_gamma;
};

}  // namespace strata
