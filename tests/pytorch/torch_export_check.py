"""Checks files written by `strata-cli export --pytorch` against Strata's own forward and loss.

Usage: torch_export_check.py MANIFEST.json. The manifest lists cases, each with the exported .py
file, a Strata safetensors checkpoint, the inputs (.npy, by Input node id, in forward order), the
Strata outputs (.npy, in forward's return order), and optionally Strata's prediction and a target
(.npy) with Strata's loss. For every case this prints one line:
  RESULT <name> OK <max abs diff> <max rel diff> <loss rel diff or -1>
  RESULT <name> FAIL <reason>
The relative metric is design.md's: max over elements of |a - b| / (|b| + 1e-3), b = PyTorch.
The safetensors file is parsed by hand (8-byte little-endian header length, JSON header, raw
little-endian data): there is no safetensors package here.
"""
import json
import py_compile
import struct
import sys
import traceback

import numpy as np
import torch

torch.set_num_threads(1)

DTYPES = {"F32": (np.float32, torch.float32), "I64": (np.int64, torch.int64),
          "F64": (np.float64, torch.float64), "I32": (np.int32, torch.int32)}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        np_type, _ = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        arr = np.frombuffer(body[begin:end], dtype=np.dtype(np_type).newbyteorder("<"))
        out[key] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out


def compare(a, b):
    """a: Strata, b: PyTorch. Returns (max abs, max rel)."""
    a = a.detach().to(torch.float64)
    b = b.detach().to(torch.float64)
    if a.shape != b.shape:
        raise AssertionError(f"shape {tuple(a.shape)} (Strata) vs {tuple(b.shape)} (PyTorch)")
    if a.numel() == 0:
        return 0.0, 0.0
    d = (a - b).abs()
    if torch.isnan(d).any():
        return float("inf"), float("inf")
    return d.max().item(), (d / (b.abs() + 1e-3)).max().item()


def check(case):
    py_compile.compile(case["py"], doraise=True)
    with open(case["py"], encoding="utf-8") as f:
        source = f.read()
    namespace = {"__name__": "strata_export_" + case["name"]}
    exec(compile(source, case["py"], "exec"), namespace)
    model = namespace["Model"]()
    weights = load_safetensors(case["weights"])
    model.load_state_dict(weights, strict=True)
    # The state_dict holds exactly the checkpoint's keys (no buffers sneak in).
    keys = set(model.state_dict().keys())
    if keys != set(weights.keys()):
        raise AssertionError(f"state_dict keys {sorted(keys)} != checkpoint {sorted(weights)}")
    model.eval()
    inputs = [torch.from_numpy(np.load(p)) for p in case["inputs"]]
    with torch.no_grad():
        result = model(*inputs)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != len(case["outputs"]):
        raise AssertionError(f"forward returned {len(result)} tensors, Strata {len(case['outputs'])}")
    max_abs = max_rel = 0.0
    for path, got in zip(case["outputs"], result):
        a, r = compare(torch.from_numpy(np.load(path)), got)
        max_abs, max_rel = max(max_abs, a), max(max_rel, r)
    loss_rel = -1.0
    if "target" in case:
        # Strata's own prediction goes in, so this checks loss() alone.
        prediction = torch.from_numpy(np.load(case["prediction"]))
        target = torch.from_numpy(np.load(case["target"]))
        with torch.no_grad():
            loss = model.loss(prediction, target)
        _, loss_rel = compare(torch.tensor(case["loss"]), loss)
    return max_abs, max_rel, loss_rel


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        try:
            a, r, l = check(case)
            print(f"RESULT {case['name']} OK {a:.3e} {r:.3e} {l:.3e}", flush=True)
        except Exception as e:  # one failing case must not hide the others
            msg = (traceback.format_exception_only(type(e), e)[-1].strip()).replace("\n", " ")
            print(f"RESULT {case['name']} FAIL {msg}", flush=True)


if __name__ == "__main__":
    main()
