// Autoregressive text generation from a trained token language model: any graph whose single
// Input is int64 [B, T] and whose prediction (the loss input, else a 3-D Output) is logits
// [B, T, V] -- the char-lstm and tiny-gpt samples alike. Used by `strata-cli sample` and the GUI's
// inference playground; the vocabulary comes from the graph's own text data set.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "train/train_settings.h"

namespace strata {

class Model;

struct GenerateOptions {
  std::string prompt;         // UTF-8; empty: start from vocabulary id 0
  int64_t length = 200;       // characters to generate after the prompt
  double temperature = 1.0;   // <= 1e-6: greedy (argmax); else softmax(logits / temperature)
  uint64_t seed = 0;          // same seed, model and options => the same text
  int64_t contextLength = 0;  // 0: automatic (see generationContext); else at most this many
};

// The model's token vocabulary, index -> UTF-8 character, from the training settings' data spec
// (only text:FILE has one). Relative file names in the spec must already be resolved.
Result<std::vector<std::string>> generationVocabulary(const Model& model,
                                                      const TrainSettings& settings);

// How many of the latest tokens the model sees at each step: the Input's length when it is fixed,
// else the training seq_len, and never more than any PositionalEncoding's max_len.
int64_t generationContext(const Model& model, const TrainSettings& settings);

// Feeds the prompt, then samples `length` characters one by one. `onToken` (optional) gets each
// new character as it is made and may return false to stop early. Returns the generated text
// (the prompt excluded). Fails on a graph of the wrong shape, a prompt character outside the
// vocabulary ("prompt character 'Q' at position 3 is not in the vocabulary ..."), or a model error.
Result<std::string> generateText(Model& model, const std::vector<std::string>& vocab,
                                 int64_t contextLength, const GenerateOptions& options,
                                 const std::function<bool(const std::string&)>& onToken = {});

// Splits UTF-8 text into characters and maps them to vocabulary ids; fails naming the first
// character that is not in `vocab` (or invalid UTF-8).
Result<std::vector<int64_t>> encodeText(const std::string& text,
                                        const std::vector<std::string>& vocab);

// Picks the next id from one row of logits: restricted to the first `vocabSize` entries, greedy
// when temperature <= 1e-6, else a softmax sample drawn with `u` (uniform in [0, 1)).
int64_t sampleLogits(const float* logits, int64_t vocabSize, double temperature, double u);

}  // namespace strata
