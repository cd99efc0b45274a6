"""Convergence rates of gradient descent and heavy-ball momentum on quadratics.

On f(w) = ½ wᵀAw every eigen-direction of A (curvature λ) evolves on its own. With the
lecture's momentum ``Δw(t) = −η λ w(t) + β Δw(t−1)``, ``w(t+1) = w(t) + Δw(t)``, the pair
``(w, Δw)`` is multiplied each step by

.. code-block:: text

    M(λ) = [[1 − ηλ, β],
            [  −ηλ , β]]        characteristic polynomial  z² − (1 + β − ηλ) z + β

and the error shrinks like ρ^t with ρ = max over the eigenvalues of the spectral radius
of M(λ). β = 0 is gradient descent, ρ = max |1 − ηλ|. The classical results (Polyak 1964;
Goh, "Why momentum really works", Distill 2017), for eigenvalues in [μ, L], κ = L/μ:

* gradient descent: η* = 2/(μ + L), ρ* = (κ − 1)/(κ + 1);
* momentum: η* = 4/(√L + √μ)², β* = ((√κ − 1)/(√κ + 1))², ρ* = √β* = (√κ − 1)/(√κ + 1);
* stability: ρ < 1 exactly when 0 < ηλ < 2(1 + β) for every λ (and 0 ≤ β < 1).

Everything here is vectorized over arrays of (η, β) so a whole rate map is one call.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "momentum_rate",
    "gd_rate",
    "rate_map",
    "optimal_gd",
    "optimal_momentum",
    "measured_rate",
    "stability_boundary",
]


def _eigs(eigenvalues: Any) -> np.ndarray:
    lam = np.atleast_1d(np.asarray(eigenvalues, dtype=float))
    if lam.ndim != 1 or lam.size == 0 or not np.all(lam > 0) or not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be a non-empty 1-D array of finite numbers > 0, got {eigenvalues!r}")
    return lam


def momentum_rate(lr: Any, beta: Any, eigenvalues: Any) -> np.ndarray:
    """Asymptotic rate ρ(η, β) = max_λ spectral radius of M(λ); broadcasts over lr and beta.

    ρ ≥ 1 means no convergence (the iteration diverges or, at ρ = 1, does not shrink).
    """
    lam = _eigs(eigenvalues)
    eta = np.asarray(lr, dtype=float)[..., None]
    b = np.asarray(beta, dtype=float)[..., None]
    trace = 1.0 + b - eta * lam
    disc = (trace * trace - 4.0 * b).astype(complex)
    root = np.sqrt(disc)
    radius = np.maximum(np.abs((trace + root) / 2), np.abs((trace - root) / 2))
    return radius.max(axis=-1)


def gd_rate(lr: Any, eigenvalues: Any) -> np.ndarray:
    """Gradient descent's rate max_λ |1 − ηλ| (momentum β = 0)."""
    lam = _eigs(eigenvalues)
    eta = np.asarray(lr, dtype=float)[..., None]
    return np.abs(1.0 - eta * lam).max(axis=-1)


class RateMap(NamedTuple):
    lrs: np.ndarray    # (n_lr,)
    betas: np.ndarray  # (n_beta,)
    rates: np.ndarray  # (n_beta, n_lr), rates[i, j] = ρ(lrs[j], betas[i])


def rate_map(eigenvalues: Any, lrs: Any, betas: Any) -> RateMap:
    """ρ over a grid of learning rates and momenta (rows: β, columns: η)."""
    lrs = np.asarray(lrs, dtype=float)
    betas = np.asarray(betas, dtype=float)
    rates = momentum_rate(lrs[None, :], betas[:, None], eigenvalues)
    return RateMap(lrs, betas, rates)


def _check_mu_L(mu: float, L: float) -> tuple[float, float]:
    if not (0 < mu <= L and np.isfinite(L)):
        raise ValueError(f"need 0 < mu <= L (finite), got mu={mu!r}, L={L!r}")
    return float(mu), float(L)


def optimal_gd(mu: float, L: float) -> tuple[float, float]:
    """(η*, ρ*) for gradient descent with eigenvalues in [μ, L]."""
    mu, L = _check_mu_L(mu, L)
    return 2.0 / (mu + L), (L - mu) / (L + mu)


def optimal_momentum(mu: float, L: float) -> tuple[float, float, float]:
    """(η*, β*, ρ*) for heavy-ball momentum with eigenvalues in [μ, L]."""
    mu, L = _check_mu_L(mu, L)
    sL, smu = np.sqrt(L), np.sqrt(mu)
    beta = ((sL - smu) / (sL + smu)) ** 2
    return 4.0 / (sL + smu) ** 2, beta, float(np.sqrt(beta))


def stability_boundary(beta: Any, L: float) -> np.ndarray:
    """Largest stable learning rate for momentum β: η < 2(1 + β)/L."""
    return 2.0 * (1.0 + np.asarray(beta, dtype=float)) / float(L)


def measured_rate(points: np.ndarray, minimum: Any = (0.0, 0.0), window: int | None = None) -> float:
    """The per-step contraction of ‖w_t − w*‖ measured on a trajectory.

    A least-squares fit of ``log ‖e_t‖ ≈ a + t log ρ`` over the last ``window`` steps
    (default: the second half, so the transient of the first steps does not count). With
    complex eigenvalues ‖e_t‖ oscillates under its envelope ρ^t; then only the local maxima
    (the envelope) are fitted. Returns ``nan`` for fewer than 4 steps or if the error hit 0.
    """
    p = np.asarray(points, dtype=float)
    T = len(p) - 1
    if T < 4:
        return float("nan")
    k = window if window is not None else T // 2
    k = max(3, min(int(k), T))
    e = np.linalg.norm(p - np.asarray(minimum, dtype=float), axis=1)[T - k:]
    if not np.all(e > 0):
        return float("nan")
    t = np.arange(len(e))
    inner = np.arange(1, len(e) - 1)
    peaks = inner[(e[inner] >= e[inner - 1]) & (e[inner] >= e[inner + 1])]
    idx = peaks if len(peaks) >= 3 and peaks[-1] - peaks[0] >= len(e) // 2 else t
    slope = np.polyfit(t[idx], np.log(e[idx]), 1)[0]
    return float(np.exp(slope))
