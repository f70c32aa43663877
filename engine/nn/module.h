// Module: the executable form of one graph node. It owns its parameters (PyTorch state_dict names,
// without the node prefix: "weight", "bias", "weight_ih_l0", "self_attn.in_proj_weight") and maps
// input tensors (in the order of its LayerSpec's input ports) to output tensors.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "tensor/tensor.h"

namespace strata {

struct ForwardContext {
  bool training = false;
  Rng* rng = nullptr;               // dropout masks; never null while training
  bool captureAttention = false;    // attention layers keep their last probabilities when set
};

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

class Module {
 public:
  virtual ~Module() = default;
  // inputs[i] is the tensor on input port i, undefined when an optional port is unconnected.
  // Returns one tensor per output port. May throw std::exception for run-time errors (bad indices,
  // shape mismatches); the model boundary turns them into a Status naming the node.
  virtual std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& ctx) = 0;
  // PyTorch's default initialisation for this layer.
  virtual void resetParameters(Rng& rng) { (void)rng; }

  std::vector<NamedTensor>& parameters() { return m_parameters; }
  const std::vector<NamedTensor>& parameters() const { return m_parameters; }
  Tensor parameter(const std::string& name) const;

 protected:
  // Registers a float32 parameter (requires grad), zero-filled until resetParameters runs.
  Tensor addParameter(const std::string& name, const Shape& shape);

 private:
  std::vector<NamedTensor> m_parameters;
};

}  // namespace strata
