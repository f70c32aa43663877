// strata::recurrent: shape checks, the choice of implementation (GemmRecurrent by default, see
// gemm_recurrent.h), and the oneDNN 2.6 RNN primitive path. That path runs layers in "groups":
// one primitive covers consecutive layers whose input width equals their output width. A
// bidirectional stack runs one layer per primitive, so that layer l+1 reads the concatenation of
// both directions as in PyTorch (a multi-layer bidirectional oneDNN primitive was not relied on:
// its stacking semantics were not verified), and so does a stack with inter-layer dropout in
// training. Parameters stay in PyTorch's layout;
// every step packs them into oneDNN's gate order (folding the biases) and unpacks the gradients.
#include "nn/recurrent/rnn_op.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "backends/backend.h"
#include "backends/cpu/dnnl_context.h"
#include "nn/recurrent/gemm_recurrent.h"
#include "nn/recurrent/serial_scope.h"
#include "tensor/autograd.h"

namespace strata {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

thread_local int64_t t_primitivesCreated = 0;

bool isLstm(RecurrentMode m) { return m == RecurrentMode::Lstm; }
bool isGru(RecurrentMode m) { return m == RecurrentMode::Gru; }

// oneDNN's lbr_gru bias has a fourth gate: [b_u, b_r, b_cx (= b_in), b_ch (= b_hn)]; the classic
// gru folds b_in + b_hn into one o-gate bias like every other gate.
int biasGateCount(RecurrentMode m, bool lbr) {
  return isGru(m) && lbr ? 4 : recurrentGateCount(m);
}

// The PyTorch gate that feeds oneDNN gate k. LSTM i,f,g,o is oneDNN's i,f,c~,o; PyTorch's GRU
// r,z,n becomes oneDNN's u(=z), r, o(=n).
int pytorchGate(RecurrentMode m, int k) {
  if (isGru(m)) return k == 0 ? 1 : (k == 1 ? 0 : 2);
  return k;
}

std::string modeKey(RecurrentMode m) {
  switch (m) {
    case RecurrentMode::RnnTanh: return "rnn_tanh";
    case RecurrentMode::RnnRelu: return "rnn_relu";
    case RecurrentMode::Lstm: return "lstm";
    case RecurrentMode::Gru: return "gru";
  }
  return "?";
}

// A run of layers executed by one primitive.
struct Group {
  int64_t first = 0;
  int64_t layers = 1;
  int64_t inChannels = 0;  // width of the group's input
};

std::vector<Group> planGroups(const RecurrentConfig& cfg, bool perLayer) {
  const int64_t dh = cfg.directions() * cfg.hiddenSize;
  std::vector<Group> groups;
  if (perLayer) {
    for (int64_t l = 0; l < cfg.numLayers; ++l)
      groups.push_back({l, 1, l == 0 ? cfg.inputSize : dh});
    return groups;
  }
  // Unidirectional without dropout: layer 0 alone when its input width differs.
  if (cfg.inputSize == dh) return {{0, cfg.numLayers, dh}};
  groups.push_back({0, 1, cfg.inputSize});
  if (cfg.numLayers > 1) groups.push_back({1, cfg.numLayers - 1, dh});
  return groups;
}

// Small recurrences (batch 16, hidden 32) run each time step as gemms of a few microseconds; an
// OpenMP fork/join per step costs more than the arithmetic, and far more on a busy machine. Below
// kSerialWork multiply-adds per time step, oneDNN runs the primitive on the calling thread (it
// reads omp_get_max_threads() at execution). The choice depends on the shape only, so a given
// shape and thread count still gives bit-identical results.
constexpr int64_t kSerialWork = int64_t{1} << 20;

struct Geometry {
  RecurrentMode mode;
  int64_t layers, dirs, T, N, slc, H;
  bool training;
  bool lbr = true;  // GRU: linear-before-reset (lbr_gru) or the classic gru

