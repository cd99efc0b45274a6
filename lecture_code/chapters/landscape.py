"""Figures of the chapter "Seeing the landscape" (book/landscape.md): demo/draw pairs.

Computations live in the core (:mod:`lecture_code.core.landscape`, ``.recurrent``, ``.data``);
this module turns their results into figures. Slow experiments are run by
``scripts/landscape_experiments.py``; the chapter loads their committed results with
:func:`lecture_code.core.data.stored_results` (``stored_results("landscape")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc

from lecture_code.core.landscape import batched_loss, random_direction, rescale_units
from lecture_code.core.models import unflatten_params
from lecture_code.core.plotting import SEQUENTIAL, BookFigure, color, new_figure
from lecture_code.core.quiz import Question, Quiz, quiz

__all__ = [
    "Profiles",
    "interpolation_demo",
    "draw_interpolation",
    "RESCALINGS",
    "rescale_layers",
    "rescaling_demo",
    "draw_rescaling",
    "NormalizationComparison",
    "normalization_comparison",
    "draw_surface",
    "skip_demo",
    "draw_skip",
    "draw_connectivity",
    "draw_dropout_paths",
    "basins_demo",
    "draw_basins",
    "draw_recurrent",
    "self_check_quiz",
]

def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


# --- 1. interpolation ------------------------------------------------------------------------

@dataclass(frozen=True)
class Profiles:
    """Loss profiles along straight lines, and the plane through θ₀, A, B from the script."""

    alphas: np.ndarray
    init_a_train: np.ndarray
    init_a_test: np.ndarray
    a_b_train: np.ndarray
    plane: dict


@dataclass(frozen=True)
class InterpolationFrame:
    profiles: Profiles
    alpha: float


def interpolation_demo(alpha: float, profiles: Profiles) -> InterpolationFrame:
    """One slider position ``alpha`` on the two straight paths θ₀ → A and A → B."""
    if not (float(profiles.alphas.min()) <= alpha <= float(profiles.alphas.max())):
        raise ValueError(f"alpha must be in [{profiles.alphas.min()}, {profiles.alphas.max()}], got {alpha}")
    return InterpolationFrame(profiles, float(alpha))


def _log_loss(loss) -> np.ndarray:
    """log₁₀ of a loss grid, floored at 10⁻³ (the colour scale of every surface here)."""
    return np.log10(np.asarray(loss, dtype=float) + 1e-3).astype(np.float32)


def _marker(x: float, y: float, role: int) -> go.Scatter:
    return go.Scatter(x=[float(x)], y=[float(y)], mode="markers", showlegend=False,
                      marker=dict(size=12, color=color(role), line=dict(width=1.5, color="white")))


def _labels(points: np.ndarray, text: list[str]) -> go.Scatter:
    """Named points of a weight-space plane, white on the dark colours of low loss."""
    return go.Scatter(x=_f32(points[:, 0]), y=_f32(points[:, 1]), mode="markers+text", text=text,
                      textposition="top center", textfont=dict(color="white", size=14), showlegend=False,
                      marker=dict(size=10, color="white", line=dict(width=1, color="black")))


def _plane_contour(plane: dict) -> go.Contour:
    return go.Contour(x=_f32(plane["xs"]), y=_f32(plane["ys"]), z=_log_loss(plane["loss"]), colorscale=SEQUENTIAL,
                      ncontours=22, showscale=True, colorbar=dict(title="log₁₀ loss", len=0.5, y=0.28),
                      name="loss", hoverinfo="skip", line=dict(width=0.5), showlegend=False)


def draw_interpolation(f: InterpolationFrame) -> BookFigure:
    p, a = f.profiles, f.alpha
    status = (f"α = {a:.2f}: loss {np.interp(a, p.alphas, p.init_a_train):.3g} on θ₀ → A, "
              f"{np.interp(a, p.alphas, p.a_b_train):.3g} on A → B")
    fig = new_figure(rows=2, row_heights=[0.42, 0.58], vertical_spacing=0.13, height=860, legend="header",
                     status=status, subplot_titles=("loss along the straight lines",
                                                    "the plane through θ₀, A and B (training loss)"))
    traces = [("θ₀ → A, training", p.init_a_train, 0, None), ("θ₀ → A, test", p.init_a_test, 0, "dot"),
              ("A → B, training", p.a_b_train, 1, None)]
    for name, ys, role, dash in traces:
        fig.add_trace(go.Scatter(x=_f32(p.alphas), y=_f32(ys), name=name, mode="lines",
                                 line=dict(color=color(role), dash=dash, width=2.5)), 1, 1)
    for ys, role in ((p.init_a_train, 0), (p.a_b_train, 1)):
        fig.add_trace(_marker(a, np.interp(a, p.alphas, ys), role), 1, 1)
    fig.add_trace(_plane_contour(p.plane), 2, 1)
    c = np.asarray(p.plane["coords"])
    fig.add_trace(_labels(c, ["θ₀", "A", "B"]), 2, 1)
    for i, j, role in ((0, 1, 0), (1, 2, 1)):
        pt = (1 - a) * c[i] + a * c[j]
        fig.add_trace(go.Scatter(x=_f32([c[i, 0], c[j, 0]]), y=_f32([c[i, 1], c[j, 1]]), mode="lines",
                                 showlegend=False, line=dict(color=color(role), width=2)), 2, 1)
        fig.add_trace(_marker(pt[0], pt[1], role), 2, 1)
    fig.update_xaxes(title_text="α (position on the line)", row=1, col=1)
    fig.update_yaxes(title_text="cross-entropy", type="log", exponentformat="power", row=1, col=1)
    fig.update_xaxes(title_text="weight-space coordinate 1", row=2, col=1)
    fig.update_yaxes(title_text="coordinate 2", scaleanchor="x2", row=2, col=1)
    return fig


# --- 2. filter normalization and rescaled layers ------------------------------------------------

#: What the rescaling slider rescales: every unit of the first hidden layer, or only its unit 0.
RESCALINGS = ("whole layer", "one unit")


def rescale_layers(model: torch.nn.Module, theta: torch.Tensor, c: float, unit: int | None = None) -> torch.Tensor:
    """Multiply the first hidden layer's incoming weights and biases by ``c`` and its outgoing weights by 1/c.

    ``unit=None`` rescales the whole layer (every row of W₁, every column of W₂), an integer only
    that unit. For a ReLU network (``relu(c z) = c relu(z)`` for c > 0) both compute exactly the
    same function (:func:`lecture_code.core.landscape.rescale_units`).
    """
    return rescale_units(model, theta, c, layer=0, units=None if unit is None else [unit])


def _curvature(ts: np.ndarray, ys: np.ndarray) -> float:
    """Second difference quotient of ``ys`` at the middle of ``ts`` (t = 0: the network itself)."""
    i = len(ts) // 2
    h = ts[i + 1] - ts[i]
    return float((ys[i + 1] - 2 * ys[i] + ys[i - 1]) / h ** 2)


@dataclass(frozen=True)
class RescalingData:
    c: float
    rescaled: str
    ts: np.ndarray
    raw_original: np.ndarray
    raw_rescaled: np.ndarray
    filter_original: np.ndarray
    filter_rescaled: np.ndarray
    output_change: float

    @property
    def raw_ratio(self) -> float:
        """Curvature at t = 0 of the rescaled network over the original's, raw direction."""
        return _curvature(self.ts, self.raw_rescaled) / _curvature(self.ts, self.raw_original)

    @property
    def filter_ratio(self) -> float:
        """The same ratio along the filter-normalized directions (1 if the view is invariant)."""
        return _curvature(self.ts, self.filter_rescaled) / _curvature(self.ts, self.filter_original)

    @property
    def filter_difference(self) -> float:
        """Largest difference between the two filter-normalized curves (0 if the view is invariant)."""
        return float(np.max(np.abs(self.filter_rescaled - self.filter_original)))


