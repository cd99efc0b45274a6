"""Why local minima are (mostly) good: the figures of ``book/good_minima.md``.

Contents (pure functions returning data, each with a ``draw_*`` function)::

    hill_pair, draw_hill_pair                # the wrong side of the hill (core.surfaces.hill)
    load_result("overparameterization")      # the committed results of scripts/ (JSON)
    width_frame, draw_width_frame            # Du et al.: loss curves of every start, one width
    draw_outcomes_by_width                   # reached zero / stuck / still decreasing, by width
    linear_regime_demo, draw_linear_regime   # Yun et al.: the local minimum that is a linear fit
    xor_frame, draw_xor_frame, xor_rows      # Swirszcz et al.'s XOR columns, ours beside theirs
    dead_frame, draw_dead_frame              # networks born dead, by depth, width and bias
    spin_glass_evidence, draw_band           # what the book's data say about the "band" of minima

The experiments themselves are in ``lecture_code.core`` (``overparameterization``,
``linear_regime``, ``small_classifiers``, ``dead_relu``) and ``scripts/``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from lecture_code.core import linear_regime as lr
from lecture_code.core.optimizers import sgd
from lecture_code.core.plotting import BookFigure, color, contour_trace, new_figure, path_trace, point_trace
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.runner import Trajectory, run
from lecture_code.core.surfaces import Surface, grid
from lecture_code.core.small_classifiers import HIDDEN_SIZES
from lecture_code.core.validate import check_int

__all__ = [
    "HILL",
    "HILL_PULLS",
    "HillRun",
    "hill_demo",
    "hill_pair",
    "draw_hill_pair",
    "load_result",
    "WidthFrame",
    "width_frame",
    "draw_width_frame",
    "draw_outcomes_by_width",
    "LinearRegime",
    "linear_regime_demo",
    "draw_linear_regime",
    "XorFrame",
    "xor_frame",
    "draw_xor_frame",
    "xor_rows",
    "two_proportion_z",
    "DeadFrame",
    "dead_frame",
    "draw_dead_frame",
    "spin_glass_evidence",
    "draw_band",
    "self_check_quiz",
]

_DATA = Path(__file__).resolve().parents[1] / "data"
_SCRIPTS = {"overparameterization": "overparameterization.py", "xor_success": "xor_success.py",
            "dead_relu": "dead_relu.py", "safran_shamir": "safran_shamir.py",
            "critical_points": "find_critical_points.py"}


@lru_cache(maxsize=None)
def _load(name: str) -> str:
    p = _DATA / f"{name}.json"
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run `.venv/bin/python scripts/{_SCRIPTS[name]}`")
    return p.read_text()


def load_result(name: str) -> dict:
    """The committed result ``lecture_code/data/<name>.json`` of ``scripts/`` (see ``make data``)."""
    if name not in _SCRIPTS:
        raise ValueError(f"name must be one of {sorted(_SCRIPTS)}, got {name!r}")
    return json.loads(_load(name))


# ------------------------------------------------------------------ over-parameterization (Du et al.)


@dataclass
class WidthFrame:
    """Loss curves of the recorded runs of one width, with the theorem's rate."""

    m: int
    params: int
    n: int
    steps: np.ndarray          # (c,) float32
    curves: np.ndarray         # (runs, c) float32, loss / loss of the zero predictor
    bound: np.ndarray          # (c,) the rate (1 − ηλ0/2)^k, started at the median initial loss
    zero: int
    stuck: int
    decreasing: int
    runs: int


def width_frame(m: int, data: dict | None = None) -> WidthFrame:
    """The recorded curves of width ``m`` from the over-parameterization result (default: the
    committed one)."""
    w = (data or load_result("overparameterization"))["widths"]
    row = next((r for r in w["rows"] if r["m"] == m), None)
    if row is None:
        raise ValueError(f"m must be one of {[r['m'] for r in w['rows']]}, got {m}")
    steps = np.array(w["checkpoints"], dtype=float)
    curves = np.array(row["curves"], dtype=float)
    rate = 1 - w["setup"]["lr"] * w["lambda0"] / 2
    bound = np.median(curves[:, 0]) * rate ** steps
    return WidthFrame(m, row["params"], w["setup"]["n"], steps.astype(np.float32), curves.astype(np.float32),
                      bound.astype(np.float32), row["zero"], row["stuck"], row["decreasing"], row["runs"])


