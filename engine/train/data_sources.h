// Internal to engine/train: one builder per data spec kind, and the windowing they share.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "train/data_set.h"

namespace strata::data {

// A numeric series: rows x cols, row-major.
struct Series {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<float> values;
  std::vector<std::string> columns;
};

// Cuts `series` into windows shaped to the request. `what` prefixes messages ("csv:a.csv").
Result<DataSet> windowSeries(const Series& series, const DataRequest& request,
                             const std::string& what);

// The sine series' options, from `sine:noise=X,windows=N` (plain `sine` keeps the defaults).
struct SineOptions {
  double noise = 0.05;    // standard deviation of the added Gaussian noise (>= 0)
  int64_t windows = 1000;  // number of samples (windows)
};
Result<SineOptions> parseSineOptions(const std::string& options);
Result<DataSet> makeSine(const DataRequest& request, uint64_t seed,
                         const SineOptions& options = {});
Result<DataSet> makeCsv(const std::string& path, const DataRequest& request);
Result<DataSet> makeText(const std::string& path, const DataRequest& request);
// The CSV and text readers behind makeCsv and makeText, over a stream or text already in memory
// (the fuzz targets use these); `what` prefixes messages ("csv:FILE", "text:FILE").
Result<DataSet> readCsv(std::istream& in, const DataRequest& request, const std::string& what);
Result<DataSet> parseCsv(const std::string& text, const DataRequest& request,
                         const std::string& what);
Result<DataSet> parseText(const std::string& text, const DataRequest& request,
                          const std::string& what);
Result<DataSet> makeNpy(const std::string& inputsPath, const std::string& targetsPath,
                        const DataRequest& request);
Result<DataSet> makeTask(const std::string& kind, const DataRequest& request, uint64_t seed);

// The request's shape with every symbolic dimension replaced by seqLen.
Shape resolveShape(const Shape& s, int64_t seqLen);

}  // namespace strata::data
