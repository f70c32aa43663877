// RNN / LSTM / GRU on cuDNN's RNN API (cudnnRNNForward, cudnnRNNBackwardData_v8,
// cudnnRNNBackwardWeights_v8). cuDNN is used because its persistent and fused recurrent kernels
// are what every framework runs on NVIDIA GPUs (PyTorch's nn.LSTM on CUDA is this call), and a
// step-by-step kernel loop would be several times slower. PyTorch's parameters map in and out
// without permutation: cuDNN's gate order is PyTorch's (LSTM i, f, g, o; GRU r, z, n with the
// linear-before-reset candidate; the classic GRU runs in cuda_gru.cpp), and each gate matrix is
// a contiguous row-major [H, in] block whose place in cuDNN's weight space
// cudnnGetRNNWeightParams reports. Data stays batch-first
// (CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED), states [L*D, B, H] as PyTorch's.
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/cuda_backend_impl.h"
#include "tensor/autograd.h"

namespace strata::cuda {

using detail::contextOf;

namespace {

// One linear block of the packed weights: which parameter, where in it, where in the space.
struct Block {
  size_t param = 0;        // index into the params vector
  int64_t srcOffset = 0;   // floats into the parameter
  int64_t count = 0;       // floats
  size_t spaceOffset = 0;  // bytes into the weight space
};

// Descriptors and sizes for one (config, batch, length, mode) on one device, built once.
struct Plan {
  cudnnRNNDescriptor_t rnn = nullptr;
  cudnnRNNDataDescriptor_t xDesc = nullptr, yDesc = nullptr;
  cudnnTensorDescriptor_t hDesc = nullptr, mDesc = nullptr, bDesc = nullptr;
  cudnnDropoutDescriptor_t dropout = nullptr;
  Tensor dropoutStates;  // cuDNN's generator state for inter-layer dropout
  Tensor seqLengths;     // int32 [B] on the device (cuDNN's v8 calls read it there)
  size_t weightBytes = 0, workBytes = 0, reserveBytes = 0;
  std::vector<Block> blocks;
  bool training = false;

