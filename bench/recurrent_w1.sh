#!/usr/bin/env bash
# W1 recurrent benchmark: the strata::recurrent op alone vs torch.nn.LSTM (forward + backward of
# LSTM 2x256, input 64, seq 64, batch 32), then the whole W1 training step (LSTM, Linear 64, MSE,
# Adam) through strata-cli bench vs bench/torch_peer.py. Both sides use 2 threads.
# Usage: bench/recurrent_w1.sh [BUILD_DIR] [STEPS]   (BUILD_DIR has strata_engine and strata-cli)
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$SRC/build}"
STEPS="${2:-10}"
PY=/usr/bin/python3
export OMP_NUM_THREADS=2
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cuda_libs=()  # the engine library of a build with the CUDA backend needs the CUDA libraries
if grep -q 'STRATA_HAVE_CUDA' "$BUILD/build.ninja" "$BUILD/Makefile" 2>/dev/null; then
  cuda_libs=(-L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 -lcudart -lcublas
             -lcublasLt -lcudnn)
fi
g++ -std=c++20 -O2 -fopenmp -I"$SRC/engine" "$SRC/bench/recurrent_op_bench.cpp" \
  "$BUILD/engine/libstrata_engine.a" -ldnnl -lonnx -lonnx_proto -lprotobuf "${cuda_libs[@]}" \
  -o "$WORK/recurrent_op_bench"
echo "recurrent implementation: ${STRATA_RECURRENT_IMPL:-gemm}" \
  "(STRATA_RECURRENT_IMPL=onednn: oneDNN's RNN primitives)"

echo "== op only: LSTM 2x256, B=32 T=64 I=64, forward+backward, median of $STEPS =="
"$WORK/recurrent_op_bench" lstm 32 64 64 256 2 "$STEPS"
"$PY" - "$STEPS" <<'PYEOF'
import sys, time, torch
torch.set_num_threads(2)
torch.manual_seed(0)
steps = int(sys.argv[1])
m = torch.nn.LSTM(64, 256, num_layers=2, batch_first=True)
x = torch.randn(32, 64, 64)
ms = []
for s in range(steps + 2):
    m.zero_grad(set_to_none=True)
    t0 = time.perf_counter()
    y, _ = m(x)
    y.mean().backward()
    if s >= 2:
        ms.append((time.perf_counter() - t0) * 1e3)
ms.sort()
med = ms[len(ms) // 2]
print("torch_op lstm median_ms %.2f min_ms %.2f steps_per_s %.3f" % (med, ms[0], 1e3 / med))
PYEOF

echo "== full W1 training step (LSTM 2x256 -> Linear 64 -> MSE, Adam) =="
"$PY" - "$WORK" <<'PYEOF'
import json, sys
import numpy as np
work = sys.argv[1]
rng = np.random.default_rng(0)
np.save(work + "/x.npy", rng.standard_normal((256, 64, 64)).astype(np.float32))
np.save(work + "/y.npy", rng.standard_normal((256, 64, 64)).astype(np.float32))
graph = {
    "format": "strata-graph", "version": 1,
    "nodes": [
        {"id": "x", "type": "Input", "params": {"shape": [64, 64], "dtype": "float32"},
         "pos": [0, 0]},
        {"id": "lstm", "type": "LSTM", "params": {"hidden_size": 256, "num_layers": 2},
         "pos": [200, 0]},
        {"id": "fc", "type": "Linear", "params": {"out_features": 64}, "pos": [400, 0]},
        {"id": "loss", "type": "MSELoss", "params": {}, "pos": [600, 0]},
        {"id": "y", "type": "Output", "params": {}, "pos": [600, 100]},
    ],
    "edges": [
        {"from": "x.out", "to": "lstm.in"}, {"from": "lstm.out", "to": "fc.in"},
        {"from": "fc.out", "to": "loss.input"}, {"from": "fc.out", "to": "y.in"},
    ],
    "training": {"batch": 32, "data": "npy:%s/x.npy,%s/y.npy" % (work, work), "epochs": 1,
                 "lr": 0.001, "optimizer": "adam"},
}
json.dump(graph, open(work + "/w1.strata", "w"))
PYEOF
"$BUILD/app/cli/strata-cli" bench "$WORK/w1.strata" --steps "$STEPS" | sed 's/^/strata_w1 /'
(cd "$SRC/bench" && "$PY" torch_peer.py W1 --steps "$STEPS" --threads 2 | sed 's/^/torch_w1 /')
