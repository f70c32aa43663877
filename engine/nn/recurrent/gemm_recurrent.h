// GemmRecurrent: Strata's own CPU engine behind strata::recurrent (RNN tanh/relu, LSTM, GRU with
// and without linear-before-reset; uni/bidirectional, multi-layer, inter-layer dropout), built so
// that nearly all of its time is spent in GEMMs:
// - the input projection of all time steps is one large GEMM ([T*B, in] x [in, G*H]);
// - per time step only the recurrent product ([B, H] x [H, G*H]) remains, split by hidden units
//   into one chunk per thread; each chunk is a oneDNN matmul primitive created once per shape whose
//   weights are packed once per step (not per time step) and stay in that core's cache;
// - the gate nonlinearities and the cell update are one fused vector pass per step and chunk
//   (gate_kernels.h), and the threads meet at one spin barrier per step instead of an OpenMP
//   fork/join;
// - backward runs fused per-step gate gradients, then the weight gradients as large GEMMs over all
//   time steps (dW_ih from the stacked inputs, dW_hh from the stacked previous states) and dX as
//   one GEMM;
// - every buffer comes from an arena sized once per shape and reused across steps.
// Parameters stay in PyTorch's layout and gate order; results depend only on the shape, the data
// and the thread count (bit-identical run to run).
#pragma once

#include <cstdint>
#include <vector>

#include "nn/recurrent/rnn_op.h"

namespace strata {

class GemmRecurrent final {
 public:
  // strata::recurrent's contract; the caller has validated the shapes.
  static RecurrentOutputs run(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                              const Tensor& c0, const std::vector<Tensor>& params, bool training,
                              Rng* rng);

  // Per thread: shape plans built (each creates its matmul primitives) and arenas allocated. A
  // training loop on one shape builds one plan and one arena, then only reuses them.
  static int64_t plansCreated();
  static int64_t arenasCreated();
  // The gate kernel set in use ("avx512", "avx2" or "generic").
  static const char* gateIsa();
};

}  // namespace strata
