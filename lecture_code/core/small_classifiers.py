"""One-hidden-layer classifiers on tiny data sets, trained from many random starts at once.

The question of Swirszcz, Czarnecki & Pascanu ("Local minima in training of neural networks",
2016, the table in Hung-yi Lee's lecture): *how often* does training a small network on a task
it can solve (XOR) end at a solution? The answer is a success rate over random
initialisations, and it depends on the hidden size ``h``, the activation and the optimiser.

Everything here is batched over runs: the parameters of ``R`` networks are arrays with a
leading axis ``R`` (``W1 (R, d, h)``, ``b1 (R, h)``, ``w2 (R, h)``, ``b2 (R,)``), trained side by
side in one numpy computation with the book's optimizers (:mod:`lecture_code.core.optimizers`:
plain gradient descent ``sgd`` or ``adam``, one rule each). The network::

    z = act(x W1 + b1),   act = relu or sigmoid
    p = sigmoid(z · w2 + b2)                      # probability of class 1
    loss = mean_i BCE(p_i, y_i)  ("bce")   or   mean_i (p_i − y_i)²  ("mse")

A run *succeeds* when, after training, it classifies every training point correctly
(``p > ½`` exactly for the points of class 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lecture_code.core.optimizers import adam, apply_updates, sgd
from lecture_code.core.validate import check_int, check_positive

__all__ = [
    "SWIRSZCZ_TABLE",
    "HIDDEN_SIZES",
    "ACTIVATIONS",
    "INITS",
    "xor_points",
    "Params",
    "init_params",
    "forward",
    "loss_and_grads",
    "TrainOutcome",
    "train_many",
    "success_rate",
]

#: Hidden sizes of the published table.
HIDDEN_SIZES = (2, 3, 4, 5, 6, 7)
#: Swirszcz, Czarnecki & Pascanu (2016), as quoted in Hung-yi Lee's lecture ("Even simple task can
#: be difficult", the deck *Optimization*): % of runs that solved the task, for hidden sizes 2..7, keyed by
#: (task, optimizer, activation). Each row of the slide reads "h Adam XOR-ReLU XOR-Sigmoid
#: Jellyfish-ReLU Jellyfish-Sigmoid GD XOR-ReLU XOR-Sigmoid Jellyfish-ReLU Jellyfish-Sigmoid".
SWIRSZCZ_TABLE: dict[tuple[str, str, str], tuple[int, ...]] = {
    ("xor", "adam", "relu"): (28, 52, 68, 81, 91, 97),
    ("xor", "adam", "sigmoid"): (79, 98, 100, 100, 100, 100),
    ("jellyfish", "adam", "relu"): (7, 34, 50, 51, 61, 69),
    ("jellyfish", "adam", "sigmoid"): (0, 0, 2, 27, 17, 58),
    ("xor", "gd", "relu"): (23, 47, 70, 80, 89, 89),
    ("xor", "gd", "sigmoid"): (90, 100, 100, 100, 100, 100),
    ("jellyfish", "gd", "relu"): (16, 33, 66, 68, 69, 86),
    ("jellyfish", "gd", "sigmoid"): (62, 100, 100, 100, 100, 100),
}

ACTIVATIONS = ("relu", "sigmoid")
#: Initialisations of :func:`init_params`: Glorot/Xavier uniform ``U(±√(6/(fan_in+fan_out)))``,
#: PyTorch's ``nn.Linear`` default ``U(±1/√fan_in)`` (weights and biases), and
#: Gaussian ``N(0, 1)``; biases are zero except for ``"torch"``.
INITS = ("glorot", "torch", "normal")


def xor_points(signed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points ``{0, 1}²`` (``signed``: ``{−1, +1}²``) and labels ``x1 XOR x2``."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    return (2 * X - 1 if signed else X), y


class Params(NamedTuple):
    """Parameters of ``R`` networks: ``W1 (R, d, h)``, ``b1 (R, h)``, ``w2 (R, h)``, ``b2 (R,)``."""

    W1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray


def init_params(runs: int, d: int, h: int, rng: np.random.Generator, init: str = "glorot",
                scale: float = 1.0) -> Params:
    """Random initialisations for ``runs`` networks (see :data:`INITS`), weights times ``scale``."""
    runs, d, h = check_int(runs, "runs", 1), check_int(d, "d", 1), check_int(h, "h", 1)
    scale = check_positive(scale, "scale")
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if init == "glorot":
        l1, l2 = math.sqrt(6 / (d + h)), math.sqrt(6 / (h + 1))
        W1, w2 = rng.uniform(-l1, l1, (runs, d, h)), rng.uniform(-l2, l2, (runs, h))
        b1, b2 = np.zeros((runs, h)), np.zeros(runs)
    elif init == "torch":
        l1, l2 = 1 / math.sqrt(d), 1 / math.sqrt(h)
        W1, b1 = rng.uniform(-l1, l1, (runs, d, h)), rng.uniform(-l1, l1, (runs, h))
        w2, b2 = rng.uniform(-l2, l2, (runs, h)), rng.uniform(-l2, l2, runs)
    else:
        W1, w2 = rng.standard_normal((runs, d, h)), rng.standard_normal((runs, h))
        b1, b2 = np.zeros((runs, h)), np.zeros(runs)
    return Params(scale * W1, b1, scale * w2, b2)


def _pre(p: Params, X: np.ndarray) -> np.ndarray:
    """Pre-activations ``(R, n, h)``, as one ``(n, d) @ (d, R·h)`` product."""
    R, d, h = p.W1.shape
    W = p.W1.transpose(1, 0, 2).reshape(d, R * h)
    return (X @ W).reshape(X.shape[0], R, h).transpose(1, 0, 2) + p.b1[:, None, :]


def _act(z: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray]:
    if activation == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    s = 0.5 * (1 + np.tanh(0.5 * z))
    return s, s * (1 - s)


def forward(p: Params, X: np.ndarray, activation: str) -> np.ndarray:
    """Probabilities ``(R, n)`` of class 1."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    z, _ = _act(_pre(p, X), activation)
    logit = np.sum(z * p.w2[:, None, :], axis=2) + p.b2[:, None]
    return 0.5 * (1 + np.tanh(0.5 * logit))


