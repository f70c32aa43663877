// Shared runners over cached oneDNN primitives for the ops (see op_helpers.h).
#include "ops/op_helpers.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "backends/cpu/dnnl_context.h"

namespace strata::ops::detail {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

memory::desc flat(int64_t n) { return memory::desc({n}, dt::f32, tag::a); }

memory mem(const memory::desc& md, const float* p) {
  return memory(md, cpu::engine(), const_cast<float*>(p));
}

memory::desc viewDesc(const MatView& v) {
  return memory::desc({v.batch, v.rows, v.cols}, dt::f32, {v.sBatch, v.sRows, v.sCols});
}

std::string viewKey(const MatView& v) {
  return std::to_string(v.batch) + "x" + std::to_string(v.rows) + "x" + std::to_string(v.cols) +
         "/" + std::to_string(v.sBatch) + "," + std::to_string(v.sRows) + "," +
         std::to_string(v.sCols);
}

std::string algKey(dnnl::algorithm a) { return std::to_string(static_cast<int>(a)); }

}  // namespace

void requireFloat(const Tensor& t, const char* op, const char* what) {
  if (!t.defined())
    throw std::invalid_argument(std::string(op) + ": " + what + " is undefined");
  if (t.dtype() != DType::Float32)
    throw std::invalid_argument(std::string(op) + ": " + what + " must be float32, got " +
                                describe(t));
}

int normDim(int dim, int ndim, const char* op) {
  int d = dim < 0 ? dim + ndim : dim;
  if (d < 0 || d >= ndim)
    throw std::out_of_range(std::string(op) + ": dim " + std::to_string(dim) +
                            " out of range for a tensor with " + std::to_string(ndim) + " dims");
  return d;
}

Split3 split3(const Shape& s, int dim) {
  Split3 r;
  for (int i = 0; i < dim; ++i) r.outer *= s[i];
  r.n = s[dim];
  for (size_t i = dim + 1; i < s.size(); ++i) r.inner *= s[i];
  return r;
}

std::string floatKey(float v) { return std::to_string(std::bit_cast<uint32_t>(v)); }

MatView MatView::plain(int64_t batch, int64_t rows, int64_t cols) {
  return MatView{batch, rows, cols, rows * cols, cols, 1};
}

MatView MatView::t() const { return MatView{batch, cols, rows, sBatch, sCols, sRows}; }

void gemm(const MatView& a, const float* pa, const MatView& b, const float* pb, float* pc,
          const float* bias) {
  const int64_t batch = std::max(a.batch, b.batch);
  const MatView c = MatView::plain(batch, a.rows, b.cols);
  if (c.batch * c.rows * c.cols == 0) return;
  if (a.cols == 0) {  // empty contraction: zeros (plus bias)
    for (int64_t i = 0; i < c.batch * c.rows; ++i)
      for (int64_t j = 0; j < c.cols; ++j) pc[i * c.cols + j] = bias ? bias[j] : 0.0f;
    return;
  }
  const std::string key = "matmul:" + viewKey(a) + ":" + viewKey(b) + (bias ? ":bias" : "");
  const memory::desc biasDesc({1, 1, c.cols}, dt::f32, tag::abc);
  auto& prim = cpu::cached<dnnl::matmul>(key, [&] {
    auto d = bias ? dnnl::matmul::desc(viewDesc(a), viewDesc(b), biasDesc, viewDesc(c))
                  : dnnl::matmul::desc(viewDesc(a), viewDesc(b), viewDesc(c));
    return dnnl::matmul(dnnl::matmul::primitive_desc(d, cpu::engine()));
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mem(viewDesc(a), pa)},
                                       {DNNL_ARG_WEIGHTS, mem(viewDesc(b), pb)},
                                       {DNNL_ARG_DST, mem(viewDesc(c), pc)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, mem(biasDesc, bias));
  prim.execute(cpu::stream(), args);
  cpu::stream().wait();
}

void eltwiseForward(dnnl::algorithm alg, float alpha, float beta, const float* x, float* y,
                    int64_t n) {
  if (n == 0) return;
  const std::string key = "eltwise_fwd:" + algKey(alg) + ":" + floatKey(alpha) + ":" +
                          floatKey(beta) + ":" + std::to_string(n);
  auto& prim = cpu::cached<dnnl::eltwise_forward>(key, [&] {
    dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_training, alg, flat(n), alpha, beta);
    return dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(d, cpu::engine()));
  });
  prim.execute(cpu::stream(), {{DNNL_ARG_SRC, mem(flat(n), x)}, {DNNL_ARG_DST, mem(flat(n), y)}});
  cpu::stream().wait();
}

