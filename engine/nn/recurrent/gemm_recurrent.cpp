// GemmRecurrent (see gemm_recurrent.h). Internals, in time-major order [T, B, C] throughout:
// - Chunks: the H hidden units are split into one chunk per recurrence thread. Chunk j's gate
//   columns are kept together ("chunk-blocked": [chunk][gate][unit]) in the gate buffers, the
//   gathered weights and the biases, so a thread's recurrent GEMM, its gate kernel and its slice of
//   the weights never touch another thread's columns. Backward splits the recurrent product by the
//   same chunks along K; each thread writes its own partial dh_prev and the next step sums the
//   partials in a fixed order (deterministic for a thread count).
// - Gate buffer per layer and direction: [T*B, S*H], S = saved values per unit. It holds the input
//   projection, then (in place) the saved activations, then (in place) the gate gradients.
// - States: Hs = [T+2, B, H] slots, h_t in slot t+1; h0 in slot 0 (forward direction) or T+1
//   (reverse), so the previous states of all steps are one contiguous [T*B, H] matrix for dW_hh.
#include "nn/recurrent/gemm_recurrent.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/cpu/dnnl_context.h"
#include "nn/recurrent/aligned_buffer.h"
#include "nn/recurrent/gate_kernels.h"
#include "nn/recurrent/serial_scope.h"
#include "nn/recurrent/staged_tasks.h"
#include "nn/recurrent/step_matmul.h"
#include "tensor/autograd.h"

namespace strata {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

thread_local int64_t t_plansCreated = 0;
thread_local int64_t t_arenasCreated = 0;

constexpr int kMaxChunks = 64;
constexpr size_t kMaxPlans = 16;

// A run of consecutive gates (PyTorch order) stored as consecutive blocks of a chunk.
struct Run {
  int block, gate, count;
  bool rhOperand;  // the h-side operand is r*h (classic GRU's n gate), not h_prev
};

// Per mode: G gates in the weights, S values saved per unit, and where each gate's x-side and
// h-side gradients sit in a chunk of the gate buffer.
struct ModeInfo {
  int G = 1, S = 1;
  std::vector<Run> xRuns, hRuns;
  int xBlock[4] = {0, 1, 2, 3}, hBlock[4] = {0, 1, 2, 3};
  int fwdGemms = 1;  // recurrent GEMMs per step (classic GRU: [r z] then n)
};

ModeInfo modeInfo(RecurrentMode mode, bool lbr) {
  ModeInfo m;
  switch (mode) {
    case RecurrentMode::RnnTanh:
    case RecurrentMode::RnnRelu:
      m.G = m.S = 1;
      m.xRuns = {{0, 0, 1, false}};
      m.hRuns = {{0, 0, 1, false}};
      break;
    case RecurrentMode::Lstm:
      m.G = m.S = 4;
      m.xRuns = {{0, 0, 4, false}};
      m.hRuns = {{0, 0, 4, false}};
      break;
    case RecurrentMode::Gru:
      m.G = 3;
      if (lbr) {  // saved [r z hn n]: x side r, z, n at blocks 0, 1, 3; h side at 0, 1, 2
        m.S = 4;
        m.xRuns = {{0, 0, 2, false}, {3, 2, 1, false}};
        m.hRuns = {{0, 0, 3, false}};
        m.xBlock[2] = 3;
      } else {  // saved [r z n]; the n gate's recurrent operand is r*h
        m.S = 3;
        m.xRuns = {{0, 0, 3, false}};
        m.hRuns = {{0, 0, 2, false}, {2, 2, 1, true}};
        m.fwdGemms = 2;
      }
      break;
  }
  return m;
}

// One GEMM over all chunks when the chunk blocks are exactly the gathered weight rows.
bool merged(const ModeInfo& m, const std::vector<Run>& runs) {
  return m.S == m.G && runs.size() == 1 && runs[0].block == 0 && runs[0].count == m.G &&
         !runs[0].rhOperand;
}

void sgemm(char ta, char tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (dnnl_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc) != dnnl_success)
    throw std::runtime_error("recurrent: dnnl_sgemm failed");
}

struct Chunk {
  int64_t off = 0, hc = 0;
  std::vector<StepMatmul> fwd, bwd;
  dnnl::stream stream;
};

struct Arena;

// The arenas of one shape not in use. An arena held by a backward closure returns here when the
// closure is gone; shared so that a closure outliving the thread's plan cache stays valid.
struct ArenaPool {
  std::mutex mutex;
  std::vector<std::unique_ptr<Arena>> free;
};

// Everything that depends on the shape only; built once per shape and thread.
struct Plan {
  RecurrentMode mode;
  bool lbr = true;
  ModeInfo mi;
  int64_t T = 0, B = 0, I = 0, H = 0, L = 0, D = 1;
  bool grad = false, dropout = false;
  int threads = 1;
  std::vector<Chunk> chunks;
  std::shared_ptr<ArenaPool> pool = std::make_shared<ArenaPool>();