  int64_t gates() const { return recurrentGateCount(mode); }
  // Multiply-adds of one time step of the whole group (input and recurrent gemms).
  int64_t workPerStep() const { return layers * dirs * N * gates() * H * (slc + H); }
  std::string key() const {
    return "rnn:" + modeKey(mode) + (isGru(mode) && !lbr ? "_classic" : "") +
           (training ? ":train:" : ":infer:") +
           cpu::dimsKey({layers, dirs, T, N, slc, H});
  }
  memory::desc srcLayer() const { return {{T, N, slc}, dt::f32, tag::tnc}; }
  memory::desc dstLayer() const {
    return {{T, N, dirs * H}, dt::f32, tag::tnc};
  }
  memory::desc iter() const { return {{layers, dirs, N, H}, dt::f32, tag::ldnc}; }
  memory::desc weightsLayer(tag t) const { return {{layers, dirs, slc, gates(), H}, dt::f32, t}; }
  memory::desc weightsIter(tag t) const { return {{layers, dirs, H, gates(), H}, dt::f32, t}; }
  memory::desc bias() const {
    return {{layers, dirs, biasGateCount(mode, lbr), H}, dt::f32, tag::ldgo};
  }
};

struct Reorder {
  bool needed = false;
  dnnl::reorder prim;
  memory::desc to;
};

Reorder makeReorder(const memory::desc& from, const memory::desc& to) {
  Reorder r;
  r.to = to;
  r.needed = from != to;
  if (r.needed)
    r.prim = dnnl::reorder(dnnl::reorder::primitive_desc(cpu::engine(), from, cpu::engine(), to));
  return r;
}

// `src` in r.to's layout: a fresh memory when a reorder is needed, else src itself.
memory reorderFrom(const Reorder& r, const memory& src) {
  if (!r.needed) return src;
  memory dst(r.to, cpu::engine());
  r.prim.execute(cpu::stream(), const_cast<memory&>(src), dst);
  return dst;
}

// The primitives of one group, for one geometry; built once and reused (cpu::cached).
struct GroupPrims {
  dnnl::primitive fwd;
  dnnl::primitive bwd;  // training only
  memory::desc workspace;
  Reorder toFwdWl, toFwdWi;      // user ldgoi -> forward layout
  Reorder toBwdWl, toBwdWi;      // user ldgoi -> backward layout
  Reorder fromDiffWl, fromDiffWi;  // diff weights layout -> user ldgoi
  memory::desc diffWl, diffWi;
};

template <class Fwd, class Bwd>
GroupPrims buildPrims(const Geometry& g, const typename Fwd::desc& fd,
                      const std::function<typename Bwd::desc()>& makeBwdDesc) {
  GroupPrims p;
  typename Fwd::primitive_desc fpd(fd, cpu::engine());
  p.fwd = Fwd(fpd);
  ++t_primitivesCreated;
  const memory::desc userWl = g.weightsLayer(tag::ldgoi), userWi = g.weightsIter(tag::ldgoi);
  p.toFwdWl = makeReorder(userWl, fpd.weights_layer_desc());
  p.toFwdWi = makeReorder(userWi, fpd.weights_iter_desc());
  if (g.training) {
    p.workspace = fpd.workspace_desc();
    typename Bwd::primitive_desc bpd(makeBwdDesc(), cpu::engine(), fpd);
    p.bwd = Bwd(bpd);
    ++t_primitivesCreated;
    p.toBwdWl = makeReorder(userWl, bpd.weights_layer_desc());
    p.toBwdWi = makeReorder(userWi, bpd.weights_iter_desc());
    p.diffWl = bpd.diff_weights_layer_desc();
    p.diffWi = bpd.diff_weights_iter_desc();
    p.fromDiffWl = makeReorder(p.diffWl, userWl);
    p.fromDiffWi = makeReorder(p.diffWi, userWi);
  }
  return p;
}

GroupPrims makePrims(const Geometry& g) {
  using dnnl::prop_kind;
  const prop_kind prop = g.training ? prop_kind::forward_training : prop_kind::forward_inference;
  const auto dir = g.dirs == 2 ? dnnl::rnn_direction::bidirectional_concat
                               : dnnl::rnn_direction::unidirectional_left2right;
  const memory::desc src = g.srcLayer(), dst = g.dstLayer(), it = g.iter(), b = g.bias();
  const memory::desc wl = g.weightsLayer(tag::any), wi = g.weightsIter(tag::any);
  switch (g.mode) {
    case RecurrentMode::RnnTanh:
    case RecurrentMode::RnnRelu: {
      const auto act = g.mode == RecurrentMode::RnnTanh ? dnnl::algorithm::eltwise_tanh
                                                        : dnnl::algorithm::eltwise_relu;
      dnnl::vanilla_rnn_forward::desc fd(prop, act, dir, src, it, wl, wi, b, dst, it);
      return buildPrims<dnnl::vanilla_rnn_forward, dnnl::vanilla_rnn_backward>(g, fd, [&] {
        return dnnl::vanilla_rnn_backward::desc(prop_kind::backward, act, dir, src, it, wl, wi, b,
                                                dst, it, src, it, wl, wi, b, dst, it);
      });
    }
    case RecurrentMode::Lstm: {
      dnnl::lstm_forward::desc fd(prop, dir, src, it, it, wl, wi, b, dst, it, it);
      return buildPrims<dnnl::lstm_forward, dnnl::lstm_backward>(g, fd, [&] {
        return dnnl::lstm_backward::desc(prop_kind::backward, dir, src, it, it, wl, wi, b, dst, it,
                                         it, src, it, it, wl, wi, b, dst, it, it);
      });
    }
    case RecurrentMode::Gru: {
      if (!g.lbr) {
        dnnl::gru_forward::desc fd(prop, dir, src, it, wl, wi, b, dst, it);
        return buildPrims<dnnl::gru_forward, dnnl::gru_backward>(g, fd, [&] {
          return dnnl::gru_backward::desc(prop_kind::backward, dir, src, it, wl, wi, b, dst, it,
                                          src, it, wl, wi, b, dst, it);
        });
      }
      dnnl::lbr_gru_forward::desc fd(prop, dir, src, it, wl, wi, b, dst, it);
      return buildPrims<dnnl::lbr_gru_forward, dnnl::lbr_gru_backward>(g, fd, [&] {
        return dnnl::lbr_gru_backward::desc(prop_kind::backward, dir, src, it, wl, wi, b, dst, it,
                                            src, it, wl, wi, b, dst, it);
      });
    }
  }
  throw std::logic_error("recurrent: unknown mode");
}

GroupPrims& primsFor(const Geometry& g) {
  return cpu::cached<GroupPrims>(g.key(), [&] { return makePrims(g); });
}

memory wrapPtr(const memory::desc& md, const float* p) {
  return memory(md, cpu::engine(), const_cast<float*>(p));
}

// Index of parameter k (0 w_ih, 1 w_hh, 2 b_ih, 3 b_hh) of layer l, direction d.
size_t paramIndex(const RecurrentConfig& cfg, int64_t l, int64_t d, int k) {
  const int64_t per = cfg.bias ? 4 : 2;
  return static_cast<size_t>((l * cfg.directions() + d) * per + k);
}

// PyTorch weights of a group -> oneDNN ldgoi ([layers][dirs][gate][H][in]) in oneDNN gate order,
// and the folded bias in ldgo.
void packGroup(const RecurrentConfig& cfg, const Group& grp, const std::vector<Tensor>& params,
               Tensor& wl, Tensor& wi, Tensor& bias) {
  const int64_t H = cfg.hiddenSize, D = cfg.directions(), in = grp.inChannels;
  const int G = recurrentGateCount(cfg.mode);
  const int Gb = biasGateCount(cfg.mode, cfg.linearBeforeReset);
  const bool lbrGru = isGru(cfg.mode) && cfg.linearBeforeReset;
  wl = Tensor::empty({grp.layers * D * G * H * in});
  wi = Tensor::empty({grp.layers * D * G * H * H});
  bias = Tensor::zeros({grp.layers * D * Gb * H});
  for (int64_t lr = 0; lr < grp.layers; ++lr) {
    for (int64_t d = 0; d < D; ++d) {
      const int64_t l = grp.first + lr, ld = lr * D + d;
      const float* wih = params[paramIndex(cfg, l, d, 0)].f32();
      const float* whh = params[paramIndex(cfg, l, d, 1)].f32();
      for (int k = 0; k < G; ++k) {
        const int pg = pytorchGate(cfg.mode, k);
        std::memcpy(wl.f32() + (ld * G + k) * H * in, wih + pg * H * in, H * in * sizeof(float));
        std::memcpy(wi.f32() + (ld * G + k) * H * H, whh + pg * H * H, H * H * sizeof(float));
      }
      if (!cfg.bias) continue;
      const float* bih = params[paramIndex(cfg, l, d, 2)].f32();
      const float* bhh = params[paramIndex(cfg, l, d, 3)].f32();
      float* b = bias.f32() + ld * Gb * H;
      const int folded = lbrGru ? 2 : G;  // lbr GRU's n gate keeps b_in and b_hn apart
      for (int k = 0; k < folded; ++k) {
        const int pg = pytorchGate(cfg.mode, k);
        for (int64_t o = 0; o < H; ++o) b[k * H + o] = bih[pg * H + o] + bhh[pg * H + o];
      }
      if (lbrGru) {
        for (int64_t o = 0; o < H; ++o) {
          b[2 * H + o] = bih[2 * H + o];
          b[3 * H + o] = bhh[2 * H + o];
        }
      }
    }
  }
}

// The inverse of packGroup for gradients. Both PyTorch biases of a folded gate get its gradient.
void unpackGroupGrads(const RecurrentConfig& cfg, const Group& grp, const float* dwl,
                      const float* dwi, const float* dbias, std::vector<Tensor>& grads) {
  const int64_t H = cfg.hiddenSize, D = cfg.directions(), in = grp.inChannels;
  const int G = recurrentGateCount(cfg.mode);
  const int Gb = biasGateCount(cfg.mode, cfg.linearBeforeReset);
  const bool lbrGru = isGru(cfg.mode) && cfg.linearBeforeReset;
  for (int64_t lr = 0; lr < grp.layers; ++lr) {
    for (int64_t d = 0; d < D; ++d) {
      const int64_t l = grp.first + lr, ld = lr * D + d;
      float* gih = grads[paramIndex(cfg, l, d, 0)].f32();
      float* ghh = grads[paramIndex(cfg, l, d, 1)].f32();
      for (int k = 0; k < G; ++k) {
        const int pg = pytorchGate(cfg.mode, k);
        std::memcpy(gih + pg * H * in, dwl + (ld * G + k) * H * in, H * in * sizeof(float));
        std::memcpy(ghh + pg * H * H, dwi + (ld * G + k) * H * H, H * H * sizeof(float));
      }
      if (!cfg.bias) continue;
      float* gbih = grads[paramIndex(cfg, l, d, 2)].f32();
      float* gbhh = grads[paramIndex(cfg, l, d, 3)].f32();
      const float* db = dbias + ld * Gb * H;
      const int folded = lbrGru ? 2 : G;
      for (int k = 0; k < folded; ++k) {
        const int pg = pytorchGate(cfg.mode, k);
        for (int64_t o = 0; o < H; ++o) gbih[pg * H + o] = gbhh[pg * H + o] = db[k * H + o];
      }
      if (lbrGru) {
        for (int64_t o = 0; o < H; ++o) {
          gbih[2 * H + o] = db[2 * H + o];
          gbhh[2 * H + o] = db[3 * H + o];
        }
      }
    }
  }
}

// [A, B, C] -> [B, A, C]: batch-first <-> oneDNN's time-major tnc. The primitives see tnc only:
// oneDNN 2.6's backward crashed (AVX2, B=32 T=64 H>=128) when src_layer was ntc and dst_layer tnc.
Tensor swapLeadingDims(const Tensor& t) {
  const int64_t A = t.size(0), Bd = t.size(1), C = t.size(2);
  Tensor out = Tensor::empty({Bd, A, C});
  const float* in = t.f32();
  float* o = out.f32();
  for (int64_t a = 0; a < A; ++a)
    for (int64_t b = 0; b < Bd; ++b)
      std::memcpy(o + (b * A + a) * C, in + (a * Bd + b) * C, C * sizeof(float));
  return out;
}

void zeroMemory(memory& m) { std::memset(m.get_data_handle(), 0, m.get_desc().get_size()); }

// What the backward pass needs of one group's forward.
struct GroupRecord {
  Group grp;
  Geometry geom;
  Tensor src;   // the group's input as the primitive saw it (after dropout)
  Tensor dst;   // the primitive's output (before dropout)
  Tensor mask;  // dropout multipliers applied to dst, or undefined
  Tensor wl, wi, bias;  // packed user weights
  memory workspace;
};

void checkShape(const Tensor& t, const Shape& want, const char* what) {
  if (t.shape() != want)
    throw std::invalid_argument(std::string("recurrent: ") + what + " has shape " +
                                shapeToString(t.shape()) + ", expected " + shapeToString(want));
}

}  // namespace

