// Sum and mean, over all elements or one dim, on oneDNN reduction primitives. Backward
// broadcasts the gradient back over the reduced elements (a plain copy loop: oneDNN has no
// broadcast-copy primitive).
#include <cmath>

#include "ops/op_helpers.h"
#include "ops/ops.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {
namespace {

using dnnl::algorithm;

// dx[o, j, i] = g[o, i] * factor for j < n.
Tensor expand(const Tensor& g, const Shape& shape, const detail::Split3& s, float factor) {
  Tensor dx = Tensor::empty(shape);
  const float* pg = g.f32();
  float* px = dx.f32();
#pragma omp parallel for collapse(2) if (s.outer * s.n * s.inner > 65536)
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < s.n; ++j)
      for (int64_t i = 0; i < s.inner; ++i)
        px[(o * s.n + j) * s.inner + i] = pg[o * s.inner + i] * factor;
  return dx;
}

// x: [...] reduced over n of s = [outer, n, inner] -> y: outShape.
Tensor reduceImpl(const char* name, const Tensor& x, const detail::Split3& s, bool isMean,
                  const Shape& outShape) {
  Tensor y = Tensor::empty(outShape);
  detail::reduce(isMean ? algorithm::reduction_mean : algorithm::reduction_sum, x.f32(), y.f32(),
                 s);
  const float factor = isMean ? 1.0f / static_cast<float>(s.n) : 1.0f;
  recordOp(name, {x}, {&y}, [shape = x.shape(), s, factor](const std::vector<Tensor>& g) {
    if (!g[0].defined()) return std::vector<Tensor>{Tensor()};
    return std::vector<Tensor>{expand(g[0], shape, s, factor)};
  });
  return y;
}

}  // namespace

// x: [...] -> []
Tensor sum(const Tensor& x) {
  if (onDevice(x)) return backendFor(x.device()).sum(x);

  detail::requireFloat(x, "sum", "input");
  return reduceImpl("sum", x, detail::Split3{1, x.numel(), 1}, false, {});
}

Tensor mean(const Tensor& x) {
  if (onDevice(x)) return backendFor(x.device()).mean(x);

  detail::requireFloat(x, "mean", "input");
  return reduceImpl("mean", x, detail::Split3{1, x.numel(), 1}, true, {});
}

namespace {

Tensor reduceDim(const char* name, const Tensor& x, int dim, bool keepDim, bool isMean) {
  detail::requireFloat(x, name, "input");
  const int d = detail::normDim(dim, x.ndim(), name);
  Shape out = x.shape();
  if (keepDim)
    out[d] = 1;
  else
    out.erase(out.begin() + d);
  return reduceImpl(name, x, detail::split3(x.shape(), d), isMean, out);
}

}  // namespace

// x: [..., n, ...] -> [..., (1), ...] over dim
Tensor sum(const Tensor& x, int dim, bool keepDim) {
  if (onDevice(x)) return backendFor(x.device()).sumDim(x, dim, keepDim, false);

  return reduceDim("sum", x, dim, keepDim, false);
}

Tensor mean(const Tensor& x, int dim, bool keepDim) {
  if (onDevice(x)) return backendFor(x.device()).sumDim(x, dim, keepDim, true);

  return reduceDim("mean", x, dim, keepDim, true);
}

}  // namespace strata::ops
