"""Weight-space symmetry: equivalent minima, permutation saddles and how to count them.

Two kinds of facts live here.

**Symmetries of a network** (checked numerically on real parameters)::

    from lecture_code.chapters.symmetry import init_mlp, mlp_forward, permute_hidden, rescale_relu
    params = init_mlp([2, 4, 4, 1], seed=0)
    same = permute_hidden(params, layer=0, perm=[2, 0, 3, 1])   # same function, other weights

**Counts** from the lecture (Brea et al. 2019, Simsek et al. 2021), each with a brute-force
enumeration to check it against for small sizes.

Conventions (the lecture's)
---------------------------
A hidden layer has ``n`` neurons; a *K-th order symmetry-induced critical manifold* arises
from a minimum of the same layer with ``n - K`` neurons: the ``n`` neuron labels are placed on
the ``n - K`` weight-vector *positions* of the smaller network, every position taken at least
once (a surjection labels -> positions). Labels sharing a position have identical incoming
weights and output weights that may be split in any way with the right sum, e.g.
``(a, w* - a)`` for a pair: a K-dimensional manifold, counted **once** (the order of labels
inside a position does not matter). Hence

* first order (K = 1): ``n!/2 * (n-1)`` lines;
* second order (K = 2): ``n!/3! * C(n-2, 1) + n!/(2!2!) * C(n-2, 2)`` planes;
* in general ``(n-K)! * S(n, n-K)`` manifolds (``S`` = Stirling number of the 2nd kind);
* keeping only the configurations made of K *pairs* gives ``n!/2^K * C(n-K, K)``, i.e. at least a
  factor ``C(n-K, K) / 2^K`` more K-th order saddles than the ``n!`` global permutation minima
  (the lecture's theorem, valid for ``K < n/2``); for ``m`` hidden layers the lower bound is
  ``m/2^K * C(n-K, K) * (n!)^m``.

Bad input (``n < 1``, ``K >= n/2``, non-integers) raises ``ValueError``.

----

The lecture's teacher-student squeezing experiment (Brea et al. 2019).

A *committee machine* teacher ``y(x) = Σ_j tanh(v_j·x + c_j)`` (``n`` hidden neurons, all output
weights one, 2-D inputs so every neuron is a line -- a "hyperplane" -- in input space) labels a
fixed data set. The student has the same architecture with free weights in both layers (the
:class:`~lecture_code.core.critical.TanhNet` of the book: exact gradient and Hessian).

1. The student starts on the teacher's weights (loss 0).
2. Two of its incoming weight vectors ``U_i = (w_i, b_i)`` and ``U_j`` are forced to distance
   ``dist`` -- ``U_i = m + dist/2 · e``, ``U_j = m − dist/2 · e`` with a free centre ``m`` and a
   free unit direction ``e`` -- while every other weight re-equilibrates (L-BFGS, warm-started
   from the previous distance).
3. At ``dist = 0`` the two neurons coincide: the student computes a network with ``n − 1``
   neurons, and the output weights of the pair can be split as ``(a, w* − a)`` without changing
   anything: a **line of critical points**, with a zero Hessian eigenvalue along the line.

Usage::

    from lecture_code.chapters.symmetry import committee_problem, squeeze, critical_line
    prob = committee_problem()
    sq = squeeze(prob, pair=(0, 1), n_steps=12)      # loss against distance
    line = critical_line(prob, sq)                   # gradient and Hessian along (a, w* − a)

----

Figures of the Safran & Shamir reproduction (the experiment itself is
:mod:`lecture_code.core.relu_minima`): :func:`draw_reproduction` (measured against published
percentages with error bars) and :func:`draw_ablation` (one protocol knob at a time).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Sequence

import numpy as np
import plotly.graph_objects as go

from lecture_code.core.validate import check_int
from lecture_code.core.critical import TanhNet, find_critical_point
from lecture_code.core.plotting import color, new_figure, status_annotation

__all__ = [
    "n_permutation_minima",
    "first_order_saddle_lines",
    "second_order_saddle_manifolds",
    "stirling2",
    "surjections",
    "symmetry_induced_manifolds",
    "pair_saddle_manifolds",
    "theorem_factor",
    "saddle_lower_bound",
    "placements",
    "count_placements",
    "expansion_subspaces",
    "count_expansions",
    "overparameterization_ratio",
    "per_neuron_factor",
    "crossing_width",
    "theorem_factors",
    "init_mlp",
    "mlp_forward",
    "permute_hidden",
    "rescale_relu",
    "all_permuted_copies",
    "count_table",
    "draw_counts",
    "draw_overparameterization",
    "train_mlp",
    "TEACHER",
    "CommitteeProblem",
    "committee_problem",
    "Squeeze",
    "squeeze",
    "CriticalLine",
    "critical_line",
    "hyperplane_segment",
    "draw_squeeze",
    "SqueezeFrame",
    "squeeze_demo",
    "draw_squeeze_frame",
    "CriticalPlane",
    "critical_plane",
    "draw_reproduction",
    "draw_ablation",
    "family_mix",
    "reproduction_numbers",
    "families_table",
]


# --------------------------------------------------------------------------- input checks


def _check_order(n: object, K: object) -> tuple[int, int]:
    n = check_int(n, "n", 1)
    K = check_int(K, "K", 1)
    if 2 * K >= n:
        raise ValueError(f"K must satisfy 1 <= K < n/2 = {n / 2:g}, got K={K}")
    return n, K


# --------------------------------------------------------------------------- closed forms


def n_permutation_minima(n: int, m: int = 1) -> int:
    """``(n!)^m``: permutation copies of one minimum for ``m`` hidden layers of ``n`` neurons."""
    n = check_int(n, "n", 1)
    m = check_int(m, "m", 1)
    return math.factorial(n) ** m


def first_order_saddle_lines(n: int) -> int:
    """``n!/2! * (n-1)``: lines of first-order permutation points (lecture, n labels on n-1 positions)."""
    n = check_int(n, "n", 2)
    return math.factorial(n) // 2 * (n - 1)


def second_order_saddle_manifolds(n: int) -> int:
    """``n!/3! C(n-2,1) + n!/(2!2!) C(n-2,2)``: planes of second-order points (n labels on n-2 positions)."""
    n = check_int(n, "n", 3)
    f = math.factorial(n)
    return f // 6 * math.comb(n - 2, 1) + f // 4 * math.comb(n - 2, 2)


def stirling2(n: int, k: int) -> int:
    """Stirling number of the second kind: partitions of ``n`` labelled items into ``k`` blocks."""
    n = check_int(n, "n", 0)
    k = check_int(k, "k", 0)
    if k > n:
        return 0
    # inclusion-exclusion, exact integer arithmetic
    s = sum((-1) ** j * math.comb(k, j) * (k - j) ** n for j in range(k + 1))
    return s // math.factorial(k)


def surjections(n: int, p: int) -> int:
    """Number of maps from ``n`` labels onto ``p`` positions hitting every position: ``p! S(n, p)``."""
    return math.factorial(check_int(p, "p", 0)) * stirling2(n, p)


def symmetry_induced_manifolds(n: int, K: int) -> int:
    """All K-th order symmetry-induced critical manifolds of a layer of ``n``: ``(n-K)! S(n, n-K)``.

    For ``K = 1`` this is :func:`first_order_saddle_lines`, for ``K = 2``
    :func:`second_order_saddle_manifolds`.
    """
    n = check_int(n, "n", 1)
    K = check_int(K, "K", 1)
    if K >= n:
        raise ValueError(f"K must satisfy 1 <= K < n = {n}, got K={K}")
    return surjections(n, n - K)


def pair_saddle_manifolds(n: int, K: int) -> int:
    """K-th order manifolds made of K duplicated *pairs*: ``n!/2^K * C(n-K, K)`` (``K < n/2``)."""
    n, K = _check_order(n, K)
    return math.factorial(n) // 2**K * math.comb(n - K, K)


def theorem_factor(n: int, K: int) -> Fraction:
    """The lecture's theorem: at least ``C(n-K, K) / 2^K`` times more K-th order saddles than minima."""
    n, K = _check_order(n, K)
    return Fraction(math.comb(n - K, K), 2**K)


