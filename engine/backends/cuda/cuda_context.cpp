#include "backends/cuda/cuda_context.h"

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "backends/cuda/cuda_backend.h"

namespace strata::cuda {

void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  std::string msg =
      std::string(what) + ": " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
  if (e == cudaErrorMemoryAllocation)
    msg += "; the graph does not fit in this GPU's memory: lower the batch size or the model size";
  throw DeviceError(msg);
}

void check(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(std::string(what) + ": cuBLAS " + cublasGetStatusName(s) + " (" +
                    cublasGetStatusString(s) + ")");
}

void check(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return;
  throw DeviceError(std::string(what) + ": cuDNN " + cudnnGetErrorString(s));
}

void checkLaunch(const char* what) { check(cudaGetLastError(), what); }

namespace {

constexpr int kMaxDevices = 64;
std::mutex g_mutex;
std::array<std::unique_ptr<Context>, kMaxDevices> g_contexts;

}  // namespace

Context& context(int device) {
  if (device < 0 || device >= kMaxDevices)
    throw DeviceError("cuda:" + std::to_string(device) + " is out of range");
  check(cudaSetDevice(device), "cudaSetDevice");
  std::lock_guard lock(g_mutex);
  auto& slot = g_contexts[static_cast<size_t>(device)];
  if (!slot) {
    auto ctx = std::make_unique<Context>();
    ctx->device = device;
    check(cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking), "cudaStreamCreate");
    check(cublasCreate(&ctx->cublas), "cublasCreate");
    check(cublasSetStream(ctx->cublas, ctx->stream), "cublasSetStream");
    slot = std::move(ctx);
  }
  // TF32 may be switched at any time; the math mode follows the setting on every use.
  check(cublasSetMathMode(slot->cublas,
                          allowTf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
        "cublasSetMathMode");
  return *slot;
}

cudnnHandle_t cudnnHandle(Context& ctx) {
  std::lock_guard lock(g_mutex);
  if (!ctx.cudnn) {
    check(cudnnCreate(&ctx.cudnn), "cudnnCreate");
    check(cudnnSetStream(ctx.cudnn, ctx.stream), "cudnnSetStream");
  }
  return ctx.cudnn;
}

}  // namespace strata::cuda
