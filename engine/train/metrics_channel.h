// Training metrics and the thread-safe queue that carries them from the trainer's thread to a GUI
// (which drains it on a timer, ~20 Hz) without ever holding the trainer up for more than a push.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace strata {

struct StepMetrics {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int64_t step = 0;           // 1-based count of completed optimizer steps
  int64_t epoch = 0;          // 1-based epoch the step belongs to
  double loss = kNaN;         // training loss of this step's batch
  double valLoss = kNaN;      // NaN unless validation ran after this step
  double accuracy = kNaN;     // CrossEntropy only: this batch's accuracy (ignore_index skipped)
  double valAccuracy = kNaN;  // CrossEntropy only, when validation ran
  double lr = kNaN;           // rate used for this step
  double samplesPerSec = kNaN;
  double gradNorm = kNaN;                       // total gradient 2-norm before clipping
  std::map<std::string, double> nodeGradNorms;  // node id -> 2-norm of its parameters' grads
};

// The CSV log of `strata-cli train --log`: one row per step.
std::string metricsCsvHeader();  // "step,epoch,loss,val_loss,accuracy,lr,samples_per_s"
std::string metricsCsvRow(const StepMetrics& m);

class MetricsChannel {
 public:
  explicit MetricsChannel(size_t capacity = 100000) : m_capacity(capacity) {}
  // Trainer side. When the queue is full the oldest entry is dropped (and counted).
  void push(StepMetrics m);
  // GUI side: takes everything queued so far, oldest first.
  std::vector<StepMetrics> drain();
  size_t size() const;
  uint64_t dropped() const;

 private:
  mutable std::mutex m_mutex;
  std::deque<StepMetrics> m_queue;
  size_t m_capacity;
  uint64_t m_dropped = 0;
};

}  // namespace strata
