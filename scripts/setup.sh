#!/usr/bin/env bash
# Shared set-up for scripts/run, scripts/test and scripts/fuzz: installs the Debian packages Strata
# needs (only those missing), then configures and builds a Release tree in ./build (ccache when
# present), or a clang sanitizer tree (build-asan: ASan+UBSan+libFuzzer; build-tsan: TSan).
# Sourced, not run: the caller gets STRATA_ROOT and STRATA_BUILD.
set -euo pipefail

STRATA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STRATA_BUILD="${STRATA_BUILD:-$STRATA_ROOT/build}"

STRATA_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev fonts-dejavu-core
  libdnnl-dev ocl-icd-opencl-dev opencl-c-headers
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  nlohmann-json3-dev libcli11-dev libgtest-dev
  python3-torch python3-onnx python3-numpy
  jupyter-nbconvert python3-ipykernel python3-nbformat python3-matplotlib
  clang libclang-rt-14-dev libomp-14-dev
  xvfb xauth
)

strata_install_packages() {
  local missing=()
  for p in "${STRATA_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # onnxruntime-node (the ONNX parity peer) comes from npm. A Node.js that already ships npm
  # (as some nodejs builds do, which then conflict with Debian's npm package) is kept as it is.
  command -v npm >/dev/null || missing+=(nodejs npm)
  if [ ${#missing[@]} -eq 0 ]; then
    echo "strata: all Debian packages present"
    return
  fi
  echo "strata: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

strata_build() {
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  if [ ! -f "$STRATA_BUILD/CMakeCache.txt" ]; then
    cmake -S "$STRATA_ROOT" -B "$STRATA_BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
  fi
  cmake --build "$STRATA_BUILD" -j "$(nproc)"
}

# A clang tree instrumented with sanitizers, beside the Release one. `kind` is asan (ASan+UBSan plus
# libFuzzer's coverage, so the fuzz targets and the sanitized test suite share one build) or tsan.
# `gui` is ON or OFF; a tree that exists keeps its GUI setting unless `gui` is given as ON.
# The remaining arguments are the targets to build (none: all).
strata_build_sanitized() {
  local kind="$1" gui="$2"
  shift 2
  local dir="$STRATA_ROOT/build-$kind"
  local generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  local options=(-DSTRATA_FUZZ=ON)
  [ "$kind" = tsan ] && options=(-DSTRATA_SANITIZE=thread)
  # -O1 keeps the instrumented tests and fuzzers fast; line tables are enough for symbolised
  # reports and much cheaper to build than full debug info. No NDEBUG: asserts stay on.
  # The whole ASan suite (gui ON: scripts/test --sanitize) runs the onnx and tfjs suites too, so
  # it needs their JavaScript peers; CI's engine/cli stage and the TSan tree do not.
  local peers=OFF
  [ "$kind" = asan ] && [ "$gui" = ON ] && peers=ON
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$STRATA_ROOT" -B "$dir" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
      "${options[@]}" -DSTRATA_BUILD_GUI="$gui" -DSTRATA_NODE_PEERS="$peers"
  elif [ "$gui" = ON ] && ! grep -q '^STRATA_BUILD_GUI:BOOL=ON' "$dir/CMakeCache.txt"; then
    cmake "$dir" -DSTRATA_BUILD_GUI=ON -DSTRATA_NODE_PEERS="$peers"
  elif [ "$peers" = ON ] && ! grep -q '^STRATA_NODE_PEERS:BOOL=ON' "$dir/CMakeCache.txt"; then
    cmake "$dir" -DSTRATA_NODE_PEERS=ON
  fi
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
}

# Sanitizer run-time options shared by scripts/test and scripts/fuzz. The suppression files hold
# third-party noise only, each entry with its reason.
strata_sanitizer_env() {
  local supp="$STRATA_ROOT/scripts/sanitizers"
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:suppressions=$supp/asan.supp${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export UBSAN_OPTIONS="suppressions=$supp/ubsan.supp:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  export TSAN_OPTIONS="suppressions=$supp/tsan.supp:halt_on_error=0:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
}
