"""Problems made for the optimizer chapters (the general test surfaces are in
:mod:`lecture_code.core.surfaces`).

* :func:`narrow_valley` -- the lecture's exercise ``E(w1, w2) = |w1| + 75|w2|`` and
  :func:`momentum_limit`, the limit of Δw when the w2 gradient flips sign every step;
* :func:`signal_to_noise_series`, :func:`moments`, :func:`running_moments` -- the
  signal-to-noise exercise (three gradient time series);
* :func:`reddi_run` -- Reddi et al.'s online problem on which Adam converges to the wrong
  point and AMSGrad does not;
* :func:`gradient_noise` -- reproducible gradient noise for the noisy-gradient demo;
* :func:`linear_regression`, :func:`minibatch_sgd` -- SGD vs minibatches, the linear scaling rule;
* :func:`wilson_data`, :func:`LeastSquares` -- Wilson et al.'s over-parameterized
  least-squares problem where adaptive methods generalize worse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from lecture_code.core.optimizers import Optimizer
from lecture_code.core.surfaces import CriticalPoint, Surface

__all__ = [
    "narrow_valley",
    "momentum_limit",
    "signal_to_noise_series",
    "Moments",
    "moments",
    "running_moments",
    "ReddiRun",
    "reddi_run",
    "gradient_noise",
    "linear_regression",
    "minibatch_sgd",
    "LeastSquares",
    "wilson_data",
]


# ------------------------------------------------------------------ the narrow valley


def _sign(x: Any) -> Any:
    # sgn(x) with sgn(0) = 0 (the lecture's hint), arithmetic only: floats, numpy, torch
    return (x > 0) * 1.0 - (x < 0) * 1.0


def narrow_valley(steepness: float = 75.0) -> Surface:
    """The lecture's exercise surface ``E(w1, w2) = |w1| + 75|w2|`` (``∂|x|/∂x = sgn x``, ``sgn 0 = 0``)."""
    k = float(steepness)
    if not (k > 0 and np.isfinite(k)):
        raise ValueError(f"steepness must be > 0 and finite, got {steepness!r}")
    return Surface(
        "narrow_valley",
        lambda x, y: abs(x) + k * abs(y),
        lambda x, y: (_sign(x), k * _sign(y)),
        lambda x, y: ((0.0 * x, 0.0 * x), (0.0 * x, 0.0 * x)),
        (CriticalPoint((0.0, 0.0), "minimum", "degenerate"),),
        ((-2.0, 11.0), (-12.0, 12.0)),
        rf"|w_1| + {k:g}\,|w_2|",
        f"|w₁| + {k:g}|w₂|",
    )


def momentum_limit(lr: float, alpha: float, g1: float = 1.0, g2: float = 75.0) -> np.ndarray:
    """lim Δw(t) when ∂E/∂w1 = g1 always and ∂E/∂w2 = ±g2 flips sign every step.

    Summing the geometric series of the lecture's hint, the constant component tends to
    ``−η g1 / (1 − α)`` (a speed-up by 1/(1−α)) and the alternating one oscillates with
    amplitude ``η g2 / (1 + α)`` (damped by 1/(1+α)). Returns
    ``(−η g1/(1−α), η g2/(1+α))``; the sign of the second entry alternates from step to step.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if not 0 <= alpha < 1:
        raise ValueError(f"alpha must be in [0, 1), got {alpha!r}")
    return np.array([-lr * g1 / (1 - alpha), lr * g2 / (1 + alpha)])


# ------------------------------------------------------------------ signal to noise


def signal_to_noise_series(n: int = 100) -> np.ndarray:
    """The exercise's three gradient time series, shape (3, n).

    w1: 1.1, 0.9, 1.1, 0.9, ...; w2: 0.1, 0.1, ...; w3: 1.1, −0.9, 1.1, −0.9, ...
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    t = np.arange(n)
    even = t % 2 == 0
    return np.stack([np.where(even, 1.1, 0.9), np.full(n, 0.1), np.where(even, 1.1, -0.9)])


class Moments(NamedTuple):
    m1: np.ndarray          # ⟨g⟩
    m2: np.ndarray          # ⟨g²⟩
    m1_over_m2: np.ndarray  # ⟨g⟩/⟨g²⟩
    snr: np.ndarray         # ⟨g⟩/sqrt(⟨g²⟩), what RMSprop/Adam's step is proportional to
    variance: np.ndarray    # ⟨g²⟩ − ⟨g⟩²


