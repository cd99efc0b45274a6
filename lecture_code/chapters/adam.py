"""Demos and figures of the chapter *Adam and friends* (``book/adam.md``).

Interactive figures are pure ``demo(**params) -> data`` plus ``draw(data) -> Figure`` pairs
for :func:`lecture_code.core.interactive.explore`; the rest are plain functions.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lecture_code.core import optimizers as O
from lecture_code.core.plotting import draw_paths, legend_on_top, role_of, thin, color, contour_trace, new_figure, path_trace, point_trace, status_annotation
from lecture_code.core.problems import gradient_noise, minibatch_sgd, moments, reddi_run, regression_data, running_moments, signal_to_noise_series, wilson_data
from lecture_code.core.runner import Trajectory, run, run_many
from lecture_code.core.surfaces import get_surface

__all__ = [
    "minibatch_runs",
    "draw_minibatch",
    "snr_rows",
    "MomentEstimates",
    "moments_demo",
    "draw_moments",
    "RACES",
    "race_optimizers",
    "Race",
    "race_demo",
    "draw_race",
    "NoisyRun",
    "noisy_demo",
    "draw_noisy",
    "draw_reddi",
    "wilson_rows",
    "bridge_check",
]


_LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=20, t=60, b=50))


# ------------------------------------------------------------------ SGD and minibatches


_MB = dict(n=512, noise=1.0, start=(-1.0, 1.5), window=((-1.5, 3.0), (-2.0, 2.0)))


def minibatch_runs(lr: float = 0.02, epochs: float = 3.0, seed: int = 0) -> dict[str, np.ndarray]:
    """A 2-weight linear regression (512 noisy samples), three epochs each: batch 2 with η,
    batch 16 with η, batch 16 with 8η (the linear scaling rule), and full-batch gradient
    descent with η for as many steps as batch 2 makes (the path SGD jitters around)."""
    prob = regression_data(_MB["n"], noise=_MB["noise"], seed=seed)
    w0 = _MB["start"]
    small = minibatch_sgd(prob, O.sgd(lr), w0, 2, epochs, seed)
    return {
        "full batch (GD), η": run(O.sgd(lr), prob, w0, len(small) - 1).points,
        "batch 2, η": small,
        "batch 16, η": minibatch_sgd(prob, O.sgd(lr), w0, 16, epochs, seed),
        "batch 16, 8η (linear scaling)": minibatch_sgd(prob, O.sgd(8 * lr), w0, 16, epochs, seed),
    }


def draw_minibatch(runs: dict[str, np.ndarray], seed: int = 0) -> go.Figure:
    prob = regression_data(_MB["n"], noise=_MB["noise"], seed=seed)
    (x0, x1), (y0, y1) = _MB["window"]
    xs = np.linspace(x0, x1, 61)
    ys = np.linspace(y0, y1, 61)
    W = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    zs = prob.f(W).reshape(len(ys), len(xs))
    fig = new_figure(None, x_title="w₁", y_title="w₂", height=520)
    fig.add_trace(contour_trace(xs, ys, zs, levels=20))
    roles = ["gd", "rmsprop", "adagrad", "momentum"]
    for (name, pts), role in zip(runs.items(), roles):
        fig.add_trace(path_trace(thin(pts, 400), name=f"{name}: {len(pts) - 1} steps", role=role))
        fig.data[-1].marker.size = 3
    w_star = np.linalg.lstsq(prob.X, prob.y, rcond=None)[0]
    fig.add_trace(point_trace([w_star], name="minimum", role="minimum", symbol="star", size=14))
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    legend_on_top(fig)
    return fig


# ------------------------------------------------------------------ signal to noise


def snr_rows() -> list[dict]:
    """The lecture's exercise 3a-c: moments of the three gradient time series."""
    m = moments(signal_to_noise_series(100))
    return [
        dict(weight=f"w{k + 1}", m1=round(float(m.m1[k]), 4), m2=round(float(m.m2[k]), 4),
             m1_over_m2=round(float(m.m1_over_m2[k]), 4), m1_over_sqrt_m2=round(float(m.snr[k]), 4),
             variance=round(float(m.variance[k]), 4))
        for k in range(3)
    ]


