"""Strata's fp32 parity rule (docs/numerics.md), reference side.

A reference is computed in float64 from the same float32 data the engine saw. Its sensitivity is
measured by RUNS more float64 evaluations in which every float input, weight and upstream gradient
is multiplied by (1 + eps * xi), xi = +-1 drawn from a seeded generator and eps = sqrt(K) * u: the
relative backward error a correct fp32 kernel makes in a sum of K terms, in any summation order.
The largest deviation per element is its sensitivity; tests/common/fp32_rule.h bounds the
engine's error by 4 * (sensitivity + sqrt(K) * u * (|r| + rms(r))).
"""
import math

import numpy as np
import torch

U = 2.0 ** -24
MIN_REDUCTION = 16  # as kMinReduction in fp32_rule.h
RUNS = 3


def epsilon(k):
    return math.sqrt(max(int(k), MIN_REDUCTION)) * U


class Perturb:
    """Callable applied to each float tensor a reference run reads: identity for the base run,
    a seeded relative +-eps perturbation otherwise. Tensors keep their dtype and requires_grad
    status is left to the caller (call it before requires_grad_)."""

    def __init__(self, eps=0.0, seed=0):
        self.eps = eps
        self.gen = torch.Generator().manual_seed(seed)

    def __call__(self, t):
        if self.eps == 0 or not torch.is_floating_point(t):
            return t
        sign = torch.randint(0, 2, t.shape, generator=self.gen).to(t.dtype) * 2 - 1
        return t * (1 + self.eps * sign)


def reduction(tensors):
    """K where a suite does not count its sums one by one (as fp32_rule.h's longestSum): the
    longest dimension of any weight or input, or the rows (all but the last dimension) of one,
    which weight gradients, pooling and mean losses sum over."""
    k = 1
    for t in tensors:
        if t.dim() == 0:
            continue
        k = max(k, max(t.shape), t.numel() // max(t.shape[-1], 1))
    return k


def _as_f64(v):
    if isinstance(v, torch.Tensor):
        v = v.detach().to(torch.float64).contiguous().numpy()
    return np.asarray(v, dtype=np.float64)


def reference(run, k, seed=0):
    """run(perturb) evaluates the computation in float64 and returns {name: tensor}; returns
    ({name: float64 array}, {name: sensitivity array}) over the same names."""
    ref = {name: _as_f64(v) for name, v in run(Perturb()).items()}
    spread = {name: np.zeros_like(v) for name, v in ref.items()}
    for r in range(RUNS):
        out = run(Perturb(epsilon(k), seed * 1000 + r + 1))
        for name, v in out.items():
            d = np.abs(_as_f64(v) - ref[name])
            spread[name] = np.fmax(spread[name], np.nan_to_num(d, nan=0.0, posinf=0.0))
    return ref, spread


def save(stem, ref, spread):
    """Writes <stem>.f64.bin and <stem>.spread.bin (little-endian float64, C order)."""
    ref.astype("<f8").tofile(stem + ".f64.bin")
    spread.astype("<f8").tofile(stem + ".spread.bin")
