// Numeric series data sets: `sine` (a noisy sine wave) and `csv:FILE`, cut into windows shaped to
// the model's Input, with next-value or next-step-sequence targets shaped to the loss.
#include <charconv>
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include "core/rng.h"
#include "train/data_sources.h"

namespace strata::data {

Shape resolveShape(const Shape& s, int64_t seqLen) {
  Shape r = s;
  for (auto& d : r)
    if (d < 0) d = seqLen;
  return r;
}

namespace {

enum class TargetKind { NextValue, NextRow, Sequence };

}  // namespace

Result<DataSet> windowSeries(const Series& series, const DataRequest& request,
                             const std::string& what) {
  using R = Result<DataSet>;
  const Shape in = resolveShape(request.inputShape, request.seqLen);
  const int64_t c = series.cols;
  if (request.inputDtype != DType::Float32)
    return R::error(what + ": gives float32 values, but the model's Input is int64");
  if (request.targetDtype != DType::Float32)
    return R::error(what +
                    ": gives float32 targets, but the loss needs int64 class indices "
                    "(use MSELoss for a numeric series)");
  int64_t w = 0;
  if (in.size() == 1 && c == 1) {
    w = in[0];
  } else if (in.size() == 2 && in[1] == c) {
    w = in[0];
  } else {
    return R::error(what + ": has " + std::to_string(c) + " column(s); the Input must be shaped " +
                    (c == 1 ? "[W] or [W, 1]" : "[W, " + std::to_string(c) + "]") +
                    " (without the batch), got " + shapeToString(request.inputShape));
  }
  // Target: symbolic dims follow the window length.
  const Shape tgt = resolveShape(request.targetShape, w);
  TargetKind kind;
  int64_t tf = 1;  // target features: 1 = last column, c = all columns
  if (numel(tgt) == 1) {
    kind = TargetKind::NextValue;
  } else if (tgt.size() == 1 && tgt[0] == c) {
    kind = TargetKind::NextRow, tf = c;
  } else if (tgt.size() == 1 && tgt[0] == w) {
    kind = TargetKind::Sequence;
  } else if (tgt.size() == 2 && tgt[0] == w && (tgt[1] == 1 || tgt[1] == c)) {
    kind = TargetKind::Sequence, tf = tgt[1];
  } else {
    return R::error(what + ": cannot make targets shaped " + shapeToString(request.targetShape) +
                    " for windows of " + std::to_string(w) +
                    " (the loss input must be [1] for the next value, [" + std::to_string(c) +
                    "] for the next row, or [" + std::to_string(w) + ", 1] / [" +
                    std::to_string(w) + ", " + std::to_string(c) + "] for the next-step sequence)");
  }
  const int64_t n = series.rows - w;
  if (w < 1 || n < 1)
    return R::error(what + ": has " + std::to_string(series.rows) + " rows; windows of " +
                    std::to_string(w) + " need at least " + std::to_string(w + 1));

  Shape xs{n};
  xs.insert(xs.end(), in.begin(), in.end());
  Shape ys{n};
  ys.insert(ys.end(), tgt.begin(), tgt.end());
  DataSet ds;
  ds.inputs = Tensor::empty(xs);
  ds.targets = Tensor::empty(ys);
  float* x = ds.inputs.f32();
  float* y = ds.targets.f32();
  const float* v = series.values.data();
  const int64_t firstCol = tf == c ? 0 : c - 1;  // one target feature: the last column
  for (int64_t i = 0; i < n; ++i) {
    std::copy(v + i * c, v + (i + w) * c, x + i * w * c);
    if (kind == TargetKind::Sequence) {
      for (int64_t t = 0; t < w; ++t)
        for (int64_t f = 0; f < tf; ++f)
          y[(i * w + t) * tf + f] = v[(i + t + 1) * c + firstCol + f];
    } else {
      for (int64_t f = 0; f < tf; ++f) y[i * tf + f] = v[(i + w) * c + firstCol + f];
    }
  }
  ds.columns = series.columns;
  for (int64_t r = 0; r < std::min<int64_t>(series.rows, 16); ++r)
    ds.headRows.emplace_back(v + r * c, v + (r + 1) * c);
  const char* targetText = kind == TargetKind::Sequence  ? "next-step sequence"
                           : kind == TargetKind::NextRow ? "next row"
                                                         : "next value";
  ds.description = what + ": " + std::to_string(n) + " windows of " + std::to_string(w) + " x " +
                   std::to_string(c) + " -> " + targetText;
  return ds;
}

Result<SineOptions> parseSineOptions(const std::string& options) {
  using R = Result<SineOptions>;
  SineOptions o;
  std::stringstream ss(options);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    const char* b = value.data();
    const char* e = b + value.size();
    if (key == "noise") {
      double d = -1;
      auto [ptr, ec] = std::from_chars(b, e, d);
      if (value.empty() || ec != std::errc() || ptr != e || !(d >= 0) || !std::isfinite(d))
        return R::error("sine: noise must be a number >= 0, got '" + value + "'");
      o.noise = d;
    } else if (key == "windows") {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(b, e, n);
      if (value.empty() || ec != std::errc() || ptr != e || n < 1 || n > 10'000'000)
        return R::error("sine: windows must be an integer in [1, 10000000], got '" + value + "'");
      o.windows = n;
    } else {
      return R::error("sine: unknown option '" + key + "' (expected noise=X or windows=N)");
    }
  }
  return o;
}

