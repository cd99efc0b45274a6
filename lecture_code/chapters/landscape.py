"""Figures of the chapter "Seeing the landscape" (book/landscape.md): demo/draw pairs.

Computations live in the core (:mod:`lecture_code.core.landscape`, ``.batchnorm``,
``.initialization``, ``.pruning``, ``.data``); this module turns their results into
figures. Slow experiments are run by ``scripts/landscape_experiments.py`` and loaded with
:func:`load_results`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc

from lecture_code.core.initialization import mean_field_variances, signal_propagation
from lecture_code.core.landscape import batched_loss, random_direction
from lecture_code.core.models import unflatten_params
from lecture_code.core.plotting import SEQUENTIAL, BookFigure, color, new_figure

__all__ = [
    "RESULTS",
    "load_results",
    "Profiles",
    "interpolation_demo",
    "draw_interpolation",
    "rescale_layers",
    "rescaling_demo",
    "draw_rescaling",
    "draw_surface",
    "skip_demo",
    "draw_skip",
    "draw_connectivity",
    "draw_smoothness",
    "draw_gammabeta",
    "propagation_demo",
    "draw_propagation",
    "draw_lottery",
    "lottery_summary",
]

#: The committed results of ``scripts/landscape_experiments.py``.
RESULTS = Path(__file__).resolve().parents[1] / "data" / "landscape.json"


def load_results(path: Path | str = RESULTS) -> dict[str, Any]:
    """The stored experiment results (``make data`` regenerates them)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make data` (scripts/landscape_experiments.py)")
    return json.loads(path.read_text())


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

def rescale_layers(model: torch.nn.Module, theta: torch.Tensor, c: float) -> torch.Tensor:
    """Multiply the first layer (weights and biases) by ``c`` and the second layer's weights by 1/c.

    For a ReLU network (``relu(c z) = c relu(z)`` for c > 0) the new parameters compute exactly
    the same function.
    """
    if not c > 0:
        raise ValueError(f"c must be > 0, got {c}")
    names = [n for n, p in model.named_parameters()]
    params = {k: v.clone() for k, v in unflatten_params(model, theta.detach()).items()}
    w_names = [n for n in names if n.endswith("weight")]
    first, second = w_names[0], w_names[1]
    params[first] = params[first] * c
    bias = first[: -len("weight")] + "bias"
    if bias in params:
        params[bias] = params[bias] * c
    params[second] = params[second] / c
    return torch.cat([params[n].reshape(-1) for n in names])


def _curvature(ts: np.ndarray, ys: np.ndarray) -> float:
    """Second difference quotient of ``ys`` at the middle of ``ts`` (t = 0: the network itself)."""
    i = len(ts) // 2
    h = ts[i + 1] - ts[i]
    return float((ys[i + 1] - 2 * ys[i] + ys[i - 1]) / h ** 2)


@dataclass(frozen=True)
class RescalingData:
    c: float
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


def rescaling_demo(c: float, model: torch.nn.Module, theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor,
                   seed: int = 1, n: int = 41) -> RescalingData:
    """Loss along a random direction around θ and around its rescaled twin, raw and filter-normalized.

    The raw direction is one fixed Gaussian draw (scaled once to the length of the filter-
    normalized direction at θ, so both panels share an axis); the filter-normalized direction
    is recomputed from the weights it starts at, as Li et al. prescribe.
    """
    theta_c = rescale_layers(model, theta, c)
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
    return RescalingData(c, ts, line(theta, d_raw), line(theta_c, d_raw), line(theta, d_filter),
                         line(theta_c, d_filter_c), float((out - out_c).abs().max()))


def draw_rescaling(d: RescalingData) -> BookFigure:
    status = (f"c = {d.c:g}: outputs differ by ≤ {d.output_change:.0e}; curvature at t = 0:"
              f" × {d.raw_ratio:.3g} (raw), × {d.filter_ratio:.3g} (filter-normalized)")
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


# --- 5. batch normalization ------------------------------------------------------------------

def draw_smoothness(res: dict) -> BookFigure:
    """Santurkar et al.'s measurements over training, with and without batch norm."""
    panels = (("loss", "training<br>loss", "log"), ("loss_range", "loss range along −g<br>(η up to 8 × lr)", "log"),
              ("curvature", "curvature along<br>the gradient gᵀHg/‖g‖²", "linear"),
              ("beta", "effective<br>β-smoothness", "log"))
    fig = new_figure(rows=2, cols=2, horizontal_spacing=0.12, vertical_spacing=0.2, height=680, legend="header",
                     subplot_titles=[p[1] for p in panels])
    for k, (key, name) in enumerate((("plain", "without BN"), ("bn", "with BN"))):
        run = res["runs"][key]
        for i, (field, _, _) in enumerate(panels):
            fig.add_trace(go.Scatter(x=run["step"], y=run[field], name=name, showlegend=i == 0, mode="lines+markers",
                                     line=dict(color=color(k), width=2.5)), i // 2 + 1, i % 2 + 1)
    for i, (_, _, scale) in enumerate(panels):
        fig.update_yaxes(type=scale, row=i // 2 + 1, col=i % 2 + 1)
    fig.update_xaxes(title_text="SGD step", row=2)
    fig.update_yaxes(exponentformat="power")
    return fig


def draw_gammabeta(res: dict) -> BookFigure:
    """Test accuracy when training all parameters, only γ and β, or other small subsets (bars: mean; whiskers: range over seeds)."""
    labels = {"all": "all parameters", "gamma_beta": "only γ and β", "random_weights": "as many random weights",
              "output_layer": "only the output layer"}
    fig = new_figure(height=380, legend=None, y_title="test accuracy")
    for k, (key, label) in enumerate(labels.items()):
        accs = np.array([run[key]["test_acc"] for run in res["runs"]])
        n = res["runs"][0][key]["trainable"]
        fig.add_trace(go.Bar(x=[f"{label}<br>({n:,} trained)"], y=[accs.mean()], name=label, marker_color=color(k),
                             error_y=dict(type="data", symmetric=False, array=[accs.max() - accs.mean()],
                                          arrayminus=[accs.mean() - accs.min()])))
    fig.add_hline(y=0.1, line=dict(dash="dot", color=color("theory")), annotation_text="chance (10 %)")
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return fig


# --- 6. initialization -----------------------------------------------------------------------

@dataclass(frozen=True)
class PropagationData:
    gain: float
    activation: str
    measured_forward: np.ndarray
    measured_backward: np.ndarray
    predicted_forward: np.ndarray
    predicted_backward: np.ndarray


def propagation_demo(gain: float, activation: str, depth: int = 30, width: int = 128, n: int = 256,
                     seed: int = 0) -> PropagationData:
    """Measured and predicted variances through ``depth`` layers with ``Var(w) = gain / width``."""
    meas = signal_propagation(depth, width, activation, gain, n=n, seed=seed)
    pred = mean_field_variances(depth, activation, gain)
    return PropagationData(gain, activation, meas.forward, meas.backward, pred.forward, pred.backward)


def draw_propagation(d: PropagationData) -> BookFigure:
    layers = np.arange(1, len(d.measured_forward) + 1)
    last_f, last_b = d.measured_forward[-1], d.measured_backward[0]
    fig = new_figure(rows=2, vertical_spacing=0.14, height=700, legend="header",
                     status=f"{d.activation}, gain {d.gain:g}: Var(h₃₀) = {last_f:.2g}, Var(∂loss/∂h₁) = {last_b:.2g}",
                     warn=not (1e-3 < last_f < 1e3 and 1e-3 < last_b < 1e3),
                     subplot_titles=("forward: Var(pre-activation hₗ)", "backward: Var(∂loss/∂hₗ)"))
    for row, (meas, pred) in enumerate(((d.measured_forward, d.predicted_forward),
                                        (d.measured_backward, d.predicted_backward)), 1):
        fig.add_trace(go.Scatter(x=layers, y=_f32(pred), name="mean-field prediction", showlegend=row == 1,
                                 line=dict(color=color("theory"), width=3)), row, 1)
        fig.add_trace(go.Scatter(x=layers, y=_f32(np.clip(meas, 1e-30, 1e30)), name="measured (width 128)",
                                 showlegend=row == 1, mode="markers",
                                 marker=dict(color=color(1), size=7, opacity=0.85)), row, 1)
    fig.update_yaxes(type="log", range=[-12, 12], exponentformat="power", title_text="variance")
    fig.update_xaxes(title_text="layer l", row=2, col=1)
    return fig


# --- 7. lottery tickets ----------------------------------------------------------------------

def lottery_summary(res: dict, tolerance: float = 0.01) -> dict[str, float]:
    """Mean accuracies over seeds and the smallest fraction kept within ``tolerance`` of dense."""
    kept = np.asarray(res["runs"][0]["kept"])
    rew = np.mean([r_["rewind"] for r_ in res["runs"]], axis=0)
    rei = np.mean([r_["reinit"] for r_ in res["runs"]], axis=0)
    dense = rew[0]

    def smallest(acc):
        ok = np.nonzero(acc >= dense - tolerance)[0]
        # the smallest fraction such that every larger fraction is also within tolerance
        bad = np.nonzero(acc < dense - tolerance)[0]
        first_bad = bad.min() if bad.size else len(acc)
        return float(kept[first_bad - 1]) if first_bad > 0 else 1.0

    return dict(dense=float(dense), kept_rewind=smallest(rew), kept_reinit=smallest(rei),
                last_kept=float(kept[-1]), last_rewind=float(rew[-1]), last_reinit=float(rei[-1]))


def draw_lottery(res: dict) -> BookFigure:
    """Test accuracy against the fraction of weights kept: mean over seeds (line) and range (band)."""
    kept = np.asarray(res["runs"][0]["kept"])
    fig = new_figure(height=440, legend="header", x_title="fraction of weights kept", y_title="test accuracy")
    for k, (key, name) in enumerate((("rewind", "rewound to θ₀ (winning ticket)"),
                                      ("reinit", "same mask, random re-initialization"))):
        accs = np.array([r_[key] for r_ in res["runs"]])
        fig.add_trace(go.Scatter(x=np.concatenate([kept, kept[::-1]]), y=np.concatenate([accs.max(0), accs.min(0)[::-1]]),
                                 fill="toself", fillcolor=color(k, alpha=0.15), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False))
        fig.add_trace(go.Scatter(x=kept, y=accs.mean(0), name=name, mode="lines+markers",
                                 line=dict(color=color(k), width=2.5)))
    fig.update_xaxes(type="log", autorange="reversed", tickvals=[1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01],
                     ticktext=["100 %", "50 %", "20 %", "10 %", "5 %", "2 %", "1 %"])
    fig.update_yaxes(tickformat=".0%")
    return fig
