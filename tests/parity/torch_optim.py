#!/usr/bin/env python3
"""Reference for test_optim_parity.cpp: runs torch.optim on the parameters and gradient sequence the
C++ test wrote and writes the parameters after every step.

Usage: torch_optim.py DIR. DIR/cases.json lists the cases; for each case NAME it reads
DIR/NAME.params.bin (float32, all parameters concatenated) and DIR/NAME.grads.bin (float32,
steps x all parameters) and writes the parameters after every step (steps x all parameters) in
float64 as the fp32 rule's reference and sensitivity, DIR/NAME.torch.f64.bin and .spread.bin
(tests/common/fp32_rule.py)."""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import fp32_rule  # noqa: E402  (tests/common/fp32_rule.py)


def evaluate(case, flat, grads, perturb):
    """Runs the optimizer in float64 from perturbed parameters and gradients; returns
    {"params": [steps, all parameters]}."""
    shapes = case["shapes"]
    sizes = [int(np.prod(s)) if s else 1 for s in shapes]
    params, off = [], 0
    for shape, n in zip(shapes, sizes):
        t = torch.from_numpy(flat[off:off + n].astype(np.float64)).reshape(shape)
        params.append(torch.nn.Parameter(perturb(t)))
        off += n
    kind = case["optimizer"]
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=case["lr"], momentum=case["momentum"],
                              nesterov=case["nesterov"], weight_decay=case["weight_decay"])
    elif kind == "adam":
        opt = torch.optim.Adam(params, lr=case["lr"], betas=tuple(case["betas"]), eps=case["eps"],
                               weight_decay=case["weight_decay"])
    elif kind == "adamw":
        opt = torch.optim.AdamW(params, lr=case["lr"], betas=tuple(case["betas"]),
                                eps=case["eps"], weight_decay=case["weight_decay"])
    else:
        raise SystemExit(f"unknown optimizer {kind}")
    out = np.zeros((case["steps"], sum(sizes)), dtype=np.float64)
    for step in range(case["steps"]):
        opt.zero_grad()
        off = 0
        for p, n in zip(params, sizes):
            g = torch.from_numpy(grads[step, off:off + n].astype(np.float64)).reshape(p.shape)
            p.grad = perturb(g)
            off += n
        if case.get("clip", 0) > 0:
            torch.nn.utils.clip_grad_norm_(params, case["clip"])
        opt.step()
        out[step] = np.concatenate([p.detach().numpy().reshape(-1) for p in params])
    return {"params": out}


def run_case(d, case):
    total = sum(int(np.prod(s)) if s else 1 for s in case["shapes"])
    flat = np.fromfile(f"{d}/{case['name']}.params.bin", dtype="<f4")
    grads = np.fromfile(f"{d}/{case['name']}.grads.bin", dtype="<f4").reshape(case["steps"], total)
    ref, spread = fp32_rule.reference(lambda p: evaluate(case, flat, grads, p), total)
    fp32_rule.save(f"{d}/{case['name']}.torch", ref["params"], spread["params"])


def main():
    d = sys.argv[1]
    with open(f"{d}/cases.json") as f:
        cases = json.load(f)
    for case in cases:
        run_case(d, case)
    print(f"torch {torch.__version__}: {len(cases)} cases")


if __name__ == "__main__":
    main()
