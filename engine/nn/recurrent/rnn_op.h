// strata::recurrent: the differentiable multi-layer RNN / LSTM / GRU op behind the Recurrent layer
// family, with PyTorch's parameter layout. Two CPU implementations: Strata's GEMM-bound engine
// (GemmRecurrent, the default) and oneDNN's vanilla_rnn, lstm, lbr_gru and gru primitives.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "tensor/shape.h"
#include "tensor/tensor.h"

namespace strata {

enum class RecurrentMode { RnnTanh, RnnRelu, Lstm, Gru };

// Gates per cell in PyTorch's weight layout: RNN 1, LSTM 4 (i, f, g, o), GRU 3 (r, z, n).
int recurrentGateCount(RecurrentMode mode);

struct RecurrentConfig {
  RecurrentMode mode = RecurrentMode::Lstm;
  int64_t inputSize = 0;
  int64_t hiddenSize = 0;
  int64_t numLayers = 1;
  bool bias = true;
  bool bidirectional = false;
  float dropout = 0.0f;  // between layers (not after the last), in training only
  // GRU only. true: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), PyTorch's GRU (oneDNN lbr_gru).
  // false: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn), ONNX's default and Keras's
  // reset_after=False (oneDNN's gru): b_in and b_hn then act as one bias.
  bool linearBeforeReset = true;

  int64_t directions() const { return bidirectional ? 2 : 1; }
};

// PyTorch's parameter names and shapes, in nn.RNN/LSTM/GRU's _flat_weights order: per layer, per
// direction, weight_ih_l{l}[_reverse] [G*H, in], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H].
std::vector<std::pair<std::string, Shape>> recurrentParameterShapes(const RecurrentConfig& cfg);
int64_t recurrentParameterCount(const RecurrentConfig& cfg);

// Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), PyTorch's reset_parameters.
void initRecurrentParameters(const RecurrentConfig& cfg, std::vector<Tensor>& params, Rng& rng);

struct RecurrentOutputs {
  Tensor out;  // [B, T, D*H]
  Tensor hN;   // [L*D, B, H]
  Tensor cN;   // [L*D, B, H], LSTM only (undefined otherwise)
};

// x: [B, T, I] -> out [B, T, D*H], h_n [L*D, B, H] (, c_n). h0/c0: [L*D, B, H] or undefined
// (zeros). params: as recurrentParameterShapes(cfg). Records its backward when grad mode is on and
// any input requires a gradient. `rng` draws the inter-layer dropout masks (training && dropout>0).
// Throws std::invalid_argument on shape mismatches.
RecurrentOutputs recurrent(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                           const Tensor& c0, const std::vector<Tensor>& params, bool training,
                           Rng* rng);

// Which CPU implementation runs. The environment variable STRATA_RECURRENT_IMPL=gemm|onednn picks
// one for the process (default: gemm, which measured faster than oneDNN 2.6's RNN primitives on
// every benchmark shape, see bench/run); a per-thread override (tests comparing the two) wins
// over the variable while it is not Auto.
enum class RecurrentImpl { Auto, Onednn, Gemm };
void setRecurrentImplOverride(RecurrentImpl impl);
RecurrentImpl recurrentImplInUse();

// How many oneDNN RNN primitives (forward + backward) and GemmRecurrent shape plans this thread
// has created so far; tests use it to check that primitives are reused across steps.
int64_t recurrentPrimitivesCreated();

}  // namespace strata
