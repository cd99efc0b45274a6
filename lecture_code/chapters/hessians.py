"""Curvature and gradient descent: the computations behind ``book/hessians.md``.

* The second-order model of one gradient step,
  R(θ − αg) ≈ R(θ) − α gᵀg + ½ α² gᵀHg, its optimal step α* = gᵀg / gᵀHg and the step
  2 gᵀg / gᵀHg beyond which the model predicts an *increase* (:func:`step_model`).
* Directional second derivatives dᵀHd (:func:`directional_curvature`).
* Gradient descent zig-zagging on an ill-conditioned quadratic (:func:`zigzag_demo` /
  :func:`draw_zigzag`, for :func:`lecture_code.core.interactive.explore`).
* Newton's method vs gradient descent (:func:`newton_run`, :func:`draw_newton`).
* Cliffs and gradient clipping (:func:`clipping_demo` / :func:`draw_clipping`).
* The ill-conditioning symptom in a real training run: the gradient norm grows while the
  loss stays flat (:func:`ill_conditioning_run` / :func:`draw_ill_conditioning`).

Demos are pure functions of their parameters returning small dataclasses; ``draw_*``
functions turn them into plotly figures. Gradient-descent paths on 2-D surfaces use
:func:`lecture_code.core.runner.run` with the optimizers of :mod:`lecture_code.core.optimizers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go

from lecture_code.core.critical import classify
from lecture_code.core.optimizers import chain, clip_by_norm, sgd
from lecture_code.core.plotting import (
    BookFigure, color, contour_trace, draw_paths, new_figure, path_trace, point_trace, quadratic_level_lines,
    status_annotation,
)
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.runner import DEFAULT_LIMIT, Trajectory, growth_bound, run
from lecture_code.core.surfaces import Surface, check_point, get_surface, grid, quadratic, cliff as make_cliff

__all__ = [
    "StepModel",
    "step_model",
    "optimal_step",
    "directional_curvature",
    "eigen_arrows",
    "draw_eigen",
    "draw_surfaces_3d",
    "lecture_examples",
    "newton_run",
    "draw_newton",
    "ZIGZAG",
    "ZigzagData",
    "zigzag_demo",
    "draw_zigzag",
    "draw_step_model",
    "CLIFF",
    "ClipData",
    "clipping_demo",
    "draw_clipping",
    "TrainingCurves",
    "ill_conditioning_run",
    "draw_ill_conditioning",
    "self_check_quiz",
]


# ----------------------------------------------------------------------- the step model

def _as_vec(v: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a vector of numbers, got {v!r}") from None
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be a non-empty finite vector")
    return a


def _as_sym(H: Any, n: int, name: str = "H") -> np.ndarray:
    try:
        A = np.asarray(H, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a square matrix of numbers") from None
    if A.shape != (n, n):
        raise ValueError(f"{name} must have shape ({n}, {n}), got {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} must be finite")
    return A


def optimal_step(g: Any, H: Any) -> float:
    """α* = gᵀg / gᵀHg, the step that minimizes the second-order model along −g.

    Returns ``inf`` when gᵀHg <= 0 (no positive curvature along g: the quadratic model keeps
    decreasing, and only the true function can limit the step).
    """
    g = _as_vec(g, "g")
    A = _as_sym(H, g.size)
    gg, gHg = float(g @ g), float(g @ A @ g)
    if gg == 0.0:
        raise ValueError("g must be non-zero (at a critical point there is no gradient step)")
    return gg / gHg if gHg > 0 else math.inf


@dataclass(frozen=True)
class StepModel:
    """The loss change of one gradient step θ − αg, true and predicted, for many α.

    Attributes
    ----------
    alphas : (m,) step sizes α.
    actual : (m,) R(θ − αg) − R(θ) measured on the function.
    first_order : (m,) −α gᵀg (the tangent line).
    second_order : (m,) −α gᵀg + ½ α² gᵀHg.
    gg, gHg : gᵀg and gᵀHg at θ.
    alpha_star : gᵀg / gᵀHg (inf if gᵀHg <= 0).
    alpha_break : 2 gᵀg / gᵀHg, the step beyond which the model predicts an increase.
    """

    alphas: np.ndarray
    actual: np.ndarray
    first_order: np.ndarray
    second_order: np.ndarray
    gg: float
    gHg: float
    alpha_star: float
    alpha_break: float


def step_model(surface: Surface, point: Any, alphas: Any) -> StepModel:
    """Compare the true change of f along −g with its first- and second-order predictions."""
    p = check_point(point)
    if p.shape != (2,):
        raise ValueError(f"point must be a single point of shape (2,), got {p.shape}")
    a = _as_vec(alphas, "alphas")
    g, H = surface.grad(p), surface.hess(p)
    gg, gHg = float(g @ g), float(g @ H @ g)
    if gg == 0.0:
        raise ValueError("point must not be a critical point (the gradient is zero there)")
    f0 = surface.f(p)
    actual = surface.f(p[None, :] - a[:, None] * g[None, :]) - f0
    a_star = gg / gHg if gHg > 0 else math.inf
    return StepModel(a, np.asarray(actual), -a * gg, -a * gg + 0.5 * a * a * gHg, gg, gHg, a_star, 2 * a_star)


def directional_curvature(H: Any, angles: Any) -> np.ndarray:
    """dᵀHd for the unit vectors d = (cos φ, sin φ), φ in ``angles`` (radians); 2×2 ``H``."""
    A = _as_sym(H, 2)
    phi = _as_vec(angles, "angles")
    d = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    return np.einsum("ki,ij,kj->k", d, A, d)


def draw_step_model(m: StepModel, title: str | None = None) -> BookFigure:
    """Loss change of one step against α: measured, first- and second-order predictions."""
    fig = new_figure(title, x_title="step size α", y_title="R(θ − αg) − R(θ)", height=430, legend="below")
    fig.add_trace(go.Scatter(x=m.alphas, y=m.actual, name="actual change", line=dict(color=color("gd"), width=3)))
    fig.add_trace(go.Scatter(x=m.alphas, y=m.first_order, name="first order  −α gᵀg",
                             line=dict(color=color("theory"), dash="dot")))
    fig.add_trace(go.Scatter(x=m.alphas, y=m.second_order, name="second order  −α gᵀg + ½α² gᵀHg",
                             line=dict(color=color("momentum"), dash="dash")))
    fig.add_hline(y=0, line=dict(color="#888", width=1))
    lo = float(np.nanmin([m.actual.min(), m.second_order.min()]))
    hi = float(np.nanmax([m.actual.max(), m.second_order.max(), 0.0]))
    pad = 0.1 * (hi - lo + 1e-12)
    fig.update_yaxes(range=[lo - pad, hi + pad])
    for a, label in ((m.alpha_star, "α* = gᵀg / gᵀHg"), (m.alpha_break, "2α*: increase")):
        if math.isfinite(a) and a <= m.alphas.max():
            fig.add_vline(x=a, line=dict(color="#888", dash="dot"), annotation_text=label,
                          annotation_position="top")
    return fig


# ---------------------------------------------------------------- eigenvectors on surfaces

def eigen_arrows(H: Any, scale: float = 1.0) -> list[tuple[float, np.ndarray]]:
    """Eigenpairs ``(λ, v)`` of a 2×2 Hessian, v of length ``scale``, λ descending."""
    A = _as_sym(H, 2)
    lam, V = np.linalg.eigh(0.5 * (A + A.T))
    return [(float(lam[i]), scale * V[:, i]) for i in (1, 0)]


def _arrow_annotations(center: np.ndarray, pairs: list[tuple[float, np.ndarray]]) -> list[dict]:
    anns = []
    for lam, v in pairs:
        col = color("maximum") if lam < 0 else (color("minimum") if lam > 0 else color("degenerate"))
        for sgn in (1, -1):
            tip = center + sgn * v
            anns.append(dict(
                x=float(tip[0]), y=float(tip[1]), ax=float(center[0]), ay=float(center[1]),
                xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2.5,
                arrowcolor=col, text="",
            ))
        label = center + 1.25 * v
        anns.append(dict(x=float(label[0]), y=float(label[1]), xref="x", yref="y", showarrow=False,
                         text=f"λ = {lam:.3g}", font=dict(size=14, color=col), bgcolor="rgba(255,255,255,0.8)"))
    return anns


def draw_eigen(surface: Surface, point: Any = (0.0, 0.0), *, n: int = 61, arrow: float | None = None,
               title: str | None = None, height: int = 420) -> BookFigure:
    """Contour plot of ``surface`` with the Hessian's eigenvectors at ``point`` as arrows.

    Arrow colours: green for λ > 0 (curving up), red for λ < 0 (curving down), grey for λ = 0.
    The title reports the classification from :func:`lecture_code.core.critical.classify`.
    """
    p = check_point(point)
    H = surface.hess(p)
    c = classify(H, tol=1e-9)
    (x0, x1), _ = surface.window
    pairs = eigen_arrows(H, arrow if arrow is not None else 0.3 * (x1 - x0))
    xs, ys, zs = grid(surface, n)
    fig = new_figure(title or f"{surface.unicode}: Hessian says {c.kind}", x_title="x", y_title="y",
                     height=height, equal_axes=True)
    fig.add_trace(contour_trace(xs, ys, zs, levels=24))
    fig.add_trace(point_trace([p], name=f"critical point ({c.kind})", role=c.kind, text=None))
    fig.update_layout(annotations=_arrow_annotations(p, pairs), showlegend=False)
    fig.update_xaxes(range=list(surface.window[0]), constrain="domain")
    fig.update_yaxes(range=list(surface.window[1]), constrain="domain")
    return fig


def draw_surfaces_3d(names: Sequence[str], *, n: int = 41, height: int = 380) -> BookFigure:
    """Side-by-side 3-D surface plots, each titled with its formula and Hessian at the origin."""
    names = list(names)
    if not names:
        raise ValueError("names must list at least one surface")
    surfaces = [get_surface(nm) for nm in names]
    titles = []
    for s in surfaces:
        H = s.hess([0.0, 0.0])
        titles.append(f"{s.unicode}<br>H(0) = [[{H[0, 0]:g}, {H[0, 1]:g}], [{H[1, 0]:g}, {H[1, 1]:g}]]")
    fig = new_figure(cols=len(surfaces), specs=[[{"type": "surface"}] * len(surfaces)], subplot_titles=titles,
                     horizontal_spacing=0.01, height=height, legend=None, margin=dict(l=0, r=0, t=70, b=0))
    for i, s in enumerate(surfaces):
        xs, ys, zs = grid(s, n, window=((-1.2, 1.2), (-1.2, 1.2)))
        fig.add_trace(go.Surface(x=xs.astype(np.float32), y=ys.astype(np.float32), z=zs.astype(np.float32),
                                 colorscale="Viridis", showscale=False, name=s.unicode), 1, i + 1)
    scene = dict(xaxis_title="x", yaxis_title="y", zaxis_title="f", camera=dict(eye=dict(x=1.9, y=1.9, z=1.3)),
                 aspectmode="cube")
    fig.update_layout(**{f"scene{'' if i == 0 else i + 1}": scene for i in range(len(surfaces))})
    fig.update_annotations(font_size=12)
    return fig


def lecture_examples(names: Sequence[str] = ("bowl", "saddle", "saddle_x1x2", "x2_plus_y4", "x2_minus_y4",
                                               "neg_quartic", "monkey_saddle")) -> list[dict[str, Any]]:
    """For each lecture example: formula, Hessian at the origin, eigenvalues, what the
    Hessian test says and what the point really is."""
    rows = []
    for nm in names:
        s = get_surface(nm)
        cp = s.critical_points[0]
        H = s.hess(cp.point)
        c = classify(H)
        rows.append(dict(name=nm, formula=s.unicode, point=cp.point, hessian=H, eigenvalues=c.eigenvalues,
                         hessian_test=c.kind, truth=cp.kind))
    return rows


# ------------------------------------------------------------------------- Newton vs GD

def newton_run(surface: Surface, start: Any, steps: int, *, limit: float = DEFAULT_LIMIT) -> Trajectory:
    """Newton's method θ ← θ − H⁻¹g on a 2-D surface.

    Stops early (``diverged_at`` = that step) if H is singular or an iterate is non-finite or
    beyond ``limit``; a run that reaches a point with zero gradient just stays there.
    """
    p = check_point(start, "start")
    if p.shape != (2,):
        raise ValueError(f"start must have shape (2,), got {p.shape}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    pts = [p.copy()]
    bad = None
    for t in range(int(steps)):
        g, H = surface.grad(pts[-1]), surface.hess(pts[-1])
        if not np.any(g):
            pts.append(pts[-1].copy())
            continue
        try:
            if abs(np.linalg.det(H)) < 1e-14 * max(1.0, np.abs(H).max()) ** 2:
                raise np.linalg.LinAlgError
            q = pts[-1] - np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            bad = t + 1
            break
        if not (np.all(np.isfinite(q)) and np.all(np.abs(q) < limit)):
            bad = t + 1
            break
        pts.append(q)
    P = np.array(pts)
    return Trajectory(P, np.asarray(surface.f(P)), np.linalg.norm(surface.grad(P), axis=-1), "Newton", int(steps), bad, "newton")


def draw_newton(surface: Surface, runs: Sequence[Trajectory], title: str | None = None) -> BookFigure:
    """Gradient descent and Newton's method over the contour lines of ``surface`` (equal axes)."""
    return draw_paths(surface, runs, title=title, levels=24, x_title="x", y_title="y", equal_axes=True, height=440)


