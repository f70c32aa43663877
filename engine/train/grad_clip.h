// Gradient norms and clipping as torch.nn.utils.clip_grad_norm_ (2-norm over all gradients).
#pragma once

#include <vector>

#include "nn/module.h"

namespace strata {

// The 2-norm of all defined gradients taken together (accumulated in double).
double gradNorm(const std::vector<NamedTensor>& params);

// Scales every gradient by min(1, maxNorm / (total + 1e-6)) and returns the total norm before
// clipping. Non-finite norms are returned without scaling (the trainer's guard reports them).
double clipGradNorm(const std::vector<NamedTensor>& params, double maxNorm);

}  // namespace strata
