/* The machine's GEMM peak as bench/run reports it: dnnl_sgemm on square 1024 and 2048 matrices
 * with the OpenMP threads given (OMP_NUM_THREADS), best of several runs, in GFLOP/s. */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
  double best = 0;
  for (int n = 1024; n <= 2048; n *= 2) {
    float* a = malloc(sizeof(float) * n * n);
    float* b = malloc(sizeof(float) * n * n);
    float* c = malloc(sizeof(float) * n * n);
    for (long i = 0; i < (long)n * n; ++i) a[i] = b[i] = (float)(i % 7) * 0.1f;
    for (int rep = 0; rep < (n == 1024 ? 8 : 3); ++rep) {
      double t0 = now();
      dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      double g = 2.0 * n * n * (double)n / (now() - t0) / 1e9;
      if (rep > 0 && g > best) best = g; /* the first run creates the kernels */
    }
    free(a), free(b), free(c);
  }
  printf("gemm_peak_gflops %.1f\n", best);
  return 0;
}
