// Run-time choice of the gate kernel set (gate_kernels.h) and the baseline x86-64 set, which
// every CPU runs.
#include "nn/recurrent/gate_kernels.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace strata::gates {
namespace generic {
#define STRATA_GATE_ISA_NAME "generic"
#include "nn/recurrent/gate_kernels_impl.inc"
#undef STRATA_GATE_ISA_NAME
}  // namespace generic
namespace avx512 {
extern const Kernels kTable;
}
namespace avx2 {
extern const Kernels kTable;
}

namespace {

bool cpuHas(const char* isa) {
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  if (std::strcmp(isa, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return std::strcmp(isa, "generic") == 0;
}

// 2 = avx512, 1 = avx2, 0 = generic: the cap from STRATA_MAX_CPU_ISA, else ONEDNN_MAX_CPU_ISA
// (whose values are oneDNN's: SSE41, AVX, AVX2, AVX512_CORE..., ALL).
int isaCap() {
  const char* s = std::getenv("STRATA_MAX_CPU_ISA");
  if (!s || !*s) s = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (!s || !*s) return 2;
  std::string v(s);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v.rfind("avx512", 0) == 0 || v == "all" || v.rfind("avx10", 0) == 0) return 2;
  if (v.rfind("avx2", 0) == 0) return 1;
  return 0;
}

}  // namespace

const Kernels* kernelsFor(const char* isa) {
  if (!cpuHas(isa)) return nullptr;
  if (std::strcmp(isa, "avx512") == 0) return &avx512::kTable;
  if (std::strcmp(isa, "avx2") == 0) return &avx2::kTable;
  return &generic::kTable;
}

const Kernels& kernels() {
  static const Kernels* chosen = [] {
    const int cap = isaCap();
    if (cap >= 2 && cpuHas("avx512")) return &avx512::kTable;
    if (cap >= 1 && cpuHas("avx2")) return &avx2::kTable;
    return &generic::kTable;
  }();
  return *chosen;
}

}  // namespace strata::gates
