// The gate kernels compiled for AVX-512 (F, DQ, VL, BW) (selected at run time by gate_kernels.cpp). The
// target pragma comes after every standard header, so only this file's own functions, all of
// internal linkage, use the wider instructions.
#include <cstdint>

#include "nn/recurrent/gate_kernels.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")

namespace strata::gates::avx512 {
#define STRATA_GATE_ISA_NAME "avx512"
#include "nn/recurrent/gate_kernels_impl.inc"
#undef STRATA_GATE_ISA_NAME
}  // namespace strata::gates::avx512

#pragma GCC pop_options
