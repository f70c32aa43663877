// Fused per-step gate kernels of GemmRecurrent: one pass over a [batch, chunk] block of hidden
// units per time step that applies the gate nonlinearities and the cell update (forward) or turns
// the incoming state gradient into the gate gradients (backward). The same source is compiled
// once per ISA (AVX-512, AVX2+FMA, baseline x86-64) and one set is chosen at run time, so the
// build never needs -march=native and runs on any x86-64 CPU.
#pragma once

#include <cstdint>

namespace strata::gates {

// Layout conventions (all row-major, one row per batch element):
// - `gates` points at the chunk's block of a [T*B, S*H] buffer row: the input projection of the
//   step on entry (per gate, `hc` units), the saved activations after the forward kernel, the gate
//   gradients after the backward kernel (in place). Row stride `ldg` (= S*H).
// - `gh`: the recurrent GEMM's result for the chunk, [B, G*hc], gate-blocked, row stride `ldgh`.
// - States (`hPrev`, `hOut`, `cPrev`, `cOut`, `rh`, `dhDirect`, `dc`, partial sums) point at the
//   chunk's first unit in a [B, H] buffer, row stride `ldh` (= H).
// - Biases are gate-blocked for the chunk: [G*hc].
struct Step {
  int64_t B = 0, hc = 0;
  float* gates = nullptr;
  int64_t ldg = 0;
  const float* gh = nullptr;
  int64_t ldgh = 0;
  const float* bih = nullptr;
  const float* bhh = nullptr;
  const float* hPrev = nullptr;
  float* hOut = nullptr;
  int64_t ldh = 0;
  float* yOut = nullptr;  // optional second copy of h (the bidirectional layer output)
  int64_t ldy = 0;
  const float* cPrev = nullptr;
  float* cOut = nullptr;
  float* rh = nullptr;  // classic GRU: r * h_prev, the operand of the second recurrent GEMM
  // Backward.
  const float* dy = nullptr;  // gradient of the layer output at this step (chunk columns)
  int64_t lddy = 0;
  const float* const* parts = nullptr;  // partial sums of dh from the recurrent GEMMs
  int nparts = 0;
  float* dhDirect = nullptr;  // the part of dh_prev that bypasses the GEMM (in/out)
  float* dc = nullptr;        // LSTM: dc carried to the previous step (in/out)
  const float* cCur = nullptr;  // LSTM: c_t
  const float* hCur = nullptr;  // RNN: h_t (the activation's derivative comes from it)
};

struct Kernels {
  const char* isa;
  void (*rnnTanhFwd)(const Step&);
  void (*rnnReluFwd)(const Step&);
  void (*rnnTanhBwd)(const Step&);
  void (*rnnReluBwd)(const Step&);
  void (*lstmFwd)(const Step&);
  void (*lstmBwd)(const Step&);
  void (*gruLbrFwd)(const Step&);
  void (*gruLbrBwd)(const Step&);
  // Classic GRU (linear_before_reset false): A before the second recurrent GEMM, B after it.
  void (*gruFwdA)(const Step&);
  void (*gruFwdB)(const Step&);
  void (*gruBwdA)(const Step&);
  void (*gruBwdB)(const Step&);
  // Elementwise helpers for tests: y[i] = f(x[i]) with the kernels' exp/sigmoid/tanh.
  void (*sigmoid)(const float* x, float* y, int64_t n);
  void (*tanh)(const float* x, float* y, int64_t n);
};

// The best set this CPU runs. ONEDNN_MAX_CPU_ISA (the variable oneDNN honours, e.g. AVX2) or
// STRATA_MAX_CPU_ISA (avx512 | avx2 | generic) caps it, so one machine can test every path.
const Kernels& kernels();
// A named set ("avx512", "avx2", "generic"), or nullptr when this CPU cannot run it.
const Kernels* kernelsFor(const char* isa);

}  // namespace strata::gates
