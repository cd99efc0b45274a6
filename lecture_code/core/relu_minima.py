"""Spurious local minima of two-layer ReLU networks (Safran & Shamir, ICML 2018), in closed form.

The setting: inputs ``x ~ N(0, I_d)``; a *teacher* ``sum_j relu(v_j . x)`` with ``k`` orthonormal
weight vectors ``v_j = e_j`` (``d = k`` in the paper); a *student* ``sum_i relu(w_i . x)`` with ``n``
neurons (output weights fixed to one, no biases); the population loss

    F(W) = 1/2 E[(sum_i relu(w_i.x) - sum_j relu(v_j.x))^2].

Everything is closed-form through the arc-cosine kernel: for ``w, u`` at angle ``θ``

    E[relu(w.x) relu(u.x)] = ‖w‖‖u‖ κ(θ),   κ(θ) = (sin θ + (π - θ) cos θ) / (2π),

its gradient in ``w`` is ``g(w, u) = (‖u‖ sin θ ŵ + (π - θ) u) / (2π)``, and the Hessian blocks are

    ∂g(w, u)/∂w = ‖u‖ / (2π‖w‖) · (sin θ (I - ŵŵᵀ) + a aᵀ / sin θ),            a = û - cos θ ŵ,
    ∂g(w, u)/∂u = (π - θ) I / (2π) + (sin θ ŵûᵀ + a bᵀ / sin θ) / (2π),        b = ŵ - cos θ û,

so ``∂²F/∂w_i² = I/2 + Σ_{j≠i} ∂g(w_i, w_j)/∂w - Σ_l ∂g(w_i, v_l)/∂w`` and
``∂²F/∂w_i∂w_j = ∂g(w_i, w_j)/∂u``. Everything is batched over leading axes: an array of shape
``(runs, n, d)`` holds many students at once.

Why the students here are weight arrays ``W`` and not parameters of the numpy MLP
(:mod:`lecture_code.core.mlp`): the loss is a *population* loss, an expectation over
``x ~ N(0, I)`` in closed form, not a loss on data; the paper's network has no biases and its
output weights are fixed to one, so ``W`` is all there is; and a thousand students of the
protocol descend as one numpy computation on ``(runs, n, d)``.

The protocol (:func:`run_experiment`) is the paper's, as its authors' code runs it
(github.com/ItaySafran/OneLayerGDconvergence, ``GD_code/findBadMinima.m`` and ``findMinimum.m``):

* initialisation: every weight i.i.d. ``N(0, 1/d)`` (``randn(d, n)/sqrt(d)``, which the code's
  comment calls Xavier initialisation);
* plain gradient descent with step ``0.1`` until ``max_i |∂F/∂w_i| <= 1e-9 / (2π)`` (the code
  stops when ``2π`` times the gradient of every neuron has norm at most ``1e-9``), no step limit;
  a run whose gradient norm exceeds ``1e4 / (2π)`` restarts from its initial point with half the step;
* a run is *bad* when its loss is at least ``1e-3``; the paper then proves, in exact arithmetic,
  that a local minimum lies within a small radius (positive definite Hessian, Taylor bound)
  and counts a run as "converging to a spurious local minimum" only when that proof succeeds.

We keep the first three points, with one shortcut -- a run also stops once its loss is below
``1e-3``: gradient descent at these steps never raises the loss (checked on every run, see
:func:`descend`), so such a run can only end below the threshold -- and test the fourth in
floating point: a bad run is ``local`` when
gradient descent converged and the smallest eigenvalue of the closed-form Hessian exceeds
``lambda_tol`` (default ``1e-6``; rounding errors in the eigenvalues are about ``1e-14``);
a bad run whose Hessian has a smaller or negative eigenvalue is ``unverified`` (not counted, as in
the paper). The labels: ``global`` (loss < ``global_tol``), ``local``, ``unverified``,
``not converged`` (the step limit we add, far above what any run needed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from lecture_code.core.validate import check_int, check_positive

__all__ = [
    "TWO_PI",
    "LR",
    "GRAD_TOL",
    "GLOBAL_TOL",
    "LAMBDA_TOL",
    "PUBLISHED",
    "PAPER_SETTINGS",
    "published_percent",
    "relu_kernel",
    "population_loss",
    "population_grad",
    "population_hessian",
    "monte_carlo_loss",
    "init_weights",
    "descend",
    "classify",
    "ExperimentResult",
    "run_experiment",
    "two_sample_z",
    "load_results",
    "results_table",
    "count_weighted_means",
    "load_authors_results",
    "family_mix",
    "families_table",
]

TWO_PI = 2 * math.pi
#: The paper's step size (``stepsize = 0.1`` in ``findBadMinima.m``).
LR = 0.1
#: The paper's stopping rule: ``max_i |2π ∂F/∂w_i| <= 1e-9``, i.e. ``|∂F/∂w_i| <= 1e-9 / (2π)``.
GRAD_TOL = 1e-9 / TWO_PI
#: The paper's threshold for a bad point: loss at least ``1e-3`` (``bad_minima_value_bound``).
GLOBAL_TOL = 1e-3
#: Our floating-point minimum test: smallest Hessian eigenvalue above this.
LAMBDA_TOL = 1e-6
#: The authors' divergence guard: restart with half the step when ``|2π ∂F/∂w_i| > 1e4``.
_DIVERGENCE = 1e4 / TWO_PI

#: Safran & Shamir (2018), Tables 1 (n = k) and 2 (n = k + 1), as quoted in the lecture (Hung-yi Lee, *Optimization*):
#: (k, n) -> (% of 1000 runs converging to a spurious local minimum, average minimal Hessian
#: eigenvalue, average objective value at those minima).
PUBLISHED: dict[tuple[int, int], tuple[float, float, float]] = {
    (6, 6): (0.3, 0.0047, 0.025),
    (7, 7): (5.5, 0.014, 0.023),
    (8, 8): (12.6, 0.021, 0.021),
    (9, 9): (21.8, 0.027, 0.020),
    (10, 10): (34.6, 0.030, 0.022),
    (11, 11): (45.5, 0.034, 0.022),
    (12, 12): (58.5, 0.035, 0.021),
    (13, 13): (73.0, 0.037, 0.022),
    (14, 14): (73.6, 0.038, 0.023),
    (15, 15): (80.3, 0.038, 0.024),
    (16, 16): (85.1, 0.038, 0.027),
    (17, 17): (89.7, 0.039, 0.027),
    (18, 18): (90.0, 0.039, 0.029),
    (19, 19): (93.4, 0.038, 0.031),
    (20, 20): (94.0, 0.038, 0.033),
    (8, 9): (0.1, 0.0059, 0.021),
    (10, 11): (0.1, 0.0057, 0.018),
    (11, 12): (0.1, 0.0056, 0.017),
    (12, 13): (0.3, 0.0054, 0.016),
    (13, 14): (1.5, 0.0015, 0.038),
    (14, 15): (5.5, 0.002, 0.033),
    (15, 16): (10.1, 0.004, 0.032),
    (16, 17): (18.0, 0.0055, 0.031),
    (17, 18): (20.9, 0.007, 0.031),
    (18, 19): (36.9, 0.0064, 0.028),
    (19, 20): (49.1, 0.0077, 0.027),
}

#: Every setting the authors ran, 1000 runs each (``runExps.csh``: k from 5 to 20, n = k, k+1, k+2,
#: n <= 20). Their tables list only settings where spurious minima were found
#: (``processResults.m`` skips a setting without bad points); an unlisted one had none in 1000 runs.
PAPER_SETTINGS: frozenset[tuple[int, int]] = frozenset(
    (k, n) for k in range(5, 21) for n in range(k, min(k + 2, 20) + 1))


def published_percent(k: int, n: int) -> float | None:
    """The paper's percentage for ``(k, n)``: the table's value, ``0.0`` for a setting the authors ran
    but did not list (no spurious minimum in 1000 runs), ``None`` for a setting they did not run."""
    if (k, n) in PUBLISHED:
        return PUBLISHED[(k, n)][0]
    return 0.0 if (k, n) in PAPER_SETTINGS else None


def _check_W(W: np.ndarray, k: object, name: str = "W") -> tuple[np.ndarray, int]:
    W = np.asarray(W, dtype=float)
    if W.ndim < 2:
        raise ValueError(f"{name} must have shape (n, d) or (..., n, d), got {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} must be finite")
    k = check_int(k, "k", 1)
    if k > W.shape[-1]:
        raise ValueError(f"k must be <= d = {W.shape[-1]} (orthonormal teacher vectors e_1..e_k), got k={k}")
    return W, k


# --------------------------------------------------------------------------- closed forms


def relu_kernel(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``E[relu(w.x) relu(v.x)]`` for ``x ~ N(0, I)``, broadcasting over leading axes."""
    w = np.asarray(w, dtype=float)
    v = np.asarray(v, dtype=float)
    nw = np.linalg.norm(w, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    denom = np.where(nw * nv > 0, nw * nv, 1.0)
    cos = np.clip(np.sum(w * v, axis=-1) / denom, -1.0, 1.0)
    th = np.arccos(cos)
    return nw * nv / TWO_PI * (np.sin(th) + (math.pi - th) * cos)


def _geometry(W: np.ndarray, k: int):
    """Norms, unit vectors, cosines and angles student-student (diagonal exactly 0) and student-teacher."""
    n = W.shape[-2]
    nW = np.sqrt(np.einsum("...nd,...nd->...n", W, W))
    Wh = W / np.where(nW > 0, nW, 1.0)[..., None]
    C = np.clip(Wh @ np.swapaxes(Wh, -1, -2), -1.0, 1.0)
    idx = np.arange(n)
    C[..., idx, idx] = 1.0
    T = np.arccos(C)
    T[..., idx, idx] = 0.0
    CV = np.clip(Wh[..., :k], -1.0, 1.0)  # cos(w_i, e_l) = ŵ_il
    TV = np.arccos(CV)
    return nW, Wh, C, T, CV, TV


def population_loss(W: np.ndarray, k: int) -> np.ndarray:
    """Closed-form population loss ``F(W)`` for students ``W`` of shape ``(..., n, d)``, teacher ``e_1..e_k``."""
    W, k = _check_W(W, k)
    nW, _, C, T, CV, TV = _geometry(W, k)
    ww = np.einsum("...i,...ij,...j->...", nW, np.sin(T) + (math.pi - T) * C, nW)
    wv = np.einsum("...i,...il->...", nW, np.sin(TV) + (math.pi - TV) * CV)
    vv = k * math.pi + k * (k - 1)  # the teacher's own Gram sum: κ(0) = 1/2, κ(π/2) = 1/(2π)
    return (0.5 * ww - wv + 0.5 * vv) / TWO_PI


def population_grad(W: np.ndarray, k: int) -> np.ndarray:
    """Analytic gradient of :func:`population_loss`, same shape as ``W``.

    ``∂F/∂w_i = Σ_j g(w_i, w_j) - Σ_l g(w_i, e_l)`` with ``g`` from the module docstring.
    """
    W, k = _check_W(W, k)
    return _grad(W, k)


def _grad(W: np.ndarray, k: int) -> np.ndarray:
    nW, Wh, _, T, _, TV = _geometry(W, k)
    s = np.einsum("...ij,...j->...i", np.sin(T), nW) - np.sin(TV).sum(-1)
    G = Wh * s[..., None] + (math.pi - T) @ W
    G[..., :k] -= math.pi - TV
    return G / TWO_PI


def population_hessian(W: np.ndarray, k: int) -> np.ndarray:
    """Closed-form Hessian of :func:`population_loss`: shape ``(..., n d, n d)`` for ``W`` of shape ``(..., n, d)``.

    Rows and columns are ordered like ``W.ravel()`` (neuron by neuron). Exact up to rounding wherever
    ``F`` is twice differentiable (no zero neuron, no two student neurons parallel).
    """
    W, k = _check_W(W, k)
    lead, (n, d) = W.shape[:-2], W.shape[-2:]
    Wb = W.reshape(-1, n, d)
    out = np.empty((Wb.shape[0], n * d, n * d))
    for start in range(0, Wb.shape[0], 64):  # chunks keep the (runs, n, n, d, d) blocks small
        out[start:start + 64] = _hessian(Wb[start:start + 64], k)
    return out.reshape(*lead, n * d, n * d)


def _hessian(W: np.ndarray, k: int) -> np.ndarray:
    R, n, d = W.shape
    nW, Wh, C, T, CV, TV = _geometry(W, k)
    S, SV = np.sin(T), np.sin(TV)
    invS = np.divide(1.0, S, out=np.zeros_like(S), where=S > 1e-12)
    invSV = np.divide(1.0, SV, out=np.zeros_like(SV), where=SV > 1e-12)
    eye = np.eye(d)
    P = eye - Wh[..., :, None] * Wh[..., None, :]  # (R, n, d, d): I - ŵŵᵀ
    A = Wh[:, None, :, :] - C[..., None] * Wh[:, :, None, :]  # A[r,i,j] = ŵ_j - cos θ_ij ŵ_i
    # off-diagonal blocks ∂g(w_i, w_j)/∂u: (π-θ) I + sin θ ŵ_i ŵ_jᵀ + A_ij A_jiᵀ / sin θ
    H = ((math.pi - T)[..., None, None] * eye
         + (S[..., None, None] * Wh[:, :, None, :, None] * Wh[:, None, :, None, :])
         + invS[..., None, None] * A[..., :, None] * np.swapaxes(A, 1, 2)[..., None, :]) / TWO_PI
    # diagonal blocks: I/2 + Σ_{j≠i} |w_j|/(2π|w_i|) (sin θ P_i + A Aᵀ / sin θ) - Σ_l (same with e_l)
    ratio = nW[:, None, :] / nW[:, :, None]  # |w_j| / |w_i|
    idx = np.arange(n)
    ratio[:, idx, idx] = 0.0
    D = (np.einsum("rij,rij->ri", ratio, S)[..., None, None] * P
         + np.einsum("rij,rijd,rije->ride", ratio * invS, A, A))
    B = eye[:k][None, None] - CV[..., None] * Wh[:, :, None, :]  # e_l - cos θ_il ŵ_i
    D -= (SV.sum(-1)[..., None, None] * P + np.einsum("ril,rild,rile->ride", invSV, B, B)) / nW[..., None, None]
    H[:, idx, idx] = 0.5 * eye + D / TWO_PI
    return H.transpose(0, 1, 3, 2, 4).reshape(R, n * d, n * d)


def monte_carlo_loss(W: np.ndarray, k: int, samples: int = 200_000, seed: int = 0) -> float:
    """Monte Carlo estimate of the loss of one student ``W`` (n, d) (an independent check of the closed form)."""
    W, k = _check_W(W, k)
    if W.ndim != 2:
        raise ValueError(f"W must have shape (n, d), got {W.shape}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((check_int(samples, "samples", 1), W.shape[1]))
    r = np.maximum(X @ W.T, 0).sum(1) - np.maximum(X[:, :k], 0).sum(1)
    return float(0.5 * np.mean(r**2))


# --------------------------------------------------------------------------- the experiment


INITS = ("gaussian", "uniform", "uniform_rotated", "xavier_uniform")


def init_weights(runs: int, n: int, d: int, rng: np.random.Generator, init: str = "gaussian",
                 scale: float = 1.0) -> np.ndarray:
    """First-layer weights for ``runs`` students, shape ``(runs, n, d)``.

    * ``"gaussian"``: i.i.d. ``N(0, scale² / d)`` -- the authors' initialisation
      (``randn(d, n)/sqrt(d)``, commented "Xavier");
    * ``"uniform"``: i.i.d. uniform with the same variance, ``U(±scale·sqrt(3/d))``;
    * ``"uniform_rotated"``: the same uniform weights times a random rotation of the input space, one
      per run (``W Q``, ``Q`` Haar-distributed): the cube's axes no longer line up with the teacher's
      ``e_j`` (used to show that this alignment is what the uniform law changes);
    * ``"xavier_uniform"``: Glorot & Bengio's ``U(±scale·sqrt(6/(n + d)))`` (variance ``2/(n+d)``; the
      same as ``"uniform"`` when ``n = d``).
    """
    runs, n, d = check_int(runs, "runs", 1), check_int(n, "n", 1), check_int(d, "d", 1)
    scale = float(check_positive(scale, "scale"))
    if init == "gaussian":
        return scale * rng.standard_normal((runs, n, d)) / math.sqrt(d)
    if init in ("uniform", "uniform_rotated"):
        a = scale * math.sqrt(3.0 / d)
        W = rng.uniform(-a, a, size=(runs, n, d))
        if init == "uniform":
            return W
        Q, R = np.linalg.qr(rng.standard_normal((runs, d, d)))
        Q *= np.sign(np.diagonal(R, axis1=-2, axis2=-1))[..., None, :]  # Haar: fix the signs of QR
        return W @ Q
    if init == "xavier_uniform":
        a = scale * math.sqrt(6.0 / (n + d))
        return rng.uniform(-a, a, size=(runs, n, d))
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def descend(W0: np.ndarray, k: int, lr: float = LR, tol: float = GRAD_TOL, max_steps: int = 1_000_000,
            stop_loss: float | None = None, check_every: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain gradient descent from every student in ``W0`` (``(runs, n, d)``) until it converges.

    Each run stops on its own once ``max_i |∂F/∂w_i| <= tol`` (the paper's rule); only the runs still
    moving are updated, so one slow run costs little. A run whose gradient norm exceeds ``1e4/(2π)``
    restarts from its initial point with half its step (the authors' divergence guard).

    ``stop_loss``: also stop a run (every ``check_every`` steps) once its loss is below this value.
    Gradient descent at these step sizes never increases the loss, so such a run can only end
    below ``stop_loss`` -- it is stopped, not mislabelled; this saves the long crawl of
    overparameterized students along their degenerate global minima. The largest loss increase
    seen between two checks is returned so that the claim is checked on every run.

    Returns ``(W, steps, max_increase)``: the end points; per run the number of steps taken, ``-1``
    for a run stopped by ``stop_loss`` and ``-2`` for one still moving after ``max_steps``; and the
    largest increase of any run's loss between two checks (``0.0`` if it never rose).
    """
    W0, k = _check_W(W0, k, "W0")
    if W0.ndim != 3:
        raise ValueError(f"W0 must have shape (runs, n, d), got {W0.shape}")
    lr = float(check_positive(lr, "lr"))
    tol = float(check_positive(tol, "tol"))
    max_steps = check_int(max_steps, "max_steps", 0)
    check_every = check_int(check_every, "check_every", 1)
    if stop_loss is not None:
        stop_loss = float(check_positive(stop_loss, "stop_loss"))
    W = W0.copy()
    steps = np.full(W.shape[0], -2)
    lrs = np.full(W.shape[0], lr)
    last_loss = np.full(W.shape[0], np.inf)
    max_increase = 0.0
    active = np.arange(W.shape[0])
    # Plain gradient descent written out, not an optimizer of lecture_code.core.optimizers: every
    # run has its own step (halved by the authors' divergence guard) and only the runs still
    # moving are updated, while an optimizer's update takes one array and one learning rate.
    for t in range(max_steps + 1):
        if active.size == 0:
            break
        Wa = W[active]
        G = _grad(Wa, k)
        gn = np.sqrt(np.einsum("rnd,rnd->rn", G, G)).max(-1)
        done = gn <= tol
        steps[active[done]] = t
        if stop_loss is not None and t % check_every == 0:
            loss = population_loss(Wa, k)
            max_increase = max(max_increase, float(np.max(loss - last_loss[active], initial=0.0)))
            last_loss[active] = loss
            low = ~done & (loss < stop_loss)
            steps[active[low]] = -1
            done |= low
        bad = ~np.isfinite(gn) | (gn > _DIVERGENCE)
        if bad.any():  # restart those runs from their initial point with half the step
            Wa[bad] = W0[active[bad]]
            lrs[active[bad]] /= 2
            last_loss[active[bad]] = np.inf
        move = ~done & ~bad
        if t < max_steps:
            Wa[move] -= lrs[active[move], None, None] * G[move]
        W[active] = Wa
        active = active[~done]
    return W, steps, max_increase


LABELS = ("global", "local", "unverified", "not converged")


def classify(W: np.ndarray, k: int, converged: np.ndarray, global_tol: float = GLOBAL_TOL,
             lambda_tol: float = LAMBDA_TOL) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Label end points ``W`` (``(runs, n, d)``): ``global``, ``local`` (a spurious local minimum),
    ``unverified`` or ``not converged`` (see the module docstring).

    Returns ``(labels, losses, min_eigenvalues, grad_norms)``; the smallest Hessian eigenvalue is
    computed only for bad points (``nan`` elsewhere); ``grad_norms`` is ``max_i |∂F/∂w_i|``.
    """
    W, k = _check_W(W, k)
    converged = np.asarray(converged, dtype=bool)
    losses = population_loss(W, k)
    G = _grad(W, k)
    gns = np.sqrt(np.einsum("rnd,rnd->rn", G, G)).max(-1)
    lam = np.full(W.shape[0], np.nan)
    bad = losses >= global_tol
    if bad.any():
        lam[bad] = np.linalg.eigvalsh(population_hessian(W[bad], k))[:, 0]
    labels = []
    for r in range(W.shape[0]):
        if not bad[r]:
            labels.append("global")
        elif not converged[r]:
            labels.append("not converged")
        elif lam[r] > lambda_tol:
            labels.append("local")
        else:
            labels.append("unverified")
    return labels, losses, lam, gns


@dataclass
class ExperimentResult:
    """Outcome of :func:`run_experiment` for one ``(k, n)``."""

    k: int
    n: int
    runs: int
    labels: list[str] = field(repr=False)
    losses: np.ndarray = field(repr=False)
    min_eigenvalues: np.ndarray = field(repr=False)
    grad_norms: np.ndarray = field(repr=False)
    steps: np.ndarray = field(repr=False)
    max_loss_increase: float = 0.0

    def count(self, label: str) -> int:
        if label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {label!r}")
        return sum(lab == label for lab in self.labels)

    @property
    def n_local(self) -> int:
        return self.count("local")

    @property
    def percent_local(self) -> float:
        return 100.0 * self.n_local / self.runs

    def _mean_local(self, a: np.ndarray) -> float:
        m = np.array([lab == "local" for lab in self.labels])
        return float(np.mean(a[m])) if m.any() else float("nan")

    @property
    def mean_min_eigenvalue(self) -> float:
        return self._mean_local(self.min_eigenvalues)

    @property
    def mean_loss_local(self) -> float:
        return self._mean_local(self.losses)

    def summary(self) -> dict:
        conv = self.steps[self.steps >= 0]
        return dict(k=self.k, n=self.n, runs=self.runs, local=self.n_local,
                    **{lab.replace(" ", "_"): self.count(lab) for lab in LABELS if lab != "local"},
                    percent_local=self.percent_local, mean_min_eigenvalue=self.mean_min_eigenvalue,
                    mean_loss_local=self.mean_loss_local,
                    converged=int(conv.size), stopped_low_loss=int(np.sum(self.steps == -1)),
                    median_steps=int(np.median(conv)) if conv.size else None,
                    max_steps=int(conv.max()) if conv.size else None,
                    max_loss_increase=self.max_loss_increase)


def run_experiment(k: int, n: int, runs: int = 100, seed: int = 0, init: str = "gaussian", scale: float = 1.0,
                   lr: float = LR, tol: float = GRAD_TOL, max_steps: int = 1_000_000,
                   global_tol: float = GLOBAL_TOL, lambda_tol: float = LAMBDA_TOL,
                   early_stop: bool = True) -> ExperimentResult:
    """Safran & Shamir's experiment for one ``(k, n)`` with ``d = k``: initialise, descend, classify.

    The defaults are the paper's protocol (module docstring); the keyword arguments are the knobs of
    the ablation (initial distribution and scale, step size, stopping tolerance, minimum test).
    ``early_stop`` stops a run once its loss is below ``global_tol`` (see :func:`descend`).
    """
    k, n, runs = check_int(k, "k", 1), check_int(n, "n", 1), check_int(runs, "runs", 1)
    rng = np.random.default_rng(seed)
    W, steps, rise = descend(init_weights(runs, n, k, rng, init, scale), k, lr, tol, max_steps,
                             stop_loss=global_tol if early_stop else None)
    labels, losses, lam, gns = classify(W, k, steps >= 0, global_tol, lambda_tol)
    return ExperimentResult(k, n, runs, labels, losses, lam, gns, steps, rise)


def two_sample_z(count_a: int, runs_a: int, count_b: float, runs_b: int) -> float:
    """Two-proportion z statistic ``(p_a - p_b) / SE`` with the pooled standard error
    ``sqrt(p (1 - p) (1/runs_a + 1/runs_b))``; ``0`` when both proportions are zero (or both one).

    ``count_b`` may be fractional (a published percentage times the number of runs).
    """
    runs_a, runs_b = check_int(runs_a, "runs_a", 1), check_int(runs_b, "runs_b", 1)
    if not (0 <= count_a <= runs_a and 0 <= count_b <= runs_b):
        raise ValueError(f"counts must lie in [0, runs], got {count_a}/{runs_a} and {count_b}/{runs_b}")
    pa, pb = count_a / runs_a, count_b / runs_b
    p = (count_a + count_b) / (runs_a + runs_b)
    se = math.sqrt(p * (1 - p) * (1 / runs_a + 1 / runs_b))
    return 0.0 if se == 0 else (pa - pb) / se


# --------------------------------------------------------------------------- committed results


def load_results(path: str | None = None) -> dict:
    """The committed result of ``scripts/safran_shamir.py`` (``lecture_code/data/safran_shamir.json``)."""
    import json
    from pathlib import Path

    p = Path(path) if path is not None else Path(__file__).resolve().parents[1] / "data" / "safran_shamir.json"
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run `make data` (scripts/safran_shamir.py)")
    return json.loads(p.read_text())


def results_table(data: dict) -> str:
    """A plain-text table: measured percentages, eigenvalues and losses beside the published ones."""
    def f(v, fmt):
        return "—" if v is None else format(v, fmt)

    lines = [f"{'k':>3} {'n':>3} | {'ours: %':>8} {'(count)':>10} {'λ_min':>7} {'loss':>7} | "
             f"{'paper: %':>9} {'λ_min':>7} {'loss':>6} | {'z':>5}"]
    for r in data["rows"]:
        p = r.get("published") or {}
        pub = "not run" if not p else ("none" if p.get("listed") is False else f(p.get("percent_local"), ".1f"))
        lines.append(
            f"{r['k']:>3} {r['n']:>3} | {r['percent_local']:>8.1f} {str(r['local']) + '/' + str(r['runs']):>10} "
            f"{f(r['mean_min_eigenvalue'], '.4f'):>7} {f(r['mean_loss_local'], '.4f'):>7} | "
            f"{pub:>9} {f(p.get('mean_min_eigenvalue'), '.4f'):>7} {f(p.get('mean_loss_local'), '.3f'):>6} | "
            f"{f(r.get('z'), '+.1f'):>5}")
    return "\n".join(lines)


def count_weighted_means(families: Sequence[dict], lambda_tol: float = LAMBDA_TOL) -> dict:
    """Average loss and smallest Hessian eigenvalue over the runs of a setting, from its families.

    Each family is a dict with ``count`` (runs), ``loss`` and ``min_eigenvalue``. Families whose
    eigenvalue is not above ``lambda_tol`` fail the minimum test and are left out; the others are
    weighted by their counts, as the authors' ``processResults.m`` does
    (``dot(magnitude, objVals) / sum(magnitude)`` over the families proved to be minima).
    Returns ``count`` (runs that pass), ``failed`` (runs left out), ``mean_loss``, ``mean_min_eigenvalue``.
    """
    keep = [f for f in families if f["min_eigenvalue"] > lambda_tol]
    count = sum(f["count"] for f in keep)
    failed = sum(f["count"] for f in families) - count
    if not count:
        return dict(count=0, failed=failed, mean_loss=None, mean_min_eigenvalue=None)
    return dict(count=count, failed=failed,
                mean_loss=sum(f["count"] * f["loss"] for f in keep) / count,
                mean_min_eigenvalue=sum(f["count"] * f["min_eigenvalue"] for f in keep) / count)


def load_authors_results(path: str | None = None) -> dict:
    """The authors' stored bad points evaluated here (``lecture_code/data/safran_shamir_authors.json``,
    written by ``scripts/safran_shamir_authors.py`` from their repository's ``Results/newExp-k-n.mat``)."""
    import json
    from pathlib import Path

    p = Path(path) if path is not None else Path(__file__).resolve().parents[1] / "data" / "safran_shamir_authors.json"
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run scripts/safran_shamir_authors.py on the authors' Results/ folder")
    return json.loads(p.read_text())


def family_mix(row: dict) -> dict:
    """The spurious minima of one setting split into its most frequent kind and the rest.

    ``row`` has ``families`` (dicts with ``count``, ``loss``, ``min_eigenvalue``). Returns the number
    of kinds, the main kind's loss and λ_min, and the share of the other kinds and their mean loss.
    """
    fams = sorted(row["families"], key=lambda f: -f["count"])
    main, rest = fams[0], fams[1:]
    n_all = sum(f["count"] for f in fams)
    n_rest = sum(f["count"] for f in rest)
    rest_loss = sum(f["loss"] * f["count"] for f in rest) / n_rest if n_rest else float("nan")
    return dict(kinds=len(fams), main_loss=main["loss"], main_lambda=main["min_eigenvalue"],
                other_share=n_rest / n_all, other_loss=rest_loss)


def families_table(data: dict, settings: Sequence[tuple[int, int]], authors: dict | None = None) -> str:
    """The kinds of spurious minima found in some settings: loss, mean λ_min and how many runs.

    With ``authors`` (:func:`load_authors_results`), the authors' families stand beside ours, a
    kind on one line when the two losses agree to 5e-4.
    """
    by = {(r["k"], r["n"]): r for r in data["rows"]}
    if authors is None:
        lines = [f"{'k':>3} {'n':>3} | {'loss':>7} {'λ_min':>7} {'runs':>5}"]
        for k, n in settings:
            for f in sorted(by[(k, n)]["families"], key=lambda f: -f["count"]):
                lines.append(f"{k:>3} {n:>3} | {f['loss']:>7.4f} {f['min_eigenvalue']:>7.4f} {f['count']:>5}")
        return "\n".join(lines)
    theirs_by = {(r["k"], r["n"]): r for r in authors["rows"]}
    head = "the authors' files"
    lines = [f"{'':>7} | {'ours':^21} | {head:^21}",
             f"{'k':>3} {'n':>3} | {'loss':>7} {'λ_min':>7} {'runs':>5} | {'loss':>7} {'λ_min':>7} {'runs':>5}"]

    def cell(f):
        return " " * 21 if f is None else f"{f['loss']:>7.4f} {f['min_eigenvalue']:>7.4f} {f['count']:>5}"

    for k, n in settings:
        ours = sorted(by[(k, n)]["families"], key=lambda f: -f["count"])
        theirs = sorted(theirs_by[(k, n)]["families"], key=lambda f: -f["count"])
        pairs, used = [], set()
        for f in ours:
            match = next((i for i, g in enumerate(theirs) if i not in used and abs(g["loss"] - f["loss"]) < 5e-4), None)
            if match is not None:
                used.add(match)
            pairs.append((f, None if match is None else theirs[match]))
        pairs += [(None, g) for i, g in enumerate(theirs) if i not in used]
        lines += [f"{k:>3} {n:>3} | {cell(a)} | {cell(b)}" for a, b in pairs]
    return "\n".join(lines)
