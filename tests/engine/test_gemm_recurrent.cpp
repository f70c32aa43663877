// GemmRecurrent (Strata's GEMM-bound recurrent engine) against a float64 reference written from
// PyTorch's formulas and against the oneDNN RNN primitive path: forward outputs, h_n/c_n and every
// gradient, for each mode, direction and depth; a wrong gate order must fail the same check;
// bit-identical repeated runs; arena and plan reuse; the gate kernels' exp/sigmoid/tanh on every
// ISA this CPU runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/fp32_rule.h"
#include "common/tensor_helpers.h"
#include "nn/recurrent/gate_kernels.h"
#include "nn/recurrent/gemm_recurrent.h"
#include "nn/recurrent/rnn_op.h"
#include "tensor/autograd.h"

using namespace strata;

namespace {

using test::uniformTensor;
using test::weightedSum;
using Vec = std::vector<double>;

double sigm(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// The float64 reference: PyTorch's nn.RNN/LSTM/GRU (and the classic GRU) forward and backward,
// one batch element and one step at a time.
struct Reference {
  Vec out, hN, cN, dx, dh0, dc0;
  std::vector<Vec> dparams;
};

struct StepCache {
  Vec x, hp, cp, a, c, h, hn, rh;  // a: activated gates (LSTM i f g o; GRU r z n; RNN h)
};

Reference reference(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                    const Tensor& c0, const std::vector<Tensor>& params, const Tensor& gOut,
                    const Tensor& gH, const Tensor& gC, int swapGates = -1) {
  const int64_t B = x.size(0), T = x.size(1), H = cfg.hiddenSize, D = cfg.directions();
  const int64_t L = cfg.numLayers, G = recurrentGateCount(cfg.mode), DH = D * H;
  const bool lstm = cfg.mode == RecurrentMode::Lstm, gru = cfg.mode == RecurrentMode::Gru;
  const int per = cfg.bias ? 4 : 2;
  auto P = [&](int64_t l, int64_t d, int k) { return params[(l * D + d) * per + k].f32(); };
  // Optionally a broken reference: gate blocks 0 and 1 of every W_ih swapped.
  auto wih = [&](int64_t l, int64_t d, int64_t row, int64_t k, int64_t in) {
    int64_t r = row;
    if (swapGates >= 0 && G > 1) {
      const int64_t g = row / H;
      if (g == 0) r += H;
      else if (g == 1) r -= H;
    }
    return double(P(l, d, 0)[r * in + k]);
  };
  Reference ref;
  // layer input [T][B][in]
  std::vector<Vec> in(T * B);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      in[t * B + b] = Vec(x.f32() + (b * T + t) * cfg.inputSize,
                          x.f32() + (b * T + t + 1) * cfg.inputSize);
  ref.hN.assign(L * D * B * H, 0);
  ref.cN.assign(L * D * B * H, 0);
  std::vector<std::vector<StepCache>> caches(L * D, std::vector<StepCache>(T * B));
  std::vector<std::vector<Vec>> layerInputs;
  for (int64_t l = 0; l < L; ++l) {
    const int64_t inW = l == 0 ? cfg.inputSize : DH;
    layerInputs.push_back(in);
    std::vector<Vec> outL(T * B, Vec(DH, 0));
    for (int64_t d = 0; d < D; ++d) {
      const float* whh = P(l, d, 1);
      const float* bih = cfg.bias ? P(l, d, 2) : nullptr;
      const float* bhh = cfg.bias ? P(l, d, 3) : nullptr;
      for (int64_t b = 0; b < B; ++b) {
        Vec h(H), c(H, 0);
        for (int64_t u = 0; u < H; ++u) {
          h[u] = h0.defined() ? h0.f32()[((l * D + d) * B + b) * H + u] : 0;
          if (lstm && c0.defined()) c[u] = c0.f32()[((l * D + d) * B + b) * H + u];
        }
        for (int64_t s = 0; s < T; ++s) {
          const int64_t t = d == 0 ? s : T - 1 - s;
          StepCache& sc = caches[l * D + d][t * B + b];
          sc.x = in[t * B + b];
          sc.hp = h;
          sc.cp = c;
          Vec gx(G * H), ghh(G * H);
          for (int64_t r = 0; r < G * H; ++r) {
            double ax = bih ? bih[r] : 0, ah = bhh ? bhh[r] : 0;
            for (int64_t k = 0; k < inW; ++k) ax += wih(l, d, r, k, inW) * sc.x[k];
            for (int64_t k = 0; k < H; ++k) ah += double(whh[r * H + k]) * h[k];
            gx[r] = ax;
            ghh[r] = ah;
          }
          sc.a.assign(G * H, 0);
          Vec hNew(H);
          for (int64_t u = 0; u < H; ++u) {
            if (lstm) {
              const double i = sigm(gx[u] + ghh[u]), f = sigm(gx[H + u] + ghh[H + u]);
              const double g = std::tanh(gx[2 * H + u] + ghh[2 * H + u]);
              const double o = sigm(gx[3 * H + u] + ghh[3 * H + u]);
              c[u] = f * c[u] + i * g;
              hNew[u] = o * std::tanh(c[u]);
              sc.a[u] = i, sc.a[H + u] = f, sc.a[2 * H + u] = g, sc.a[3 * H + u] = o;
            } else if (!gru) {
              const double v = gx[u] + ghh[u];
              hNew[u] = cfg.mode == RecurrentMode::RnnTanh ? std::tanh(v) : (v > 0 ? v : 0);
              sc.a[u] = hNew[u];
            } else {
              const double r = sigm(gx[u] + ghh[u]), z = sigm(gx[H + u] + ghh[H + u]);
              sc.a[u] = r, sc.a[H + u] = z;
            }
          }
          if (gru) {
            sc.hn.assign(H, 0);
            sc.rh.assign(H, 0);
            for (int64_t u = 0; u < H; ++u) sc.rh[u] = sc.a[u] * h[u];
            for (int64_t u = 0; u < H; ++u) {
              const double r = sc.a[u], z = sc.a[H + u];
              double n;
              if (cfg.linearBeforeReset) {
                sc.hn[u] = ghh[2 * H + u];
                n = std::tanh(gx[2 * H + u] + r * sc.hn[u]);
              } else {
                double acc = bhh ? bhh[2 * H + u] : 0;
                for (int64_t k = 0; k < H; ++k) acc += double(whh[(2 * H + u) * H + k]) * sc.rh[k];
                n = std::tanh(gx[2 * H + u] + acc);
              }
              sc.a[2 * H + u] = n;
              hNew[u] = (1 - z) * n + z * h[u];
            }
          }
          h = hNew;
          sc.h = h;
          sc.c = c;
          for (int64_t u = 0; u < H; ++u) outL[t * B + b][d * H + u] = h[u];
        }
        for (int64_t u = 0; u < H; ++u) {
          ref.hN[((l * D + d) * B + b) * H + u] = h[u];
          ref.cN[((l * D + d) * B + b) * H + u] = c[u];
        }
      }
    }
    in = outL;
  }
  ref.out.assign(B * T * DH, 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < DH; ++k) ref.out[(b * T + t) * DH + k] = in[t * B + b][k];

  // Backward.
  for (const Tensor& p : params) ref.dparams.emplace_back(p.numel(), 0.0);
  auto dP = [&](int64_t l, int64_t d, int k) -> Vec& { return ref.dparams[(l * D + d) * per + k]; };
  ref.dh0.assign(L * D * B * H, 0);
  ref.dc0.assign(L * D * B * H, 0);
  std::vector<Vec> dY(T * B, Vec(DH));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < DH; ++k) dY[t * B + b][k] = gOut.f32()[(b * T + t) * DH + k];
  for (int64_t l = L; l-- > 0;) {
    const int64_t inW = l == 0 ? cfg.inputSize : DH;
    std::vector<Vec> dIn(T * B, Vec(inW, 0));
    for (int64_t d = 0; d < D; ++d) {
      const float* whh = P(l, d, 1);
      Vec& dWih = dP(l, d, 0);
      Vec& dWhh = dP(l, d, 1);
      for (int64_t b = 0; b < B; ++b) {
        Vec dh(H), dc(H, 0);
        for (int64_t u = 0; u < H; ++u) {
          dh[u] = gH.f32()[((l * D + d) * B + b) * H + u];
          if (lstm) dc[u] = gC.f32()[((l * D + d) * B + b) * H + u];
        }
        for (int64_t s = T; s-- > 0;) {
          const int64_t t = d == 0 ? s : T - 1 - s;
          const StepCache& sc = caches[l * D + d][t * B + b];
          for (int64_t u = 0; u < H; ++u) dh[u] += dY[t * B + b][d * H + u];
          Vec dax(G * H), dah(G * H), dhp(H, 0);
          for (int64_t u = 0; u < H; ++u) {
            if (lstm) {
              const double i = sc.a[u], f = sc.a[H + u], g = sc.a[2 * H + u], o = sc.a[3 * H + u];
              const double tc = std::tanh(sc.c[u]);
              const double dct = dc[u] + dh[u] * o * (1 - tc * tc);
              dax[u] = dct * g * i * (1 - i);
              dax[H + u] = dct * sc.cp[u] * f * (1 - f);
              dax[2 * H + u] = dct * i * (1 - g * g);
              dax[3 * H + u] = dh[u] * tc * o * (1 - o);
              dc[u] = dct * f;
            } else if (!gru) {
              const double hv = sc.a[u];
              dax[u] = cfg.mode == RecurrentMode::RnnTanh ? dh[u] * (1 - hv * hv)
                                                          : (hv > 0 ? dh[u] : 0);
            } else {
              const double z = sc.a[H + u], n = sc.a[2 * H + u];
              dax[H + u] = dh[u] * (sc.hp[u] - n) * z * (1 - z);
              dax[2 * H + u] = dh[u] * (1 - z) * (1 - n * n);
              dhp[u] = dh[u] * z;
            }
          }
          dah = dax;
          if (gru) {
            Vec drh(H, 0);
            for (int64_t u = 0; u < H; ++u) {
              const double r = sc.a[u];
              double dr;
              if (cfg.linearBeforeReset) {
                dr = dax[2 * H + u] * sc.hn[u];
                dah[2 * H + u] = dax[2 * H + u] * r;
              } else {
                double acc = 0;
                for (int64_t k = 0; k < H; ++k)
                  acc += double(whh[(2 * H + k) * H + u]) * dax[2 * H + k];
                drh[u] = acc;
                dr = acc * sc.hp[u];
              }
              dax[u] = dah[u] = dr * r * (1 - r);
            }
            if (!cfg.linearBeforeReset)
              for (int64_t u = 0; u < H; ++u) dhp[u] += drh[u] * sc.a[u];
          }
          // Parameter gradients and the input/state gradients.
          for (int64_t r = 0; r < G * H; ++r) {
            for (int64_t k = 0; k < inW; ++k) dWih[r * inW + k] += dax[r] * sc.x[k];
            const bool rhRow = gru && !cfg.linearBeforeReset && r >= 2 * H;
            for (int64_t k = 0; k < H; ++k)
              dWhh[r * H + k] += dah[r] * (rhRow ? sc.rh[k] : sc.hp[k]);
            if (cfg.bias) {
              dP(l, d, 2)[r] += dax[r];
              dP(l, d, 3)[r] += dah[r];
            }
            for (int64_t k = 0; k < inW; ++k) dIn[t * B + b][k] += wih(l, d, r, k, inW) * dax[r];
            if (!rhRow)
              for (int64_t k = 0; k < H; ++k) dhp[k] += double(whh[r * H + k]) * dah[r];
          }
          dh = dhp;
        }
        for (int64_t u = 0; u < H; ++u) {
          ref.dh0[((l * D + d) * B + b) * H + u] = dh[u];
          ref.dc0[((l * D + d) * B + b) * H + u] = dc[u];
        }
      }
    }
    dY = dIn;
  }
  ref.dx.assign(B * T * cfg.inputSize, 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t k = 0; k < cfg.inputSize; ++k)
        ref.dx[(b * T + t) * cfg.inputSize + k] = dY[t * B + b][k];
  return ref;
}

struct Case {
  RecurrentConfig cfg;
  Tensor x, h0, c0, gOut, gH, gC;
  std::vector<Tensor> params;
};

Case makeCase(RecurrentMode mode, bool lbr, bool bi, int64_t layers, uint64_t seed,
              int64_t B = 3, int64_t T = 5, int64_t I = 4, int64_t H = 20) {
  Case c;
  c.cfg = RecurrentConfig{mode, I, H, layers, true, bi, 0.0f, lbr};
  Rng rng(seed);
  const int64_t D = c.cfg.directions();
  for (const auto& s : recurrentParameterShapes(c.cfg)) {
    c.params.push_back(uniformTensor(s.second, rng, -0.5f, 0.5f));
    c.params.back().setRequiresGrad();
  }
  c.x = uniformTensor({B, T, I}, rng).setRequiresGrad();
  c.h0 = uniformTensor({layers * D, B, H}, rng, -0.5f, 0.5f).setRequiresGrad();
  if (mode == RecurrentMode::Lstm)
    c.c0 = uniformTensor({layers * D, B, H}, rng, -0.5f, 0.5f).setRequiresGrad();
  c.gOut = uniformTensor({B, T, D * H}, rng);
  c.gH = uniformTensor({layers * D, B, H}, rng);
  c.gC = uniformTensor({layers * D, B, H}, rng);
  return c;
}

// Forward and backward on one implementation: [out, h_n, (c_n), dx, dh0, (dc0), dparams...].
std::vector<Tensor> runImpl(Case& c, RecurrentImpl impl) {
  setRecurrentImplOverride(impl);
  c.x.zeroGrad();
  c.h0.zeroGrad();
  if (c.c0.defined()) c.c0.zeroGrad();
  for (Tensor& p : c.params) p.zeroGrad();
  Rng rng(1);
  RecurrentOutputs r = recurrent(c.cfg, c.x, c.h0, c.c0, c.params, true, &rng);
  std::vector<Tensor> outs{r.out, r.hN}, seeds{c.gOut, c.gH};
  if (r.cN.defined()) {
    outs.push_back(r.cN);
    seeds.push_back(c.gC);
  }
  weightedSum(outs, seeds).backward();
  setRecurrentImplOverride(RecurrentImpl::Auto);
  std::vector<Tensor> v{r.out.detach(), r.hN.detach()};
  if (r.cN.defined()) v.push_back(r.cN.detach());
  v.push_back(c.x.grad());
  v.push_back(c.h0.grad());
  if (c.c0.defined()) v.push_back(c.c0.grad());
  for (Tensor& p : c.params) v.push_back(p.grad());
  return v;
}

std::vector<Vec> referenceList(const Case& c, int swapGates = -1) {
  Reference r = reference(c.cfg, c.x, c.h0, c.c0, c.params, c.gOut, c.gH, c.gC, swapGates);
  const bool lstm = c.cfg.mode == RecurrentMode::Lstm;
  std::vector<Vec> v{r.out, r.hN};
  if (lstm) v.push_back(r.cN);
  v.push_back(r.dx);
  v.push_back(r.dh0);
  if (lstm) v.push_back(r.dc0);
  for (const Vec& p : r.dparams) v.push_back(p);
  return v;
}

// The worst fp32-rule ratio over all tensors; K generous for a recurrence (every product of the
// stack can feed every output).
double worstRatio(const std::vector<Tensor>& got, const std::vector<Vec>& ref, int64_t K,
                  double implementations, std::string* where) {
  double worst = 0;
  EXPECT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < got.size() && i < ref.size(); ++i) {
    EXPECT_TRUE(got[i].defined()) << "tensor " << i;
    if (!got[i].defined()) return 1e30;
    EXPECT_EQ(got[i].numel(), int64_t(ref[i].size()));
    test::Fp32Verdict v = test::checkFp32(got[i].f32(), ref[i].data(), nullptr, got[i].numel(),
                                          K, implementations);
    if (!(v.ratio <= worst)) {
      worst = v.ratio;
      if (where) *where = v.describe("tensor " + std::to_string(i));
    }
  }
  return worst;
}

