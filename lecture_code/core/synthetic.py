"""Tiny synthetic data sets, as numpy arrays (no torch needed).

Each returns a :class:`Dataset` ``(X, y)``: ``X`` is ``(n, d)`` float64, ``y`` is ``(n,)``
int64 class labels or float64 regression targets. :mod:`lecture_code.core.models` turns them
into torch tensors where a torch model needs them::

    from lecture_code.core.synthetic import spirals
    data = spirals(n=200, seed=0)          # Dataset(X (200, 2), y (200,) in {0, 1})
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lecture_code.core.validate import check_int

__all__ = ["Dataset", "regression_data", "spirals", "xor_data", "blobs"]


class Dataset(NamedTuple):
    """Inputs ``X`` (n, d) float64 and targets ``y``: (n,) int64 labels or (n,) float64 values."""

    X: np.ndarray
    y: np.ndarray


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed)


def regression_data(n: int = 64, d: int = 2, noise: float = 0.05, seed: int | None = 0) -> Dataset:
    """A smooth 1-output regression task: y = sin(2·x₁) · cos(x₂) + ... + noise.

    ``X`` is uniform on [−1.5, 1.5]^d, ``y`` has shape (n,). Use ``loss="mse"``.
    """
    n = check_int(n, "n", 1)
    d = check_int(d, "d", 1)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    r = _rng(seed)
    X = r.uniform(-1.5, 1.5, size=(n, d))
    y = np.sin(2 * X[:, 0])
    for j in range(1, d):
        y = y * np.cos(X[:, j] / j)
    y = y + noise * r.standard_normal(n)
    return Dataset(np.asarray(X, dtype=np.float64), np.asarray(y))


def spirals(n: int = 200, classes: int = 2, noise: float = 0.1, turns: float = 1.0, seed: int | None = 0) -> Dataset:
    """Interleaved 2-D spirals, ``classes`` arms with ``n // classes`` points each.

    Labels are int64 in ``0..classes-1``; use ``loss="cross_entropy"``.
    """
    n = check_int(n, "n", 2)
    classes = check_int(classes, "classes", 2)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    if not (math.isfinite(turns) and turns > 0):
        raise ValueError(f"turns must be > 0, got {turns}")
    r = _rng(seed)
    m = n // classes
    Xs, ys = [], []
    for c in range(classes):
        t = np.linspace(0.15, 1.0, m)
        ang = 2 * np.pi * turns * t + 2 * np.pi * c / classes
        pts = np.stack([t * np.cos(ang), t * np.sin(ang)], axis=1) * 2
        Xs.append(pts + noise * r.standard_normal(pts.shape))
        ys.append(np.full(m, c))
    return Dataset(np.concatenate(Xs).astype(np.float64), np.concatenate(ys).astype(np.int64))


def xor_data(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Noisy XOR: points around the four corners (±1, ±1), label 1 iff the signs differ."""
    n = check_int(n, "n", 4)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    r = _rng(seed)
    s = r.choice([-1.0, 1.0], size=(n, 2))
    X = s + noise * r.standard_normal((n, 2))
    y = (s[:, 0] != s[:, 1]).astype(np.int64)
    return Dataset(np.asarray(X, dtype=np.float64), np.asarray(y))


def blobs(n: int = 120, classes: int = 3, d: int = 2, spread: float = 0.6, seed: int | None = 0) -> Dataset:
    """Gaussian blobs around ``classes`` centres on a circle of radius 2 (higher ``d``: zero-padded)."""
    n = check_int(n, "n", 2)
    classes = check_int(classes, "classes", 2)
    d = check_int(d, "d", 2)
    if not (math.isfinite(spread) and spread > 0):
        raise ValueError(f"spread must be > 0, got {spread}")
    r = _rng(seed)
    lab = np.arange(n) % classes
    ang = 2 * np.pi * lab / classes
    centres = np.zeros((n, d))
    centres[:, 0], centres[:, 1] = 2 * np.cos(ang), 2 * np.sin(ang)
    X = centres + spread * r.standard_normal((n, d))
    return Dataset(np.asarray(X, dtype=np.float64), lab.astype(np.int64))
