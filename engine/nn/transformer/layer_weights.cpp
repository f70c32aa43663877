// Parameter groups and PyTorch default initialisation for the Transformer family.
#include "nn/transformer/layer_weights.h"

#include <cmath>

#include "nn/spec_helpers.h"

namespace strata::nn {

namespace {

// Tensors are handles: filling a copy fills the parameter.
void fillUniform(Tensor t, float bound, Rng& rng) {
  if (!t.defined()) return;
  float* p = t.f32();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.uniform(-bound, bound);
}

void fillValue(Tensor t, float v) {
  if (t.defined()) t.fill(v);
}

}  // namespace

AttentionParams addAttentionParams(const AddParameterFn& add, const std::string& prefix, int64_t e,
                                   bool bias) {
  AttentionParams p;
  p.inProjWeight = add(prefix + "in_proj_weight", {3 * e, e});
  if (bias) p.inProjBias = add(prefix + "in_proj_bias", {3 * e});
  p.outProjWeight = add(prefix + "out_proj.weight", {e, e});
  if (bias) p.outProjBias = add(prefix + "out_proj.bias", {e});
  return p;
}

LinearParams addLinearParams(const AddParameterFn& add, const std::string& prefix, int64_t in,
                             int64_t out, bool bias) {
  LinearParams p;
  p.weight = add(prefix + "weight", {out, in});
  if (bias) p.bias = add(prefix + "bias", {out});
  return p;
}

NormParams addNormParams(const AddParameterFn& add, const std::string& prefix, int64_t d) {
  return {add(prefix + "weight", {d}), add(prefix + "bias", {d})};
}

void initAttention(const AttentionParams& p, Rng& rng) {
  const int64_t e = p.inProjWeight.size(1);
  // xavier_uniform_ on [3E, E]: fan_in E, fan_out 3E.
  fillUniform(p.inProjWeight, std::sqrt(6.0f / static_cast<float>(4 * e)), rng);
  fillValue(p.inProjBias, 0.0f);
  fillUniform(p.outProjWeight, e > 0 ? 1.0f / std::sqrt(static_cast<float>(e)) : 0.0f, rng);
  fillValue(p.outProjBias, 0.0f);
}

void initLinear(const LinearParams& p, Rng& rng) {
  const int64_t in = p.weight.size(1);
  const float bound = in > 0 ? 1.0f / std::sqrt(static_cast<float>(in)) : 0.0f;
  fillUniform(p.weight, bound, rng);
  fillUniform(p.bias, bound, rng);
}

void initNorm(const NormParams& p) {
  fillValue(p.weight, 1.0f);
  fillValue(p.bias, 0.0f);
}

int64_t attentionFlops(int64_t T, int64_t S, int64_t E) {
  const int64_t projections = flopsMul({E, E, flopsAdd(flopsMul({2, T}), flopsMul({2, S}))});
  const int64_t products = flopsMul({2, T, S, E});  // QK^T and PV over all heads
  return flopsMul({2, flopsAdd(projections, products)});  // q, k, v in; out
}

int64_t layerNormFlops(int64_t positions, int64_t d) { return flopsMul({8, positions, d}); }

}  // namespace strata::nn
