// TrainSettings: every option of `strata-cli train`, with its default, read from and written to the
// graph file's "training" object. The CLI merges file settings first, then command-line overrides
// (given as a JSON object with the same keys), then validates.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace strata {

struct TrainSettings {
  // JSON keys are in brackets; CLI flags are the keys with '-' for '_' (--val-split).
  std::string data = "sine";       // [data] sine | text:FILE | csv:FILE | npy:X,Y | task:copy|...
  int64_t epochs = 10;             // [epochs] used when steps == 0
  int64_t steps = 0;               // [steps] total optimizer steps; 0: epochs decide
  int64_t batch = 32;              // [batch]
  double lr = 1e-3;                // [lr] base learning rate
  std::string optimizer = "adam";  // [optimizer] sgd | adam | adamw
  double momentum = 0.0;           // [momentum] SGD only
  bool nesterov = false;           // [nesterov] SGD only, needs momentum > 0
  // [weight_decay] unset: 0.01 for adamw (PyTorch's default), else 0.
  std::optional<double> weightDecay;
  double beta1 = 0.9, beta2 = 0.999;  // [betas] [b1, b2]
  double eps = 1e-8;                  // [eps]
  bool shuffle = true;                // [shuffle] true/false or "on"/"off"
  double valSplit = 0.1;              // [val_split] fraction in [0, 1)
  uint64_t seed = 0;                  // [seed]
  double clipGradNorm = 0.0;          // [clip_grad_norm] 0: off
  std::string schedule = "constant";  // [schedule] constant | step | cosine | linear-warmup
  int64_t warmupSteps = 0;            // [warmup_steps] linear ramp (any schedule)
  int64_t stepSize = 100;             // [step_size] for schedule step
  double gamma = 0.1;                 // [gamma] for schedule step
  int64_t seqLen = 32;                // [seq_len] for inputs whose sequence length may vary
  int64_t valEvery = 0;               // [val_every] steps between validations; 0: once per epoch
  std::string device = "cpu";         // [device] cpu | cuda

  double effectiveWeightDecay() const {
    return weightDecay ? *weightDecay : (optimizer == "adamw" ? 0.01 : 0.0);
  }

  // Applies the keys of `j` (an object) on top of `base`. Unknown keys, wrong types and bad values
  // fail with a message naming the key ("training.lr: expected a number, got \"fast\"").
  static Result<TrainSettings> fromJson(const nlohmann::json& j, TrainSettings base);
  static Result<TrainSettings> fromJson(const nlohmann::json& j);  // on top of the defaults
  // File settings, then overrides (e.g. the command line), then validate().
  static Result<TrainSettings> merged(const nlohmann::json& fileSettings,
                                      const nlohmann::json& overrides);
  // Every key, so that saving makes the defaults explicit.
  nlohmann::json toJson() const;
  // Range and consistency checks ("batch must be >= 1, got 0").
  Status validate() const;
};

}  // namespace strata