@dataclass(frozen=True)
class MomentEstimates:
    rho1: float
    bias_correction: bool
    s: np.ndarray   # (3, T) running first moments
    r: np.ndarray   # (3, T) running second moments
    exact: object   # Moments of the series


def moments_demo(rho1: float = 0.9, bias_correction: bool = True, steps: int = 60, rho2: float = 0.99) -> MomentEstimates:
    g = signal_to_noise_series(steps)
    s, r = running_moments(g, rho1, rho2, bias_correction)
    return MomentEstimates(float(rho1), bool(bias_correction), s, r, moments(g))


def draw_moments(data: MomentEstimates) -> go.Figure:
    """Online s/√r (what Adam's step is proportional to) for the three weights vs the exact ⟨g⟩/√⟨g²⟩."""
    titles = ("w₁: 1.1, 0.9, ...", "w₂: 0.1, 0.1, ...", "w₃: 1.1, −0.9, ...")
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, shared_yaxes=True)
    T = data.s.shape[1]
    t = np.arange(1, T + 1, dtype=np.float32)
    for k in range(3):
        ratio = data.s[k] / np.sqrt(data.r[k])
        fig.add_trace(go.Scatter(x=t, y=ratio.astype(np.float32), mode="lines+markers", marker=dict(size=3),
                                 name="online s/√r", line=dict(color=color("adam")), showlegend=k == 0), row=1, col=k + 1)
        fig.add_trace(go.Scatter(x=[1, T], y=[float(data.exact.snr[k])] * 2, mode="lines", name="exact ⟨g⟩/√⟨g²⟩",
                                 line=dict(color=color("theory"), dash="dash"), showlegend=k == 0), row=1, col=k + 1)
    fig.update_yaxes(range=[0, 3.5])
    fig.update_xaxes(title_text="step")
    fig.update_layout(**_LAYOUT, height=380)
    legend_on_top(fig, above_titles=True)
    msg = "" if data.bias_correction else "no bias correction: first steps are off by (1−ρ₁ᵗ)/√(1−ρ₂ᵗ)"
    fig.update_layout(annotations=list(fig.layout.annotations) + [status_annotation(msg, warn=True)])
    return fig


# ------------------------------------------------------------------ the race

#: Per surface: start point, plotting window, divergence limit and base learning rates.
RACES = {
    "beale": dict(start=(1.0, 1.5), window=((-0.5, 4.0), (-1.0, 2.0)), limit=1e6, log=True, minimum=(3.0, 0.5),
                  lrs=dict(gd=0.01, momentum=0.005, nesterov=0.005, adagrad=0.5, rmsprop=0.02, rmsprop_nesterov=0.005,
                           adam=0.05, amsgrad=0.05)),
    "y4_minus_x4": dict(start=(0.01, 1.0), window=((-0.3, 3.0), (-1.2, 1.2)), limit=3.0, log=False, minimum=None,
                        lrs=dict(gd=0.05, momentum=0.05, nesterov=0.05, adagrad=0.2, rmsprop=0.02, rmsprop_nesterov=0.005,
                                 adam=0.02, amsgrad=0.02)),
}


def race_optimizers(surface: str, lr_scale: float = 1.0) -> list[O.Optimizer]:
    """The eight optimizers of the race with the surface's base learning rates × ``lr_scale``."""
    lr = {k: v * lr_scale for k, v in RACES[surface]["lrs"].items()}
    return [
        O.sgd(lr["gd"]), O.momentum(lr["momentum"], 0.9), O.nesterov(lr["nesterov"], 0.9),
        O.adagrad(lr["adagrad"]), O.rmsprop(lr["rmsprop"], 0.9), O.rmsprop_nesterov(lr["rmsprop_nesterov"], 0.9, 0.9),
        O.adam(lr["adam"]), O.amsgrad(lr["amsgrad"]),
    ]


@dataclass(frozen=True)
class Race:
    surface: str
    lr_scale: float
    trajectories: list[Trajectory]


