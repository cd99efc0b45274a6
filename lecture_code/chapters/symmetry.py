"""Figures and demos of the weight-space symmetry chapter (``book/symmetry.md``).

The library it draws on:

* :mod:`lecture_code.core.symmetry`: permutation and rescaling maps of an MLP's parameters, and
  the counts of symmetric minima and saddles (with brute-force enumerations);
* :mod:`lecture_code.core.teacher_student`: the committee-machine squeezing experiment (Brea et
  al. 2019);
* :mod:`lecture_code.core.relu_minima`: the Safran & Shamir reproduction.

Here: tables and figures of the counts (:func:`count_table`, :func:`draw_counts`,
:func:`draw_overparameterization`), a trained network to apply the symmetries to
(:func:`regression_mlp`), the squeezing figure with its slider (:func:`squeeze_demo`,
:func:`draw_squeeze_frame`) and the figures and quoted numbers of the reproduction
(:func:`draw_reproduction`, :func:`draw_ablation`, :func:`reproduction_numbers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from lecture_code.core.mlp import MLP
from lecture_code.core.optimizers import adam
from lecture_code.core.plotting import color, new_figure, status_annotation
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.relu_minima import PUBLISHED, family_mix
from lecture_code.core.symmetry import (
    crossing_width, first_order_saddle_lines, n_permutation_minima, overparameterization_ratio, pair_saddle_manifolds,
    per_neuron_factor, symmetry_induced_manifolds, theorem_factor,
)
from lecture_code.core.synthetic import regression_data
from lecture_code.core.teacher_student import CommitteeProblem, Squeeze, committee_problem, squeeze
from lecture_code.core.validate import check_int

__all__ = [
    "theorem_factors",
    "count_table",
    "draw_counts",
    "draw_overparameterization",
    "regression_mlp",
    "hyperplane_segment",
    "draw_squeeze",
    "SqueezeFrame",
    "squeeze_demo",
    "draw_squeeze_frame",
    "draw_reproduction",
    "draw_ablation",
    "reproduction_numbers",
    "authors_numbers",
    "opening_quiz",
    "equivalent_minima_quiz",
    "saddle_lines_quiz",
]


# --------------------------------------------------------------------------- counts


def theorem_factors(ns: Sequence[int], K_max: int = 3) -> list[dict]:
    """Rows ``{n, "K=1": C(n-1,1)/2, ...}``: the theorem's factor as a :class:`~fractions.Fraction`
    (``None`` where ``K >= n/2`` is outside the theorem). A factor ``<= 1`` makes the bound vacuous:
    it then promises no more saddle manifolds than there are minima."""
    return [{"n": int(n), **{f"K={K}": theorem_factor(n, K) if 2 * K < n else None for K in range(1, K_max + 1)}}
            for n in ns]


def count_table(ns: Sequence[int], K_max: int = 3) -> list[dict]:
    """Rows ``{n, minima, K=1, K=2, ...}``: permutation minima and pair-saddle manifolds of a layer of ``n``."""
    rows = []
    for n in ns:
        row = {"n": int(n), "minima n!": math.factorial(int(n))}
        for K in range(1, K_max + 1):
            row[f"K={K}"] = pair_saddle_manifolds(n, K) if 2 * K < n else None
        rows.append(row)
    return rows


def draw_counts(ns: Sequence[int], K_max: int = 3):
    """K-th order saddle manifolds *per permutation minimum* against ``n`` (log scale): all of them
    (``(n-K)! S(n, n-K) / n!``, solid) and the theorem's lower bound ``C(n-K, K)/2^K`` (dotted), with
    the level one (as many saddle manifolds as minima) and the points where the bound is vacuous
    (factor ``<= 1``) marked."""
    ns = [int(n) for n in ns]
    fig = new_figure(x_title="neurons in the layer n", y_title="saddle manifolds per permutation minimum",
                     height=440, yaxis_type="log")
    fig.update_yaxes(exponentformat="power")
    fig.add_trace(go.Scatter(x=[ns[0], ns[-1]], y=[1, 1], mode="lines", name="1: as many as the n! minima",
                             line=dict(color=color("minimum"), width=2, dash="dash")))
    vacuous_x, vacuous_y = [], []
    for K in range(1, K_max + 1):
        xs = [n for n in ns if 2 * K < n]
        fig.add_trace(go.Scatter(x=xs, y=[symmetry_induced_manifolds(n, K) / math.factorial(n) for n in xs],
                                 mode="lines+markers", name=f"order {K}: all symmetry-induced manifolds",
                                 line=dict(color=color(2 * K - 1))))
        fig.add_trace(go.Scatter(x=xs, y=[float(theorem_factor(n, K)) for n in xs], mode="lines",
                                 name=f"order {K}: theorem's bound C(n−K, K)/2^K",
                                 line=dict(color=color(2 * K - 1), dash="dot")))
        vacuous_x += [n for n in xs if theorem_factor(n, K) <= 1]
        vacuous_y += [float(theorem_factor(n, K)) for n in xs if theorem_factor(n, K) <= 1]
    fig.add_trace(go.Scatter(x=vacuous_x, y=vacuous_y, mode="markers", name="bound ≤ 1: says nothing",
                             marker=dict(symbol="x", size=11, color=color("saddle"))))
    return fig


def draw_overparameterization(n: int = 30, hs: Sequence[int] = tuple(range(0, 121))):
    """Left: saddle subspaces per global-minimum subspace against the extra width ``h``, with the
    crossing of one marked. Right: the factor by which one more neuron changes that ratio,
    :func:`per_neuron_factor`, and its limit ``n/(n+1)``."""
    hs = [int(h) for h in hs]
    fig = new_figure(cols=2, subplot_titles=("saddle subspaces / global-minimum subspaces",
                                             "factor per extra neuron: ratio(h) / ratio(h − 1)"),
                     x_title=f"extra student neurons h (teacher width n = {n})", height=420, legend="below")
    r = [overparameterization_ratio(n, h) for h in hs]
    fig.add_trace(go.Scatter(x=hs, y=r, mode="lines+markers", marker=dict(size=4), name="ratio",
                             line=dict(color=color("saddle"))), 1, 1)
    fig.add_trace(go.Scatter(x=[hs[0], hs[-1]], y=[1, 1], mode="lines", name="ratio 1",
                             line=dict(color=color("theory"), dash="dash")), 1, 1)
    cross = crossing_width(n)
    if hs[0] <= cross <= hs[-1]:
        fig.add_trace(go.Scatter(x=[cross], y=[overparameterization_ratio(n, cross)], mode="markers+text",
                                 marker=dict(size=11, color=color("minimum")), text=[f"h = {cross}"],
                                 textposition="top right", name=f"first h with ratio < 1: {cross}"), 1, 1)
    fig.add_annotation(x=hs[0], y=math.log10(max(r)), xanchor="left", yanchor="top", showarrow=False,
                       text="   saddles dominate", row=1, col=1)
    fig.add_annotation(x=hs[-1], y=math.log10(min(r)), xanchor="right", yanchor="bottom", showarrow=False,
                       text="global minima dominate", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=1)
    hf = [h for h in hs if h >= 1]
    fig.add_trace(go.Scatter(x=hf, y=[per_neuron_factor(n, h) for h in hf], mode="lines+markers", marker=dict(size=4),
                             name="factor per extra neuron", line=dict(color=color("gd"))), 1, 2)
    fig.add_trace(go.Scatter(x=[hf[0], hf[-1]], y=[n / (n + 1)] * 2, mode="lines", name=f"limit n/(n+1) = {n}/{n + 1}",
                             line=dict(color=color("theory"), dash="dot")), 1, 2)
    fig.add_trace(go.Scatter(x=[hf[0], hf[-1]], y=[(n - 1) / n] * 2, mode="lines", name=f"(n−1)/n = {n - 1}/{n}",
                             line=dict(color="#999", dash="dash")), 1, 2)
    return fig


# --------------------------------------------------------------------------- a trained network


def regression_mlp(sizes: Sequence[int] = (2, 6, 6, 1), activation: str = "tanh", steps: int = 400,
                   seed: int = 0) -> tuple[MLP, np.ndarray]:
    """A small MLP trained on the book's regression task, to apply the symmetries to.

    The torch :func:`~lecture_code.core.models.mlp` (its default initialisation) trained full
    batch by the book's Adam (``adam(0.02, eps_inside_sqrt=False)``, PyTorch's ε placement)
    through :mod:`lecture_code.core.torch_bridge`, returned as the numpy MLP and its flat
    parameters (:func:`~lecture_code.core.models.to_numpy_mlp`).
    """
    from lecture_code.core.hessian import single_threaded  # first: without PyTorch, it says what to install
    from lecture_code.core.models import mlp, to_numpy_mlp
    from lecture_code.core.torch_bridge import BridgeOptimizer, train

    steps = check_int(steps, "steps", 0)
    data = regression_data(n=64, d=int(sizes[0]), seed=seed)
    model = mlp(list(sizes), activation=activation, seed=seed)
    with single_threaded():  # 64 points: threads only add overhead (and stall on a busy machine)
        train(model, data.X, data.y, BridgeOptimizer(model.parameters(), adam(0.02, eps_inside_sqrt=False)), steps,
              loss="mse")
    return to_numpy_mlp(model)


# --------------------------------------------------------------------------- the squeezing experiment


def hyperplane_segment(w: np.ndarray, b: float, box: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """The part of the line ``w·x + b = 0`` inside ``[−box, box]²`` as ``(xs, ys)`` (2 points or NaNs)."""
    w = np.asarray(w, float)
    pts = []
    if abs(w[1]) > 1e-12:
        for x in (-box, box):
            y = -(b + w[0] * x) / w[1]
            if -box <= y <= box:
                pts.append((x, y))
    if abs(w[0]) > 1e-12:
        for y in (-box, box):
            x = -(b + w[1] * y) / w[0]
            if -box <= x <= box:
                pts.append((x, y))
    if len(pts) < 2:
        return np.array([np.nan, np.nan]), np.array([np.nan, np.nan])
    p = np.array(pts[:2])
    return p[:, 0], p[:, 1]


def draw_squeeze(prob: CommitteeProblem, sq: Squeeze, step: int) -> go.Figure:
    """Left: teacher (blue) and student (red) lines in input space at squeeze ``step``; right: loss vs distance."""
    if not 0 <= step < len(sq.distances):
        raise ValueError(f"step must be in [0, {len(sq.distances) - 1}], got {step}")
    n, d1 = prob.n, 3
    fig = new_figure(cols=2, column_widths=[0.45, 0.55], height=430, legend=None, margin=dict(l=50),
                     subplot_titles=("input space: teacher (blue), student (red)", "loss against distance"))
    xs, ys = [], []
    for k in range(n):
        sx, sy = hyperplane_segment(prob.teacher[k, :2], prob.teacher[k, 2])
        xs += [*sx, None]
        ys += [*sy, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="teacher", line=dict(color=color("gd"), width=5)), 1, 1)
    U = sq.thetas[step][: n * d1].reshape(n, d1)
    xs, ys = [], []
    for k in range(n):
        sx, sy = hyperplane_segment(U[k, :2], U[k, 2])
        xs += [*sx, None]
        ys += [*sy, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="student", line=dict(color=color("momentum"), width=2)), 1, 1)
    i, j = sq.pair
    sx, sy = [], []
    for k in (i, j):
        px, py = hyperplane_segment(U[k, :2], U[k, 2])
        sx += [*px, None]
        sy += [*py, None]
    fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", name=f"squeezed pair ({i + 1}, {j + 1})",
                             line=dict(color=color("momentum"), width=2, dash="dot")), 1, 1)
    d = np.concatenate([-sq.distances, sq.distances[::-1]])
    L = np.concatenate([sq.losses, sq.losses[::-1]])
    fig.add_trace(go.Scatter(x=d.astype(np.float32), y=L.astype(np.float32), mode="lines+markers", name="loss (there and back, labels swapped)",
                             line=dict(color=color("theory")), marker=dict(size=5)), 1, 2)
    fig.add_trace(go.Scatter(x=[-sq.distances[step], sq.distances[step]], y=[sq.losses[step]] * 2, mode="markers",
                             name="current", marker=dict(color=color("momentum"), size=12)), 1, 2)
    fig.update_layout(annotations=list(fig.layout.annotations) + [status_annotation(
                          f"distance {sq.distances[step]:.2f}, loss {sq.losses[step]:.4f}")])
    fig.update_xaxes(range=[-3, 3], row=1, col=1)
    fig.update_yaxes(range=[-3, 3], scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="signed distance ‖U_i − U_j‖ (left: before the swap, right: after)", row=1, col=2)
    return fig


@dataclass
class SqueezeFrame:
    """One step of the default squeezing experiment (for the interactive figure)."""

    prob: CommitteeProblem
    sq: Squeeze
    step: int


_CACHE: dict[tuple, tuple[CommitteeProblem, Squeeze]] = {}


def squeeze_demo(step: int, n_steps: int = 12, pair: tuple[int, int] = (0, 1)) -> SqueezeFrame:
    """Step ``step`` of ``squeeze(committee_problem(), pair, n_steps)`` (computed once, then cached)."""
    key = (n_steps, tuple(pair))
    if key not in _CACHE:
        prob = committee_problem()
        _CACHE[key] = (prob, squeeze(prob, pair, n_steps))
    prob, sq = _CACHE[key]
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 0 <= step < n_steps:
        raise ValueError(f"step must be an integer in [0, {n_steps - 1}], got {step!r}")
    return SqueezeFrame(prob, sq, int(step))


def draw_squeeze_frame(frame: SqueezeFrame) -> go.Figure:
    """:func:`draw_squeeze` for a :class:`SqueezeFrame`."""
    return draw_squeeze(frame.prob, frame.sq, frame.step)


# --------------------------------------------------------------------------- Safran & Shamir's figures


def _binomial_se(count: float, runs: int) -> float:
    """Standard error of a percentage ``100 count / runs`` (binomial), in percentage points."""
    p = count / runs
    return 100 * math.sqrt(p * (1 - p) / runs)


def draw_reproduction(data: dict) -> go.Figure:
    """Measured and published percentages of runs ending in a spurious local minimum against k.

    Left panel ``n = k``, right panel ``n = k + 1`` and ``k + 2`` (a hundred times smaller scale).
    Both sides with ± 2 binomial standard errors (1000 runs each); a setting the paper ran but
    did not list is drawn at 0.
    """
    fig = new_figure(cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                     subplot_titles=("n = k", "n = k + 1, k + 2"), legend="below", height=440)
    for i, extra in enumerate((0, 1, 2)):
        rows = [r for r in data["rows"] if r["n"] == r["k"] + extra and r.get("published")]
        if not rows:
            continue
        col = 1 if extra == 0 else 2
        label = "n = k" if extra == 0 else f"n = k + {extra}"
        fig.add_trace(go.Scatter(
            x=[r["k"] - 0.08 for r in rows], y=[r["percent_local"] for r in rows], mode="lines+markers",
            error_y=dict(type="data", array=[2 * _binomial_se(r["local"], r["runs"]) for r in rows], visible=True),
            name=f"measured, {label}", line=dict(color=color(i)),
            customdata=[[r["local"], r["runs"], r["z"]] for r in rows],
            hovertemplate="k = %{x:.0f}: %{y:.1f} % (%{customdata[0]} of %{customdata[1]}), z = %{customdata[2]:.2f}"),
            1, col)
        fig.add_trace(go.Scatter(
            x=[r["k"] + 0.08 for r in rows], y=[r["published"]["percent_local"] for r in rows], mode="markers",
            error_y=dict(type="data", visible=True,
                         array=[2 * _binomial_se(r["published"]["percent_local"] * 10, 1000) for r in rows]),
            name=f"Safran & Shamir, {label}", marker=dict(color=color(i), symbol="x", size=10),
            hovertemplate="k = %{x:.0f}: %{y:.1f} % published"), 1, col)
    fig.update_xaxes(title_text="k (teacher neurons, d = k)", dtick=1, row=1, col=1)
    fig.update_xaxes(title_text="k", dtick=1, row=1, col=2)
    fig.update_yaxes(title_text="% of runs in a spurious local minimum", col=1)
    return fig


def draw_ablation(data: dict) -> go.Figure:
    """The ablation: percentage of spurious minima at one setting with one protocol knob changed at a
    time, ± 2 standard errors, beside the published value and its ± 2 standard error band."""
    rows = data["ablation"]
    k, n = data["ablation_setting"]
    pub = rows[0]["published"]["percent_local"]
    se = 2 * _binomial_se(pub * 10, 1000)
    names = [r["name"] for r in rows][::-1]
    fig = new_figure(x_title=f"% spurious minima, k = n = {k}" if k == n else f"% spurious minima, k = {k}, n = {n}",
                     y_title="", height=360)
    fig.add_shape(type="rect", x0=pub - se, x1=pub + se, y0=-0.5, y1=len(rows) - 0.5,
                  fillcolor=color(1), opacity=0.15, line_width=0)
    fig.add_vline(x=pub, line=dict(color=color(1), dash="dash"))
    fig.add_trace(go.Scatter(
        x=[r["percent_local"] for r in rows][::-1], y=names, mode="markers",
        error_x=dict(type="data", array=[2 * _binomial_se(r["local"], r["runs"]) for r in rows][::-1], visible=True),
        marker=dict(color=color(0), size=9), name="measured ± 2 s.e.",
        customdata=[[r["description"], r["z"]] for r in rows][::-1],
        hovertemplate="%{customdata[0]}: %{x:.1f} %, z = %{customdata[1]:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[pub], y=[names[-1]], mode="markers", marker=dict(color=color(1), symbol="x", size=10),
                             name=f"published {pub} % ± 2 s.e."))
    fig.update_yaxes(type="category")
    return fig


def reproduction_numbers(data: dict) -> dict:
    """Every number the chapter's text quotes about the reproduction, computed from the results file."""
    rows = [r for r in data["rows"] if r["published"] is not None]
    listed = [r for r in rows if r["published"]["listed"] and r["local"]]
    worst = max(rows, key=lambda r: abs(r["z"]))
    by = {(r["k"], r["n"]): r for r in data["rows"]}
    abl = {a["name"]: a for a in data["ablation"]}

    def rel(r, key, pub):
        return 100 * (r[key] / r["published"][pub] - 1)

    out = dict(
        runs=data["protocol"]["runs_per_setting"], settings=len(rows), minutes=data["total_seconds"] / 60,
        max_abs_z=abs(worst["z"]), worst_k=worst["k"], worst_n=worst["n"], worst_pct=worst["percent_local"],
        worst_pub=worst["published"]["percent_local"], worst_z=worst["z"],
        pct_6=by[(6, 6)]["percent_local"], pct_12=by[(12, 12)]["percent_local"],
        pub_k1_19=PUBLISHED[(19, 20)][0],
        max_local_k1=max(r["local"] for r in rows if r["n"] == r["k"] + 1),
        local_k2=sum(r["local"] for r in rows if r["n"] == r["k"] + 2),
        unverified=sum(r["unverified"] for r in data["rows"] + data["ablation"]),
        not_converged=sum(r["not_converged"] for r in data["rows"] + data["ablation"]),
        max_rise=max(r["max_loss_increase"] for r in data["rows"] + data["ablation"]),
        max_gd_steps=max(r["max_steps"] or 0 for r in data["rows"]),
        min_lambda_bad=min(r["min_local_eigenvalue"] for r in data["rows"] if r["min_local_eigenvalue"] is not None),
        max_grad_bad=max(r["max_local_grad_norm"] for r in data["rows"] if r["max_local_grad_norm"] is not None),
        max_lambda_dev=max(abs(rel(r, "mean_min_eigenvalue", "mean_min_eigenvalue")) for r in listed),
        loss_dev_10=-rel(by[(10, 10)], "mean_loss_local", "mean_loss_local"),
        loss_dev_11=-rel(by[(11, 11)], "mean_loss_local", "mean_loss_local"),
        max_loss_dev_rest=max(abs(rel(r, "mean_loss_local", "mean_loss_local")) for r in listed
                              if (r["k"], r["n"]) not in ((10, 10), (11, 11))),
        abl_k=data["ablation_setting"][0],
        abl_spread=max(abs(abl[nm]["percent_local"] - abl["paper"]["percent_local"])
                       for nm in ("scale 0.5", "scale 2", "lr 0.05", "lr 0.2", "tol 1e-5")),
    )
    for name, a in abl.items():
        key = name.replace(" ", "_").replace(".", "")
        out[f"abl_{key}"] = a["percent_local"]
        out[f"abl_{key}_z"] = a["z"]
    mix = family_mix(by[(10, 10)])
    out.update({f"mix10_{key}": v for key, v in mix.items()})
    return out


