// libFuzzer target: the ONNX importer (protobuf parse, initializer size checks, the ONNX checker,
// Strata's own metadata round trip and the op-by-op pattern import) over bytes in memory. What
// imports must also validate and save like any document.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "graph/analysis.h"
#include "io/onnx/importer.h"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto imported = importOnnxBytes(bytes);
  if (!imported) return 0;
  (void)analyze(imported->doc);
  const std::string saved = imported->doc.serialize();
  auto again = GraphDocument::parse(saved);
  fuzz::require(static_cast<bool>(again), "an imported graph does not load once saved",
                again ? std::string() : again.message());
  return 0;
}