std::vector<Vec> toDouble(const std::vector<Tensor>& ts) {
  std::vector<Vec> v;
  for (const Tensor& t : ts) v.emplace_back(t.f32(), t.f32() + t.numel());
  return v;
}

struct ModeCase {
  RecurrentMode mode;
  bool lbr;
  const char* name;
};
const ModeCase kModes[] = {{RecurrentMode::RnnTanh, true, "rnn_tanh"},
                           {RecurrentMode::RnnRelu, true, "rnn_relu"},
                           {RecurrentMode::Lstm, true, "lstm"},
                           {RecurrentMode::Gru, true, "gru"},
                           {RecurrentMode::Gru, false, "gru_classic"}};

int64_t reductionOf(const Case& c) {
  const int64_t T = c.x.size(1), B = c.x.size(0), H = c.cfg.hiddenSize;
  return T * B * (c.cfg.directions() * H + c.cfg.inputSize + H);
}

}  // namespace

TEST(GemmRecurrent, MatchesFloat64ReferenceAndOnednnEverywhere) {
  for (const ModeCase& m : kModes)
    for (bool bi : {false, true})
      for (int64_t layers : {1, 2}) {
        Case c = makeCase(m.mode, m.lbr, bi, layers, 100 + layers + (bi ? 10 : 0));
        const std::vector<Tensor> gemm = runImpl(c, RecurrentImpl::Gemm);
        const std::vector<Tensor> onednn = runImpl(c, RecurrentImpl::Onednn);
        const std::vector<Vec> ref = referenceList(c);
        const int64_t K = reductionOf(c);
        std::string w1, w2, w3;
        const double vsRef = worstRatio(gemm, ref, K, 1.0, &w1);
        const double onednnVsRef = worstRatio(onednn, ref, K, 1.0, &w2);
        const double vsOnednn = worstRatio(gemm, toDouble(onednn), K, 2.0, &w3);
        std::printf("[gemm_recurrent] %-11s %s L%lld: vs float64 %.3g, oneDNN vs float64 %.3g, "
                    "vs oneDNN %.3g (of the fp32 bound)\n",
                    m.name, bi ? "bi " : "uni", static_cast<long long>(layers), vsRef,
                    onednnVsRef, vsOnednn);
        EXPECT_LE(vsRef, 1.0) << m.name << " bi " << bi << " L" << layers << ": " << w1;
        EXPECT_LE(onednnVsRef, 1.0) << m.name << " bi " << bi << " L" << layers << ": " << w2;
        EXPECT_LE(vsOnednn, 1.0) << m.name << " bi " << bi << " L" << layers << ": " << w3;
      }
}

