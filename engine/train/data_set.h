// DataSet: every sample of a data spec materialised as two tensors, inputs [N, ...] and targets
// [N, ...], shaped to what the model's Input and loss expect (a DataRequest), plus what the GUI
// shows about it. makeDataSet() parses a spec (sine, text:FILE, csv:FILE, npy:X.npy,Y.npy,
// task:copy|reverse|sort) and fails with a message naming the cause and the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace strata {

// What the model wants, per sample (batch dimension left out).
struct DataRequest {
  Shape inputShape;  // kSeq (or any symbolic dim) means "use seqLen"
  DType inputDtype = DType::Float32;
  Shape targetShape;                   // the loss's target per sample; symbolic dims follow input
  DType targetDtype = DType::Float32;  // Int64 for CrossEntropyLoss
  int64_t seqLen = 32;
  int64_t maxVocab = 0;  // smallest Embedding num_embeddings in the model; 0 when none
};

struct DataSplit {
  std::vector<int64_t> train;       // sample indices, ascending
  std::vector<int64_t> validation;  // sample indices, ascending
};

struct DataPreview {
  std::string description;
  int64_t samples = 0;
  int64_t vocabSize = 0;                  // 0 for numeric data
  std::vector<std::string> columns;       // csv header (or generated names)
  std::vector<std::vector<double>> rows;  // the first rows of the source series (numeric)
  std::string text;                       // the first characters (text) or token rows (tasks)
};

class DataSet {
 public:
  std::string spec;                  // as given
  std::string description;           // one line: "sine: 1000 windows of 32 -> next value"
  Tensor inputs;                     // [N, ...]
  Tensor targets;                    // [N, ...]
  std::vector<std::string> vocab;    // text: index -> character (UTF-8); tasks: token names
  std::vector<std::string> columns;  // csv/sine feature names
  std::vector<std::vector<double>> headRows;  // first rows of the raw series (for the preview)
  std::string headText;                       // first characters of a text corpus

  int64_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
  int64_t vocabSize() const { return static_cast<int64_t>(vocab.size()); }

  // Validation takes round(N * valSplit) samples (at least one when valSplit > 0 and N >= 2,
  // never all). Shuffled: a seeded random subset; not shuffled: the last samples, so the
  // training samples are the file's first rows in order.
  DataSplit split(double valSplit, uint64_t seed, bool shuffled) const;

  // Copies the samples at `indices` (in that order) into a batch.
  Tensor gatherInputs(const std::vector<int64_t>& indices) const;
  Tensor gatherTargets(const std::vector<int64_t>& indices) const;

  DataPreview preview(int maxRows = 8) const;
};

Result<DataSet> makeDataSet(const std::string& spec, const DataRequest& request, uint64_t seed);

// Copies rows (first-axis slices) of `t` in the given order. For batching.
Tensor gatherRows(const Tensor& t, const std::vector<int64_t>& indices);

}  // namespace strata
