"""Deep linear networks: non-convex, yet every local minimum is global.

* **The lecture's scalar chains** ``L(w) = (1 − w1 w2 ⋯ wD)²`` (one training example ``x = 1``,
  target ``1``, depth ``D``) with analytic gradient and Hessian: at the origin the Hessian is
  ``[[0, −2], [−2, 0]]`` for ``D = 2`` (a saddle with eigenvalue −2: easy to escape) and the zero
  matrix for ``D >= 3`` (a flat, "bad" saddle the second-order test cannot see).
* **Matrix networks** ``L(W) = ‖Y − W_H ⋯ W_1 X‖_F²`` trained from many random initialisations,
  compared with the best rank-constrained linear map (Kawaguchi 2016; Lu & Kawaguchi 2017:
  every local minimum is global).
* **Linear ResNets** ``L(W) = ‖R − (I + W_H) ⋯ (I + W_1)‖_F²`` (the population loss for
  ``x ~ N(0, I)`` up to the noise constant; Hardt & Ma 2016): critical points with all
  ``‖W_k‖ < 1`` are global; a global minimum with ``‖W_k‖ = O(1/H)`` exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm, logm

__all__ = [
    "chain_loss",
    "chain_grad",
    "chain_hessian",
    "chain_gd",
    "ChainRun",
    "shallow_optimum",
    "deep_linear_loss",
    "train_deep_linear",
    "resnet_loss",
    "resnet_grad",
    "train_resnet",
    "resnet_small_norm_solution",
    "find_resnet_critical_point",
    "resnet_critical_survey",
    "draw_chain_runs",
    "draw_resnet_survey",
]


def _check_w(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.ndim != 1 or w.size < 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be a finite 1-D array with >= 1 entry (one weight per layer), got shape {w.shape}")
    return w


def _prod_except(w: np.ndarray, skip: tuple[int, ...]) -> float:
    return float(np.prod([w[i] for i in range(len(w)) if i not in skip]))


def chain_loss(w) -> float:
    """``(1 − ∏ w_i)²``."""
    w = _check_w(w)
    return float((1 - np.prod(w)) ** 2)


def chain_grad(w) -> np.ndarray:
    """``∂L/∂w_i = −2 (1 − ∏w) ∏_{j≠i} w_j``."""
    w = _check_w(w)
    r = 1 - np.prod(w)
    return np.array([-2 * r * _prod_except(w, (i,)) for i in range(len(w))])


def chain_hessian(w) -> np.ndarray:
    """Analytic Hessian: ``H_ii = 2 (∏_{j≠i} w_j)²``, ``H_ij = 2 p_i p_j − 2 (1 − ∏w) ∏_{l≠i,j} w_l``."""
    w = _check_w(w)
    D = len(w)
    r = 1 - np.prod(w)
    p = np.array([_prod_except(w, (i,)) for i in range(D)])
    H = 2 * np.outer(p, p)
    for i in range(D):
        for j in range(D):
            if i != j:
                H[i, j] -= 2 * r * _prod_except(w, (i, j))
    return H


@dataclass
class ChainRun:
    """Gradient descent on a scalar chain."""

    depth: int
    losses: np.ndarray  # float32
    steps_to_half: int | None  # first step with loss < 0.5 (None: never)
    diverged_at: int | None


def chain_gd(depth: int, init_scale: float, lr: float = 0.05, steps: int = 400, seed: int = 0) -> ChainRun:
    """GD on ``(1 − w1⋯wD)²`` from ``w_i = init_scale · (1 + 0.1 ε_i)`` (all near the origin when small)."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    rng = np.random.default_rng(seed)
    w = init_scale * (1 + 0.1 * rng.standard_normal(depth))
    losses = [chain_loss(w)]
    half, div = None, None
    for t in range(1, steps + 1):
        w = w - lr * chain_grad(w)
        L = float((1 - np.prod(w)) ** 2) if np.all(np.isfinite(w)) else math.inf
        if not math.isfinite(L) or L > 1e6:
            div = t
            break
        losses.append(L)
        if half is None and L < 0.5:
            half = t
    return ChainRun(int(depth), np.array(losses, np.float32), half, div)


# ------------------------------------------------------------------------------ matrix nets


def shallow_optimum(X: np.ndarray, Y: np.ndarray, rank: int) -> float:
    """``min ‖Y − R X‖_F²`` over matrices ``R`` of rank ``<= rank`` (closed form via the SVD).

    With ``Ŷ = Y X⁺ X`` (the projection of ``Y``'s rows onto ``X``'s row space), the optimum is
    ``‖Y − Ŷ‖² + Σ_{i > rank} σ_i(Ŷ)²`` (Eckart-Young).
    """
    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X (d0, m) and Y (dH, m) must have the same number of columns, got {X.shape}, {Y.shape}")
    Yhat = Y @ np.linalg.pinv(X) @ X
    s = np.linalg.svd(Yhat, compute_uv=False)
    return float(np.sum((Y - Yhat) ** 2) + np.sum(s[rank:] ** 2))


