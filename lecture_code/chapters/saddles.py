"""Why saddles dominate: the coin-flip and random-matrix arguments, and gradient descent near a saddle.

Contents (each a pure function returning data, with a ``draw_*`` function for the figure)::

    from lecture_code.chapters.saddles import prob_all_positive, simulate_signs
                                      semicircle_index, spectrum_demo,       # random matrices
                                      saddle_gd, steps_to_escape,            # GD on x1² − x2²
                                      stuck_run, escape_run)                 # a real small MLP

Random-matrix model (the "modern statistical view" of the lecture): the Hessian at a
critical point of loss ``ε`` (scaled to ``[0, 1]``) is ``H = W / sqrt(N) + μ(ε) I`` with ``W`` a
GOE matrix (eigenvalues fill the semicircle on ``[-2, 2]``) and a shift ``μ(ε) = 2 (1 − 2ε)``
that decreases with the loss: at ``ε = 0`` all eigenvalues are ``>= 0`` (a minimum), at
``ε = 1/2`` half are negative. The index (fraction of negative eigenvalues) is the semicircle
distribution function at ``−μ(ε)``, which grows like ``ε^{3/2}`` near the bottom -- the
``α ∝ (ε/ε_c − 1)^{3/2}`` law of Pennington & Bahri (2017) quoted in the lecture.

----

Deep linear networks: non-convex, yet every local minimum is global.

* **The lecture's scalar chains** ``L(w) = (1 − w1 w2 ⋯ wD)²`` (one training example ``x = 1``,
  target ``1``, depth ``D``) with analytic gradient and Hessian: at the origin the Hessian is
  ``[[0, −2], [−2, 0]]`` for ``D = 2`` (a saddle with eigenvalue −2: easy to escape) and the zero
  matrix for ``D >= 3`` (a flat, "bad" saddle the second-order test cannot see).
* **Matrix networks** ``L(W) = ‖Y − W_H ⋯ W_1 X‖_F²`` trained from many random initialisations,
  compared with the best rank-constrained linear map (Kawaguchi 2016; Lu & Kawaguchi 2017:
  every local minimum is global).
* **Linear ResNets** ``L(W) = ‖R − (I + W_H) ⋯ (I + W_1)‖_F²`` (the population loss for
  ``x ~ N(0, I)`` up to the noise constant; Hardt & Ma 2016): critical points with all
  ``‖W_k‖ < 1`` are global; a global minimum with ``‖W_k‖ = O(1/H)`` exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from scipy.linalg import expm, logm

from lecture_code.core.mlp import MLPRegression
from lecture_code.core.optimizers import sgd
from lecture_code.core.plotting import BookFigure, color, contour_trace, new_figure, status_annotation
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.runner import run
from lecture_code.core.surfaces import get_surface, grid
from lecture_code.core.validate import check_int

__all__ = [
    "prob_all_positive",
    "prob_index",
    "simulate_signs",
    "goe",
    "semicircle_cdf",
    "semicircle_index",
    "loss_shift",
    "Spectrum",
    "spectrum_demo",
    "draw_spectrum",
    "SaddleRun",
    "saddle_gd",
    "steps_to_escape",
    "draw_saddle",
    "TrainingTrace",
    "stuck_run",
    "escape_run",
    "draw_trace",
    "draw_coin_flips",
    "IndexModel",
    "index_vs_loss_model",
    "draw_index_vs_loss_model",
    "load_critical_points",
    "draw_index_vs_loss",
    "DownhillPath",
    "follow_downhill",
    "draw_downhill",
    "chain_loss",
    "chain_grad",
    "chain_hessian",
    "chain_gd",
    "ChainRun",
    "shallow_optimum",
    "deep_linear_loss",
    "train_deep_linear",
    "resnet_loss",
    "resnet_grad",
    "train_resnet",
    "resnet_small_norm_solution",
    "find_resnet_critical_point",
    "resnet_critical_survey",
    "draw_chain_runs",
    "draw_resnet_survey",
    "KickRun",
    "kick_demo",
    "draw_kicks",
    "load_perturbed_gd",
    "escape_slopes",
    "ESCAPE_FIT_FROM",
    "draw_escape_times",
    "deep_linear_hessian",
    "strict_saddle_evidence",
    "conjecture_quiz",
]


# ------------------------------------------------------------------------------ coin flips


def prob_all_positive(N: int, p: float = 0.5) -> float:
    """Chance that all ``N`` eigenvalue signs are positive when each is positive with prob. ``p``."""
    N = check_int(N, "N", 1)
    if not 0 <= p <= 1:
        raise ValueError(f"p must be in [0, 1], got {p}")
    return p**N


def prob_index(N: int, k: int, p: float = 0.5) -> float:
    """Chance of exactly ``k`` negative signs out of ``N`` (a k-th order saddle): binomial."""
    N = check_int(N, "N", 1)
    k = check_int(k, "k", 0)
    if k > N:
        raise ValueError(f"k must be in [0, N={N}], got {k}")
    return math.comb(N, k) * (1 - p) ** k * p ** (N - k)


def goe(N: int, rng: np.random.Generator) -> np.ndarray:
    """A GOE matrix scaled so that its spectrum fills the semicircle on [−2, 2] for large ``N``."""
    A = rng.standard_normal((N, N))
    return (A + A.T) / math.sqrt(2 * N)


def simulate_signs(N: int, trials: int = 100_000, seed: int = 0) -> dict[str, float]:
    """Monte Carlo of the coin-flip argument for ``N`` eigenvalues.

    Returns the fraction of trials in which all eigenvalues are positive (a minimum) for
    (a) independent signs (``N`` fair coins) and (b) the eigenvalues of a random symmetric
    (GOE) matrix, where eigenvalues repel and a minimum is rarer still; and the exact ``2^-N``.
    """
    N = check_int(N, "N", 1)
    trials = check_int(trials, "trials", 1)
    rng = np.random.default_rng(seed)
    coins = float(np.mean(np.all(rng.random((trials, N)) < 0.5, axis=1)))
    m = min(trials, 20_000)
    A = rng.standard_normal((m, N, N))
    lam_min = np.linalg.eigvalsh((A + np.swapaxes(A, 1, 2)) / 2)[:, 0]
    return {"N": N, "exact": 0.5**N, "coins": coins, "goe": float(np.mean(lam_min > 0)), "goe_trials": m}


# ------------------------------------------------------------------------------ random matrices


def semicircle_cdf(x: np.ndarray | float) -> np.ndarray:
    """Distribution function of the semicircle law on [−2, 2]."""
    x = np.clip(np.asarray(x, dtype=float), -2.0, 2.0)
    return 0.5 + x * np.sqrt(4 - x**2) / (4 * math.pi) + np.arcsin(x / 2) / math.pi


def loss_shift(loss: np.ndarray | float) -> np.ndarray:
    """Shift ``μ(ε) = 2 (1 − 2ε)`` of the Hessian spectrum at loss level ``ε`` in [0, 1]."""
    loss = np.asarray(loss, dtype=float)
    if np.any((loss < 0) | (loss > 1)):
        raise ValueError(f"loss must be in [0, 1], got {loss}")
    return 2.0 * (1.0 - 2.0 * loss)


def semicircle_index(loss: np.ndarray | float) -> np.ndarray:
    """Fraction of negative eigenvalues of ``W/√N + μ(ε) I`` for large ``N``: ``F(−μ(ε))``."""
    return semicircle_cdf(-loss_shift(loss))


@dataclass
class Spectrum:
    """Eigenvalues of one random Hessian at one loss level."""

    N: int
    loss: float
    eigenvalues: np.ndarray
    index: float
    predicted_index: float


def spectrum_demo(loss: float, N: int = 200, seed: int = 0) -> Spectrum:
    """Eigenvalues of ``H = W/√N + μ(loss) I`` for one GOE draw ``W`` (the same draw for every loss)."""
    N = check_int(N, "N", 1)
    shift = float(loss_shift(loss))
    lam = np.linalg.eigvalsh(goe(N, np.random.default_rng(seed))) + shift
    return Spectrum(N, float(loss), lam.astype(np.float32), float(np.mean(lam < 0)),
                    float(semicircle_index(loss)))


_BINS = np.linspace(-4.5, 4.5, 46)


def draw_spectrum(s: Spectrum) -> go.Figure:
    """Histogram of the eigenvalues, the semicircle prediction and the index."""
    fig = new_figure(x_title="eigenvalue λ", y_title="density", height=380)
    counts, edges = np.histogram(s.eigenvalues, bins=_BINS, density=True)
    mid = 0.5 * (edges[1:] + edges[:-1])
    neg = mid < 0
    fig.add_trace(go.Bar(x=mid.astype(np.float32), y=np.where(neg, counts, 0).astype(np.float32),
                         width=edges[1] - edges[0], name="λ < 0 (directions down)", marker_color=color("saddle")))
    fig.add_trace(go.Bar(x=mid.astype(np.float32), y=np.where(neg, 0, counts).astype(np.float32),
                         width=edges[1] - edges[0], name="λ > 0 (directions up)", marker_color=color("minimum")))
    x = np.linspace(-2, 2, 201)
    shift = float(loss_shift(s.loss))
    fig.add_trace(go.Scatter(x=(x + shift).astype(np.float32), y=(np.sqrt(4 - x**2) / (2 * math.pi)).astype(np.float32),
                             mode="lines", name="semicircle law", line=dict(color=color("theory"), dash="dash")))
    fig.update_layout(barmode="overlay", bargap=0,
                      annotations=[status_annotation(
                          f"loss ε = {s.loss:.2f}: index = {s.index:.3f} (semicircle: {s.predicted_index:.3f})")])
    fig.update_xaxes(range=[-4.5, 4.5])
    fig.update_yaxes(range=[0, 0.45])
    return fig


# ------------------------------------------------------------------------------ GD near x1² − x2²


@dataclass
class SaddleRun:
    """A gradient-descent path on ``f = x1² − x2²``."""

    path: np.ndarray  # (steps+1, 2) float32
    lr: float
    noise: float
    x2_start: float
    escape_step: int | None  # first step with |x2| >= 1 (None: never within the run)
    near_saddle_steps: int  # steps spent within distance 0.1 of the saddle


def steps_to_escape(x2_start: float, lr: float = 0.1, radius: float = 1.0) -> float:
    """Noise-free steps until ``|x2|`` reaches ``radius``: x2 grows by ``(1 + 2 lr)`` per step.

    ``inf`` for a start exactly on the stable manifold ``x2 = 0``.
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if x2_start == 0:
        return math.inf
    return max(0.0, math.ceil(math.log(radius / abs(x2_start)) / math.log(1 + 2 * lr)))


