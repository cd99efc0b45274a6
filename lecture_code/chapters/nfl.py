"""No Free Lunch, demonstrated exactly on a finite domain.

Wolpert (1996) / Wolpert & Macready (1997): averaged over *all* target functions, every
learning algorithm has the same off-training-set performance. On a finite domain this is
a finite, exact statement, so we can check it by brute force:

* domain: ``N`` points ``x_0 < ... < x_{N-1}`` on a line, a fixed training set of ``m``
  of them, the other ``N - m`` are the off-training-set (test) points;
* targets: all ``2^N`` labelings ``f : domain -> {0, 1}``;
* for each labeling, each learner is *run* (trained on ``(x_i, f(x_i))`` for the training
  points) and its predictions on the test points are compared with ``f``;
* the accuracy is a :class:`fractions.Fraction`, and so is the average over labelings.

Every learner averages exactly 1/2. Restricted to a structured family (labelings with at
most ``k`` label changes along the line: "smooth" targets) the learners separate, and the
gain of one learner on the family is paid for, exactly, on the rest.

Learners take a whole batch of training labelings at once (one row per labeling) and run
the same algorithm on every row independently; this only makes the MLP (``2^N`` networks
trained side by side with the book's Adam from :mod:`lecture_code.core.optimizers`) fast.

The module also holds the chapter's other two demonstrations: the lecture's "which data
set looks noisier / is easier to fit" pair (:func:`noisy_looking_pair`,
:func:`fit_pair`), and prior knowledge through symmetry (:func:`shift_task`,
:func:`train_shift_models`: a weight-shared circular convolution against a dense net on
shifted patterns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from lecture_code.core.optimizers import adam, apply_updates
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.validate import check_int
from lecture_code.core.mlp import MLP, mlp_logits, train_mlp

__all__ = [
    "Learner",
    "LEARNERS",
    "nearest_neighbour",
    "mlp_learner",
    "constant_learner",
    "majority_learner",
    "perverse_learner",
    "all_labelings",
    "smooth_labelings",
    "default_train_indices",
    "off_training_accuracies",
    "nfl_average",
    "NFLResult",
    "nfl_experiment",
    "draw_nfl",
    "noisy_looking_pair",
    "fit_pair",
    "pair_demo",
    "draw_pair",
    "shift_task",
    "train_shift_models",
    "self_check_quiz",
]


Array = np.ndarray
#: A learner: ``predict(x_train (m,), y_train (B, m) in {0,1}, x_test (k,)) -> (B, k) in {0,1}``.
Learner = Callable[[Array, Array, Array], Array]


# --------------------------------------------------------------------------- learners


def _check_batch(x_train: Array, y_train: Array, x_test: Array) -> tuple[Array, Array, Array]:
    x_train = np.asarray(x_train, dtype=float)
    x_test = np.asarray(x_test, dtype=float)
    y_train = np.atleast_2d(np.asarray(y_train))
    if y_train.shape[1] != len(x_train):
        raise ValueError(f"y_train must have one column per training point ({len(x_train)}), got shape {y_train.shape}")
    return x_train, y_train, x_test


def nearest_neighbour(x_train: Array, y_train: Array, x_test: Array) -> Array:
    """1-nearest neighbour on the line (ties go to the left neighbour)."""
    x_train, y_train, x_test = _check_batch(x_train, y_train, x_test)
    d = np.abs(x_test[:, None] - x_train[None, :])
    d = d + 1e-9 * (x_train[None, :] > x_test[:, None])  # tie-break: prefer the left point
    return y_train[:, np.argmin(d, axis=1)].astype(np.int64)


def constant_learner(x_train: Array, y_train: Array, x_test: Array) -> Array:
    """Ignores the data and predicts label 0 everywhere."""
    x_train, y_train, x_test = _check_batch(x_train, y_train, x_test)
    return np.zeros((y_train.shape[0], len(x_test)), dtype=np.int64)


def majority_learner(x_train: Array, y_train: Array, x_test: Array) -> Array:
    """Predicts the majority training label everywhere (ties: 0)."""
    x_train, y_train, x_test = _check_batch(x_train, y_train, x_test)
    maj = (2 * y_train.sum(axis=1) > y_train.shape[1]).astype(np.int64)
    return np.repeat(maj[:, None], len(x_test), axis=1)


def perverse_learner(x_train: Array, y_train: Array, x_test: Array) -> Array:
    """Deliberately perverse: predicts the *opposite* of its nearest neighbour."""
    return 1 - nearest_neighbour(x_train, y_train, x_test)


def mlp_learner(hidden: int = 16, steps: int = 300, lr: float = 0.05, seed: int = 0) -> Learner:
    """A one-hidden-layer tanh MLP trained with the book's Adam on cross-entropy;
    predicts 1 where the logit is positive. Inputs are rescaled to [-1, 1]."""
    hidden = check_int(hidden, "hidden", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    net = MLP((1, hidden, 1))

    def predict(x_train: Array, y_train: Array, x_test: Array) -> Array:
        x_train, y_train, x_test = _check_batch(x_train, y_train, x_test)
        lo, hi = min(x_train.min(), x_test.min()), max(x_train.max(), x_test.max())
        scale = (hi - lo) / 2 or 1.0
        f = lambda x: ((x - lo) / scale - 1.0)[:, None]  # noqa: E731
        theta, _ = train_mlp(net, f(x_train), y_train, steps=steps, lr=lr, seed=seed)
        return (mlp_logits(net, theta, f(x_test)) > 0).astype(np.int64)

    predict.__name__ = f"mlp_learner(hidden={hidden})"
    return predict


#: The chapter's learners, by display name.
LEARNERS: dict[str, Learner] = {
    "nearest neighbour": nearest_neighbour,
    "MLP (Adam)": mlp_learner(),
    "constant 0": constant_learner,
    "majority vote": majority_learner,
    "perverse (anti-NN)": perverse_learner,
}


# --------------------------------------------------------------------------- targets and the theorem


def all_labelings(n_points: int) -> Array:
    """All ``2^N`` labelings of ``N`` points, one per row (row ``k`` is ``k`` in binary)."""
    n = check_int(n_points, "n_points", minimum=1, maximum=16)
    k = np.arange(2**n)
    return ((k[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int64)


def smooth_labelings(n_points: int, max_changes: int = 1) -> Array:
    """Labelings with at most ``max_changes`` label changes between neighbours on the line."""
    n = check_int(n_points, "n_points", minimum=1, maximum=16)
    c = check_int(max_changes, "max_changes", minimum=0, maximum=n - 1)
    L = all_labelings(n)
    changes = np.abs(np.diff(L, axis=1)).sum(axis=1)
    return L[changes <= c]


def default_train_indices(n_points: int) -> Array:
    """The chapter's training set: every other point, starting at 0."""
    n = check_int(n_points, "n_points", minimum=2, maximum=16)
    return np.arange(0, n, 2)


