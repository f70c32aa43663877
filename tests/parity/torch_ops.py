#!/usr/bin/env python3
"""PyTorch 1.13 reference for the engine's ops (tests/parity/test_ops_parity.cpp).

Usage: torch_ops.py DIR. Reads DIR/manifest.json, written by the C++ test: a list of cases, each
with an op name, op params, input .bin files (raw little-endian float32/int64, C order) and an
upstream gradient for the op's output. For each case it writes the forward output and the
gradient of every float input (via torch.autograd with that upstream gradient) as the fp32 rule's
float64 reference and sensitivity (<case>.out.f64.bin / .spread.bin, <case>.grad<i>.f64.bin /
.spread.bin; tests/common/fp32_rule.py), and PyTorch's own float32 result as <case>.out.bin /
<case>.grad<i>.bin for the report. One process serves all cases: importing torch costs ~2 s.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import fp32_rule  # noqa: E402  (tests/common/fp32_rule.py)

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


def evaluate(d, case, dtype, perturb):
    """Forward and backward of one case in dtype; returns {"out": y, "grad<i>": dx_i}."""
    xs = []
    for spec in case["inputs"]:
        t = load(d, spec)
        if spec["dtype"] == "float32":
            t = perturb(t.to(dtype))
            if spec.get("grad", True):
                t.requires_grad_(True)
        xs.append(t)
    y = forward(case["op"], case["params"], xs)
    result = {"out": y.detach()}
    g = perturb(load(d, case["gradOut"]).to(dtype))
    if y.requires_grad:
        y.backward(g.reshape(y.shape))
    for i, t in enumerate(xs):
        if t.requires_grad:
            result[f"grad{i}"] = t.grad if t.grad is not None else torch.zeros_like(t)
    return result


def run_case(d, case):
    # PyTorch in float32, for context in the report; the asserted reference is float64.
    for what, v in evaluate(d, case, torch.float32, fp32_rule.Perturb()).items():
        v.detach().numpy().astype("<f4").tofile(os.path.join(d, f"{case['name']}.{what}.bin"))
    ref, spread = fp32_rule.reference(lambda p: evaluate(d, case, torch.float64, p),
                                      case["reduction"])
    for what in ref:
        fp32_rule.save(os.path.join(d, f"{case['name']}.{what}"), ref[what], spread[what])


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    for case in manifest["cases"]:
        run_case(d, case)
    print(f"torch_ops.py: {len(manifest['cases'])} cases, torch {torch.__version__}")


if __name__ == "__main__":
    main()
