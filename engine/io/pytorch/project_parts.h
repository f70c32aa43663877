// Internal to the PyTorch project export: what the generated files need to know about the graph
// and its data set, and one generator per file (project_data.cpp, project_train.cpp,
// project_notebook.cpp; README.md in project_exporter.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tensor/shape.h"
#include "train/train_settings.h"

namespace strata::pyproject {

struct ProjectInfo {
  std::string graphName;   // meta.name (or the graph file's name)
  TrainSettings settings;  // settings.data names the project's own copies (data/...)
  std::string dataKind;    // sine | text | csv | npy | task
  std::string dataFile;    // text/csv: "data/<name>"; npy: the inputs file
  std::string targetFile;  // npy: the targets file
  double sineNoise = 0.05;
  int64_t sineWindows = 1000;
  std::string taskKind;  // copy | reverse | sort
  int64_t taskVocab = 0;

  std::string inputName;   // the Input node id
  bool inputInt64 = false;
  Shape inputShape;   // per sample, symbolic dims resolved (seq_len)
  bool targetInt64 = false;
  Shape targetShape;  // per sample, resolved
  std::string seriesTarget;  // sine/csv: next-value | next-row | sequence
  int64_t seriesTargetColumns = 1;  // sequence targets: 1 (last column) or all columns
  int64_t seriesColumns = 1;

  bool classification = false;  // CrossEntropyLoss: accuracy is logged
  int64_t ignoreIndex = -100;
  std::string predictionIndex;  // "" when forward returns the prediction alone, else "[k]"
  std::string predictionShape;  // "[B, T, 39]"
  size_t predictionRank = 0;
  std::string lossText;         // "CrossEntropyLoss (loss)"

  std::string description;  // the data set's one-line description in Strata
  int64_t samples = 0;
  int64_t trainSamples = 0;
  int64_t validationSamples = 0;
  bool textModel = false;  // int64 [T] input and [B, T, V] logits on text: sampling applies
  int64_t sampleContext = 0;  // characters the model sees when sampling (generationContext)
};

// Replaces each key of `values` ("@NAME@") in `text`.
std::string fill(std::string text, const std::map<std::string, std::string>& values);
// "[64]", "[48, 2]" as Python list literals.
std::string pyList(const Shape& s);

std::string dataPy(const ProjectInfo& info);
std::string trainPy(const ProjectInfo& info);
std::string notebookJson(const ProjectInfo& info);

}  // namespace strata::pyproject
