// StepMatmul: one per-time-step recurrent GEMM of GemmRecurrent, dst[M, N] = src[M, K] x W[K, N],
// on a oneDNN matmul primitive created once per shape. W is packed once per training step into
// the primitive's own blocked layout (pack), so the time loop neither reorders nor allocates: it
// only points preset memory objects at the step's buffers and executes (run).
#pragma once

#include <cstddef>
#include <cstdint>

#include <oneapi/dnnl/dnnl.hpp>

namespace strata {

struct StepMatmul {
  // lda / ldc: row strides of src and dst. rowOffset: first row of W in the caller's gathered
  // [rows, ldw] weight block. forward: that block holds W's columns as rows (W^T, PyTorch's
  // [out, in] layout); otherwise it holds W's rows.
  static StepMatmul create(int64_t M, int64_t K, int64_t N, int64_t lda, int64_t ldc,
                           int64_t rowOffset, bool forward);

  // Packs W from the gathered block (`rows`, row stride `ldw`) into `packed` (packedBytes()).
  void pack(const float* rows, int64_t ldw, void* packed) const;
  size_t packedBytes() const { return m_packedDesc.get_size(); }
  size_t scratchBytes() const { return m_scratchBytes; }

  // dst = src x packed W, on the calling thread's share of `stream` (one stream per chunk).
  void run(dnnl::stream& stream, const float* src, const void* packed, float* dst,
           void* scratch) const;

 private:
  int64_t m_K = 0, m_N = 0, m_rowOffset = 0;
  bool m_forward = true;
  dnnl::matmul m_prim;
  dnnl::reorder m_pack;
  dnnl::memory::desc m_packedDesc;
  size_t m_scratchBytes = 0;
  dnnl::memory m_src, m_wei, m_dst, m_pad;
};

}  // namespace strata