def saddle_lower_bound(n: int, K: int, m: int = 1) -> Fraction:
    """``m/2^K * C(n-K, K) * (n!)^m``: K-th order saddle manifolds of ``m`` hidden layers of ``n``.

    Returned as an exact :class:`~fractions.Fraction` (an integer in all cases with ``K < n/2``).
    """
    n, K = _check_order(n, K)
    m = check_int(m, "m", 1)
    return Fraction(m * math.comb(n - K, K) * math.factorial(n) ** m, 2**K)


# --------------------------------------------------------------------------- brute force


def placements(n: int, positions: int) -> Iterator[tuple[int, ...]]:
    """Every surjective placement of labels ``0..n-1`` on ``positions`` positions (brute force).

    A placement is a tuple ``p`` with ``p[label] = position``. There are ``positions ** n`` maps;
    keep this to small ``n`` (``n <= 8``).
    """
    n = check_int(n, "n", 1)
    positions = check_int(positions, "positions", 1)
    if positions ** n > 5_000_000:
        raise ValueError(f"positions**n must be <= 5e6 for brute force, got {positions}**{n}")
    for p in itertools.product(range(positions), repeat=n):
        if len(set(p)) == positions:
            yield p


def count_placements(n: int, K: int) -> dict[str, int]:
    """Enumerate the placements of ``n`` labels on ``n - K`` positions and count them.

    Returns ``{"total": ..., "pairs_only": ..., "minima": n!}`` where ``pairs_only`` counts
    the placements whose multiply-occupied positions are all pairs, and also one entry per
    *occupation pattern*, e.g. ``"3+1+1"``. Independent of the closed forms above.
    """
    n = check_int(n, "n", 1)
    K = check_int(K, "K", 1)
    if K >= n:
        raise ValueError(f"K must satisfy 1 <= K < n = {n}, got K={K}")
    counts: Counter[str] = Counter()
    for p in placements(n, n - K):
        sizes = sorted(Counter(p).values(), reverse=True)
        counts["+".join(map(str, sizes))] += 1
    total = sum(counts.values())
    pairs = sum(v for key, v in counts.items() if max(map(int, key.split("+"))) <= 2)
    minima = sum(1 for _ in itertools.permutations(range(n)))  # n labels on n positions
    return {"total": total, "pairs_only": pairs, "minima": minima, **dict(counts)}


