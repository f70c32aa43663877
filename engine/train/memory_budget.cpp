#include "train/memory_budget.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "graph/analysis.h"

namespace strata {

namespace {

constexpr uint64_t kSaturated = UINT64_MAX / 4;

uint64_t saturatingMul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) || r > kSaturated ? kSaturated : r;
}

uint64_t saturatingAdd(uint64_t a, uint64_t b) { return a + b > kSaturated ? kSaturated : a + b; }

}  // namespace

TrainingMemoryEstimate estimateTrainingMemory(const GraphAnalysis& analysis, int64_t batch,
                                              int64_t sequenceLength) {
  const uint64_t b = static_cast<uint64_t>(std::max<int64_t>(batch, 1));
  const uint64_t t = static_cast<uint64_t>(std::max<int64_t>(sequenceLength, 1));
  TrainingMemoryEstimate e;
  for (const auto& [id, node] : analysis.nodes) {
    for (const TensorType& out : node.outputs) {
      uint64_t elements = 1;
      for (size_t d = 0; d < out.shape.size(); ++d) {
        const int64_t size = out.shape[d];
        elements = saturatingMul(elements, size >= 0 ? static_cast<uint64_t>(size)
                                                     : (d == 0 ? b : t));
      }
      // Float32 kept for the backward pass, and its gradient of the same size.
      e.activationBytes = saturatingAdd(e.activationBytes, saturatingMul(elements, 2 * 4));
    }
  }
  // A gradient and up to two optimizer moments (Adam) per float32 parameter; the parameters
  // themselves exist already when the check runs.
  e.parameterBytes = saturatingMul(static_cast<uint64_t>(std::max<int64_t>(
                                       analysis.totalParameters, 0)), 3 * 4);
  return e;
}

uint64_t availableMemoryBytes() {
  if (const char* cap = std::getenv("STRATA_MEMORY_LIMIT"); cap && *cap) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(cap, &end, 10);
    if (end && *end == '\0') return v;
  }
  return procMemoryField("/proc/meminfo", "MemAvailable");
}

uint64_t procMemoryField(const char* file, const std::string& key) {
  // Line by line: not every line has a unit (HugePages_Total: 0), so the fields cannot be read
  // as key/number/unit triples.
  std::ifstream in(file);
  const std::string prefix = key + ":";
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0)
      return std::strtoull(line.c_str() + prefix.size(), nullptr, 10) * 1024;
  return 0;
}

std::string formatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

Status checkTrainingMemory(const TrainingMemoryEstimate& estimate, uint64_t available,
                           int64_t batch) {
  if (available == 0 || estimate.totalBytes() <= available) return Status::ok();
  return Status::error(
      "training needs about " + formatBytes(estimate.totalBytes()) + " (activations at batch " +
      std::to_string(batch) + ": " + formatBytes(estimate.activationBytes) +
      ", gradients and optimizer state: " + formatBytes(estimate.parameterBytes) +
      ") but the machine has " + formatBytes(available) +
      " free; lower the batch size or the layer sizes");
}

}  // namespace strata