def _split(n_points: int, train_idx: Sequence[int] | None) -> tuple[Array, Array]:
    n = check_int(n_points, "n_points", minimum=2, maximum=16)
    tr = default_train_indices(n) if train_idx is None else np.asarray(sorted(set(int(i) for i in train_idx)))
    if len(tr) == 0 or len(tr) == n or tr.min() < 0 or tr.max() >= n:
        raise ValueError(f"train_idx must be a non-empty proper subset of range({n}), got {list(tr)}")
    te = np.setdiff1d(np.arange(n), tr)
    return tr, te


def off_training_accuracies(learner: Learner, targets: Array, train_idx: Sequence[int] | None = None) -> list[Fraction]:
    """Run ``learner`` on every target labeling (rows of ``targets``); return the exact
    off-training-set accuracy for each as a :class:`Fraction`."""
    targets = np.atleast_2d(np.asarray(targets, dtype=np.int64))
    tr, te = _split(targets.shape[1], train_idx)
    x = np.arange(targets.shape[1], dtype=float)
    pred = np.asarray(learner(x[tr], targets[:, tr], x[te]))
    if pred.shape != (len(targets), len(te)):
        raise ValueError(f"learner returned shape {pred.shape}, expected {(len(targets), len(te))}")
    correct = (pred == targets[:, te]).sum(axis=1)
    return [Fraction(int(c), len(te)) for c in correct]


