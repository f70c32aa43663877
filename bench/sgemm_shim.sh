# Sourced by bench/run and bench/regression_guard: builds the LD_PRELOAD shim that routes
# PyTorch's Fortran sgemm_ to oneDNN's dnnl_sgemm (bench/dnnl_sgemm_shim.c), the strongest
# PyTorch set-up on these machines. PyTorch 1.13 here is built with BLAS_INFO=generic and
# otherwise calls whatever libblas.so.3 the alternatives point at, on a fresh machine the
# reference netlib BLAS, some 20x slower: a peer no claim should be measured against.
# Usage: build_sgemm_shim DIR   (prints the shim's path)
build_sgemm_shim() {
  local src
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/dnnl_sgemm_shim.c"
  mkdir -p "$1"
  gcc -O2 -shared -fPIC "$src" -ldnnl -o "$1/libdnnl_sgemm_shim.so"
  echo "$1/libdnnl_sgemm_shim.so"
}
