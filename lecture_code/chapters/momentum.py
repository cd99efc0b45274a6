"""Demos and figures of the chapter *Momentum* (``book/momentum.md``).

Each interactive figure is a pure ``demo(**params) -> data`` and a ``draw(data) -> Figure``
for :func:`lecture_code.core.interactive.explore`; static figures are plain functions.

----

Convergence rates of gradient descent and heavy-ball momentum on quadratics.

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

Everything here is vectorized over arrays of (η, β) so a whole rate map is one call. Every
function checks its arguments like the library (:mod:`lecture_code.core.validate`): a
learning rate must be > 0, a momentum in [0, 1), eigenvalues > 0, a number of steps an
integer; anything else is a ``ValueError`` naming the parameter and the allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from lecture_code.core import optimizers as O
from lecture_code.core.plotting import (
    SEQUENTIAL, BookFigure, color, draw_paths, new_figure, path_trace, point_trace, quadratic_level_lines, status_annotation,
    status_text, thin,
)
from lecture_code.core.problems import momentum_limit, narrow_valley
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.runner import Trajectory, run
from lecture_code.core.surfaces import quadratic
from lecture_code.core.validate import check_int, check_positive, check_unit

__all__ = [
    "VALLEY_START",
    "valley_runs",
    "draw_valley",
    "valley_lr_table",
    "momentum_steps",
    "draw_momentum_steps",
    "QUAD_KAPPA",
    "QUAD_ANGLE",
    "QUAD_START",
    "RateMapData",
    "rate_map_data",
    "draw_rate_map",
    "QuadraticRun",
    "quadratic_demo",
    "draw_quadratic",
    "nesterov_comparison",
    "lr_change_gap",
    "momentum_rate",
    "gd_rate",
    "rate_map",
    "optimal_gd",
    "optimal_momentum",
    "measured_rate",
    "stability_boundary",
    "self_check_quiz",
]


VALLEY_START = (10.0, 10.0)
VALLEY_WINDOW = ((-1.0, 10.8), (-11.0, 11.0))


# ------------------------------------------------------------------ narrow valley


def valley_runs() -> list[Trajectory]:
    """The lecture's exercise: GD η = 0.1 (4 steps), unit-wise η = (1, 1/75) (10 steps),
    momentum η = 0.2, α = 0.5 (3 steps), all from (10, 10)."""
    s = narrow_valley()
    return [
        run(O.sgd(0.1), s, VALLEY_START, 4),
        run(O.sgd([1.0, 1 / 75]), s, VALLEY_START, 10),
        run(O.lecture_momentum(0.2, 0.5), s, VALLEY_START, 3),
    ]


def draw_valley(trajectories: list[Trajectory], title: str | None = None) -> BookFigure:
    """Equipotential lines of |w1| + 75|w2| (flat diamonds) and the runs."""
    fig = draw_paths(narrow_valley(), trajectories, window=VALLEY_WINDOW, levels=20, n_grid=121,
                     minimum=(0.0, 0.0), title=title)
    for tr in fig.data[1:1 + len(trajectories)]:
        tr.marker.size = 8
    return fig


def valley_lr_table(lrs=(0.01, 0.05, 0.1, 2 / 15, 0.2, 0.5), steps: int = 2000) -> list[dict]:
    """For several η: ``steps_w1``, the first step at which w1 has reached the valley floor
    w1 = 0 (|w1| < η/2: from then on w1 only alternates between 0 and ±η), and where gradient
    descent ends up after ``steps`` steps: ``w2_bounce``, the largest |w2| over the last 50
    iterates, and ``final_E``, the loss of the last one (``None`` if w1 never arrives).

    Gradient descent on the valley moves w1 by exactly η per step (so it needs 10/η steps
    when η divides 10) and makes w2 jump by 75η: unless a jump lands exactly on w2 = 0, it
    keeps bouncing across the valley, between two values 75η apart.
    """
    lrs = np.atleast_1d(check_positive(lrs, "lrs"))
    steps = check_int(steps, "steps", 1)
    s = narrow_valley()
    rows = []
    for lr in lrs:
        t = run(O.sgd(float(lr)), s, VALLEY_START, steps)
        arrived = np.nonzero(np.abs(t.points[:, 0]) < lr / 2)[0]
        rows.append(dict(lr=round(float(lr), 4), steps_w1=int(arrived[0]) if len(arrived) else None,
                         w2_bounce=round(float(np.abs(t.points[-50:, 1]).max()), 3),
                         final_E=round(float(t.losses[-1]), 3)))
    return rows


@dataclass(frozen=True)
class MomentumSteps:
    lr: float
    alpha: float
    steps: np.ndarray  # (T, 2) Δw(t) under g1 = 1, g2 = ±75 alternating
    limit: np.ndarray  # (2,) predicted |limit|


def momentum_steps(lr: float = 0.2, alpha: float = 0.5, steps: int = 30) -> MomentumSteps:
    """Δw(t) of the lecture's momentum for g1 = 1 always and g2 = ±75 flipping every step."""
    from lecture_code.core.problems import momentum_limit

    steps = check_int(steps, "steps", 1)
    o = O.lecture_momentum(lr, alpha)  # checks lr > 0 and alpha in [0, 1)
    p = np.zeros(2)
    st = o.init(p)
    out = []
    for t in range(steps):
        u, st = o.update(np.array([1.0, 75.0 * (-1) ** t]), st, p)
        out.append(u)
    return MomentumSteps(float(lr), float(alpha), np.array(out), np.abs(momentum_limit(lr, alpha)))