  int64_t inWidth(int64_t l) const { return l == 0 ? I : D * H; }
  int64_t GH() const { return mi.G * H; }
  int64_t SH() const { return mi.S * H; }
};

// Work per time step below which the recurrence stays on one thread: the hand-over and the split
// would cost more than they save (W5's RNN 32 at batch 16 is ~16k multiply-adds per step).
constexpr int64_t kParallelWork = int64_t{1} << 18;

int recurrenceThreads(const RecurrentConfig& cfg, int64_t B) {
  if (omp_in_parallel()) return 1;
  const int64_t H = cfg.hiddenSize, G = recurrentGateCount(cfg.mode);
  if (B * G * H * H < kParallelWork) return 1;
  return static_cast<int>(std::clamp<int64_t>(omp_get_max_threads(), 1,
                                              std::min<int64_t>(kMaxChunks, H / 16)));
}

Plan makePlan(const RecurrentConfig& cfg, int64_t T, int64_t B, bool grad, bool dropout,
              int threads) {
  Plan p;
  p.mode = cfg.mode;
  p.lbr = cfg.linearBeforeReset;
  p.mi = modeInfo(cfg.mode, cfg.linearBeforeReset);
  p.T = T;
  p.B = B;
  p.I = cfg.inputSize;
  p.H = cfg.hiddenSize;
  p.L = cfg.numLayers;
  p.D = cfg.directions();
  p.grad = grad;
  p.dropout = dropout;
  p.threads = threads;
  const int64_t H = p.H, G = p.mi.G, S = p.mi.S;
  for (int j = 0; j < threads; ++j) {
    Chunk c;
    // Chunk boundaries on multiples of 16 units (a 64-byte line) where H allows.
    auto bound = [&](int k) {
      if (k == threads) return H;
      const int64_t raw = H * k / threads;
      return H >= 16 * threads ? raw / 16 * 16 : raw;
    };
    c.off = bound(j);
    c.hc = bound(j + 1) - c.off;
    const int64_t hc = c.hc;
    if (p.mi.fwdGemms == 1) {
      c.fwd.push_back(StepMatmul::create(B, H, G * hc, H, G * hc, 0, true));
      if (grad) {
        const int64_t kh = p.mode == RecurrentMode::Gru ? 3 * hc : G * hc;
        c.bwd.push_back(StepMatmul::create(B, kh, H, S * H, H, 0, false));
      }
    } else {  // classic GRU: [r z] from h_prev, then n from r*h
      c.fwd.push_back(StepMatmul::create(B, H, 2 * hc, H, G * hc, 0, true));
      c.fwd.push_back(StepMatmul::create(B, H, hc, H, G * hc, 2 * hc, true));
      if (grad) {
        c.bwd.push_back(StepMatmul::create(B, 2 * hc, H, S * H, H, 0, false));
        c.bwd.push_back(StepMatmul::create(B, hc, H, S * H, H, 2 * hc, false));
      }
    }
    c.stream = dnnl::stream(cpu::engine());
    p.chunks.push_back(std::move(c));
  }
  ++t_plansCreated;
  return p;
}

// A whole op below kSerialOpWork multiply-adds (W5: RNN 32, T 50, B 16 is ~1M) runs on the
// calling thread: every OpenMP fork/join that its GEMMs and loops would start costs more than
// their arithmetic (a futex wake-up each under OMP_WAIT_POLICY=passive; measured 150 us vs
// 100 us per W5 op step on 2 threads vs 1). Chosen by shape, so results stay reproducible.
constexpr int64_t kSerialOpWork = int64_t{1} << 22;

bool serialOp(const RecurrentConfig& cfg, int64_t T, int64_t B) {
  const int64_t H = cfg.hiddenSize, G = recurrentGateCount(cfg.mode);
  const int64_t in = std::max(cfg.inputSize, cfg.directions() * H);
  return cfg.numLayers * cfg.directions() * T * B * G * H * (in + H) < kSerialOpWork;
}

