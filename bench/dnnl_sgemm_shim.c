/* LD_PRELOAD shim: routes Fortran BLAS sgemm_ (column-major) to oneDNN's dnnl_sgemm (row-major),
 * PyTorch's strongest CPU GEMM on these machines. Column-major C = op(A) op(B) is row-major
 * C^T = op(B)^T op(A)^T: swap A with B and m with n. Built by bench/run at run time. */
#include <oneapi/dnnl/dnnl.h>

static char tr(char c) { return c == 'N' || c == 'n' ? 'N' : 'T'; } /* 'C' is 'T' for reals */

void sgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc) {
  dnnl_sgemm(tr(*tb), tr(*ta), *n, *m, *k, *alpha, b, *ldb, a, *lda, *beta, c, *ldc);
}
