"""What the Hessian says about a critical point (the second-derivative test).

At a point where the gradient vanishes, f(θ) ≈ f(θ⁰) + ½ (θ − θ⁰)ᵀ H (θ − θ⁰), and the signs
of the eigenvalues of H decide:

* all λ > 0 (H positive definite)            -> local **minimum**
* all λ < 0 (H negative definite)            -> local **maximum**
* some λ > 0 and some λ < 0 (H indefinite)   -> **saddle** (even if other λ are 0)
* otherwise some λ = 0 and no sign mix       -> **degenerate**: the Hessian cannot decide
  (x² + y⁴ is a minimum, x² − y⁴ a saddle, both have H = diag(2, 0) at the origin).

``index`` is the fraction of negative eigenvalues (0 at a minimum, 1 at a maximum), the
quantity plotted against the training error in Dauphin et al. (2014).

----

Find critical points of a small network -- saddles included -- and measure their index.

Gradient descent only finds minima; to see the saddles of Dauphin et al. (2014) we solve
``∇L(θ) = 0`` directly. :func:`find_critical_point` runs a Levenberg-Marquardt iteration on the
gradient: the Jacobian of ``∇L`` is the Hessian ``H``, so each step solves

    (H² + μ I) Δ = −H g,     θ ← θ + Δ,

shrinking ``μ`` when ``|g|`` decreases and growing it otherwise. It converges to a nearby
critical point of *any* index (Newton's method is attracted by saddles, which makes it useless
for training and useful here).

The problem is the mean squared error of a one-hidden-layer tanh MLP
``f(x) = Σ_j a_j tanh(w_j·x + b_j) + c`` on data, :class:`lecture_code.core.mlp.MLPRegression`,
with its **exact analytic Hessian** (the tests compare it with torch autograd): a
Levenberg-Marquardt step then costs well under a millisecond, so a few thousand searches fit in
a couple of minutes::

    from lecture_code.core.critical import search
    from lecture_code.core.mlp import MLPRegression
    problem = MLPRegression.default(hidden=8)
    points = search(problem, starts=40, seed=0)     # list of FoundPoint (loss, index, ...)

The long run lives in ``scripts/find_critical_points.py`` (writes ``lecture_code/data/critical_points.json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, asdict
from typing import Any

import numpy as np

from lecture_code.core.mlp import MLPRegression
from lecture_code.core.optimizers import sgd
from lecture_code.core.runner import run

__all__ = [
    "Classification",
    "classify",
    "FoundPoint",
    "find_critical_point",
    "search",
]


@dataclass(frozen=True)
class Classification:
    """Result of :func:`classify`.

    Attributes
    ----------
    kind : {"minimum", "maximum", "saddle", "degenerate"}
    eigenvalues : tuple of float, ascending
    n_positive, n_negative, n_zero : int
        Counts of eigenvalues > tol, < −tol and with \\|λ\\| <= tol.
    index : float
        Fraction of negative eigenvalues, ``n_negative / n``.
    tol : float
        The tolerance used.
    """

    kind: str
    eigenvalues: tuple[float, ...]
    n_positive: int
    n_negative: int
    n_zero: int
    index: float
    tol: float

    def __str__(self) -> str:
        lam = ", ".join(f"{v:.4g}" for v in self.eigenvalues)
        return f"{self.kind} (λ = [{lam}], index {self.index:.3g})"


def classify(hessian_or_eigenvalues: Any, tol: float = 1e-8) -> Classification:
    """Classify a critical point from its Hessian or the Hessian's eigenvalues.

    Parameters
    ----------
    hessian_or_eigenvalues : array_like
        A symmetric ``(n, n)`` matrix (torch tensors are accepted) or a 1-D array of ``n``
        eigenvalues.
    tol : float
        Eigenvalues with ``|λ| <= tol`` count as zero. Must be >= 0 and finite.

    Returns
    -------
    Classification
    """
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)) or not (
        math.isfinite(tol) and tol >= 0
    ):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    a = hessian_or_eigenvalues
    if hasattr(a, "detach"):  # torch tensor
        a = a.detach().cpu().numpy()
    try:
        a = np.asarray(a, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"hessian_or_eigenvalues must be a square matrix or a 1-D array of numbers, got {hessian_or_eigenvalues!r}"
        ) from None
    if a.ndim == 2:
        if a.shape[0] != a.shape[1] or a.shape[0] == 0:
            raise ValueError(f"hessian_or_eigenvalues must be a square (n, n) matrix, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("hessian_or_eigenvalues must be finite (no NaN or inf)")
        scale = max(1.0, float(np.max(np.abs(a))))
        if not np.allclose(a, a.T, rtol=1e-8, atol=1e-10 * scale):
            raise ValueError("hessian_or_eigenvalues must be symmetric (a Hessian is)")
        lam = np.linalg.eigvalsh(0.5 * (a + a.T))
    elif a.ndim == 1:
        if a.size == 0:
            raise ValueError("hessian_or_eigenvalues must not be empty")
        if not np.all(np.isfinite(a)):
            raise ValueError("hessian_or_eigenvalues must be finite (no NaN or inf)")
        lam = np.sort(a)
    else:
        raise ValueError(
            f"hessian_or_eigenvalues must be a square matrix or a 1-D array of eigenvalues, got shape {a.shape}"
        )
    tol = float(tol)
    n_pos = int(np.sum(lam > tol))
    n_neg = int(np.sum(lam < -tol))
    n_zero = int(lam.size - n_pos - n_neg)
    if n_pos and n_neg:
        kind = "saddle"
    elif n_zero:
        kind = "degenerate"
    elif n_pos:
        kind = "minimum"
    else:
        kind = "maximum"
    return Classification(
        kind=kind,
        eigenvalues=tuple(float(v) for v in lam),
        n_positive=n_pos,
        n_negative=n_neg,
        n_zero=n_zero,
        index=n_neg / lam.size,
        tol=tol,
    )


@dataclass
class FoundPoint:
    """Result of one search: a critical point if ``converged``."""

    loss: float
    grad_norm: float
    index: float
    n_negative: int
    n_zero: int
    n_params: int
    kind: str
    iterations: int
    converged: bool
    start: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def find_critical_point(problem: MLPRegression, theta0: np.ndarray, *, max_iter: int = 500, grad_tol: float = 1e-10,
                        mu0: float = 1e-2, zero_tol: float = 1e-7) -> tuple[np.ndarray, FoundPoint]:
    """Levenberg-Marquardt on ``∇L = 0`` from ``theta0``; returns ``(theta, FoundPoint)``.

    ``problem`` is an :class:`~lecture_code.core.mlp.MLPRegression` (anything with ``f``, ``grad``,
    ``hessian`` and ``unpack`` works). Eigenvalues with ``|λ| <= zero_tol · max|λ|`` count as zero when classifying.
    """
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    theta = np.array(theta0, dtype=float)
    problem.unpack(theta)  # shape check
    g = problem.grad(theta)
    gn = float(np.linalg.norm(g))
    mu = mu0
    it = 0
    for it in range(1, max_iter + 1):
        if gn < grad_tol or not math.isfinite(gn):
            break
        lam, Q = np.linalg.eigh(problem.hessian(theta))
        gq = Q.T @ g
        for _ in range(40):
            step = -Q @ (lam * gq / (lam**2 + mu))
            g_new = problem.grad(theta + step)
            gn_new = float(np.linalg.norm(g_new))
            if math.isfinite(gn_new) and gn_new < gn:
                theta, g, gn = theta + step, g_new, gn_new
                mu = max(mu / 5, 1e-15)
                break
            mu *= 6
        else:
            break  # no step reduces |g|: a local minimum of |g| that is not a critical point
    lam = np.linalg.eigvalsh(problem.hessian(theta))
    c = classify(lam, tol=zero_tol * max(1e-12, float(np.abs(lam).max())))
    rec = FoundPoint(loss=problem.f(theta), grad_norm=gn, index=c.index, n_negative=c.n_negative,
                     n_zero=c.n_zero, n_params=len(lam), kind=c.kind, iterations=it,
                     converged=bool(gn < grad_tol))
    return theta, rec


def search(problem: MLPRegression, starts: int = 20, seed: int = 0, gd_steps: int = 4000, lr: float = 0.05,
           max_iter: int = 500) -> list[FoundPoint]:
    """Critical points of ``problem`` from ``starts`` starting points; returns the converged ones.

    Even-numbered starts are snapshots of a gradient-descent run (``run(sgd(lr), ...)``) from a
    random initialisation (:meth:`~lecture_code.core.mlp.MLPRegression.init`), stopped at a random
    step in ``[0, gd_steps]`` (so they span all loss levels); odd-numbered starts are random
    initialisations scaled by a factor drawn log-uniformly in ``[0.05, 3]``.
    """
    if isinstance(starts, bool) or not isinstance(starts, (int, np.integer)) or starts < 1:
        raise ValueError(f"starts must be an integer >= 1, got {starts!r}")
    rng = np.random.default_rng(seed)
    out: list[FoundPoint] = []
    for s in range(starts):
        if s % 2 == 0:
            theta = problem.init(rng)
            t_stop = int(rng.integers(0, gd_steps + 1))
            theta = run(sgd(lr), problem, theta, t_stop).final
            start = f"gd{t_stop}"
        else:
            scale = float(np.exp(rng.uniform(math.log(0.05), math.log(3.0))))
            theta = problem.init(rng, scale)
            start = f"scale{scale:.2f}"
        _, rec = find_critical_point(problem, theta, max_iter=max_iter)
        rec.start = start
        if rec.converged:
            out.append(rec)
    return out