// Plans live in a per-thread map of shared pointers (a backward closure keeps its plan alive
// even when it runs after the thread's map is gone).
std::shared_ptr<Plan> planFor(const RecurrentConfig& cfg, int64_t T, int64_t B, bool grad,
                              bool dropout, int threads) {
  thread_local std::unordered_map<std::string, std::shared_ptr<Plan>> plans;
  const std::string key = std::to_string(static_cast<int>(cfg.mode)) +
                          (cfg.linearBeforeReset ? "l" : "c") + (grad ? ":g" : ":i") +
                          (dropout ? "d:" : ":") + std::to_string(threads) + ":" +
                          cpu::dimsKey({cfg.inputSize, cfg.hiddenSize, cfg.numLayers,
                                        cfg.directions(), T, B});
  auto it = plans.find(key);
  if (it == plans.end()) {
    // Each plan keeps its arenas (tens of MB at benchmark sizes): a stream of new sequence
    // lengths must not accumulate them. Past kMaxPlans shapes the map starts afresh; plans still
    // held by a pending backward live on until it is done.
    if (plans.size() >= kMaxPlans) plans.clear();
    it = plans.emplace(key, std::make_shared<Plan>(makePlan(cfg, T, B, grad, dropout, threads)))
             .first;
  }
  return it->second;
}

// All buffers of one forward + backward, sized once for a plan.
struct LayerDir {
  AlignedBuffer gates, hs, cs, rh, wpIh, wpHh, bpIh, bpHh;
  std::vector<std::vector<AlignedBuffer>> packedFwd, packedBwd;  // [chunk][gemm]
};

struct Arena {
  std::vector<LayerDir> ld;      // [L*D]
  std::vector<AlignedBuffer> y;         // [L] layer outputs when bidirectional
  std::vector<AlignedBuffer> mask, drop;  // [L-1] inter-layer dropout
  AlignedBuffer xT;
  std::vector<AlignedBuffer> c;         // per chunk: recurrent GEMM result [B, G*hc]
  std::vector<std::vector<AlignedBuffer>> scratch;  // per chunk per gemm: matmul scratchpads
  std::vector<AlignedBuffer> part[2];   // per chunk: partial dh_prev [B, H], double-buffered
  std::vector<AlignedBuffer> q;         // per chunk: classic GRU's partial d(r*h)
  AlignedBuffer dhDirect, dc, dA, dB, dwScratch, zeros;
  std::vector<double> colsum;
};

std::unique_ptr<Arena> makeArena(const Plan& p) {
  auto a = std::make_unique<Arena>();
  const int64_t T = p.T, B = p.B, H = p.H, D = p.D, TB = T * B, G = p.mi.G;
  const bool lstm = p.mode == RecurrentMode::Lstm;
  const bool classic = p.mode == RecurrentMode::Gru && !p.lbr;
  int64_t maxIn = p.I;
  for (int64_t l = 0; l < p.L; ++l) {
    maxIn = std::max(maxIn, p.inWidth(l));
    for (int64_t d = 0; d < D; ++d) {
      LayerDir r;
      r.gates = AlignedBuffer(TB * p.SH());
      r.hs = AlignedBuffer((T + 2) * B * H);
      if (lstm) r.cs = AlignedBuffer((T + 2) * B * H);
      if (classic) r.rh = AlignedBuffer(TB * H);
      r.wpIh = AlignedBuffer(p.GH() * p.inWidth(l));
      r.wpHh = AlignedBuffer(p.GH() * H);
      r.bpIh = AlignedBuffer(p.GH());
      r.bpHh = AlignedBuffer(p.GH());
      for (const Chunk& c : p.chunks) {
        r.packedFwd.emplace_back();
        for (const StepMatmul& m : c.fwd)
          r.packedFwd.back().emplace_back(m.packedBytes() / sizeof(float) + 1);
        r.packedBwd.emplace_back();
        for (const StepMatmul& m : c.bwd)
          r.packedBwd.back().emplace_back(m.packedBytes() / sizeof(float) + 1);
      }
      a->ld.push_back(std::move(r));
    }
    if (D == 2) a->y.emplace_back(TB * D * H);
    if (p.dropout && l + 1 < p.L) {
      a->mask.emplace_back(TB * D * H);
      a->drop.emplace_back(TB * D * H);
    }
  }
  a->xT = AlignedBuffer(TB * p.I);
  for (const Chunk& c : p.chunks) {
    a->c.emplace_back(B * G * c.hc);
    a->scratch.emplace_back();
    for (const StepMatmul& m : c.fwd) a->scratch.back().emplace_back(m.scratchBytes() / sizeof(float) + 1);
    for (const StepMatmul& m : c.bwd) a->scratch.back().emplace_back(m.scratchBytes() / sizeof(float) + 1);
    if (p.grad) {
      a->part[0].emplace_back(B * H);
      a->part[1].emplace_back(B * H);
      if (classic) a->q.emplace_back(B * H);
    }
  }
  a->zeros = AlignedBuffer(std::max(p.GH(), B * H));
  std::memset(a->zeros.data(), 0, a->zeros.size() * sizeof(float));
  if (p.grad) {
    a->dhDirect = AlignedBuffer(B * H);
    a->dc = AlignedBuffer(B * H);
    a->dA = AlignedBuffer(TB * std::max(maxIn, D * H));
    a->dB = AlignedBuffer(TB * std::max(maxIn, D * H));
    a->dwScratch = AlignedBuffer(p.GH() * std::max(maxIn, H));
    a->colsum.assign(static_cast<size_t>(p.SH()), 0.0);
  }
  ++t_arenasCreated;
  return a;
}

