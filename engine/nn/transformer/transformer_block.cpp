// Shared pieces of the Transformer encoder and decoder layers.
#include "nn/transformer/transformer_block.h"

#include "nn/normalization/layernorm_op.h"
#include "nn/spec_helpers.h"
#include "nn/transformer/transformer_family.h"
#include "ops/ops.h"

namespace strata::nn {

TransformerBlockConfig TransformerBlockConfig::fromParams(const Json& p) {
  TransformerBlockConfig c;
  c.dModel = p.at("d_model").get<int64_t>();
  c.nhead = p.at("nhead").get<int64_t>();
  c.dimFeedforward = p.at("dim_feedforward").get<int64_t>();
  c.dropout = static_cast<float>(p.at("dropout").get<double>());
  c.gelu = p.at("activation").get<std::string>() == "gelu";
  c.normFirst = p.at("norm_first").get<bool>();
  c.layerNormEps = static_cast<float>(p.at("layer_norm_eps").get<double>());
  c.causal = p.at("causal").get<bool>();
  return c;
}

AddParameterFn TransformerBlock::adder() {
  return [this](const std::string& n, const Shape& s) { return addParameter(n, s); };
}

Tensor TransformerBlock::attend(const std::string& name, const AttentionParams& p, const Tensor& q,
                                const Tensor& kv, const Tensor& keyPaddingMask, bool causal,
                                ForwardContext& ctx) {
  AttentionOptions o;
  o.numHeads = m_cfg.nhead;
  o.dropout = m_cfg.dropout;
  o.causal = causal;
  o.capture = ctx.captureAttention;
  AttentionResult r = multiheadAttention(q, kv, kv, keyPaddingMask, p, o, ctx);
  if (o.capture) m_maps.push_back({name, r.probs});
  return drop(r.out, ctx);
}

Tensor TransformerBlock::feedForward(const Tensor& x, ForwardContext& ctx) {
  Tensor h = ops::linear(x, m_linear1.weight, m_linear1.bias);
  h = m_cfg.gelu ? ops::gelu(h) : ops::relu(h);
  h = ops::linear(drop(h, ctx), m_linear2.weight, m_linear2.bias);
  return drop(h, ctx);
}

Tensor TransformerBlock::drop(const Tensor& x, ForwardContext& ctx) const {
  if (!ctx.training || m_cfg.dropout <= 0.0f) return x;
  if (!ctx.rng) throw std::logic_error("dropout in training needs ForwardContext::rng");
  return ops::dropout(x, m_cfg.dropout, true, *ctx.rng);
}

Tensor TransformerBlock::norm(const Tensor& x, const NormParams& p) const {
  return ops::layerNorm(x, p.weight, p.bias, m_cfg.layerNormEps);
}

namespace transformer_detail {

Result<ShapeResult> inferBlockCommon(const ShapeContext& ctx, const std::string& mainPort,
                                     size_t maskIndex, const std::string& maskPort) {
  using R = Result<ShapeResult>;
  const auto& in = ctx.inputs.at(0);
  std::string err = checkSequence(in, mainPort);
  if (!err.empty()) return R::error(err);
  ShapeResult r;
  r.params = ctx.params;
  err = resolveFeatureSize(r.params, "d_model", *in, mainPort);
  if (err.empty())
    err = checkHeads(r.params["d_model"].get<int64_t>(), ctx.params.at("nhead").get<int64_t>(),
                     "d_model", "nhead");
  if (err.empty() && maskIndex < ctx.inputs.size())
    err = checkPaddingMask(ctx.inputs[maskIndex], maskPort, *in, mainPort);
  if (!err.empty()) return R::error(err);
  const int64_t d = r.params["d_model"].get<int64_t>();
  const int64_t ff = ctx.params.at("dim_feedforward").get<int64_t>();
  const int64_t t = orOne(in->shape[1]);
  r.outputs = {*in};
  r.flops = flopsAdd(flopsMul({4, t, d, ff}), flopsMul({2, layerNormFlops(t, d)}));
  return r;
}

void addBlockParams(ShapeResult& r, int64_t d, int64_t ff, bool decoder) {
  auto attention = [&](const std::string& prefix) {
    r.parameters.push_back({prefix + "in_proj_weight", {3 * d, d}});
    r.parameters.push_back({prefix + "in_proj_bias", {3 * d}});
    r.parameters.push_back({prefix + "out_proj.weight", {d, d}});
    r.parameters.push_back({prefix + "out_proj.bias", {d}});
  };
  attention("self_attn.");
  if (decoder) attention("multihead_attn.");
  r.parameters.push_back({"linear1.weight", {ff, d}});
  r.parameters.push_back({"linear1.bias", {ff}});
  r.parameters.push_back({"linear2.weight", {d, ff}});
  r.parameters.push_back({"linear2.bias", {d}});
  for (int i = 1; i <= (decoder ? 3 : 2); ++i) {
    r.parameters.push_back({"norm" + std::to_string(i) + ".weight", {d}});
    r.parameters.push_back({"norm" + std::to_string(i) + ".bias", {d}});
  }
}

std::vector<ParamSpec> blockParamSpecs(bool causalDefault) {
  return {inferredIntParam("d_model", 1, "model width (inferred from the input)"),
          intParam("nhead", nullptr, 1, "attention heads; must divide d_model"),
          intParam("dim_feedforward", 2048, 1, "hidden size of the feed-forward block"),
          floatParam("dropout", 0.1, 0.0, 0.999,
                     "dropout in attention, feed-forward and on "
                     "each residual branch while training"),
          choiceParam("activation", {"relu", "gelu"}, "relu", "feed-forward nonlinearity"),
          boolParam("norm_first", false,
                    "LayerNorm before each block (pre-norm) instead of "
                    "after the residual add (post-norm)"),
          floatParam("layer_norm_eps", 1e-5, 0.0, 1.0, "eps of the LayerNorms"),
          boolParam("causal", causalDefault,
                    "self-attention: position t sees positions 0..t "
                    "only")};
}

}  // namespace transformer_detail

}  // namespace strata::nn