def authors_numbers(data: dict, authors: dict, k_max: int = 12) -> dict:
    """The numbers the chapter quotes about the authors' own stored minima (``safran_shamir_authors.json``),
    for the settings with ``k <= k_max`` (the range of our reproduction), beside ours (``data``)."""
    ours = {(r["k"], r["n"]): r for r in data["rows"]}
    rows = {(r["k"], r["n"]): r for r in authors["rows"] if r["k"] <= k_max}
    rest = [key for key in rows if key not in ((10, 10), (11, 11))]
    mix, our_mix = family_mix(rows[(10, 10)]), family_mix(ours[(10, 10)])
    return dict(
        settings=len(rows),
        counts_match=sum(rows[key]["count"] == round(10 * PUBLISHED[key][0]) for key in rows),
        loss_10=rows[(10, 10)]["mean_loss"], loss_11=rows[(11, 11)]["mean_loss"],
        our_loss_10=ours[(10, 10)]["mean_loss_local"], our_loss_11=ours[(11, 11)]["mean_loss_local"],
        pub_loss_10=PUBLISHED[(10, 10)][2], pub_loss_11=PUBLISHED[(11, 11)][2],
        mix10_other_share=mix["other_share"], mix10_ratio=mix["other_share"] / our_mix["other_share"],
        max_loss_gap_rest=max(abs(rows[key]["mean_loss"] - PUBLISHED[key][2]) for key in rest),
        max_lambda_gap=max(abs(rows[key]["mean_min_eigenvalue"] - PUBLISHED[key][1]) for key in rows),
    )


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def opening_quiz() -> Quiz:
    """The lecture's opening quiz: how many minima a network of 9 layers of 10 neurons has (more
    than 1000: (10!)^9 permuted copies of each), and how many saddles (many more)."""
    return quiz(
        Question(
            "A deep neural network with 9 layers of 10 neurons each has typically ...",
            [("between 1 and 1000 minima (global or local)", False,
              f"Relabelling the 10 neurons of one layer alone gives 10! = {math.factorial(10):,} equivalent minima."),
             ("more than 1000 minima (global or local)", True,
              f"At least (10!)^9 ≈ 10^{math.floor(math.log10(math.factorial(10) ** 9))} copies of every minimum, "
              "by permutation symmetry.")],
            multiple=False,
        ),
        Question(
            "The same network ...",
            [("has many minima and in addition a few saddle points", False, "See the counts below."),
             ("has many minima and about as many saddle points", False, "See the counts below."),
             ("has many minima and even many more saddle points", True,
              "Between permuted minima sit symmetry-induced saddles; their number grows faster than n!.")],
            multiple=False,
        ),
    )