TEST(GemmRecurrent, AWrongGateOrderFailsTheSameCheck) {
  // The reference with W_ih's first two gate blocks swapped: the engine must be far outside the
  // bound that it passes against the right reference.
  for (const ModeCase& m : kModes) {
    if (m.mode == RecurrentMode::RnnTanh || m.mode == RecurrentMode::RnnRelu) continue;
    Case c = makeCase(m.mode, m.lbr, false, 1, 5);
    const std::vector<Tensor> gemm = runImpl(c, RecurrentImpl::Gemm);
    const double right = worstRatio(gemm, referenceList(c), reductionOf(c), 1.0, nullptr);
    const double wrong = worstRatio(gemm, referenceList(c, 0), reductionOf(c), 1.0, nullptr);
    EXPECT_LE(right, 1.0) << m.name;
    EXPECT_GT(wrong, 100.0) << m.name;
  }
}

TEST(GemmRecurrent, MultiChunkShapesMatchOnednn) {
  // Shapes large enough for the recurrence to split into chunks on more than one thread (and a
  // hidden size that is not a multiple of 16), against the oneDNN path.
  for (const ModeCase& m : kModes)
    for (bool bi : {false, true}) {
      Case c = makeCase(m.mode, m.lbr, bi, 2, 7, 8, 6, 24, 120);
      const std::vector<Tensor> gemm = runImpl(c, RecurrentImpl::Gemm);
      const std::vector<Tensor> onednn = runImpl(c, RecurrentImpl::Onednn);
      std::string where;
      const double r = worstRatio(gemm, toDouble(onednn), reductionOf(c), 2.0, &where);
      EXPECT_LE(r, 1.0) << m.name << (bi ? " bi: " : " uni: ") << where;
    }
}

