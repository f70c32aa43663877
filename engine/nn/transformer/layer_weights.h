// Parameter groups of the Transformer family (attention block, Linear, LayerNorm) registered
// under PyTorch's sub-module names, with PyTorch's default initialisation for each.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/rng.h"
#include "nn/transformer/attention.h"
#include "tensor/tensor.h"

namespace strata::nn {

// Module::addParameter, handed over by the owning module.
using AddParameterFn = std::function<Tensor(const std::string& name, const Shape& shape)>;

struct LinearParams {
  Tensor weight;  // [out, in]
  Tensor bias;    // [out] or undefined
};

struct NormParams {
  Tensor weight;  // [d], ones
  Tensor bias;    // [d], zeros
};

// "<prefix>in_proj_weight", "<prefix>in_proj_bias", "<prefix>out_proj.weight",
// "<prefix>out_proj.bias"
AttentionParams addAttentionParams(const AddParameterFn& add, const std::string& prefix,
                                   int64_t embedDim, bool bias);
// "<prefix>weight", "<prefix>bias"
LinearParams addLinearParams(const AddParameterFn& add, const std::string& prefix, int64_t in,
                             int64_t out, bool bias);
NormParams addNormParams(const AddParameterFn& add, const std::string& prefix, int64_t d);

// nn.MultiheadAttention._reset_parameters: xavier_uniform_ in_proj_weight, zero biases, and
// nn.Linear's default for out_proj.weight.
void initAttention(const AttentionParams& p, Rng& rng);
// nn.Linear: weight and bias U(-1/sqrt(in), 1/sqrt(in)).
void initLinear(const LinearParams& p, Rng& rng);
// nn.LayerNorm: weight ones, bias zeros.
void initNorm(const NormParams& p);

// 2 x multiply-adds of one attention block for one sample: projections and the two products.
int64_t attentionFlops(int64_t T, int64_t S, int64_t E);
// Multiply-adds x2 of a layer normalization over `positions` vectors of size d (approximate).
int64_t layerNormFlops(int64_t positions, int64_t d);

}  // namespace strata::nn