def nfl_average(learner: Learner, n_points: int = 8, train_idx: Sequence[int] | None = None,
                targets: Array | None = None) -> Fraction:
    """Exact average off-training-set accuracy over ``targets`` (default: all ``2^N``)."""
    T = all_labelings(n_points) if targets is None else targets
    accs = off_training_accuracies(learner, T, train_idx)
    return sum(accs, Fraction(0)) / len(accs)


@dataclass
class NFLResult:
    """Exact averages per learner: over all labelings, over the smooth family, over the rest."""

    n_points: int
    train_idx: Array
    max_changes: int
    names: list[str]
    all_avg: list[Fraction]
    smooth_avg: list[Fraction]
    rest_avg: list[Fraction | None]  # None when the smooth family is everything
    n_all: int
    n_smooth: int
    histograms: list[dict[Fraction, int]] = field(default_factory=list)  # accuracy -> #labelings (all)


def nfl_experiment(n_points: int = 8, max_changes: int = 1, learners: dict[str, Learner] | None = None,
                   train_idx: Sequence[int] | None = None) -> NFLResult:
    """Run every learner on every labeling; average exactly over all, smooth and other targets."""
    learners = LEARNERS if learners is None else learners
    L = all_labelings(n_points)
    tr, _ = _split(n_points, train_idx)
    changes = np.abs(np.diff(L, axis=1)).sum(axis=1)
    c = check_int(max_changes, "max_changes", minimum=0, maximum=n_points - 1)
    smooth = changes <= c
    res = NFLResult(n_points, tr, c, list(learners), [], [], [], len(L), int(smooth.sum()))
    for name, learner in learners.items():
        accs = off_training_accuracies(learner, L, tr)
        mean = lambda xs: sum(xs, Fraction(0)) / len(xs) if xs else None  # noqa: E731
        res.all_avg.append(mean(accs))
        res.smooth_avg.append(mean([a for a, s in zip(accs, smooth) if s]))
        res.rest_avg.append(mean([a for a, s in zip(accs, smooth) if not s]))
        hist: dict[Fraction, int] = {}
        for a in accs:
            hist[a] = hist.get(a, 0) + 1
        res.histograms.append(dict(sorted(hist.items())))
    return res