def loss_and_grads(p: Params, X: np.ndarray, y: np.ndarray, activation: str, loss: str = "bce"
                   ) -> tuple[np.ndarray, Params]:
    """Mean loss per network ``(R,)`` and its gradient (a :class:`Params` of the same shapes)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if loss not in ("bce", "mse"):
        raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}")
    n = X.shape[0]
    pre = _pre(p, X)                                   # (R, n, h)
    z, dz = _act(pre, activation)
    logit = np.sum(z * p.w2[:, None, :], axis=2) + p.b2[:, None]
    prob = 0.5 * (1 + np.tanh(0.5 * logit))
    if loss == "bce":
        value = np.mean(np.logaddexp(0.0, logit) - y * logit, axis=1)
        g_logit = (prob - y) / n
    else:
        value = np.mean((prob - y) ** 2, axis=1)
        g_logit = 2 * (prob - y) * prob * (1 - prob) / n
    g_w2 = np.sum(g_logit[:, :, None] * z, axis=1)
    g_b2 = g_logit.sum(axis=1)
    g_pre = g_logit[:, :, None] * p.w2[:, None, :] * dz
    R, n, h = g_pre.shape
    # one (d, n) @ (n, R·h) product instead of R tiny ones
    g_W1 = (X.T @ g_pre.transpose(1, 0, 2).reshape(n, R * h)).reshape(-1, R, h).transpose(1, 0, 2)
    g_b1 = g_pre.sum(axis=1)
    return value, Params(g_W1, g_b1, g_w2, g_b2)


class TrainOutcome(NamedTuple):
    """``success`` ``(R,)``: every training point classified correctly at the end; ``loss``
    ``(R,)`` the final loss; ``params`` the final networks."""

    success: np.ndarray
    loss: np.ndarray
    params: Params


def _flat(p: Params) -> np.ndarray:
    return np.concatenate([p.W1.reshape(len(p.b2), -1), p.b1, p.w2, p.b2[:, None]], axis=1)


def _unflat(theta: np.ndarray, d: int, h: int) -> Params:
    R = theta.shape[0]
    i = d * h
    return Params(theta[:, :i].reshape(R, d, h), theta[:, i:i + h], theta[:, i + h:i + 2 * h], theta[:, -1])


def train_many(p0: Params, X: np.ndarray, y: np.ndarray, activation: str, optimizer: str = "adam",
               lr: float = 0.01, steps: int = 5000, loss: str = "bce") -> TrainOutcome:
    """Full-batch training of every network of ``p0`` with ``"gd"`` (``sgd(lr)``) or ``"adam"``
    (Kingma & Ba's Adam as in ``torch.optim.Adam``: β₁ = 0.9, β₂ = 0.999, ε = 1e-8 outside the
    square root)."""
    if optimizer not in ("gd", "adam"):
        raise ValueError(f"optimizer must be 'gd' or 'adam', got {optimizer!r}")
    steps = check_int(steps, "steps", 0)
    opt = sgd(lr) if optimizer == "gd" else adam(lr, eps_inside_sqrt=False)
    d, h = p0.W1.shape[1:]
    theta = _flat(p0)
    state = opt.init(theta)
    for _ in range(steps):
        _, g = loss_and_grads(_unflat(theta, d, h), X, y, activation, loss)
        upd, state = opt.update(_flat(g), state, theta)
        theta = apply_updates(theta, upd)
    p = _unflat(theta, d, h)
    value, _ = loss_and_grads(p, X, y, activation, loss)
    prob = forward(p, X, activation)
    success = np.all((prob > 0.5) == (y > 0.5), axis=1)
    return TrainOutcome(success, value, p)


def success_rate(success: np.ndarray) -> tuple[float, float]:
    """The fraction of successful runs and its binomial standard error."""
    s = np.asarray(success, dtype=bool)
    if s.size == 0:
        raise ValueError("success must hold at least one run")
    p = float(s.mean())
    return p, math.sqrt(p * (1 - p) / s.size)
