// Multi-head attention on the engine's ops: in-projection, heads split, q pre-scaled by
// 1/sqrt(d_head), batched QK^T matmul, masking, softmax, dropout, PV matmul, out-projection.
#include "nn/transformer/attention.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "backends/backend.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

namespace strata::nn {

namespace {

// The keys each query may not see: mask[(b*T + t)*S + s] != 0. Empty when nothing is masked.
std::vector<uint8_t> buildMask(const Tensor& keyPaddingIn, bool causal, int64_t B, int64_t T,
                               int64_t S) {
  if (!keyPaddingIn.defined() && !causal) return {};
  // The mask is built (and checked) on the host; a GPU run copies its [B, S] padding once.
  const Tensor keyPadding =
      keyPaddingIn.defined() ? keyPaddingIn.to(Device::cpu()) : keyPaddingIn;
  std::vector<uint8_t> mask(static_cast<size_t>(B * T * S), 0);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      uint8_t* row = mask.data() + (b * T + t) * S;
      for (int64_t s = 0; s < S; ++s) {
        bool padded = false;
        if (keyPadding.defined())
          padded = keyPadding.dtype() == DType::Int64 ? keyPadding.i64()[b * S + s] != 0
                                                      : keyPadding.f32()[b * S + s] != 0.0f;
        row[s] = padded || (causal && s > t);
      }
      bool any = false;
      for (int64_t s = 0; s < S && !any; ++s) any = !row[s];
      if (!any && S > 0)
        throw std::invalid_argument(
            "every key is masked for query position " + std::to_string(t) + " of batch item " +
            std::to_string(b) +
            ": attention over no keys is undefined (PyTorch would return NaN); leave at least "
            "one key unmasked for every query (check key_padding_mask" +
            std::string(causal ? " together with the causal mask" : "") + ")");
    }
  }
  return mask;
}

// scores: [B, H, T, S] -> scores with -inf where mask[b, t, s] is set. Gradient passes through
// where unmasked and is 0 where masked, so the probabilities there are exactly 0 both ways.
Tensor maskFill(const Tensor& scores, std::shared_ptr<const std::vector<uint8_t>> mask) {
  const int64_t B = scores.size(0), H = scores.size(1), T = scores.size(2), S = scores.size(3);
  if (onDevice(scores)) {
    Tensor m = Tensor::empty({B, T, S});
    for (size_t i = 0; i < mask->size(); ++i) m.f32()[i] = (*mask)[i] ? 1.0f : 0.0f;
    return backendFor(scores.device()).attentionMask(scores, m.to(scores.device()));
  }
  Tensor out = Tensor::empty(scores.shape());
  const float ninf = -std::numeric_limits<float>::infinity();
  auto apply = [B, H, T, S, mask](const float* src, float* dst, float fill) {
#pragma omp parallel for collapse(2) if (B * H * T * S > 32768)
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t h = 0; h < H; ++h) {
        const int64_t base = (b * H + h) * T * S;
        const uint8_t* m = mask->data() + b * T * S;
        for (int64_t i = 0; i < T * S; ++i) dst[base + i] = m[i] ? fill : src[base + i];
      }
    }
  };
  apply(scores.f32(), out.f32(), ninf);
  recordOp("attention_mask", {scores}, {&out},
           [apply, shape = scores.shape()](const std::vector<Tensor>& g) {
             if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
             Tensor dx = Tensor::empty(shape);
             apply(g[0].f32(), dx.f32(), 0.0f);
             return std::vector<Tensor>{dx};
           });
  return out;
}

// [B, L, E] -> [B, H, L, D]
Tensor splitHeads(const Tensor& x, int64_t H) {
  const int64_t B = x.size(0), L = x.size(1), E = x.size(2);
  return ops::transpose(x.reshape({B, L, H, E / H}), 1, 2);
}