def draw_width_frame(f: WidthFrame) -> go.Figure:
    """Every recorded start's training loss (relative to the zero predictor's) and the theorem's rate."""
    msg = f"m = {f.m} ({f.params / f.n:.2g} weights per sample): {f.zero} of {f.runs} starts reach zero"
    fig = new_figure(x_title="gradient-descent step", y_title="training loss / loss of the zero predictor",
                     height=440, legend="header", status=msg, warn=f.zero < f.runs)
    floor = 1e-10
    x = np.maximum(f.steps, 1.0)
    for i, c in enumerate(f.curves):
        fig.add_trace(go.Scatter(x=x, y=np.maximum(c, floor), mode="lines", name="one random start",
                                 legendgroup="runs", showlegend=i == 0, line=dict(color=color("gd", 0.5), width=1.2)))
    fig.add_trace(go.Scatter(x=x, y=np.where(f.bound >= floor, f.bound, np.nan).astype(np.float32), mode="lines",
                             name="Du et al.'s rate (1 − ηλ₀/2)^k", line=dict(color=color("theory"), dash="dash", width=2)))
    fig.update_xaxes(type="log", exponentformat="power")
    fig.update_yaxes(type="log", exponentformat="power", range=[-10.5, 0.6])
    return fig


def draw_outcomes_by_width(data: dict) -> go.Figure:
    """Share of starts that reach zero, get stuck or are still decreasing, against the width."""
    w = data["widths"]
    rows = w["rows"]
    m = np.array([r["m"] for r in rows])
    fig = new_figure(x_title="hidden units m (log scale)", y_title="share of the random starts", height=400,
                     legend="below")
    for key, name, role in (("zero", "reach zero loss", "minimum"), ("stuck", "stuck (loss flat)", "saddle"),
                            ("decreasing", "still decreasing", "degenerate")):
        p = np.array([r[key] / r["runs"] for r in rows])
        se = np.sqrt(p * (1 - p) / np.array([r["runs"] for r in rows]))
        fig.add_trace(go.Scatter(x=m, y=p, mode="lines+markers", name=name, error_y=dict(type="data", array=se),
                                 line=dict(color=color(role))))
    n, d = w["setup"]["n"], w["setup"]["d"]
    fig.add_trace(go.Scatter(x=[n / d, n / d], y=[0, 1], mode="lines", name=f"weights = samples (m·d = n = {n})",
                             line=dict(color=color("theory"), dash="dot")))
    fig.update_xaxes(type="log", exponentformat="power")
    fig.update_yaxes(range=[-0.03, 1.03])
    return fig


# ------------------------------------------------------------------ Yun et al.'s linear-regime minimum


@dataclass
class LinearRegime:
    """The linear-regime local minimum and a better network on 1-D data ``y = |x|``."""

    s_minus: float
    width: int
    x: np.ndarray
    y: np.ndarray
    grid: np.ndarray
    local_output: np.ndarray      # the local minimum's function on the grid (the least-squares line)
    better_output: np.ndarray     # two units h(x) + h(−x), scaled: |x|
    local_loss: float
    local_grad: float
    worst_drop: float             # min over perturbations of L(θ + δ) − L(θ) (>= 0: no way down)
    better_loss: float
    better_weight: float          # the output weight the better network needs, 1/(s₊ − s₋)
    perturbations: int
    radius: float