TEST(GemmRecurrent, InterLayerDropoutMatchesOnednn) {
  // Both implementations draw the masks in the same order from the same seed: with dropout on,
  // the outputs and every gradient still agree.
  for (const ModeCase& m : kModes) {
    Case c = makeCase(m.mode, m.lbr, true, 3, 21);
    c.cfg.dropout = 0.4f;
    const std::vector<Tensor> gemm = runImpl(c, RecurrentImpl::Gemm);
    const std::vector<Tensor> onednn = runImpl(c, RecurrentImpl::Onednn);
    std::string where;
    const double r = worstRatio(gemm, toDouble(onednn), reductionOf(c), 2.0, &where);
    EXPECT_LE(r, 1.0) << m.name << ": " << where;
  }
}

TEST(GemmRecurrent, RepeatedRunsAreBitIdenticalAndReuseTheArena) {
  Case c = makeCase(RecurrentMode::Lstm, true, true, 2, 9, 16, 12, 24, 96);
  const std::vector<Tensor> first = runImpl(c, RecurrentImpl::Gemm);
  const int64_t plans = GemmRecurrent::plansCreated();
  const int64_t arenas = GemmRecurrent::arenasCreated();
  for (int rep = 0; rep < 3; ++rep) {
    const std::vector<Tensor> again = runImpl(c, RecurrentImpl::Gemm);
    ASSERT_EQ(again.size(), first.size());
    for (size_t i = 0; i < first.size(); ++i)
      for (int64_t k = 0; k < first[i].numel(); ++k)
        ASSERT_EQ(first[i].f32()[k], again[i].f32()[k]) << "tensor " << i << " element " << k;
  }
  EXPECT_EQ(GemmRecurrent::plansCreated(), plans);
  EXPECT_EQ(GemmRecurrent::arenasCreated(), arenas);
  // Two forwards alive at once (the second before the first's backward) need two arenas; after
  // that, both are reused.
  setRecurrentImplOverride(RecurrentImpl::Gemm);
  for (int rep = 0; rep < 2; ++rep) {
    Rng rng(1);
    RecurrentOutputs a = recurrent(c.cfg, c.x, c.h0, c.c0, c.params, true, &rng);
    RecurrentOutputs b = recurrent(c.cfg, c.x, c.h0, c.c0, c.params, true, &rng);
    weightedSum({a.out, b.out}, {c.gOut, c.gOut}).backward();
  }
  setRecurrentImplOverride(RecurrentImpl::Auto);
  EXPECT_EQ(GemmRecurrent::arenasCreated(), arenas + 1);
}

