#!/usr/bin/env python3
"""PyTorch 1.13 reference for the engine's ops (tests/parity/test_ops_parity.cpp).

Usage: torch_ops.py DIR. Reads DIR/manifest.json, written by the C++ test: a list of cases, each
with an op name, op params, input .bin files (raw little-endian float32/int64, C order) and an
upstream gradient for the op's output. For each case it writes <case>.out.bin (the forward
output) and <case>.grad<i>.bin (the gradient of float input i, via torch.autograd with that
upstream gradient), float32 as computed by PyTorch in float32; and the same computed in float64
as <case>.out.f64.bin / <case>.grad<i>.f64.bin (float64 files), which the test uses to tell
fp32 rounding noise near zero from real mismatches. One process serves all cases: importing
torch costs about 2 s.
"""
import json
import os
import sys

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the C++ test turns this into a failure with the message
    print(f"torch_ops.py: cannot import torch with {sys.executable}: {e}", file=sys.stderr)
    sys.exit(3)

DTYPES = {"float32": np.float32, "int64": np.int64}


def load(d, spec):
    arr = np.fromfile(os.path.join(d, spec["file"]), dtype=DTYPES[spec["dtype"]])
    return torch.from_numpy(arr.reshape(spec["shape"]).copy())


def pool(x, mode):
    if mode == "last":
        return x[:, -1, :]
    if mode == "mean":
        return x.mean(dim=1)
    return x.max(dim=1).values


def forward(op, p, xs):
    if op == "matmul":
        a, b = xs
        if p["transA"]:
            a = a.transpose(-1, -2)
        if p["transB"]:
            b = b.transpose(-1, -2)
        return torch.matmul(a, b)
    if op == "linear":
        return F.linear(xs[0], xs[1], xs[2] if len(xs) > 2 else None)
    if op == "relu":
        return torch.relu(xs[0])
    if op == "gelu":
        return F.gelu(xs[0], approximate="tanh" if p["tanh"] else "none")
    if op == "tanh":
        return torch.tanh(xs[0])
    if op == "sigmoid":
        return torch.sigmoid(xs[0])
    if op == "add":
        return xs[0] + xs[1]
    if op == "mul":
        return xs[0] * xs[1]
    if op == "scale":
        return xs[0] * p["s"]
    if op == "softmax":
        return torch.softmax(xs[0], dim=p["dim"])
    if op == "logSoftmax":
        return torch.log_softmax(xs[0], dim=p["dim"])
    if op in ("sum", "mean"):
        f = torch.sum if op == "sum" else torch.mean
        return f(xs[0]) if p.get("dim") is None else f(xs[0], dim=p["dim"], keepdim=p["keepDim"])
    if op == "embedding":
        return F.embedding(xs[0], xs[1])
    if op == "slice":
        return xs[0].narrow(p["dim"], p["start"], p["end"] - p["start"])
    if op == "concat":
        return torch.cat(xs, dim=p["dim"])
    if op == "transpose":
        return xs[0].transpose(p["dim0"], p["dim1"]).contiguous()
    if op == "dropout":  # the mask comes from the C++ side (the engine's seeded Rng)
        x, mask = xs
        if not p["training"] or p["p"] == 0:
            return x
        return x * mask / (1 - p["p"]) if p["p"] < 1 else x * 0
    if op == "sequencePool":
        return pool(xs[0], p["mode"])
    if op == "mseLoss":
        return F.mse_loss(xs[0], xs[1].reshape(xs[0].shape))
    if op == "crossEntropy":
        logits, target = xs
        c = logits.shape[-1]
        return F.cross_entropy(logits.reshape(-1, c), target.reshape(-1),
                               ignore_index=p["ignoreIndex"])
    raise ValueError(f"unknown op {op}")


def run_case(d, case, dtype, suffix):
    xs = []
    for spec in case["inputs"]:
        t = load(d, spec)
        if spec["dtype"] == "float32":
            t = t.to(dtype)
            if spec.get("grad", True):
                t.requires_grad_(True)
        xs.append(t)
    y = forward(case["op"], case["params"], xs)
    out_type = np.float32 if dtype == torch.float32 else np.float64
    y.detach().numpy().astype(out_type).tofile(os.path.join(d, case["name"] + suffix))
    g = load(d, case["gradOut"]).to(dtype)
    if y.requires_grad:
        y.backward(g.reshape(y.shape))
    for i, t in enumerate(xs):
        if t.requires_grad:
            grad = t.grad if t.grad is not None else torch.zeros_like(t)
            name = f"{case['name']}.grad{i}" + suffix[len(".out"):]
            grad.numpy().astype(out_type).tofile(os.path.join(d, name))


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    for case in manifest["cases"]:
        run_case(d, case, torch.float32, ".out.bin")
        run_case(d, case, torch.float64, ".out.f64.bin")
    print(f"torch_ops.py: {len(manifest['cases'])} cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
