#include "backends/cpu/cpu_backend.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "nn/normalization/layernorm_op.h"
#include "ops/ops.h"

namespace strata::cpu {
namespace {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  bool supportsOp(OpKind) const override { return true; }

  void* allocate(size_t bytes, int) override {
    size_t rounded = ((bytes + 63) / 64) * 64;
    if (rounded == 0) rounded = 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    return p;
  }
  void release(void* p, size_t, int) noexcept override { std::free(p); }
  void copy(void* dst, const void* src, size_t bytes, CopyKind, int) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void fill(void* dst, DType dtype, float value, int64_t n, int) override {
    if (dtype == DType::Float32) {
      auto* p = static_cast<float*>(dst);
      for (int64_t i = 0; i < n; ++i) p[i] = value;
    } else {
      auto* p = static_cast<int64_t*>(dst);
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int64_t>(value);
    }
  }

  Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) override {
    return ops::matmul(a, b, ta, tb);
  }
  Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) override {
    return ops::linear(x, w, b);
  }
  Tensor relu(const Tensor& x) override { return ops::relu(x); }
  Tensor gelu(const Tensor& x, bool t) override { return ops::gelu(x, t); }
  Tensor tanh(const Tensor& x) override { return ops::tanh(x); }
  Tensor sigmoid(const Tensor& x) override { return ops::sigmoid(x); }
  Tensor add(const Tensor& a, const Tensor& b) override { return ops::add(a, b); }
  Tensor mul(const Tensor& a, const Tensor& b) override { return ops::mul(a, b); }
  Tensor scale(const Tensor& x, float s) override { return ops::scale(x, s); }
  Tensor softmax(const Tensor& x, int dim, bool log) override {
    return log ? ops::logSoftmax(x, dim) : ops::softmax(x, dim);
  }
  Tensor sum(const Tensor& x) override { return ops::sum(x); }
  Tensor mean(const Tensor& x) override { return ops::mean(x); }
  Tensor sumDim(const Tensor& x, int dim, bool keep, bool mean) override {
    return mean ? ops::mean(x, dim, keep) : ops::sum(x, dim, keep);
  }
  Tensor embedding(const Tensor& i, const Tensor& w) override { return ops::embedding(i, w); }
  Tensor slice(const Tensor& x, int dim, int64_t s, int64_t e) override {
    return ops::slice(x, dim, s, e);
  }
  Tensor concat(const std::vector<Tensor>& xs, int dim) override { return ops::concat(xs, dim); }
  Tensor transpose(const Tensor& x, int d0, int d1) override { return ops::transpose(x, d0, d1); }
  Tensor dropout(const Tensor& x, float p, Rng& rng) override {
    return ops::dropout(x, p, true, rng);
  }
  Tensor sequencePool(const Tensor& x, int mode) override {
    return ops::sequencePool(x, static_cast<ops::PoolMode>(mode));
  }
  Tensor mseLoss(const Tensor& a, const Tensor& b) override { return ops::mseLoss(a, b); }
  Tensor crossEntropy(const Tensor& l, const Tensor& t, int64_t ignore) override {
    return ops::crossEntropy(l, t, ignore);
  }
  Tensor layerNorm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) override {
    return ops::layerNorm(x, w, b, eps);
  }
  RecurrentOutputs recurrent(const RecurrentConfig& cfg, const Tensor& x, const Tensor& h0,
                             const Tensor& c0, const std::vector<Tensor>& params, bool training,
                             Rng* rng) override {
    return strata::recurrent(cfg, x, h0, c0, params, training, rng);
  }
  Tensor expand(const Tensor& x, const Shape& shape) override { return ops::expand(x, shape); }
  Tensor binaryOp(ops::BinaryKind k, const Tensor& a, const Tensor& b) override {
    return ops::binaryOp(k, a, b);
  }
  Tensor permute(const Tensor& x, const std::vector<int>& dims) override {
    return ops::permute(x, dims);
  }
  Tensor reduceDims(const Tensor& x, const std::vector<int>& dims, bool keep, bool mean) override {
    return ops::reduceDims(x, dims, keep, mean);
  }
  Tensor reduceMaxDims(const Tensor& x, const std::vector<int>& dims, bool keep) override {
    return ops::reduceMaxDims(x, dims, keep);
  }
  Tensor unaryOp(ops::UnaryKind k, const Tensor& x, float alpha) override {
    return ops::unaryOp(k, x, alpha);
  }

  void accumulate(Tensor& dst, const Tensor& src) override {
    float* d = dst.f32();
    const float* s = src.f32();
    for (int64_t i = 0, n = dst.numel(); i < n; ++i) d[i] += s[i];
  }
  double sumSquares(const Tensor& x) override {
    double s = 0;
    const float* d = x.f32();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) s += static_cast<double>(d[i]) * d[i];
    return s;
  }
  void scaleInPlace(Tensor& x, float s) override {
    float* d = x.f32();
    for (int64_t i = 0, n = x.numel(); i < n; ++i) d[i] *= s;
  }
};

}  // namespace

Backend& backend() {
  static CpuBackend b;
  return b;
}

}  // namespace strata::cpu
