"""Figures of the chapter "What shapes the landscape" (book/shaping.md): demo/draw pairs.

Computations live in the core (:mod:`lecture_code.core.batchnorm`, ``.initialization``,
``.pruning``, ``.landscape``, ``.data``); this module turns their results into figures. Slow
experiments are run by ``scripts/landscape_experiments.py``; the chapter loads their committed results
with :func:`lecture_code.core.data.stored_results` (``stored_results("landscape")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from lecture_code.core.initialization import mean_field_variances, signal_propagation
from lecture_code.core.quiz import Question, Quiz, quiz
from lecture_code.core.plotting import BookFigure, color, new_figure

__all__ = [
    "draw_smoothness",
    "noise_summary",
    "draw_noise",
    "draw_gammabeta",
    "propagation_demo",
    "draw_propagation",
    "propagation_spread",
    "draw_lottery",
    "lottery_summary",
    "strong_summary",
    "draw_strong",
    "self_check_quiz",
]

def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _band(fig: go.Figure, x, ys: np.ndarray, role: int, name: str, row: int = 1, col: int = 1,
          showlegend: bool = True, dash: str | None = None) -> None:
    """Mean over seeds (line) and the range over seeds (shaded band)."""
    x = np.asarray(x, dtype=float)
    fig.add_trace(go.Scatter(x=_f32(np.concatenate([x, x[::-1]])), y=_f32(np.concatenate([ys.max(0), ys.min(0)[::-1]])),
                             mode="lines", fill="toself", fillcolor=color(role, alpha=0.15), line=dict(width=0),
                             hoverinfo="skip", showlegend=False), row, col)
    fig.add_trace(go.Scatter(x=_f32(x), y=_f32(ys.mean(0)), name=name, showlegend=showlegend, mode="lines",
                             line=dict(color=color(role), width=2.5, dash=dash)), row, col)


# --- 1. batch normalization ------------------------------------------------------------------

def draw_smoothness(res: dict) -> BookFigure:
    """Santurkar et al.'s measurements over training, with and without batch norm (mean and range over seeds)."""
    panels = (("loss", "training<br>loss", "log"), ("loss_range", "loss range along −g<br>(η from ¼ to 8 × lr)", "log"),
              ("curvature", "curvature along<br>the gradient gᵀHg/‖g‖²", "linear"),
              ("beta", "effective<br>β-smoothness", "log"))
    fig = new_figure(rows=2, cols=2, horizontal_spacing=0.12, vertical_spacing=0.2, height=680, legend="header",
                     subplot_titles=[p[1] for p in panels])
    steps = res["runs"][0]["plain"]["step"]
    for k, (key, name) in enumerate((("plain", "without BN"), ("bn", "with BN"))):
        for i, (field, _, _) in enumerate(panels):
            ys = np.array([run[key][field] for run in res["runs"]], dtype=float)
            _band(fig, steps, ys, k, name, i // 2 + 1, i % 2 + 1, showlegend=i == 0)
    for i, (_, _, scale) in enumerate(panels):
        fig.update_yaxes(type=scale, row=i // 2 + 1, col=i % 2 + 1)
    fig.update_xaxes(title_text="SGD step", row=2)
    fig.update_yaxes(exponentformat="power")
    return fig


#: The noise-injection variants, in the order the figure draws them: key, label, colour role.
NOISE_VARIANTS = (("plain", "plain, η = {lr:g}", 3), ("plain_small_lr", "plain, η = {small_lr:g}", 2),
                  ("bn", "batch norm, η = {lr:g}", 0), ("noisy", "batch norm + noise, η = {lr:g}", 1))


def noise_summary(res: dict) -> dict[str, Any]:
    """Per variant: seeds that diverged, and over the others the mean final loss, test accuracy and distribution shift."""
    out: dict[str, Any] = {}
    for key, _, _ in NOISE_VARIANTS:
        runs = [run[key] for run in res["runs"]]
        ok = [r_ for r_ in runs if r_["diverged_at"] is None]
        out[key] = dict(diverged=len(runs) - len(ok), diverged_at=[r_["diverged_at"] for r_ in runs if r_["diverged_at"]],
                        loss=float(np.mean([r_["loss"][-1] for r_ in ok])) if ok else None,
                        test_acc=float(np.mean([r_["test_acc"] for r_ in ok])) if ok else None,
                        test_acc_min=float(np.min([r_["test_acc"] for r_ in ok])) if ok else None,
                        shift=float(np.mean([r_["shift"] for r_ in ok])) if ok else None)
    return out


def draw_noise(res: dict) -> BookFigure:
    """Training loss of plain, batch-norm and noisy batch-norm networks (top); the input distribution of one unit (below)."""
    names = {key: label.format(lr=res["lr"], small_lr=res["small_lr"]) for key, label, _ in NOISE_VARIANTS}
    summary = noise_summary(res)
    div = summary["plain"]
    status = f"plain, η = {res['lr']:g}: diverged in {div['diverged']} of {len(res['runs'])} seeds"
    fig = new_figure(rows=2, vertical_spacing=0.16, height=820, legend="header", status=status,
                     warn=div["diverged"] > 0,
                     subplot_titles=("training loss (noise off, statistics of all 1,000 images)",
                                     f"input of layer {res['probe'] + 1}, unit 1: mean ± std over each mini-batch (seed 0)"))
    for key, _, role in NOISE_VARIANTS:
        runs = [run[key] for run in res["runs"] if run[key]["diverged_at"] is None]
        if runs:
            ys = np.array([r_["loss"] for r_ in runs], dtype=float)
            _band(fig, runs[0]["step"], ys, role, names[key])
        else:   # every seed diverged: draw each up to its last finite value
            for j, run in enumerate(res["runs"]):
                r_ = run[key]
                fig.add_trace(go.Scatter(x=r_["step"], y=[np.nan if v is None else v for v in r_["loss"]],
                                         name=names[key] + " (diverged)", showlegend=j == 0, mode="lines+markers",
                                         line=dict(color=color(role), width=2, dash="dot")), 1, 1)
    first = res["runs"][0]
    for key, _, role in NOISE_VARIANTS:
        r_ = first[key]
        if r_["diverged_at"] is not None:
            continue
        mean, std = np.asarray(r_["mean"], dtype=float), np.asarray(r_["std"], dtype=float)
        steps = np.arange(len(mean)) * res["trace_every"]
        fig.add_trace(go.Scatter(x=_f32(np.concatenate([steps, steps[::-1]])), mode="lines",
                                 y=_f32(np.concatenate([mean + std, (mean - std)[::-1]])), fill="toself",
                                 fillcolor=color(role, alpha=0.12), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False), 2, 1)
        fig.add_trace(go.Scatter(x=_f32(steps), y=_f32(mean), name=names[key], showlegend=False, mode="lines",
                                 line=dict(color=color(role), width=1.5)), 2, 1)
    fig.update_yaxes(title_text="cross-entropy", type="log", exponentformat="power", row=1, col=1)
    fig.update_yaxes(title_text="activation", row=2, col=1)
    fig.update_xaxes(title_text="SGD step", row=2, col=1)
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


# --- 2. initialization -----------------------------------------------------------------------

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


def propagation_spread(gain: float, activation: str, seeds: int = 40, depth: int = 30, width: int = 128,
                       n: int = 256) -> dict[str, np.ndarray]:
    """The two numbers the figure ends on, over ``seeds`` random stacks (seeds 0, 1, ...).

    Returns ``"forward"``: Var(h_depth) per seed, ``"backward"``: Var(∂loss/∂h_1) per seed, and
    the mean-field predictions of both (``"predicted_forward"``, ``"predicted_backward"``).
    """
    if not (isinstance(seeds, int) and seeds >= 1):
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    runs = [signal_propagation(depth, width, activation, gain, n=n, seed=s) for s in range(seeds)]
    pred = mean_field_variances(depth, activation, gain)
    return dict(forward=np.array([r.forward[-1] for r in runs]), backward=np.array([r.backward[0] for r in runs]),
                predicted_forward=float(pred.forward[-1]), predicted_backward=float(pred.backward[0]))


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


# --- 3. lottery tickets ----------------------------------------------------------------------

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


# --- strong lottery tickets ---------------------------------------------------------------------

#: What the strong-ticket figure compares: key of a stored run, label, colour role, dash.
STRONG_SERIES = (("test_acc", "edge-popup subnetwork of random weights", 0, None),
                 ("dense_test_acc", "trained, same width", 1, None),
                 ("small_test_acc", "trained, as many weights as the subnetwork", 2, "dash"),
                 ("fresh_weights_acc", "found mask on new random weights", 3, "dot"),
                 ("random_mask_acc", "random mask, same size", 4, "dot"))


def strong_summary(res: dict) -> dict[str, dict]:
    """Mean over seeds of every stored accuracy, keyed by ``(width, fraction)``."""
    out: dict = {}
    for run in res["runs"]:
        out.setdefault((run["width"], run["fraction"]), []).append(run)
    keys = [k for k, *_ in STRONG_SERIES] + ["train_acc", "dense_train_acc", "all_weights_acc"]
    return {k: {**{f: float(np.mean([r_[f] for r_ in runs])) for f in keys},
                **{f"{f}_min": float(np.min([r_[f] for r_ in runs])) for f in keys},
                **{f"{f}_max": float(np.max([r_[f] for r_ in runs])) for f in keys},
                "weights": runs[0]["weights"], "kept": runs[0]["kept"], "small_width": runs[0]["small_width"],
                "small_weights": runs[0]["small_weights"], "seeds": len(runs)}
            for k, runs in out.items()}


def draw_strong(res: dict) -> BookFigure:
    """Test error (log scale) against the width (at one kept fraction) and against the kept fraction (at one width).

    Error rather than accuracy, on a logarithmic axis: the subnetworks and trained networks
    (a few per cent) and the controls (near chance, 90 % error) are both readable.
    """
    s = strong_summary(res)
    k0, w0 = res["fraction"], res["width_for_fractions"]
    fig = new_figure(rows=2, vertical_spacing=0.17, height=820, legend="header",
                     subplot_titles=(f"each layer keeps {k0:.0%} of its weights", f"two hidden layers of {w0} units"))
    panels = ((1, sorted(w for w, k in s if k == k0), lambda w: (w, k0)),
              (2, sorted(k for w, k in s if w == w0), lambda k: (w0, k)))
    for row, xs, key in panels:
        for field, label, role, dash in STRONG_SERIES:
            err = [1 - s[key(x)][field] for x in xs]
            lo = [1 - s[key(x)][f"{field}_max"] for x in xs]
            hi = [1 - s[key(x)][f"{field}_min"] for x in xs]
            fig.add_trace(go.Scatter(x=xs, y=_f32(err), name=label, showlegend=row == 1, mode="lines+markers",
                                     line=dict(color=color(role), width=2.5, dash=dash),
                                     error_y=dict(type="data", symmetric=False, array=_f32(np.subtract(hi, err)),
                                                  arrayminus=_f32(np.subtract(err, lo)), thickness=1)), row, 1)
    fig.add_hline(y=0.9, line=dict(dash="dot", color=color("theory")), annotation_text="chance (90 % error)",
                  annotation_position="bottom right")
    fig.update_xaxes(title_text="hidden units per layer", type="log", tickvals=sorted({w for w, _ in s}), row=1, col=1)
    fig.update_xaxes(title_text="fraction of weights kept", tickformat=".0%", row=2, col=1)
    ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    fig.update_yaxes(title_text="test error", type="log", range=[np.log10(0.01), np.log10(1.1)], tickvals=ticks,
                     ticktext=[f"{t:.0%}" for t in ticks])
    return fig


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz() -> Quiz:
    """The chapter's self-check: batch norm in evaluation mode, what Santurkar et al.'s noise
    experiment argues, the weight variance that keeps a deep ReLU network's signal (He's 2/n), Xavier's
    uniform bound for 100 inputs and 50 outputs (√(6/150) = 0.2), edge-popup, and what Blum & Rivest's
    NP-completeness implies."""
    return quiz(
        Question(
            "Batch norm in evaluation mode normalizes with ...",
            [("the statistics of the current mini-batch", False, "That is training mode."),
             ("running averages of the training batches' statistics", True,
              "So a single test example gets the same output whatever else is in its batch."),],
            multiple=False,
        ),
        Question(
            "Santurkar et al. add noise with a random, changing mean and variance after every batch-norm layer. "
            "The networks still train about as well as with plain batch norm. What does this argue?",
            [("batch norm's benefit does not come from keeping each layer's input distribution fixed", True,
              "The noise makes each layer's inputs shift from step to step many times more than with batch norm alone "
              "(about as much as in the plain network), and training does not suffer."),
             ("noise always helps training", False, "The experiment shows it does not hurt much here, not that it helps."),
             ("batch norm reduces internal covariate shift", False,
              "That is the explanation the experiment argues against."),],
        ),
        Question(
            "For a deep ReLU network with square layers of n units, which weight variance keeps the forward signal's variance constant?",
            [("1/n (LeCun)", False, "ReLU halves E[h²]; with 1/n the variance halves every layer."),
             ("2/(n_in + n_out) (Xavier)", False, "For square layers this is 1/n as well."),
             ("2/n (He)", True, "The gain 2 and ReLU's ½ multiply to 1 in every layer, forward and backward."),],
            multiple=False,
        ),
        Question(
            "Xavier's uniform form draws w from U(−a, a). For a layer with 100 inputs and 50 outputs, a is ...",
            [("√(6/150) = 0.2", True, "a = √(3·Var) with Var = 2/(100 + 50): a² = 6/150."),
             ("√(2/150) ≈ 0.115", False, "That is the standard deviation of the Gaussian form; U(−a, a) has variance a²/3."),
             ("2/150 ≈ 0.0133", False, "That is the variance, not a bound."),],
            multiple=False,
        ),
        Question(
            "Edge-popup finds a subnetwork of a random network that classifies well. Which statements hold?",
            [("no weight of the network is changed", True, "Only the scores that select the weights are trained."),
             ("nothing is learned from the data", False,
              "The mask is learned by gradient descent: one bit per weight, which weights to keep."),
             ("the same mask works on any other random weights", False,
              "On a fresh draw of random weights the found mask is near chance: it fits these particular weights."),],
        ),
        Question(
            "Blum & Rivest proved that training a 3-node network is NP-complete. What follows?",
            [("gradient descent cannot train neural networks", False, "It is a worst-case statement about specific hard instances."),
             ("unless P = NP, no algorithm trains every such network on every data set in polynomial time", True,
              "That is what NP-completeness means."),
             ("the digits networks of these chapters are hard to train", False,
              "They trained in seconds; typical instances are not worst cases."),],
        ),
    )
