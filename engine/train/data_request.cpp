// DataRequest from a compiled Model.
#include "train/data_request.h"

#include <algorithm>

#include "graph/model.h"

namespace strata {

Result<DataRequest> dataRequestFor(const Model& model, int64_t seqLen) {
  using R = Result<DataRequest>;
  const auto& names = model.inputNames();
  if (names.size() != 1) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return R::error("the data sets feed exactly one Input; the graph has " +
                    std::to_string(names.size()) + (list.empty() ? "" : " (" + list + ")"));
  }
  if (!model.hasLoss())
    return R::error("the graph has no loss node: connect an MSELoss or CrossEntropyLoss to train");
  auto target = model.targetType();
  if (!target) return R::error("the loss node's target type is unknown (check `validate`)");
  const TensorType in = model.inputType(names[0]);
  if (in.shape.empty() || target->shape.empty())
    return R::error("the Input or the loss target has no batch dimension");
  DataRequest r;
  r.inputShape.assign(in.shape.begin() + 1, in.shape.end());
  r.inputDtype = in.kind == ValueKind::Int64 ? DType::Int64 : DType::Float32;
  r.targetShape.assign(target->shape.begin() + 1, target->shape.end());
  r.targetDtype = target->kind == ValueKind::Int64 ? DType::Int64 : DType::Float32;
  r.seqLen = seqLen;
  for (const auto& [id, node] : model.analysis().nodes) {
    if (!node.spec || node.spec->type != "Embedding") continue;
    auto it = node.params.find("num_embeddings");
    if (it == node.params.end() || !it->is_number_integer()) continue;
    const int64_t v = it->get<int64_t>();
    r.maxVocab = r.maxVocab == 0 ? v : std::min(r.maxVocab, v);
  }
  return r;
}

}  // namespace strata
