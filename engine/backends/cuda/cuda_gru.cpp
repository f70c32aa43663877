// GRU with linear_before_reset false on CUDA: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn),
// h' = (1 - z) n + z h, gates r, z, n in PyTorch's layout (weight_ih [3H, in], weight_hh [3H, H],
// bias_ih, bias_hh [3H]) — the CPU engine's formula (nn/recurrent). cuDNN's GRU is the
// linear-before-reset form only, so this runs the way GemmRecurrent does on the CPU:
// - the input projection of all time steps of a layer and direction is one GEMM;
// - per time step, two recurrent GEMMs ([B, H] x [H, 2H] for r and z, then the n block from
//   r * h) with a fused gate kernel after each (gru_gates.cu);
// - backward runs the fused gate gradients and two GEMMs per step, then the weight gradients as
//   GEMMs over all steps and the input gradient as one GEMM.
// Inside the op everything is time-major ([T, B, C]), so that a step's state is a [B, H] block of
// the layer output (read through its row stride, never copied) and the stacked previous states
// of all steps are that output shifted by one step. Memory comes from the caching allocator and
// all work is on the device's one stream: no host copies.
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/cuda/cuda_backend_impl.h"
#include "backends/cuda/kernels.h"
#include "tensor/autograd.h"

namespace strata::cuda {

using detail::cf;
using detail::f;
using detail::sgemm;

namespace {

// What one layer's forward leaves for backward (all time-major).
struct LayerRecord {
  Tensor input;             // [T, B, in]
  Tensor output;            // [T, B, D*H], before inter-layer dropout
  Tensor mask;              // dropout mask on `output` as the next layer's input (or none)
  std::vector<Tensor> act;  // per direction [T, B, 3H]: the activations r, z, n
  std::vector<Tensor> rh;   // per direction [T, B, H]: r * h_prev, the n block's GEMM operand
};

struct Dims {
  int64_t B = 0, T = 0, H = 0, D = 1, L = 1, I = 0;
  int64_t DH() const { return D * H; }
  int64_t in(int64_t l) const { return l == 0 ? I : D * H; }
  // The time step a direction processes at its step s.
  int64_t time(int64_t d, int64_t s) const { return d ? T - 1 - s : s; }
};

// Parameter `which` (0 weight_ih, 1 weight_hh, 2 bias_ih, 3 bias_hh) of (layer, direction), in
// recurrentParameterShapes' order.
size_t paramIndex(const RecurrentConfig& cfg, int64_t l, int64_t d, int which) {
  const size_t perDir = cfg.bias ? 4 : 2;
  return static_cast<size_t>(l * cfg.directions() + d) * perDir + static_cast<size_t>(which);
}

const float* biasOf(const RecurrentConfig& cfg, const std::vector<Tensor>& params, int64_t l,
                    int64_t d, int which) {
  return cfg.bias ? cf(params[paramIndex(cfg, l, d, which)]) : nullptr;
}

// h_prev of (layer, direction) at its step s: the initial state, or the layer output of the step
// before (a [B, H] block of the [T, B, D*H] output, row stride D*H).
struct State {
  const float* p;
  int64_t ld;
};
State prevState(const Dims& g, const Tensor& h0, const Tensor& output, int64_t l, int64_t d,
                int64_t s) {
  if (s == 0) return {cf(h0) + (l * g.D + d) * g.B * g.H, g.H};
  const int64_t t = g.time(d, s), prev = d ? t + 1 : t - 1;
  return {cf(output) + prev * g.B * g.DH() + d * g.H, g.DH()};
}

// [a, n, c] -> [n, a, c] (batch-first <-> time-major).
Tensor swap01(const Tensor& x, cudaStream_t s) {
  Tensor y = Tensor::empty({x.size(1), x.size(0), x.size(2)}, DType::Float32, x.device());
  kernels::transpose(x.raw(), y.raw(), 1, x.size(0), 1, x.size(1), x.size(2), 4, s);
  checkLaunch("gru transpose");
  return y;
}

void forwardDirection(Context& ctx, const RecurrentConfig& cfg, const Dims& g,
                      const std::vector<Tensor>& params, const Tensor& h0, int64_t l, int64_t d,
                      LayerRecord& rec, Tensor& hN) {
  const int64_t B = g.B, T = g.T, H = g.H, in = g.in(l), DH = g.DH();
  const float* wih = cf(params[paramIndex(cfg, l, d, 0)]);
  const float* whh = cf(params[paramIndex(cfg, l, d, 1)]);
  const Device dev = rec.input.device();
  Tensor act = Tensor::empty({T, B, 3 * H}, DType::Float32, dev);
  Tensor rh = Tensor::empty({T, B, H}, DType::Float32, dev);
  Tensor gh = Tensor::empty({B, 3 * H}, DType::Float32, dev);  // the step's recurrent products
  // x W_ih^T for every step at once; the biases are added in the gate kernels.
  sgemm(ctx, false, true, T * B, 3 * H, in, cf(rec.input), in, wih, in, 0.0f, f(act), 3 * H);
  kernels::GruStep st;
  st.B = B;
  st.H = H;
  st.ldgx = 3 * H;
  st.gh = f(gh);
  st.ldgh = 3 * H;
  st.bih = biasOf(cfg, params, l, d, 2);
  st.bhh = biasOf(cfg, params, l, d, 3);
  st.ldho = DH;
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = g.time(d, s);
    const State hp = prevState(g, h0, rec.output, l, d, s);
    st.gx = f(act) + t * B * 3 * H;
    st.hPrev = hp.p;
    st.ldhp = hp.ld;
    st.rh = f(rh) + t * B * H;
    st.hOut = f(rec.output) + t * B * DH + d * H;
    sgemm(ctx, false, true, B, 2 * H, H, hp.p, hp.ld, whh, H, 0.0f, f(gh), 3 * H);
    kernels::gruForwardA(st, ctx.stream);
    sgemm(ctx, false, true, B, H, H, st.rh, H, whh + 2 * H * H, H, 0.0f, f(gh) + 2 * H, 3 * H);
    kernels::gruForwardB(st, ctx.stream);
  }
  checkLaunch("gru forward");
  // h_n: the direction's last step, [B, 1 of D, H] out of [B, D, H].
  const int64_t last = g.time(d, T - 1);
  kernels::narrowCopy(cf(rec.output) + last * B * DH, g.D, d, f(hN) + (l * g.D + d) * B * H, 1, 0,
                      1, B, H, 4, ctx.stream);
  checkLaunch("gru h_n");
  rec.act.push_back(act);
  rec.rh.push_back(rh);
}

// Backward of one layer and direction: accumulates dX (beta 0 for the first direction), writes
// dh0's slot and the parameter gradients that are needed.
void backwardDirection(Context& ctx, const RecurrentConfig& cfg, const Dims& g,
                       const std::vector<Tensor>& params, const Tensor& h0, const LayerRecord& rec,
                       int64_t l, int64_t d, const Tensor& dY, const Tensor& dhN, Tensor* dX,
                       Tensor* dh0, std::vector<Tensor>& dparams) {
  const int64_t B = g.B, T = g.T, H = g.H, in = g.in(l), DH = g.DH();
  const Device dev = dY.device();
  const float* wih = cf(params[paramIndex(cfg, l, d, 0)]);
  const float* whh = cf(params[paramIndex(cfg, l, d, 1)]);
  const Tensor& act = rec.act[static_cast<size_t>(d)];
  const Tensor& rh = rec.rh[static_cast<size_t>(d)];
  Tensor dg = Tensor::empty({T, B, 3 * H}, DType::Float32, dev);  // gate gradients [dr dz dn]
  Tensor dh = Tensor::empty({B, H}, DType::Float32, dev);
  Tensor drh = Tensor::empty({B, H}, DType::Float32, dev);
  const int64_t slot = (l * g.D + d) * B * H;
  if (dhN.defined())
    check(cudaMemcpyAsync(f(dh), cf(dhN) + slot, static_cast<size_t>(B * H) * sizeof(float),
                          cudaMemcpyDeviceToDevice, ctx.stream),
          "gru dh_n");
  else
    kernels::fill(f(dh), 0.0f, B * H, ctx.stream);

  kernels::GruStep st;
  st.B = B;
  st.H = H;
  st.ldgx = 3 * H;
  st.lddg = 3 * H;
  st.lddy = DH;
  st.dh = f(dh);
  st.drh = f(drh);
  for (int64_t s = T - 1; s >= 0; --s) {
    const int64_t t = g.time(d, s);
    const State hp = prevState(g, h0, rec.output, l, d, s);
    st.gx = f(act) + t * B * 3 * H;  // the saved [r z n], read only in backward
    st.hPrev = hp.p;
    st.ldhp = hp.ld;
    st.dg = f(dg) + t * B * 3 * H;
    st.dy = cf(dY) + t * B * DH + d * H;
    kernels::gruBackwardA(st, ctx.stream);
    // d(r * h) = dn W_hn
    sgemm(ctx, false, false, B, H, H, st.dg + 2 * H, 3 * H, whh + 2 * H * H, H, 0.0f, f(drh), H);
    kernels::gruBackwardB(st, ctx.stream);
    // dh_prev = its direct part + [dr dz] W_h{r,z}
    sgemm(ctx, false, false, B, H, 2 * H, st.dg, 3 * H, whh, H, 1.0f, f(dh), H);
  }
  checkLaunch("gru backward");
  if (dh0)
    check(cudaMemcpyAsync(f(*dh0) + slot, cf(dh), static_cast<size_t>(B * H) * sizeof(float),
                          cudaMemcpyDeviceToDevice, ctx.stream),
          "gru dh0");

  const size_t iw = paramIndex(cfg, l, d, 0), iu = paramIndex(cfg, l, d, 1);
  if (dparams[iw].defined())  // dW_ih = dG^T X over all steps
    sgemm(ctx, true, false, 3 * H, in, T * B, f(dg), 3 * H, cf(rec.input), in, 0.0f,
          f(dparams[iw]), in);
  if (dparams[iu].defined()) {
    float* dwhh = f(dparams[iu]);
    // Rows r, z: [dr dz]^T h_prev over all steps. The first step's h_prev is h0; the others'
    // are the output shifted by one step (the previous time for direction 0, the next for 1).
    const int64_t t0 = g.time(d, 0);
    sgemm(ctx, true, false, 2 * H, H, B, f(dg) + t0 * B * 3 * H, 3 * H, cf(h0) + slot, H, 0.0f,
          dwhh, H);
    if (T > 1) {
      const float* dgRest = f(dg) + (d ? 0 : B * 3 * H);
      const float* hRest = cf(rec.output) + (d ? B * DH : 0) + d * H;
      sgemm(ctx, true, false, 2 * H, H, (T - 1) * B, dgRest, 3 * H, hRest, DH, 1.0f, dwhh, H);
    }
    // Rows n: dn^T (r * h_prev).
    sgemm(ctx, true, false, H, H, T * B, f(dg) + 2 * H, 3 * H, cf(rh), H, 0.0f, dwhh + 2 * H * H,
          H);
  }
  if (cfg.bias) {
    // Both biases enter every gate's pre-activation unscaled: each gets the column sums of dG.
    const size_t ib = paramIndex(cfg, l, d, 2), ic = paramIndex(cfg, l, d, 3);
    if (dparams[ib].defined() || dparams[ic].defined()) {
      Tensor db = detail::reduceMiddle(dg, 1, T * B, 3 * H, 1.0f, {3 * H}, ctx.stream);
      if (dparams[ib].defined()) dparams[ib] = db;
      if (dparams[ic].defined()) dparams[ic] = dparams[ib].defined() ? db.clone() : db;
    }
  }
  if (dX)  // dX += dG W_ih
    sgemm(ctx, false, false, T * B, in, 3 * H, f(dg), 3 * H, wih, in, d == 0 ? 0.0f : 1.0f,
          f(*dX), in);
}

}  // namespace

