// StagedTasks: the time loop of GemmRecurrent across threads.
// Runs `stages` stages of `tasks` tasks each: a task of stage k starts only when every task of
// stage k-1 has finished (a time step needs all of the previous step's h). Threads claim the next
// task from one counter rather than owning fixed chunks behind a per-step barrier, and a thread
// that has waited long for a task another thread holds (the OS descheduled it: a busy machine)
// carries on alone: the others stop claiming, so the rest of the loop runs at one thread's speed
// instead of waiting for a descheduled thread at every step (measured with a parallel test run
// beside it: W1's forward 3.6-7x slower on 2 threads than on one, with a per-step barrier).
// Which thread runs a task never changes the result: its arithmetic depends only on its stage
// and chunk.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include <omp.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace strata {

class StagedTasks final {
 public:
  template <class Fn>
  static void run(int threads, int64_t stages, int tasks, Fn&& fn) {
    std::atomic<int64_t> next{0}, done{0};
    std::atomic<int> solo{-1};
    const int64_t total = stages * tasks;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      const int me = omp_get_thread_num();
      for (;;) {
        const int alone = solo.load(std::memory_order_relaxed);
        if (alone >= 0 && alone != me) break;  // only before claiming: no task is dropped
        const int64_t k = next.fetch_add(1, std::memory_order_relaxed);
        if (k >= total) break;
        const int64_t stage = k / tasks, need = stage * tasks;
        for (int spins = 0; done.load(std::memory_order_acquire) < need; ++spins) {
          if (spins < 20000) {
#if defined(__x86_64__) || defined(__i386__)
            _mm_pause();
#endif
            continue;
          }
          int none = -1;
          solo.compare_exchange_strong(none, me, std::memory_order_relaxed);
          std::this_thread::yield();
        }
        fn(stage, static_cast<int>(k % tasks));
        done.fetch_add(1, std::memory_order_release);
      }
    }
  }
};

}  // namespace strata