def linear_regime_demo(s_minus: float, width: int = 4, perturbations: int = 4000, radius: float = 0.05,
                       seed: int = 0) -> LinearRegime:
    """Build Yun et al.'s point for activation slopes ``(1, s_minus)``, test it with random
    perturbations of size ``radius``, and build the two-unit network that fits ``|x|`` exactly."""
    width = check_int(width, "width", 2)
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    X, y = x[:, None], np.abs(x)
    net = lr.Net(1, width, 1.0, float(s_minus)).check()
    theta = lr.linear_regime_point(net, X, y)
    value, grad = lr.loss_and_grad(net, theta, X, y)
    rng = np.random.default_rng(seed)
    near = theta + radius * rng.standard_normal((check_int(perturbations, "perturbations", 1), net.n_params))
    drop = float(np.min(lr.loss(net, near, X, y)) - value)
    v = 1.0 / (1.0 - s_minus)
    better_net = lr.Net(1, 2, 1.0, float(s_minus))
    better = np.array([1.0, -1.0, 0.0, 0.0, v, v, 0.0])
    grid = np.linspace(-2.5, 2.5, 101)
    G = grid[:, None]

    def outputs(n, t):
        W, b, vv, c = n.unpack(t[None])
        pre = G @ W[0].T + b[0]
        return np.where(pre >= 0, n.s_plus, n.s_minus) * pre @ vv[0] + c[0]

    return LinearRegime(float(s_minus), width, x, y, grid.astype(np.float32),
                        outputs(net, theta).astype(np.float32), outputs(better_net, better).astype(np.float32),
                        float(value), float(np.abs(grad).max()), drop, float(lr.loss(better_net, better, X, y)), v,
                        int(perturbations), float(radius))


def draw_linear_regime(d: LinearRegime) -> go.Figure:
    """The data, the local minimum's function (a line) and the better network's (|x|)."""
    msg = (f"s₋ = {d.s_minus:g}: local minimum at loss {d.local_loss:.2f}, "
           f"the fit needs weights {d.better_weight:.3g}")
    fig = new_figure(x_title="input x", y_title="output", height=420, legend="header", status=msg)
    fig.add_trace(go.Scatter(x=d.x, y=d.y, mode="markers", name="training points, y = |x|",
                             marker=dict(color=color("start"), size=10)))
    fig.add_trace(go.Scatter(x=d.grid, y=d.local_output, mode="lines", name="the local minimum (least-squares line)",
                             line=dict(color=color("saddle"), width=3)))
    fig.add_trace(go.Scatter(x=d.grid, y=d.better_output, mode="lines", name="a better network (loss 0)",
                             line=dict(color=color("minimum"), width=2, dash="dash")))
    fig.update_yaxes(range=[-0.6, 3.0])
    return fig


# ------------------------------------------------------------------ XOR (Swirszcz et al.)


def two_proportion_z(successes: int, runs: int, published_percent: float, published_runs: int = 100) -> float:
    """``(p − q) / se`` for our rate ``p = successes/runs`` against a published ``q`` over
    ``published_runs`` runs (pooled-variance standard error); 0 when both are 0 or both 100 %."""
    p, q = successes / runs, published_percent / 100
    pool = (successes + q * published_runs) / (runs + published_runs)
    se = math.sqrt(pool * (1 - pool) * (1 / runs + 1 / published_runs))
    return 0.0 if se == 0 else (p - q) / se


_COMBOS = (("adam", "relu"), ("adam", "sigmoid"), ("gd", "relu"), ("gd", "sigmoid"))


@dataclass
class XorFrame:
    """Success rates at one hidden size: ours (primary protocol, with standard error), the range
    over the protocol variants, and the published XOR and Jellyfish numbers."""

    h: int
    labels: list[str]
    ours: np.ndarray
    ours_se: np.ndarray
    variant_low: np.ndarray
    variant_high: np.ndarray
    published: np.ndarray
    jellyfish: np.ndarray
    runs: int


def xor_frame(h: int, data: dict | None = None) -> XorFrame:
    """The data of the XOR figure at hidden size ``h`` (default data: the committed result)."""
    data = data or load_result("xor_success")
    if h not in HIDDEN_SIZES:
        raise ValueError(f"h must be one of {HIDDEN_SIZES}, got {h}")
    i = HIDDEN_SIZES.index(h)
    primary, others = data["variants"][0], data["variants"][1:]
    ours, se, lo, hi, pub, jelly, labels = [], [], [], [], [], [], []
    for opt, act in _COMBOS:
        key = f"{opt}-{act}"
        cell = primary["rates"][key][i]
        p = cell["successes"] / cell["runs"]
        ours.append(100 * p)
        se.append(100 * math.sqrt(p * (1 - p) / cell["runs"]))
        rates = [100 * v["rates"][key][i]["successes"] / v["rates"][key][i]["runs"] for v in others] + [100 * p]
        lo.append(min(rates))
        hi.append(max(rates))
        pub.append(data["published"][f"xor-{key}"][i])
        jelly.append(data["published"][f"jellyfish-{key}"][i])
        labels.append(f"{'Adam' if opt == 'adam' else 'GD'}, {'ReLU' if act == 'relu' else 'sigmoid'}")
    return XorFrame(h, labels, np.array(ours), np.array(se), np.array(lo), np.array(hi), np.array(pub, float),
                    np.array(jelly, float), primary["rates"]["adam-relu"][i]["runs"])


