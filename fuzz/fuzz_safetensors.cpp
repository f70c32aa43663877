// libFuzzer target: the safetensors reader (header length, JSON header, dtypes, shapes, offsets
// that must tile the data) over bytes in memory, then assigning what loaded to matching params.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "io/safetensors.h"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto file = parseSafetensors(bytes, "fuzz.safetensors");
  if (!file) return 0;
  uint64_t total = 0;
  for (const NamedTensor& t : file->tensors) {
    fuzz::require(t.tensor.defined(), "a loaded tensor is undefined", t.name);
    total += t.tensor.bytes();
  }
  fuzz::require(total <= size, "loaded more tensor bytes than the file holds");
  // Loading into parameters shaped as the file says must succeed and copy everything.
  std::vector<NamedTensor> params;
  for (const NamedTensor& t : file->tensors)
    params.push_back({t.name, Tensor::zeros(t.tensor.shape(), t.tensor.dtype())});
  Status s = assignTensors(file->tensors, params);
  fuzz::require(static_cast<bool>(s), "assignTensors refused the file's own tensors", s.message());
  return 0;
}