# --------------------------------------------------------------- zig-zag on a quadratic

#: The ill-conditioned quadratic of the zig-zag demo: κ = 20, steep direction at 30°,
#: λ_max = 1 (so GD is stable for η < 2 and α* along v_max is 1).
ZIGZAG = dict(condition_number=20.0, angle=math.pi / 6, lambda_max=1.0, start=(-1.6, 4.8), limit=50.0, growth=4.0)


@dataclass(frozen=True)
class ZigzagData:
    """A gradient-descent run on the :data:`ZIGZAG` quadratic (see :func:`zigzag_demo`)."""

    lr: float
    trajectory: Trajectory
    lambda_max: float
    lambda_min: float
    level_x: np.ndarray
    level_y: np.ndarray


def zigzag_demo(lr: float = 1.5, steps: int = 20) -> ZigzagData:
    """Gradient descent with learning rate ``lr`` for ``steps`` steps on the ZIGZAG quadratic.

    Divergence (η > 2/λ_max) is reported in ``trajectory.diverged_at``: the run stops at the
    first step whose loss exceeds ``ZIGZAG["growth"]`` (4) times the starting loss (the runner's
    ``max_loss``; gradient descent with η < 2/λ_max never raises the loss of a quadratic), or
    where a coordinate exceeds ``ZIGZAG["limit"]`` (50, far outside the plot); it never raises.
    """
    s = quadratic(ZIGZAG["condition_number"], ZIGZAG["angle"], ZIGZAG["lambda_max"])
    tr = run(sgd(lr), s, ZIGZAG["start"], steps, limit=ZIGZAG["limit"],
             max_loss=growth_bound(s, ZIGZAG["start"], ZIGZAG["growth"]))
    lam = np.linalg.eigvalsh(s.hess([0.0, 0.0]))
    lx, ly = quadratic_level_lines(s.hess([0.0, 0.0]), (0.05, 0.2, 0.5, 1.0, 2.0, 3.5, 5.5))
    return ZigzagData(float(lr), tr, float(lam[1]), float(lam[0]), lx, ly)