def race_demo(lr_scale: float = 1.0, steps: int = 500, surface: str = "beale") -> Race:
    """All optimizers from the same start on ``surface`` (``"beale"`` or ``"y4_minus_x4"``)."""
    if surface not in RACES:
        raise ValueError(f"surface must be one of {sorted(RACES)}, got {surface!r}")
    cfg = RACES[surface]
    trajs = run_many(race_optimizers(surface, lr_scale), get_surface(surface), cfg["start"], steps, limit=cfg["limit"])
    return Race(surface, float(lr_scale), trajs)


def draw_race(race: Race) -> go.Figure:
    cfg = RACES[race.surface]
    s = get_surface(race.surface)
    fig = draw_paths(s, race.trajectories, window=cfg["window"], log=cfg["log"], levels=30, n_grid=41,
                     max_points=100, minimum=cfg["minimum"], height=560)
    fig.update_xaxes(title_text=f"x        f(x, y) = {s.unicode}" + ("   (contours: log scale)" if cfg["log"] else ""))
    fig.update_yaxes(title_text="y")
    fig.data[0].line.smoothing = 1.0  # a 41×41 grid is stored in every frame: keep it coarse, draw it smooth
    legend_on_top(fig)
    if race.surface == "y4_minus_x4":
        # leaving the window means escaping the saddle towards the minimum at infinity
        gone = [f"{t.name} ({t.diverged_at})" for t in race.trajectories if t.diverged]
        msg = ("escaped the saddle (loss → −∞) at step: " + ", ".join(gone)) if gone else "nobody has escaped the saddle yet"
        fig.update_layout(annotations=[status_annotation(msg)])
    for tr in fig.data[1:1 + len(race.trajectories)]:
        tr.marker.size = 3
    return fig


# ------------------------------------------------------------------ noisy gradients


@dataclass(frozen=True)
class NoisyRun:
    sigma: float
    trajectories: list[Trajectory]
    eff_lr: np.ndarray  # (2, T) Adam's effective learning rate η/(√r̂ + ε) per coordinate


_NOISY_START = (-3.0, 1.5)


def noisy_demo(sigma: float = 2.0, steps: int = 200, seed: int = 0) -> NoisyRun:
    """GD, momentum and Adam on x² + 3y² with Gaussian noise of std σ on the y-gradient only."""
    s = get_surface("bowl")
    noise = gradient_noise(steps, (0.0, sigma), seed)
    adam = O.adam(0.05, eps_inside_sqrt=False)
    trajs = [run(O.sgd(0.05), s, _NOISY_START, steps, noise=noise),
             run(O.momentum(0.02, 0.9), s, _NOISY_START, steps, noise=noise),
             run(adam, s, _NOISY_START, steps, noise=noise)]
    t = trajs[2]
    k = len(t.points) - 1
    g = (s.grad(t.points[:k]) + noise[:k]).T
    _, r = running_moments(g, 0.9, 0.999, True)
    eff = 0.05 / (np.sqrt(r) + 1e-8)
    return NoisyRun(float(sigma), trajs, eff)


def draw_noisy(data: NoisyRun) -> go.Figure:
    s = get_surface("bowl")
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                        subplot_titles=(f"x² + 3y², gradient noise σ = {data.sigma:g} in y only",
                                        "Adam's effective learning rate η/√r̂"))
    base = draw_paths(s, data.trajectories, window=((-3.5, 1.0), (-2.0, 2.0)), levels=18, n_grid=41, max_points=200)
    for tr in base.data:
        fig.add_trace(tr, row=1, col=1)
    for tr in fig.data[1:4]:
        tr.marker.size = 3
    t = np.arange(1, data.eff_lr.shape[1] + 1, dtype=np.float32)
    for k, (nm, role) in enumerate((("x (no noise)", "gd"), ("y (noisy)", "maximum"))):
        fig.add_trace(go.Scatter(x=t, y=data.eff_lr[k].astype(np.float32), mode="lines", name=f"η_eff, {nm}",
                                 line=dict(color=color(role), width=2)), row=1, col=2)
    fig.update_yaxes(type="log", range=[-3, 1], row=1, col=2, exponentformat="power")
    fig.update_xaxes(title_text="step", row=1, col=2)
    fig.update_xaxes(range=[-3.5, 1.0], row=1, col=1)
    fig.update_yaxes(range=[-2.0, 2.0], row=1, col=1)
    fig.update_layout(**_LAYOUT, height=480, annotations=list(fig.layout.annotations) + list(base.layout.annotations))
    return legend_on_top(fig, above_titles=True)