def saddle_gd(x2_start: float, noise: float = 0.0, lr: float = 0.1, steps: int = 80, x1_start: float = 1.0,
              seed: int = 0) -> SaddleRun:
    """Gradient descent on Goodfellow's saddle ``x1² − x2²`` from ``(x1_start, x2_start)``.

    ``noise`` is the standard deviation of Gaussian noise added to every gradient (a stand-in
    for minibatch noise). The run stops early once ``|x2| > 3`` (it has left the saddle for good).
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    steps = check_int(steps, "steps", 1)
    surf = get_surface("saddle_x1x2")
    noise_steps = noise * np.random.default_rng(seed).standard_normal((steps, 2))
    p = run(sgd(lr), surf, (x1_start, x2_start), steps, noise=noise_steps).points
    left = np.flatnonzero(np.abs(p[1:, 1]) > 3)
    if left.size:
        p = p[:left[0] + 2]  # up to the first iterate that has left for good
    reached = np.flatnonzero(np.abs(p[1:, 1]) >= 1.0)
    escape = int(reached[0]) + 1 if reached.size else None
    near = int(np.sum(np.linalg.norm(p, axis=1) < 0.1))
    return SaddleRun(p.astype(np.float32), lr, noise, x2_start, escape, near)


_SADDLE_GRID = None


def draw_saddle(run: SaddleRun) -> go.Figure:
    """Contours of x1² − x2², the path, and how long it stayed near the saddle."""
    global _SADDLE_GRID
    if _SADDLE_GRID is None:
        _SADDLE_GRID = grid(get_surface("saddle_x1x2"), 41, window=((-1.2, 1.2), (-1.6, 1.6)))
    xs, ys, zs = _SADDLE_GRID
    fig = new_figure(x_title="x1", y_title="x2", height=440)
    fig.add_trace(contour_trace(xs, ys, zs, levels=20))
    p = np.clip(run.path, -1.6, 1.6)
    fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers", name="gradient descent",
                             line=dict(color=color("gd"), width=2), marker=dict(size=4)))
    fig.add_trace(go.Scatter(x=[0.0], y=[0.0], mode="markers", name="saddle",
                             marker=dict(color=color("saddle"), size=12, symbol="x")))
    if run.escape_step is None:
        msg = f"no escape in {len(run.path) - 1} steps; {run.near_saddle_steps} steps within 0.1 of the saddle"
    else:
        msg = f"escaped (|x2| ≥ 1) at step {run.escape_step}; {run.near_saddle_steps} steps within 0.1 of the saddle"
    fig.update_layout(annotations=[status_annotation(msg, warn=run.escape_step is None)])
    fig.update_xaxes(range=[-1.2, 1.2])
    fig.update_yaxes(range=[-1.6, 1.6])
    return fig


# ------------------------------------------------------------------------------ real MLP runs


@dataclass
class TrainingTrace:
    """Loss and gradient norm along a training run."""

    label: str
    loss: np.ndarray  # float32 (steps+1,)
    grad_norm: np.ndarray  # float32 (steps+1,)


def stuck_run(lr: float = 0.5, steps: int = 3000, hidden: int = 8, seed: int = 1) -> TrainingTrace:
    """Full-batch gradient descent, ``run(sgd(lr), ...)``, on the small tanh MLP's regression loss
    (:class:`lecture_code.core.mlp.MLPRegression`).

    Records the loss and the norm of the full gradient at every step. With a learning rate
    near the edge of stability the loss stops improving (it fluctuates, with spikes) while the
    gradient norm grows: the iterate bounces across a narrow valley instead of sitting at a
    critical point. A run that diverges
    stops there (the runner's rule: a parameter beyond 1e6 or not finite).
    """
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    steps = check_int(steps, "steps", 1)
    problem = MLPRegression.default(hidden=hidden)
    t = run(sgd(lr), problem, problem.init(np.random.default_rng(seed)), steps)
    return TrainingTrace(f"GD, η = {lr:g}", t.losses.astype(np.float32), t.grad_norms.astype(np.float32))


def escape_run(theta0: np.ndarray, batch: int | None, lr: float = 0.05, steps: int = 2000, hidden: int = 8,
               seed: int = 0) -> TrainingTrace:
    """Gradient descent (``batch=None``) or minibatch SGD (``batch`` examples) started at ``theta0``.

    Started at a saddle found by :func:`lecture_code.core.critical.find_critical_point`,
    full-batch GD stays (its gradient is ~1e-12), SGD's noisy gradients push it off.
    The recorded gradient norm is always that of the *full* loss. Each step is ``sgd(lr)``'s
    update; the loop is written out because the gradient it steps along (a minibatch's) is not
    the one it records, which :func:`~lecture_code.core.runner.run` would.
    """
    problem = MLPRegression.default(hidden=hidden)
    N = len(problem.y)
    if batch is not None:
        batch = check_int(batch, "batch", 1)
        if batch > N:
            raise ValueError(f"batch must be <= {N}, got {batch}")
    steps = check_int(steps, "steps", 1)
    rng = np.random.default_rng(seed)
    theta = np.array(theta0, dtype=float)
    problem.unpack(theta)
    opt = sgd(lr)
    state = opt.init(theta)
    losses, gns = [], []
    for _ in range(steps + 1):
        g = problem.grad(theta)
        losses.append(problem.f(theta))
        gns.append(float(np.linalg.norm(g)))
        if batch is not None:
            idx = rng.choice(N, size=batch, replace=False)
            g = MLPRegression(problem.X[idx], problem.y[idx], hidden).grad(theta)
        u, state = opt.update(g, state, theta)
        theta = theta + u
    label = "full-batch GD" if batch is None else f"SGD, batch {batch}"
    return TrainingTrace(label, np.array(losses, np.float32), np.array(gns, np.float32))


def draw_trace(*traces: TrainingTrace, log_loss: bool = True) -> go.Figure:
    """Loss (left panel) and gradient norm (right panel) against the step for some runs."""
    fig = new_figure(cols=2, subplot_titles=("loss", "gradient norm ‖∇L‖"), x_title="step", height=380, legend="below")
    for i, tr in enumerate(traces):
        stride = max(1, len(tr.loss) // 400)  # keep the page small: at most ~400 points per curve
        steps = np.arange(len(tr.loss), dtype=np.float32)[::stride]
        fig.add_trace(go.Scatter(x=steps, y=tr.loss[::stride], name=tr.label, line=dict(color=color(i))), 1, 1)
        fig.add_trace(go.Scatter(x=steps, y=tr.grad_norm[::stride], name=tr.label, showlegend=False,
                                 line=dict(color=color(i))), 1, 2)
    if log_loss:
        fig.update_yaxes(type="log", exponentformat="power")
    return fig


# ------------------------------------------------------------------------------ more figures


def draw_coin_flips(Ns, simulated: list[dict]) -> go.Figure:
    """Chance of a minimum against the number of eigenvalues: 2^-N, coins and GOE simulations."""
    Ns = np.asarray(list(Ns))
    fig = new_figure(x_title="number of parameters N", y_title="chance that a critical point is a minimum",
                     height=380, yaxis_type="log")
    fig.update_yaxes(exponentformat="power")
    fig.add_trace(go.Scatter(x=Ns, y=0.5**Ns, mode="lines", name="2^−N (independent coins)",
                             line=dict(color=color("theory"))))
    sim = {r["N"]: r for r in simulated}
    xs = [n for n in Ns if sim.get(n, {}).get("coins", 0) > 0]
    fig.add_trace(go.Scatter(x=xs, y=[sim[n]["coins"] for n in xs], mode="markers", name="simulated coins",
                             marker=dict(color=color(0), size=9)))
    xs = [n for n in Ns if sim.get(n, {}).get("goe", 0) > 0]
    fig.add_trace(go.Scatter(x=xs, y=[sim[n]["goe"] for n in xs], mode="markers+lines",
                             name="random symmetric matrix (GOE): all λ > 0",
                             marker=dict(color=color("saddle"), size=9, symbol="diamond")))
    return fig


@dataclass(frozen=True)
class IndexModel:
    N: int
    eps: np.ndarray        # loss levels of the theory curve
    theory: np.ndarray     # semicircle law α(ε)
    sim_eps: np.ndarray    # loss levels of the simulated matrices (one per seed and level)
    simulated: np.ndarray  # their index
    c: float               # α ≈ c ε^(3/2) near the bottom


def index_vs_loss_model(N: int = 200, seeds: int = 3) -> IndexModel:
    """Index against loss in the shifted-semicircle model: the law and ``seeds`` random matrices per level."""
    eps = np.linspace(0, 1, 41)
    sims = np.array([[spectrum_demo(float(e), N=N, seed=s).index for e in eps[::4]] for s in range(seeds)])
    return IndexModel(int(N), eps, semicircle_index(eps), np.repeat(eps[::4][None], seeds, 0).ravel(), sims.ravel(),
                      float(semicircle_index(0.1) / 0.1**1.5))


def draw_index_vs_loss_model(m: IndexModel) -> BookFigure:
    """Theory curve, simulated matrices and the ε^(3/2) law near the bottom."""
    fig = new_figure(x_title="loss level ε", y_title="index α (fraction of negative eigenvalues)", height=380)
    fig.add_trace(go.Scatter(x=m.eps, y=m.theory, mode="lines", name="semicircle law",
                             line=dict(color=color("theory"))))
    fig.add_trace(go.Scatter(x=m.sim_eps, y=m.simulated, mode="markers",
                             name=f"simulated, N = {m.N}", marker=dict(color=color("saddle"), size=7)))
    small = m.eps[m.eps <= 0.2]
    fig.add_trace(go.Scatter(x=small, y=m.c * small**1.5, mode="lines", name="∝ ε^(3/2) near the bottom",
                             line=dict(color=color("accent"), dash="dot", width=3)))
    return fig


def load_critical_points(path: str | None = None) -> dict:
    """The committed result of ``scripts/find_critical_points.py`` (``lecture_code/data/critical_points.json``)."""
    import json
    from pathlib import Path

    p = Path(path) if path is not None else Path(__file__).resolve().parents[1] / "data" / "critical_points.json"
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run `.venv/bin/python scripts/find_critical_points.py`")
    return json.loads(p.read_text())


def draw_index_vs_loss(data: dict):
    """Index against loss of the found critical points, one marker per distinct point (size = how often found).

    One colour per network width; circles for points found by the Newton-type search, squares for
    the ends of training runs.
    """
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

    fig = new_figure(x_title="loss (mean squared error)", y_title="index α = fraction of negative eigenvalues",
                     height=440, xaxis_type="log", legend="inside")
    for i, net in enumerate(data["nets"]):
        for trained in (False, True):
            groups: dict[tuple, list] = {}
            for p in net["points"]:
                if (p["start"] == "trained") == trained:
                    groups.setdefault((round(p["loss"], 5), round(p["index"], 4)), []).append(p)
            keys = sorted(groups)
            fig.add_trace(go.Scatter(
                x=[k[0] for k in keys], y=[k[1] for k in keys], mode="markers",
                name=f"{net['hidden']} hidden units ({net['n_params']} parameters): "
                     + ("end of a training run" if trained else "critical point (Newton/LM)"),
                marker=dict(color=color(i), symbol="square" if trained else "circle", opacity=0.8,
                            size=[6 + 3 * math.log2(len(groups[k])) for k in keys], line=dict(width=1, color="white")),
                text=[f"found {len(groups[k])}×, {groups[k][0]['n_negative']} negative and "
                      f"{groups[k][0]['n_zero']} zero eigenvalues of {net['n_params']}" for k in keys],
                hovertemplate="loss %{x:.4g}, index %{y:.3f}<br>%{text}<extra></extra>"))
    return fig


@dataclass(frozen=True)
class DownhillPath:
    """Where trust-region Newton descent goes from a point (:func:`follow_downhill`).

    ``loss`` and ``grad_norm`` per iteration (index 0 = the start); for the ``k`` units whose
    output weights grow most: ``units`` (their indices), ``out_weights`` (iterations, k) signed
    so that all k incoming vectors point the same way (tanh is odd: ``(U, a)`` and ``(−U, −a)``
    are the same unit), and ``spread`` (iterations,) the largest distance between their
    aligned incoming vectors ``(w_j, b_j)``.
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    units: np.ndarray
    out_weights: np.ndarray
    spread: np.ndarray


def follow_downhill(theta: np.ndarray, hidden: int, iterations: int = 300, k: int = 3) -> DownhillPath:
    """Minimise the loss of :meth:`MLPRegression.default(hidden) <lecture_code.core.mlp.MLPRegression.default>`
    from ``theta`` by ``iterations`` trust-region Newton steps with the exact Hessian (scipy's
    ``trust-exact``), recording every iterate.

    A test for a point the Hessian test cannot classify (zero eigenvalues, no negative one): if
    the loss keeps falling while weights grow without bound, the point is no minimum at finite
    weights. ``k`` units (those whose output weights grew most) are tracked.
    """
    from scipy.optimize import minimize

    iterations = check_int(iterations, "iterations", 1)
    net = MLPRegression.default(hidden=hidden)
    k = check_int(k, "k", 1, hidden)
    xs = [np.array(theta, dtype=float)]
    net.unpack(xs[0])  # shape check
    minimize(net.f, xs[0], jac=net.grad, hess=net.hessian, method="trust-exact",
             callback=lambda x: xs.append(np.array(x)), options=dict(gtol=1e-13, maxiter=iterations))
    parts = [net.unpack(x) for x in xs]
    U = np.array([u for u, _, _ in parts])  # (T, hidden, d+1)
    a = np.array([w for _, w, _ in parts])  # (T, hidden)
    units = np.sort(np.argsort(np.abs(a[-1]) / np.maximum(np.abs(a[0]), 1e-12))[-k:])
    ref = U[-1, units[0]]
    sign = np.sign(U[-1, units] @ ref)  # align every tracked unit with the first
    Ua = U[:, units] * sign[None, :, None]
    spread = np.array([max(np.linalg.norm(u[i] - u[j]) for i in range(k) for j in range(i)) if k > 1 else 0.0
                       for u in Ua])
    return DownhillPath(np.array([net.f(x) for x in xs]), np.array([np.linalg.norm(net.grad(x)) for x in xs]),
                        units, a[:, units] * sign[None, :], spread)


def draw_downhill(path: DownhillPath, reference: float | None = None) -> BookFigure:
    """Left: the loss along :func:`follow_downhill` (and a ``reference`` level). Right: the
    tracked units' output weights (absolute values) and the spread of their incoming vectors."""
    it = np.arange(1, len(path.loss) + 1, dtype=float)
    fig = new_figure(cols=2, subplot_titles=("loss", "the tracked units"), x_title="iteration + 1",
                     height=380, legend="below", xaxis_type="log", xaxis2_type="log")
    fig.add_trace(go.Scatter(x=it, y=path.loss, mode="lines", name="loss", line=dict(color=color("gd"))), 1, 1)
    if reference is not None:
        fig.add_hline(y=reference, line=dict(color=color("theory"), dash="dash"),
                      annotation_text=f"start {reference:.5f}", row=1, col=1)
    for i, j in enumerate(path.units):
        sign = "+" if path.out_weights[-1, i] > 0 else "−"
        fig.add_trace(go.Scatter(x=it, y=np.abs(path.out_weights[:, i]), mode="lines",
                                 name=f"|output weight| of unit {j} (sign {sign})", line=dict(color=color(i + 1))), 1, 2)
    fig.add_trace(go.Scatter(x=it, y=path.spread, mode="lines", name="largest distance between their (w, b)",
                             line=dict(color=color("theory"), dash="dot")), 1, 2)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    return fig


def _check_w(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.ndim != 1 or w.size < 1 or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be a finite 1-D array with >= 1 entry (one weight per layer), got shape {w.shape}")
    return w


def _prod_except(w: np.ndarray, skip: tuple[int, ...]) -> float:
    return float(np.prod([w[i] for i in range(len(w)) if i not in skip]))


def chain_loss(w) -> float:
    """``(1 − ∏ w_i)²``."""
    w = _check_w(w)
    return float((1 - np.prod(w)) ** 2)


def chain_grad(w) -> np.ndarray:
    """``∂L/∂w_i = −2 (1 − ∏w) ∏_{j≠i} w_j``."""
    w = _check_w(w)
    r = 1 - np.prod(w)
    return np.array([-2 * r * _prod_except(w, (i,)) for i in range(len(w))])


def chain_hessian(w) -> np.ndarray:
    """Analytic Hessian: ``H_ii = 2 (∏_{j≠i} w_j)²``, ``H_ij = 2 p_i p_j − 2 (1 − ∏w) ∏_{l≠i,j} w_l``."""
    w = _check_w(w)
    D = len(w)
    r = 1 - np.prod(w)
    p = np.array([_prod_except(w, (i,)) for i in range(D)])
    H = 2 * np.outer(p, p)
    for i in range(D):
        for j in range(D):
            if i != j:
                H[i, j] -= 2 * r * _prod_except(w, (i, j))
    return H


@dataclass
class ChainRun:
    """Gradient descent on a scalar chain."""

    depth: int
    losses: np.ndarray  # float32
    steps_to_half: int | None  # first step with loss < 0.5 (None: never)
    diverged_at: int | None


def chain_gd(depth: int, init_scale: float, lr: float = 0.05, steps: int = 400, seed: int = 0) -> ChainRun:
    """GD on ``(1 − w1⋯wD)²`` from ``w_i = init_scale · (1 + 0.1 ε_i)`` (all near the origin when small)."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    rng = np.random.default_rng(seed)
    w = init_scale * (1 + 0.1 * rng.standard_normal(depth))
    losses = [chain_loss(w)]
    half, div = None, None
    opt = sgd(lr)  # its update is the step; the loop stops where the loss, not a weight, blows up
    state = opt.init(w)
    for t in range(1, steps + 1):
        u, state = opt.update(chain_grad(w), state, w)
        w = w + u
        L = float((1 - np.prod(w)) ** 2) if np.all(np.isfinite(w)) else math.inf
        if not math.isfinite(L) or L > 1e6:
            div = t
            break
        losses.append(L)
        if half is None and L < 0.5:
            half = t
    return ChainRun(int(depth), np.array(losses, np.float32), half, div)


# ------------------------------------------------------------------------------ matrix nets


def shallow_optimum(X: np.ndarray, Y: np.ndarray, rank: int) -> float:
    """``min ‖Y − R X‖_F²`` over matrices ``R`` of rank ``<= rank`` (closed form via the SVD).

    With ``Ŷ = Y X⁺ X`` (the projection of ``Y``'s rows onto ``X``'s row space), the optimum is
    ``‖Y − Ŷ‖² + Σ_{i > rank} σ_i(Ŷ)²`` (Eckart-Young).
    """
    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X (d0, m) and Y (dH, m) must have the same number of columns, got {X.shape}, {Y.shape}")
    Yhat = Y @ np.linalg.pinv(X) @ X
    s = np.linalg.svd(Yhat, compute_uv=False)
    return float(np.sum((Y - Yhat) ** 2) + np.sum(s[rank:] ** 2))


def deep_linear_loss(Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """``‖Y − W_H ⋯ W_1 X‖_F²`` for ``Ws = [W_1, ..., W_H]``."""
    P = X
    for W in Ws:
        P = W @ P
    return float(np.sum((Y - P) ** 2))


def train_deep_linear(X: np.ndarray, Y: np.ndarray, widths: list[int], seed: int, lr: float = 1e-3,
                      steps: int = 20000, init_scale: float = 0.5) -> float:
    """Gradient descent on a deep linear network with layer widths ``[d0, *widths, dH]``; final loss."""
    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X (d0, m) and Y (dH, m) must have the same number of columns, got {X.shape}, {Y.shape}")
    if any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1 for w in widths):
        raise ValueError(f"widths must be integers >= 1, got {list(widths)}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    dims = [X.shape[0], *widths, Y.shape[0]]
    rng = np.random.default_rng(seed)
    Ws = [init_scale * rng.standard_normal((o, i)) / math.sqrt(i) for i, o in zip(dims[:-1], dims[1:])]
    opt = sgd(lr)  # one step of its update per layer matrix
    states = [opt.init(W) for W in Ws]
    for _ in range(steps):
        acts = [X]
        for W in Ws:
            acts.append(W @ acts[-1])
        G = -2 * (Y - acts[-1])  # dL/d(output)
        grads = []
        for k in range(len(Ws) - 1, -1, -1):
            grads.append(G @ acts[k].T)
            G = Ws[k].T @ G
        steps_ = [opt.update(g, st, W) for W, g, st in zip(Ws, reversed(grads), states)]
        Ws = [W + u for W, (u, _) in zip(Ws, steps_)]
        states = [st for _, st in steps_]
        if not all(np.all(np.isfinite(W)) for W in Ws):
            return math.inf
    return deep_linear_loss(Ws, X, Y)


# ------------------------------------------------------------------------------ linear ResNets


def _check_stack(Ws) -> np.ndarray:
    Ws = np.asarray(Ws, float)
    if Ws.ndim != 3 or Ws.shape[1] != Ws.shape[2]:
        raise ValueError(f"Ws must have shape (H, d, d), got {Ws.shape}")
    return Ws


def _check_R(R) -> np.ndarray:
    R = np.asarray(R, float)
    if R.ndim != 2 or R.shape[0] != R.shape[1] or not np.all(np.isfinite(R)):
        raise ValueError(f"R must be a finite square (d, d) matrix, got shape {R.shape}")
    return R


def _residual_product(Ws: np.ndarray) -> np.ndarray:
    d = Ws.shape[1]
    P = np.eye(d)
    for W in Ws:
        P = (np.eye(d) + W) @ P
    return P


def resnet_loss(Ws, R) -> float:
    """``‖R − (I + W_H) ⋯ (I + W_1)‖_F²`` (population loss minus the noise level)."""
    Ws = _check_stack(Ws)
    return float(np.sum((np.asarray(R) - _residual_product(Ws)) ** 2))


def resnet_grad(Ws, R) -> np.ndarray:
    """Gradient of :func:`resnet_loss`: ``−2 A_kᵀ (R − P) B_kᵀ`` with ``P = A_k (I + W_k) B_k``."""
    Ws = _check_stack(Ws)
    if np.shape(R) != Ws.shape[1:]:
        raise ValueError(f"R must have shape {Ws.shape[1:]} like the layers, got {np.shape(R)}")
    H, d, _ = Ws.shape
    I = np.eye(d)
    E = np.asarray(R) - _residual_product(Ws)
    # prefix products B_k = (I+W_{k-1})...(I+W_1), suffix A_k = (I+W_H)...(I+W_{k+1})
    B = [I]
    for k in range(H - 1):
        B.append((I + Ws[k]) @ B[-1])
    A = [I] * H
    acc = I
    for k in range(H - 1, -1, -1):
        A[k] = acc
        acc = acc @ (I + Ws[k])
    return np.array([-2 * A[k].T @ E @ B[k].T for k in range(H)])


def train_resnet(R, H: int, lr: float = 0.01, steps: int = 3000, init_scale: float = 0.0,
                 seed: int = 0) -> np.ndarray:
    """Gradient descent on the linear ResNet from ``W_k ~ init_scale · N(0, 1/d)``; returns ``Ws``."""
    R = _check_R(R)
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise ValueError(f"H must be an integer >= 1, got {H!r}")
    d = R.shape[0]
    rng = np.random.default_rng(seed)
    Ws = init_scale * rng.standard_normal((H, d, d)) / math.sqrt(d)
    opt = sgd(lr)
    state = opt.init(Ws)
    for _ in range(steps):
        u, state = opt.update(resnet_grad(Ws, R), state, Ws)
        Ws = Ws + u
    return Ws


def resnet_small_norm_solution(R, H: int) -> np.ndarray:
    """A global minimum with small layers: ``W_k = R^{1/H} − I = expm(logm(R)/H) − I`` (``R`` with a real log).

    Its spectral norm is about ``‖log R‖ / H``: Hardt & Ma's Theorem 2.
    """
    R = _check_R(R)
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise ValueError(f"H must be an integer >= 1, got {H!r}")
    L = logm(R)
    if np.max(np.abs(np.imag(L))) > 1e-9:
        raise ValueError("R must have a real matrix logarithm (e.g. symmetric positive definite)")
    W = np.real(expm(np.real(L) / H)) - np.eye(R.shape[0])
    return np.repeat(W[None], H, axis=0)


def find_resnet_critical_point(Ws0, R, max_iter: int = 200) -> np.ndarray:
    """Newton-type search for ``∇L = 0`` near ``Ws0`` (Levenberg-Marquardt, finite-difference Hessian)."""
    Ws = _check_stack(Ws0).copy()
    shape = Ws.shape
    mu = 1e-3

    def g(x):
        return resnet_grad(x.reshape(shape), R).ravel()

    x = Ws.ravel()
    gx = g(x)
    for _ in range(max_iter):
        gn = np.linalg.norm(gx)
        if gn < 1e-11:
            break
        P = x.size
        Hm = np.empty((P, P))
        for i in range(P):
            e = np.zeros(P)
            e[i] = 1e-6
            Hm[:, i] = (g(x + e) - g(x - e)) / 2e-6
        Hm = 0.5 * (Hm + Hm.T)
        lam, Q = np.linalg.eigh(Hm)
        for _ in range(30):
            step = -Q @ (lam * (Q.T @ gx) / (lam**2 + mu))
            gnew = g(x + step)
            if np.linalg.norm(gnew) < gn:
                x, gx = x + step, gnew
                mu = max(mu / 5, 1e-15)
                break
            mu *= 6
        else:
            break
    return x.reshape(shape)


def resnet_critical_survey(R, H: int, starts: int = 30, scale: float = 0.8, seed: int = 0) -> dict[str, np.ndarray]:
    """Critical points of the linear ResNet from ``starts`` random points ``W_k ~ scale · N(0, 1)``.

    Returns arrays ``loss``, ``max_norm`` (largest spectral norm ``max_k ‖W_k‖``) and
    ``grad_norm`` of the converged points (gradient norm < 1e-9) -- Hardt & Ma's theorem says
    every point with ``max_norm < 1`` has loss 0.
    """
    R = np.asarray(R, float)
    d = R.shape[0]
    rng = np.random.default_rng(seed)
    loss, norm, gn = [], [], []
    for _ in range(starts):
        Wc = find_resnet_critical_point(scale * rng.standard_normal((H, d, d)), R)
        g = float(np.linalg.norm(resnet_grad(Wc, R)))
        if g < 1e-9:
            loss.append(resnet_loss(Wc, R))
            norm.append(float(np.linalg.norm(Wc, 2, axis=(1, 2)).max()))
            gn.append(g)
    return {"loss": np.array(loss), "max_norm": np.array(norm), "grad_norm": np.array(gn)}


# ------------------------------------------------------------------------------ figures


def draw_chain_runs(runs: list[ChainRun]):
    """Loss curves of gradient descent on ``(1 − w1⋯wD)²`` for several depths."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

    fig = new_figure(x_title="step", y_title="loss (1 − w1⋯wD)²", height=380)
    for i, r in enumerate(runs):
        stride = max(1, len(r.losses) // 300)
        fig.add_trace(go.Scatter(x=np.arange(len(r.losses), dtype=np.float32)[::stride], y=r.losses[::stride],
                                 mode="lines", name=f"depth {r.depth}",
                                 line=dict(color=color(i))))
    return fig


def draw_resnet_survey(survey: dict[str, np.ndarray]):
    """Critical points of a linear ResNet: loss against the largest layer norm, with the line ‖W‖ = 1."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

    fig = new_figure(x_title="max_k ‖W_k‖ (spectral norm)", y_title="loss at the critical point", height=380)
    glob = survey["loss"] < 1e-12
    fig.add_trace(go.Scatter(x=survey["max_norm"][glob], y=np.zeros(glob.sum()), mode="markers",
                             name="global minimum (loss 0)", marker=dict(color=color("minimum"), size=9)))
    fig.add_trace(go.Scatter(x=survey["max_norm"][~glob], y=survey["loss"][~glob], mode="markers",
                             name="other critical points", marker=dict(color=color("saddle"), size=9, symbol="diamond")))
    top = float(max(1.0, survey["loss"].max() if len(survey["loss"]) else 1.0))
    fig.add_trace(go.Scatter(x=[1, 1], y=[0, top], mode="lines", name="‖W_k‖ = 1 (Hardt & Ma's bound)",
                             line=dict(color=color("theory"), dash="dash")))
    return fig


# ------------------------------------------------------------------------------ perturbed gradient descent
# (issue 21: Jin, Ge, Netrapalli, Kakade & Jordan 2017; the computation is lecture_code.core.escape)


@dataclass
class KickRun:
    """Gradient descent and perturbed gradient descent started exactly at the saddle of
    ``½ xᵀ diag(−1, 1, …, 1) x + ¼‖x‖⁴`` in ``d`` dimensions."""

    d: int
    radius: float
    lr: float
    gd_losses: np.ndarray       # (steps + 1,) float32: f(x_t) of plain GD (stays at 0)
    pgd_losses: np.ndarray      # (steps + 1, runs) float32
    escape_steps: np.ndarray    # (runs,) first step with f <= −0.005, −1 if never
    predicted: float            # linearised prediction of the mean escape step
    minimum: float              # f at the minima, −γ²/4


def kick_demo(d: int = 100, radius: float = 1e-3, runs: int = 12, steps: int = 250, lr: float = 0.1,
              seed: int = 0) -> KickRun:
    """Plain GD and perturbed GD (one kick of size ``radius`` whenever the gradient is below it),
    both from the saddle itself."""
    from lecture_code.core.escape import QuarticSaddle, gradient_descent, perturbed_gd, predicted_escape_steps

    f = QuarticSaddle(check_int(d, "d", 1))
    gd = gradient_descent(f, np.zeros(d), lr=lr, steps=steps)
    pgd = perturbed_gd(f, np.zeros((runs, d)), lr=lr, radius=radius, steps=steps, t_thres=steps, seed=seed)
    return KickRun(d, float(radius), lr, gd.losses[:, 0].astype(np.float32), pgd.losses.astype(np.float32),
                   pgd.escape_steps, predicted_escape_steps(d, radius, lr), f.minimum_value)


def draw_kicks(run: KickRun) -> go.Figure:
    """The loss of every perturbed run and of plain GD against the step, with the predicted escape step."""
    steps = np.arange(len(run.gd_losses), dtype=np.float32)
    esc = run.escape_steps[run.escape_steps >= 0]
    runs = len(run.escape_steps)
    if esc.size == runs:
        msg = f"d = {run.d}, r = {run.radius:g}: mean escape step {esc.mean():.0f} (predicted {run.predicted:.0f})"
    else:
        msg = f"d = {run.d}, r = {run.radius:g}: {esc.size} of {runs} runs escaped (predicted {run.predicted:.0f})"
    fig = new_figure(x_title="step", y_title="f(x_t)", height=420, legend="header", status=msg, warn=esc.size < runs)
    # the steps 0, 1, 2, ... as x0 and dx, not as an array per line: the slider's precomputed
    # frames stay half the size on the page
    for i in range(run.pgd_losses.shape[1]):
        fig.add_trace(go.Scatter(x0=0, dx=1, y=run.pgd_losses[:, i], mode="lines", name="perturbed GD (one line per run)",
                                 legendgroup="pgd", showlegend=i == 0,
                                 line=dict(color=color("adam", 0.55), width=1.5)))
    fig.add_trace(go.Scatter(x0=0, dx=1, y=run.gd_losses, mode="lines", name="gradient descent from the saddle (never moves)",
                             line=dict(color=color("gd"), width=3)))
    fig.add_trace(go.Scatter(x=[0.0, float(steps[-1])], y=[-0.005, -0.005], mode="lines",
                             name="escaped: f ≤ −0.005 (|x₁| ≈ 0.1)", line=dict(color=color("theory"), dash="dot", width=1)))
    fig.add_trace(go.Scatter(x=[run.predicted, run.predicted], y=[run.minimum * 1.05, 0.02], mode="lines",
                             name="predicted mean escape step", line=dict(color=color("theory"), dash="dash")))
    fig.update_yaxes(range=[run.minimum * 1.05, 0.02])
    fig.update_xaxes(range=[0, float(steps[-1])])
    return fig


def load_perturbed_gd(path: str | None = None) -> dict:
    """The committed result of ``scripts/perturbed_gd.py`` (``lecture_code/data/perturbed_gd.json``)."""
    import json
    from pathlib import Path

    p = Path(path) if path is not None else Path(__file__).resolve().parents[1] / "data" / "perturbed_gd.json"
    if not p.exists():
        raise FileNotFoundError(f"{p} is missing: run `.venv/bin/python scripts/perturbed_gd.py`")
    return json.loads(p.read_text())


ESCAPE_FIT_FROM = 8
"""Smallest dimension of the least-squares fit per doubling: below it a uniform kick's radius ``r U^{1/d}``
and its non-Gaussian component along ``e_1`` make a doubling cost less than the large-``d`` limit."""


def escape_slopes(data: dict) -> dict[str, float]:
    """Slopes of the mean escape step against ``log2 d`` and ``log10(1/r)``.

    ``per_doubling`` (and ``per_doubling_predicted``): least-squares slope over ``d >= ESCAPE_FIT_FROM``;
    ``per_doubling_overall``: (last mean − first mean) / number of doublings, over all dimensions;
    ``first_doubling``: the mean's increase from the first to the second dimension;
    ``per_decade``: least-squares slope per decade of ``r``; ``per_doubling_theory`` and
    ``per_decade_theory``: the linearised large-``d`` values ``½ ln 2 / ln(1 + ηγ)`` and ``ln 10 / ln(1 + ηγ)``;
    ``max_z``: the largest |mean − prediction| in standard errors."""
    lr = data["setup"]["lr"] * data["setup"]["gamma"]
    by_d = data["by_dimension"]
    dims = [r for r in by_d if r["d"] >= ESCAPE_FIT_FROM]      # the asymptotic regime
    x = np.log2([r["d"] for r in dims])
    radii = data["by_radius"]
    xr = -np.log10([r["radius"] for r in radii])
    return dict(
        fit_from=ESCAPE_FIT_FROM,
        per_doubling_overall=float((by_d[-1]["mean"] - by_d[0]["mean"]) / math.log2(by_d[-1]["d"] / by_d[0]["d"])),
        first_doubling=float((by_d[1]["mean"] - by_d[0]["mean"]) / math.log2(by_d[1]["d"] / by_d[0]["d"])),
        per_doubling=float(np.polyfit(x, [r["mean"] for r in dims], 1)[0]),
        per_doubling_predicted=float(np.polyfit(x, [r["predicted"] for r in dims], 1)[0]),
        per_doubling_theory=0.5 * math.log(2) / math.log1p(lr),
        per_decade=float(np.polyfit(xr, [r["mean"] for r in radii], 1)[0]),
        per_decade_theory=math.log(10) / math.log1p(lr),
        max_z=float(max(abs(r["mean"] - r["predicted"]) / (r["sd"] / math.sqrt(r["runs"]))
                        for r in data["by_dimension"] + radii)),
    )


def draw_escape_times(data: dict) -> go.Figure:
    """Mean escape step (± one standard deviation of the runs) against the dimension and against the
    kick radius, with the linearised prediction."""
    fig = new_figure(cols=2, subplot_titles=(f"against the dimension d (r = {data['setup']['radius']:g})",
                                             f"against the kick radius r (d = {data['setup']['d_fixed']})"),
                     y_title="steps to escape", height=400, legend="below")
    for col, rows, key in ((1, data["by_dimension"], "d"), (2, data["by_radius"], "radius")):
        x = np.array([r[key] for r in rows], dtype=float)
        fig.add_trace(go.Scatter(x=x, y=[r["mean"] for r in rows], mode="markers", name="measured mean ± sd",
                                 legendgroup="m", showlegend=col == 1,
                                 error_y=dict(type="data", array=[r["sd"] for r in rows], thickness=1),
                                 marker=dict(color=color("adam"), size=8)), 1, col)
        fig.add_trace(go.Scatter(x=x, y=[r["predicted"] for r in rows], mode="lines",
                                 name="(log(0.1) − E log|ξ₁|) / log(1 + ηγ)", legendgroup="t", showlegend=col == 1,
                                 line=dict(color=color("theory"), dash="dash")), 1, col)
        fig.update_xaxes(type="log", exponentformat="power", row=1, col=col,
                         title_text="dimension d" if col == 1 else "kick radius r")
    fig.update_xaxes(autorange="reversed", row=1, col=2)
    return fig


# ------------------------------------------------------------------------------ the strict-saddle property


def deep_linear_hessian(Ws: list[np.ndarray], X: np.ndarray, Y: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Hessian of ``‖Y − W_H ⋯ W_1 X‖_F²`` with respect to all entries of ``Ws``, from second
    differences of :func:`deep_linear_loss` (exact for this polynomial up to rounding and the
    ``eps²`` term of its fourth derivatives)."""
    shapes = [np.shape(W) for W in Ws]
    theta = np.concatenate([np.ravel(W) for W in Ws]).astype(float)
    sizes = np.cumsum([0] + [int(np.prod(s)) for s in shapes])

    def loss(t):
        return deep_linear_loss([t[a:b].reshape(s) for a, b, s in zip(sizes[:-1], sizes[1:], shapes)], X, Y)

    P = len(theta)
    E = np.eye(P) * eps
    H = np.empty((P, P))
    for i in range(P):
        for j in range(i, P):
            H[i, j] = H[j, i] = (loss(theta + E[i] + E[j]) - loss(theta + E[i] - E[j])
                                 - loss(theta - E[i] + E[j]) + loss(theta - E[i] - E[j])) / (4 * eps**2)
    return H


def strict_saddle_evidence(seed: int = 0) -> list[dict]:
    """λ_min of the Hessian at the origin (a critical point) of the lecture's scalar chains and of
    matrix deep linear networks ``2 → 2 → … → 2``, one to three hidden layers."""
    rows = []
    for D in (2, 3, 4):
        H = chain_hessian(np.zeros(D))
        rows.append(dict(model=f"(1 − w1⋯w{D})², origin", layers=D, lambda_min=float(np.linalg.eigvalsh(H)[0]),
                         grad=float(np.abs(chain_grad(np.zeros(D))).max())))
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((2, 10)), rng.standard_normal((2, 10))
    for H_layers in (2, 3, 4):
        Ws = [np.zeros((2, 2)) for _ in range(H_layers)]
        Hm = deep_linear_hessian(Ws, X, Y)
        rows.append(dict(model=f"‖Y − W{H_layers}⋯W1 X‖², W = 0", layers=H_layers,
                         lambda_min=float(np.linalg.eigvalsh(Hm)[0]),
                         predicted=-2 * float(np.linalg.svd(Y @ X.T, compute_uv=False)[0]) if H_layers == 2 else 0.0))
    return rows


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def conjecture_quiz(g_bounce: float) -> Quiz:
    """The chapter's quiz: minima and saddles of a deep network, the coin-flip model's fraction of
    minima for 10 parameters, what a stalled training loss justifies (with ``g_bounce``, the chapter's
    median gradient norm of the run at η = 0.3), the origin of ``(1 − w1 w2 w3)²``, and the steps
    gradient descent with η = 0.1 takes to leave ``x1² − x2²`` from ``x2 = 10⁻⁴``
    (:func:`steps_to_escape`)."""
    q_escape = steps_to_escape(1e-4, lr=0.1)   # the numeric question's answer, from the library
    return quiz(
        Question(
            "A deep neural network with many neurons ...",
            [
                ("has a huge number of equivalent minima and even many more saddle points", True,
                 "Permutations give (n!)^m equivalent minima; the saddles between them grow even faster (next chapter)."),
                ("gradient descent is slow close to a saddle point", True,
                 "The gradient vanishes at the saddle, so steps near it are tiny: x1² − x2² above."),
                ("close to a saddle point there is only one dimension to go down", False,
                 "Only for a first-order saddle; at high loss most saddles have many directions of escape."),
            ],
        ),
        Question(
            "Under the coin-flip model, what fraction of the critical points of a function of 10 parameters are minima?",
            [("1/2", False, "That is N = 1."), ("1/10", False, "The signs must all agree: a product, not a sum."),
             ("1/1024", True, "2^-10: all ten coins must come up 'positive'.")],
            multiple=False,
        ),
        Question(
            "The training loss has stopped decreasing. Which conclusions are justified?",
            [
                ("the weights are at a critical point", False,
                 f"Not necessarily: with η = 0.3 above the loss stops improving while |∇E| ≈ {g_bounce:.2f}."),
                ("check the gradient norm before concluding anything", True,
                 "A small gradient norm is the 'simple test' of the lecture Challenges in Optimization."),
                ("if |∇E| is tiny, the point may still be a saddle", True, "Look at the Hessian's smallest eigenvalue."),
            ],
        ),
        Question(
            "For L = (1 − w1 w2 w3)², the origin is ...",
            [
                ("a local minimum, since the Hessian is positive semi-definite", False,
                 "The Hessian is zero, so the second-order test says nothing; w = (t, t, t) gives L = (1 − t³)² < 1 for small t > 0."),
                ("a saddle point that the Hessian cannot detect", True, "All eigenvalues are 0, yet the loss decreases along (t, t, t)."),
                ("a global minimum", False, "The global minima have w1 w2 w3 = 1 and loss 0."),
            ],
            multiple=False,
        ),
        NumericQuestion(
            "Gradient descent with $\\eta = 0.1$ on $x_1^2 - x_2^2$ starts at $x_2 = 10^{-4}$. After how many steps "
            "is $|x_2| \\ge 1$ for the first time?",
            q_escape, 0, unit="steps",
            explanation=f"Each step multiplies x₂ by 1 + 2η = 1.2, so it takes ⌈ln(10⁴)/ln 1.2⌉ = {q_escape} steps, "
                        "most of them next to the saddle.",
        ),
    )
