#include "core/rng.h"

#include <cmath>

namespace strata {

float Rng::normal() {
  if (m_hasSpare) {
    m_hasSpare = false;
    return m_spare;
  }
  double u1 = (static_cast<double>(m_gen() >> 11) + 1.0) * (1.0 / 9007199254740993.0);  // (0, 1]
  double u2 = static_cast<double>(m_gen() >> 11) * (1.0 / 9007199254740992.0);          // [0, 1)
  double r = std::sqrt(-2.0 * std::log(u1));
  double t = 2.0 * M_PI * u2;
  m_spare = static_cast<float>(r * std::sin(t));
  m_hasSpare = true;
  return static_cast<float>(r * std::cos(t));
}

}  // namespace strata
