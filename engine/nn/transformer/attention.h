// Multi-head scaled dot-product attention as PyTorch's F.multi_head_attention_forward computes it
// (batch-first), shared by MultiheadAttention and the Transformer encoder/decoder layers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tensor/tensor.h"

namespace strata::nn {

// The parameters of one attention block, PyTorch names in comments. Biases may be undefined.
struct AttentionParams {
  Tensor inProjWeight;   // in_proj_weight  [3E, E]: rows [0,E) query, [E,2E) key, [2E,3E) value
  Tensor inProjBias;     // in_proj_bias    [3E]
  Tensor outProjWeight;  // out_proj.weight [E, E]
  Tensor outProjBias;    // out_proj.bias   [E]
};

struct AttentionOptions {
  int64_t numHeads = 1;
  float dropout = 0.0f;      // on the probabilities, in training only (as PyTorch)
  bool causal = false;       // query t attends to keys s <= t (top-left aligned when T != S)
  bool needWeights = false;  // also return the head-averaged probabilities
  bool capture = false;      // also return the per-head probabilities, detached
};

struct AttentionResult {
  Tensor out;      // [B, T, E]
  Tensor weights;  // [B, T, S], mean over heads of the (dropped-out) probabilities; needWeights
  Tensor probs;    // [B, H, T, S], softmax probabilities before dropout, no history; capture
};

// query: [B, T, E], key: [B, S, E], value: [B, S, E]; keyPaddingMask: float32 or int64 [B, S]
// where a nonzero entry marks a key that no query may attend to, or undefined.
// Masked positions get probability exactly 0. A query row whose keys are all masked has no
// defined attention (PyTorch returns NaN there): this throws std::invalid_argument naming the
// batch item and position instead of letting NaN spread through training.
// Passing the same tensor as query, key and value projects it with one [3E, E] matmul.
AttentionResult multiheadAttention(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const Tensor& keyPaddingMask, const AttentionParams& params,
                                   const AttentionOptions& options, ForwardContext& ctx);

// Modules that hold attention probabilities from their last forward under
// ForwardContext::captureAttention (MultiheadAttention, TransformerEncoderLayer/DecoderLayer).
class AttentionCapture {
 public:
  virtual ~AttentionCapture() = default;
  // One [B, heads, T, S] tensor per attention block ("self_attn", "multihead_attn"; "" for a bare
  // MultiheadAttention), from the last forward that ran with captureAttention set; empty after a
  // forward without it. The tensors carry no autograd history.
  virtual std::vector<NamedTensor> attentionMaps() const = 0;
};

}  // namespace strata::nn
