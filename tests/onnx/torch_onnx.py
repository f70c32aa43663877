# Makes PyTorch 1.13 ONNX exports (opset 17) for the import tests: for each case, OUT/<name>.onnx,
# OUT/<name>.in.bin (float32 or int64 input, shape in the manifest) and the fp32 rule's float64
# reference and sensitivity of the module's output, OUT/<name>.ref.f64.bin / .spread.bin
# (tests/common/fp32_rule.py); prints a JSON manifest (with each case's K as "reduction").
import copy
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import fp32_rule  # noqa: E402  (tests/common/fp32_rule.py)

torch.manual_seed(0)
out = sys.argv[1]
B, T = 3, 5


class Seq(torch.nn.Module):
    def __init__(self, m, first=True):
        super().__init__()
        self.m, self.first = m, first

    def forward(self, x):
        y = self.m(x)
        return y[0] if self.first else y


class Gelu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 4)

    def forward(self, x):
        return torch.nn.functional.gelu(self.fc(x))


cases = {
    "lstm_bi2": (Seq(torch.nn.LSTM(6, 4, num_layers=2, batch_first=True, bidirectional=True)),
                 "float", [B, T, 6]),
    "lstm_uni": (Seq(torch.nn.LSTM(6, 5, batch_first=True)), "float", [B, T, 6]),
    "gru_bi": (Seq(torch.nn.GRU(6, 4, batch_first=True, bidirectional=True)), "float", [B, T, 6]),
    "gru_2": (Seq(torch.nn.GRU(6, 4, num_layers=2, batch_first=True)), "float", [B, T, 6]),
    "rnn_relu": (Seq(torch.nn.RNN(6, 4, nonlinearity="relu", batch_first=True)), "float",
                 [B, T, 6]),
    "rnn_tanh_bi": (Seq(torch.nn.RNN(6, 3, batch_first=True, bidirectional=True)), "float",
                    [B, T, 6]),
    "linear_2d": (torch.nn.Linear(6, 3), "float", [B, 6]),
    "linear_3d": (torch.nn.Linear(6, 3), "float", [B, T, 6]),
    "linear_nobias": (torch.nn.Linear(6, 3, bias=False), "float", [B, T, 6]),
    "embedding": (torch.nn.Embedding(11, 4), "int64", [B, T]),
    "layernorm": (torch.nn.LayerNorm(6), "float", [B, T, 6]),
    "gelu_mlp": (Gelu(), "float", [B, T, 6]),
    "encoder": (torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), "float",
                [B, T, 8]),
    "encoder_gelu_nf": (torch.nn.TransformerEncoderLayer(8, 4, 12, dropout=0.0, batch_first=True,
                                                         activation="gelu", norm_first=True),
                        "float", [B, T, 8]),
    "mlp": (torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2),
                                torch.nn.Sigmoid()), "float", [B, 6]),
}
manifest = []
for name, (m, dtype, shape) in cases.items():
    m.eval()
    x = torch.randint(0, 11, shape) if dtype == "int64" else torch.randn(*shape)
    dyn = {0: "batch"}
    if len(shape) == 3 or dtype == "int64":
        dyn[1] = "seq"
    path = f"{out}/{name}.onnx"
    torch.onnx.export(m, (x,), path, opset_version=17, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": dyn, "y": {0: "batch"}})
    m64 = copy.deepcopy(m).double().eval()
    state = {k: v.double() for k, v in m.state_dict().items()}

    def evaluate(perturb):
        m64.load_state_dict({k: perturb(v) for k, v in state.items()})
        with torch.no_grad():
            return {"y": m64(perturb(x.double()) if dtype == "float" else x)}

    k = fp32_rule.reduction(list(state.values()) + [x])
    ref, spread = fp32_rule.reference(evaluate, k)
    x.numpy().tofile(f"{out}/{name}.in.bin")
    fp32_rule.save(f"{out}/{name}.ref", ref["y"], spread["y"])
    manifest.append({"name": name, "dtype": dtype, "shape": shape,
                     "out_shape": list(ref["y"].shape), "reduction": k})
print(json.dumps(manifest))
