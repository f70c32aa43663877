// StepMatmul (see step_matmul.h).
#include "nn/recurrent/step_matmul.h"

#include <oneapi/dnnl/dnnl.h>

#include "backends/cpu/dnnl_context.h"

namespace strata {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

StepMatmul StepMatmul::create(int64_t M, int64_t K, int64_t N, int64_t lda, int64_t ldc,
                              int64_t rowOffset, bool forward) {
  StepMatmul m;
  m.m_K = K;
  m.m_N = N;
  m.m_rowOffset = rowOffset;
  m.m_forward = forward;
  dnnl::engine& eng = cpu::engine();
  const memory::desc src({M, K}, dt::f32, memory::dims{lda, 1});
  const memory::desc dst({M, N}, dt::f32, memory::dims{ldc, 1});
  const memory::desc weiAny({K, N}, dt::f32, tag::any);
  // A user scratchpad (from the caller's arena): chunks run on different threads at once.
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weiAny, dst), attr, eng);
  m.m_prim = dnnl::matmul(pd);
  m.m_packedDesc = pd.weights_desc();
  m.m_scratchBytes = pd.scratchpad_desc().get_size();
  const memory::desc plain({K, N}, dt::f32, forward ? tag::ba : tag::ab);
  m.m_pack = dnnl::reorder(dnnl::reorder::primitive_desc(eng, plain, eng, m.m_packedDesc));
  static float placeholder[16];  // every handle is set before each execution
  m.m_src = memory(src, eng, placeholder);
  m.m_wei = memory(m.m_packedDesc, eng, placeholder);
  m.m_dst = memory(dst, eng, placeholder);
  m.m_pad = memory(pd.scratchpad_desc(), eng, placeholder);
  return m;
}

void StepMatmul::pack(const float* rows, int64_t ldw, void* packed) const {
  dnnl::engine& eng = cpu::engine();
  const memory::desc plain({m_K, m_N}, dt::f32, m_forward ? tag::ba : tag::ab);
  memory from(plain, eng, const_cast<float*>(rows + m_rowOffset * ldw));
  memory to(m_packedDesc, eng, packed);
  m_pack.execute(cpu::stream(), from, to);
}

void StepMatmul::run(dnnl::stream& stream, const float* src, const void* packed, float* dst,
                     void* scratch) const {
  dnnl_memory_set_data_handle_v2(m_src.get(), const_cast<float*>(src), nullptr);
  dnnl_memory_set_data_handle_v2(m_wei.get(), const_cast<void*>(packed), nullptr);
  dnnl_memory_set_data_handle_v2(m_dst.get(), dst, nullptr);
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, m_src.get()},
                             {DNNL_ARG_WEIGHTS, m_wei.get()},
                             {DNNL_ARG_DST, m_dst.get()},
                             {DNNL_ARG_SCRATCHPAD, m_pad.get()}};
  if (m_scratchBytes) dnnl_memory_set_data_handle_v2(m_pad.get(), scratch, nullptr);
  dnnl_primitive_execute(m_prim.get(), stream.get(), m_scratchBytes ? 4 : 3, args);
}

}  // namespace strata
