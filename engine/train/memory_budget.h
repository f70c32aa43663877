// Whether a training run fits the machine, checked before the run allocates anything big: the
// activations every node keeps for the backward pass (and their gradients) at the chosen batch,
// plus the parameters' gradients and optimizer moments, against the memory the machine has free.
// A student who sets batch 4096 on a Transformer gets a message with both numbers, not a
// machine that swaps itself to a standstill or an out-of-memory kill that loses the session.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace strata {

struct GraphAnalysis;

struct TrainingMemoryEstimate {
  uint64_t activationBytes = 0;  // node outputs at the batch, and their gradients
  uint64_t parameterBytes = 0;   // gradients and two optimizer moments per parameter
  uint64_t totalBytes() const { return activationBytes + parameterBytes; }
};

// Symbolic dimensions count as `batch` for the first (batch) dimension and `sequenceLength` for
// the others (attention's [B, h, T, T] scores count T twice). Saturates instead of overflowing.
TrainingMemoryEstimate estimateTrainingMemory(const GraphAnalysis& analysis, int64_t batch,
                                              int64_t sequenceLength);

// Bytes the machine can still give: $STRATA_MEMORY_LIMIT when set (a cap a user or a test
// chooses), else MemAvailable from /proc/meminfo; 0 when unknown (then nothing is refused).
uint64_t availableMemoryBytes();

// The bytes of a "Key:   N kB" line of a /proc file (/proc/meminfo, /proc/self/status); 0 when
// the file or the key is missing.
uint64_t procMemoryField(const char* file, const std::string& key);

// "12.3 MiB", "3.2 GiB", "512 B".
std::string formatBytes(uint64_t bytes);

// An error naming the estimate, its parts and the limit when the run would not fit `available`.
Status checkTrainingMemory(const TrainingMemoryEstimate& estimate, uint64_t available,
                           int64_t batch);

}  // namespace strata
