// libFuzzer target: the csv: data-set reader (header detection, cells, numbers, column counts)
// and the windowing behind it. The first two bytes choose what the model asks for (window
// length, columns, target kind) so the windowing's shape rules are fuzzed along with the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "train/data_sources.h"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int64_t window = data[0] % 17;          // 0 .. 16 (0 is refused)
  const int64_t cols = 1 + (data[1] >> 4) % 4;  // the Input's feature count: 1 .. 4
  DataRequest request;
  request.inputShape = (data[1] & 1) ? Shape{window, cols} : Shape{window};
  if (data[0] & 0x80) request.inputShape[0] = kSeq, request.seqLen = window;
  switch ((data[1] >> 1) & 7) {
    case 0: request.targetShape = {1}; break;
    case 1: request.targetShape = {cols}; break;
    case 2: request.targetShape = {kSeq}; break;
    case 3: request.targetShape = {kSeq, 1}; break;
    case 4: request.targetShape = {kSeq, cols}; break;
    case 5: request.targetShape = {}; break;
    case 6: request.targetShape = {window, 2}; break;
    default: request.targetDtype = DType::Int64; break;
  }
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto ds = data::parseCsv(text, request, "csv:fuzz.csv");
  if (!ds) return 0;
  fuzz::require(ds->size() >= 1, "a data set with no samples loaded");
  fuzz::require(ds->targets.defined() && ds->targets.size(0) == ds->size(),
                "inputs and targets disagree on the sample count");
  const DataSplit split = ds->split(0.2, 7, true);
  (void)ds->gatherInputs(split.train);
  (void)ds->gatherTargets(split.validation);
  (void)ds->preview();
  return 0;
}