int recurrentGateCount(RecurrentMode mode) {
  switch (mode) {
    case RecurrentMode::Lstm: return 4;
    case RecurrentMode::Gru: return 3;
    default: return 1;
  }
}

std::vector<std::pair<std::string, Shape>> recurrentParameterShapes(const RecurrentConfig& cfg) {
  std::vector<std::pair<std::string, Shape>> out;
  const int64_t gh = recurrentGateCount(cfg.mode) * cfg.hiddenSize;
  for (int64_t l = 0; l < cfg.numLayers; ++l) {
    const int64_t in = l == 0 ? cfg.inputSize : cfg.directions() * cfg.hiddenSize;
    for (int64_t d = 0; d < cfg.directions(); ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      out.push_back({"weight_ih" + sfx, {gh, in}});
      out.push_back({"weight_hh" + sfx, {gh, cfg.hiddenSize}});
      if (cfg.bias) {
        out.push_back({"bias_ih" + sfx, {gh}});
        out.push_back({"bias_hh" + sfx, {gh}});
      }
    }
  }
  return out;
}

int64_t recurrentParameterCount(const RecurrentConfig& cfg) {
  int64_t n = 0;
  for (const auto& p : recurrentParameterShapes(cfg)) n += numel(p.second);
  return n;
}

void initRecurrentParameters(const RecurrentConfig& cfg, std::vector<Tensor>& params, Rng& rng) {
  const float k = 1.0f / std::sqrt(static_cast<float>(cfg.hiddenSize));
  for (Tensor& p : params) {
    float* v = p.f32();
    for (int64_t i = 0, n = p.numel(); i < n; ++i) v[i] = rng.uniform(-k, k);
  }
}

