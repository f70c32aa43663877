// libFuzzer target: the text: data-set reader (UTF-8 splitting, the character vocabulary, the
// sequence windows and shifted targets). The first byte chooses the sequence length, the target
// kind and the Embedding's vocabulary limit.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "train/data_sources.h"

using namespace strata;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  DataRequest request;
  request.inputDtype = DType::Int64;
  request.targetDtype = DType::Int64;
  request.seqLen = data[0] % 33;  // 0 .. 32 (0 is refused)
  request.inputShape = {kSeq};
  request.targetShape = (data[0] & 0x40) ? Shape{1} : Shape{kSeq};
  request.maxVocab = (data[0] & 0x80) ? 64 : 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto ds = data::parseText(text, request, "text:fuzz.txt");
  if (!ds) return 0;
  fuzz::require(ds->size() >= 1, "a data set with no samples loaded");
  const int64_t vocab = ds->vocabSize();
  for (int64_t i = 0; i < ds->inputs.numel(); ++i)
    fuzz::require(ds->inputs.i64()[i] >= 0 && ds->inputs.i64()[i] < vocab,
                  "a token id is outside the vocabulary");
  const DataSplit split = ds->split(0.1, 3, false);
  (void)ds->gatherInputs(split.train);
  (void)ds->preview();
  return 0;
}