  ~Plan() {
    if (rnn) cudnnDestroyRNNDescriptor(rnn);
    if (xDesc) cudnnDestroyRNNDataDescriptor(xDesc);
    if (yDesc) cudnnDestroyRNNDataDescriptor(yDesc);
    if (hDesc) cudnnDestroyTensorDescriptor(hDesc);
    if (mDesc) cudnnDestroyTensorDescriptor(mDesc);
    if (bDesc) cudnnDestroyTensorDescriptor(bDesc);
    if (dropout) cudnnDestroyDropoutDescriptor(dropout);
  }
};

cudnnRNNMode_t cellMode(RecurrentMode m) {
  switch (m) {
    case RecurrentMode::RnnTanh:
      return CUDNN_RNN_TANH;
    case RecurrentMode::RnnRelu:
      return CUDNN_RNN_RELU;
    case RecurrentMode::Lstm:
      return CUDNN_LSTM;
    case RecurrentMode::Gru:
      return CUDNN_GRU;
  }
  return CUDNN_LSTM;
}

// A tensor's buffer as cuDNN's non-const workspace pointer (closures hold their tensors const).
void* mut(const Tensor& t) { return t.impl()->storage->data(); }

Tensor bytesOn(size_t bytes, Device d) {  // a raw device buffer of at least `bytes`
  return Tensor::empty({static_cast<int64_t>((bytes + 3) / 4)}, DType::Float32, d);
}

// training: forward in CUDNN_FWD_MODE_TRAINING (keeps the reserve space backward needs);
// dropout: inter-layer dropout on (ForwardContext::training with a dropout > 0).
std::shared_ptr<Plan> makePlan(Context& ctx, const RecurrentConfig& cfg, int64_t B, int64_t T,
                               bool training, bool dropout, Rng* rng, Device device) {
  cudnnHandle_t h = cudnnHandle(ctx);
  auto p = std::make_shared<Plan>();
  p->training = training;
  const int L = static_cast<int>(cfg.numLayers), D = static_cast<int>(cfg.directions());
  const int H = static_cast<int>(cfg.hiddenSize), I = static_cast<int>(cfg.inputSize);
  const int G = recurrentGateCount(cfg.mode);

  check(cudnnCreateDropoutDescriptor(&p->dropout), "cudnnCreateDropoutDescriptor");
  const float drop = dropout && L > 1 ? cfg.dropout : 0.0f;
  if (drop > 0.0f) {
    size_t stateBytes = 0;
    check(cudnnDropoutGetStatesSize(h, &stateBytes), "cudnnDropoutGetStatesSize");
    p->dropoutStates = bytesOn(stateBytes, device);
    const unsigned long long seed = rng ? rng->nextU64() : 0;
    check(cudnnSetDropoutDescriptor(p->dropout, h, drop, p->dropoutStates.raw(), stateBytes, seed),
          "cudnnSetDropoutDescriptor");
  } else {
    check(cudnnSetDropoutDescriptor(p->dropout, h, 0.0f, nullptr, 0, 0),
          "cudnnSetDropoutDescriptor");
  }

  check(cudnnCreateRNNDescriptor(&p->rnn), "cudnnCreateRNNDescriptor");
  check(cudnnSetRNNDescriptor_v8(p->rnn, CUDNN_RNN_ALGO_STANDARD, cellMode(cfg.mode),
                                 cfg.bias ? CUDNN_RNN_DOUBLE_BIAS : CUDNN_RNN_NO_BIAS,
                                 D == 2 ? CUDNN_BIDIRECTIONAL : CUDNN_UNIDIRECTIONAL,
                                 CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT,
                                 allowTf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH, I, H, H, L,
                                 p->dropout, CUDNN_RNN_PADDED_IO_DISABLED),
        "cudnnSetRNNDescriptor_v8");

  std::vector<int> lengths(static_cast<size_t>(B), static_cast<int>(T));
  check(cudnnCreateRNNDataDescriptor(&p->xDesc), "cudnnCreateRNNDataDescriptor");
  check(cudnnCreateRNNDataDescriptor(&p->yDesc), "cudnnCreateRNNDataDescriptor");
  check(cudnnSetRNNDataDescriptor(p->xDesc, CUDNN_DATA_FLOAT,
                                  CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, static_cast<int>(T),
                                  static_cast<int>(B), I, lengths.data(), nullptr),
        "cudnnSetRNNDataDescriptor(x)");
  check(cudnnSetRNNDataDescriptor(p->yDesc, CUDNN_DATA_FLOAT,
                                  CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, static_cast<int>(T),
                                  static_cast<int>(B), D * H, lengths.data(), nullptr),
        "cudnnSetRNNDataDescriptor(y)");
  check(cudnnCreateTensorDescriptor(&p->hDesc), "cudnnCreateTensorDescriptor");
  const int dims[3] = {L * D, static_cast<int>(B), H};
  const int strides[3] = {static_cast<int>(B) * H, H, 1};
  check(cudnnSetTensorNdDescriptor(p->hDesc, CUDNN_DATA_FLOAT, 3, dims, strides),
        "cudnnSetTensorNdDescriptor");

  p->seqLengths = Tensor::empty({B}, DType::Float32, device);  // 4-byte slots hold int32
  backend().copy(p->seqLengths.raw(), lengths.data(), lengths.size() * sizeof(int),
                 Backend::CopyKind::HostToDevice, device.index);

  check(cudnnGetRNNWeightSpaceSize(h, p->rnn, &p->weightBytes), "cudnnGetRNNWeightSpaceSize");
  check(cudnnGetRNNTempSpaceSizes(h, p->rnn,
                                  training ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE,
                                  p->xDesc, &p->workBytes, &p->reserveBytes),
        "cudnnGetRNNTempSpaceSizes");

  // Where each PyTorch gate block goes: ask cuDNN with a real buffer, keep the offsets.
  check(cudnnCreateTensorDescriptor(&p->mDesc), "cudnnCreateTensorDescriptor");
  check(cudnnCreateTensorDescriptor(&p->bDesc), "cudnnCreateTensorDescriptor");
  Tensor space = bytesOn(p->weightBytes, device);
  auto* base = static_cast<char*>(space.raw());
  const size_t perDir = cfg.bias ? 4 : 2;  // weight_ih, weight_hh, bias_ih, bias_hh
  for (int l = 0; l < L; ++l) {
    const int64_t in = l == 0 ? I : static_cast<int64_t>(D) * H;
    for (int d = 0; d < D; ++d) {
      const size_t first = static_cast<size_t>(l * D + d) * perDir;
      for (int id = 0; id < 2 * G; ++id) {
        void* m = nullptr;
        void* b = nullptr;
        check(cudnnGetRNNWeightParams(h, p->rnn, l * D + d, p->weightBytes, base, id, p->mDesc, &m,
                                      cfg.bias ? p->bDesc : nullptr, cfg.bias ? &b : nullptr),
              "cudnnGetRNNWeightParams");
        const bool recurrentPart = id >= G;
        const int gate = recurrentPart ? id - G : id;
        const int64_t cols = recurrentPart ? H : in;
        p->blocks.push_back({first + (recurrentPart ? 1 : 0), gate * H * cols, H * cols,
                             static_cast<size_t>(static_cast<char*>(m) - base)});
        if (cfg.bias && b)
          p->blocks.push_back({first + (recurrentPart ? 3 : 2), static_cast<int64_t>(gate) * H, H,
                               static_cast<size_t>(static_cast<char*>(b) - base)});
      }
    }
  }
  return p;
}

std::shared_ptr<Plan> planFor(Context& ctx, const RecurrentConfig& cfg, int64_t B, int64_t T,
                              bool training, bool dropout, Rng* rng, Device device) {
  const std::string key =
      std::to_string(device.index) + "/" + std::to_string(static_cast<int>(cfg.mode)) + "/" +
      std::to_string(cfg.inputSize) + "/" + std::to_string(cfg.hiddenSize) + "/" +
      std::to_string(cfg.numLayers) + "/" + std::to_string(cfg.bidirectional) + "/" +
      std::to_string(cfg.bias) + "/" + std::to_string(cfg.dropout) + "/" + std::to_string(B) + "/" +
      std::to_string(T) + "/" + std::to_string(training) + "/" + std::to_string(dropout) + "/" +
      std::to_string(allowTf32());
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<Plan>> plans;
  std::lock_guard lock(mutex);
  auto it = plans.find(key);
  if (it == plans.end())
    it = plans.emplace(key, makePlan(ctx, cfg, B, T, training, dropout, rng, device)).first;
  return it->second;
}

void copyDevice(void* dst, const void* src, size_t bytes, Context& ctx) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx.stream), "rnn weights");
}

}  // namespace