def rescaling_demo(c: float, rescaled: str, model: torch.nn.Module, theta: torch.Tensor, X: torch.Tensor,
                   y: torch.Tensor, seed: int = 1, n: int = 41) -> RescalingData:
    """Loss along a random direction around θ and around its rescaled twin, raw and filter-normalized.

    ``rescaled`` is ``"whole layer"`` (the first hidden layer) or ``"one unit"`` (its unit 0).
    The raw direction is one fixed Gaussian draw (scaled once to the length of the filter-
    normalized direction at θ, so both panels share an axis); the filter-normalized direction
    is recomputed from the weights it starts at, as Li et al. prescribe.
    """
    if rescaled not in RESCALINGS:
        raise ValueError(f"rescaled must be one of {RESCALINGS}, got {rescaled!r}")
    theta_c = rescale_layers(model, theta, c, None if rescaled == "whole layer" else 0)
    d_filter = random_direction(model, theta, seed, "filter")
    d_raw = random_direction(model, theta, seed, "none")
    d_raw = d_raw * (d_filter.norm() / d_raw.norm())
    d_filter_c = random_direction(model, theta_c, seed, "filter")
    ts = np.linspace(-1, 1, n)
    T = torch.as_tensor(ts).reshape(-1, 1)

    def line(p, d):
        return batched_loss(model, X, y, p + T * d)

    from torch.func import functional_call

    with torch.no_grad():
        out = functional_call(model, unflatten_params(model, theta), (X,))
        out_c = functional_call(model, unflatten_params(model, theta_c), (X,))
    return RescalingData(c, rescaled, ts, line(theta, d_raw), line(theta_c, d_raw), line(theta, d_filter),
                         line(theta_c, d_filter_c), float((out - out_c).abs().max()))


