// libFuzzer target: the .npy reader (magic, version, the Python-dict header, dtype conversion,
// the declared size against the data) over bytes in memory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "io/npy.h"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto t = parseNpy(bytes, "fuzz.npy");
  if (!t) return 0;
  fuzz::require(t->defined(), "a loaded array is undefined");
  fuzz::require(t->bytes() <= size, "loaded more bytes than the file holds", describe(*t));
  (void)describe(*t);
  return 0;
}