Tensor rows(const Tensor& t, int64_t start, int64_t end) {
  return t.defined() ? ops::slice(t, 0, start, end) : Tensor();
}

}  // namespace

AttentionResult multiheadAttention(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const Tensor& keyPaddingMask, const AttentionParams& p,
                                   const AttentionOptions& o, ForwardContext& ctx) {
  if (query.ndim() != 3 || key.ndim() != 3 || value.ndim() != 3)
    throw std::invalid_argument(
        "attention expects query, key and value of rank 3 [B, L, E], got " + describe(query) +
        ", " + describe(key) + ", " + describe(value));
  const int64_t B = query.size(0), T = query.size(1), E = query.size(2);
  const int64_t S = key.size(1), H = o.numHeads;
  if (H < 1 || E % H != 0)
    throw std::invalid_argument("embed_dim " + std::to_string(E) +
                                " is not divisible by num_heads " + std::to_string(H));
  if (key.size(0) != B || value.size(0) != B || value.size(1) != S || key.size(2) != E ||
      value.size(2) != E)
    throw std::invalid_argument("attention: query " + describe(query) + ", key " + describe(key) +
                                " and value " + describe(value) +
                                " must share the batch and embedding sizes, key and value the "
                                "length");
  if (keyPaddingMask.defined() &&
      (keyPaddingMask.ndim() != 2 || keyPaddingMask.size(0) != B || keyPaddingMask.size(1) != S))
    throw std::invalid_argument("key_padding_mask must be [B, S] = [" + std::to_string(B) + ", " +
                                std::to_string(S) + "], got " + describe(keyPaddingMask));
  std::vector<uint8_t> maskBits = buildMask(keyPaddingMask, o.causal, B, T, S);

  // In-projection: one matmul for self-attention, three over row blocks of the weight otherwise.
  Tensor q, k, v;
  if (query.sameAs(key) && key.sameAs(value)) {
    Tensor qkv = ops::linear(query, p.inProjWeight, p.inProjBias);  // [B, T, 3E]
    q = ops::slice(qkv, 2, 0, E);
    k = ops::slice(qkv, 2, E, 2 * E);
    v = ops::slice(qkv, 2, 2 * E, 3 * E);
  } else {
    q = ops::linear(query, rows(p.inProjWeight, 0, E), rows(p.inProjBias, 0, E));
    k = ops::linear(key, rows(p.inProjWeight, E, 2 * E), rows(p.inProjBias, E, 2 * E));
    v = ops::linear(value, rows(p.inProjWeight, 2 * E, 3 * E), rows(p.inProjBias, 2 * E, 3 * E));
  }
  const int64_t D = E / H;
  // PyTorch scales q (not the scores) before the QK^T product.
  Tensor qh = ops::scale(splitHeads(q, H), 1.0f / std::sqrt(static_cast<float>(D)));
  Tensor kh = splitHeads(k, H), vh = splitHeads(v, H);
  Tensor scores = ops::matmul(qh, kh, false, true);  // [B, H, T, S]
  if (!maskBits.empty())
    scores = maskFill(scores, std::make_shared<const std::vector<uint8_t>>(std::move(maskBits)));
  Tensor probs = ops::softmax(scores, -1);
  Tensor dropped = probs;
  if (ctx.training && o.dropout > 0.0f) {
    if (!ctx.rng)
      throw std::logic_error("attention dropout in training needs ForwardContext::rng");
    dropped = ops::dropout(probs, o.dropout, true, *ctx.rng);
  }
  Tensor heads = ops::matmul(dropped, vh);                         // [B, H, T, D]
  Tensor merged = ops::transpose(heads, 1, 2).reshape({B, T, E});  // [B, T, E]
  AttentionResult r;
  r.out = ops::linear(merged, p.outProjWeight, p.outProjBias);
  if (o.needWeights) r.weights = ops::mean(dropped, 1, false);
  if (o.capture) r.probs = probs.detach();
  return r;
}

}  // namespace strata::nn