// An arena on loan from a plan's pool; returned on destruction.
std::shared_ptr<Arena> leaseArena(Plan& p) {
  std::unique_ptr<Arena> a;
  {
    std::lock_guard<std::mutex> lock(p.pool->mutex);
    if (!p.pool->free.empty()) {
      a = std::move(p.pool->free.back());
      p.pool->free.pop_back();
    }
  }
  if (!a) a = makeArena(p);
  std::shared_ptr<ArenaPool> pool = p.pool;
  return std::shared_ptr<Arena>(a.release(), [pool](Arena* raw) {
    std::lock_guard<std::mutex> lock(pool->mutex);
    pool->free.emplace_back(raw);
  });
}

size_t paramIndex(const RecurrentConfig& cfg, int64_t l, int64_t d, int k) {
  const int64_t per = cfg.bias ? 4 : 2;
  return static_cast<size_t>((l * cfg.directions() + d) * per + k);
}

// PyTorch rows g*H + off + u -> chunk-blocked rows G*off + g*hc + u (width `w` floats per row).
void gatherRows(const Plan& p, const float* src, float* dst, int64_t w) {
  const int64_t H = p.H, G = p.mi.G;
  for (const Chunk& c : p.chunks)
    for (int64_t g = 0; g < G; ++g)
      std::memcpy(dst + (G * c.off + g * c.hc) * w, src + (g * H + c.off) * w,
                  c.hc * w * sizeof(float));
}

void scatterRows(const Plan& p, const float* src, float* dst, int64_t w) {
  const int64_t H = p.H, G = p.mi.G;
  for (const Chunk& c : p.chunks)
    for (int64_t g = 0; g < G; ++g)
      std::memcpy(dst + (g * H + c.off) * w, src + (G * c.off + g * c.hc) * w,
                  c.hc * w * sizeof(float));
}

// [A, Bd, C] -> [Bd, A, C].
void swapLeading(const float* in, float* out, int64_t A, int64_t Bd, int64_t C) {
#pragma omp parallel for if (A * Bd * C > (1 << 16))
  for (int64_t b = 0; b < Bd; ++b)
    for (int64_t a = 0; a < A; ++a)
      std::memcpy(out + (b * A + a) * C, in + (a * Bd + b) * C, C * sizeof(float));
}

// Packs the step's weights: chunk-blocked W_ih / W_hh / biases, and the per-chunk matmul layouts.
void packWeights(const Plan& p, const RecurrentConfig& cfg, const std::vector<Tensor>& params,
                 int64_t l, int64_t d, LayerDir& r) {
  const int64_t H = p.H, G = p.mi.G;
  gatherRows(p, params[paramIndex(cfg, l, d, 0)].f32(), r.wpIh.data(), p.inWidth(l));
  gatherRows(p, params[paramIndex(cfg, l, d, 1)].f32(), r.wpHh.data(), H);
  if (cfg.bias) {
    gatherRows(p, params[paramIndex(cfg, l, d, 2)].f32(), r.bpIh.data(), 1);
    gatherRows(p, params[paramIndex(cfg, l, d, 3)].f32(), r.bpHh.data(), 1);
  } else {
    std::memset(r.bpIh.data(), 0, r.bpIh.size() * sizeof(float));
    std::memset(r.bpHh.data(), 0, r.bpHh.size() * sizeof(float));
  }
  for (size_t j = 0; j < p.chunks.size(); ++j) {
    const Chunk& c = p.chunks[j];
    const float* rows = r.wpHh.data() + G * c.off * H;
    auto pack = [&](const StepMatmul& m, AlignedBuffer& out) { m.pack(rows, H, out.data()); };
    for (size_t k = 0; k < c.fwd.size(); ++k) pack(c.fwd[k], r.packedFwd[j][k]);
    if (p.grad)
      for (size_t k = 0; k < c.bwd.size(); ++k) pack(c.bwd[k], r.packedBwd[j][k]);
  }
  cpu::stream().wait();
}

// Gx = Xin W_ih^T into the gate buffer's x-side blocks (biases are added by the gate kernels).
void inputProjection(const Plan& p, const float* xin, int64_t in, LayerDir& r) {
  const int64_t TB = p.T * p.B, G = p.mi.G, SH = p.SH();
  if (merged(p.mi, p.mi.xRuns)) {
    sgemm('N', 'T', TB, p.GH(), in, xin, in, r.wpIh.data(), in, 0.0f, r.gates.data(), SH);
    return;
  }
  for (const Chunk& c : p.chunks)
    for (const Run& run : p.mi.xRuns)
      sgemm('N', 'T', TB, run.count * c.hc, in, xin, in,
            r.wpIh.data() + (G * c.off + run.gate * c.hc) * in, in, 0.0f,
            r.gates.data() + p.mi.S * c.off + run.block * c.hc, SH);
}

