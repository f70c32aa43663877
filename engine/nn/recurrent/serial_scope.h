// SerialScope: while it lives, OpenMP (and so oneDNN, which reads omp_get_max_threads() when a
// primitive executes) runs on the calling thread only. The recurrent ops use it for shapes whose
// per-step work is smaller than an OpenMP fork/join; the choice depends on the shape only, so a
// given shape and thread count stays bit-reproducible. Nested inside a parallel region it does
// nothing.
#pragma once

#include <omp.h>

namespace strata {

class SerialScope {
 public:
  explicit SerialScope(bool serial) {
    if (!serial || omp_in_parallel()) return;
    m_previous = omp_get_max_threads();
    if (m_previous > 1) omp_set_num_threads(1);
  }
  ~SerialScope() {
    if (m_previous > 1) omp_set_num_threads(m_previous);
  }
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  int m_previous = 0;
};

}  // namespace strata