def draw_xor_frame(f: XorFrame) -> go.Figure:
    """Bars: our success rate (± 2 standard errors); whiskers: the range over protocol variants;
    markers: the published XOR and Jellyfish rates."""
    worst = int(np.argmax(np.abs(f.ours - f.published)))
    msg = f"h = {f.h}: largest gap {f.ours[worst] - f.published[worst]:+.0f} points ({f.labels[worst]})"
    fig = new_figure(y_title="runs that solve the task (%)", height=460, legend="header", status=msg)
    fig.add_trace(go.Bar(x=f.labels, y=f.ours, name=f"XOR, ours ({f.runs} runs, ± 2 s.e.)",
                         error_y=dict(type="data", array=2 * f.ours_se, thickness=2),
                         marker_color=color("gd", 0.75)))
    mid = (f.variant_low + f.variant_high) / 2
    fig.add_trace(go.Scatter(x=f.labels, y=mid, mode="markers", name="XOR, range over our protocol variants",
                             error_y=dict(type="data", symmetric=False, array=f.variant_high - mid,
                                          arrayminus=mid - f.variant_low, thickness=1.5, width=14),
                             marker=dict(color=color("theory"), size=1)))
    fig.add_trace(go.Scatter(x=f.labels, y=f.published, mode="markers", name="XOR, published",
                             marker=dict(color=color("momentum"), size=13, symbol="diamond")))
    fig.add_trace(go.Scatter(x=f.labels, y=f.jellyfish, mode="markers", name="Jellyfish, published (not rerun)",
                             marker=dict(color=color("saddle"), size=11, symbol="x")))
    fig.update_layout(bargap=0.35)
    fig.update_yaxes(range=[0, 109])
    return fig


def xor_rows(data: dict) -> list[dict]:
    """One row per (optimizer, activation, h): ours, published, z (the published rate taken over
    100 runs) and the range over the protocol variants."""
    rows = []
    for h in HIDDEN_SIZES:
        f = xor_frame(h, data)
        i = HIDDEN_SIZES.index(h)
        for j, (opt, act) in enumerate(_COMBOS):
            cell = data["variants"][0]["rates"][f"{opt}-{act}"][i]
            rows.append(dict(setting=f.labels[j], h=h, ours=float(f.ours[j]), se=float(f.ours_se[j]),
                             published=float(f.published[j]),
                             z=float(two_proportion_z(cell["successes"], cell["runs"], f.published[j])),
                             low=float(f.variant_low[j]), high=float(f.variant_high[j])))
    return rows


# ------------------------------------------------------------------ dead ReLU networks


@dataclass
class DeadFrame:
    """Share of networks dead at initialisation against depth, one curve per width, one bias."""

    bias: float
    depths: np.ndarray
    widths: list[int]
    dead: np.ndarray            # (widths, depths) share of networks
    bound: np.ndarray           # (widths, depths) single-point probability (zero bias only, else NaN)
    runs: int


def dead_frame(bias: float, data: dict | None = None) -> DeadFrame:
    """The census of ``scripts/dead_relu.py`` at one bias (default data: the committed result)."""
    data = data or load_result("dead_relu")
    rows = [r for r in data["census"] if r["bias"] == bias]
    if not rows:
        raise ValueError(f"bias must be one of {sorted({r['bias'] for r in data['census']})}, got {bias}")
    depth = len(rows[0]["dead_by_depth"])
    dead = np.array([np.array(r["dead_by_depth"]) / r["runs"] for r in rows])
    bound = np.array([r["single_point_bound"] if r["single_point_bound"] else [np.nan] * depth for r in rows])
    return DeadFrame(bias, np.arange(1, depth + 1), [r["width"] for r in rows], dead.astype(np.float32),
                     bound.astype(np.float32), rows[0]["runs"])