def draw_zigzag(d: ZigzagData) -> BookFigure:
    """Left: the path over the level sets. Right: the loss per step (log scale)."""
    fig = new_figure(cols=2, column_widths=[0.55, 0.45], height=460, legend=None,
                     subplot_titles=(f"gradient descent on ½θᵀAθ, κ = {ZIGZAG['condition_number']:g}", "loss R(θₜ)"))
    fig.add_trace(go.Scatter(x=d.level_x, y=d.level_y, mode="lines", line=dict(color="#bbb", width=1),
                             hoverinfo="skip", showlegend=False, name="level sets"), 1, 1)
    tr = d.trajectory
    pts = np.clip(tr.points, -50, 50)
    fig.add_trace(path_trace(pts, name=f"GD, η = {d.lr:g}", role="gd"), 1, 1)
    fig.add_trace(point_trace([tr.points[0]], name="start", role="start"), 1, 1)
    t = np.arange(len(tr.losses), dtype=np.float32)
    fig.add_trace(go.Scatter(x=t, y=np.maximum(tr.losses, 1e-12).astype(np.float32), mode="lines+markers",
                             marker=dict(size=4), line=dict(color=color("gd")), showlegend=False, name="loss"), 1, 2)
    if tr.diverged:
        msg = (f"diverged at step {tr.diverged_at} (loss above {ZIGZAG['growth']:g}× its start): "
               f"η = {d.lr:g} > 2/λ_max = {2 / d.lambda_max:g}")
    else:
        msg = f"after {len(t) - 1} steps: loss {tr.losses[-1]:.3g}"
    fig.update_xaxes(range=[-6, 6], row=1, col=1)
    fig.update_yaxes(range=[-6, 6], scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="step t", range=[0, max(1, tr.steps)], row=1, col=2)
    fig.update_yaxes(type="log", range=[-4, 3], exponentformat="power", row=1, col=2)
    fig.update_layout(annotations=list(fig.layout.annotations) + [status_annotation(msg, warn=tr.diverged)])
    return fig


