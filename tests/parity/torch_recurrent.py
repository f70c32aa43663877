"""PyTorch 1.13 reference for tests/parity/test_recurrent_parity.cpp.

Reads a JSON manifest of cases whose weights, inputs and upstream gradients were written as raw
float32 .bin files, runs nn.RNN/LSTM/GRU(batch_first=True) on each, and writes the outputs and
every input and parameter gradient next to them as <prefix>ref.<what>.bin.
"""
import json
import sys

import numpy as np
import torch


def load(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape).copy())


def save(prefix, what, tensor):
    tensor.detach().contiguous().numpy().astype("<f4").tofile(prefix + "ref." + what + ".bin")


def run_case(c):
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
    state = {}
    for name in c["params"]:
        state[name] = load(prefix + name + ".bin", getattr(module, name).shape)
    module.load_state_dict(state, strict=True)

    dirs = 2 if bi else 1
    sshape = (layers * dirs, batch, hid)
    x = load(prefix + "x.bin", (batch, seq, inp)).requires_grad_()
    h0 = c0 = None
    if c["with_state"]:
        h0 = load(prefix + "h0.bin", sshape).requires_grad_()
        if kind == "lstm":
            c0 = load(prefix + "c0.bin", sshape).requires_grad_()
    if kind == "lstm":
        out, (h_n, c_n) = module(x, (h0, c0) if h0 is not None else None)
    else:
        out, h_n = module(x, h0)
        c_n = None
    loss = (out * load(prefix + "g_out.bin", out.shape)).sum()
    loss = loss + (h_n * load(prefix + "g_h_n.bin", sshape)).sum()
    if c_n is not None:
        loss = loss + (c_n * load(prefix + "g_c_n.bin", sshape)).sum()
    loss.backward()

    save(prefix, "out", out)
    save(prefix, "h_n", h_n)
    if c_n is not None:
        save(prefix, "c_n", c_n)
    save(prefix, "d_x", x.grad)
    if h0 is not None:
        save(prefix, "d_h0", h0.grad)
    if c0 is not None:
        save(prefix, "d_c0", c0.grad)
    for name in c["params"]:
        save(prefix, "d_" + name, getattr(module, name).grad)


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
