"""Spurious local minima of two-layer ReLU networks (Safran & Shamir, 2018), in closed form.

The setting of the lecture's tables: inputs ``x ~ N(0, I_d)``, a *teacher* (target)
``sum_j relu(v_j . x)`` with ``k`` orthonormal weight vectors ``v_j = e_j`` (``d = k``), a
*student* ``sum_i relu(w_i . x)`` with ``n`` neurons (output weights fixed to one) and the
population loss

    F(W) = 1/2 E[(sum_i relu(w_i.x) - sum_j relu(v_j.x))^2].

It has a closed form through the arc-cosine kernel: for vectors ``w, v`` at angle ``θ``

    E[relu(w.x) relu(v.x)] = |w||v| / (2π) (sin θ + (π - θ) cos θ),

and the gradient of that kernel in ``w`` is ``((π - θ) v + |v| sin θ ŵ) / (2π)``. So the loss,
its gradient and its exact Hessian cost microseconds, and thousands of gradient-descent runs
can be batched into one numpy array of shape ``(runs, n, d)``::

    from lecture_code.relu_minima import population_loss, population_grad, run_experiment
    res = run_experiment(k=8, n=8, runs=200, seed=0)   # -> ExperimentResult
    res.percent_local, res.mean_min_eigenvalue, res.mean_loss_local

The protocol (``run_experiment``): Xavier-uniform initialisation, batched gradient descent
(step ``lr``) for ``steps`` steps, then every run is polished to a tight gradient tolerance
with L-BFGS (scipy) on the same closed-form loss, and classified by its loss and the smallest
eigenvalue of its exact Hessian (torch autograd on the closed form):

* ``global``   loss < ``global_tol``;
* ``local``    loss >= ``global_tol``, gradient norm < ``grad_tol`` and λ_min > 0 (a spurious
  local minimum: every direction curves up);
* ``other``    everything else (not converged, or a saddle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "relu_kernel",
    "population_loss",
    "population_grad",
    "population_loss_torch",
    "hessian",
    "hessian_fd",
    "monte_carlo_loss",
    "xavier_init",
    "gradient_descent",
    "polish",
    "ExperimentResult",
    "run_experiment",
    "PUBLISHED",
    "load_results",
    "results_table",
    "draw_results",
]

#: Safran & Shamir (2018), Tables 1 and 2 as quoted in the lecture (seed 002):
#: (k, n) -> (% of runs converging to a spurious local minimum, mean minimal eigenvalue,
#: mean objective value at those minima).
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


def _check_W(W: np.ndarray, name: str = "W") -> np.ndarray:
    W = np.asarray(W, dtype=float)
    if W.ndim not in (2, 3):
        raise ValueError(f"{name} must have shape (n, d) or (runs, n, d), got {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} must be finite")
    return W


def _teacher(k: int, d: int) -> np.ndarray:
    if k > d:
        raise ValueError(f"k must be <= d = {d} (orthonormal teacher vectors), got k={k}")
    return np.eye(d)[:k]


def relu_kernel(w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``E[relu(w.x) relu(v.x)]`` for ``x ~ N(0, I)``, broadcasting over leading axes."""
    w = np.asarray(w, dtype=float)
    v = np.asarray(v, dtype=float)
    nw = np.linalg.norm(w, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    denom = np.where(nw * nv > 0, nw * nv, 1.0)
    cos = np.clip(np.sum(w * v, axis=-1) / denom, -1.0, 1.0)
    th = np.arccos(cos)
    return nw * nv / (2 * math.pi) * (np.sin(th) + (math.pi - th) * cos)


def _all_vectors(W: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Stack student and teacher vectors: ``U`` (..., n+k, d) and signs ``c`` (n+k,)."""
    d = W.shape[-1]
    V = _teacher(k, d)
    V = np.broadcast_to(V, W.shape[:-2] + V.shape)
    U = np.concatenate([W, V], axis=-2)
    c = np.concatenate([np.ones(W.shape[-2]), -np.ones(k)])
    return U, c


def population_loss(W: np.ndarray, k: int) -> np.ndarray:
    """Closed-form population loss ``F(W)`` for student ``W`` ((n, d) or (runs, n, d)), teacher ``e_1..e_k``."""
    W = _check_W(W)
    U, c = _all_vectors(W, k)
    K = relu_kernel(U[..., :, None, :], U[..., None, :, :])
    return 0.5 * np.einsum("...ab,a,b->...", K, c, c)


def population_grad(W: np.ndarray, k: int) -> np.ndarray:
    """Analytic gradient of :func:`population_loss`, same shape as ``W``."""
    W = _check_W(W)
    n = W.shape[-2]
    U, c = _all_vectors(W, k)
    nW = np.linalg.norm(W, axis=-1)  # (..., n)
    nU = np.linalg.norm(U, axis=-1)  # (..., n+k)
    safe_nW = np.where(nW > 0, nW, 1.0)
    dots = np.einsum("...id,...bd->...ib", W, U)
    cos = np.clip(dots / (safe_nW[..., :, None] * nU[..., None, :]), -1.0, 1.0)
    th = np.arccos(cos)
    A = c * (math.pi - th)  # (..., n, n+k)
    B = np.sum(c * nU[..., None, :] * np.sin(th), axis=-1)  # (..., n)
    What = W / safe_nW[..., None]
    G = np.einsum("...ib,...bd->...id", A, U) + What * B[..., None]
    del n
    return G / (2 * math.pi)


def population_loss_torch(w_flat, n: int, d: int, k: int):
    """The same loss as a torch function of a flat float64 tensor (for autograd Hessians).

    Diagonal kernel terms use ``|w|^2/2`` directly (``arccos`` is not differentiable at 1).
    """
    import torch

    W = w_flat.reshape(n, d)
    V = torch.eye(d, dtype=w_flat.dtype)[:k]

    def kern(a, b):
        na, nb = a.norm(dim=-1), b.norm(dim=-1)
        cos = ((a * b).sum(-1) / (na * nb)).clamp(-1 + 1e-15, 1 - 1e-15)
        th = torch.arccos(cos)
        return na * nb / (2 * math.pi) * (torch.sin(th) + (math.pi - th) * cos)

    iu = torch.triu_indices(n, n, offset=1)
    ss = (W * W).sum() / 2 + 2 * kern(W[iu[0]], W[iu[1]]).sum()
    st = kern(W[:, None, :].expand(n, k, d), V[None].expand(n, k, d)).sum()
    ju = torch.triu_indices(k, k, offset=1)
    tt = k / 2 + 2 * kern(V[ju[0]], V[ju[1]]).sum()
    return 0.5 * (ss - 2 * st + tt)


def hessian(W: np.ndarray, k: int) -> np.ndarray:
    """Exact Hessian (``(n d, n d)``) of the population loss at one student ``W`` (n, d)."""
    import torch

    W = _check_W(W)
    if W.ndim != 2:
        raise ValueError(f"W must have shape (n, d) for a Hessian, got {W.shape}")
    n, d = W.shape
    w = torch.tensor(W.ravel(), dtype=torch.float64)
    H = torch.autograd.functional.hessian(lambda t: population_loss_torch(t, n, d, k), w)
    return H.numpy()


def hessian_fd(W: np.ndarray, k: int, eps: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of the analytic gradient, all ``2 n d`` gradients in one batch.

    Accurate to about ``1e-9`` (tested against :func:`hessian`) and much faster; used to
    classify the end points of the experiment.
    """
    W = _check_W(W)
    if W.ndim != 2:
        raise ValueError(f"W must have shape (n, d) for a Hessian, got {W.shape}")
    P = W.size
    E = (eps * np.eye(P)).reshape(P, *W.shape)
    G = population_grad(np.concatenate([W + E, W - E]), k).reshape(2, P, P)
    H = (G[0] - G[1]) / (2 * eps)
    return 0.5 * (H + H.T)


def monte_carlo_loss(W: np.ndarray, k: int, samples: int = 200_000, seed: int = 0) -> float:
    """Monte Carlo estimate of the loss (independent check of the closed form)."""
    W = _check_W(W)
    if W.ndim != 2:
        raise ValueError(f"W must have shape (n, d), got {W.shape}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, W.shape[1]))
    V = _teacher(k, W.shape[1])
    r = np.maximum(X @ W.T, 0).sum(1) - np.maximum(X @ V.T, 0).sum(1)
    return float(0.5 * np.mean(r**2))


def xavier_init(runs: int, n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Xavier-uniform first-layer weights, shape ``(runs, n, d)``: U(±sqrt(6/(n+d)))."""
    a = math.sqrt(6.0 / (n + d))
    return rng.uniform(-a, a, size=(runs, n, d))


def gradient_descent(W0: np.ndarray, k: int, lr: float, steps: int) -> np.ndarray:
    """Plain gradient descent on the closed-form loss, batched over the leading axis of ``W0``."""
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    W = _check_W(W0, "W0").copy()
    for _ in range(int(steps)):
        W -= lr * population_grad(W, k)
    return W


def polish(W: np.ndarray, k: int, gtol: float = 1e-11, maxiter: int = 20000) -> np.ndarray:
    """L-BFGS on the closed-form loss from ``W`` (n, d) until the gradient norm is below ``gtol``."""
    from scipy.optimize import minimize

    W = _check_W(W)
    shape = W.shape

    def fg(x):
        Wx = x.reshape(shape)
        return float(population_loss(Wx, k)), population_grad(Wx, k).ravel()

    res = minimize(fg, W.ravel(), jac=True, method="L-BFGS-B",
                   options=dict(gtol=gtol, ftol=1e-300, maxiter=maxiter, maxcor=30))
    return res.x.reshape(shape)


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

    @property
    def n_local(self) -> int:
        return sum(lab == "local" for lab in self.labels)

    @property
    def n_other(self) -> int:
        return sum(lab == "other" for lab in self.labels)

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
        return dict(k=self.k, n=self.n, runs=self.runs, local=self.n_local, other=self.n_other,
                    percent_local=self.percent_local, mean_min_eigenvalue=self.mean_min_eigenvalue,
                    mean_loss_local=self.mean_loss_local)


def run_experiment(k: int, n: int, runs: int = 100, seed: int = 0, lr: float = 0.1, steps: int = 2000,
                   global_tol: float = 1e-6, grad_tol: float = 1e-7) -> ExperimentResult:
    """Safran & Shamir's experiment for one ``(k, n)`` with ``d = k`` (see the module docstring)."""
    from lecture_code.symmetry import check_int

    k = check_int(k, "k", 1)
    n = check_int(n, "n", 1)
    runs = check_int(runs, "runs", 1)
    d = k
    rng = np.random.default_rng(seed)
    W = gradient_descent(xavier_init(runs, n, d, rng), k, lr, steps)
    labels, losses, mins, gns = [], [], [], []
    gd_losses = population_loss(W, k)
    for r in range(runs):
        # runs already at the global minimum after gradient descent need no polishing
        Wr = W[r] if gd_losses[r] < global_tol * 1e-3 else polish(W[r], k)
        loss = float(population_loss(Wr, k))
        gn = float(np.linalg.norm(population_grad(Wr, k)))
        if loss < global_tol:
            lab, lmin = "global", float("nan")
        else:
            lmin = float(np.linalg.eigvalsh(hessian_fd(Wr, k))[0])
            lab = "local" if (gn < grad_tol and lmin > 0) else "other"
        labels.append(lab)
        losses.append(loss)
        mins.append(lmin)
        gns.append(gn)
    return ExperimentResult(k, n, runs, labels, np.array(losses), np.array(mins), np.array(gns))


def load_results(path: str | None = None) -> dict:
    """The committed result of ``scripts/safran_shamir.py`` (``data/safran_shamir.json``)."""
    import json
    from pathlib import Path

    p = Path(path) if path is not None else Path(__file__).resolve().parents[1] / "data" / "safran_shamir.json"
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run `.venv/bin/python scripts/safran_shamir.py`")
    return json.loads(p.read_text())


def results_table(data: dict) -> str:
    """A plain-text table: reproduced percentages, eigenvalues and losses beside the published ones."""
    def f(v, fmt):
        return "—" if v is None else format(v, fmt)

    lines = [f"{'k':>3} {'n':>3} | {'ours: % local':>14} {'(count)':>9} {'λ_min':>7} {'loss':>7} | "
             f"{'paper: %':>9} {'λ_min':>7} {'loss':>7}"]
    for r in data["rows"]:
        p = r.get("published") or {}
        lines.append(
            f"{r['k']:>3} {r['n']:>3} | {r['percent_local']:>14.1f} {str(r['local']) + '/' + str(r['runs']):>9} "
            f"{f(r['mean_min_eigenvalue'], '.4f'):>7} {f(r['mean_loss_local'], '.4f'):>7} | "
            f"{f(p.get('percent_local'), '.1f') if p else 'not listed':>9} {f(p.get('mean_min_eigenvalue'), '.4f') if p else '':>7} "
            f"{f(p.get('mean_loss_local'), '.3f') if p else '':>7}")
    return "\n".join(lines)


def draw_results(data: dict):
    """Percentage of runs ending in a spurious local minimum against k, for n = k, k+1, k+2, ours vs paper."""
    import plotly.graph_objects as go

    from lecture_code.plotting import color, new_figure

    fig = new_figure(x_title="teacher neurons k (input dimension d = k)", y_title="% of runs in a spurious local minimum",
                     height=420)
    for i, extra in enumerate((0, 1, 2)):
        rows = [r for r in data["rows"] if r["n"] == r["k"] + extra]
        if not rows:
            continue
        err = [100 * math.sqrt(max(r["percent_local"] / 100 * (1 - r["percent_local"] / 100), 1e-12) / r["runs"])
               for r in rows]  # binomial standard error
        fig.add_trace(go.Scatter(x=[r["k"] for r in rows], y=[r["percent_local"] for r in rows], mode="lines+markers",
                                 error_y=dict(type="data", array=err, visible=True),
                                 name=f"ours ± 1 s.e., n = k + {extra}" if extra else "ours ± 1 s.e., n = k",
                                 line=dict(color=color(i))))
        pub = [(k, v[0]) for (k, n), v in sorted(PUBLISHED.items()) if n == k + extra and k <= 12]
        if pub:
            fig.add_trace(go.Scatter(x=[k for k, _ in pub], y=[v for _, v in pub], mode="markers",
                                     name=f"Safran & Shamir, n = k + {extra}" if extra else "Safran & Shamir, n = k",
                                     marker=dict(color=color(i), symbol="x", size=11)))
    return fig