def draw_nfl(res: NFLResult):
    """Grouped bars: average off-training accuracy over all targets vs smooth targets."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

    fig = new_figure(y_title="average off-training-set accuracy", height=420)
    fig.add_trace(go.Bar(x=res.names, y=[float(a) for a in res.all_avg], name=f"all {res.n_all} targets",
                         marker_color=color("theory"), text=[str(a) for a in res.all_avg], textposition="outside"))
    fig.add_trace(go.Bar(x=res.names, y=[float(a) for a in res.smooth_avg],
                         name=f"{res.n_smooth} smooth targets (≤ {res.max_changes} label change)",
                         marker_color=color("gd"), text=[f"{float(a):.2f}" for a in res.smooth_avg], textposition="outside"))
    fig.add_trace(go.Bar(x=res.names, y=[None if a is None else float(a) for a in res.rest_avg], name="the other targets",
                         marker_color=color("rmsprop"), text=["" if a is None else f"{float(a):.3f}" for a in res.rest_avg],
                         textposition="outside"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1.12])
    return fig


# --------------------------------------------------------------------------- "which data set looks noisier?"


@dataclass
class PairData:
    """Two small data sets: A looks noisy but is a noiseless periodic function,
    B looks clean but is a straight line plus noise."""

    xA: Array
    yA: Array
    xB: Array
    yB: Array
    freq_A: float
    noise_B: float
    show_fits: bool = True


def noisy_looking_pair(n: int = 40, seed: int = 0, freq: float = 7.3, noise: float = 0.15) -> PairData:
    """The lecture's pair of data sets, reconstructed.

    A: ``y = sin(2π f x)`` at ``n`` random ``x`` in [0, 1] with a high frequency ``f`` and
    **no noise**: sampled sparsely it looks like noise. B: ``y = 0.8 x - 0.4 + noise``.
    """
    n = check_int(n, "n", minimum=4)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    xA = np.sort(rng.uniform(0, 1, n))
    xB = np.sort(rng.uniform(0, 1, n))
    return PairData(xA, np.sin(2 * np.pi * freq * xA), xB, 0.8 * xB - 0.4 + noise * rng.normal(size=n), freq, noise)


def _fit_smooth(x: Array, y: Array, deg: int = 3) -> Callable[[Array], Array]:
    c = np.polyfit(x, y, deg)
    return lambda t: np.polyval(c, t)


def _fit_periodic(x: Array, y: Array, freqs: Array = np.linspace(0.5, 12.0, 2301)) -> tuple[Callable[[Array], Array], float]:
    best = (np.inf, None, 0.0)
    for f in freqs:
        M = np.column_stack([np.sin(2 * np.pi * f * x), np.cos(2 * np.pi * f * x), np.ones_like(x)])
        c, *_ = np.linalg.lstsq(M, y, rcond=None)
        r = float(np.sum((M @ c - y) ** 2))
        if r < best[0]:
            best = (r, c, f)
    _, c, f = best
    return (lambda t: c[0] * np.sin(2 * np.pi * f * t) + c[1] * np.cos(2 * np.pi * f * t) + c[2]), float(f)


def fit_pair(data: PairData, holdout: float = 0.25, seed: int = 1) -> dict[str, dict[str, float]]:
    """Fit both data sets with two priors and report held-out RMSE.

    * "smooth prior": cubic polynomial least squares;
    * "periodic prior": ``a sin(2πfx) + b cos(2πfx) + c`` with ``f`` found by a grid search;
    * "mean": the baseline that predicts the mean of the training points everywhere.

    The same random split (a fraction ``holdout`` held out) serves all three.
    Returns ``{"A": {"smooth": rmse, "periodic": rmse, "mean": rmse, "freq": f}, "B": {...}}``.
    """
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, float]] = {}
    for name, x, y in (("A", data.xA, data.yA), ("B", data.xB, data.yB)):
        idx = rng.permutation(len(x))
        k = max(1, int(round(holdout * len(x))))
        te, tr = idx[:k], idx[k:]
        sm = _fit_smooth(x[tr], y[tr])
        pe, f = _fit_periodic(x[tr], y[tr])
        rmse = lambda g: float(np.sqrt(np.mean((g(x[te]) - y[te]) ** 2)))  # noqa: E731
        mean = float(np.mean(y[tr]))
        out[name] = {"smooth": rmse(sm), "periodic": rmse(pe), "mean": rmse(lambda t: np.full(len(t), mean)), "freq": f}
    return out


def pair_demo(show_fits: bool = False, seed: int = 0) -> PairData:
    """The lecture's pair for a slider: ``show_fits=True`` lifts the "blue boxes"."""
    data = noisy_looking_pair(seed=seed)
    data.show_fits = bool(show_fits)
    return data


def draw_pair(data: PairData, show_fits: bool | None = None):
    """Side-by-side scatter of A and B and both priors' fits (empty traces when
    ``show_fits`` is false, so that every slider frame has the same traces)."""
    show_fits = data.show_fits if show_fits is None else show_fits
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

    fig = new_figure(cols=2, subplot_titles=("data set A", "data set B"), height=400, margin=dict(l=50, t=70, b=40))
    t = np.linspace(0, 1, 400)
    for col, (x, y) in enumerate(((data.xA, data.yA), (data.xB, data.yB)), start=1):
        fig.add_trace(go.Scatter(x=x.astype(np.float32), y=y.astype(np.float32), mode="markers", name="data",
                                 marker=dict(color="#222", size=6), showlegend=col == 1), row=1, col=col)
        sm = _fit_smooth(x, y)
        pe, _ = _fit_periodic(x, y)
        tt = t.astype(np.float32) if show_fits else np.zeros(0, np.float32)
        fig.add_trace(go.Scatter(x=tt, y=sm(tt).astype(np.float32), mode="lines",
                                 name="smooth prior (cubic)", line=dict(color=color("gd")), showlegend=col == 1), row=1, col=col)
        fig.add_trace(go.Scatter(x=tt, y=pe(tt).astype(np.float32), mode="lines",
                                 name="periodic prior (sinusoid)", line=dict(color=color("momentum"), dash="dot"),
                                 showlegend=col == 1), row=1, col=col)
    fig.update_layout(legend=dict(y=1.08))
    fig.update_yaxes(range=[-1.4, 1.4])
    return fig


