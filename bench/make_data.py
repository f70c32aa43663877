#!/usr/bin/python3
"""Writes the benchmark inputs bench/data/w1-x.npy and w1-y.npy (float32 [64, 64, 64]: 64 samples
of 64 steps x 64 features; random values, as in workloads.py). W1 and W2 read them; W3 reads
samples/data/corpus.txt and W5 the built-in sine series. Deterministic; skips files that exist."""
import os

import numpy as np

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(here, exist_ok=True)
rng = np.random.default_rng(0)
for name in ("w1-x.npy", "w1-y.npy"):
    path = os.path.join(here, name)
    if not os.path.exists(path):
        np.save(path, rng.standard_normal((64, 64, 64)).astype(np.float32))