int64_t recurrentPrimitivesCreated() {
  return t_primitivesCreated + GemmRecurrent::plansCreated();
}

namespace {
thread_local RecurrentImpl t_implOverride = RecurrentImpl::Auto;
}

void setRecurrentImplOverride(RecurrentImpl impl) { t_implOverride = impl; }

RecurrentImpl recurrentImplInUse() {
  if (t_implOverride != RecurrentImpl::Auto) return t_implOverride;
  const char* env = std::getenv("STRATA_RECURRENT_IMPL");
  if (env && std::strcmp(env, "onednn") == 0) return RecurrentImpl::Onednn;
  return RecurrentImpl::Gemm;
}

RecurrentOutputs recurrent(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                           const Tensor& c0, const std::vector<Tensor>& params, bool training,
                           Rng* rng) {
  // A tensor on a GPU runs on its backend (cuDNN's RNN); everything below is the CPU path.
  if (onDevice(x)) return backendFor(x.device()).recurrent(cfg, x, h0, c0, params, training, rng);
  if (cfg.hiddenSize < 1 || cfg.numLayers < 1 || cfg.inputSize < 1)
    throw std::invalid_argument("recurrent: sizes must be >= 1");
  if (!x.defined() || x.ndim() != 3 || x.dtype() != DType::Float32)
    throw std::invalid_argument("recurrent: input must be float32 [batch, seq, features]");
  const int64_t B = x.size(0), T = x.size(1), H = cfg.hiddenSize, D = cfg.directions();
  const int64_t L = cfg.numLayers, DH = D * H;
  if (x.size(2) != cfg.inputSize)
    throw std::invalid_argument("recurrent: input has " + std::to_string(x.size(2)) +
                                " features, expected " + std::to_string(cfg.inputSize));
  if (B < 1 || T < 1) throw std::invalid_argument("recurrent: empty batch or sequence");
  const Shape stateShape{L * D, B, H};
  if (h0.defined()) checkShape(h0, stateShape, "h0");
  if (c0.defined()) {
    if (!isLstm(cfg.mode)) throw std::invalid_argument("recurrent: c0 is for LSTM only");
    checkShape(c0, stateShape, "c0");
  }
  const auto shapes = recurrentParameterShapes(cfg);
  if (params.size() != shapes.size())
    throw std::invalid_argument("recurrent: expected " + std::to_string(shapes.size()) +
                                " parameters, got " + std::to_string(params.size()));
  for (size_t i = 0; i < shapes.size(); ++i) checkShape(params[i], shapes[i].second, "parameter");
  if (recurrentImplInUse() == RecurrentImpl::Gemm)
    return GemmRecurrent::run(cfg, x, h0, c0, params, training, rng);

  std::vector<Tensor> inputs{x, h0, c0};
  inputs.insert(inputs.end(), params.begin(), params.end());
  const bool grad = needsGrad(inputs);
  const bool dropoutOn = training && cfg.dropout > 0.0f && L > 1;
  if (dropoutOn && !rng) throw std::invalid_argument("recurrent: dropout needs an Rng");
  const std::vector<Group> groups = planGroups(cfg, D == 2 || dropoutOn);

  RecurrentOutputs res;
  res.hN = Tensor::empty(stateShape);
  if (isLstm(cfg.mode)) res.cN = Tensor::empty(stateShape);
  const Tensor h0z = h0.defined() ? h0 : Tensor::zeros(stateShape);
  const Tensor c0z = !isLstm(cfg.mode) ? Tensor() : c0.defined() ? c0 : Tensor::zeros(stateShape);
  const int64_t stateStride = B * H;  // floats per (layer, direction) in a state tensor

  std::vector<GroupRecord> records;
  Tensor next = swapLeadingDims(x);  // input of the next group, [T, B, C]
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const Group& grp = groups[gi];
    const bool last = gi + 1 == groups.size();
    GroupRecord rec;
    rec.grp = grp;
    rec.geom = Geometry{cfg.mode, grp.layers, D, T, B, grp.inChannels, H, grad,
                        cfg.linearBeforeReset};
    rec.src = next;
    rec.dst = Tensor::empty({T, B, DH});
    GroupPrims& p = primsFor(rec.geom);
    packGroup(cfg, grp, params, rec.wl, rec.wi, rec.bias);
    const Geometry& g = rec.geom;
    const int64_t off = grp.first * D * stateStride;
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC_LAYER, wrapPtr(g.srcLayer(), rec.src.f32())},
        {DNNL_ARG_SRC_ITER, wrapPtr(g.iter(), h0z.f32() + off)},
        {DNNL_ARG_WEIGHTS_LAYER,
         reorderFrom(p.toFwdWl, wrapPtr(g.weightsLayer(tag::ldgoi), rec.wl.f32()))},
        {DNNL_ARG_WEIGHTS_ITER,
         reorderFrom(p.toFwdWi, wrapPtr(g.weightsIter(tag::ldgoi), rec.wi.f32()))},
        {DNNL_ARG_BIAS, wrapPtr(g.bias(), rec.bias.f32())},
        {DNNL_ARG_DST_LAYER, wrapPtr(g.dstLayer(), rec.dst.f32())},
        {DNNL_ARG_DST_ITER, wrapPtr(g.iter(), res.hN.f32() + off)}};
    if (isLstm(cfg.mode)) {
      args[DNNL_ARG_SRC_ITER_C] = wrapPtr(g.iter(), c0z.f32() + off);
      args[DNNL_ARG_DST_ITER_C] = wrapPtr(g.iter(), res.cN.f32() + off);
    }
    if (grad) {
      rec.workspace = memory(p.workspace, cpu::engine());
      args[DNNL_ARG_WORKSPACE] = rec.workspace;
    }
    {
      SerialScope serial(g.workPerStep() < kSerialWork);
      p.fwd.execute(cpu::stream(), args);
      cpu::stream().wait();
    }
    next = rec.dst;
    if (dropoutOn && !last) {
      // Inverted dropout on the layer output fed to the next layer (PyTorch's inter-layer dropout).
      const float keep = cfg.dropout < 1.0f ? 1.0f / (1.0f - cfg.dropout) : 0.0f;
      rec.mask = Tensor::empty(rec.dst.shape());
      next = Tensor::empty(rec.dst.shape());
      float* m = rec.mask.f32();
      const float* y = rec.dst.f32();
      float* o = next.f32();
      for (int64_t i = 0, n = rec.dst.numel(); i < n; ++i) {
        m[i] = rng->uniform() < cfg.dropout ? 0.0f : keep;
        o[i] = y[i] * m[i];
      }
    }
    records.push_back(std::move(rec));
  }
  res.out = swapLeadingDims(records.back().dst);
  if (!grad) return res;

  const bool hasH0 = h0.defined(), hasC0 = c0.defined();
  std::vector<Tensor*> outs{&res.out, &res.hN};
  if (isLstm(cfg.mode)) outs.push_back(&res.cN);
  // Detached views: capturing the outputs themselves would make them own their own history.
  const Tensor hNd = res.hN.detach(), cNd = isLstm(cfg.mode) ? res.cN.detach() : Tensor();
  recordOp(
      "recurrent", inputs, outs,
      [cfg, records, shapes, h0z, c0z, hNd, cNd, hasH0, hasC0, B, T, DH,
       stateShape](const std::vector<Tensor>& gradOut) {
        const bool lstm = isLstm(cfg.mode);
        const int64_t H = cfg.hiddenSize, D = cfg.directions(), stride = B * H;
        const Tensor gOut = gradOut.size() > 0 && gradOut[0].defined()
                                ? swapLeadingDims(gradOut[0]) : Tensor::zeros({T, B, DH});
        const Tensor gH = gradOut.size() > 1 && gradOut[1].defined() ? gradOut[1]
                                                                     : Tensor::zeros(stateShape);
        const Tensor gC = !lstm ? Tensor()
                          : gradOut.size() > 2 && gradOut[2].defined() ? gradOut[2]
                                                                       : Tensor::zeros(stateShape);
        Tensor dxT = Tensor::empty({T, B, cfg.inputSize});
        Tensor dh0 = Tensor::empty(stateShape);
        Tensor dc0 = lstm ? Tensor::empty(stateShape) : Tensor();
        std::vector<Tensor> dparams;
        for (const auto& s : shapes) dparams.push_back(Tensor::zeros(s.second));

        Tensor dNext;  // gradient of the output of the group being processed
        for (size_t gi = records.size(); gi-- > 0;) {
          const GroupRecord& rec = records[gi];
          const Geometry& g = rec.geom;
          GroupPrims& p = primsFor(g);
          Tensor diffDst = gi + 1 == records.size() ? gOut : dNext;
          if (rec.mask.defined()) {
            float* d = diffDst.f32();
            const float* m = rec.mask.f32();
            for (int64_t i = 0, n = diffDst.numel(); i < n; ++i) d[i] *= m[i];
          }
          Tensor diffSrc = gi == 0 ? dxT : Tensor::empty({T, B, g.slc});
          const int64_t off = rec.grp.first * D * stride;
          memory dwl(p.diffWl, cpu::engine()), dwi(p.diffWi, cpu::engine());
          Tensor dbias = Tensor::zeros({g.layers * D * biasGateCount(cfg.mode, g.lbr) * H});
          zeroMemory(dwl);  // oneDNN 2.6 accumulates into diff weights
          zeroMemory(dwi);
          std::unordered_map<int, memory> args{
              {DNNL_ARG_SRC_LAYER, wrapPtr(g.srcLayer(), rec.src.f32())},
              {DNNL_ARG_SRC_ITER, wrapPtr(g.iter(), h0z.f32() + off)},
              {DNNL_ARG_WEIGHTS_LAYER,
               reorderFrom(p.toBwdWl, wrapPtr(g.weightsLayer(tag::ldgoi), rec.wl.f32()))},
              {DNNL_ARG_WEIGHTS_ITER,
               reorderFrom(p.toBwdWi, wrapPtr(g.weightsIter(tag::ldgoi), rec.wi.f32()))},
              {DNNL_ARG_BIAS, wrapPtr(g.bias(), rec.bias.f32())},
              {DNNL_ARG_DST_LAYER, wrapPtr(g.dstLayer(), rec.dst.f32())},
              {DNNL_ARG_DST_ITER, wrapPtr(g.iter(), hNd.f32() + off)},
              {DNNL_ARG_WORKSPACE, rec.workspace},
              {DNNL_ARG_DIFF_DST_LAYER, wrapPtr(g.dstLayer(), diffDst.f32())},
              {DNNL_ARG_DIFF_DST_ITER, wrapPtr(g.iter(), gH.f32() + off)},
              {DNNL_ARG_DIFF_SRC_LAYER, wrapPtr(g.srcLayer(), diffSrc.f32())},
              {DNNL_ARG_DIFF_SRC_ITER, wrapPtr(g.iter(), dh0.f32() + off)},
              {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl},
              {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi},
              {DNNL_ARG_DIFF_BIAS, wrapPtr(g.bias(), dbias.f32())}};
          if (lstm) {
            args[DNNL_ARG_SRC_ITER_C] = wrapPtr(g.iter(), c0z.f32() + off);
            args[DNNL_ARG_DST_ITER_C] = wrapPtr(g.iter(), cNd.f32() + off);
            args[DNNL_ARG_DIFF_DST_ITER_C] = wrapPtr(g.iter(), gC.f32() + off);
            args[DNNL_ARG_DIFF_SRC_ITER_C] = wrapPtr(g.iter(), dc0.f32() + off);
          }
          {
            SerialScope serial(g.workPerStep() < kSerialWork);
            p.bwd.execute(cpu::stream(), args);
            cpu::stream().wait();
          }
          memory uwl = reorderFrom(p.fromDiffWl, dwl), uwi = reorderFrom(p.fromDiffWi, dwi);
          cpu::stream().wait();
          unpackGroupGrads(cfg, rec.grp, static_cast<const float*>(uwl.get_data_handle()),
                           static_cast<const float*>(uwi.get_data_handle()), dbias.f32(),
                           dparams);
          dNext = diffSrc;
        }
        std::vector<Tensor> result{swapLeadingDims(dxT), hasH0 ? dh0 : Tensor(), hasC0 ? dc0 : Tensor()};
        result.insert(result.end(), dparams.begin(), dparams.end());
        return result;
      });
  return res;
}

}  // namespace strata
