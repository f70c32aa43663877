// Seeded random numbers for parameter initialisation, dropout masks and data shuffling.
// One Rng per purpose keeps runs reproducible: same seed => same numbers on every platform
// (std::mt19937_64 is specified exactly; the distributions below are our own, not libstdc++'s).
#pragma once

#include <cstdint>
#include <random>

namespace strata {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : m_gen(seed) {}
  void seed(uint64_t s) { m_gen.seed(s); }
  uint64_t nextU64() { return m_gen(); }
  // Uniform in [0, 1) with 24 random bits, exactly representable as float.
  float uniform() { return static_cast<float>(m_gen() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal by Box-Muller (deterministic, platform independent).
  float normal();
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n ? m_gen() % n : 0; }

 private:
  std::mt19937_64 m_gen;
  bool m_hasSpare = false;
  float m_spare = 0.0f;
};

}  // namespace strata