def draw_momentum_steps(data: MomentumSteps) -> BookFigure:
    """|Δw1| grows to η/(1−α) (speed-up), |Δw2| shrinks to 75η/(1+α) (damped oscillation)."""
    fig = new_figure(cols=2, subplot_titles=("boring direction: Δw₁", "oscillating direction: Δw₂"), x_title="step t",
                     height=400, legend="top")
    t = np.arange(1, len(data.steps) + 1)
    for col, k, lim_name in ((1, 0, "−η/(1−α)"), (2, 1, "±75η/(1+α)")):
        fig.add_trace(go.Scatter(x=t, y=data.steps[:, k].astype(np.float32), mode="lines+markers", name=f"Δw{k + 1}(t)",
                                 line=dict(color=color("momentum"))), row=1, col=col)
        sign = -1.0 if k == 0 else 1.0
        for s in ([sign] if k == 0 else [1.0, -1.0]):
            fig.add_trace(go.Scatter(x=[1, t[-1]], y=[s * data.limit[k]] * 2, mode="lines", name=f"limit {lim_name}",
                                     showlegend=(s > 0 or k == 0), line=dict(color=color("theory"), dash="dash")),
                          row=1, col=col)
        fig.add_trace(go.Scatter(x=[1, t[-1]], y=[sign * data.lr * (75.0 if k else 1.0)] * 2, mode="lines",
                                 name="plain GD step η·g", line=dict(color=color("gd"), dash="dot"), showlegend=k == 0),
                      row=1, col=col)
    return fig


# ------------------------------------------------------------------ quadratics

QUAD_KAPPA = 25.0
QUAD_ANGLE = 0.5
QUAD_START = (-4.5, 3.0)
_QUAD_EIGS = (1.0, 1.0 / QUAD_KAPPA)


@dataclass(frozen=True)
class RateMapData:
    kappa: float
    lrs: np.ndarray
    betas: np.ndarray
    rates: np.ndarray       # (len(betas), len(lrs)) convergence rate ρ(η, β)
    edge: np.ndarray        # stability edge η = 2(1+β)/λ_max for each β
    best_gd: tuple          # (η*, ρ*)
    best_momentum: tuple    # (η*, β*, ρ*)


def rate_map_data(kappa: float = QUAD_KAPPA, n: int = 121) -> RateMapData:
    """Convergence rate ρ(η, β) on a quadratic with condition number κ (λ_max = 1), the
    stability edge and the optimal GD and momentum parameters."""
    kappa = _check_kappa(kappa)
    n = check_int(n, "n", 2)
    eigs = (1.0, 1.0 / kappa)
    lrs = np.linspace(0.0, 4.0, n)[1:]
    betas = np.linspace(0.0, 0.99, n)
    return RateMapData(float(kappa), lrs, betas, rate_map(eigs, lrs, betas).rates, stability_boundary(betas, 1.0),
                       optimal_gd(eigs[1], eigs[0]), optimal_momentum(eigs[1], eigs[0]))