RecurrentOutputs CudaBackend::recurrent(const RecurrentConfig& cfg, const Tensor& x,
                                        const Tensor& h00, const Tensor& c00,
                                        const std::vector<Tensor>& params0, bool training,
                                        Rng* rng) {
  if (!x.defined() || x.ndim() != 3 || x.dtype() != DType::Float32 || x.size(2) != cfg.inputSize)
    throw std::invalid_argument("recurrent: input must be float32 [B, T, " +
                                std::to_string(cfg.inputSize) + "], got " + describe(x));
  const Device dev = x.device();
  const Tensor h0 = detail::onDevice(h00, dev, "recurrent");
  const Tensor c0 = detail::onDevice(c00, dev, "recurrent");
  std::vector<Tensor> params;
  for (const Tensor& t : params0) params.push_back(detail::onDevice(t, dev, "recurrent"));
  const auto shapes = recurrentParameterShapes(cfg);
  if (params.size() != shapes.size())
    throw std::invalid_argument("recurrent: expected " + std::to_string(shapes.size()) +
                                " parameters, got " + std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].shape() != shapes[i].second)
      throw std::invalid_argument("recurrent: " + shapes[i].first + " must be " +
                                  shapeToString(shapes[i].second) + ", got " + describe(params[i]));
  const int64_t B = x.size(0), T = x.size(1), H = cfg.hiddenSize;
  const int64_t LD = cfg.numLayers * cfg.directions();
  for (const Tensor* s : {&h0, &c0})
    if (s->defined() && s->shape() != Shape{LD, B, H})
      throw std::invalid_argument("recurrent: initial states must be [" + std::to_string(LD) +
                                  ", " + std::to_string(B) + ", " + std::to_string(H) + "], got " +
                                  describe(*s));
  // cuDNN's GRU is the linear-before-reset form only: the classic one runs in cuda_gru.cpp.
  if (cfg.mode == RecurrentMode::Gru && !cfg.linearBeforeReset)
    return classicGru(cfg, x, h0, params, training, rng);
  Context& ctx = contextOf("recurrent", {&x, &h0, &c0});
  std::vector<Tensor> inputs{x, h0, c0};
  inputs.insert(inputs.end(), params.begin(), params.end());
  const bool grad = needsGrad(inputs);
  const bool dropout = training && cfg.dropout > 0 && cfg.numLayers > 1;
  const bool trainMode = grad || dropout;
  auto plan = planFor(ctx, cfg, B, T, trainMode, dropout, rng, dev);
  cudnnHandle_t h = cudnnHandle(ctx);

  Tensor space = bytesOn(plan->weightBytes, dev);
  for (const Block& b : plan->blocks)
    copyDevice(static_cast<char*>(space.raw()) + b.spaceOffset, params[b.param].f32() + b.srcOffset,
               static_cast<size_t>(b.count) * 4, ctx);

  const bool lstm = cfg.mode == RecurrentMode::Lstm;
  RecurrentOutputs out;
  out.out = Tensor::empty({B, T, cfg.directions() * H}, DType::Float32, dev);
  out.hN = Tensor::empty({LD, B, H}, DType::Float32, dev);
  if (lstm) out.cN = Tensor::empty({LD, B, H}, DType::Float32, dev);
  Tensor work = bytesOn(plan->workBytes, dev);
  Tensor reserve = bytesOn(plan->reserveBytes, dev);
  const auto* seq = static_cast<const int32_t*>(plan->seqLengths.raw());
  check(
      cudnnRNNForward(h, plan->rnn, trainMode ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE,
                      seq, plan->xDesc, x.raw(), plan->yDesc, out.out.raw(), plan->hDesc,
                      h0.defined() ? h0.raw() : nullptr, out.hN.raw(), plan->hDesc,
                      lstm && c0.defined() ? c0.raw() : nullptr, lstm ? out.cN.raw() : nullptr,
                      plan->weightBytes, space.raw(), plan->workBytes, work.raw(),
                      plan->reserveBytes, trainMode ? reserve.raw() : nullptr),
      "cudnnRNNForward");

  std::vector<Tensor*> outs{&out.out, &out.hN};
  if (lstm) outs.push_back(&out.cN);
  recordOp("recurrent", inputs, outs,
           [plan, space, reserve, xd = x.detach(), h0d = h0.defined() ? h0.detach() : Tensor(),
            c0d = c0.defined() ? c0.detach() : Tensor(), y = out.out.detach(), lstm,
            needs =
                [&] {
                  std::vector<bool> v;
                  for (const Tensor& t : inputs) v.push_back(t.defined() && t.requiresGrad());
                  return v;
                }(),
            pshapes =
                [&] {
                  std::vector<Shape> v;
                  for (const Tensor& t : params) v.push_back(t.shape());
                  return v;
                }()](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(3 + pshapes.size());
             Context& c = contextOf("recurrent backward", {&xd});
             cudnnHandle_t hd = cudnnHandle(c);
             const Device d = xd.device();
             const Tensor dy = gradOrZeros(g[0], y);
             const Tensor dhy = g.size() > 1 ? g[1] : Tensor();
             const Tensor dcy = lstm && g.size() > 2 ? g[2] : Tensor();
             Tensor dx = Tensor::empty(xd.shape(), DType::Float32, d);
             Tensor dhx = needs[1] ? Tensor::empty(h0d.shape(), DType::Float32, d) : Tensor();
             Tensor dcx = needs[2] ? Tensor::empty(c0d.shape(), DType::Float32, d) : Tensor();
             Tensor work = bytesOn(plan->workBytes, d);
             const auto* seq = static_cast<const int32_t*>(plan->seqLengths.raw());
             // BackwardData first: it prepares the reserve space BackwardWeights reads.
             check(cudnnRNNBackwardData_v8(
                       hd, plan->rnn, seq, plan->yDesc, y.raw(), dy.raw(), plan->xDesc, dx.raw(),
                       plan->hDesc, h0d.defined() ? h0d.raw() : nullptr,
                       dhy.defined() ? dhy.raw() : nullptr, dhx.defined() ? dhx.raw() : nullptr,
                       plan->hDesc, lstm && c0d.defined() ? c0d.raw() : nullptr,
                       dcy.defined() ? dcy.raw() : nullptr, dcx.defined() ? dcx.raw() : nullptr,
                       plan->weightBytes, space.raw(), plan->workBytes, work.raw(),
                       plan->reserveBytes, mut(reserve)),
                   "cudnnRNNBackwardData_v8");
             if (needs[0]) grads[0] = dx;
             if (needs[1]) grads[1] = dhx;
             if (needs[2]) grads[2] = dcx;
             bool anyParam = false;
             for (size_t i = 3; i < needs.size(); ++i) anyParam = anyParam || needs[i];
             if (!anyParam) return grads;
             // WGRAD_MODE_ADD accumulates: start from zeros.
             Tensor dspace = bytesOn(plan->weightBytes, d);
             check(cudaMemsetAsync(dspace.raw(), 0, plan->weightBytes, c.stream), "rnn dw");
             check(cudnnRNNBackwardWeights_v8(
                       hd, plan->rnn, CUDNN_WGRAD_MODE_ADD, seq, plan->xDesc, xd.raw(), plan->hDesc,
                       h0d.defined() ? h0d.raw() : nullptr, plan->yDesc, y.raw(), plan->weightBytes,
                       dspace.raw(), plan->workBytes, work.raw(), plan->reserveBytes, mut(reserve)),
                   "cudnnRNNBackwardWeights_v8");
             for (size_t i = 0; i < pshapes.size(); ++i)
               if (needs[3 + i]) grads[3 + i] = Tensor::empty(pshapes[i], DType::Float32, d);
             for (const Block& b : plan->blocks) {
               Tensor& dst = grads[3 + b.param];
               if (!dst.defined()) continue;
               copyDevice(dst.f32() + b.srcOffset,
                          static_cast<const char*>(dspace.raw()) + b.spaceOffset,
                          static_cast<size_t>(b.count) * 4, c);
             }
             return grads;
           });
  return out;
}

}  // namespace strata::cuda