# ------------------------------------------------------------------ cliffs and clipping

#: The cliff of the clipping demo and its start point on the plateau.
CLIFF = dict(height=5.0, sharpness=40.0, slope=0.2, start=(2.5, 1.5), steps=60)


@dataclass(frozen=True)
class ClipData:
    """Gradient descent with and without clipping on the :data:`CLIFF` surface."""

    lr: float
    threshold: float
    plain: Trajectory
    clipped: Trajectory
    max_grad: float


def _cliff() -> Surface:
    return make_cliff(CLIFF["height"], CLIFF["sharpness"], CLIFF["slope"])


def clipping_demo(lr: float = 0.5, threshold: float = 1.0) -> ClipData:
    """GD (``lr``) from the plateau of the cliff, plain and with clipping by norm.

    Clipping: if ‖g‖ > h then g ← h·g/‖g‖ (``threshold`` = h), then θ ← θ − η g.
    """
    s = _cliff()
    steps = CLIFF["steps"]
    plain = run(sgd(lr), s, CLIFF["start"], steps, limit=1e4)
    clipped = run(chain(clip_by_norm(threshold), sgd(lr)), s, CLIFF["start"], steps, limit=1e4)
    gmax = float(np.max(plain.grad_norms))
    return ClipData(float(lr), float(threshold), plain, clipped, gmax)


