"""Over-parameterization and global convergence: the two-layer ReLU network of Du et al. (2019).

The model of Du, Zhai, Póczos & Singh ("Gradient descent provably optimizes over-parameterized
neural networks", ICLR 2019)::

    f(x) = (1/√m) Σ_{r=1}^m a_r relu(w_rᵀ x),    a_r ∈ {−1, +1} fixed,  w_r trained,
    L(W) = ½ Σ_{i=1}^n (f(x_i) − y_i)²,           ‖x_i‖ = 1,

trained by full-batch gradient descent from ``w_r ~ N(0, I)``. Their Theorem 4.1: if no two
``x_i`` are parallel, the Gram matrix

    H^∞_ij = E_{w~N(0,I)}[x_iᵀx_j 1{wᵀx_i >= 0, wᵀx_j >= 0}] = x_iᵀx_j (π − arccos x_iᵀx_j) / (2π)

has ``λ_0 = λ_min(H^∞) > 0``, and with ``m = Ω(n⁶ / (λ_0⁴ δ³))`` hidden units and step
``η = O(λ_0 / n²)``, with probability ``1 − δ`` over the initialisation
``‖u(k) − y‖² <= (1 − ηλ_0/2)^k ‖u(0) − y‖²`` for every step ``k``: the training loss goes to
zero linearly, from (almost) every start. :func:`ntk_gram` and :func:`min_eigenvalue` compute
``H^∞`` and ``λ_0``, :func:`du_width` the width the theorem asks for (without its constant),
:func:`train` runs gradient descent on many networks at once (``W`` has shape
``(runs, m, d)``).

Labels come from a *teacher* of the same form with ``k`` units (:func:`teacher`), so a student
with ``m >= k`` units (and at least as many units of each sign) can fit them exactly: a
failure to reach zero loss is then the optimiser's, not the model's.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lecture_code.core.validate import check_int, check_positive

__all__ = [
    "sphere_points",
    "signs",
    "teacher",
    "forward",
    "loss_and_grad",
    "ntk_gram",
    "min_eigenvalue",
    "du_width",
    "init_weights",
    "TrainResult",
    "train",
    "rate_and_error",
]


def sphere_points(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniform on the unit sphere of ``R^d`` (``(n, d)``)."""
    n, d = check_int(n, "n", 1), check_int(d, "d", 2)
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def signs(m: int) -> np.ndarray:
    """Balanced output signs: ``⌈m/2⌉`` times ``+1`` then ``⌊m/2⌋`` times ``−1``."""
    m = check_int(m, "m", 1)
    a = -np.ones(m)
    a[: (m + 1) // 2] = 1.0
    return a


def forward(W: np.ndarray, a: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Outputs ``(runs, n)`` of the networks ``W`` ``(runs, m, d)`` (or ``(m, d)``) on ``X`` ``(n, d)``."""
    W = np.asarray(W, dtype=float)
    single = W.ndim == 2
    W = W[None] if single else W
    pre = W @ X.T                                       # (runs, m, n)
    out = np.einsum("m,rmn->rn", np.asarray(a, float), np.maximum(pre, 0.0)) / math.sqrt(W.shape[1])
    return out[0] if single else out


def teacher(X: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Labels of a random teacher ``(1/√k) Σ_j a_j relu(v_jᵀx)`` with ``v_j ~ N(0, I)`` and balanced
    signs :func:`signs`; returns ``(y (n,), V (k, d))``."""
    k = check_int(k, "k", 1)
    V = rng.standard_normal((k, X.shape[1]))
    return forward(V, signs(k), X), V


def loss_and_grad(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``L = ½ Σ_i (f(x_i) − y_i)²`` per run ``(runs,)`` and ``∂L/∂W`` ``(runs, m, d)``.

    ``∂L/∂w_r = (a_r/√m) Σ_i (f(x_i) − y_i) 1{w_rᵀx_i > 0} x_i``.
    """
    m = W.shape[1]
    pre = W @ X.T                                       # (runs, m, n)
    out = np.einsum("m,rmn->rn", a, np.maximum(pre, 0.0)) / math.sqrt(m)
    res = out - y                                       # (runs, n)
    loss = 0.5 * np.sum(res * res, axis=1)
    act = (pre > 0).astype(float) * (a / math.sqrt(m))[None, :, None]
    grad = (act * res[:, None, :]) @ X                  # (runs, m, d)
    return loss, grad


def ntk_gram(X: np.ndarray) -> np.ndarray:
    """``H^∞_ij = x_iᵀx_j (π − arccos(x_iᵀx_j)) / (2π)`` for unit vectors ``x_i`` (Du et al. 2019)."""
    X = np.asarray(X, dtype=float)
    if not np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-9):
        raise ValueError("X must have rows of unit norm (Du et al. assume ‖x_i‖ = 1)")
    G = np.clip(X @ X.T, -1.0, 1.0)
    return G * (np.pi - np.arccos(G)) / (2 * np.pi)


def min_eigenvalue(X: np.ndarray) -> float:
    """``λ_0 = λ_min(H^∞)``: positive when no two ``x_i`` are parallel (Du et al., Theorem 3.1)."""
    return float(np.linalg.eigvalsh(ntk_gram(X))[0])


def du_width(n: int, lambda0: float, delta: float = 0.1) -> float:
    """``n⁶ / (λ_0⁴ δ³)``: the width of Du et al.'s Theorem 4.1 (``m = Ω(·)``), without its constant."""
    n = check_int(n, "n", 1)
    return n**6 / (check_positive(lambda0, "lambda0") ** 4 * check_positive(delta, "delta") ** 3)


def init_weights(runs: int, m: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``w_r ~ N(0, I)``, independently for every run: ``(runs, m, d)``."""
    return rng.standard_normal((check_int(runs, "runs", 1), check_int(m, "m", 1), check_int(d, "d", 1)))


class TrainResult(NamedTuple):
    """Gradient descent on a batch of networks.

    ``checkpoints`` ``(c,)`` steps at which ``losses`` ``(c, runs)`` were recorded (step 0
    included); ``final_loss`` and ``final_grad`` ``(runs,)`` at the last step (loss and gradient
    norm); ``W`` the final weights; ``diverged`` ``(runs,)`` runs whose loss became non-finite or
    exceeded ``1e6`` times its start (they are stopped there).
    """

    checkpoints: np.ndarray
    losses: np.ndarray
    final_loss: np.ndarray
    final_grad: np.ndarray
    W: np.ndarray
    diverged: np.ndarray


def train(W0: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray, lr: float, steps: int,
          checkpoints: int = 60, tol: float = 0.0) -> TrainResult:
    """Full-batch gradient descent ``W ← W − η ∂L/∂W`` on every network of the batch ``W0``.

    ``checkpoints`` log-spaced steps are recorded. Runs whose loss falls below ``tol`` stop
    moving (their loss stays recorded); ``tol = 0`` runs every step.
    """
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps", 1)
    W = np.array(W0, dtype=float)
    a = np.asarray(a, dtype=float)
    marks = np.unique(np.concatenate([[0], np.geomspace(1, steps, check_int(checkpoints, "checkpoints", 2)).astype(int)]))
    losses = np.empty((len(marks), W.shape[0]))
    active = np.ones(W.shape[0], dtype=bool)
    diverged = np.zeros(W.shape[0], dtype=bool)
    start = None
    j = 0
    for t in range(steps + 1):
        loss, grad = loss_and_grad(W, a, X, y)
        if start is None:
            start = loss.copy()
        bad = ~np.isfinite(loss) | (loss > 1e6 * np.maximum(start, 1e-300))
        diverged |= bad & active
        active &= ~bad & (loss >= tol)
        if j < len(marks) and t == marks[j]:
            losses[j] = loss
            j += 1
        if t == steps or not active.any():
            break
        W[active] -= lr * grad[active]
    losses[j:] = loss
    gnorm = np.sqrt(np.sum(grad * grad, axis=(1, 2)))
    return TrainResult(marks, losses, loss, gnorm, W, diverged)


def rate_and_error(successes: int, runs: int) -> tuple[float, float]:
    """A success rate and its binomial standard error ``√(p(1−p)/runs)``."""
    runs = check_int(runs, "runs", 1)
    successes = check_int(successes, "successes", 0, runs)
    p = successes / runs
    return p, math.sqrt(p * (1 - p) / runs)