@dataclass(frozen=True)
class NormalizationComparison:
    """How one rescaling of the first hidden layer changes the view along normalized directions."""

    c: float
    rescaled: str
    difference: dict[str, float]
    """Per normalization: the largest difference between the loss curves around θ and around
    its rescaled twin (0 if that normalization is invariant to the rescaling)."""
    norm_ratios: tuple[float, float]
    """‖W₁‖ and ‖W₂‖ (Frobenius) of the rescaled network over the original's."""


def normalization_comparison(c: float, rescaled: str, model: torch.nn.Module, theta: torch.Tensor,
                             X: torch.Tensor, y: torch.Tensor, normalizations: tuple[str, ...] = ("layer", "filter"),
                             seed: int = 1, n: int = 41) -> NormalizationComparison:
    """Compare normalizations of the random direction on one rescaling (the chapter's exercise 1).

    For each normalization the direction is recomputed from the weights it starts at (as for
    :func:`rescaling_demo`), and the loss is evaluated at ``n`` points t ∈ [−1, 1] around θ
    and around the rescaled θ.
    """
    if rescaled not in RESCALINGS:
        raise ValueError(f"rescaled must be one of {RESCALINGS}, got {rescaled!r}")
    theta_c = rescale_layers(model, theta, c, None if rescaled == "whole layer" else 0)
    T = torch.as_tensor(np.linspace(-1, 1, n)).reshape(-1, 1)
    difference = {}
    for norm in normalizations:
        d, d_c = random_direction(model, theta, seed, norm), random_direction(model, theta_c, seed, norm)
        diff = batched_loss(model, X, y, theta_c + T * d_c) - batched_loss(model, X, y, theta + T * d)
        difference[norm] = float(np.max(np.abs(diff)))
    mats = [(name, p.ndim) for name, p in model.named_parameters()]
    names = [name for name, ndim in mats if ndim >= 2][:2]
    before, after = unflatten_params(model, theta), unflatten_params(model, theta_c)
    ratios = tuple(float(after[k].norm() / before[k].norm()) for k in names)
    return NormalizationComparison(c, rescaled, difference, ratios)