def draw_dead_frame(f: DeadFrame) -> go.Figure:
    """Measured share of born-dead networks (markers) and the single-input probability (lines)."""
    fig = new_figure(x_title="hidden layers", y_title="share of networks dead<br>on all training images",
                     height=480, legend="header", status=f"initial biases {f.bias:g}: {f.runs} networks per point")
    for i, w in enumerate(f.widths):
        fig.add_trace(go.Scatter(x=f.depths, y=f.dead[i], mode="lines+markers", name=f"width {w}",
                                 line=dict(color=color(i)), marker=dict(size=5)))
    for i, w in enumerate(f.widths):
        fig.add_trace(go.Scatter(x=f.depths, y=f.bound[i], mode="lines", name="one input, zero bias: 1 − (1 − 2^−width)^layers",
                                 legendgroup="bound", showlegend=i == 0,
                                 line=dict(color=color(i), dash="dot", width=1.5)))
    fig.update_yaxes(range=[-0.02, 1.02])
    return fig


# ------------------------------------------------------------------ the spin-glass "band"


def spin_glass_evidence(overparam: dict, safran: dict, critical: dict, xor: dict) -> dict:
    """What the book's own data say about the losses of the minima that training finds.

    * ``ss``: Safran & Shamir's n = k rows: share of runs in spurious minima and their mean loss
      relative to the loss of the zero predictor ``½ E[(Σ_j relu(x_j))²] = k/4 + k(k−1)/(4π)``;
    * ``widths``: per width of the over-parameterization experiment, the quartiles of the final
      loss (relative to the zero predictor's) over all starts;
    * ``tanh``: ends of training of the small tanh networks (saddles chapter): best, median, worst and
      second-worst loss, ``spread`` = worst / best and ``spread_but_worst`` = second-worst / best (the
      worst 4-unit end is shown in the saddles chapter not to be a minimum);
    * ``xor``: the loss levels where the failed XOR runs ended.
    """
    ss = []
    for r in safran["rows"]:
        if r["k"] == r["n"] and r["local"] > 0:
            k = r["k"]
            zero = k / 4 + k * (k - 1) / (4 * math.pi)
            ss.append(dict(k=k, percent=r["percent_local"], loss=r["mean_loss_local"], relative=r["mean_loss_local"] / zero))
    widths = []
    for r in overparam["widths"]["rows"]:
        q = np.percentile(r["final_rel_loss"], [10, 50, 90])
        widths.append(dict(m=r["m"], p10=float(q[0]), median=float(q[1]), p90=float(q[2]),
                           zero_share=r["zero"] / r["runs"]))
    tanh = []
    for net in critical["nets"]:
        ends = np.sort([p["loss"] for p in net["points"] if p["start"] == "trained"])
        tanh.append(dict(hidden=net["hidden"], n_params=net["n_params"], best=float(ends[0]),
                         median=float(np.median(ends)), worst=float(ends[-1]), second_worst=float(ends[-2]),
                         spread=float(ends[-1] / ends[0]), spread_but_worst=float(ends[-2] / ends[0])))
    levels = {}
    for cells in xor["variants"][0]["rates"].values():
        for c in cells:
            for name, count in c.get("levels", {}).items():
                levels[name] = levels.get(name, 0) + count
    return dict(ss=ss, widths=widths, tanh=tanh, xor_levels=levels)