def moments(series: np.ndarray) -> Moments:
    """Sample moments of each row of ``series`` (one row per weight)."""
    g = np.atleast_2d(np.asarray(series, dtype=float))
    m1 = g.mean(axis=1)
    m2 = (g * g).mean(axis=1)
    return Moments(m1, m2, m1 / m2, m1 / np.sqrt(m2), m2 - m1 * m1)


def running_moments(series: np.ndarray, rho1: float = 0.9, rho2: float = 0.999, bias_correction: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Online estimates of ⟨g⟩ and ⟨g²⟩ by running averages (Adam's s and r), per step.

    ``s ← ρ1 s + (1−ρ1) g``, ``r ← ρ2 r + (1−ρ2) g²``, divided by ``1 − ρ^t`` if
    ``bias_correction``. Returns arrays of the same shape as ``series``.
    """
    for nm, v in (("rho1", rho1), ("rho2", rho2)):
        if not 0 <= v < 1:
            raise ValueError(f"{nm} must be in [0, 1), got {v!r}")
    g = np.atleast_2d(np.asarray(series, dtype=float))
    s = np.zeros(g.shape[0])
    r = np.zeros(g.shape[0])
    S = np.empty_like(g)
    R = np.empty_like(g)
    for t in range(g.shape[1]):
        s = rho1 * s + (1 - rho1) * g[:, t]
        r = rho2 * r + (1 - rho2) * g[:, t] ** 2
        c1 = 1 - rho1 ** (t + 1) if bias_correction else 1.0
        c2 = 1 - rho2 ** (t + 1) if bias_correction else 1.0
        S[:, t] = s / c1
        R[:, t] = r / c2
    return S, R


# ------------------------------------------------------------------ Reddi et al.


@dataclass(frozen=True)
class ReddiRun:
    """Iterates of an optimizer on Reddi et al.'s online problem."""

    x: np.ndarray            # (steps+1,) iterates, x[0] the start
    average_regret: np.ndarray  # (steps,) R_T / T against the best fixed point x = −1
    name: str
    kind: str = ""           # the optimizer's colour role


def reddi_run(optimizer: Optimizer, steps: int, C: float = 3.0, x0: float = 0.0) -> ReddiRun:
    """Reddi, Kale & Kumar (2018), Section 3: f_t(x) = C x if t mod 3 = 1, else −x, x ∈ [−1, 1].

    The best fixed point is x = −1 (the average loss is (C − 2)/3 · x). Every 3 steps the
    optimizer sees one large gradient C and two small gradients −1; with
    ``β1 = 0, β2 = 1/(1 + C²)`` Adam's normalisation makes the two small steps outweigh the
    large one, and it drifts to x = +1. Iterates are projected back onto [−1, 1].
    """
    if not C > 2:
        raise ValueError(f"C must be > 2, got {C!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    if not -1 <= x0 <= 1:
        raise ValueError(f"x0 must be in [-1, 1], got {x0!r}")
    x = np.array([float(x0)])
    state = optimizer.init(x)
    xs = [x[0]]
    loss_sum = 0.0
    best_sum = 0.0
    reg = np.empty(steps)
    for t in range(1, steps + 1):
        g = C if t % 3 == 1 else -1.0
        loss_sum += g * x[0]
        best_sum += g * -1.0
        u, state = optimizer.update(np.array([g]), state, x)
        x = np.clip(x + u, -1.0, 1.0)
        xs.append(x[0])
        reg[t - 1] = (loss_sum - best_sum) / t
    return ReddiRun(np.array(xs), reg, optimizer.name, optimizer.kind)


# ------------------------------------------------------------------ noisy gradients


def gradient_noise(steps: int, sigma: tuple[float, float] = (0.0, 1.0), seed: int = 0) -> np.ndarray:
    """Gaussian gradient noise of shape (steps, 2), standard deviation ``sigma`` per coordinate.

    Pass it to :func:`lecture_code.core.runner.run` (``noise=``) so that all optimizers see the
    same noise.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    sig = np.asarray(sigma, dtype=float)
    if sig.shape != (2,) or np.any(sig < 0) or not np.all(np.isfinite(sig)):
        raise ValueError(f"sigma must be two finite numbers >= 0, got {sigma!r}")
    return np.random.default_rng(seed).standard_normal((int(steps), 2)) * sig


# ------------------------------------------------------------------ least squares


@dataclass(frozen=True)
class LeastSquares:
    """L(w) = ½ ‖X w − y‖² / n in any dimension: an :class:`~lecture_code.core.runner.Objective` for
    :func:`~lecture_code.core.runner.run` (``f`` and ``grad`` also take many points, shape ``(..., dim)``)."""

    X: np.ndarray
    y: np.ndarray

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    def f(self, w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        r = w @ self.X.T - self.y
        return 0.5 * np.mean(r * r, axis=-1)

    def grad(self, w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        r = w @ self.X.T - self.y
        return r @ self.X / len(self.y)

    def min_norm_solution(self) -> np.ndarray:
        return np.linalg.pinv(self.X) @ self.y


def linear_regression(n: int = 256, w_true: tuple[float, float] = (2.0, -1.0), noise: float = 0.5, seed: int = 0) -> LeastSquares:
    """A 2-parameter linear regression y = w·x + noise, to watch SGD in weight space."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2)) * np.array([1.0, 0.5])
    y = X @ np.asarray(w_true, float) + noise * rng.standard_normal(n)
    return LeastSquares(X, y)


def minibatch_sgd(problem: LeastSquares, optimizer: Optimizer, w0: Any, batch: int, epochs: float, seed: int = 0) -> np.ndarray:
    """Minibatch training: every step uses the gradient of ``batch`` random samples.

    Samples are drawn by reshuffling once per epoch. Returns the iterates, shape
    ``(steps+1, d)`` with ``steps = epochs · n / batch`` (rounded down); stops early (and
    returns what it has) if the iterates leave ``|w| < 1e6``.
    """
    n = len(problem.y)
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or not 1 <= batch <= n:
        raise ValueError(f"batch must be an integer in [1, {n}], got {batch!r}")
    if not epochs > 0:
        raise ValueError(f"epochs must be > 0, got {epochs!r}")
    rng = np.random.default_rng(seed)
    steps = int(epochs * n // batch)
    w = np.array(w0, dtype=float)
    if w.shape != (problem.dim,):
        raise ValueError(f"w0 must have shape ({problem.dim},), got {w.shape}")
    state = optimizer.init(w)
    out = [w]
    order = rng.permutation(n)
    pos = 0
    for _ in range(steps):
        if pos + batch > n:
            order = rng.permutation(n)
            pos = 0
        idx = order[pos:pos + batch]
        pos += batch
        Xb, yb = problem.X[idx], problem.y[idx]
        g = (Xb @ w - yb) @ Xb / batch
        u, state = optimizer.update(g, state, w)
        w = w + u
        if not np.all(np.abs(w) < 1e6):
            break
        out.append(w)
    return np.array(out)


def wilson_data(n: int = 40, p: float = 0.7, seed: int = 0) -> tuple[LeastSquares, np.ndarray, np.ndarray]:
    """Wilson et al. (2017), Sec. 3.3: binary least squares where adaptive methods fail.

    Sample i has label y_i = +1 with probability p, else −1, and 6n features: feature 0
    is y_i (the signal), features 1 and 2 are 1 (a bias), and sample i owns a block of
    features starting at 3 + 5i: one feature if y_i = +1, five if y_i = −1. With more
    features than samples, many weight vectors fit the data exactly; which one an optimizer
    finds decides how it classifies *new* points, which share features 0-2 only.

    Returns ``(train problem, X_test, y_test)``; test points have the same label
    distribution and only features 0-2 (their own blocks are new, unseen features).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not 0.5 < p < 1:
        raise ValueError(f"p must be in (0.5, 1), got {p!r}")
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < p, 1.0, -1.0)
    X = np.zeros((n, 6 * n))
    X[:, 0] = y
    X[:, 1] = X[:, 2] = 1.0
    for i in range(n):
        width = 1 if y[i] > 0 else 5
        X[i, 3 + 5 * i: 3 + 5 * i + width] = 1.0
    m = 1000
    yt = np.where(rng.random(m) < p, 1.0, -1.0)
    Xt = np.zeros((m, 6 * n))
    Xt[:, 0] = yt
    Xt[:, 1] = Xt[:, 2] = 1.0
    return LeastSquares(X, y), Xt, yt