using KernelFn = void (*)(const gates::Step&);

struct Kernelset {
  KernelFn fwd = nullptr, fwdB = nullptr, bwd = nullptr, bwdB = nullptr;
};

Kernelset kernelsFor(const Plan& p) {
  const gates::Kernels& k = gates::kernels();
  switch (p.mode) {
    case RecurrentMode::RnnTanh: return {k.rnnTanhFwd, nullptr, k.rnnTanhBwd, nullptr};
    case RecurrentMode::RnnRelu: return {k.rnnReluFwd, nullptr, k.rnnReluBwd, nullptr};
    case RecurrentMode::Lstm: return {k.lstmFwd, nullptr, k.lstmBwd, nullptr};
    case RecurrentMode::Gru:
      if (p.lbr) return {k.gruLbrFwd, nullptr, k.gruLbrBwd, nullptr};
      return {k.gruFwdA, k.gruFwdB, k.gruBwdA, k.gruBwdB};
  }
  return {};
}

// Slot of h_prev for time t, and of h_t.
int64_t prevSlot(int64_t d, int64_t t) { return d == 0 ? t : t + 2; }

// The forward time loop of one layer and direction. One stage per step (two for the classic
// GRU, whose W_hn (r*h) product needs every chunk's r*h), one task per chunk.
void forwardRecurrence(Plan& p, Arena& a, LayerDir& r, int64_t d, float* y, int64_t ldy) {
  const int64_t T = p.T, B = p.B, H = p.H, G = p.mi.G, S = p.mi.S, BH = B * H;
  const Kernelset ks = kernelsFor(p);
  const int nchunks = static_cast<int>(p.chunks.size());
  const int phases = ks.fwdB ? 2 : 1;
  StagedTasks::run(nchunks, T * phases, nchunks, [&](int64_t stage, int j) {
    const int64_t s = stage / phases, phase = stage % phases;
    const int64_t t = d == 0 ? s : T - 1 - s;
    const float* hPrev = r.hs.data() + prevSlot(d, t) * BH;
    Chunk& c = p.chunks[j];
    float* cbuf = a.c[j].data();
    gates::Step st;
    st.B = B;
    st.hc = c.hc;
    st.gates = r.gates.data() + t * B * S * H + S * c.off;
    st.ldg = S * H;
    st.gh = cbuf;
    st.ldgh = G * c.hc;
    st.bih = r.bpIh.data() + G * c.off;
    st.bhh = r.bpHh.data() + G * c.off;
    st.hPrev = hPrev + c.off;
    st.hOut = r.hs.data() + (t + 1) * BH + c.off;
    st.ldh = H;
    st.yOut = y ? y + t * B * ldy + d * H + c.off : nullptr;
    st.ldy = ldy;
    if (phase == 1) {  // classic GRU: n and h from W_hn (r*h)
      c.fwd[1].run(c.stream, r.rh.data() + t * BH, r.packedFwd[j][1].data(), cbuf + 2 * c.hc,
                   a.scratch[j][1].data());
      ks.fwdB(st);
      return;
    }
    c.fwd[0].run(c.stream, hPrev, r.packedFwd[j][0].data(), cbuf, a.scratch[j][0].data());
    if (r.cs.data()) {
      st.cPrev = r.cs.data() + prevSlot(d, t) * BH + c.off;
      st.cOut = r.cs.data() + (t + 1) * BH + c.off;
    }
    if (ks.fwdB) {
      st.rh = r.rh.data() + t * BH + c.off;
      st.yOut = nullptr;
    }
    ks.fwd(st);
  });
}