# --------------------------------------------------------------------------- overparameterization


def expansion_subspaces(r: int, m: int) -> int:
    """Affine subspaces obtained by embedding an irreducible width-``r`` network in width ``m``.

    Each of the ``m`` student neurons either copies one of the ``r`` neurons (copies of a neuron
    share its output weight: an affine subspace) or is *zero-type* (output weight 0, incoming
    weight free); every one of the ``r`` neurons must be copied at least once:
    ``sum_j C(m, j) * r! * S(m - j, r)`` (``j`` = number of zero-type neurons).

    With ``r = n`` (the teacher width) these are the components of the global-minimum manifold
    of Simsek et al. (2021); with ``r = n - 1`` the symmetry-induced saddle subspaces that come
    from the minima of the width ``n - 1`` network.
    """
    r = check_int(r, "r", 1)
    m = check_int(m, "m", 1)
    if m < r:
        raise ValueError(f"m must be >= r = {r}, got m={m}")
    return _expansions(r, m)


@functools.lru_cache(maxsize=4096)
def _expansions(r: int, m: int) -> int:
    return sum(math.comb(m, j) * surjections(m - j, r) for j in range(m - r + 1))


def count_expansions(r: int, m: int) -> int:
    """Brute force for :func:`expansion_subspaces`: maps of ``m`` labels to {zero, 1..r} onto 1..r."""
    r = check_int(r, "r", 1)
    m = check_int(m, "m", 1)
    if (r + 1) ** m > 5_000_000:
        raise ValueError(f"(r+1)**m must be <= 5e6 for brute force, got {r + 1}**{m}")
    need = set(range(1, r + 1))
    return sum(1 for p in itertools.product(range(r + 1), repeat=m) if need <= set(p))


