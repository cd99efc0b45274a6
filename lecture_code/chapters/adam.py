"""Demos and figures of the chapter *Adam and friends* (``book/adam.md``).

Interactive figures are pure ``demo(**params) -> data`` plus ``draw(data) -> Figure`` pairs
for :func:`lecture_code.core.interactive.explore`: the demo runs the experiment and returns
everything the figure shows, the draw function only draws. Nothing here imports torch, not
even inside a function, so the chapter also runs in the browser: the comparison with
``torch.optim`` lives in :func:`lecture_code.core.torch_bridge.bridge_check`, and the chapter
shows its committed result (:func:`load_torch_parity`, written by ``scripts/torch_parity.py``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from lecture_code.core import optimizers as O
from lecture_code.core.plotting import (
    BookFigure, color, contour_trace, draw_paths, new_figure, path_trace, point_trace, status_annotation, status_text,
    thin,
)
from lecture_code.core.problems import (
    LeastSquares, ReddiRun, gradient_noise, linear_regression, minibatch_sgd, moments, reddi_run, running_moments,
    signal_to_noise_series, wilson_data,
)
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.runner import DIVERGED, NONFINITE_GRADIENT, Trajectory, run, run_many
from lecture_code.core.surfaces import get_surface
from lecture_code.core.validate import check_int, check_positive

__all__ = [
    "minibatch_runs",
    "draw_minibatch",
    "minibatch_numbers",
    "snr_rows",
    "MomentEstimates",
    "moments_demo",
    "draw_moments",
    "overshoot_without_correction",
    "RACES",
    "race_optimizers",
    "Race",
    "race_demo",
    "draw_race",
    "NoisyRun",
    "noisy_demo",
    "draw_noisy",
    "MinibatchRuns",
    "reddi_demo",
    "draw_reddi",
    "amsgrad_decaying",
    "reddi_regret_rows",
    "reddi_tail",
    "weight_decay_rows",
    "wilson_rows",
    "TORCH_PARITY",
    "load_torch_parity",
    "first_vote_quiz",
    "bias_correction_quiz",
    "second_vote_quiz",
]


# ------------------------------------------------------------------ SGD and minibatches


_MB = dict(n=512, noise=1.0, start=(-1.0, 1.5), window=((-1.5, 3.0), (-2.0, 2.0)))


@dataclass(frozen=True)
class MinibatchRuns:
    paths: dict[str, np.ndarray]   # legend name -> iterates (steps+1, 2)
    grid: tuple[np.ndarray, np.ndarray, np.ndarray]  # xs, ys, loss on the grid
    minimum: np.ndarray            # the least-squares solution


def minibatch_runs(lr: float = 0.02, epochs: float = 3.0, seed: int = 0) -> MinibatchRuns:
    """A 2-weight linear regression (512 noisy samples), three epochs each: batch 2 with η,
    batch 16 with η, batch 16 with 8η (the linear scaling rule), and full-batch gradient
    descent with η for as many steps as batch 2 makes (the path SGD jitters around)."""
    prob = linear_regression(_MB["n"], noise=_MB["noise"], seed=seed)
    w0 = _MB["start"]
    small = minibatch_sgd(prob, O.sgd(lr), w0, 2, epochs, seed)
    paths = {
        "full batch (GD), η": run(O.sgd(lr), prob, w0, len(small) - 1).points,
        "batch 2, η": small,
        "batch 16, η": minibatch_sgd(prob, O.sgd(lr), w0, 16, epochs, seed),
        "batch 16, 8η (linear scaling)": minibatch_sgd(prob, O.sgd(8 * lr), w0, 16, epochs, seed),
    }
    (x0, x1), (y0, y1) = _MB["window"]
    xs = np.linspace(x0, x1, 61)
    ys = np.linspace(y0, y1, 61)
    zs = prob.f(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)).reshape(len(ys), len(xs))
    return MinibatchRuns(paths, (xs, ys, zs), prob.min_norm_solution())


def minibatch_numbers(runs: MinibatchRuns) -> dict[str, float]:
    """What the minibatch figure shows, as numbers: steps, final distance to the minimum, the
    mean distance to the minimum over the last third of each run, and the jitter of the two
    runs with the same η/B (batch 2 with η, batch 16 with 8η).

    The jitter is the distance to the noise-free path, full-batch gradient descent with η,
    at the same point of training, averaged over the last third of the run: batch 2's step k
    against gradient descent's step k, batch 16's step k (8η: worth 8 steps of η by the linear
    scaling rule) against gradient descent's step 8k. (Distance to the minimum is no measure
    of jitter: the runs are still approaching the minimum, gradient descent too.)
    """
    out: dict[str, float] = {}
    gd = runs.paths["full batch (GD), η"]
    for key, (name, pts) in zip(("gd", "b2", "b16", "b16_scaled"), runs.paths.items()):
        d = np.linalg.norm(pts - runs.minimum, axis=1)
        out[f"{key}_steps"] = len(pts) - 1
        out[f"{key}_final"] = float(d[-1])
        out[f"{key}_last_third"] = float(d[-(len(d) // 3):].mean())
    for key, name, every in (("b2", "batch 2, η", 1), ("b16_scaled", "batch 16, 8η (linear scaling)", 8)):
        pts = runs.paths[name]
        off = np.linalg.norm(pts - gd[np.arange(len(pts)) * every], axis=1)
        out[f"{key}_jitter"] = float(off[-(len(off) // 3):].mean())
    return out


def draw_minibatch(runs: MinibatchRuns) -> BookFigure:
    (x0, x1), (y0, y1) = _MB["window"]
    fig = new_figure(None, x_title="w₁", y_title="w₂", height=520, legend="top")
    fig.add_trace(contour_trace(*runs.grid, levels=20))
    roles = ["gd", "rmsprop", "adagrad", "momentum"]
    for (name, pts), role in zip(runs.paths.items(), roles):
        fig.add_trace(path_trace(thin(pts, 400), name=f"{name}: {len(pts) - 1} steps", role=role))
        fig.data[-1].marker.size = 3
    fig.add_trace(point_trace([runs.minimum], name="minimum", role="minimum", symbol="star", size=14))
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
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


def overshoot_without_correction(rho1: float = 0.9, rho2: float = 0.99, steps: int = 60) -> tuple[float, int]:
    """Largest ratio (online s/√r without bias correction) / (exact ⟨g⟩/√⟨g²⟩) over the two
    consistent weights of the exercise, and the step where it occurs."""
    d = moments_demo(rho1, False, steps, rho2)
    ratio = (d.s[:2] / np.sqrt(d.r[:2])) / d.exact.snr[:2, None]
    k = int(np.argmax(ratio.max(axis=0)))
    return float(ratio.max()), k + 1


def draw_moments(data: MomentEstimates) -> BookFigure:
    """Online s/√r (what Adam's step is proportional to) for the three weights vs the exact ⟨g⟩/√⟨g²⟩."""
    titles = ("w₁: 1.1, 0.9, ...", "w₂: 0.1, 0.1, ...", "w₃: 1.1, −0.9, ...")
    fig = new_figure(cols=3, subplot_titles=titles, shared_yaxes=True, x_title="step", height=380, legend="top")
    T = data.s.shape[1]
    t = np.arange(1, T + 1, dtype=np.float32)
    for k in range(3):
        ratio = data.s[k] / np.sqrt(data.r[k])
        fig.add_trace(go.Scatter(x=t, y=ratio.astype(np.float32), mode="lines+markers", marker=dict(size=3),
                                 name="online s/√r", line=dict(color=color("adam")), showlegend=k == 0), row=1, col=k + 1)
        fig.add_trace(go.Scatter(x=[1, T], y=[float(data.exact.snr[k])] * 2, mode="lines", name="exact ⟨g⟩/√⟨g²⟩",
                                 line=dict(color=color("theory"), dash="dash"), showlegend=k == 0), row=1, col=k + 1)
    fig.update_yaxes(range=[0, 3.5])
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
    """The eight optimizers of the race with the surface's base learning rates × ``lr_scale``
    (in the order of ``RACES[surface]["lrs"]``)."""
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
    lrs: tuple[float, ...] = ()  # each optimizer's learning rate (base × lr_scale)

    def largest_steps(self) -> dict[str, float]:
        """Per optimizer: the largest change of one coordinate in one step, in units of its η."""
        return {t.name: float(np.abs(np.diff(t.points, axis=0)).max() / lr) if len(t.points) > 1 else 0.0
                for t, lr in zip(self.trajectories, self.lrs)}


def race_demo(lr_scale: float = 1.0, steps: int = 500, surface: str = "beale") -> Race:
    """All optimizers from the same start on ``surface`` (``"beale"`` or ``"y4_minus_x4"``)."""
    if surface not in RACES:
        raise ValueError(f"surface must be one of {sorted(RACES)}, got {surface!r}")
    cfg = RACES[surface]
    trajs = run_many(race_optimizers(surface, lr_scale), get_surface(surface), cfg["start"], steps, limit=cfg["limit"])
    return Race(surface, float(lr_scale), trajs, tuple(v * lr_scale for v in cfg["lrs"].values()))


def draw_race(race: Race) -> BookFigure:
    cfg = RACES[race.surface]
    s = get_surface(race.surface)
    fig = draw_paths(s, race.trajectories, window=cfg["window"], log=cfg["log"], levels=30, n_grid=41,
                     max_points=100, minimum=cfg["minimum"], height=560, legend="top", y_title="y",
                     x_title=f"x<br>f(x, y) = {s.unicode}" + ("   (contours: log scale)" if cfg["log"] else ""))
    fig.update_layout(margin=dict(b=75))  # a two-line axis title
    fig.data[0].line.smoothing = 1.0  # a 41×41 grid is stored in every frame: keep it coarse, draw it smooth
    if race.surface == "y4_minus_x4":
        # leaving the window means escaping the saddle towards the minimum at infinity
        gone = [f"{t.name} ({t.diverged_at})" for t in race.trajectories if t.diverged and t.reason == DIVERGED]
        msg = ("escaped the saddle (loss → −∞) at step: " + ", ".join(gone)) if gone else "nobody has escaped the saddle yet"
        broken = status_text([t for t in race.trajectories if t.reason == NONFINITE_GRADIENT])
        fig.update_layout(annotations=[status_annotation("; ".join(m for m in (msg, broken) if m))])
    for tr in fig.data[1:1 + len(race.trajectories)]:
        tr.marker.size = 3
    return fig


# ------------------------------------------------------------------ noisy gradients


@dataclass(frozen=True)
class NoisyRun:
    sigma: float
    trajectories: list[Trajectory]
    eff_lr: np.ndarray  # (2, T) Adam's effective learning rate η/(√r̂ + ε) per coordinate, from its state


_NOISY_START = (-3.0, 1.5)
#: Adam of the noisy-gradient demo (PyTorch's ε placement): built from, and read back with, these.
_NOISY_ADAM = dict(lr=0.05, b1=0.9, b2=0.999, eps=1e-8)


def noisy_demo(sigma: float = 2.0, steps: int = 200, seed: int = 0) -> NoisyRun:
    """GD, momentum and Adam on x² + 3y² with Gaussian noise of std σ on the y-gradient only.

    Adam's effective learning rate per coordinate, η/(√r̂ + ε), is read from its own second
    moment ``r`` (the optimizer state after every step).
    """
    s = get_surface("bowl")
    noise = gradient_noise(steps, (0.0, sigma), seed)
    h = _NOISY_ADAM
    adam = run(O.adam(h["lr"], h["b1"], h["b2"], h["eps"], eps_inside_sqrt=False), s, _NOISY_START, steps,
               noise=noise, keep_states=True)
    trajs = [run(O.sgd(0.05), s, _NOISY_START, steps, noise=noise),
             run(O.momentum(0.02, 0.9), s, _NOISY_START, steps, noise=noise),
             adam]
    r = np.array([st.states[0].nu for st in adam.states]).T  # (2, T): the second moment after step t
    t = np.arange(1, r.shape[1] + 1)
    eff = h["lr"] / (np.sqrt(O.debias(r, h["b2"], t)) + h["eps"])
    return NoisyRun(float(sigma), trajs, eff)


def draw_noisy(data: NoisyRun) -> BookFigure:
    s = get_surface("bowl")
    fig = new_figure(cols=2, column_widths=[0.55, 0.45], height=480, legend="top",
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
    fig.update_layout(annotations=list(fig.layout.annotations) + list(base.layout.annotations))
    return fig


# ------------------------------------------------------------------ Reddi et al.


def amsgrad_decaying(lr: float, b1: float = 0.0, b2: float = 0.999, eps: float = 1e-8) -> O.Optimizer:
    """AMSGrad with Reddi et al.'s decaying steps η/√t, from parts:
    ``chain(scale_by_amsgrad(ρ1, ρ2, δ), scale_by_schedule(lambda t: −η/√t))``."""
    eta = float(check_positive(lr, "lr"))
    return O.named(O.chain(O.scale_by_amsgrad(b1, b2, eps), O.scale_by_schedule(lambda t: -eta / math.sqrt(t))),
                   f"AMSGrad, η/√t (η = {eta:g})", "amsgrad")


def _reddi_b2(C: float) -> float:
    return 1.0 / (1.0 + C * C)


def reddi_demo(C: float = 3.0, steps: int = 3000, lr: float = 0.05, decaying_lr: float = 0.5) -> list[ReddiRun]:
    """Adam and AMSGrad with a constant step η, and AMSGrad with Reddi et al.'s decaying steps
    ``decaying_lr/√t`` (β1 = 0, β2 = 1/(1+C²)), on Reddi et al.'s online problem."""
    b2 = _reddi_b2(C)
    return [reddi_run(O.adam(lr, 0.0, b2, 1e-8), steps, C), reddi_run(O.amsgrad(lr, 0.0, b2, 1e-8), steps, C),
            reddi_run(amsgrad_decaying(decaying_lr, 0.0, b2), steps, C)]


def reddi_tail(run: ReddiRun, last: int = 300) -> tuple[float, float]:
    """The range ``(min, max)`` of the iterate over the last ``last`` steps: where the run ended up."""
    tail = run.x[-check_int(last, "last", 1):]
    return float(tail.min()), float(tail.max())


def reddi_regret_rows(C: float = 3.0, lr: float = 0.05, decaying_lr: float = 0.5,
                      checkpoints: tuple[int, ...] = (300, 3000, 30000)) -> list[dict]:
    """AMSGrad with a constant and with a decaying step, run longer: average regret R_T/T and
    the range of x_t over the 300 steps before each checkpoint T."""
    T = max(check_int(c, "checkpoints", 300) for c in checkpoints)
    b2 = _reddi_b2(C)
    runs = [reddi_run(O.amsgrad(lr, 0.0, b2, 1e-8), T, C), reddi_run(amsgrad_decaying(decaying_lr, 0.0, b2), T, C)]
    return _regret_rows(dict(const=runs[0], decay=runs[1]), checkpoints)


def _regret_rows(runs: dict[str, ReddiRun], checkpoints) -> list[dict]:
    """Per checkpoint T: each run's average regret R_T/T (``<key>_regret``) and the range of x_t
    over the 300 steps before T (``<key>_x``)."""
    rows = []
    for c in checkpoints:
        row: dict[str, Any] = dict(T=int(c))
        for key, r in runs.items():
            lo, hi = reddi_tail(ReddiRun(r.x[:c + 1], r.average_regret[:c], r.name, r.kind))
            row[f"{key}_regret"] = float(r.average_regret[c - 1])
            row[f"{key}_x"] = f"[{lo:.4f}, {hi:.4f}]"
        rows.append(row)
    return rows


def draw_reddi(runs: list[ReddiRun]) -> BookFigure:
    """x_t and the average regret of each run (log scale). A run whose kind repeats an earlier
    run's (AMSGrad with a decaying step after AMSGrad) is dashed."""
    fig = new_figure(cols=2, subplot_titles=("iterate x_t (optimum: x = −1)", "average regret R_T / T (log scale)"),
                     x_title="step t", height=420, legend="top")
    seen: set[str] = set()
    for r in runs:
        idx = thin(np.arange(len(r.x)), 400)
        line = dict(color=color(r.kind), dash="dash" if r.kind in seen else None)
        seen.add(r.kind)
        fig.add_trace(go.Scatter(x=idx.astype(np.float32), y=r.x[idx].astype(np.float32), mode="lines", name=r.name,
                                 line=line), row=1, col=1)
        idx2 = thin(np.arange(len(r.average_regret)), 400)
        fig.add_trace(go.Scatter(x=(idx2 + 1).astype(np.float32), y=r.average_regret[idx2].astype(np.float32), mode="lines",
                                 name=r.name, line=line, showlegend=False), row=1, col=2)
    fig.update_yaxes(range=[-1.1, 1.1], row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    return fig


# ------------------------------------------------------------------ weight decay


def weight_decay_rows(lr: float = 0.01, lams: tuple[float, ...] = (0.1, 0.001), steps: int = 1000,
                      early: int = 100) -> list[dict]:
    """Coupled L2 against decoupled weight decay on E(w) = ½ (w₁ − 1)², from w = (0, 1).

    The loss pulls w₁ to 1 and has no gradient at all for w₂, so what happens to w₂ is the
    weight decay alone: SGD's and AdamW's multiply it by (1 − ηλ) per step; Adam + L2 feeds
    the decay gradient λw₂ through Adam's normalization, which moves it by about η per step
    whatever λ is.
    """
    steps = check_int(steps, "steps", 1)
    early = check_int(early, "early", 1, steps)
    problem = LeastSquares(np.array([[1.0, 0.0]]), np.array([1.0]))
    rows = []
    for lam in lams:
        for name, opt in (("SGD + L2", O.sgd(lr, weight_decay=lam)), ("Adam + L2 (coupled)", O.adam(lr, weight_decay=lam)),
                          ("AdamW (decoupled)", O.adamw(lr, weight_decay=lam))):
            pts = run(opt, problem, (0.0, 1.0), steps).points
            rows.append(dict(optimizer=name, weight_decay=float(lam), w1=float(pts[-1, 0]), w2_early=float(pts[early, 1]),
                             w2=float(pts[-1, 1]), shrink=float((1 - lr * lam) ** steps)))
    return rows


# ------------------------------------------------------------------ Wilson et al.


def wilson_rows(n: int = 40, p: float = 0.7, steps: int = 3000, seed: int = 0) -> list[dict]:
    """Train several optimizers from w = 0 on Wilson et al.'s problem; report fit, test accuracy
    and the share of test points predicted +1 (``test_pred_plus``)."""
    ls, Xt, yt = wilson_data(n, p, seed)
    opts = [O.sgd(0.5), O.momentum(0.2, 0.9), O.adagrad(0.1), O.rmsprop(0.01), O.adam(0.01)]
    rows = []
    for o in opts:
        t = run(o, ls, np.zeros(ls.dim), steps)
        w = t.final
        rows.append(dict(optimizer=o.name, train_loss=float(f"{t.losses[-1]:.1e}"),
                         train_acc=float(np.mean(np.sign(ls.X @ w) == ls.y)),
                         test_acc=round(float(np.mean(np.sign(Xt @ w) == yt)), 3),
                         test_pred_plus=round(float(np.mean(np.sign(Xt @ w) == 1)), 3),
                         norm=round(float(np.linalg.norm(w)), 3), w_signal_bias=np.round(w[:3], 3).tolist()))
    return rows


# ------------------------------------------------------------------ torch bridge


#: Where ``scripts/torch_parity.py`` writes :func:`lecture_code.core.torch_bridge.bridge_check`'s result.
TORCH_PARITY = Path(__file__).resolve().parents[1] / "data" / "torch_parity.json"


def load_torch_parity(path: str | Path | None = None) -> dict[str, Any]:
    """The committed result of :func:`lecture_code.core.torch_bridge.bridge_check` (loss curves as arrays)."""
    p = Path(path) if path is not None else TORCH_PARITY
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run `.venv/bin/python scripts/torch_parity.py` (or `make data`)")
    d = json.loads(p.read_text())
    d["ours"], d["torch"] = np.array(d["ours"]), np.array(d["torch"])
    return d


# ------------------------------------------------------------------ Reddi et al., Theorem 1: decaying steps
# (Reddi, Kale & Kumar prove Adam's failure with the steps α/√t; the constant step is not the cause.)

__all__ += ["adam_decaying", "reddi_decaying_demo", "reddi_decaying_rows"]


def adam_decaying(lr: float, b1: float = 0.0, b2: float = 0.999, eps: float = 1e-8) -> O.Optimizer:
    """Adam with the decaying steps η/√t of Reddi et al.'s Theorem 1, from parts:
    ``chain(scale_by_adam(ρ1, ρ2, δ), scale_by_schedule(lambda t: −η/√t))``."""
    eta = float(check_positive(lr, "lr"))
    return O.named(O.chain(O.scale_by_adam(b1, b2, eps), O.scale_by_schedule(lambda t: -eta / math.sqrt(t))),
                   f"Adam, η/√t (η = {eta:g})", "adam")


def reddi_decaying_demo(C: float = 3.0, steps: int = 3000, lr: float = 0.05,
                        decaying_lr: float = 0.5) -> list[ReddiRun]:
    """:func:`reddi_demo`'s three runs, then Adam with the same decaying steps ``decaying_lr/√t``
    as AMSGrad (β1 = 0, β2 = 1/(1+C²)): the setting of Reddi et al.'s Theorem 1."""
    return reddi_demo(C, steps, lr, decaying_lr) + [reddi_run(adam_decaying(decaying_lr, 0.0, _reddi_b2(C)), steps, C)]


def reddi_decaying_rows(C: float = 3.0, decaying_lr: float = 0.5,
                        checkpoints: tuple[int, ...] = (300, 3000, 30000)) -> list[dict]:
    """Adam and AMSGrad with the same decaying steps η/√t, run longer: average regret R_T/T and
    the range of x_t over the 300 steps before each checkpoint T."""
    T = max(check_int(c, "checkpoints", 300) for c in checkpoints)
    b2 = _reddi_b2(C)
    runs = [reddi_run(adam_decaying(decaying_lr, 0.0, b2), T, C), reddi_run(amsgrad_decaying(decaying_lr, 0.0, b2), T, C)]
    return _regret_rows(dict(adam=runs[0], ams=runs[1]), checkpoints)


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def first_vote_quiz() -> Quiz:
    """The opening vote: which properties a good optimization algorithm should have (per-weight
    learning rates, smaller steps for noisy gradients; asked again by :func:`second_vote_quiz`)."""
    return quiz(
        Question(
            "A good optimization algorithm ... (tick what YOU believe would be most useful)",
            [
                ("should have a different 'effective learning rate' for each weight", True,
                 "The narrow valley of the momentum chapter needed η₁/η₂ = 75; no single η works well."),
                ("should have smaller update steps for noisy gradients", True,
                 "If successive gradient estimates disagree, a big step is mostly a step in a random direction."),
                ("the weight change should be smaller for small gradients and larger for large ones, as in standard gradient descent", False,
                 "That is what makes plain GD crawl on plateaus and jump on cliffs."),
                ("the weight change should be larger for small gradients and smaller for large ones", False,
                 "That needs dividing by more than the gradient's size, e.g. by its square (the ratio ⟨g⟩/⟨g²⟩ "
                 "of the signal-to-noise section below): it blows up tiny, meaningless gradients. Dividing by the "
                 "size |g| itself gives steps of the same size, the next option."),
                ("the weight change should be always the same size (unless gradient is zero)", False,
                 "Close, in batch mode (this is roughly what Adam does for a consistent gradient), but not for noisy gradients."),
            ],
            multiple=True,
        ),
        title="First vote",
    )


def bias_correction_quiz() -> Quiz:
    """How many times η Adam's very first step is without bias correction (ρ₁ = 0.9, ρ₂ = 0.999,
    δ → 0): ``(1 − ρ₁)/√(1 − ρ₂)``, computed by one step of the library's :func:`~lecture_code.core.optimizers.adam`."""
    q_opt = O.adam(1.0, 0.9, 0.999, 1e-30, bias_correction=False)   # δ → 0
    q_first = float(-q_opt.update(np.ones(1), q_opt.init(np.zeros(1)), np.zeros(1))[0][0])
    return quiz(NumericQuestion(
        "Adam with its defaults $\\rho_1 = 0.9$, $\\rho_2 = 0.999$ but without bias correction, and "
        "$\\delta \\to 0$: the very first step is how many times the learning rate $\\eta$?",
        q_first, 0.005, relative=True,
        explanation=f"After one gradient g, s = (1 − ρ₁) g and r = (1 − ρ₂) g², so the step is "
                    f"η (1 − ρ₁)/√(1 − ρ₂) = η · 0.1/√0.001 ≈ {q_first:.3f} η, whatever g is.",
    ), title="Check")


def second_vote_quiz() -> Quiz:
    """The closing vote, on Adam: per-weight learning rates, steps of about η whatever the size of a
    consistent gradient, smaller steps for noisy gradients (all three right)."""
    return quiz(
        Question(
            "A good optimization algorithm (take ADAM as example) ...",
            [
                ("should have different 'effective learning rate' for each weight", True,
                 "Adam's step for weight i is η ŝᵢ/√r̂ᵢ: every weight has its own scale 1/√r̂ᵢ."),
                ("should (in batch mode) have the same weight update step for small gradients and for large ones", True,
                 "For a consistent gradient ŝ/√r̂ ≈ ±1 whatever its size: steps of about η (y⁴ − x⁴ race, w₁ vs w₂ above)."),
                ("should have smaller update steps for noisy gradients during stochastic gradient descent", True,
                 "⟨g⟩/√⟨g²⟩ is small when the second moment is large compared to the mean (w₃ above, the noisy-gradient demo)."),
            ],
            multiple=True,
        ),
        title="Second vote: RMSprop with momentum and ADAM",
    )