# --------------------------------------------------------------------------- prior knowledge: translation invariance

MOTIF_A = np.array([1.0, 1.0, 0.0, 1.0])
MOTIF_B = np.array([1.0, 0.0, 1.0, 1.0])


def shift_task(length: int = 12, train_shifts: Sequence[int] = range(6), per_shift: int = 8,
               noise: float = 0.1, seed: int = 0) -> dict[str, Array]:
    """Patterns on a ring of ``length`` pixels: motif A or motif B placed at some shift,
    plus Gaussian noise. Training uses only ``train_shifts``; the test set uses the others.

    Returns dict with ``X_train, y_train, X_test, y_test`` (label 1 = motif A)."""
    length = check_int(length, "length", minimum=len(MOTIF_A))
    per_shift = check_int(per_shift, "per_shift", minimum=1)
    rng = np.random.default_rng(seed)
    train_shifts = sorted(set(int(s) % length for s in train_shifts))
    test_shifts = [s for s in range(length) if s not in train_shifts]
    if not test_shifts:
        raise ValueError("train_shifts must leave at least one shift for testing")

    def make(shifts: list[int]) -> tuple[Array, Array]:
        X, y = [], []
        for s in shifts:
            for lab, motif in ((1, MOTIF_A), (0, MOTIF_B)):
                for _ in range(per_shift):
                    v = np.zeros(length)
                    v[(s + np.arange(len(motif))) % length] = motif
                    X.append(v + noise * rng.normal(size=length))
                    y.append(lab)
        return np.array(X), np.array(y, dtype=float)

    Xtr, ytr = make(train_shifts)
    Xte, yte = make(test_shifts)
    return {"X_train": Xtr, "y_train": ytr, "X_test": Xte, "y_test": yte}


def _patches(X: Array, width: int) -> Array:
    L = X.shape[1]
    idx = (np.arange(L)[:, None] + np.arange(width)[None, :]) % L
    return X[:, idx]  # (n, L, width)


def _conv_loss_grad(theta: Array, P: Array, y: Array, K: int) -> tuple[float, Array]:
    n, L, w = P.shape
    Wk = theta[: w * K].reshape(w, K)
    c = theta[w * K: w * K + K]
    v = theta[w * K + K: w * K + 2 * K]
    d = theta[-1]
    Z = P @ Wk + c
    H = np.maximum(Z, 0.0)
    pooled = H.mean(axis=1)
    logit = pooled @ v + d
    loss = float(np.mean(np.logaddexp(0.0, logit) - y * logit))
    dl = (1.0 / (1.0 + np.exp(-logit)) - y) / n
    gv = pooled.T @ dl
    gd = dl.sum()
    dH = (dl[:, None] * v[None, :])[:, None, :] / L * (Z > 0)
    gW = np.einsum("nlw,nlk->wk", P, dH)
    gc = dH.sum(axis=(0, 1))
    return loss, np.concatenate([gW.ravel(), gc, gv, [gd]])


def _conv_logits(theta: Array, X: Array, width: int, K: int) -> Array:
    P = _patches(X, width)
    w = width
    Wk = theta[: w * K].reshape(w, K)
    c = theta[w * K: w * K + K]
    v = theta[w * K + K: w * K + 2 * K]
    return np.maximum(P @ Wk + c, 0.0).mean(axis=1) @ v + theta[-1]