def draw_rate_map(d: RateMapData) -> BookFigure:
    """Colour: ρ (white where ρ ≥ 1, no convergence); dashed: the stability edge
    η = 2(1+β)/λ_max; markers: the optimal GD and momentum parameters."""
    z = np.where(d.rates < 1, d.rates, np.nan).astype(np.float32)
    fig = new_figure(f"convergence rate ρ per step, κ = {d.kappa:g} (smaller is faster)", x_title="learning rate η",
                     y_title="momentum β", height=520, legend="below")
    fig.add_trace(go.Heatmap(x=d.lrs.astype(np.float32), y=d.betas.astype(np.float32), z=z, colorscale=SEQUENTIAL,
                             zmin=float(np.nanmin(z)), zmax=1.0, colorbar=dict(title="ρ"),
                             hovertemplate="η=%{x:.3f}<br>β=%{y:.3f}<br>ρ=%{z:.4f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=d.edge, y=d.betas, mode="lines", name="stability edge η = 2(1+β)/λmax",
                             line=dict(color=color("theory"), dash="dash")))
    eta_gd, rho_gd = d.best_gd
    eta_m, beta_m, rho_m = d.best_momentum
    fig.add_trace(point_trace([(eta_gd, 0.0)], name=f"best GD: η={eta_gd:.2f}, ρ={rho_gd:.3f}", role="gd", symbol="diamond", size=12))
    fig.add_trace(point_trace([(eta_m, beta_m)], name=f"best momentum: η={eta_m:.2f}, β={beta_m:.2f}, ρ={rho_m:.3f}",
                              role="momentum", symbol="star", size=15))
    fig.update_xaxes(range=[0, 4.0])
    fig.update_yaxes(range=[0, 0.99])
    return fig


@dataclass(frozen=True)
class QuadraticRun:
    lr: float
    beta: float
    trajectory: Trajectory
    errors: np.ndarray     # ‖w_t − w*‖
    predicted: float       # ρ(η, β) from the eigenvalues
    nesterov: Trajectory


def quadratic_demo(lr: float = 1.0, momentum: float = 0.5, steps: int = 100) -> QuadraticRun:
    """Momentum (and Nesterov, same η and β) on ½ wᵀAw with κ = 25, from QUAD_START."""
    lr, momentum = check_positive(lr, "lr"), check_unit(momentum, "momentum")
    steps = check_int(steps, "steps", 0)
    s = quadratic(QUAD_KAPPA, QUAD_ANGLE)
    t = run(O.momentum(lr, momentum), s, QUAD_START, steps)
    n = run(O.nesterov(lr, momentum), s, QUAD_START, steps)
    return QuadraticRun(float(lr), float(momentum), t, np.linalg.norm(t.points, axis=1),
                        float(momentum_rate(lr, momentum, _QUAD_EIGS)), n)


def _ellipses(s, levels=(0.02, 0.1, 0.3, 0.7, 1.4, 2.4, 3.8), n: int = 48) -> go.Scatter:
    """Level sets ½ wᵀAw = c as one line trace (lighter than a contour in every frame)."""
    xs, ys = quadratic_level_lines(s.hess([0.0, 0.0]), levels, n)
    return go.Scatter(x=xs, y=ys, mode="lines", name="level sets",
                      line=dict(color="#bbbbbb", width=1), hoverinfo="skip", showlegend=False)