# ------------------------------------------------------------------ Reddi et al.


def draw_reddi(C: float = 3.0, steps: int = 3000, lr: float = 0.05) -> go.Figure:
    """x_t and the average regret of Adam and AMSGrad (β1 = 0, β2 = 1/(1+C²)) on Reddi's problem."""
    b2 = 1.0 / (1.0 + C * C)
    runs = [reddi_run(O.adam(lr, 0.0, b2, 1e-8), steps, C), reddi_run(O.amsgrad(lr, 0.0, b2, 1e-8), steps, C)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("iterate x_t (optimum: x = −1)", "average regret R_T / T"))
    for r in runs:
        idx = thin(np.arange(len(r.x)), 400)
        c = color(role_of(r.name))
        fig.add_trace(go.Scatter(x=idx.astype(np.float32), y=r.x[idx].astype(np.float32), mode="lines", name=r.name,
                                 line=dict(color=c)), row=1, col=1)
        idx2 = thin(np.arange(len(r.average_regret)), 400)
        fig.add_trace(go.Scatter(x=(idx2 + 1).astype(np.float32), y=r.average_regret[idx2].astype(np.float32), mode="lines",
                                 name=r.name, line=dict(color=c), showlegend=False), row=1, col=2)
    fig.update_xaxes(title_text="step t")
    fig.update_yaxes(range=[-1.1, 1.1], row=1, col=1)
    fig.update_layout(**_LAYOUT, height=400)
    return legend_on_top(fig, above_titles=True)


# ------------------------------------------------------------------ Wilson et al.


def wilson_rows(n: int = 40, p: float = 0.7, steps: int = 3000, seed: int = 0) -> list[dict]:
    """Train several optimizers from w = 0 on Wilson et al.'s problem; report fit and test accuracy."""
    ls, Xt, yt = wilson_data(n, p, seed)
    opts = [O.sgd(0.5), O.momentum(0.2, 0.9), O.adagrad(0.1), O.rmsprop(0.01), O.adam(0.01)]
    rows = []
    for o in opts:
        t = run(o, ls, np.zeros(ls.dim), steps)
        w = t.final
        rows.append(dict(optimizer=o.name, train_loss=float(f"{t.losses[-1]:.1e}"),
                         train_acc=float(np.mean(np.sign(ls.X @ w) == ls.y)),
                         test_acc=round(float(np.mean(np.sign(Xt @ w) == yt)), 3),
                         norm=round(float(np.linalg.norm(w)), 3), w_signal_bias=np.round(w[:3], 3).tolist()))
    return rows


# ------------------------------------------------------------------ torch bridge


def bridge_check(steps: int = 100, seed: int = 0) -> dict:
    """Train the same small MLP on spirals with our Adam (through the torch bridge) and with
    torch.optim.Adam; return both loss curves and the largest parameter difference."""
    import torch

    from lecture_code.core.models import mlp, spirals
    from lecture_code.core.torch_bridge import BridgeOptimizer, train

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead (and contend on a busy machine)
    try:
        data = spirals(n=200, seed=seed)
        m1 = mlp([2, 16, 16, 2], activation="tanh", seed=seed)
        m2 = copy.deepcopy(m1)
        h1 = train(m1, data.X, data.y, BridgeOptimizer(m1.parameters(), O.adam(0.01, eps_inside_sqrt=False)),
                   steps, 32, "cross_entropy", seed)
        h2 = train(m2, data.X, data.y, torch.optim.Adam(m2.parameters(), lr=0.01), steps, 32, "cross_entropy", seed)
        with torch.no_grad():
            diff = max(float(torch.max(torch.abs(a - b))) for a, b in zip(m1.parameters(), m2.parameters()))
    finally:
        torch.set_num_threads(threads)
    return dict(ours=h1.full_losses, torch=h2.full_losses, max_param_diff=diff)