def draw_rescaling(d: RescalingData) -> BookFigure:
    status = f"{d.rescaled} × {d.c:g}: curvature ×{d.raw_ratio:.3g} (raw), ×{d.filter_ratio:.3g} (filter)"
    fig = new_figure(rows=2, vertical_spacing=0.14, height=700, legend="header", status=status,
                     subplot_titles=("raw random direction", "filter-normalized direction"))
    for row, (orig, resc) in enumerate(((d.raw_original, d.raw_rescaled), (d.filter_original, d.filter_rescaled)), 1):
        fig.add_trace(go.Scatter(x=_f32(d.ts), y=_f32(orig), name="original network", showlegend=row == 1,
                                 line=dict(color=color(0), width=5)), row, 1)
        fig.add_trace(go.Scatter(x=_f32(d.ts), y=_f32(resc), name="rescaled network", showlegend=row == 1,
                                 line=dict(color=color(1), width=2.5, dash="dash")), row, 1)
    fig.update_xaxes(title_text="step t along the direction", row=2, col=1)
    fig.update_yaxes(title_text="training loss", type="log", exponentformat="power")
    return fig


def draw_surface(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, title: str) -> BookFigure:
    """A loss surface as contour lines (top) and in 3-D (below), log scale."""
    z = _log_loss(Z)
    fig = new_figure(rows=2, specs=[[{"type": "xy"}], [{"type": "surface"}]], row_heights=[0.45, 0.55],
                     vertical_spacing=0.08, height=900, legend=None, status=title,
                     subplot_titles=("contour lines", "3-D view"))
    fig.add_trace(go.Contour(x=_f32(xs), y=_f32(ys), z=z, colorscale=SEQUENTIAL, ncontours=25, showscale=False,
                             hoverinfo="skip", contours=dict(coloring="heatmap"), line=dict(width=0.5)), 1, 1)
    fig.add_trace(go.Surface(x=_f32(xs), y=_f32(ys), z=z, colorscale=SEQUENTIAL, showscale=False), 2, 1)
    fig.update_xaxes(title_text="δ₁", row=1, col=1)
    fig.update_yaxes(title_text="δ₂", scaleanchor="x", row=1, col=1)
    fig.update_layout(scene=dict(xaxis_title="δ₁", yaxis_title="δ₂", zaxis_title="log₁₀ loss",
                                 camera=dict(eye=dict(x=1.6, y=1.6, z=1.1))))
    return fig


# --- 3. skip connections ---------------------------------------------------------------------

@dataclass(frozen=True)
class SkipFrame:
    depth: int
    xs: np.ndarray
    plain: dict
    residual: dict


def skip_demo(depth: int, results: dict) -> SkipFrame:
    """The stored surfaces of the depth-``depth`` networks without and with skip connections."""
    runs = {(r["depth"], r["residual"]): r for r in results["runs"]}
    if (depth, False) not in runs:
        raise ValueError(f"depth must be one of {sorted({d for d, _ in runs})}, got {depth}")
    return SkipFrame(depth, np.asarray(results["xs"]), runs[(depth, False)], runs[(depth, True)])