def _cliff_background(win) -> tuple[go.Scatter, list[dict], dict]:
    """Level circles of the smooth bowl, the plateau as a shaded polygon, the cliff edge.

    The loss is the bowl ½·slope·((x+1)² + y²) plus ``height`` on the shaded side of the edge
    x = 0.3y (the step is 4/sharpness wide): drawn this way because a contour plot of a step
    that sharp would need a grid too fine to store in every frame.
    """
    a, h = CLIFF["slope"], CLIFF["height"]
    t = np.linspace(0, 2 * np.pi, 64)
    xs, ys = [], []
    for r in (0.5, 1.0, 2.0, 3.0, 4.0, 5.5, 7.0, 8.5, 10.0):
        xs += [*(-1 + r * np.cos(t)), np.nan]
        ys += [*(r * np.sin(t)), np.nan]
    circles = go.Scatter(x=np.array(xs, np.float32), y=np.array(ys, np.float32), mode="lines",
                         line=dict(color="#c8c8c8", width=1), hoverinfo="skip", showlegend=False,
                         name=f"level sets of {a:g}/2·((x+1)² + y²)")
    (x0, x1), (y0, y1) = win
    plateau = dict(type="path", xref="x", yref="y", layer="below", line=dict(width=0),
                   fillcolor="rgba(120,120,120,0.22)",
                   path=f"M {0.3 * y0} {y0} L {x1} {y0} L {x1} {y1} L {0.3 * y1} {y1} Z")
    edge = dict(type="line", xref="x", yref="y", x0=0.3 * y0, y0=y0, x1=0.3 * y1, y1=y1,
                line=dict(color="#555", width=3))
    label = dict(x=x1 - 0.2, y=y1 - 0.3, xref="x", yref="y", xanchor="right", yanchor="top", showarrow=False,
                 text=f"plateau: loss + {h:g}<br>cliff edge x = 0.3y", font=dict(size=12, color="#444"))
    return circles, [plateau, edge], label