def draw_band(evidence: dict) -> go.Figure:
    """Left: the final losses of all starts against the width (10 %, 50 %, 90 % quantiles). Right:
    Safran & Shamir's spurious minima: share of runs and relative loss against the size k = n."""
    fig = new_figure(cols=2, subplot_titles=("final loss of every start, by width", "spurious minima, k = n"),
                     height=420, legend="below")
    w = evidence["widths"]
    m = [r["m"] for r in w]
    floor = 1e-10
    fig.add_trace(go.Scatter(x=m, y=[max(r["median"], floor) for r in w], mode="lines+markers", name="median start",
                             error_y=dict(type="data", symmetric=False,
                                          array=[max(r["p90"], floor) - max(r["median"], floor) for r in w],
                                          arrayminus=[max(r["median"], floor) - max(r["p10"], floor) for r in w]),
                             line=dict(color=color("gd"))), 1, 1)
    ss = evidence["ss"]
    fig.add_trace(go.Scatter(x=[r["k"] for r in ss], y=[r["percent"] / 100 for r in ss], mode="lines+markers",
                             name="share of runs in a spurious minimum", line=dict(color=color("saddle"))), 1, 2)
    fig.add_trace(go.Scatter(x=[r["k"] for r in ss], y=[r["relative"] for r in ss], mode="lines+markers",
                             name="their loss / loss of the zero predictor",
                             line=dict(color=color("minimum"), dash="dash")), 1, 2)
    fig.update_xaxes(type="log", exponentformat="power", title_text="hidden units m", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", title_text="loss / loss of the zero predictor", row=1, col=1)
    fig.update_xaxes(title_text="teacher and student width k = n", row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power", title_text="share of runs; loss ratio", row=1, col=2)
    return fig


# ------------------------------------------------------------------ the wrong side of the hill

#: Gradient descent on :func:`lecture_code.core.surfaces.hill`: step, number of steps, start x.
HILL = dict(lr=0.5, steps=1000, x_start=-3.0)


@dataclass(frozen=True)
class HillRun:
    """Gradient descent from ``(HILL["x_start"], y_start)`` on the hill surface with ``pull``.

    ``basin`` is ``"global"`` or ``"local"`` (the minimum nearest to the end point),
    ``converged_step`` the first step with ‖∇f‖ < 1e-3 (None: not within the run),
    ``length`` the length of the path, ``distance`` the straight line from start to end.
    """

    y_start: float
    pull: float
    path: Trajectory
    basin: str
    end_loss: float
    converged_step: int | None
    length: float
    distance: float


def _hill(pull: float) -> Surface:
    from lecture_code.core.surfaces import hill

    return hill(pull=pull)


def hill_demo(y_start: float = 0.0, pull: float = 0.05) -> HillRun:
    """Plain gradient descent (η = ``HILL["lr"]``) from the left of the hill, ``y_start`` to the side;
    ``pull`` is the curvature ``2·pull`` of the bowl across (how strongly y is pulled back to 0)."""
    s = _hill(pull)
    traj = run(sgd(HILL["lr"]), s, (HILL["x_start"], float(y_start)), HILL["steps"])
    pts = traj.points
    glob = min((c for c in s.critical_points if c.kind == "minimum"), key=lambda c: float(s.f(c.point)))
    nearest = min(s.critical_points, key=lambda c: float(np.hypot(*(pts[-1] - np.array(c.point)))))
    small = np.flatnonzero(traj.grad_norms < 1e-3)
    return HillRun(float(y_start), float(pull), traj, "global" if nearest is glob else "local", float(traj.losses[-1]),
                   int(small[0]) if small.size else None,
                   float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1))),
                   float(np.linalg.norm(pts[-1] - pts[0])))


#: The two pulls the figure compares: behind the hill a true local minimum (0.05) or a saddle (0.03).
HILL_PULLS = (0.05, 0.03)


def hill_pair(y_start: float = 1.0) -> tuple[HillRun, HillRun]:
    """The same start on the two surfaces of :data:`HILL_PULLS`."""
    return tuple(hill_demo(y_start, pull) for pull in HILL_PULLS)  # type: ignore[return-value]