RecurrentOutputs classicGru(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                            const std::vector<Tensor>& params, bool training, Rng* rng) {
  Dims g;
  g.B = x.size(0);
  g.T = x.size(1);
  g.H = cfg.hiddenSize;
  g.D = cfg.directions();
  g.L = cfg.numLayers;
  g.I = cfg.inputSize;
  if (g.B < 1 || g.T < 1) throw std::invalid_argument("recurrent: empty batch or sequence");
  const bool dropoutOn = training && cfg.dropout > 0.0f && g.L > 1;
  if (dropoutOn && !rng) throw std::invalid_argument("recurrent: dropout needs an Rng");
  const Device dev = x.device();
  Context& ctx = detail::contextOf("recurrent", {&x, &h0});
  const Shape stateShape{g.L * g.D, g.B, g.H};
  const Tensor h0z = h0.defined() ? h0 : Tensor::zeros(stateShape, DType::Float32, dev);

  RecurrentOutputs res;
  res.hN = Tensor::empty(stateShape, DType::Float32, dev);
  std::vector<LayerRecord> records(static_cast<size_t>(g.L));
  Tensor next = swap01(x, ctx.stream);  // [T, B, I]
  for (int64_t l = 0; l < g.L; ++l) {
    LayerRecord& rec = records[static_cast<size_t>(l)];
    rec.input = next;
    rec.output = Tensor::empty({g.T, g.B, g.DH()}, DType::Float32, dev);
    for (int64_t d = 0; d < g.D; ++d)
      forwardDirection(ctx, cfg, g, params, h0z, l, d, rec, res.hN);
    next = rec.output;
    if (dropoutOn && l + 1 < g.L) {
      // Inverted dropout between layers, keyed by one draw of the step's generator (the GPU's
      // masks, not the CPU's: documented in docs/gpu.md).
      rec.mask = Tensor::empty(rec.output.shape(), DType::Float32, dev);
      next = Tensor::empty(rec.output.shape(), DType::Float32, dev);
      kernels::dropoutForward(cf(rec.output), f(next), f(rec.mask), next.numel(), cfg.dropout,
                              rng->nextU64(), ctx.stream);
      checkLaunch("gru dropout");
    }
  }
  res.out = swap01(records.back().output, ctx.stream);  // [B, T, D*H]

  std::vector<Tensor> inputs{x, h0, Tensor()};
  inputs.insert(inputs.end(), params.begin(), params.end());
  std::vector<bool> needs;
  for (const Tensor& t : inputs) needs.push_back(t.defined() && t.requiresGrad());
  std::vector<Tensor> weights;  // detached: the closure must not own the parameters' history
  for (const Tensor& p : params) weights.push_back(p.detach());
  recordOp("recurrent", inputs, {&res.out, &res.hN},
           [cfg, g, records, weights, needs, h0z = h0z.detach(),
            stateShape](const std::vector<Tensor>& gradOut) {
             const Device d = records[0].input.device();
             Context& c = detail::contextOf("recurrent backward", {&records[0].input});
             std::vector<Tensor> grads(3 + weights.size());
             std::vector<Tensor> dparams(weights.size());
             for (size_t i = 0; i < weights.size(); ++i)
               if (needs[3 + i]) dparams[i] = Tensor::empty(weights[i].shape(), DType::Float32, d);
             const Tensor dhN = gradOut.size() > 1 ? gradOut[1] : Tensor();
             Tensor dh0 = needs[1] ? Tensor::empty(stateShape, DType::Float32, d) : Tensor();
             Tensor dY = gradOut[0].defined()
                             ? swap01(gradOut[0], c.stream)
                             : Tensor::zeros({g.T, g.B, g.DH()}, DType::Float32, d);
             for (int64_t l = g.L - 1; l >= 0; --l) {
               const LayerRecord& rec = records[static_cast<size_t>(l)];
               if (rec.mask.defined()) {  // the next layer read output * mask
                 Tensor masked = Tensor::empty(dY.shape(), DType::Float32, d);
                 kernels::binary(kernels::Bin::Mul, cf(dY), cf(rec.mask), f(masked), dY.numel(),
                                 dY.numel(), c.stream);
                 checkLaunch("gru dropout backward");
                 dY = masked;
               }
               Tensor dX = l > 0 || needs[0]
                               ? Tensor::empty({g.T, g.B, g.in(l)}, DType::Float32, d)
                               : Tensor();
               for (int64_t dir = 0; dir < g.D; ++dir)
                 backwardDirection(c, cfg, g, weights, h0z, rec, l, dir, dY, dhN,
                                   dX.defined() ? &dX : nullptr, dh0.defined() ? &dh0 : nullptr,
                                   dparams);
               dY = dX;
             }
             if (needs[0]) grads[0] = swap01(dY, c.stream);
             grads[1] = dh0;
             for (size_t i = 0; i < dparams.size(); ++i) grads[3 + i] = dparams[i];
             return grads;
           });
  return res;
}

}  // namespace strata::cuda
