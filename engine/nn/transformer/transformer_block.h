// TransformerBlock: what TransformerEncoderLayer and TransformerDecoderLayer share — attention
// sub-blocks with capture, the feed-forward block, dropout and layer norm, following
// torch/nn/modules/transformer.py (1.13) step by step so the weights and results carry over.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/layer_spec.h"
#include "nn/module.h"
#include "nn/transformer/attention.h"
#include "nn/transformer/layer_weights.h"

namespace strata::nn {

struct TransformerBlockConfig {
  int64_t dModel = 0;
  int64_t nhead = 1;
  int64_t dimFeedforward = 2048;
  float dropout = 0.1f;
  bool gelu = false;  // activation "gelu" (exact erf form, F.gelu) instead of "relu"
  bool normFirst = false;
  float layerNormEps = 1e-5f;
  bool causal = false;  // the self-attention mask

  // Reads the resolved params of a TransformerEncoderLayer/DecoderLayer node.
  static TransformerBlockConfig fromParams(const Json& params);
};

class TransformerBlock : public Module, public AttentionCapture {
 public:
  std::vector<NamedTensor> attentionMaps() const override { return m_maps; }

 protected:
  explicit TransformerBlock(TransformerBlockConfig config) : m_cfg(config) {}
  AddParameterFn adder();
  // Starts a forward: drops the maps of the previous one.
  void beginForward() { m_maps.clear(); }
  // Attention of q over kv (self-attention when they are the same tensor), then dropout; keeps
  // the probabilities under `name` when ctx.captureAttention is set.
  Tensor attend(const std::string& name, const AttentionParams& p, const Tensor& q,
                const Tensor& kv, const Tensor& keyPaddingMask, bool causal, ForwardContext& ctx);
  // linear2(dropout(activation(linear1(x)))), then dropout: PyTorch's _ff_block.
  Tensor feedForward(const Tensor& x, ForwardContext& ctx);
  Tensor drop(const Tensor& x, ForwardContext& ctx) const;
  Tensor norm(const Tensor& x, const NormParams& p) const;

  TransformerBlockConfig m_cfg;
  LinearParams m_linear1, m_linear2;

 private:
  std::vector<NamedTensor> m_maps;
};

// The shared part of both shape rules: checks and resolves d_model, nhead and the optional
// padding mask of the main input (input slot maskIndex); adds the output type and the
// feed-forward FLOPs.
namespace transformer_detail {
Result<ShapeResult> inferBlockCommon(const ShapeContext& ctx, const std::string& mainPort,
                                     size_t maskIndex, const std::string& maskPort);
void addBlockParams(ShapeResult& r, int64_t d, int64_t ff, bool decoder);
// The params both layers take (PyTorch's constructor arguments, plus `causal`).
std::vector<ParamSpec> blockParamSpecs(bool causalDefault);
}  // namespace transformer_detail

}  // namespace strata::nn