def draw_quadratic(data: QuadraticRun) -> BookFigure:
    """Left: the path over the contour lines. Right: ‖w_t − w*‖ measured vs ‖w_0‖ ρ^t predicted."""
    s = quadratic(QUAD_KAPPA, QUAD_ANGLE)
    win = ((-6.0, 6.0), (-6.0, 6.0))
    fig = new_figure(cols=2, column_widths=[0.45, 0.55], height=500, legend="top",
                     subplot_titles=(f"path on ½wᵀAw, κ = {QUAD_KAPPA:g}", "distance to the minimum (log scale)"))
    fig.add_trace(_ellipses(s), row=1, col=1)
    fig.add_trace(path_trace(thin(data.nesterov.points, 120), name="Nesterov", role="nesterov", dash="dot"), row=1, col=1)
    fig.add_trace(path_trace(thin(data.trajectory.points, 120), name="momentum", role="momentum"), row=1, col=1)
    idx = thin(np.arange(len(data.errors)), 100)
    fig.add_trace(go.Scatter(x=idx.astype(np.float32), y=np.maximum(data.errors[idx], 1e-30).astype(np.float32),
                             mode="lines", name="measured ‖w_t − w*‖",
                             line=dict(color=color("momentum"), width=2)), row=1, col=2)
    steps = data.trajectory.steps
    tt = thin(np.arange(steps + 1), 100)
    e0 = float(np.linalg.norm(QUAD_START))
    pred = e0 * data.predicted ** tt.astype(float)
    pred = np.where(np.isfinite(pred) & (pred < 1e8), pred, np.nan)
    fig.add_trace(go.Scatter(x=tt.astype(np.float32), y=pred.astype(np.float32), mode="lines", name=f"predicted ‖w₀‖ρᵗ, ρ = {data.predicted:.4f}",
                             line=dict(color=color("theory"), dash="dash")), row=1, col=2)
    fig.update_xaxes(range=list(win[0]), row=1, col=1)
    fig.update_yaxes(range=list(win[1]), scaleanchor="x", row=1, col=1)
    fig.update_yaxes(type="log", range=[-12, 4], exponentformat="power", row=1, col=2)
    fig.update_xaxes(range=[0, steps], title_text="step t", row=1, col=2)
    msg = status_text([data.trajectory, data.nesterov])
    if not msg and data.predicted >= 1:
        msg = f"ρ = {data.predicted:.3f} ≥ 1: no convergence"
    fig.update_layout(annotations=list(fig.layout.annotations) + [status_annotation(msg, warn=True)])
    return fig


def nesterov_comparison(steps: int = 150) -> list[Trajectory]:
    """GD and heavy ball with their optimal parameters, Nesterov with η = 1/L, β = (√κ−1)/(√κ+1)."""
    steps = check_int(steps, "steps", 0)
    s = quadratic(QUAD_KAPPA, QUAD_ANGLE)
    eta_gd, _ = optimal_gd(_QUAD_EIGS[1], _QUAD_EIGS[0])
    eta_m, beta_m, _ = optimal_momentum(_QUAD_EIGS[1], _QUAD_EIGS[0])
    sk = np.sqrt(QUAD_KAPPA)
    return [
        run(O.sgd(eta_gd), s, QUAD_START, steps),
        run(O.momentum(eta_m, beta_m), s, QUAD_START, steps),
        # Nesterov's classical choice for strongly convex functions: η = 1/L, β = (√κ−1)/(√κ+1)
        run(O.nesterov(1.0 / _QUAD_EIGS[0], (sk - 1) / (sk + 1)), s, QUAD_START, steps),
    ]


def lr_change_gap(lr: float = 0.1, beta: float = 0.9, steps: int = 20, new_lr: float = 0.05,
                  more: int = 20) -> tuple[float, np.ndarray]:
    """The two momentum conventions on the narrow valley when the learning rate changes.

    Runs ``lecture_momentum(lr, beta)`` and ``momentum(lr, beta)`` side by side from
    ``VALLEY_START`` for ``steps`` steps, then both with ``new_lr`` (new optimizers, old states)
    for ``more`` steps. Returns the largest gap between the iterates before the change and the
    gap after each step that follows it.
    """
    steps, more = check_int(steps, "steps", 1), check_int(more, "more", 1)
    s = narrow_valley()
    lecture, torch_style = O.lecture_momentum(lr, beta), O.momentum(lr, beta)
    w = [np.array(VALLEY_START), np.array(VALLEY_START)]
    states = [lecture.init(w[0]), torch_style.init(w[1])]
    gaps = []
    for t in range(steps + more):
        if t == steps:
            lecture, torch_style = O.lecture_momentum(new_lr, beta), O.momentum(new_lr, beta)
        for i, opt in enumerate((lecture, torch_style)):
            u, states[i] = opt.update(s.grad(w[i]), states[i], w[i])
            w[i] = w[i] + u
        gaps.append(float(np.abs(w[0] - w[1]).max()))
    return max(gaps[:steps]), np.array(gaps[steps:])