def train_shift_models(task: dict[str, Array], steps: int = 400, lr: float = 0.05, seed: int = 0,
                       kernels: int = 4, width: int = 4) -> dict[str, dict[str, float]]:
    """Train a dense MLP and a weight-shared circular convolution (same hidden width) with
    the book's Adam; report parameter counts and train / test (unseen shifts) accuracy.

    The convolution with global average pooling is exactly shift-invariant: whatever it
    learns at the training shifts holds at every shift. The dense net has no such prior.
    """
    steps = check_int(steps, "steps", minimum=1)
    kernels = check_int(kernels, "kernels", minimum=1)
    width = check_int(width, "width", minimum=1)
    Xtr, ytr, Xte, yte = task["X_train"], task["y_train"], task["X_test"], task["y_test"]
    L = Xtr.shape[1]
    out: dict[str, dict[str, float]] = {}

    net = MLP((L, kernels * 2, 1), activation="relu")
    theta, _ = train_mlp(net, Xtr, ytr[None, :], steps=steps, lr=lr, seed=seed)
    acc = lambda logits, y: float(np.mean((logits > 0) == (y > 0.5)))  # noqa: E731
    out["dense MLP"] = {"params": net.n_params, "train": acc(mlp_logits(net, theta, Xtr)[0], ytr),
                        "test": acc(mlp_logits(net, theta, Xte)[0], yte)}

    rng = np.random.default_rng(seed)
    P = _patches(Xtr, width)
    theta = np.concatenate([rng.normal(0, np.sqrt(2 / (width + kernels)), width * kernels), np.full(kernels, 0.1),
                            rng.normal(0, 1.0, kernels), [0.0]])
    opt = adam(lr)
    state = opt.init(theta)
    for _ in range(steps):
        _, g = _conv_loss_grad(theta, P, ytr, kernels)
        upd, state = opt.update(g, state, theta)
        theta = apply_updates(theta, upd)
    out["shared-weight convolution"] = {"params": int(theta.size), "train": acc(_conv_logits(theta, Xtr, width, kernels), ytr),
                                        "test": acc(_conv_logits(theta, Xte, width, kernels), yte)}
    return out


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz(q_three_right: int, fits_found: int, labellings: int) -> Quiz:
    """The chapter's self-check: which statements on deep learning and No Free Lunch are true (with
    the chapter's MLP, which reproduced ``fits_found`` of the ``labellings`` labellings of its 4
    training points), the average off-training accuracy over all targets, and on how many of the 256
    targets a learner gets exactly 3 of the 4 off-training points right (``q_three_right``, counted by
    the chapter's experiment, :func:`nfl_experiment`)."""
    return quiz(
        Question(
                    "Take neural networks with many layers, optimized by backprop (with momentum or Adam), "
            "as an example of deep learning. Which statements are true? (The lecture's second statement, "
            "'Deep learning can fit everything', can be read two ways: both readings are listed.)",
            [
                ("Deep learning performs better than most other algorithms on real-world problems.", True,
                 "Empirically yes, on the problems we care about (images, sound, text). NFL does not forbid it: "
                 "real-world problems are a tiny, highly structured part of all possible problems."),
                            ("Deep learning can fit everything, read as: a large enough network can represent any "
                 "labelling of a finite training set.", True,
                 "With as many hidden units as training points any labelling can be represented (Zhang et al. "
                 "2017, Thm. 1); the 16-unit MLP above can represent all 16 labellings of its 4 training points."),
                ("Deep learning can fit everything, read as: training a given network always finds such a fit.",
                 False,
                 f"Representing is not finding: the 16-unit MLP above reproduces only {fits_found} of the "
                 f"{labellings} labellings of its 4 training points after 300 steps of Adam. And a fit says "
                 "nothing about the points not seen."),
                ("Deep learning performs better than other algorithms on all problems.", False,
                 "No Free Lunch: averaged over all problems every learner is at 1/2, so a win on some "
                 "problems is paid for on others."),
            ],
            multiple=True,
        ),
        Question(
            "A learner is trained on 4 of 8 points. Averaged over all 256 labelings, its accuracy on the "
            "other 4 points is ...",
            [
                ("1/2, whatever the learner does", True,
                 "For each training labeling the 16 possible test labelings agree with any fixed prediction "
                 "half of the time, point by point."),
                ("higher for a well-tuned MLP than for a constant predictor", False,
                 "The table above: both are exactly 1/2."),
                            ("it depends on which 4 points are used for training", False,
                 "The argument never uses which points are in the training set."),
            ],
            multiple=False,
        ),
        NumericQuestion(
            "Same setting: on how many of the 256 targets does a learner get exactly 3 of the 4 off-training "
            "points right?",
            q_three_right, 0, unit="targets",
            explanation=f"Each of the 16 training labellings leaves all 2⁴ = 16 labellings of the test points "
                        f"possible, and C(4, 3) = 4 of them agree with the prediction on exactly 3 points: "
                        f"16 · 4 = {q_three_right}, for every learner (the table above).",
        ),
    )
