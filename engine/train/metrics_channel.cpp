// MetricsChannel and the CSV row format.
#include "train/metrics_channel.h"

#include <cmath>
#include <cstdio>

namespace strata {
namespace {

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::string metricsCsvHeader() { return "step,epoch,loss,val_loss,accuracy,lr,samples_per_s"; }

std::string metricsCsvRow(const StepMetrics& m) {
  return std::to_string(m.step) + "," + std::to_string(m.epoch) + "," + num(m.loss) + "," +
         num(m.valLoss) + "," + num(m.accuracy) + "," + num(m.lr) + "," + num(m.samplesPerSec);
}

void MetricsChannel::push(StepMetrics m) {
  std::lock_guard lock(m_mutex);
  if (m_queue.size() >= m_capacity && !m_queue.empty()) {
    m_queue.pop_front();
    ++m_dropped;
  }
  m_queue.push_back(std::move(m));
}

std::vector<StepMetrics> MetricsChannel::drain() {
  std::deque<StepMetrics> taken;
  {
    std::lock_guard lock(m_mutex);
    taken.swap(m_queue);
  }
  return {std::make_move_iterator(taken.begin()), std::make_move_iterator(taken.end())};
}

size_t MetricsChannel::size() const {
  std::lock_guard lock(m_mutex);
  return m_queue.size();
}

uint64_t MetricsChannel::dropped() const {
  std::lock_guard lock(m_mutex);
  return m_dropped;
}

}  // namespace strata