// The backward time loop of one layer and direction: gate gradients in place in r.gates, and
// dh0 / dc0 of this layer and direction into dh0 / dc0 ([B, H]). The recurrent product is split
// along K by chunk: each task writes its own partial dh_prev, the next step sums them in chunk
// order (double-buffered by step parity).
void backwardRecurrence(Plan& p, Arena& a, LayerDir& r, int64_t d, const float* dy, int64_t lddy,
                        const float* gh, const float* gc, float* dh0, float* dc0) {
  const int64_t T = p.T, B = p.B, H = p.H, S = p.mi.S, BH = B * H;
  const Kernelset ks = kernelsFor(p);
  const int nchunks = static_cast<int>(p.chunks.size());
  std::memcpy(a.dhDirect.data(), gh ? gh : a.zeros.data(), BH * sizeof(float));
  if (r.cs.data()) std::memcpy(a.dc.data(), gc ? gc : a.zeros.data(), BH * sizeof(float));
  const bool classic = ks.bwdB != nullptr;
  const int phases = classic ? 2 : 1;
  StagedTasks::run(nchunks, T * phases, nchunks, [&](int64_t stage, int j) {
    const int64_t s = T - 1 - stage / phases, phase = stage % phases;
    const int64_t t = d == 0 ? s : T - 1 - s;
    const int cur = static_cast<int>(s & 1), next = cur ^ 1;
    const float* hPrev = r.hs.data() + prevSlot(d, t) * BH;
    float* g = r.gates.data() + t * B * S * H;
    Chunk& c = p.chunks[j];
    const float* parts[kMaxChunks];
    gates::Step st;
    st.B = B;
    st.hc = c.hc;
    st.gates = g + S * c.off;
    st.ldg = S * H;
    st.hPrev = hPrev + c.off;
    st.ldh = H;
    st.parts = parts;
    st.dhDirect = a.dhDirect.data() + c.off;
    if (phase == 1) {  // classic GRU: dr from d(r*h), then [dr dz] W_h[rz]
      for (int k = 0; k < nchunks; ++k) parts[k] = a.q[k].data() + c.off;
      st.nparts = nchunks;
      ks.bwdB(st);
      c.bwd[0].run(c.stream, g + S * c.off, r.packedBwd[j][0].data(), a.part[cur][j].data(),
                   a.scratch[j][c.fwd.size()].data());
      return;
    }
    st.nparts = s == T - 1 ? 0 : nchunks;
    for (int k = 0; k < st.nparts; ++k) parts[k] = a.part[next][k].data() + c.off;
    st.dy = dy + t * B * lddy + d * H + c.off;
    st.lddy = lddy;
    st.hCur = r.hs.data() + (t + 1) * BH + c.off;
    if (r.cs.data()) {
      st.dc = a.dc.data() + c.off;
      st.cCur = r.cs.data() + (t + 1) * BH + c.off;
      st.cPrev = r.cs.data() + prevSlot(d, t) * BH + c.off;
    }
    ks.bwd(st);
    if (classic)  // d(r*h) = dn W_hn, split along K by chunk
      c.bwd[1].run(c.stream, g + S * c.off + 2 * c.hc, r.packedBwd[j][1].data(), a.q[j].data(),
                   a.scratch[j][c.fwd.size() + 1].data());
    else
      c.bwd[0].run(c.stream, g + S * c.off, r.packedBwd[j][0].data(), a.part[cur][j].data(),
                   a.scratch[j][c.fwd.size()].data());
  });
  // dh0 = the direct part + the partial sums of the last processed step (s = 0: buffer 0).
  for (int64_t i = 0; i < BH; ++i) {
    float v = a.dhDirect.data()[i];
    for (int k = 0; k < nchunks; ++k) v += a.part[0][k].data()[i];
    dh0[i] = v;
  }
  if (dc0 && r.cs.data()) std::memcpy(dc0, a.dc.data(), BH * sizeof(float));
}

// Column sums of the gate gradients over all T*B rows, in double, split by column blocks.
void columnSums(const Plan& p, const float* g, std::vector<double>& out) {
  const int64_t rows = p.T * p.B, cols = p.SH();
  const int64_t blocks = (cols + 63) / 64;
#pragma omp parallel for if (rows * cols > (1 << 16))
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t c0 = blk * 64, n = std::min<int64_t>(64, cols - c0);
    double acc[64] = {};
    for (int64_t i = 0; i < rows; ++i) {
      const float* row = g + i * cols + c0;
      for (int64_t u = 0; u < n; ++u) acc[u] += row[u];
    }
    for (int64_t u = 0; u < n; ++u) out[c0 + u] = acc[u];
  }
}