def draw_skip(f: SkipFrame) -> BookFigure:
    titles = [f"{name}: test accuracy {run['test_acc']:.1%}<br>curving down at {run['nonconvex']:.0%} of the points"
              for name, run in (("without skips", f.plain), ("with skips", f.residual))]
    fig = new_figure(rows=2, vertical_spacing=0.14, height=920, legend=None, subplot_titles=titles,
                     status=f"{f.depth} hidden layers, one colour scale")
    both = _log_loss(np.concatenate([np.ravel(f.plain["grid"]), np.ravel(f.residual["grid"])]))
    lo, hi = float(both.min()), float(both.max())
    for row, run in enumerate((f.plain, f.residual), 1):
        fig.add_trace(go.Contour(x=_f32(f.xs), y=_f32(f.xs), z=_log_loss(run["grid"]), colorscale=SEQUENTIAL,
                                 zmin=lo, zmax=hi, contours=dict(start=lo, end=hi, size=(hi - lo) / 24, coloring="heatmap"),
                                 showscale=row == 1, colorbar=dict(title="log₁₀ loss", tickformat=".1f"),
                                 hoverinfo="skip", line=dict(width=0.5)), row, 1)
        fig.update_yaxes(title_text="δ₂", scaleanchor=f"x{'' if row == 1 else row}", row=row, col=1)
    fig.update_xaxes(title_text="δ₁ (filter-normalized)", row=2, col=1)
    return fig


# --- 4. mode connectivity --------------------------------------------------------------------

def draw_connectivity(ts: np.ndarray, curves: dict[str, np.ndarray], plane: dict) -> BookFigure:
    """Loss along paths between two solutions (top) and the plane through A, θ_m, B (below)."""
    fig = new_figure(rows=2, vertical_spacing=0.13, row_heights=[0.42, 0.58], height=860, legend="header",
                     subplot_titles=("training loss along the path", "the plane through A, θ_m and B"))
    for k, (name, ys) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=_f32(ts), y=_f32(ys), name=name, line=dict(color=color(k), width=2.5)), 1, 1)
    fig.add_trace(_plane_contour(plane), 2, 1)
    c = np.asarray(plane["coords"])
    curve = np.asarray(plane["curve"])
    fig.add_trace(go.Scatter(x=_f32([c[0, 0], c[2, 0]]), y=_f32([c[0, 1], c[2, 1]]), mode="lines", showlegend=False,
                             line=dict(color=color(0), width=2)), 2, 1)
    fig.add_trace(go.Scatter(x=_f32(curve[:, 0]), y=_f32(curve[:, 1]), mode="lines", showlegend=False,
                             line=dict(color=color(1), width=2)), 2, 1)
    fig.add_trace(_labels(c, ["A", "θ_m", "B"]), 2, 1)
    fig.update_xaxes(title_text="t (position on the path)", row=1, col=1)
    fig.update_yaxes(title_text="cross-entropy", type="log", exponentformat="power", row=1, col=1)
    fig.update_yaxes(scaleanchor="x2", row=2, col=1)
    return fig


# --- 5. dropout stability and mode connectivity ---------------------------------------------

def draw_dropout_paths(ours: dict, stored: dict) -> BookFigure:
    """Loss on the straight line (top) and on the dropout path (below) between two networks.

    ``ours``: the chapter's pair (no dropout) with keys ``alphas``, ``line``, ``s``, ``path``;
    ``stored``: one run of the script's ``dropout`` part (``plain`` and ``dropout`` pairs).
    """
    fig = new_figure(rows=2, vertical_spacing=0.16, height=760, legend="header",
                     subplot_titles=("straight line from A to B", "dropout path from A to B (Kuditipudi et al.)"))
    d = stored["dropout"]
    alphas = np.linspace(0, 1, len(d["line"]))
    series = [("A, B of this page (no dropout)", ours["alphas"], ours["line"], ours["s"], ours["path"], 0, None),
              ("trained with dropout (script)", alphas, d["line"], d["s"], d["path"], 1, None)]
    for name, a, line, s_, path, role, dash in series:
        fig.add_trace(go.Scatter(x=_f32(a), y=_f32(line), name=name, mode="lines",
                                 line=dict(color=color(role), width=2.5, dash=dash)), 1, 1)
        fig.add_trace(go.Scatter(x=_f32(s_), y=_f32(path), name=name, mode="lines", showlegend=False,
                                 line=dict(color=color(role), width=2.5, dash=dash)), 2, 1)
    fig.update_xaxes(title_text="α", row=1, col=1)
    fig.update_xaxes(title_text="segment of the path (corners at whole numbers)", dtick=1, row=2, col=1)
    fig.update_yaxes(title_text="training loss", type="log", exponentformat="power")
    return fig