def overparameterization_ratio(n: int, h: int) -> float:
    """Saddle subspaces (from width ``n-1``) per global-minimum subspace, student width ``n + h``.

    ``expansion_subspaces(n-1, n+h) / expansion_subspaces(n, n+h)``; large for small ``h``
    ("saddles dominate"), below one for ``h >> n`` ("global minima dominate").
    """
    n = check_int(n, "n", 2)
    h = check_int(h, "h", 0)
    return float(Fraction(expansion_subspaces(n - 1, n + h), expansion_subspaces(n, n + h)))


def per_neuron_factor(n: int, h: int) -> float:
    """How much one more student neuron changes the ratio: ``ratio(n, h) / ratio(n, h - 1)`` (``h >= 1``).

    Not ``(n-1)/n``: for ``n = 30`` it is about 0.49 at ``h = 1`` and approaches ``n/(n+1)`` only
    for large ``h`` (the subspaces are maps of ``n + h`` labels to ``n + 1`` symbols, so each new
    label multiplies the counts by about ``n`` and ``n + 1``).
    """
    n = check_int(n, "n", 2)
    h = check_int(h, "h", 1)
    return float(Fraction(expansion_subspaces(n - 1, n + h), expansion_subspaces(n, n + h))
                 / Fraction(expansion_subspaces(n - 1, n + h - 1), expansion_subspaces(n, n + h - 1)))


def crossing_width(n: int, h_max: int = 10_000) -> int:
    """The smallest extra width ``h`` at which global-minimum subspaces outnumber the saddle
    subspaces inherited from width ``n - 1`` (:func:`overparameterization_ratio` below one)."""
    n = check_int(n, "n", 2)
    for h in range(check_int(h_max, "h_max", 0) + 1):
        if expansion_subspaces(n - 1, n + h) < expansion_subspaces(n, n + h):
            return h
    raise ValueError(f"the ratio stays >= 1 up to h_max = {h_max}")


# --------------------------------------------------------------------------- symmetries of an MLP

Params = list[tuple[np.ndarray, np.ndarray]]


def init_mlp(sizes: Sequence[int], seed: int = 0, scale: float = 1.0) -> Params:
    """Random float64 parameters ``[(W1, b1), ...]`` of an MLP with layer sizes ``sizes``."""
    if len(sizes) < 3:
        raise ValueError(f"sizes must list input, >= 1 hidden and output sizes, got {list(sizes)}")
    sizes = [check_int(s, "sizes[i]", 1) for s in sizes]
    rng = np.random.default_rng(seed)
    return [
        (scale * rng.standard_normal((o, i)) / math.sqrt(i), scale * 0.1 * rng.standard_normal(o))
        for i, o in zip(sizes[:-1], sizes[1:])
    ]


