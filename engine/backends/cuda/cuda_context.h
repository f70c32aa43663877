// Per-GPU state of the CUDA backend: one stream, one cuBLAS and one cuDNN handle per device,
// created on first use, and checked calls that turn CUDA, cuBLAS and cuDNN errors into
// DeviceError carrying the library's own error text.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "backends/backend.h"

namespace strata::cuda {

void check(cudaError_t e, const char* what);
void check(cublasStatus_t s, const char* what);
void check(cudnnStatus_t s, const char* what);
// After kernel launches: a launch error (bad configuration, no kernel image for this GPU).
void checkLaunch(const char* what);

struct Context {
  int device = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;  // created on first RNN use
};

// The context of `device`, made current on the calling thread.
Context& context(int device);
cudnnHandle_t cudnnHandle(Context& ctx);

}  // namespace strata::cuda
