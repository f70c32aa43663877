// The Transformer family: MultiheadAttention, PositionalEncoding, TransformerEncoderLayer and
// TransformerDecoderLayer (category "Attention"). Modules that attend implement AttentionCapture
// (nn/transformer/attention.h) so the trainer and the GUI can fetch attention maps.
#pragma once

#include <optional>
#include <string>

#include "nn/layer_spec.h"

namespace strata::nn {

void registerTransformerLayers(LayerRegistry& r);

// Shared by the family's specs (spec_checks.cpp); each returns an empty string when fine.
namespace transformer_detail {
// A float32 [B, L, E] input.
std::string checkSequence(const std::optional<TensorType>& in, const std::string& port);
// An optional float32/int64 [B, L] padding mask against the sequence it masks.
std::string checkPaddingMask(const std::optional<TensorType>& mask, const std::string& port,
                             const TensorType& masked, const std::string& maskedPort);
// Reads or infers `name` (a feature size) from the last dim of `in`; writes it into `params`.
std::string resolveFeatureSize(Json& params, const std::string& name, const TensorType& in,
                               const std::string& port);
// Checks that a second sequence carries `size` features.
std::string checkFeatures(const TensorType& t, const std::string& port, int64_t size,
                          const std::string& name);
std::string checkHeads(int64_t embedDim, int64_t heads, const std::string& embedName,
                       const std::string& headsName);
// PositionalEncoding's fixed table [max_len, d] (positional_encoding.cpp): pe[pos, 2i] =
// sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(...), computed in double, rounded once.
Tensor sinusoidTable(int64_t maxLen, int64_t d);
// Concrete-or-1: the size used for FLOPs of a possibly variable dim.
inline int64_t orOne(int64_t d) { return d >= 0 ? d : 1; }

LayerSpec multiheadAttentionSpec();
LayerSpec positionalEncodingSpec();
LayerSpec transformerEncoderLayerSpec();
LayerSpec transformerDecoderLayerSpec();
}  // namespace transformer_detail

}  // namespace strata::nn
