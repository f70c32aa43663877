#!/usr/bin/env bash
# Shared set-up for scripts/run and scripts/test: installs the Debian packages Strata needs (only
# those missing), then configures and builds a Release tree in ./build (ccache when present).
# Sourced, not run: the caller gets STRATA_ROOT and STRATA_BUILD.
set -euo pipefail

STRATA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STRATA_BUILD="${STRATA_BUILD:-$STRATA_ROOT/build}"

STRATA_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev fonts-dejavu-core
  libdnnl-dev ocl-icd-opencl-dev opencl-c-headers
  libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev libgtest-dev
  python3-torch python3-onnx python3-numpy
  jupyter-nbconvert python3-ipykernel python3-nbformat python3-matplotlib
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