def draw_clipping(d: ClipData) -> BookFigure:
    """Left: both paths over the cliff (shaded plateau, level circles). Right: loss per step."""
    s = _cliff()
    win = ((-10.0, 4.0), (-3.5, 3.5))
    circles, shapes, label = _cliff_background(win)
    fig = new_figure(cols=2, column_widths=[0.6, 0.4], subplot_titles=(f"cliff: {s.unicode}", "loss"), height=430,
                     legend="inside")
    fig.add_trace(circles, 1, 1)
    fig.add_trace(path_trace(np.clip(d.plain.points, -60, 60), name=f"GD, η = {d.lr:g}", role="gd"), 1, 1)
    fig.add_trace(path_trace(d.clipped.points, name=f"GD + clipping, h = {d.threshold:g}", role="momentum"), 1, 1)
    fig.add_trace(point_trace([d.plain.points[0]], name="start", role="start"), 1, 1)
    for tr, role in ((d.plain, "gd"), (d.clipped, "momentum")):
        t = np.arange(len(tr.losses), dtype=np.float32)
        fig.add_trace(go.Scatter(x=t, y=np.maximum(tr.losses, 1e-6).astype(np.float32), mode="lines", line=dict(color=color(role)),
                                 showlegend=False, name=tr.name), 1, 2)
    jump = np.linalg.norm(np.diff(d.plain.points, axis=0), axis=1)
    msgs = []
    if d.plain.diverged:
        msgs.append(f"plain GD diverged at step {d.plain.diverged_at}")
    elif jump.size:
        k = int(np.argmax(jump))
        msgs.append(f"largest plain step: {jump[k]:.2g} at step {k + 1} (‖g‖ = {d.plain.grad_norms[k]:.3g})")
    if d.clipped.diverged:
        msgs.append(f"clipped GD diverged at step {d.clipped.diverged_at}")
    fig.update_xaxes(range=list(win[0]), constrain="domain", row=1, col=1)
    fig.update_yaxes(range=list(win[1]), scaleanchor="x", constrain="domain", row=1, col=1)
    fig.update_xaxes(title_text="step t", row=1, col=2)
    fig.update_yaxes(type="log", range=[-4, 3], exponentformat="power", row=1, col=2)
    fig.update_layout(legend=dict(y=0.02, yanchor="bottom"), shapes=shapes,
                      annotations=list(fig.layout.annotations) + [label, status_annotation(
                          "; ".join(msgs), warn=d.plain.diverged or d.clipped.diverged)])
    return fig


# ------------------------------------------------- ill-conditioning in a training run

@dataclass(frozen=True)
class TrainingCurves:
    """Per-step records of a full-batch gradient-descent training run.

    ``loss``, ``error`` (classification error, or NaN for regression), ``grad_sq`` (gᵀg),
    ``curvature`` (gᵀHg / gᵀg, the second derivative along the gradient), ``decrease``
    (η gᵀg, the first-order decrease) and ``penalty`` (½ η² gᵀHg, the second-order term),
    all of length ``steps``; ``lambda_steps`` / ``lambda_max`` the top Hessian eigenvalue at
    a few steps; ``diverged_at`` the step where the loss became non-finite (or None).
    """

    lr: float
    loss: np.ndarray
    error: np.ndarray
    grad_sq: np.ndarray
    curvature: np.ndarray
    decrease: np.ndarray
    penalty: np.ndarray
    lambda_steps: np.ndarray
    lambda_max: np.ndarray
    n_params: int
    diverged_at: int | None


