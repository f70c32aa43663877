// TransformerDecoderLayer: PyTorch's nn.TransformerDecoderLayer(batch_first=True) as a layer.
#include "nn/spec_helpers.h"
#include "nn/transformer/transformer_block.h"
#include "nn/transformer/transformer_family.h"
#include "ops/ops.h"

namespace strata::nn {

namespace {

class TransformerDecoderLayerModule final : public TransformerBlock {
 public:
  explicit TransformerDecoderLayerModule(TransformerBlockConfig c) : TransformerBlock(c) {
    // Registration order is PyTorch's state_dict order.
    const int64_t d = c.dModel;
    m_selfAttn = addAttentionParams(adder(), "self_attn.", d, true);
    m_crossAttn = addAttentionParams(adder(), "multihead_attn.", d, true);
    m_linear1 = addLinearParams(adder(), "linear1.", d, c.dimFeedforward, true);
    m_linear2 = addLinearParams(adder(), "linear2.", c.dimFeedforward, d, true);
    m_norm1 = addNormParams(adder(), "norm1.", d);
    m_norm2 = addNormParams(adder(), "norm2.", d);
    m_norm3 = addNormParams(adder(), "norm3.", d);
  }
  // tgt: [B, T, d], memory: [B, S, d], tgt_key_padding_mask: [B, T] and
  // memory_key_padding_mask: [B, S] (optional) -> out: [B, T, d]
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& ctx) override {
    beginForward();
    Tensor x = inputs.at(0);
    const Tensor memory = inputs.at(1);
    const Tensor tgtMask = inputs.size() > 2 ? inputs[2] : Tensor();
    const Tensor memMask = inputs.size() > 3 ? inputs[3] : Tensor();
    if (m_cfg.normFirst) {
      Tensor h = norm(x, m_norm1);
      x = ops::add(x, attend("self_attn", m_selfAttn, h, h, tgtMask, m_cfg.causal, ctx));
      x = ops::add(
          x, attend("multihead_attn", m_crossAttn, norm(x, m_norm2), memory, memMask, false, ctx));
      x = ops::add(x, feedForward(norm(x, m_norm3), ctx));
    } else {
      x = norm(ops::add(x, attend("self_attn", m_selfAttn, x, x, tgtMask, m_cfg.causal, ctx)),
               m_norm1);
      x = norm(ops::add(x, attend("multihead_attn", m_crossAttn, x, memory, memMask, false, ctx)),
               m_norm2);
      x = norm(ops::add(x, feedForward(x, ctx)), m_norm3);
    }
    return {x};
  }
  void resetParameters(Rng& rng) override {
    initAttention(m_selfAttn, rng);
    initAttention(m_crossAttn, rng);
    initLinear(m_linear1, rng);
    initLinear(m_linear2, rng);
    initNorm(m_norm1);
    initNorm(m_norm2);
    initNorm(m_norm3);
  }

 private:
  AttentionParams m_selfAttn, m_crossAttn;
  NormParams m_norm1, m_norm2, m_norm3;
};

Result<ShapeResult> inferDecoderLayer(const ShapeContext& ctx) {
  using namespace transformer_detail;
  auto r = inferBlockCommon(ctx, "tgt", 2, "tgt_key_padding_mask");
  if (!r) return r;
  const int64_t d = r->params["d_model"].get<int64_t>();
  const auto& memory = ctx.inputs.at(1);
  std::string err = checkSequence(memory, "memory");
  if (err.empty()) err = checkFeatures(*memory, "memory", d, "d_model");
  if (err.empty() && memory->shape[0] >= 0 && ctx.inputs[0]->shape[0] >= 0 &&
      memory->shape[0] != ctx.inputs[0]->shape[0])
    err = "memory " + shapeToString(memory->shape) + " and tgt " +
          shapeToString(ctx.inputs[0]->shape) + " have different batch sizes";
  if (err.empty() && ctx.inputs.size() > 3)
    err = checkPaddingMask(ctx.inputs[3], "memory_key_padding_mask", *memory, "memory");
  if (!err.empty()) return Result<ShapeResult>::error(err);
  const int64_t t = orOne(ctx.inputs[0]->shape[1]), s = orOne(memory->shape[1]);
  addBlockParams(*r, d, ctx.params.at("dim_feedforward").get<int64_t>(), true);
  r->flops += attentionFlops(t, t, d) + attentionFlops(t, s, d) + layerNormFlops(t, d);
  return r;
}

}  // namespace

namespace transformer_detail {

LayerSpec transformerDecoderLayerSpec() {
  LayerSpec s;
  s.type = "TransformerDecoderLayer";
  s.category = "Attention";
  s.summary =
      "Causal self-attention, cross-attention to memory and feed-forward "
      "(PyTorch nn.TransformerDecoderLayer).";
  s.doc =
      "One decoder layer of the Transformer (\"Attention is all you need\"). It has three "
      "blocks, each added back to its input and normalised with LayerNorm (after the addition, "
      "or before the block with norm_first): self-attention over tgt, which is causal by default "
      "so position t only sees positions 0..t and the layer can be trained to predict the next "
      "token; cross-attention, where every tgt position queries the encoder output on the memory "
      "port [B, S, d_model]; and a two-layer feed-forward network (d_model -> dim_feedforward "
      "-> d_model). The output has tgt's shape [B, T, d_model]. Optional padding masks ([B, T] "
      "for tgt, [B, S] for memory; nonzero = padding) hide padded positions. The weights load "
      "unchanged into PyTorch's nn.TransformerDecoderLayer(batch_first=True) run with a causal "
      "tgt_mask.";
  s.params = blockParamSpecs(true);
  PortSpec tgtMask = port("tgt_key_padding_mask", ValueKind::Any,
                          "[B, T] float32 or int64, nonzero = padding in tgt");
  tgtMask.optional = true;
  PortSpec memMask = port("memory_key_padding_mask", ValueKind::Any,
                          "[B, S] float32 or int64, nonzero = padding in memory");
  memMask.optional = true;
  s.inputs = {port("tgt", ValueKind::Float, "[B, T, d_model]"),
              port("memory", ValueKind::Float, "[B, S, d_model], usually the encoder output"),
              tgtMask, memMask};
  s.outputs = {port("out", ValueKind::Float, "[B, T, d_model]")};
  s.infer = inferDecoderLayer;
  s.create = [](const Json& p, const ShapeResult&, const std::vector<std::optional<TensorType>>&) {
    return std::make_unique<TransformerDecoderLayerModule>(TransformerBlockConfig::fromParams(p));
  };
  return s;
}

}  // namespace transformer_detail

}  // namespace strata::nn