def _eigs(eigenvalues: Any) -> np.ndarray:
    try:
        lam = np.atleast_1d(np.asarray(eigenvalues, dtype=float))
    except (TypeError, ValueError):
        lam = np.array([np.nan])
    if lam.ndim != 1 or lam.size == 0 or not np.all(lam > 0) or not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be a non-empty 1-D array of finite numbers > 0, got {eigenvalues!r}")
    return lam


def _check_kappa(kappa: Any) -> float:
    try:
        k = float(kappa)
    except (TypeError, ValueError):
        k = float("nan")
    if isinstance(kappa, bool) or not (1.0 <= k < float("inf")):
        raise ValueError(f"kappa must be a finite number >= 1, got {kappa!r}")
    return k


def momentum_rate(lr: Any, beta: Any, eigenvalues: Any) -> np.ndarray:
    """Asymptotic rate ρ(η, β) = max_λ spectral radius of M(λ); broadcasts over lr and beta.

    ρ ≥ 1 means no convergence (the iteration diverges or, at ρ = 1, does not shrink).
    ``lr`` must be > 0 and ``beta`` in [0, 1) (numbers or arrays).
    """
    lam = _eigs(eigenvalues)
    eta = np.asarray(check_positive(lr, "lr"), dtype=float)[..., None]
    b = np.asarray(check_unit(beta, "beta"), dtype=float)[..., None]
    trace = 1.0 + b - eta * lam
    disc = (trace * trace - 4.0 * b).astype(complex)
    root = np.sqrt(disc)
    radius = np.maximum(np.abs((trace + root) / 2), np.abs((trace - root) / 2))
    return radius.max(axis=-1)


def gd_rate(lr: Any, eigenvalues: Any) -> np.ndarray:
    """Gradient descent's rate max_λ |1 − ηλ| (momentum β = 0); ``lr`` > 0."""
    lam = _eigs(eigenvalues)
    eta = np.asarray(check_positive(lr, "lr"), dtype=float)[..., None]
    return np.abs(1.0 - eta * lam).max(axis=-1)


class RateMap(NamedTuple):
    lrs: np.ndarray    # (n_lr,)
    betas: np.ndarray  # (n_beta,)
    rates: np.ndarray  # (n_beta, n_lr), rates[i, j] = ρ(lrs[j], betas[i])


def rate_map(eigenvalues: Any, lrs: Any, betas: Any) -> RateMap:
    """ρ over a grid of learning rates and momenta (rows: β, columns: η)."""
    lrs = np.atleast_1d(check_positive(lrs, "lrs"))
    betas = np.atleast_1d(check_unit(betas, "betas"))
    rates = momentum_rate(lrs[None, :], betas[:, None], eigenvalues)
    return RateMap(lrs, betas, rates)


def _check_mu_L(mu: float, L: float) -> tuple[float, float]:
    mu, L = check_positive(mu, "mu"), check_positive(L, "L")
    if np.ndim(mu) or np.ndim(L) or not mu <= L:
        raise ValueError(f"need 0 < mu <= L (finite numbers), got mu={mu!r}, L={L!r}")
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
    """Largest stable learning rate for momentum β: η < 2(1 + β)/L (β in [0, 1), L > 0)."""
    return 2.0 * (1.0 + np.asarray(check_unit(beta, "beta"), dtype=float)) / float(check_positive(L, "L"))