def draw_hill_pair(pair: Sequence[HillRun]) -> BookFigure:
    """Two panels, one per pull: contours of the hill surface, its global minimum, the point behind
    the hill, and gradient descent's path from the same start."""
    from lecture_code.core.plotting import thin

    parts = []
    for side, d in zip(("left", "right"), pair):
        where = "around" if d.basin == "global" else "stuck"
        when = f"{d.converged_step} steps" if d.converged_step is not None else "not settled"
        parts.append(f"{side} {where} ({when})")
    fig = new_figure(cols=2, subplot_titles=[f"κ = {d.pull:g}" for d in pair], height=450, legend="header",
                     status=f"y = {pair[0].y_start:g}: " + ", ".join(parts))
    for col, d in enumerate(pair, start=1):
        s = _hill(d.pull)
        xs, ys, zs = grid(s, 41, window=s.window)
        fig.add_trace(contour_trace(xs, ys, zs, levels=20), 1, col)
        glob = min((c for c in s.critical_points if c.kind == "minimum"), key=lambda c: float(s.f(c.point)))
        trap = min(s.critical_points, key=lambda c: abs(c.point[0] + 1.8) + abs(c.point[1]))
        fig.add_trace(point_trace([glob.point], name="global minimum", role="minimum", symbol="star", size=14)
                      .update(showlegend=col == 1, legendgroup="g"), 1, col)
        fig.add_trace(point_trace([trap.point], name="behind the hill (a minimum on the left, a saddle on the right)",
                                  role="saddle", symbol="diamond").update(showlegend=col == 1, legendgroup="t"), 1, col)
        fig.add_trace(path_trace(thin(d.path.points, 60), name="gradient descent", role="gd")
                      .update(showlegend=col == 1, legendgroup="p"), 1, col)
        fig.add_trace(point_trace([d.path.points[0]], name="start", role="start")
                      .update(showlegend=col == 1, legendgroup="s"), 1, col)
        fig.update_xaxes(range=list(s.window[0]), title_text="x", row=1, col=col)
        fig.update_yaxes(range=list(s.window[1]), title_text="y" if col == 1 else None, row=1, col=col)
    return fig


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz(first_all: int, runs: int, k: int, zero_at_k: int, du_width: float) -> Quiz:
    """The chapter's self-check: what Du et al.'s theorem says, the smallest width from which every
    random start reached zero loss in the experiment (``first_all``, with the experiment's ``runs``
    starts per width, the teacher's width ``k``, the starts that reached zero there, ``zero_at_k``, and
    the theorem's width ``du_width``, all from the chapter's results), the chance that a zero-bias
    ReLU layer of 3 units is dead on one input (1/8, checked against
    :func:`~lecture_code.core.dead_relu.single_point_dead_probability` in the tests), a dead first
    layer, and the spin-glass model's least realistic assumption."""
    return quiz(
        Question(
            "Du et al.'s theorem says that a sufficiently wide two-layer ReLU network trained by gradient descent ...",
            [("reaches zero training loss from a random start with high probability, at a linear rate", True,
              "‖u(k) − y‖² ≤ (1 − ηλ₀/2)^k ‖u(0) − y‖², with probability 1 − δ over the initialisation."),
             ("generalizes well to new data", False, "The theorem is about the training loss only."),
             ("has no bad local minima", False,
              "The theorem is about the trajectory from a random start, not about the landscape: it does not exclude bad minima elsewhere.")],
        ),
        NumericQuestion(
            "In the experiment above, what is the smallest width m from which every random start reaches zero training loss?",
            answer=first_all, tolerance=0, unit="hidden units",
            explanation=(f"From m = {first_all} on all {runs} starts reach zero; at the teacher's width "
                         f"m = {k}, where a perfect solution exists, {zero_at_k} do. "
                         f"The theorem asks for about {du_width:.0e} units, before its constant."),
        ),
        NumericQuestion(
            "Zero-bias ReLU network, symmetric weights, one input: what is the chance that a layer of 3 units is dead on it?",
            answer=1 / 8, tolerance=0.005, format_hint="a fraction such as 1/4 is fine",
            explanation="Each unit's pre-activation is negative with probability ½, independently: (½)³ = 1/8.",
        ),
        Question(
            "A ReLU network's first hidden layer is dead on every training point at initialisation. Which statements are true?",
            [("gradient descent will eventually revive it", False, "Every weight of that layer and below has an exactly zero gradient."),
             ("the network can still learn a constant output", True, "The biases after the dead layer still get gradients."),
             ("a wider layer makes this less likely", True, "All n units must be dead at once: about 2^−n per layer for one input.")],
        ),
        Question(
            "Which assumption of the spin-glass model is the least realistic for a real network?",
            [("that whether a path is active is independent of the input and the weights", True,
              "A ReLU path is active exactly because of its input and its weights."),
             ("that the loss is bounded below", False, "Every loss used in practice is bounded below.")],
            multiple=False,
        ),
    )
