// Reverse-mode autograd. An op that produced tensors from inputs that need gradients records a Node;
// Tensor::backward() walks the nodes in reverse topological order, handing each node the gradients
// of its outputs and accumulating what it returns into its inputs (leaves keep theirs in .grad()).
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace strata {

struct Node {
  virtual ~Node() = default;
  // gradOutputs[i] is the gradient of output i, or an undefined Tensor when no gradient reached it.
  // Returns one entry per input; an undefined Tensor means "no gradient for this input".
  virtual std::vector<Tensor> backward(const std::vector<Tensor>& gradOutputs) = 0;
  virtual const char* name() const = 0;

  std::vector<Tensor> inputs;  // strong references keep the history alive
  int numOutputs = 1;
};

using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& gradOutputs)>;

// Records `backward` as the history of `outputs` when grad mode is on and any input requires a
// gradient; otherwise does nothing. Returns true when it recorded. Outputs must be freshly made.
bool recordOp(const char* name, const std::vector<Tensor>& inputs,
              const std::vector<Tensor*>& outputs, BackwardFn backward);

// True when any of the tensors requires a gradient and grad mode is on.
bool needsGrad(std::initializer_list<const Tensor*> tensors);
bool needsGrad(const std::vector<Tensor>& tensors);

bool gradEnabled();

// Disables recording in its scope (inference, optimizer updates, metrics).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool m_previous;
};

// Returns `g` when defined, else zeros shaped like `like` (float32). For backward functions whose
// outputs may not all have received a gradient.
Tensor gradOrZeros(const Tensor& g, const Tensor& like);

}  // namespace strata
