// Losses with mean reduction: mseLoss and crossEntropy (PyTorch semantics). The arithmetic is
// plain loops summed in double over fixed-size chunks, so the result does not depend on the
// thread count; crossEntropy takes its log-probabilities from the oneDNN log-softmax.
#include <cmath>
#include <stdexcept>
#include <vector>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

constexpr int64_t kChunk = 4096;

// Sum of f(i) for i < n, in double, chunked so that the order is fixed for any thread count.
template <class F>
double chunkedSum(int64_t n, F f) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<size_t>(chunks), 0.0);
#pragma omp parallel for if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    double acc = 0.0;
    for (int64_t i = c * kChunk, end = std::min(n, (c + 1) * kChunk); i < end; ++i) acc += f(i);
    partial[c] = acc;
  }
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

}  // namespace

// input: [...], target: [...] (same numel) -> [] = mean((input - target)^2)
Tensor mseLoss(const Tensor& input, const Tensor& target) {
  if (onDevice(input)) return backendFor(input.device()).mseLoss(input, target);

  detail::requireFloat(input, "mseLoss", "input");
  detail::requireFloat(target, "mseLoss", "target");
  if (input.numel() != target.numel())
    throw std::invalid_argument("mseLoss: input " + describe(input) + " and target " +
                                describe(target) + " differ in size");
  const int64_t n = input.numel();
  const float* x = input.f32();
  const float* t = target.f32();
  const double total = chunkedSum(n, [&](int64_t i) {
    const double d = static_cast<double>(x[i]) - t[i];
    return d * d;
  });
  Tensor loss = Tensor::scalar(static_cast<float>(total / static_cast<double>(n)));  // n=0: nan
  recordOp("mseLoss", {input, target}, {&loss},
           [in = input.detach(), tg = target.detach(), ig = input.requiresGrad(),
            tgg = target.requiresGrad(), n](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);
             if (!g[0].defined()) return grads;
             // d/dinput = 2 (input - target) / n * g;  d/dtarget = -that
             const float k = 2.0f * g[0].item() / static_cast<float>(n);
             Tensor d = Tensor::empty(in.shape());
             const float* x = in.f32();
             const float* t = tg.f32();
             float* pd = d.f32();
#pragma omp parallel for if (n > 65536)
             for (int64_t i = 0; i < n; ++i) pd[i] = k * (x[i] - t[i]);
             if (ig) grads[0] = d;
             if (tgg) grads[1] = detail::scaled(d, -1.0f).reshape(tg.shape());
             return grads;
           });
  return loss;
}

// logits: [N, C], target: int64 [N]; or logits: [B, T, C], target: int64 [B, T] -> []
// loss = -mean over counted i of log_softmax(logits[i])[target[i]]; targets equal to
// ignoreIndex do not count. When none counts the loss is 0/0 = nan and the gradient is zero,
// exactly as PyTorch 1.13 does.
Tensor crossEntropy(const Tensor& logits, const Tensor& target, int64_t ignoreIndex) {
  if (onDevice(logits)) return backendFor(logits.device()).crossEntropy(logits, target, ignoreIndex);

  detail::requireFloat(logits, "crossEntropy", "logits");
  if (!target.defined() || target.dtype() != DType::Int64)
    throw std::invalid_argument("crossEntropy: target must be int64, got " + describe(target));
  const bool shapeOk =
      (logits.ndim() == 2 || logits.ndim() == 3) && target.ndim() == logits.ndim() - 1 &&
      Shape(logits.shape().begin(), logits.shape().end() - 1) == target.shape();
  if (!shapeOk)
    throw std::invalid_argument("crossEntropy: logits " + describe(logits) + " and target " +
                                describe(target) + " do not match ([N, C] with [N], or " +
                                "[B, T, C] with [B, T])");
  const int64_t C = logits.size(-1), N = target.numel();
  const int64_t* tg = target.i64();
  int64_t count = 0;
  for (int64_t i = 0; i < N; ++i) {
    if (tg[i] == ignoreIndex) continue;
    if (tg[i] < 0 || tg[i] >= C)
      throw std::out_of_range("crossEntropy: target " + std::to_string(tg[i]) + " at position " +
                              std::to_string(i) + " is out of range for " + std::to_string(C) +
                              " classes");
    ++count;
  }
  Tensor logp;
  {
    NoGradGuard noGrad;  // the gradient below is written directly in terms of softmax
    logp = logSoftmax(logits.reshape({N, C}), 1);
  }
  const float* lp = logp.f32();
  const double total = chunkedSum(N, [&](int64_t i) {
    return tg[i] == ignoreIndex ? 0.0 : -static_cast<double>(lp[i * C + tg[i]]);
  });
  Tensor loss = Tensor::scalar(static_cast<float>(total / static_cast<double>(count)));

  recordOp("crossEntropy", {logits, target}, {&loss},
           [logp, tgt = target.detach(), shape = logits.shape(), ignoreIndex, count, N,
            C](const std::vector<Tensor>& g) {
             std::vector<Tensor> grads(2);  // the int64 target gets no gradient
             if (!g[0].defined()) return grads;
             // dlogits[i] = (softmax(logits[i]) - onehot(target[i])) * g / count; 0 if ignored
             const float k = count ? g[0].item() / static_cast<float>(count) : 0.0f;
             Tensor d = Tensor::empty(shape);
             const float* lp = logp.f32();
             const int64_t* tg = tgt.i64();
             float* pd = d.f32();
#pragma omp parallel for if (N * C > 65536)
             for (int64_t i = 0; i < N; ++i) {
               float* row = pd + i * C;
               if (tg[i] == ignoreIndex) {
                 for (int64_t c = 0; c < C; ++c) row[c] = 0.0f;
                 continue;
               }
               for (int64_t c = 0; c < C; ++c) row[c] = std::exp(lp[i * C + c]) * k;
               row[tg[i]] -= k;
             }
             grads[0] = d;
             return grads;
           });
  return loss;
}

}  // namespace strata::ops
