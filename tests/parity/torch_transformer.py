#!/usr/bin/env python3
"""PyTorch 1.13 reference for the Transformer-family parity suite (test_transformer_parity.cpp).

Usage: torch_transformer.py DIR. DIR/manifest.json lists the cases the C++ side wrote: layer type,
resolved params and raw little-endian float32 tensors (inputs, parameters by state_dict key, and
the upstream gradient of every output). For each case this builds the PyTorch module, loads the
parameters by key, runs forward and backward (loss = sum over outputs of <output, upstream>) and
writes the fp32 rule's float64 reference and sensitivity (<case>.ref64.<what>.f64.bin and
.spread.bin, tests/common/fp32_rule.py) and, for context, PyTorch's float32 result as float64
values (<case>.ref32.<what>.bin), with what = out.<port> | grad.<input> | grad.<param key>.
All cases run in this one process (importing torch costs ~2 s).
"""
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import fp32_rule  # noqa: E402  (tests/common/fp32_rule.py)


def load(d, spec):
    a = np.fromfile(os.path.join(d, spec["file"]), dtype="<f4" if spec["dtype"] == "float32"
                    else "<i8")
    return a.reshape(spec["shape"])


def causal_mask(t, s):
    return torch.triu(torch.ones(t, s, dtype=torch.bool), diagonal=1)


def padding(mask):
    return None if mask is None else torch.from_numpy(mask != 0)


def build(case):
    p, layer = case["params"], case["layer"]
    if layer == "LayerNorm":
        return torch.nn.LayerNorm(p["normalized_shape"], eps=p["eps"])
    if layer == "MultiheadAttention":
        return torch.nn.MultiheadAttention(p["embed_dim"], p["num_heads"], dropout=0.0,
                                           bias=p["bias"], batch_first=True)
    if layer in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        cls = getattr(torch.nn, layer)
        return cls(p["d_model"], p["nhead"], dim_feedforward=p["dim_feedforward"], dropout=0.0,
                   activation=p["activation"], layer_norm_eps=p["layer_norm_eps"],
                   batch_first=True, norm_first=p["norm_first"])
    if layer == "PositionalEncoding":
        return None
    raise ValueError("unknown layer " + layer)


def sinusoids(max_len, d):
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    i2 = (np.arange(d) // 2 * 2).astype(np.float64)[None, :]
    angle = pos * np.exp(-math.log(10000.0) * i2 / d)
    pe = np.where(np.arange(d)[None, :] % 2 == 0, np.sin(angle), np.cos(angle))
    return torch.from_numpy(pe)


def forward(case, module, x, params, dtype):
    """Returns {output port: tensor}."""
    layer, p = case["layer"], case["params"]
    masks = {k: padding(v) for k, v in x.items() if not torch.is_tensor(v)}
    if layer == "LayerNorm":
        return {"out": module(x["in"])}
    if layer == "MultiheadAttention":
        q = x["query"]
        k = x.get("key", q)
        v = x.get("value", k)
        mask = causal_mask(q.shape[1], k.shape[1]) if p["causal"] else None
        out, w = module(q, k, v, key_padding_mask=masks.get("key_padding_mask"),
                        need_weights=True, attn_mask=mask)
        return {"out": out, "weights": w}
    if layer == "TransformerEncoderLayer":
        src = x["in"]
        mask = causal_mask(src.shape[1], src.shape[1]) if p["causal"] else None
        return {"out": module(src, src_mask=mask,
                              src_key_padding_mask=masks.get("src_key_padding_mask"))}
    if layer == "TransformerDecoderLayer":
        tgt = x["tgt"]
        mask = causal_mask(tgt.shape[1], tgt.shape[1]) if p["causal"] else None
        return {"out": module(tgt, x["memory"], tgt_mask=mask,
                              tgt_key_padding_mask=masks.get("tgt_key_padding_mask"),
                              memory_key_padding_mask=masks.get("memory_key_padding_mask"))}
    if layer == "PositionalEncoding":
        t = x["in"].shape[1]
        if p["kind"] == "learned":
            return {"out": x["in"] + params["weight"][:t]}
        return {"out": x["in"] + sinusoids(p["max_len"], x["in"].shape[2]).to(dtype)[:t]}
    raise ValueError(layer)


def evaluate(d, case, dtype, perturb):
    """Forward and backward of one case in dtype, every float input, parameter and upstream
    gradient passed through perturb; returns {what: tensor}, what = out.<port> | grad.<input> |
    grad.<param key>."""
    module = build(case)
    params = {}
    if module is not None:
        module = module.to(dtype)
        module.train()  # dropout is 0; grad mode keeps PyTorch off its inference fast paths
        state = {k: perturb(torch.from_numpy(load(d, s)).to(dtype))
                 for k, s in case.get("parameters", {}).items()}
        missing = set(module.state_dict().keys()) ^ set(state.keys())
        if missing:
            raise KeyError("%s: state_dict keys differ: %s" % (case["name"], sorted(missing)))
        module.load_state_dict(state, strict=True)
        params = dict(module.named_parameters())
    else:
        for k, s in case.get("parameters", {}).items():
            params[k] = perturb(torch.from_numpy(load(d, s)).to(dtype)).requires_grad_(True)
    x = {}
    for k, s in case["inputs"].items():
        a = load(d, s)
        if s.get("mask"):
            x[k] = a
        else:
            x[k] = perturb(torch.from_numpy(a).to(dtype)).requires_grad_(True)
    outs = forward(case, module, x, params, dtype)
    loss = 0
    for port, g in case["upstream"].items():
        loss = loss + (outs[port] * perturb(torch.from_numpy(load(d, g)).to(dtype))).sum()
    loss.backward()
    result = {}
    for port, t in outs.items():
        result["out." + port] = t.detach()
    for k, t in x.items():
        if torch.is_tensor(t):
            result["grad." + k] = t.grad if t.grad is not None else torch.zeros_like(t)
    for k, t in params.items():
        result["grad." + k] = t.grad if t.grad is not None else torch.zeros_like(t)
    return result


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    torch.manual_seed(0)
    result = {"torch": torch.__version__, "cases": {}}
    for case in manifest["cases"]:
        ref, spread = fp32_rule.reference(
            lambda p: evaluate(d, case, torch.float64, p), case["reduction"])
        for what in ref:
            fp32_rule.save(os.path.join(d, "%s.ref64.%s" % (case["name"], what)), ref[what],
                           spread[what])
        for what, t in evaluate(d, case, torch.float32, fp32_rule.Perturb()).items():
            t.detach().to(torch.float64).contiguous().numpy().astype("<f8").tofile(
                os.path.join(d, "%s.ref32.%s.bin" % (case["name"], what)))
        result["cases"][case["name"]] = sorted(ref)
    with open(os.path.join(d, "result.json"), "w") as f:
        json.dump(result, f)
    print("torch %s: %d cases" % (torch.__version__, len(manifest["cases"])))


if __name__ == "__main__":
    main()