def equivalent_minima_quiz() -> Quiz:
    """Equivalent and near-optimal solutions, and how many equivalent global minima permutation
    symmetry gives 2 hidden layers of 4 neurons (:func:`~lecture_code.core.symmetry.n_permutation_minima`,
    (4!)² = 576)."""
    return quiz(
        Question(
            "A deep neural network with many neurons ...",
            [("has always many equivalent 'optimal' solutions (global minima)", True,
              "Every minimum comes with (n!)^m permuted copies, all distinct for generic weights."),
             ("has typically many near-optimal solutions, not related by permutation symmetry", True,
              "Different sets of hyperplanes can explain the data almost equally well.")],
        ),
        NumericQuestion(
            "A network with 2 hidden layers of 4 neurons each has found a global minimum. At least how many "
            "equivalent global minima (the one found included) does permutation symmetry give?",
            n_permutation_minima(4, 2), 0,
            explanation=f"Each layer's 4 neurons can be relabelled in 4! = 24 ways, independently: "
                        f"(4!)² = {n_permutation_minima(4, 2)}.",
        ),
    )


def saddle_lines_quiz() -> Quiz:
    """How many lines of first-order permutation saddles a layer of 5 neurons has
    (:func:`~lecture_code.core.symmetry.first_order_saddle_lines`, 5!/2! · 4 = 240)."""
    return quiz(NumericQuestion(
        "A layer of 5 neurons: how many lines of first-order permutation saddles does the construction give "
        "(5 labels on 4 positions, one position taken twice)?",
        first_order_saddle_lines(5), 0,
        explanation=f"4 choices for the doubled position, 5!/2! = 60 ways to distribute the labels: "
                    f"60 · 4 = {first_order_saddle_lines(5)}, twice the 5! = 120 minima.",
    ), title="Count it")