Result<DataSet> makeSine(const DataRequest& request, uint64_t seed, const SineOptions& options) {
  // Two incommensurate periods plus a little noise: smooth enough to learn, not a pure copy task.
  // The noise draws are the same whatever its level, so sine:noise=X scales one fixed pattern.
  const int64_t kWindows = options.windows;
  const Shape in = resolveShape(request.inputShape, request.seqLen);
  const int64_t w = in.empty() ? 0 : in[0];
  Series s;
  s.cols = 1;
  s.rows = kWindows + w;
  s.columns = {"sine"};
  Rng rng(seed ^ 0x51e51e51eull);
  s.values.resize(static_cast<size_t>(s.rows));
  for (int64_t t = 0; t < s.rows; ++t) {
    const double a = 2.0 * std::numbers::pi * static_cast<double>(t);
    s.values[static_cast<size_t>(t)] =
        static_cast<float>(std::sin(a / 25.0) + 0.3 * std::sin(a / 7.3)) +
        static_cast<float>(options.noise) * rng.normal();
  }
  return windowSeries(s, request, "sine");
}

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> splitCells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) cells.push_back(trim(cell));
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

bool parseNumber(const std::string& cell, float& out) {
  if (cell.empty()) return false;
  const char* b = cell.data();
  const char* e = b + cell.size();
  if (*b == '+') ++b;
  double d = 0;
  auto [ptr, ec] = std::from_chars(b, e, d);
  if (ec != std::errc() || ptr != e || !std::isfinite(d)) return false;
  out = static_cast<float>(d);
  return true;
}

}  // namespace

Result<DataSet> makeCsv(const std::string& path, const DataRequest& request) {
  const std::string what = "csv:" + path;
  std::ifstream file(path, std::ios::binary);
  if (!file) return Result<DataSet>::error(what + ": cannot open the file");
  return readCsv(file, request, what);
}

Result<DataSet> parseCsv(const std::string& text, const DataRequest& request,
                         const std::string& what) {
  std::istringstream in(text, std::ios::binary);
  return readCsv(in, request, what);
}

Result<DataSet> readCsv(std::istream& file, const DataRequest& request, const std::string& what) {
  using R = Result<DataSet>;
  Series s;
  std::string line;
  int64_t lineNo = 0;
  bool first = true;
  while (std::getline(file, line)) {
    ++lineNo;
    if (trim(line).empty()) continue;
    std::vector<std::string> cells = splitCells(line);
    if (first) {
      first = false;
      s.cols = static_cast<int64_t>(cells.size());
      int numeric = 0;
      float dummy;
      for (const auto& c : cells) numeric += parseNumber(c, dummy) ? 1 : 0;
      if (numeric == 0) {  // a header row
        s.columns = cells;
        continue;
      }
      for (int64_t k = 0; k < s.cols; ++k) s.columns.push_back("col" + std::to_string(k));
    }
    if (static_cast<int64_t>(cells.size()) != s.cols)
      return R::error(what + ": line " + std::to_string(lineNo) + " has " +
                      std::to_string(cells.size()) + " columns, expected " +
                      std::to_string(s.cols));
    for (size_t k = 0; k < cells.size(); ++k) {
      float v = 0;
      if (!parseNumber(cells[k], v))
        return R::error(what + ": line " + std::to_string(lineNo) + ", column " +
                        std::to_string(k + 1) + ": '" + cells[k] + "' is not a finite number");
      s.values.push_back(v);
    }
    ++s.rows;
  }
  if (s.rows == 0) return R::error(what + ": no data rows");
  return windowSeries(s, request, what);
}

}  // namespace strata::data
