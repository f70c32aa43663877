"""PyTorch 1.13 reference for tests/parity/test_recurrent_parity.cpp.

Reads a JSON manifest of cases whose weights, inputs and upstream gradients were written as raw
float32 .bin files, runs nn.RNN/LSTM/GRU(batch_first=True) on each in float64, and writes the
outputs and every input and parameter gradient next to them as the fp32 rule's reference and
sensitivity, <prefix>ref.<what>.f64.bin and .spread.bin (tests/common/fp32_rule.py).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import fp32_rule  # noqa: E402  (tests/common/fp32_rule.py)


def load(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape).astype(np.float64))


def evaluate(c, perturb):
    """The case in float64 with every float input, weight and upstream gradient passed through
    perturb; returns {what: tensor} for the outputs and every gradient."""
    kind, prefix = c["kind"], c["prefix"]
    inp, hid, layers = c["input_size"], c["hidden_size"], c["num_layers"]
    bi, batch, seq = c["bidirectional"], c["batch"], c["seq"]
    kw = dict(num_layers=layers, bias=c["bias"], batch_first=True, bidirectional=bi)
    if kind.startswith("rnn_"):
        module = torch.nn.RNN(inp, hid, nonlinearity=kind[4:], **kw)
    elif kind == "lstm":
        module = torch.nn.LSTM(inp, hid, **kw)
    else:
        module = torch.nn.GRU(inp, hid, **kw)
    module = module.double()
    state = {}
    for name in c["params"]:
        state[name] = perturb(load(prefix + name + ".bin", getattr(module, name).shape))
    module.load_state_dict(state, strict=True)

    dirs = 2 if bi else 1
    sshape = (layers * dirs, batch, hid)
    x = perturb(load(prefix + "x.bin", (batch, seq, inp))).requires_grad_()
    h0 = c0 = None
    if c["with_state"]:
        h0 = perturb(load(prefix + "h0.bin", sshape)).requires_grad_()
        if kind == "lstm":
            c0 = perturb(load(prefix + "c0.bin", sshape)).requires_grad_()
    if kind == "lstm":
        out, (h_n, c_n) = module(x, (h0, c0) if h0 is not None else None)
    else:
        out, h_n = module(x, h0)
        c_n = None
    loss = (out * perturb(load(prefix + "g_out.bin", out.shape))).sum()
    loss = loss + (h_n * perturb(load(prefix + "g_h_n.bin", sshape))).sum()
    if c_n is not None:
        loss = loss + (c_n * perturb(load(prefix + "g_c_n.bin", sshape))).sum()
    loss.backward()

    result = {"out": out, "h_n": h_n, "d_x": x.grad}
    if c_n is not None:
        result["c_n"] = c_n
    if h0 is not None:
        result["d_h0"] = h0.grad
    if c0 is not None:
        result["d_c0"] = c0.grad
    for name in c["params"]:
        result["d_" + name] = getattr(module, name).grad
    return result


def run_case(c):
    ref, spread = fp32_rule.reference(lambda p: evaluate(c, p), c["reduction"])
    for what in ref:
        fp32_rule.save(c["prefix"] + "ref." + what, ref[what], spread[what])


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    for c in cases:
        run_case(c)
    print("torch_recurrent: %d cases" % len(cases))


if __name__ == "__main__":
    main()
