"""Checks files written by `strata-cli export --pytorch` against Strata's own forward and loss.

Usage: torch_export_check.py MANIFEST.json. The manifest lists cases, each with the exported .py
file, a Strata safetensors checkpoint, the inputs (.npy, by Input node id, in forward order), the
Strata outputs (.npy, in forward's return order), and optionally Strata's prediction and a target
(.npy) with Strata's loss. The module runs in float64 on the checkpoint's values; the fp32 rule's
reference and sensitivity (tests/common/fp32_rule.py) of every output (<stem>.out<i>) and of the
loss (<stem>.loss) are written for the C++ test to judge Strata's values by. For every case this
prints one line:
  RESULT <name> OK <K>
  RESULT <name> FAIL <reason>
The safetensors file is parsed by hand (8-byte little-endian header length, JSON header, raw
little-endian data): there is no safetensors package here.
"""
import json
import os
import py_compile
import struct
import sys
import traceback

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import fp32_rule  # noqa: E402  (tests/common/fp32_rule.py)

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
    model = model.double().eval()
    inputs = [torch.from_numpy(np.load(p)) for p in case["inputs"]]

    def evaluate(perturb):
        """The module in float64 on perturbed weights and inputs (the fp32 rule's reference)."""
        model.load_state_dict({k: perturb(v.double()) for k, v in weights.items()})
        xs = [perturb(x.double()) if torch.is_floating_point(x) else x for x in inputs]
        with torch.no_grad():
            result = model(*xs)
        if not isinstance(result, tuple):
            result = (result,)
        if len(result) != len(case["outputs"]):
            raise AssertionError(
                f"forward returned {len(result)} tensors, Strata {len(case['outputs'])}")
        values = {f"out{i}": r for i, r in enumerate(result)}
        if "target" in case:
            # Strata's own prediction goes in, so this checks loss() alone.
            prediction = perturb(torch.from_numpy(np.load(case["prediction"])).double())
            target = torch.from_numpy(np.load(case["target"]))
            if torch.is_floating_point(target):
                target = perturb(target.double())
            with torch.no_grad():
                values["loss"] = model.loss(prediction, target)
        return values

    k = fp32_rule.reduction(list(weights.values()) + inputs)
    ref, spread = fp32_rule.reference(evaluate, k)
    for i, path in enumerate(case["outputs"]):
        shape = np.load(path).shape
        if tuple(shape) != ref[f"out{i}"].shape:
            raise AssertionError(f"out{i}: shape {shape} (Strata) vs {ref[f'out{i}'].shape}")
    for what in ref:
        fp32_rule.save(f"{case['stem']}.{what}", ref[what], spread[what])
    return k


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        try:
            k = check(case)
            print(f"RESULT {case['name']} OK {k}", flush=True)
        except Exception as e:  # one failing case must not hide the others
            msg = (traceback.format_exception_only(type(e), e)[-1].strip()).replace("\n", " ")
            print(f"RESULT {case['name']} FAIL {msg}", flush=True)


if __name__ == "__main__":
    main()
