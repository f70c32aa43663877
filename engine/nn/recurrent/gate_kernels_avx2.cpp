// The gate kernels compiled for AVX2 + FMA (selected at run time by gate_kernels.cpp). The
// target pragma comes after every standard header, so only this file's own functions, all of
// internal linkage, use the wider instructions.
#include <cstdint>

#include "nn/recurrent/gate_kernels.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace strata::gates::avx2 {
#define STRATA_GATE_ISA_NAME "avx2"
#include "nn/recurrent/gate_kernels_impl.inc"
#undef STRATA_GATE_ISA_NAME
}  // namespace strata::gates::avx2

#pragma GCC pop_options