// Weight and bias gradients of one layer and direction, and its input gradient added into dxin.
void weightGradients(const Plan& p, Arena& a, LayerDir& r, int64_t d, const float* xin,
                     int64_t in, float* dxin, bool firstDir, float* dWih, float* dWhh,
                     float* dbih, float* dbhh) {
  const int64_t T = p.T, B = p.B, TB = T * B, H = p.H, G = p.mi.G, S = p.mi.S, SH = p.SH();
  const float* g = r.gates.data();
  const float* hprev = r.hs.data() + (d == 0 ? 0 : 2) * B * H;
  float* scratch = a.dwScratch.data();
  // dW_ih = dG_x^T Xin, chunk-blocked rows, then into PyTorch's order.
  if (merged(p.mi, p.mi.xRuns)) {
    sgemm('T', 'N', p.GH(), in, TB, g, SH, xin, in, 0.0f, scratch, in);
  } else {
    for (const Chunk& c : p.chunks)
      for (const Run& run : p.mi.xRuns)
        sgemm('T', 'N', run.count * c.hc, in, TB, g + S * c.off + run.block * c.hc, SH, xin, in,
              0.0f, scratch + (G * c.off + run.gate * c.hc) * in, in);
  }
  scatterRows(p, scratch, dWih, in);
  if (merged(p.mi, p.mi.hRuns)) {
    sgemm('T', 'N', p.GH(), H, TB, g, SH, hprev, H, 0.0f, scratch, H);
  } else {
    for (const Chunk& c : p.chunks)
      for (const Run& run : p.mi.hRuns)
        sgemm('T', 'N', run.count * c.hc, H, TB, g + S * c.off + run.block * c.hc, SH,
              run.rhOperand ? r.rh.data() : hprev, H, 0.0f,
              scratch + (G * c.off + run.gate * c.hc) * H, H);
  }
  scatterRows(p, scratch, dWhh, H);
  if (dbih) {
    columnSums(p, g, a.colsum);
    for (const Chunk& c : p.chunks)
      for (int64_t gate = 0; gate < G; ++gate)
        for (int64_t u = 0; u < c.hc; ++u) {
          dbih[gate * H + c.off + u] =
              static_cast<float>(a.colsum[S * c.off + p.mi.xBlock[gate] * c.hc + u]);
          dbhh[gate * H + c.off + u] =
              static_cast<float>(a.colsum[S * c.off + p.mi.hBlock[gate] * c.hc + u]);
        }
  }
  if (!dxin) return;
  // dXin (+)= dG_x W_ih.
  float beta = firstDir ? 0.0f : 1.0f;
  if (merged(p.mi, p.mi.xRuns)) {
    sgemm('N', 'N', TB, in, p.GH(), g, SH, r.wpIh.data(), in, beta, dxin, in);
    return;
  }
  for (const Chunk& c : p.chunks)
    for (const Run& run : p.mi.xRuns) {
      sgemm('N', 'N', TB, in, run.count * c.hc, g + S * c.off + run.block * c.hc, SH,
            r.wpIh.data() + (G * c.off + run.gate * c.hc) * in, in, beta, dxin, in);
      beta = 1.0f;
    }
}

}  // namespace

int64_t GemmRecurrent::plansCreated() { return t_plansCreated; }
int64_t GemmRecurrent::arenasCreated() { return t_arenasCreated; }
const char* GemmRecurrent::gateIsa() { return gates::kernels().isa; }

