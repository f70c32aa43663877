// DataSet: spec dispatch, train/validation split, batching and the preview.
#include "train/data_set.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "core/rng.h"
#include "train/data_sources.h"

namespace strata {

Tensor gatherRows(const Tensor& t, const std::vector<int64_t>& indices) {
  Shape shape = t.shape();
  const int64_t n = shape.at(0);
  shape[0] = static_cast<int64_t>(indices.size());
  Tensor out = Tensor::empty(shape, t.dtype());
  const size_t rowBytes = n ? t.bytes() / static_cast<size_t>(n) : 0;
  const auto* src = static_cast<const char*>(t.raw());
  auto* dst = static_cast<char*>(out.raw());
  for (size_t i = 0; i < indices.size(); ++i) {
    int64_t r = indices[i];
    if (r < 0 || r >= n) throw std::out_of_range("gatherRows: index " + std::to_string(r));
    std::memcpy(dst + i * rowBytes, src + static_cast<size_t>(r) * rowBytes, rowBytes);
  }
  return out;
}

Tensor DataSet::gatherInputs(const std::vector<int64_t>& indices) const {
  return gatherRows(inputs, indices);
}

Tensor DataSet::gatherTargets(const std::vector<int64_t>& indices) const {
  return gatherRows(targets, indices);
}

DataSplit DataSet::split(double valSplit, uint64_t seed, bool shuffled) const {
  const int64_t n = size();
  int64_t nVal = static_cast<int64_t>(std::llround(static_cast<double>(n) * valSplit));
  if (valSplit > 0 && n >= 2) nVal = std::max<int64_t>(nVal, 1);
  nVal = std::clamp<int64_t>(nVal, 0, std::max<int64_t>(n - 1, 0));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (shuffled) {
    // Fisher-Yates with our own Rng so the split is the same on every platform.
    Rng rng(seed ^ 0x5eedda7a5e7ull);
    for (int64_t i = n - 1; i > 0; --i)
      std::swap(order[static_cast<size_t>(i)], order[rng.below(static_cast<uint64_t>(i + 1))]);
  }
  DataSplit s;
  s.train.assign(order.begin(), order.end() - nVal);
  s.validation.assign(order.end() - nVal, order.end());
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.validation.begin(), s.validation.end());
  return s;
}

DataPreview DataSet::preview(int maxRows) const {
  DataPreview p;
  p.description = description;
  p.samples = size();
  p.vocabSize = vocabSize();
  p.columns = columns;
  for (size_t i = 0; i < headRows.size() && static_cast<int>(i) < maxRows; ++i)
    p.rows.push_back(headRows[i]);
  if (!headText.empty()) {
    p.text = headText;
  } else if (inputs.defined() && inputs.dtype() == DType::Int64 && size() > 0) {
    // Token tasks: show the first samples as "x -> y" rows of token ids.
    const int64_t perX = inputs.numel() / size(), perY = targets.numel() / size();
    for (int64_t r = 0; r < std::min<int64_t>(size(), maxRows); ++r) {
      for (int64_t k = 0; k < perX; ++k)
        p.text += std::to_string(inputs.i64()[r * perX + k]) + (k + 1 < perX ? " " : "");
      p.text += "  ->  ";
      if (targets.dtype() == DType::Int64)
        for (int64_t k = 0; k < perY; ++k)
          p.text += std::to_string(targets.i64()[r * perY + k]) + (k + 1 < perY ? " " : "");
      p.text += "\n";
    }
  }
  return p;
}

Result<DataSet> makeDataSet(const std::string& spec, const DataRequest& request, uint64_t seed) {
  auto withSpec = [&](Result<DataSet> r) -> Result<DataSet> {
    if (r) r->spec = spec;
    return r;
  };
  if (request.inputShape.empty())
    return Result<DataSet>::error("data " + spec + ": the model's Input has no per-sample shape");
  if (spec == "sine") return withSpec(data::makeSine(request, seed));
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (colon != std::string::npos && arg.empty())
    return Result<DataSet>::error("data spec '" + spec + "': missing the part after '" + kind +
                                  ":'");
  if (kind == "sine" && !arg.empty()) {
    auto options = data::parseSineOptions(arg);
    if (!options) return options.status();
    return withSpec(data::makeSine(request, seed, *options));
  }
  if (kind == "text" && !arg.empty()) return withSpec(data::makeText(arg, request));
  if (kind == "csv" && !arg.empty()) return withSpec(data::makeCsv(arg, request));
  if (kind == "task" && !arg.empty()) return withSpec(data::makeTask(arg, request, seed));
  if (kind == "npy" && !arg.empty()) {
    const auto comma = arg.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == arg.size())
      return Result<DataSet>::error("data spec '" + spec +
                                    "': expected npy:INPUTS.npy,TARGETS.npy");
    return withSpec(data::makeNpy(arg.substr(0, comma), arg.substr(comma + 1), request));
  }
  return Result<DataSet>::error("unknown data spec '" + spec +
                                "' (expected sine[:noise=X,windows=N], text:FILE, csv:FILE, "
                                "npy:INPUTS.npy,TARGETS.npy"
                                " or task:copy|reverse|sort)");
}

}  // namespace strata