def ill_conditioning_run(lr: float = 1.0, steps: int = 400, *, hidden: int = 16, n: int = 200,
                         noise: float = 0.35, seed: int = 0, eig_every: int = 50) -> TrainingCurves:
    """Full-batch gradient descent with a fixed learning rate on noisy 2-D spirals.

    A tanh MLP ``[2, hidden, hidden, 2]`` (float64, cross-entropy) is trained by
    θ ← θ − η g (``sgd(lr)``) for ``steps`` steps. Every step records the loss, the training error, gᵀg,
    and — by one Hessian-vector product — gᵀHg; every ``eig_every`` steps λ_max(H) by Lanczos.
    Takes a few seconds for the defaults.
    """
    from lecture_code.core.hessian import extreme_eigenvalues, single_threaded  # first: without PyTorch, it says what to install

    import torch

    from lecture_code.core.synthetic import spirals
    from lecture_code.core.models import as_tensors, flatten_params, make_loss_fn, mlp

    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be > 0, got {lr!r}")
    for name, v, lo in (("steps", steps, 1), ("hidden", hidden, 1), ("n", n, 4), ("eig_every", eig_every, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    data = spirals(n, noise=noise, seed=seed)
    X, y = as_tensors(data.X, data.y)
    model = mlp([2, hidden, hidden, 2], "tanh", seed=seed)
    loss_fn = make_loss_fn(model, X, y, "cross_entropy")
    theta = flatten_params(model)
    from torch.func import functional_call

    from lecture_code.core.models import unflatten_params

    rec = {k: np.full(steps, np.nan) for k in ("loss", "error", "gg", "gHg")}
    lam_steps, lam_vals = [], []
    bad = None
    opt = sgd(lr)  # θ ← θ − η g is its update; the loop stays to measure gᵀHg along each step
    state = opt.init(theta.numpy())
    with single_threaded():
        for t in range(steps):
            p = theta.clone().requires_grad_(True)
            loss = loss_fn(p)
            (g,) = torch.autograd.grad(loss, p, create_graph=True)
            (Hg,) = torch.autograd.grad(g, p, g.detach())
            g = g.detach()
            if not (torch.isfinite(loss) and torch.isfinite(g).all()):
                bad = t
                break
            with torch.no_grad():
                out = functional_call(model, unflatten_params(model, theta), (X,))
                rec["error"][t] = float((out.argmax(1) != y).double().mean())
            rec["loss"][t] = float(loss.detach())
            rec["gg"][t] = float(g @ g)
            rec["gHg"][t] = float(g @ Hg)
            if t % eig_every == 0 or t == steps - 1:
                e = extreme_eigenvalues(loss_fn, theta, k=1, which="top", tol=1e-4, single_thread=False)
                lam_steps.append(t)
                lam_vals.append(float(e.top[0]))
            u, state = opt.update(g.numpy(), state, theta.numpy())
            theta = theta + torch.from_numpy(u)
    gg, gHg = rec["gg"], rec["gHg"]
    with np.errstate(invalid="ignore", divide="ignore"):
        curv = gHg / gg
    return TrainingCurves(float(lr), rec["loss"], rec["error"], gg, curv, lr * gg, 0.5 * lr * lr * gHg,
                          np.array(lam_steps), np.array(lam_vals), int(theta.numel()), bad)


def draw_ill_conditioning(c: TrainingCurves) -> BookFigure:
    """Three panels against the step: loss and error; gᵀg; gᵀHg/gᵀg and λ_max vs 2/η."""
    t = np.arange(c.loss.size, dtype=np.float32)
    fig = new_figure(cols=3, subplot_titles=("training loss and error", "squared gradient norm gᵀg",
                                             "curvature along g: gᵀHg / gᵀg"), height=400, legend="below")
    fig.add_trace(go.Scatter(x=t, y=c.loss.astype(np.float32), name="loss (cross-entropy)",
                             line=dict(color=color("gd"))), 1, 1)
    fig.add_trace(go.Scatter(x=t, y=c.error.astype(np.float32), name="training error",
                             line=dict(color=color("adam"), dash="dot")), 1, 1)
    fig.add_trace(go.Scatter(x=t, y=c.grad_sq.astype(np.float32), name="gᵀg", line=dict(color=color("momentum")),
                             showlegend=False), 1, 2)
    fig.add_trace(go.Scatter(x=t, y=c.curvature.astype(np.float32), name="gᵀHg / gᵀg",
                             line=dict(color=color("nesterov"))), 1, 3)
    fig.add_trace(go.Scatter(x=c.lambda_steps.astype(np.float32), y=c.lambda_max.astype(np.float32),
                             mode="markers+lines", name="λ_max(H)", line=dict(color=color("theory"), dash="dot")), 1, 3)
    fig.add_hline(y=2 / c.lr, line=dict(color="#B00020", dash="dash"), annotation_text="2/η", row=1, col=3)
    fig.update_yaxes(type="log", exponentformat="power", dtick=1, row=1, col=2)
    finite = np.concatenate([c.loss[np.isfinite(c.loss)], c.error[np.isfinite(c.error)], [0.1]])
    fig.update_yaxes(range=[0, 1.05 * float(finite.max())], row=1, col=1)  # every spike of the loss shown
    fig.update_xaxes(title_text="step")
    msg = f"diverged at step {c.diverged_at}" if c.diverged_at is not None else ""
    fig.update_layout(annotations=list(fig.layout.annotations) + [status_annotation(msg, warn=bool(msg))])
    return fig


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz() -> Quiz:
    """The chapter's self-check: classifying critical points by the Hessian's eigenvalues (and where
    the test fails), saddles of deep networks, the second-order model of one gradient step, why not
    Newton, the sign of ill-conditioning, and the best step size on ``x² + 3y²`` from ``(1, 1)``
    (:func:`optimal_step` of the bowl's gradient and Hessian there, 5/28)."""
    # the numeric question's answer, from the library: one step on x² + 3y² from (1, 1)
    bowl = get_surface("bowl")
    q_g, q_H = bowl.grad([1.0, 1.0]), bowl.hess([1.0, 1.0])
    q_gg, q_gHg, q_alpha = float(q_g @ q_g), float(q_g @ q_H @ q_g), float(optimal_step(q_g, q_H))
    return quiz(
        Question(
            "At a critical point the Hessian has eigenvalues 3, 0 and −1. The point is ...",
            [("a saddle point", True, "One direction curves up and another down: the sign mix decides, whatever the zero eigenvalue does."),
             ("undecidable from the Hessian", False, "The zero eigenvalue only matters when there is no sign mix."),
             ("a local minimum", False, "Along the eigenvector of −1 the loss goes down.")],
            multiple=False,
        ),
        Question(
            "At $(0, 0)$ both $x^2 + y^4$ and $x^2 - y^4$ have $g = 0$ and $H = \\mathrm{diag}(2, 0)$. Which statements are true?",
            [("The Hessian test cannot distinguish them", True, "Both Hessians are positive semi-definite and singular."),
             ("$x^2 + y^4$ has a minimum at the origin", True, "Both terms are ≥ 0 and vanish only at 0."),
             ("$x^2 - y^4$ has a minimum at the origin", False, "Along y it goes down like −y⁴: a saddle.")],
        ),
        Question(
            "A deep neural network with many neurons ...",
            [("has a huge number of equivalent minima and even many more saddle points", True,
              "Permutation symmetry creates many equivalent minima; the saddles between them are even more numerous."),
             ("is slow to train by gradient descent close to a saddle point", True, "The gradient vanishes near the saddle, so steps become tiny."),
             ("has, close to a saddle point, only one dimension to go down", False,
              "A random high-error saddle typically has many directions of negative curvature.")],
            multiple=True,
        ),
        Question(
            "One gradient step with learning rate α changes the loss by ≈ −α gᵀg + ½α² gᵀHg. Which are true?",
            [("If gᵀHg ≤ 0 the second-order model predicts a decrease for every α > 0", True, "Both terms are then ≤ 0."),
             ("The best step along −g is α* = gᵀg / gᵀHg when gᵀHg > 0", True, "The vertex of the parabola in α."),
             ("If g is an eigenvector with eigenvalue λ_max, α* = 1/λ_min", False, "Then gᵀHg = λ_max gᵀg and α* = 1/λ_max."),
             ("The loss increases for α > 2 gᵀg / gᵀHg (in the model)", True, "Then ½α² gᵀHg > α gᵀg.")],
        ),
        Question(
            "Why is Newton's method θ ← θ − H⁻¹g not used to train deep networks?",
            [("It is attracted to saddle points as much as to minima", True, "It solves ∇f = 0 and ignores the sign of the curvature."),
             ("H has n² entries and inverting it costs ~n³ for n parameters", True, "For n = 10⁶ parameters that is out of reach."),
             ("It needs many steps on a quadratic function", False, "On a quadratic with a nonsingular Hessian it needs exactly one step.")],
        ),
        Question(
            "During training the squared gradient norm grows steadily while the loss stays almost constant. This suggests ...",
            [("ill-conditioning: the curvature along g has grown so that ½α² gᵀHg cancels α gᵀg", True,
              "That is the diagnosis of the Challenges in Optimization deck (its figure is Goodfellow et al.'s Fig. 8.1)."),
             ("that the training is converging to a critical point", False, "Converging to a critical point would make g shrink.")],
            multiple=False,
        ),
        NumericQuestion(
            "On $f(x, y) = x^2 + 3y^2$, one gradient step from $(1, 1)$. Which step size $\\alpha^*$ lowers the loss "
            "most? (On a quadratic the second-order model is exact.)",
            q_alpha, 1e-3, relative=True, format_hint="a fraction such as 3/7 is fine",
            explanation=f"g = (2, 6) and H = diag(2, 6): gᵀg = {q_gg:g}, gᵀHg = {q_gHg:g}, so α* = gᵀg / gᵀHg "
                        f"= {q_gg:g}/{q_gHg:g} ≈ {q_alpha:.4f}, between 1/λ_max = 1/6 and 1/λ_min = 1/2.",
        ),
    )