# --- 6. different optimizers, different basins -----------------------------------------------

@dataclass(frozen=True)
class BasinsFrame:
    width: int
    names: list[str]
    barrier: np.ndarray
    distance: np.ndarray
    alphas: np.ndarray
    profiles: dict[str, np.ndarray]


#: The lines the profile panel shows: (label, first solution, second solution).
BASIN_PAIRS = (("SGD → SGD #2", "SGD:0", "SGD:1"),
               ("Adam → Adam #2", "Adam:0", "Adam:1"),
               ("SGD → momentum", "SGD:0", "momentum:0"),
               ("SGD → Adam", "SGD:0", "Adam:0"),
               ("SGD → SGD, other θ₀", "SGD:0", "SGD:init"))


def basins_demo(width: int, results: dict) -> BasinsFrame:
    """The stored solutions of the networks with ``width`` hidden units: barriers, distances, profiles."""
    runs = {r_["width"]: r_ for r_ in results["runs"]}
    if width not in runs:
        raise ValueError(f"width must be one of {sorted(runs)}, got {width}")
    run = runs[width]
    profiles = {}
    for label, a, b in BASIN_PAIRS:
        key = f"{a}|{b}" if f"{a}|{b}" in run["profiles"] else f"{b}|{a}"
        profiles[label] = np.asarray(run["profiles"][key])
    return BasinsFrame(width, list(run["names"]), np.asarray(run["barrier"]), np.asarray(run["distance"]),
                       np.asarray(run["alphas"]), profiles)


def _short(name: str) -> str:
    opt, order = name.split(":")
    return f"{opt} (other θ₀)" if order == "init" else f"{opt} #{int(order) + 1}"


#: Barriers below this are drawn at it on the logarithmic colour scale (0 has no logarithm).
_BARRIER_FLOOR = 1e-4


