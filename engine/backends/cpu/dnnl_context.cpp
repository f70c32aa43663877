#include "backends/cpu/dnnl_context.h"

namespace strata::cpu {

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

dnnl::memory::dims toDims(const Shape& s) { return dnnl::memory::dims(s.begin(), s.end()); }

dnnl::memory::desc plainDesc(const Shape& s, DType t) {
  using dt = dnnl::memory::data_type;
  Shape shape = s.empty() ? Shape{1} : s;
  dnnl::memory::dims strides(shape.size());
  int64_t stride = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i];
  }
  (void)t;  // oneDNN has no int64 type: only float32 tensors are handed to primitives
  return dnnl::memory::desc(toDims(shape), dt::f32, strides);
}

dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& md) {
  return dnnl::memory(md, engine(), const_cast<void*>(t.raw()));
}

dnnl::memory wrap(const Tensor& t) { return wrap(t, plainDesc(t.shape(), t.dtype())); }

namespace {
thread_local size_t t_cacheInserts = 0;
}

void detail::noteCacheInsert() { ++t_cacheInserts; }

size_t primitiveCacheSize() { return t_cacheInserts; }

std::string dimsKey(const Shape& s) {
  std::string k;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) k += 'x';
    k += std::to_string(s[i]);
  }
  return k;
}

}  // namespace strata::cpu