TEST(GemmRecurrent, GateFunctionsAreAccurateOnEveryIsa) {
  std::vector<float> x;
  for (float v = -30.0f; v <= 30.0f; v += 0.0137f) x.push_back(v);
  for (float v : {0.0f, 1e-8f, -1e-8f, 1e-3f, 0.6249f, 0.6251f, -0.6251f, 88.0f, -88.0f, 200.0f})
    x.push_back(v);
  std::vector<float> y(x.size());
  int checked = 0;
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    const gates::Kernels* k = gates::kernelsFor(isa);
    if (!k) continue;
    ++checked;
    double worstS = 0, worstT = 0;
    k->sigmoid(x.data(), y.data(), int64_t(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      const double r = 1.0 / (1.0 + std::exp(-double(x[i])));
      worstS = std::max(worstS, std::fabs(y[i] - r) / (r * 0x1p-24));
    }
    k->tanh(x.data(), y.data(), int64_t(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      const double r = std::tanh(double(x[i]));
      // Relative to the value, with an absolute floor of one ulp of 1 near zero crossings.
      worstT = std::max(worstT, std::fabs(y[i] - r) / (std::max(std::fabs(r), 1e-30) * 0x1p-24));
    }
    std::printf("[gate kernels] %s: sigmoid %.2f ulp, tanh %.2f ulp (worst, relative)\n", isa,
                worstS, worstT);
    EXPECT_LT(worstS, 8.0) << isa;
    EXPECT_LT(worstT, 8.0) << isa;
  }
  EXPECT_GE(checked, 1);
  std::printf("[gate kernels] in use: %s\n", GemmRecurrent::gateIsa());
}
