// layerNorm on oneDNN 2.6. The forward runs as forward_training so that it writes the per-row mean
// and *variance* (not the inverse standard deviation, as ONNX saves); backward consumes both.
#include "nn/normalization/layernorm_op.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "backends/cpu/dnnl_context.h"
#include "backends/backend.h"
#include "tensor/autograd.h"

namespace strata::ops {

namespace {

using dnnl::memory;
using dnnl::normalization_flags;

struct LayerNormPrims {
  dnnl::layer_normalization_forward::primitive_desc fwdPd;
  dnnl::layer_normalization_forward fwd;
  dnnl::layer_normalization_backward::primitive_desc bwdPd;
  dnnl::layer_normalization_backward bwd;
};

std::string floatBits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return std::to_string(u);
}

// One primitive pair per (rows, d, eps, affine flags); cached per thread.
LayerNormPrims& prims(int64_t rows, int64_t d, float eps, bool scale, bool shift) {
  std::string key = "layer_norm:" + std::to_string(rows) + "x" + std::to_string(d) + ":" +
                    floatBits(eps) + (scale ? ":s" : ":-") + (shift ? "s" : "-");
  return cpu::cached<LayerNormPrims>(key, [&] {
    auto flags = normalization_flags::none;
    if (scale) flags |= normalization_flags::use_scale;
    if (shift) flags |= normalization_flags::use_shift;
    memory::desc data({rows, d}, memory::data_type::f32, memory::format_tag::ab);
    memory::desc stat({rows}, memory::data_type::f32, memory::format_tag::a);
    LayerNormPrims p;
    dnnl::layer_normalization_forward::desc fd(dnnl::prop_kind::forward_training, data, stat, eps,
                                               flags);
    p.fwdPd = dnnl::layer_normalization_forward::primitive_desc(fd, cpu::engine());
    p.fwd = dnnl::layer_normalization_forward(p.fwdPd);
    // prop_kind::backward also yields diff_scale/diff_shift; backward_data is enough without them.
    auto bk = (scale || shift) ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data;
    dnnl::layer_normalization_backward::desc bd(bk, data, data, stat, eps, flags);
    p.bwdPd = dnnl::layer_normalization_backward::primitive_desc(bd, cpu::engine(), p.fwdPd);
    p.bwd = dnnl::layer_normalization_backward(p.bwdPd);
    return p;
  });
}

void checkParam(const Tensor& t, int64_t d, const char* what) {
  if (!t.defined()) return;
  if (t.dtype() != DType::Float32 || t.ndim() != 1 || t.size(0) != d)
    throw std::invalid_argument(std::string("layerNorm: ") + what + " must be float32 [" +
                                std::to_string(d) + "], got " + describe(t));
}

}  // namespace

Tensor layerNorm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
  if (onDevice(x)) return backendFor(x.device()).layerNorm(x, weight, bias, eps);

  if (!x.defined() || x.dtype() != DType::Float32 || x.ndim() < 1)
    throw std::invalid_argument("layerNorm: input must be a float32 tensor of rank >= 1, got " +
                                (x.defined() ? describe(x) : std::string("nothing")));
  const int64_t d = x.size(-1);
  const int64_t rows = d > 0 ? x.numel() / d : 0;
  checkParam(weight, d, "weight");
  checkParam(bias, d, "bias");
  Tensor y = Tensor::empty(x.shape());
  if (rows == 0 || d == 0) return y;  // nothing to normalise

  const bool hasScale = weight.defined(), hasShift = bias.defined();
  LayerNormPrims& p = prims(rows, d, eps, hasScale, hasShift);
  Tensor mean = Tensor::empty({rows});
  Tensor var = Tensor::empty({rows});
  const memory::desc data({rows, d}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc stat({rows}, memory::data_type::f32, memory::format_tag::a);
  const memory::desc vec({d}, memory::data_type::f32, memory::format_tag::a);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, cpu::wrap(x, data)},
                                          {DNNL_ARG_DST, cpu::wrap(y, data)},
                                          {DNNL_ARG_MEAN, cpu::wrap(mean, stat)},
                                          {DNNL_ARG_VARIANCE, cpu::wrap(var, stat)}};
  if (hasScale) args[DNNL_ARG_SCALE] = cpu::wrap(weight, vec);
  if (hasShift) args[DNNL_ARG_SHIFT] = cpu::wrap(bias, vec);
  p.fwd.execute(cpu::stream(), args);
  cpu::stream().wait();

  recordOp("layer_norm", {x, weight, bias}, {&y},
           [x, weight, bias, mean, var, eps, rows, d](const std::vector<Tensor>& g) {
             const bool sc = weight.defined(), sh = bias.defined();
             LayerNormPrims& bp = prims(rows, d, eps, sc, sh);
             Tensor dy = gradOrZeros(g[0], x);
             Tensor dx = Tensor::empty(x.shape());
             Tensor dw = sc ? Tensor::empty({d}) : Tensor();
             Tensor db = sh ? Tensor::empty({d}) : Tensor();
             const memory::desc dataMd({rows, d}, memory::data_type::f32, memory::format_tag::ab);
             const memory::desc statMd({rows}, memory::data_type::f32, memory::format_tag::a);
             const memory::desc vecMd({d}, memory::data_type::f32, memory::format_tag::a);
             std::unordered_map<int, memory> a = {{DNNL_ARG_SRC, cpu::wrap(x, dataMd)},
                                                  {DNNL_ARG_MEAN, cpu::wrap(mean, statMd)},
                                                  {DNNL_ARG_VARIANCE, cpu::wrap(var, statMd)},
                                                  {DNNL_ARG_DIFF_DST, cpu::wrap(dy, dataMd)},
                                                  {DNNL_ARG_DIFF_SRC, cpu::wrap(dx, dataMd)}};
             if (sc) {
               a[DNNL_ARG_SCALE] = cpu::wrap(weight, vecMd);
               a[DNNL_ARG_DIFF_SCALE] = cpu::wrap(dw, vecMd);
             }
             if (sh) {
               a[DNNL_ARG_SHIFT] = cpu::wrap(bias, vecMd);
               a[DNNL_ARG_DIFF_SHIFT] = cpu::wrap(db, vecMd);
             }
             bp.bwd.execute(cpu::stream(), a);
             cpu::stream().wait();
             return std::vector<Tensor>{dx, dw, db};
           });
  return y;
}

}  // namespace strata::ops