def draw_basins(f: BasinsFrame) -> BookFigure:
    """Barrier on the straight line between every pair of solutions (top, log scale) and five of the lines (below)."""
    labels = [_short(n) for n in f.names]
    z = np.log10(np.maximum(f.barrier, _BARRIER_FLOOR))
    np.fill_diagonal(z, np.nan)
    fig = new_figure(rows=2, vertical_spacing=0.2, row_heights=[0.55, 0.45], height=900, legend="header",
                     status=f"two hidden layers of {f.width} units",
                     subplot_titles=("barrier on the straight line between two solutions",
                                     "training loss along five of the lines"))
    fig.add_trace(go.Heatmap(z=_f32(z), x=labels, y=labels, customdata=_f32(f.barrier), colorscale=SEQUENTIAL,
                             zmin=np.log10(_BARRIER_FLOOR), zmax=0.5, hoverongaps=False,
                             colorbar=dict(title="log₁₀<br>barrier", len=0.5, y=0.75),
                             hovertemplate="%{y} → %{x}: barrier %{customdata:.3g}<extra></extra>"), 1, 1)
    for k, (label, ys) in enumerate(f.profiles.items()):
        fig.add_trace(go.Scatter(x=_f32(f.alphas), y=_f32(ys), name=label, mode="lines",
                                 line=dict(color=color(k), width=2.5)), 2, 1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_xaxes(tickangle=-45, row=1, col=1)
    fig.update_xaxes(title_text="α (position on the line)", row=2, col=1)
    fig.update_yaxes(title_text="training loss", type="log", exponentformat="power", row=2, col=1)
    return fig


# --- 7. a recurrent network ----------------------------------------------------------------------

def draw_recurrent(res: dict) -> BookFigure:
    """Goodfellow et al.'s profiles for the row-by-row LSTM: θ₀ → θ* (training and test) and between two solutions."""
    alphas = np.asarray(res["alphas"])
    run = res["runs"][0]
    fig = new_figure(height=460, legend="header", x_title="α (position on the line)", y_title="cross-entropy")
    for name, ys, role, dash in (("θ₀ → θ*, training", run["init_train"], 0, None),
                                 ("θ₀ → θ*, test", run["init_test"], 0, "dot"),
                                 ("θ*₁ → θ*₂ (two seeds), training", res["between"], 1, None)):
        fig.add_trace(go.Scatter(x=_f32(alphas), y=_f32(ys), name=name, mode="lines",
                                 line=dict(color=color(role), width=2.5, dash=dash)))
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz(aligned_peak: float, line_peak: float) -> Quiz:
    """The chapter's self-check: what rescaling a layer or one unit keeps (the function, the
    filter-normalized surface), which paths between two trained networks stay low (with the peaks of
    the training loss on the chapter's straight lines to the aligned B, ``aligned_peak``, and to B,
    ``line_peak``), what the low aligned line shows, and why dropout stability gives a low path."""
    return quiz(
        Question(
            "You multiply the first hidden layer of a ReLU network (its weights and biases) by c = 10 and the "
            "second layer's weights by 1/10. Which statements hold?",
            [("the network computes the same function", True, "relu(10z) = 10 relu(z), and the 1/10 undoes it."),
             ("its loss surface along a fixed random direction looks the same", False,
              "The same direction is now a 10× smaller perturbation of the first layer and a 10× larger one of the second."),
             ("its filter-normalized surface looks the same", True,
              "Every row of both weight matrices is scaled, and each row's direction is scaled with it: the rescaling cancels."),
             ("the new weights lie in the same connected set of equal-loss weights as the old", True,
              "Varying c continuously moves along a curve of weights that all compute the same function (a continuous "
              "symmetry), so the loss is the same all along it. (Not a set of minima: with cross-entropy on data it "
              "separates, the loss keeps falling as the weights grow.)"),],
        ),
        Question(
            "Now you rescale only one hidden unit: its incoming weights and bias by 4, its outgoing weights by 1/4. "
            "Which statements hold?",
            [("the network computes the same function", True, "The same identity, relu(4z) = 4 relu(z), for one unit."),
             ("its filter-normalized surface looks the same", False,
              "The unit's outgoing weights are one entry in each row of the next matrix; each row is normalized as a "
              "whole, so the shrunken entry gets a perturbation sized for the rest of its row."),],
        ),
        Question(
            "Two networks A and B trained from different seeds have a loss barrier on the straight line between them. "
            "Which give a path from A to B, or to a copy of B computing the same function, that stays far below "
            "that barrier?",
            [("the straight line to B with its hidden units permuted to match A's", True,
              "The permuted B computes the same function; on this page the line to it peaks at "
              f"{aligned_peak:.3f} instead of {line_peak:.2f}."),
             ("a curve through a trained middle point", True, "That is Garipov et al.'s Bézier curve."),
             ("the straight line to B after training B for longer", False,
              "Longer training moves B within its own basin; the straight line to it still crosses the ridge "
              "between the basins, at most a little lower."),],
        ),
        Question(
            "After aligning B's units to A's, the straight line between them stays low: its peak is far below the "
            "unaligned line's, though above its ends. What follows?",
            [("A and the aligned B are nearly the same weights", False,
              "The aligned B is still far from A (about as far as A is from its own initialization on this page)."),
             ("A and B are linearly connected up to a permutation of units", True,
              "That is what the low straight line to the permuted B shows -- approximately: a small barrier remains."),],
            multiple=False,
        ),
        Question(
            "Why does dropout stability give a low path between two networks?",
            [("a unit with zero outgoing weights can be changed freely without changing the loss", True,
              "So half the units can be used to build the other network first."),
             ("the loss is convex in the output layer's weights", True,
              "So switching the output layer from one half-network to the other never rises above the higher end."),
             ("dropout makes the loss convex in all weights", False, "It does not; only the output layer's convexity is used."),],
        ),
    )
