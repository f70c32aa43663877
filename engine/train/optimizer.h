// Optimizer: updates a model's parameters from their gradients with PyTorch 1.13's semantics
// (see engine-notes §5.10). Parameters are shared handles, so the model sees the updates. A frozen
// parameter is skipped entirely (no update, no state change), like a parameter without a gradient.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "nn/module.h"

namespace strata {

struct TrainSettings;

class Optimizer {
 public:
  Optimizer(std::vector<NamedTensor> params, double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual const char* name() const = 0;
  // One update of every parameter that has a gradient and is not frozen. Records no autograd.
  void step();
  void zeroGrad();  // drops every parameter's gradient

  double lr() const { return m_lr; }
  void setLr(double lr) { m_lr = lr; }

  void setFrozen(const std::string& paramName, bool frozen);
  bool isFrozen(const std::string& paramName) const { return m_frozen.count(paramName) > 0; }

  const std::vector<NamedTensor>& parameters() const { return m_params; }
  // Number of step() calls so far.
  int64_t stepCount() const { return m_steps; }

  // State for checkpoints: "<param>.<buffer>" tensors (a per-parameter int64 "<param>.step" and
  // the moment buffers that exist) plus "__optimizer_steps". loadState() restores it; it fails,
  // changing nothing, on an unknown parameter, a missing key or a shape mismatch.
  std::vector<NamedTensor> state() const;
  Status loadState(const std::vector<NamedTensor>& state);

 protected:
  struct ParamState {
    int64_t steps = 0;            // updates this parameter has had
    std::vector<Tensor> buffers;  // per optimizer kind, see bufferNames()
  };
  virtual std::vector<std::string> bufferNames() const = 0;
  // Updates one parameter. `p` and `g` are float32 and the same size.
  virtual void update(Tensor& p, const Tensor& g, ParamState& s) = 0;

  std::vector<NamedTensor> m_params;
  std::vector<ParamState> m_state;
  std::set<std::string> m_frozen;
  double m_lr = 1e-3;
  int64_t m_steps = 0;
};

// Builds the optimizer the settings name (sgd, adam, adamw) with their hyper-parameters.
Result<std::unique_ptr<Optimizer>> makeOptimizer(const TrainSettings& settings,
                                                 std::vector<NamedTensor> params);

}  // namespace strata
