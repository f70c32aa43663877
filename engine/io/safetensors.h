// safetensors read/write: an 8-byte little-endian header length, a JSON header
// {"<key>": {"dtype": "F32"|"I64", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}
// and the raw little-endian data. Keys are PyTorch state_dict keys ("lstm1.weight_ih_l0").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "nn/module.h"

namespace strata {

struct TensorFile {
  std::vector<NamedTensor> tensors;  // in file order (sorted by offset)
  std::map<std::string, std::string> metadata;
};

Status saveSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});
// Every malformed case (short file, header length past the end, bad JSON, unknown dtype, offsets
// that overlap, leave gaps or run past the end, shape/size mismatch) fails with the path and reason.
Result<TensorFile> loadSafetensors(const std::string& path);
// The same reader over bytes already in memory; `name` starts the messages as the path does.
Result<TensorFile> parseSafetensors(const std::string& bytes,
                                    const std::string& name = "<memory>");

// Copies loaded tensors into `params` by name. Fails, changing nothing, on a missing key, an unknown
// key or a shape mismatch (naming the key and both shapes).
Status assignTensors(const std::vector<NamedTensor>& loaded, std::vector<NamedTensor>& params);

}  // namespace strata
