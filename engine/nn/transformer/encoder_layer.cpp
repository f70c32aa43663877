// TransformerEncoderLayer: PyTorch's nn.TransformerEncoderLayer(batch_first=True) as a layer.
#include "nn/spec_helpers.h"
#include "nn/transformer/transformer_block.h"
#include "nn/transformer/transformer_family.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

class TransformerEncoderLayerModule final : public TransformerBlock {
 public:
  explicit TransformerEncoderLayerModule(TransformerBlockConfig c) : TransformerBlock(c) {
    // Registration order is PyTorch's state_dict order.
    const int64_t d = c.dModel;
    m_selfAttn = addAttentionParams(adder(), "self_attn.", d, true);
    m_linear1 = addLinearParams(adder(), "linear1.", d, c.dimFeedforward, true);
    m_linear2 = addLinearParams(adder(), "linear2.", c.dimFeedforward, d, true);
    m_norm1 = addNormParams(adder(), "norm1.", d);
    m_norm2 = addNormParams(adder(), "norm2.", d);
  }
  // in: [B, T, d], src_key_padding_mask: [B, T] (optional) -> out: [B, T, d]
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& ctx) override {
    beginForward();
    Tensor x = inputs.at(0);
    const Tensor mask = inputs.size() > 1 ? inputs[1] : Tensor();
    if (m_cfg.normFirst) {
      Tensor h = norm(x, m_norm1);
      x = ops::add(x, attend("self_attn", m_selfAttn, h, h, mask, m_cfg.causal, ctx));
      x = ops::add(x, feedForward(norm(x, m_norm2), ctx));
    } else {
      x = norm(ops::add(x, attend("self_attn", m_selfAttn, x, x, mask, m_cfg.causal, ctx)),
               m_norm1);
      x = norm(ops::add(x, feedForward(x, ctx)), m_norm2);
    }
    return {x};
  }
  void resetParameters(Rng& rng) override {
    initAttention(m_selfAttn, rng);
    initLinear(m_linear1, rng);
    initLinear(m_linear2, rng);
    initNorm(m_norm1);
    initNorm(m_norm2);
  }

 private:
  AttentionParams m_selfAttn;
  NormParams m_norm1, m_norm2;
};

Result<ShapeResult> inferEncoderLayer(const ShapeContext& ctx) {
  auto r = transformer_detail::inferBlockCommon(ctx, "in", 1, "src_key_padding_mask");
  if (!r) return r;
  const int64_t d = r->params["d_model"].get<int64_t>();
  const int64_t t = transformer_detail::orOne(ctx.inputs[0]->shape[1]);
  transformer_detail::addBlockParams(*r, d, ctx.params.at("dim_feedforward").get<int64_t>(),
                                     false);
  r->flops += attentionFlops(t, t, d);
  return r;
}

}  // namespace

namespace transformer_detail {

LayerSpec transformerEncoderLayerSpec() {
  LayerSpec s;
  s.type = "TransformerEncoderLayer";
  s.category = "Attention";
  s.summary =
      "Self-attention plus feed-forward block with residuals and LayerNorm "
      "(PyTorch nn.TransformerEncoderLayer).";
  s.doc =
      "One encoder layer of the Transformer (\"Attention is all you need\"). First every "
      "position attends to every other position with multi-head self-attention (nhead heads), "
      "then a two-layer feed-forward network (d_model -> dim_feedforward -> d_model, with ReLU "
      "or GELU) transforms each position on its own. Each of the two blocks is added back to "
      "its input (a residual connection) and normalised with LayerNorm: after the addition by "
      "default, or before the block with norm_first, which trains more stably in deep stacks. "
      "The shape stays [B, T, d_model]. Stack several to build an encoder; add a "
      "PositionalEncoding first, because attention alone does not know the order of the "
      "positions. causal limits position t to positions 0..t; src_key_padding_mask ([B, T], "
      "nonzero = padding) hides padded positions. The weights load unchanged into PyTorch's "
      "nn.TransformerEncoderLayer(batch_first=True).";
  s.params = blockParamSpecs(false);
  PortSpec mask = port("src_key_padding_mask", ValueKind::Any,
                       "[B, T] float32 or int64, nonzero = padding (ignored as a key)");
  mask.optional = true;
  s.inputs = {port("in", ValueKind::Float, "[B, T, d_model]"), mask};
  s.outputs = {port("out", ValueKind::Float, "[B, T, d_model]")};
  s.infer = inferEncoderLayer;
  s.create = [](const Json& p, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<TransformerEncoderLayerModule>(TransformerBlockConfig::fromParams(p));
  };
  return s;
}

}  // namespace transformer_detail

}  // namespace strata::nn
