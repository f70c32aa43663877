// softmax and logSoftmax along one dim. The tensor is seen as [outer, n, inner] with the softmax
// over n, so one primitive serves every shape with the same split. softmax runs on oneDNN
// softmax_v2 (softmax_accurate) both ways; logSoftmax's backward runs on softmax_v2 (softmax_log)
// too, but its forward is a plain loop: oneDNN 2.6's jit softmax_log evaluates the log with a
// polynomial that is off by ~1.4e-6 absolute (log(1) = 1.43e-6), which breaks the 1e-4 parity
// metric wherever a log-probability is near 0 (confident predictions, size-1 dims).
#include <algorithm>
#include <cmath>

#include "backends/cpu/dnnl_context.h"
#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

using dnnl::memory;

memory::desc desc3(const detail::Split3& s) {
  return memory::desc({s.outer, s.n, s.inner}, memory::data_type::f32,
                      memory::format_tag::abc);
}

std::string key(const char* kind, bool log, const detail::Split3& s) {
  return std::string(kind) + (log ? ":log:" : ":acc:") + std::to_string(s.outer) + "x" +
         std::to_string(s.n) + "x" + std::to_string(s.inner);
}

dnnl::softmax_v2_forward::primitive_desc forwardPd(bool log, const detail::Split3& s) {
  const auto alg = log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
  dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_training, alg, desc3(s), desc3(s), 1);
  return dnnl::softmax_v2_forward::primitive_desc(d, cpu::engine());
}

memory mem(const detail::Split3& s, const float* p) {
  return memory(desc3(s), cpu::engine(), const_cast<float*>(p));
}

// y[o, :, i] = x[o, :, i] - max - log(sum exp(x[o, :, i] - max)), the sum in double.
void logSoftmaxForward(const float* x, float* y, const detail::Split3& s) {
#pragma omp parallel for collapse(2) if (s.outer * s.n * s.inner > 32768)
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      const float* xr = x + o * s.n * s.inner + i;
      float* yr = y + o * s.n * s.inner + i;
      float mx = -INFINITY;
      for (int64_t j = 0; j < s.n; ++j) mx = std::max(mx, xr[j * s.inner]);
      double total = 0.0;
      for (int64_t j = 0; j < s.n; ++j)
        total += std::exp(static_cast<double>(xr[j * s.inner] - mx));  // NaN propagates
      const float lse = static_cast<float>(std::log(total));
      for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = (xr[j * s.inner] - mx) - lse;
    }
}

// x: [..., n, ...] -> y: same shape, normalised along dim.
Tensor softmaxImpl(const char* name, const Tensor& x, int dim, bool log) {
  detail::requireFloat(x, name, "input");
  const int d = detail::normDim(dim, std::max(x.ndim(), 1), name);
  const detail::Split3 s = x.ndim() ? detail::split3(x.shape(), d) : detail::Split3{};
  Tensor y = Tensor::empty(x.shape());
  if (x.numel() == 0) return y;
  if (log) {
    logSoftmaxForward(x.f32(), y.f32(), s);
  } else {
      auto& fwd = cpu::cached<dnnl::softmax_v2_forward>(
        key("softmax_fwd", log, s), [&] { return dnnl::softmax_v2_forward(forwardPd(log, s)); });
    fwd.execute(cpu::stream(),
                {{DNNL_ARG_SRC, mem(s, x.f32())}, {DNNL_ARG_DST, mem(s, y.f32())}});
    cpu::stream().wait();
  }

  recordOp(name, {x}, {&y}, [yd = y.detach(), s, log](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    auto& bwd = cpu::cached<dnnl::softmax_v2_backward>(key("softmax_bwd", log, s), [&] {
      const auto alg = log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
      dnnl::softmax_v2_backward::desc d(alg, desc3(s), desc3(s), desc3(s), 1);
      return dnnl::softmax_v2_backward(
          dnnl::softmax_v2_backward::primitive_desc(d, cpu::engine(), forwardPd(log, s)));
    });
    Tensor dx = Tensor::empty(yd.shape());
    bwd.execute(cpu::stream(), {{DNNL_ARG_DST, mem(s, yd.f32())},
                                {DNNL_ARG_DIFF_DST, mem(s, g[0].f32())},
                                {DNNL_ARG_DIFF_SRC, mem(s, dx.f32())}});
    cpu::stream().wait();
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int dim) {
  if (onDevice(x)) return backendFor(x.device()).softmax(x, dim, false);
  return softmaxImpl("softmax", x, dim, false);
}
Tensor logSoftmax(const Tensor& x, int dim) {
  if (onDevice(x)) return backendFor(x.device()).softmax(x, dim, true);
  return softmaxImpl("logSoftmax", x, dim, true);
}

}  // namespace strata::ops
