// Training-side updates on the GPU: gradient accumulation (autograd), sums of squares for the
// gradient norms, clipping and the NaN/Inf guard, and the Adam/AdamW/SGD steps.
#include <stdexcept>

#include "backends/cuda/cuda_backend_impl.h"
#include "backends/cuda/kernels.h"

namespace strata::cuda {

using detail::cf;
using detail::contextOf;
using detail::f;

void CudaBackend::accumulate(Tensor& dst, const Tensor& src0) {
  const Tensor src = detail::onDevice(src0, dst.device(), "accumulate");
  if (dst.numel() != src.numel())
    throw std::invalid_argument("accumulate: " + describe(src) + " into " + describe(dst));
  Context& ctx = contextOf("accumulate", {&dst, &src});
  kernels::accumulate(f(dst), cf(src), dst.numel(), ctx.stream);
  checkLaunch("accumulate");
}

double CudaBackend::sumSquares(const Tensor& x) { return sumSquaresMany({x}).at(0); }

std::vector<double> CudaBackend::sumSquaresMany(const std::vector<Tensor>& xs) {
  if (xs.empty()) return {};
  Context& ctx = contextOf("sumSquares", {&xs[0]});
  const Device d = xs[0].device();
  const auto count = static_cast<int64_t>(xs.size());
  // Doubles travel as pairs of float slots: [count] results, then the shared scratch.
  Tensor buf = Tensor::empty({2 * (count + kernels::kSumSquaresBlocks)}, DType::Float32, d);
  auto* results = reinterpret_cast<double*>(f(buf));
  double* scratch = results + count;
  for (int64_t i = 0; i < count; ++i) {
    const Tensor& x = xs[static_cast<size_t>(i)];
    if (x.device() != d)
      throw std::invalid_argument("sumSquares: tensors on " + d.str() + " and " +
                                  x.device().str());
    // Kernels on one stream run in order, so the scratch is reused safely.
    kernels::sumSquares(cf(x), x.numel(), results + i, scratch, ctx.stream);
  }
  checkLaunch("sumSquares");
  std::vector<double> out(static_cast<size_t>(count));
  copy(out.data(), results, out.size() * sizeof(double), CopyKind::DeviceToHost, d.index);
  return out;
}

void CudaBackend::scaleInPlace(Tensor& x, float s) {
  Context& ctx = contextOf("scaleInPlace", {&x});
  kernels::scaleInPlace(f(x), s, x.numel(), ctx.stream);
  checkLaunch("scaleInPlace");
}

void CudaBackend::adamStep(Tensor& p, const Tensor& g, Tensor& m, Tensor& v, const AdamScalars& s) {
  Context& ctx = contextOf("adam", {&p, &g, &m, &v});
  const kernels::AdamArgs a{s.negStepSize, s.bc2Sqrt,    s.b1,         s.b2,
                            s.oneMinusB1,  s.oneMinusB2, s.eps,        s.wd,
                            s.decay,       s.decoupled,  s.weightDecay};
  kernels::adamStep(f(p), cf(g), f(m), f(v), p.numel(), a, ctx.stream);
  checkLaunch("adam");
}

void CudaBackend::sgdStep(Tensor& p, const Tensor& g, Tensor& buf, const SgdScalars& s) {
  Context& ctx = contextOf("sgd", {&p, &g, &buf});
  const kernels::SgdArgs a{s.wd, s.mu, s.negLr, s.weightDecay, s.momentum, s.nesterov, s.firstStep};
  kernels::sgdStep(f(p), cf(g), buf.defined() ? f(buf) : nullptr, p.numel(), a, ctx.stream);
  checkLaunch("sgd");
}

}  // namespace strata::cuda