void eltwiseBackward(dnnl::algorithm alg, float alpha, float beta, const float* data,
                     const float* dy, float* dx, int64_t n) {
  if (n == 0) return;
  using A = dnnl::algorithm;
  const bool useDst = alg == A::eltwise_relu_use_dst_for_bwd ||
                      alg == A::eltwise_tanh_use_dst_for_bwd ||
                      alg == A::eltwise_logistic_use_dst_for_bwd;
  const std::string key = "eltwise_bwd:" + algKey(alg) + ":" + floatKey(alpha) + ":" +
                          floatKey(beta) + ":" + std::to_string(n);
  auto& prim = cpu::cached<dnnl::eltwise_backward>(key, [&] {
    dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, alg, flat(n), alpha, beta);
    dnnl::eltwise_forward::primitive_desc fpd(fd, cpu::engine());
    dnnl::eltwise_backward::desc bd(alg, flat(n), flat(n), alpha, beta);
    return dnnl::eltwise_backward(
        dnnl::eltwise_backward::primitive_desc(bd, cpu::engine(), fpd));
  });
  prim.execute(cpu::stream(), {{useDst ? DNNL_ARG_DST : DNNL_ARG_SRC, mem(flat(n), data)},
                               {DNNL_ARG_DIFF_DST, mem(flat(n), dy)},
                               {DNNL_ARG_DIFF_SRC, mem(flat(n), dx)}});
  cpu::stream().wait();
}

void binary(dnnl::algorithm alg, const float* a, const float* b, float* dst, int64_t rows,
            int64_t cols, bool bBroadcast) {
  if (rows * cols == 0) return;
  const memory::desc ad({rows, cols}, dt::f32, tag::ab);
  const memory::desc bd({bBroadcast ? 1 : rows, cols}, dt::f32, tag::ab);
  const std::string key = "binary:" + algKey(alg) + ":" + std::to_string(rows) + "x" +
                          std::to_string(cols) + (bBroadcast ? ":bcast" : "");
  auto& prim = cpu::cached<dnnl::binary>(key, [&] {
    dnnl::binary::desc d(alg, ad, bd, ad);
    return dnnl::binary(dnnl::binary::primitive_desc(d, cpu::engine()));
  });
  prim.execute(cpu::stream(), {{DNNL_ARG_SRC_0, mem(ad, a)},
                               {DNNL_ARG_SRC_1, mem(bd, b)},
                               {DNNL_ARG_DST, mem(ad, dst)}});
  cpu::stream().wait();
}

void reduce(dnnl::algorithm alg, const float* src, float* dst, const Split3& s) {
  const int64_t outN = s.outer * s.inner;
  if (outN == 0) return;
  const bool mean = alg == dnnl::algorithm::reduction_mean;
  if (!mean && alg != dnnl::algorithm::reduction_sum)
    throw std::invalid_argument("reduce: only reduction_sum and reduction_mean are supported");
  if (s.n == 0) {  // empty sum is 0; empty mean is nan, as in PyTorch
    const float v = mean ? NAN : 0.0f;
    for (int64_t i = 0; i < outN; ++i) dst[i] = v;
    return;
  }
  // Plain loops: oneDNN 2.6 runs these shapes on its reference reduction (reduction,ref:any),
  // which cost ~14 ms for the [2048, 512] bias gradient of a feed-forward layer, more than the
  // matmuls around it. Rows of [n, inner] are added in order (vectorised over inner); a
  // contiguous run (inner == 1) is summed in double.
  if (s.inner == 1) {
    for (int64_t o = 0; o < s.outer; ++o) {
      const float* p = src + o * s.n;
      double acc = 0.0;
      for (int64_t j = 0; j < s.n; ++j) acc += p[j];
      dst[o] = static_cast<float>(mean ? acc / static_cast<double>(s.n) : acc);
    }
    return;
  }
  for (int64_t o = 0; o < s.outer; ++o) {
    const float* p = src + o * s.n * s.inner;
    float* d = dst + o * s.inner;
    std::memcpy(d, p, static_cast<size_t>(s.inner) * sizeof(float));
    for (int64_t j = 1; j < s.n; ++j) {
      const float* row = p + j * s.inner;
      for (int64_t i = 0; i < s.inner; ++i) d[i] += row[i];
    }
    if (mean)
      for (int64_t i = 0; i < s.inner; ++i) d[i] /= static_cast<float>(s.n);
  }
}

Tensor scaled(const Tensor& x, float s) {
  Tensor y = Tensor::empty(x.shape());
  eltwiseForward(dnnl::algorithm::eltwise_linear, s, 0.0f, x.f32(), y.f32(), x.numel());
  return y;
}

Tensor columnSums(const Tensor& x, int64_t rows, int64_t cols) {
  Tensor y = Tensor::empty({cols});
  reduce(dnnl::algorithm::reduction_sum, x.f32(), y.f32(), Split3{1, rows, cols});
  return y;
}

Tensor product(const Tensor& a, const Tensor& b) {
  Tensor y = Tensor::empty(a.shape());
  binary(dnnl::algorithm::binary_mul, a.f32(), b.f32(), y.f32(), 1, a.numel(), false);
  return y;
}

}  // namespace strata::ops::detail