RecurrentOutputs GemmRecurrent::run(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                                    const Tensor& c0, const std::vector<Tensor>& params,
                                    bool training, Rng* rng) {
  const int64_t B = x.size(0), T = x.size(1), H = cfg.hiddenSize, D = cfg.directions();
  const int64_t L = cfg.numLayers, DH = D * H, BH = B * H, I = cfg.inputSize;
  const bool lstm = cfg.mode == RecurrentMode::Lstm;
  std::vector<Tensor> inputs{x, h0, c0};
  inputs.insert(inputs.end(), params.begin(), params.end());
  const bool grad = needsGrad(inputs);
  const bool dropoutOn = training && cfg.dropout > 0.0f && L > 1;
  if (dropoutOn && !rng) throw std::invalid_argument("recurrent: dropout needs an Rng");

  const bool serial = serialOp(cfg, T, B);
  SerialScope serialScope(serial);
  std::shared_ptr<Plan> plan = planFor(cfg, T, B, grad, dropoutOn, recurrenceThreads(cfg, B));
  Plan& p = *plan;
  std::shared_ptr<Arena> arena = leaseArena(p);
  Arena& a = *arena;
  swapLeading(x.f32(), a.xT.data(), B, T, I);

  const Shape stateShape{L * D, B, H};
  RecurrentOutputs res;
  res.hN = Tensor::empty(stateShape);
  if (lstm) res.cN = Tensor::empty(stateShape);
  const float* layerIn = a.xT.data();
  const float* lastY = nullptr;
  for (int64_t l = 0; l < L; ++l) {
    const int64_t in = p.inWidth(l);
    float* y = D == 2 ? a.y[l].data() : nullptr;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t ldi = l * D + d;
      LayerDir& r = a.ld[ldi];
      packWeights(p, cfg, params, l, d, r);
      inputProjection(p, layerIn, in, r);
      const int64_t h0Slot = d == 0 ? 0 : T + 1;
      if (h0.defined()) std::memcpy(r.hs.data() + h0Slot * BH, h0.f32() + ldi * BH, BH * 4);
      else std::memset(r.hs.data() + h0Slot * BH, 0, BH * 4);
      if (lstm) {
        if (c0.defined()) std::memcpy(r.cs.data() + h0Slot * BH, c0.f32() + ldi * BH, BH * 4);
        else std::memset(r.cs.data() + h0Slot * BH, 0, BH * 4);
      }
      forwardRecurrence(p, a, r, d, y, DH);
      const int64_t lastSlot = d == 0 ? T : 1;
      std::memcpy(res.hN.f32() + ldi * BH, r.hs.data() + lastSlot * BH, BH * 4);
      if (lstm) std::memcpy(res.cN.f32() + ldi * BH, r.cs.data() + lastSlot * BH, BH * 4);
    }
    // A unidirectional layer's output is its state slots 1..T.
    const float* ly = D == 2 ? a.y[l].data() : a.ld[l].hs.data() + BH;
    lastY = ly;
    layerIn = ly;
    if (dropoutOn && l + 1 < L) {
      // Inverted dropout on the layer output fed to the next layer, drawn in [T, B, D*H] order.
      const float keep = cfg.dropout < 1.0f ? 1.0f / (1.0f - cfg.dropout) : 0.0f;
      float* m = a.mask[l].data();
      float* o = a.drop[l].data();
      for (int64_t i = 0, n = T * B * DH; i < n; ++i) {
        m[i] = rng->uniform() < cfg.dropout ? 0.0f : keep;
        o[i] = ly[i] * m[i];
      }
      layerIn = o;
    }
  }
  res.out = Tensor::empty({B, T, DH});
  swapLeading(lastY, res.out.f32(), T, B, DH);
  if (!grad) return res;

  const bool needDx = x.requiresGrad();
  const bool hasH0 = h0.defined(), hasC0 = c0.defined();
  std::vector<Tensor*> outs{&res.out, &res.hN};
  if (lstm) outs.push_back(&res.cN);
  const auto shapes = recurrentParameterShapes(cfg);
  recordOp(
      "recurrent", inputs, outs,
      [cfg, plan, arena, shapes, serial, needDx, hasH0, hasC0, B, T, I, H, D, L, DH, BH, dropoutOn,
       stateShape](const std::vector<Tensor>& gradOut) {
        const bool lstm = cfg.mode == RecurrentMode::Lstm;
        SerialScope serialScope(serial);
        Plan& p = *plan;
        Arena& a = *arena;
        std::vector<Tensor> dparams;
        for (const auto& s : shapes) dparams.push_back(Tensor::empty(s.second));
        Tensor dh0 = Tensor::empty(stateShape);
        Tensor dc0 = lstm ? Tensor::empty(stateShape) : Tensor();
        const bool hasGH = gradOut.size() > 1 && gradOut[1].defined();
        const bool hasGC = lstm && gradOut.size() > 2 && gradOut[2].defined();
        // Gradient of the top layer's output, time-major.
        float* dY = a.dA.data();
        float* dX = a.dB.data();
        if (gradOut.size() > 0 && gradOut[0].defined())
          swapLeading(gradOut[0].f32(), dY, B, T, DH);
        else
          std::memset(dY, 0, T * B * DH * sizeof(float));
        for (int64_t l = L; l-- > 0;) {
          const int64_t in = p.inWidth(l);
          const float* xin = l == 0 ? a.xT.data()
                             : dropoutOn ? a.drop[l - 1].data()
                             : D == 2 ? a.y[l - 1].data()
                                      : a.ld[l - 1].hs.data() + BH;
          float* dxin = l > 0 || needDx ? dX : nullptr;
          for (int64_t d = 0; d < D; ++d) {
            const int64_t ldi = l * D + d;
            LayerDir& r = a.ld[ldi];
            backwardRecurrence(p, a, r, d, dY, DH, hasGH ? gradOut[1].f32() + ldi * BH : nullptr,
                               hasGC ? gradOut[2].f32() + ldi * BH : nullptr,
                               dh0.f32() + ldi * BH, lstm ? dc0.f32() + ldi * BH : nullptr);
            weightGradients(p, a, r, d, xin, in, dxin, d == 0,
                            dparams[paramIndex(cfg, l, d, 0)].f32(),
                            dparams[paramIndex(cfg, l, d, 1)].f32(),
                            cfg.bias ? dparams[paramIndex(cfg, l, d, 2)].f32() : nullptr,
                            cfg.bias ? dparams[paramIndex(cfg, l, d, 3)].f32() : nullptr);
          }
          if (l > 0 && dropoutOn) {
            const float* m = a.mask[l - 1].data();
            for (int64_t i = 0, n = T * B * in; i < n; ++i) dX[i] *= m[i];
          }
          std::swap(dY, dX);
        }
        Tensor dx;
        if (needDx) {
          dx = Tensor::empty({B, T, I});
          swapLeading(dY, dx.f32(), T, B, I);
        }
        std::vector<Tensor> result{dx, hasH0 ? dh0 : Tensor(), hasC0 ? dc0 : Tensor()};
        result.insert(result.end(), dparams.begin(), dparams.end());
        return result;
      });
  return res;
}

}  // namespace strata
