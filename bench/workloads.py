"""The reference workloads W1-W5 as PyTorch 1.13 modules, for the benchmark peer run.

Each entry mirrors the Strata graph of the same name in bench/: same sizes, Adam, batch-first.
"""
import torch
import torch.nn as nn


class SeqRegressor(nn.Module):
    """W1/W2: recurrent stack then a per-step Linear, MSE against a [B, T, out] target."""

    def __init__(self, cell, inp, hidden, layers, out):
        super().__init__()
        self.rnn = cell(inp, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, out)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y)


class CharLSTM(nn.Module):
    """W3: Embedding -> LSTM -> Linear over the vocabulary."""

    def __init__(self, vocab=96, emb=64, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x):
        y, _ = self.lstm(self.emb(x))
        return self.fc(y)


class TinyEncoder(nn.Module):
    """W4: Embedding + sinusoidal positions -> 2 encoder layers -> Linear over the vocabulary."""

    def __init__(self, vocab=96, d=128, heads=4, ff=512, layers=2, seq=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        pos = torch.arange(seq).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-torch.log(torch.tensor(10000.0)) / d))
        pe = torch.zeros(seq, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True)
            for _ in range(layers))
        self.fc = nn.Linear(d, vocab)

    def forward(self, x):
        h = self.emb(x) + self.pe[: x.shape[1]]
        for layer in self.layers:
            h = layer(h)
        return self.fc(h)


class LastStepRNN(nn.Module):
    """W5: a small tanh RNN over a scalar series, last step -> Linear(1)."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(1, 32, batch_first=True)
        self.fc = nn.Linear(32, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y[:, -1])


def make(name):
    """Returns (model, inputs, targets, loss_fn) for a workload name."""
    g = torch.Generator().manual_seed(0)
    mse, ce = nn.MSELoss(), nn.CrossEntropyLoss()
    if name in ("W1", "W2"):
        cell = nn.LSTM if name == "W1" else nn.GRU
        x, y = torch.randn(32, 64, 64, generator=g), torch.randn(32, 64, 64, generator=g)
        return SeqRegressor(cell, 64, 256, 2, 64), x, y, mse
    if name == "W3":
        x = torch.randint(0, 96, (32, 128), generator=g)
        y = torch.randint(0, 96, (32, 128), generator=g)
        return CharLSTM(), x, y, lambda out, t: ce(out.reshape(-1, 96), t.reshape(-1))
    if name == "W4":
        x = torch.randint(0, 96, (32, 64), generator=g)
        y = torch.randint(0, 96, (32, 64), generator=g)
        return TinyEncoder(), x, y, lambda out, t: ce(out.reshape(-1, 96), t.reshape(-1))
    if name == "W5":
        x, y = torch.randn(16, 50, 1, generator=g), torch.randn(16, 1, generator=g)
        return LastStepRNN(), x, y, mse
    raise ValueError(name)