def deep_linear_loss(Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """``‖Y − W_H ⋯ W_1 X‖_F²`` for ``Ws = [W_1, ..., W_H]``."""
    P = X
    for W in Ws:
        P = W @ P
    return float(np.sum((Y - P) ** 2))


def train_deep_linear(X: np.ndarray, Y: np.ndarray, widths: list[int], seed: int, lr: float = 1e-3,
                      steps: int = 20000, init_scale: float = 0.5) -> float:
    """Gradient descent on a deep linear network with layer widths ``[d0, *widths, dH]``; final loss."""
    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X (d0, m) and Y (dH, m) must have the same number of columns, got {X.shape}, {Y.shape}")
    if any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1 for w in widths):
        raise ValueError(f"widths must be integers >= 1, got {list(widths)}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    dims = [X.shape[0], *widths, Y.shape[0]]
    rng = np.random.default_rng(seed)
    Ws = [init_scale * rng.standard_normal((o, i)) / math.sqrt(i) for i, o in zip(dims[:-1], dims[1:])]
    for _ in range(steps):
        acts = [X]
        for W in Ws:
            acts.append(W @ acts[-1])
        G = -2 * (Y - acts[-1])  # dL/d(output)
        grads = []
        for k in range(len(Ws) - 1, -1, -1):
            grads.append(G @ acts[k].T)
            G = Ws[k].T @ G
        for W, g in zip(Ws, reversed(grads)):
            W -= lr * g
        if not all(np.all(np.isfinite(W)) for W in Ws):
            return math.inf
    return deep_linear_loss(Ws, X, Y)


# ------------------------------------------------------------------------------ linear ResNets


def _check_stack(Ws) -> np.ndarray:
    Ws = np.asarray(Ws, float)
    if Ws.ndim != 3 or Ws.shape[1] != Ws.shape[2]:
        raise ValueError(f"Ws must have shape (H, d, d), got {Ws.shape}")
    return Ws


def _check_R(R) -> np.ndarray:
    R = np.asarray(R, float)
    if R.ndim != 2 or R.shape[0] != R.shape[1] or not np.all(np.isfinite(R)):
        raise ValueError(f"R must be a finite square (d, d) matrix, got shape {R.shape}")
    return R


def _residual_product(Ws: np.ndarray) -> np.ndarray:
    d = Ws.shape[1]
    P = np.eye(d)
    for W in Ws:
        P = (np.eye(d) + W) @ P
    return P


def resnet_loss(Ws, R) -> float:
    """``‖R − (I + W_H) ⋯ (I + W_1)‖_F²`` (population loss minus the noise level)."""
    Ws = _check_stack(Ws)
    return float(np.sum((np.asarray(R) - _residual_product(Ws)) ** 2))


def resnet_grad(Ws, R) -> np.ndarray:
    """Gradient of :func:`resnet_loss`: ``−2 A_kᵀ (R − P) B_kᵀ`` with ``P = A_k (I + W_k) B_k``."""
    Ws = _check_stack(Ws)
    if np.shape(R) != Ws.shape[1:]:
        raise ValueError(f"R must have shape {Ws.shape[1:]} like the layers, got {np.shape(R)}")
    H, d, _ = Ws.shape
    I = np.eye(d)
    E = np.asarray(R) - _residual_product(Ws)
    # prefix products B_k = (I+W_{k-1})...(I+W_1), suffix A_k = (I+W_H)...(I+W_{k+1})
    B = [I]
    for k in range(H - 1):
        B.append((I + Ws[k]) @ B[-1])
    A = [I] * H
    acc = I
    for k in range(H - 1, -1, -1):
        A[k] = acc
        acc = acc @ (I + Ws[k])
    return np.array([-2 * A[k].T @ E @ B[k].T for k in range(H)])


def train_resnet(R, H: int, lr: float = 0.01, steps: int = 3000, init_scale: float = 0.0,
                 seed: int = 0) -> np.ndarray:
    """Gradient descent on the linear ResNet from ``W_k ~ init_scale · N(0, 1/d)``; returns ``Ws``."""
    R = _check_R(R)
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise ValueError(f"H must be an integer >= 1, got {H!r}")
    d = R.shape[0]
    rng = np.random.default_rng(seed)
    Ws = init_scale * rng.standard_normal((H, d, d)) / math.sqrt(d)
    for _ in range(steps):
        Ws = Ws - lr * resnet_grad(Ws, R)
    return Ws


def resnet_small_norm_solution(R, H: int) -> np.ndarray:
    """A global minimum with small layers: ``W_k = R^{1/H} − I = expm(logm(R)/H) − I`` (``R`` with a real log).

    Its spectral norm is about ``‖log R‖ / H``: Hardt & Ma's Theorem 2.
    """
    R = _check_R(R)
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise ValueError(f"H must be an integer >= 1, got {H!r}")
    L = logm(R)
    if np.max(np.abs(np.imag(L))) > 1e-9:
        raise ValueError("R must have a real matrix logarithm (e.g. symmetric positive definite)")
    W = np.real(expm(np.real(L) / H)) - np.eye(R.shape[0])
    return np.repeat(W[None], H, axis=0)


def find_resnet_critical_point(Ws0, R, max_iter: int = 200) -> np.ndarray:
    """Newton-type search for ``∇L = 0`` near ``Ws0`` (Levenberg-Marquardt, finite-difference Hessian)."""
    Ws = _check_stack(Ws0).copy()
    shape = Ws.shape
    mu = 1e-3

    def g(x):
        return resnet_grad(x.reshape(shape), R).ravel()

    x = Ws.ravel()
    gx = g(x)
    for _ in range(max_iter):
        gn = np.linalg.norm(gx)
        if gn < 1e-11:
            break
        P = x.size
        Hm = np.empty((P, P))
        for i in range(P):
            e = np.zeros(P)
            e[i] = 1e-6
            Hm[:, i] = (g(x + e) - g(x - e)) / 2e-6
        Hm = 0.5 * (Hm + Hm.T)
        lam, Q = np.linalg.eigh(Hm)
        for _ in range(30):
            step = -Q @ (lam * (Q.T @ gx) / (lam**2 + mu))
            gnew = g(x + step)
            if np.linalg.norm(gnew) < gn:
                x, gx = x + step, gnew
                mu = max(mu / 5, 1e-15)
                break
            mu *= 6
        else:
            break
    return x.reshape(shape)


def resnet_critical_survey(R, H: int, starts: int = 30, scale: float = 0.8, seed: int = 0) -> dict[str, np.ndarray]:
    """Critical points of the linear ResNet from ``starts`` random points ``W_k ~ scale · N(0, 1)``.

    Returns arrays ``loss``, ``max_norm`` (largest spectral norm ``max_k ‖W_k‖``) and
    ``grad_norm`` of the converged points (gradient norm < 1e-9) -- Hardt & Ma's theorem says
    every point with ``max_norm < 1`` has loss 0.
    """
    R = np.asarray(R, float)
    d = R.shape[0]
    rng = np.random.default_rng(seed)
    loss, norm, gn = [], [], []
    for _ in range(starts):
        Wc = find_resnet_critical_point(scale * rng.standard_normal((H, d, d)), R)
        g = float(np.linalg.norm(resnet_grad(Wc, R)))
        if g < 1e-9:
            loss.append(resnet_loss(Wc, R))
            norm.append(float(np.linalg.norm(Wc, 2, axis=(1, 2)).max()))
            gn.append(g)
    return {"loss": np.array(loss), "max_norm": np.array(norm), "grad_norm": np.array(gn)}


# ------------------------------------------------------------------------------ figures


def draw_chain_runs(runs: list[ChainRun]):
    """Loss curves of gradient descent on ``(1 − w1⋯wD)²`` for several depths."""
    import plotly.graph_objects as go

    from lecture_code.plotting import color, new_figure

    fig = new_figure(x_title="step", y_title="loss (1 − w1⋯wD)²", height=380)
    for i, r in enumerate(runs):
        stride = max(1, len(r.losses) // 300)
        fig.add_trace(go.Scatter(x=np.arange(len(r.losses), dtype=np.float32)[::stride], y=r.losses[::stride],
                                 mode="lines", name=f"depth {r.depth}",
                                 line=dict(color=color(i))))
    return fig


def draw_resnet_survey(survey: dict[str, np.ndarray]):
    """Critical points of a linear ResNet: loss against the largest layer norm, with the line ‖W‖ = 1."""
    import plotly.graph_objects as go

    from lecture_code.plotting import color, new_figure

    fig = new_figure(x_title="max_k ‖W_k‖ (spectral norm)", y_title="loss at the critical point", height=380)
    glob = survey["loss"] < 1e-12
    fig.add_trace(go.Scatter(x=survey["max_norm"][glob], y=np.zeros(glob.sum()), mode="markers",
                             name="global minimum (loss 0)", marker=dict(color=color("minimum"), size=9)))
    fig.add_trace(go.Scatter(x=survey["max_norm"][~glob], y=survey["loss"][~glob], mode="markers",
                             name="other critical points", marker=dict(color=color("saddle"), size=9, symbol="diamond")))
    top = float(max(1.0, survey["loss"].max() if len(survey["loss"]) else 1.0))
    fig.add_trace(go.Scatter(x=[1, 1], y=[0, top], mode="lines", name="‖W_k‖ = 1 (Hardt & Ma's bound)",
                             line=dict(color=color("theory"), dash="dash")))
    return fig
