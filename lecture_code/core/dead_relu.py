"""The "blind spot" of ReLU networks: initialisations dead on every training point.

If every unit of one hidden layer of a ReLU network has a negative pre-activation on *every*
training point, the layer outputs zeros, the network outputs a constant, and every weight of
that layer and of the layers below it gets an exactly zero gradient (the ReLU's derivative is
zero where its input is negative). No gradient method can move them: training only learns
the constant. Swirszcz, Czarnecki & Pascanu (2016) call the data then "in the blind spot" of the
network; Lu, Shin, Su & Karniadakis (2020) prove that a deep ReLU network of fixed width is
born dead with probability tending to one as the depth grows.

With zero biases and symmetric weights, each unit is dead on a single nonzero input with
probability ½, independently of the others, so for *one* input point

    P(some layer of L, each n units wide, is dead) = 1 − (1 − 2^{−n})^L        (:func:`single_point_dead_probability`)

which is an upper bound for "dead on every point of a data set". :func:`first_dead_layer`
checks a batch of initialisations on real data. Networks use the layout of
:class:`lecture_code.core.mlp.MLP` (flat ``(runs, P)`` parameters, ReLU hidden units).
"""

from __future__ import annotations

import numpy as np

from lecture_code.core.mlp import MLP
from lecture_code.core.validate import check_int, check_positive

__all__ = [
    "he_init",
    "first_dead_layer",
    "single_point_dead_probability",
]


def he_init(net: MLP, runs: int, rng: np.random.Generator, bias: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """``runs`` independent He-normal initialisations: weights ``N(0, 2·scale²/fan_in)``, every
    bias equal to ``bias``. Returns ``(runs, P)`` in :class:`~lecture_code.core.mlp.MLP`'s layout
    (:meth:`~lecture_code.core.mlp.MLP.pack`)."""
    runs = check_int(runs, "runs", 1)
    scale = check_positive(scale, "scale")
    bias = float(bias)
    layers = [(rng.standard_normal((runs, b, a)) * scale * np.sqrt(2.0 / a), np.full((runs, b), bias))
              for a, b in zip(net.sizes[:-1], net.sizes[1:])]
    return net.pack(layers)


def first_dead_layer(net: MLP, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """For every network of the batch ``theta`` ``(runs, P)``: the first hidden layer (1-based)
    whose units are all ``<= 0`` on every row of ``X``, or ``0`` if there is none."""
    if net.activation != "relu":
        raise ValueError(f"first_dead_layer needs a ReLU network, got activation {net.activation!r}")
    theta = np.asarray(theta, dtype=float)
    if theta.ndim != 2 or theta.shape[1] != net.n_params:
        raise ValueError(f"theta must have shape (runs, {net.n_params}), got {theta.shape}")
    A = np.broadcast_to(np.asarray(X, dtype=float), (len(theta),) + np.shape(X))
    dead = np.zeros(len(theta), dtype=int)
    layers = net.layers(theta)                          # W (runs, out, in), b (runs, out)
    for i, (W, b) in enumerate(layers[:-1], start=1):
        Z = A @ np.swapaxes(W, 1, 2) + b[:, None, :]
        newly = (dead == 0) & np.all(Z <= 0, axis=(1, 2))
        dead[newly] = i
        A = np.maximum(Z, 0.0)
    return dead


def single_point_dead_probability(width: int, depth: int) -> float:
    """``1 − (1 − 2^{−width})^depth``: the chance that a zero-bias ReLU network with ``depth``
    hidden layers of ``width`` units and symmetric weights is dead on one given input."""
    width, depth = check_int(width, "width", 1), check_int(depth, "depth", 0)
    return 1.0 - (1.0 - 2.0 ** (-width)) ** depth