def _act(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    raise ValueError(f"activation must be 'tanh', 'relu' or 'sigmoid', got {activation!r}")


def mlp_forward(params: Params, X: np.ndarray, activation: str = "tanh") -> np.ndarray:
    """Outputs of the MLP for inputs ``X`` of shape ``(N, d_in)``; returns ``(N, d_out)``."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != params[0][0].shape[1]:
        raise ValueError(f"X must have shape (N, {params[0][0].shape[1]}), got {X.shape}")
    h = X
    for i, (W, b) in enumerate(params):
        h = h @ W.T + b
        if i < len(params) - 1:
            h = _act(h, activation)
    return h


def permute_hidden(params: Params, layer: int, perm: Sequence[int]) -> Params:
    """Relabel the neurons of hidden layer ``layer`` (0-based): incoming rows and outgoing columns."""
    if not 0 <= layer < len(params) - 1:
        raise ValueError(f"layer must be in [0, {len(params) - 2}], got {layer}")
    n = params[layer][0].shape[0]
    perm = np.asarray(perm)
    if perm.shape != (n,) or sorted(perm.tolist()) != list(range(n)):
        raise ValueError(f"perm must be a permutation of 0..{n - 1}, got {perm.tolist()}")
    out = [(W.copy(), b.copy()) for W, b in params]
    W, b = out[layer]
    out[layer] = (W[perm], b[perm])
    W2, b2 = out[layer + 1]
    out[layer + 1] = (W2[:, perm], b2)
    return out


def rescale_relu(params: Params, layer: int, neuron: int, alpha: float) -> Params:
    """ReLU rescaling symmetry: incoming weights and bias times ``alpha > 0``, outgoing over ``alpha``."""
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    if not 0 <= layer < len(params) - 1:
        raise ValueError(f"layer must be in [0, {len(params) - 2}], got {layer}")
    n = params[layer][0].shape[0]
    if not 0 <= neuron < n:
        raise ValueError(f"neuron must be in [0, {n - 1}], got {neuron}")
    out = [(W.copy(), b.copy()) for W, b in params]
    out[layer][0][neuron] *= alpha
    out[layer][1][neuron] *= alpha
    out[layer + 1][0][:, neuron] /= alpha
    return out


def _flat(params: Params) -> np.ndarray:
    return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in params])


def all_permuted_copies(params: Params) -> np.ndarray:
    """All parameter vectors obtained by permuting every hidden layer: ``(prod n_l!, P)`` array.

    Brute force for small layers (each ``n_l <= 5``); used to check the ``(n!)^m`` count.
    """
    widths = [W.shape[0] for W, _ in params[:-1]]
    if any(w > 5 for w in widths):
        raise ValueError(f"hidden widths must be <= 5 for brute force, got {widths}")
    copies = []
    for perms in itertools.product(*[itertools.permutations(range(w)) for w in widths]):
        p = params
        for layer, perm in enumerate(perms):
            p = permute_hidden(p, layer, perm)
        copies.append(_flat(p))
    return np.array(copies)


# --------------------------------------------------------------------------- figures


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
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

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
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

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


# --------------------------------------------------------------------------- a trained torch MLP


def train_mlp(sizes: Sequence[int] = (2, 6, 6, 1), activation: str = "tanh", steps: int = 400, seed: int = 0) -> Params:
    """Train a small torch MLP (``lecture_code.core.models``) on the book's regression task with Adam.

    Returns its parameters as ``[(W, b), ...]`` float64 numpy arrays for :func:`mlp_forward`.
    """
    from lecture_code.core.hessian import single_threaded  # first: without PyTorch, it says what to install

    import torch

    from lecture_code.core.synthetic import regression_data
    from lecture_code.core.models import as_tensors, mlp

    steps = check_int(steps, "steps", 0)
    data = regression_data(n=64, d=int(sizes[0]), seed=seed)
    X, y = as_tensors(data.X, data.y)
    model = mlp(list(sizes), activation=activation, seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    with single_threaded():  # 64 points: threads only add overhead (and stall on a busy machine)
        for _ in range(steps):
            opt.zero_grad()
            out = model(X)[:, 0]
            loss = ((out - y) ** 2).mean()
            loss.backward()
            opt.step()
    layers = [m for m in model if isinstance(m, torch.nn.Linear)]
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in layers]

#: The teacher's incoming weights ``(v_1, v_2, c)`` per neuron: four lines in the plane.
TEACHER = np.array([
    [2.0, 0.4, 1.0],
    [1.6, 1.4, -0.8],
    [-0.6, 2.0, 0.6],
    [-1.8, 0.8, -1.2],
])


@dataclass(frozen=True)
class CommitteeProblem:
    """Teacher weights ``(n, 3)``, data and the student's loss (a :class:`TanhNet`)."""

    teacher: np.ndarray
    net: TanhNet

    @property
    def n(self) -> int:
        return self.teacher.shape[0]

    def teacher_theta(self) -> np.ndarray:
        """The student's parameters equal to the teacher's (output weights 1, output bias 0)."""
        return np.concatenate([self.teacher.ravel(), np.ones(self.n), [0.0]])


def committee_problem(teacher: np.ndarray | None = None, n_data: int = 400, seed: int = 0) -> CommitteeProblem:
    """Data ``x ~ N(0, I_2)`` labelled by the committee machine ``teacher`` (default :data:`TEACHER`)."""
    T = TEACHER if teacher is None else np.asarray(teacher, dtype=float)
    if T.ndim != 2 or T.shape[1] != 3 or T.shape[0] < 2:
        raise ValueError(f"teacher must have shape (n, 3) with n >= 2 (rows (v1, v2, c)), got {T.shape}")
    if isinstance(n_data, bool) or not isinstance(n_data, (int, np.integer)) or n_data < 10:
        raise ValueError(f"n_data must be an integer >= 10, got {n_data!r}")
    X = np.random.default_rng(seed).standard_normal((n_data, 2))
    y = np.tanh(X @ T[:, :2].T + T[:, 2]).sum(1)
    return CommitteeProblem(T, TanhNet(X, y, T.shape[0]))


@dataclass
class Squeeze:
    """Result of :func:`squeeze`: one equilibrated student per distance."""

    pair: tuple[int, int]
    distances: np.ndarray  # decreasing, ends at 0
    losses: np.ndarray
    thetas: np.ndarray  # (steps, P)


def _pack(net: TanhNet, theta: np.ndarray, pair) -> tuple[np.ndarray, np.ndarray]:
    """Split θ into (free parameters without U_i, U_j) and (m, z)."""
    i, j = pair
    h, d1 = net.hidden, net.d + 1
    U = theta[: h * d1].reshape(h, d1)
    m = 0.5 * (U[i] + U[j])
    z = U[i] - U[j]
    if np.linalg.norm(z) < 1e-12:
        z = np.ones(d1)
    keep = np.ones(len(theta), bool)
    keep[i * d1 : (i + 1) * d1] = False
    keep[j * d1 : (j + 1) * d1] = False
    return np.concatenate([theta[keep], m, z]), keep


def _unpack(net: TanhNet, x: np.ndarray, keep: np.ndarray, pair, dist: float) -> tuple[np.ndarray, np.ndarray, float]:
    i, j = pair
    d1 = net.d + 1
    nf = int(keep.sum())
    free, m, z = x[:nf], x[nf : nf + d1], x[nf + d1 :]
    nz = float(np.linalg.norm(z))
    e = z / nz
    theta = np.empty(len(keep))
    theta[keep] = free
    theta[i * d1 : (i + 1) * d1] = m + 0.5 * dist * e
    theta[j * d1 : (j + 1) * d1] = m - 0.5 * dist * e
    return theta, e, nz


def squeeze(prob: CommitteeProblem, pair: tuple[int, int] = (0, 1), n_steps: int = 12, gtol: float = 1e-10) -> Squeeze:
    """Move the incoming vectors of neurons ``pair`` together in ``n_steps`` equal steps, re-equilibrating."""
    from scipy.optimize import minimize

    n = prob.n
    i, j = pair
    if not (0 <= i < n and 0 <= j < n and i != j):
        raise ValueError(f"pair must be two different neuron indices in [0, {n - 1}], got {pair}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or not 2 <= n_steps <= 80:
        raise ValueError(f"n_steps must be an integer in [2, 80], got {n_steps!r}")
    net = prob.net
    d1 = net.d + 1
    theta = prob.teacher_theta()
    d0 = float(np.linalg.norm(theta[i * d1 : (i + 1) * d1] - theta[j * d1 : (j + 1) * d1]))
    distances = np.linspace(d0, 0.0, n_steps)
    x, keep = _pack(net, theta, pair)
    nf = int(keep.sum())
    losses, thetas = [], []
    for dist in distances:
        def fg(xv, dist=dist):
            th, e, nz = _unpack(net, xv, keep, pair, dist)
            g = net.grad(th)
            gi, gj = g[i * d1 : (i + 1) * d1], g[j * d1 : (j + 1) * d1]
            ge = 0.5 * dist * (gi - gj)
            gz = (ge - e * (e @ ge)) / nz
            return net.loss(th), np.concatenate([g[keep], gi + gj, gz])

        res = minimize(fg, x, jac=True, method="L-BFGS-B", options=dict(gtol=gtol, ftol=1e-300, maxiter=5000))
        x = res.x
        th, _, _ = _unpack(net, x, keep, pair, dist)
        losses.append(net.loss(th))
        thetas.append(th)
    del nf
    return Squeeze((i, j), distances, np.array(losses), np.array(thetas))


@dataclass
class CriticalLine:
    """The line ``(a, w* − a)`` of critical points at distance zero, and what the Hessian says there."""

    total: float  # w* = a_i + a_j
    splits: np.ndarray  # values of a
    grad_norms: np.ndarray
    losses: np.ndarray
    n_zero: np.ndarray  # eigenvalues with |λ| <= tol
    n_negative: np.ndarray
    min_eigenvalue: np.ndarray
    eigenvalues: np.ndarray  # (len(splits), P), ascending
    reduced_grad_norm: float


def _merged_critical_point(prob: CommitteeProblem, sq: Squeeze) -> tuple[TanhNet, np.ndarray, np.ndarray, np.ndarray]:
    """The distance-zero point of ``sq`` as a network with ``n − 1`` neurons, polished to ``∇L = 0``.

    Neurons ``i`` and ``j`` of the squeezed pair are merged into one (at position 0) with output
    weight ``a_i + a_j``. Returns the small network, its critical parameters, and their
    incoming weights ``(n − 1, d + 1)`` and output weights ``(n − 1,)``.
    """
    i, j = sq.pair
    net = prob.net
    n, d1 = prob.n, net.d + 1
    theta = sq.thetas[-1]
    U = theta[: n * d1].reshape(n, d1)
    a = theta[n * d1 : n * d1 + n]
    others = [k for k in range(n) if k not in (i, j)]
    small = TanhNet(net.X, net.y, n - 1)
    start = np.concatenate([np.vstack([U[i], U[others]]).ravel(), [a[i] + a[j]], a[others], [theta[-1]]])
    th_small, _ = find_critical_point(small, start)
    Us = th_small[: (n - 1) * d1].reshape(n - 1, d1)
    as_ = th_small[(n - 1) * d1 : (n - 1) * d1 + n - 1]
    return small, th_small, Us, as_


def critical_line(prob: CommitteeProblem, sq: Squeeze, splits: np.ndarray | None = None, tol: float = 1e-7) -> CriticalLine:
    """Polish the distance-zero point as a critical point of the ``n − 1`` network, then walk the line.

    The merged network (neurons ``i`` and ``j`` replaced by one with output weight ``w*``) is
    driven to ``∇L = 0`` by :func:`~lecture_code.core.critical.find_critical_point`; it is then
    embedded back with output weights ``(a, w* − a)`` for each ``a`` in ``splits`` (default: ``w*``
    times ``[-0.5, 0, 0.25, 0.5, 0.75, 1, 1.5]``), and the full gradient and Hessian are evaluated.
    """
    i, j = sq.pair
    net = prob.net
    n, d1 = prob.n, net.d + 1
    others = [k for k in range(n) if k not in (i, j)]
    small, th_small, Us, as_ = _merged_critical_point(prob, sq)
    total = float(as_[0])
    splits = total * np.array([-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5]) if splits is None else np.asarray(splits, float)
    gns, losses, nz, nneg, lmin, eigs = [], [], [], [], [], []
    for s in splits:
        Uf = np.empty((n, d1))
        af = np.empty(n)
        Uf[i] = Uf[j] = Us[0]
        af[i], af[j] = s, total - s
        Uf[others] = Us[1:]
        af[others] = as_[1:]
        th = np.concatenate([Uf.ravel(), af, [th_small[-1]]])
        lam = np.linalg.eigvalsh(net.hessian(th))
        scale = max(1e-12, float(np.abs(lam).max()))
        gns.append(float(np.linalg.norm(net.grad(th))))
        losses.append(net.loss(th))
        nz.append(int(np.sum(np.abs(lam) <= tol * scale)))
        nneg.append(int(np.sum(lam < -tol * scale)))
        lmin.append(float(lam[0]))
        eigs.append(lam)
    return CriticalLine(total, splits, np.array(gns), np.array(losses), np.array(nz), np.array(nneg),
                        np.array(lmin), np.array(eigs), float(np.linalg.norm(small.grad(th_small))))


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
    from lecture_code.core.plotting import new_figure

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


@dataclass
class CriticalPlane:
    """A *second-order* symmetry-induced critical manifold: the merged neuron copied three times."""

    total: float
    splits: np.ndarray  # (m, 3) output weights (a, b, w* − a − b)
    grad_norms: np.ndarray
    n_zero: np.ndarray
    n_negative: np.ndarray
    n_params: int


def critical_plane(prob: CommitteeProblem, sq: Squeeze, splits: np.ndarray | None = None, tol: float = 1e-7) -> CriticalPlane:
    """Embed the distance-zero critical point in a network with ``n + 1`` neurons as a triple.

    The merged neuron of the ``n − 1`` network is copied three times with output weights
    ``(a, b, w* − a − b)``: a plane of critical points, whose Hessian has two zero eigenvalues
    (the lecture: "second-order symmetry-induced critical points have two zero eigenvalues").
    ``splits`` are fractions ``(a/w*, b/w*)``; default: a few points inside the triangle.
    """
    net = prob.net
    n = prob.n
    _, th_small, Us, as_ = _merged_critical_point(prob, sq)
    total = float(as_[0])
    fr = np.array([[0.2, 0.3], [1 / 3, 1 / 3], [0.5, 0.25], [0.1, 0.8]]) if splits is None else np.asarray(splits, float)
    big = TanhNet(net.X, net.y, n + 1)
    gns, nz, nneg, rows = [], [], [], []
    for fa, fb in fr:
        w3 = np.array([fa, fb, 1 - fa - fb]) * total
        Ub = np.vstack([Us[0], Us[0], Us[0], Us[1:]])
        ab = np.concatenate([w3, as_[1:]])
        th = np.concatenate([Ub.ravel(), ab, [th_small[-1]]])
        lam = np.linalg.eigvalsh(big.hessian(th))
        scale = max(1e-12, float(np.abs(lam).max()))
        gns.append(float(np.linalg.norm(big.grad(th))))
        nz.append(int(np.sum(np.abs(lam) <= tol * scale)))
        nneg.append(int(np.sum(lam < -tol * scale)))
        rows.append(w3)
    return CriticalPlane(total, np.array(rows), np.array(gns), np.array(nz), np.array(nneg), big.n_params)

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


def _half_unit(printed: float) -> float:
    """Half a unit of the last digit of a printed decimal (0.022 -> 0.0005)."""
    decimals = len(repr(printed).split(".")[1]) if "." in repr(printed) else 0
    return 0.5 * 10.0**-decimals


def family_mix(row: dict) -> dict:
    """The spurious minima of one setting split into its most frequent kind and the rest.

    Returns the main kind's loss and λ_min, the share of the other kinds and their mean loss, and
    the share of other kinds that the published mean loss would need (to its printed precision,
    with the losses of the kinds measured here) and its ratio to the measured share.
    """
    fams = sorted(row["families"], key=lambda f: -f["count"])
    main, rest = fams[0], fams[1:]
    n_rest = sum(f["count"] for f in rest)
    rest_loss = sum(f["loss"] * f["count"] for f in rest) / n_rest if n_rest else float("nan")
    target = row["published"]["mean_loss_local"] - _half_unit(row["published"]["mean_loss_local"])
    needed = (target - main["loss"]) / (rest_loss - main["loss"]) if n_rest else float("nan")
    share = n_rest / row["local"]
    return dict(kinds=len(fams), main_loss=main["loss"], main_lambda=main["min_eigenvalue"],
                other_share=share, other_loss=rest_loss, needed_share=needed,
                needed_ratio=needed / share if share else float("nan"))


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


def families_table(data: dict, settings: Sequence[tuple[int, int]]) -> str:
    """The kinds of spurious minima found in some settings: loss, mean λ_min and how many runs."""
    by = {(r["k"], r["n"]): r for r in data["rows"]}
    lines = [f"{'k':>3} {'n':>3} | {'loss':>7} {'λ_min':>7} {'runs':>5}"]
    for k, n in settings:
        for f in sorted(by[(k, n)]["families"], key=lambda f: -f["count"]):
            lines.append(f"{k:>3} {n:>3} | {f['loss']:>7.4f} {f['min_eigenvalue']:>7.4f} {f['count']:>5}")
    return "\n".join(lines)