def measured_rate(points: np.ndarray, minimum: Any = (0.0, 0.0), window: int | None = None) -> float:
    """The per-step contraction of ‖w_t − w*‖ measured on a trajectory.

    A least-squares fit of ``log ‖e_t‖ ≈ a + t log ρ`` over the last ``window`` steps
    (default: the second half, so the transient of the first steps does not count). With
    complex eigenvalues ‖e_t‖ oscillates under its envelope ρ^t; then only the local maxima
    (the envelope) are fitted. Returns ``nan`` for fewer than 4 steps or if the error hit 0.
    """
    p = np.asarray(points, dtype=float)
    if p.ndim != 2:
        raise ValueError(f"points must be a (T+1, d) array of iterates, got shape {p.shape}")
    T = len(p) - 1
    if window is not None:
        window = check_int(window, "window", 3)
    if T < 4:
        return float("nan")
    k = window if window is not None else T // 2
    k = max(3, min(k, T))
    e = np.linalg.norm(p - np.asarray(minimum, dtype=float), axis=1)[T - k:]
    if not np.all(e > 0):
        return float("nan")
    t = np.arange(len(e))
    inner = np.arange(1, len(e) - 1)
    peaks = inner[(e[inner] >= e[inner - 1]) & (e[inner] >= e[inner + 1])]
    idx = peaks if len(peaks) >= 3 and peaks[-1] - peaks[0] >= len(e) // 2 else t
    slope = np.polyfit(t[idx], np.log(e[idx]), 1)[0]
    return float(np.exp(slope))


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz() -> Quiz:
    """The chapter's self-check: what momentum does (speed-up 1/(1 − α), damped oscillations,
    Nesterov's cost), how many times fewer steps momentum needs at κ = 100 (from the best rates of
    :func:`optimal_gd` and :func:`optimal_momentum`), the speed-up along the valley floor at α = 0.95
    (:func:`~lecture_code.core.problems.momentum_limit`) and the largest stable η for β = 0.5, L = 1
    (:func:`stability_boundary`)."""
    # the numeric questions' answers, from the library
    q_speedup = float(momentum_limit(1.0, 0.95)[0] / -1.0)     # Δw₁ → −η/(1 − α) with η = 1
    q_edge = float(stability_boundary(0.5, 1.0))
    q_rho_gd, q_rho_m = optimal_gd(0.01, 1.0)[1], optimal_momentum(0.01, 1.0)[2]   # κ = 100
    q_gain = float(np.log(q_rho_m) / np.log(q_rho_gd))    # steps ∝ 1/|ln ρ|
    return quiz(
        Question(
            "Momentum ...",
            [
                ("speeds up gradient descent in 'boring' directions", True,
                 "Where the gradient keeps its direction, the steps add up: a factor up to 1/(1−α)."),
                ("suppresses oscillations", True,
                 "Gradient components that flip sign cancel in the running sum: the step shrinks by 1/(1+α)."),
                ("with a momentum parameter α = 0.9 the maximal speed-up is a factor 1.9", False,
                 "1 + α = 1.9 is the speed-up after two steps only; the series 1 + α + α² + ... goes on."),
                ("with a momentum parameter α = 0.9 the maximal speed-up is a factor 10", True,
                 "For a constant gradient Δw → −γ g/(1−α) = −10 γ g."),
                ("Nesterov momentum needs twice as many gradient evaluations as standard momentum", False,
                 "It evaluates the gradient once per step, only at a different point (the look-ahead point)."),
            ],
            multiple=True,
        ),
        Question(
            "On a quadratic with condition number κ = 100, roughly how many times fewer steps does momentum "
            "(best η and β) need than gradient descent (best η) for the same accuracy?",
            [
                ("about 2", False, "Compare 1 − 2/κ with 1 − 2/√κ."),
                ("about 10", True, "The rates are ≈ 1 − 2/κ and ≈ 1 − 2/√κ, so the step counts differ by ≈ √κ = 10 "
                                   f"(exactly: ln({q_rho_m:.4f})/ln({q_rho_gd:.4f}) = {q_gain:.1f})."),
                ("about 100", False, f"The best rates for κ = 100 are {q_rho_gd:.4f} = 99/101 for gradient descent and "
                                     f"{q_rho_m:.4f} = 9/11 for momentum; gradient descent needs "
                                     f"ln({q_rho_m:.4f})/ln({q_rho_gd:.4f}) = {q_gain:.1f} times as many steps, not 100."),
            ],
            multiple=False,
        ),
        NumericQuestion(
            "The gradient along the valley floor stays the same at every step. With momentum $\\alpha = 0.95$, "
            "the step along the floor grows towards how many times the plain gradient step $\\gamma g$?",
            q_speedup, 1e-3, relative=True,
            explanation=f"Δw = −γg (1 + α + α² + …) → −γg/(1 − α): a factor 1/(1 − 0.95) = {q_speedup:g}.",
        ),
        NumericQuestion(
            "Momentum β = 0.5 on a quadratic whose largest curvature is $L = 1$: the iteration converges "
            "for every learning rate $\\eta$ below which value?",
            q_edge, 1e-6, relative=True,
            explanation=f"The stability condition is 0 < ηL < 2(1 + β): η < {q_edge:g}. Without momentum "
                        "the limit would be 2/L = 2.",
        ),
    )
