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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Classification", "classify"]


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
