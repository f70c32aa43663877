// cuBLAS, loaded when CUDA is first used rather than when Strata starts. Linked directly,
// libcublas.so pulls in libcublasLt (over 500 MB): every strata-cli and strata process, CPU-only
// ones included, spent about 0.4 s and 210 MB of resident memory just loading it. These
// definitions stand in for the six cuBLAS entry points the backend calls; each resolves its real
// function from libcublas.so.13 on first use. Without the library, the calls report
// CUBLAS_STATUS_NOT_INITIALIZED and the status strings say the library is missing, which the
// backend turns into its usual "CUDA is not available" message.
#include <cublas_v2.h>
#include <dlfcn.h>

#include <mutex>

namespace {

constexpr const char* kLibrary = "libcublas.so.13";

// The loader's search path first (LD_LIBRARY_PATH, the binary's run path, ld.so.conf), then the
// toolkit folder the build found.
void* library() {
  static void* handle = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    handle = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
#ifdef STRATA_CUBLAS_DIR
    if (!handle) handle = ::dlopen(STRATA_CUBLAS_DIR "/libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
#endif
  });
  return handle;
}

// The real `name` from libcublas, or null when the library or the symbol is missing.
template <typename Fn>
Fn real(const char* name) {
  void* lib = library();
  return lib ? reinterpret_cast<Fn>(::dlsym(lib, name)) : nullptr;
}

}  // namespace

extern "C" {

cublasStatus_t CUBLASWINAPI cublasCreate_v2(cublasHandle_t* handle) {
  static auto fn = real<decltype(&cublasCreate_v2)>("cublasCreate_v2");
  return fn ? fn(handle) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t CUBLASWINAPI cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
  static auto fn = real<decltype(&cublasSetStream_v2)>("cublasSetStream_v2");
  return fn ? fn(handle, stream) : CUBLAS_STATUS_NOT_INITIALIZED;
}

cublasStatus_t CUBLASWINAPI cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  static auto fn = real<decltype(&cublasSetMathMode)>("cublasSetMathMode");
  return fn ? fn(handle, mode) : CUBLAS_STATUS_NOT_INITIALIZED;
}

const char* CUBLASWINAPI cublasGetStatusName(cublasStatus_t status) {
  static auto fn = real<decltype(&cublasGetStatusName)>("cublasGetStatusName");
  return fn ? fn(status) : "CUBLAS_STATUS_NOT_INITIALIZED";
}

const char* CUBLASWINAPI cublasGetStatusString(cublasStatus_t status) {
  static auto fn = real<decltype(&cublasGetStatusString)>("cublasGetStatusString");
  return fn ? fn(status) : "libcublas.so.13 could not be loaded (is the CUDA Toolkit's cuBLAS installed?)";
}

cublasStatus_t CUBLASWINAPI cublasSgemmStridedBatched(
    cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
    int k, const float* alpha, const float* A, int lda, long long int strideA, const float* B,
    int ldb, long long int strideB, const float* beta, float* C, int ldc, long long int strideC,
    int batchCount) {
  static auto fn = real<decltype(&cublasSgemmStridedBatched)>("cublasSgemmStridedBatched");
  return fn ? fn(handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta,
                 C, ldc, strideC, batchCount)
            : CUBLAS_STATUS_NOT_INITIALIZED;
}

}  // extern "C"
