"""Why many regions are not enough, and what depth adds (the EPFL lecture *Deep Nets 3*, part 7).

* :func:`separable` / :func:`region_labelings`: one layer of hyperplanes carves many
  regions, but a single output unit on top can give them only few of all possible
  labelings; XOR (two lines, four regions) is the first labeling it misses. Exact, by LP.
* :func:`parity_data`, :func:`nn_parity_loo`, :func:`parity_fit`: ``d``-bit parity, the
  generalized XOR. A local representation (nearest neighbour) is wrong on *every*
  left-out point; shallow and deep networks at equal parameter count are trained on it.
* :func:`sawtooth_net`, :func:`count_breakpoints`, :func:`sawtooth_fit`: composing ``k``
  tent maps (depth ``k``, 2 units per layer) makes ``2^k`` linear pieces; one hidden
  layer of ``n`` units makes at most ``n + 1``.
* :func:`distributed_vs_local_demo`: ``n`` hyperplanes carve ``1 + n + C(n, 2)`` regions
  of the plane, ``n`` prototypes of a nearest-neighbour classifier carve ``n``.

Networks are the numpy MLP of :mod:`lecture_code.core.mlp`, trained with the book's Adam.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Sequence

import numpy as np
from scipy.optimize import linprog

from lecture_code.core.mlp import MLP, mlp_init, mlp_logits, train_mlp
from lecture_code.core.regions import (
    clip_polygon, count_linear_regions, count_regions, equal_units_widths, linear_region_pieces, max_regions,
    montufar_lower_bound, montufar_network, random_relu_net, regions_added, serra_upper_bound, split_box_by_lines,
)
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.validate import check_int

__all__ = [
    "separable",
    "region_codes",
    "region_labelings",
    "parity_data",
    "nn_parity_loo",
    "shallow_parity_weights",
    "equal_params_widths",
    "parity_fit",
    "tent",
    "sawtooth_net",
    "count_breakpoints",
    "sawtooth_fit",
    "SawtoothData",
    "sawtooth_demo",
    "draw_sawtooth",
    "feature_reuse_task",
    "feature_reuse_scores",
    "LocalDistributedData",
    "distributed_vs_local_demo",
    "draw_distributed_vs_local",
    "LINE_FAMILIES",
    "LineArrangementData",
    "line_arrangement_demo",
    "draw_line_arrangement",
    "DepthComparison",
    "depth_comparison",
    "draw_depth_comparison",
    "ReluRegionsData",
    "relu_regions_demo",
    "draw_relu_regions",
    "self_check_quiz",
]


Array = np.ndarray


# --------------------------------------------------------------------------- one layer, many regions, few labelings


def separable(X: Array, y: Array) -> bool:
    """Is there a hyperplane ``w·x + b`` with ``y = 1`` strictly on one side and ``y = 0``
    on the other? Exact up to the LP solver (margin >= 1e-7 after normalising |w|_inf <= 1)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n, d = X.shape
    s = np.where(y > 0, 1.0, -1.0)
    # maximise t s.t. s_i (w·x_i + b) >= t, -1 <= w, b <= 1
    A = np.hstack([-s[:, None] * X, -s[:, None], np.ones((n, 1))])
    res = linprog(np.r_[np.zeros(d + 1), -1.0], A_ub=A, b_ub=np.zeros(n),
                  bounds=[(-1, 1)] * (d + 1) + [(None, 1.0)], method="highs")
    return bool(res.status == 0 and -res.fun > 1e-7)


def region_codes(W: Array, b: Array, box: float = 50.0) -> Array:
    """Binary codes (which side of each line) of the regions of a line arrangement:
    the hidden-layer activities of one layer of threshold units, one row per region."""
    from lecture_code.core.regions import split_box_by_lines

    cells = split_box_by_lines(W, b, (-box, box, -box, box))
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    codes = []
    for poly in cells:
        c = np.mean([[float(x), float(y)] for x, y in poly], axis=0)
        codes.append((W @ c + b > 0).astype(int))
    if len(cells) != count_regions(W, b):
        raise ValueError(f"box={box} is too small to contain every crossing of the lines")
    return np.array(codes)


@dataclass
class RegionLabelings:
    n_lines: int
    n_regions: int
    all_labelings: int          # 2^regions
    realizable: int             # labelings one output threshold unit can give
    missed_example: Array | None  # one labeling it cannot give (0/1 per region)


def region_labelings(n_lines: int, seed: int = 0) -> RegionLabelings:
    """Of the ``2^R`` ways to label the ``R`` regions of ``n`` random lines, how many can
    one output threshold unit on the hidden codes produce? Exact enumeration with an LP
    per labeling (``n <= 4``: at most 2048 LPs)."""
    from lecture_code.core.regions import random_arrangement

    n = check_int(n_lines, "n_lines", minimum=1, maximum=4)
    W, b = random_arrangement(n, 2, seed=seed)
    codes = region_codes(W, b)
    R = len(codes)
    ok, missed = 0, None
    for bits in product((0, 1), repeat=R):
        y = np.array(bits)
        if y.min() == y.max() or separable(codes, y):
            ok += 1
        elif missed is None:
            missed = y
    return RegionLabelings(n, R, 2**R, ok, missed)


# --------------------------------------------------------------------------- parity


def parity_data(d: int) -> tuple[Array, Array]:
    """All ``2^d`` bit strings (rows, in {0, 1}) and their parity."""
    d = check_int(d, "d (number of bits)", minimum=1, maximum=12)
    X = ((np.arange(2**d)[:, None] >> np.arange(d)[None, :]) & 1).astype(float)
    return X, X.sum(axis=1) % 2


def nn_parity_loo(d: int) -> Fraction:
    """Leave-one-out accuracy of 1-nearest-neighbour (Hamming distance) on ``d``-bit parity.

    Every nearest neighbour differs in one bit, hence in parity: the accuracy is 0. A
    local representation needs one unit per region of constant label: ``2^{d-1}`` of each."""
    X, y = parity_data(d)
    D = np.abs(X[:, None, :] - X[None, :, :]).sum(axis=2)
    np.fill_diagonal(D, np.inf)
    correct = 0
    for i in range(len(X)):
        nbrs = np.flatnonzero(D[i] == D[i].min())
        vote = y[nbrs].mean()
        correct += int((vote > 0.5) == (y[i] > 0.5)) if vote != 0.5 else 0
    return Fraction(correct, len(X))


def shallow_parity_weights(d: int) -> tuple[Array, Array, Array, float]:
    """One hidden layer of ``d`` threshold units that computes ``d``-bit parity.

    Hidden unit ``k`` fires when ``sum(x) >= k - 1/2`` (``d`` *parallel* hyperplanes cut the
    cube into ``d + 1`` slabs); the output adds them with alternating signs ``+1, -1, ...``
    and thresholds at 1/2. Returns ``(W1 (d, d), b1 (d,), w2 (d,), b2)``."""
    d = check_int(d, "d (number of bits)", minimum=1, maximum=12)
    W1 = np.ones((d, d))
    b1 = -(np.arange(1, d + 1) - 0.5)
    w2 = np.array([(-1.0) ** k for k in range(d)])
    return W1, b1, w2, -0.5


def equal_params_widths(n_params: int, d_in: int, depth: int) -> tuple[int, ...]:
    """Equal hidden widths ``w`` for ``depth`` layers whose parameter count (with a 1-unit
    output) is as close as possible to ``n_params``."""
    P = check_int(n_params, "n_params", minimum=1)
    d_in = check_int(d_in, "d_in", minimum=1)
    L = check_int(depth, "depth", minimum=1, maximum=10)
    best = min(range(1, 200), key=lambda w: abs(MLP((d_in,) + (w,) * L + (1,)).n_params - P))
    return (best,) * L


@dataclass
class FitResult:
    name: str
    widths: tuple[int, ...]
    n_params: int
    success: float          # fraction of seeds that fit every training point
    train_acc: list[float]  # per seed
    final_loss: list[float]


def _train_seeds(net: MLP, X: Array, Y: Array, seeds: int, steps: int, lr: float, loss: str) -> tuple[Array, Array]:
    theta0 = np.vstack([mlp_init(net, 1, seed=s) for s in range(seeds)])
    return train_mlp(net, X, np.atleast_2d(Y), steps=steps, lr=lr, theta0=theta0, loss=loss)


def parity_fit(d: int = 6, n_params: int = 50, depths: Sequence[int] = (1, 2, 3), seeds: int = 8,
               steps: int = 1500, lr: float = 0.02) -> list[FitResult]:
    """Train tanh MLPs of each depth (same parameter budget) on all ``2^d`` parity points,
    ``seeds`` initialisations each, with the book's Adam; report how often they fit it."""
    X, y = parity_data(d)
    seeds = check_int(seeds, "seeds", minimum=1)
    steps = check_int(steps, "steps", minimum=1)
    out = []
    Xs = 2 * X - 1
    for L in depths:
        w = equal_params_widths(n_params, d, L)
        net = MLP((d,) + w + (1,))
        theta, hist = _train_seeds(net, Xs, y, seeds, steps, lr, "bce")
        acc = ((mlp_logits(net, theta, Xs) > 0) == (y > 0.5)).mean(axis=1)
        out.append(FitResult(f"{L} hidden layer{'s' if L > 1 else ''}", w, net.n_params,
                             float(np.mean(acc == 1.0)), acc.tolist(), hist[-1].tolist()))
    return out


# --------------------------------------------------------------------------- deep vs shallow on a sawtooth


def tent(x: Array) -> Array:
    """Tent map on [0, 1]: ``2x`` then ``2 - 2x``; equals ``2 relu(x) - 4 relu(x - 1/2)``."""
    x = np.asarray(x, dtype=float)
    return 2 * np.maximum(x, 0) - 4 * np.maximum(x - 0.5, 0)


def sawtooth_net(k: int) -> tuple[MLP, Array]:
    """A ReLU net with ``k`` hidden layers of 2 units computing ``tent^k`` on [0, 1]
    (Telgarsky's construction): the numpy MLP ``(1, 2, ..., 2, 1)`` and its parameters."""
    k = check_int(k, "k (depth)", minimum=1, maximum=20)
    a = np.array([[1.0], [1.0]])
    c = np.array([0.0, -0.5])
    read = np.array([[2.0, -4.0]])
    layers = [(a, c)] + [(a @ read, c.copy()) for _ in range(k - 1)] + [(read, np.zeros(1))]
    net = MLP((1,) + (2,) * k + (1,), activation="relu")
    return net, net.pack(layers)


def count_breakpoints(net: MLP, theta: Array, lo: float = 0.0, hi: float = 1.0) -> int:
    """Exact number of linear pieces of a 1-D-input ReLU net (``net``, ``theta``) on ``[lo, hi]``:
    split the interval at every unit's zero crossing, layer by layer (intervals, not a grid),
    then merge neighbouring pieces with the same slope and value."""
    if net.sizes[0] != 1 or net.activation != "relu":
        raise ValueError(f"net must be a ReLU MLP with 1 input, got sizes {net.sizes} and {net.activation!r}")
    layers = net.layers(theta)
    pieces = [(lo, hi, np.ones((1, 1)), np.zeros(1))]  # h = M x + m on [a, b]
    for W, b in layers[:-1]:
        nxt = []
        for a, bb, M, m in pieces:
            A, c = W @ M, W @ m + b
            cuts = sorted({float(-c[j] / A[j, 0]) for j in range(len(c)) if A[j, 0] != 0 and a < -c[j] / A[j, 0] < bb})
            pts = [a] + cuts + [bb]
            for u, v in zip(pts[:-1], pts[1:]):
                mid = 0.5 * (u + v)
                s = (A[:, 0] * mid + c > 0).astype(float)
                nxt.append((u, v, s[:, None] * A, s * c))
        pieces = nxt
    W, b = layers[-1]
    slopes = [(float((W @ M)[0, 0]), float((W @ m + b)[0])) for _, _, M, m in pieces]
    count = 1
    for (s1, i1), (s2, i2) in zip(slopes[:-1], slopes[1:]):
        if not (abs(s1 - s2) <= 1e-9 * max(1.0, abs(s1)) and abs(i1 - i2) <= 1e-9 * max(1.0, abs(i1))):
            count += 1
    return count


def sawtooth_fit(k: int = 3, depths: Sequence[int] = (1, 3), n_params: int | None = 100, seeds: int = 8,
                 steps: int = 3000, lr: float = 0.01, n_points: int = 257) -> tuple[list[FitResult], Array, dict[str, Array]]:
    """Fit ``tent^k`` (``2^k`` pieces) with ReLU MLPs of each depth at the same parameter
    budget (``n_params=None``: that of the width-2 depth-``k`` construction). Returns the results (``success`` = fraction of seeds with MSE < 1e-3),
    the grid ``x`` and the best fit of each depth on it."""
    k = check_int(k, "k (depth)", minimum=1, maximum=8)
    x = np.linspace(0, 1, n_points)
    y = x.copy()
    for _ in range(k):
        y = tent(y)
    P = n_params if n_params is not None else MLP((1,) + (2,) * k + (1,)).n_params
    out, curves = [], {}
    for L in depths:
        w = equal_params_widths(P, 1, L)
        net = MLP((1,) + w + (1,), activation="relu")
        theta, hist = _train_seeds(net, x[:, None], y, seeds, steps, lr, "mse")
        pred = mlp_logits(net, theta, x[:, None])
        mse = ((pred - y) ** 2).mean(axis=1)
        name = f"{L} hidden layer{'s' if L > 1 else ''}"
        out.append(FitResult(name, w, net.n_params, float(np.mean(mse < 1e-3)), [], mse.tolist()))
        curves[name] = pred[int(np.argmin(mse))].astype(np.float32)
    return out, x.astype(np.float32), curves


@dataclass
class SawtoothData:
    depth: int
    x: Array
    target: Array
    best: Array
    mse: list[float]
    widths: tuple[int, ...]
    n_params: int


def sawtooth_demo(depth: int, k: int = 3, n_params: int = 100, seeds: int = 8, steps: int = 3000) -> SawtoothData:
    """The best of ``seeds`` trained ReLU nets with ``depth`` hidden layers on ``tent^k``."""
    depth = check_int(depth, "depth", minimum=1, maximum=10)
    res, x, curves = sawtooth_fit(k=k, depths=(depth,), n_params=n_params, seeds=seeds, steps=steps)
    y = x.astype(float)
    for _ in range(k):
        y = tent(y)
    r = res[0]
    return SawtoothData(depth, x, y.astype(np.float32), curves[r.name], r.final_loss, r.widths, r.n_params)


def draw_sawtooth(data: SawtoothData):
    """Target sawtooth and the best trained fit, with the per-run errors in the status line."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure, status_annotation

    fig = new_figure(x_title="x", y_title="output", height=400)
    fig.add_trace(go.Scatter(x=data.x, y=data.target, mode="lines", name="target", line=dict(color=color("theory"), width=3)))
    fig.add_trace(go.Scatter(x=data.x, y=data.best, mode="lines", name="best trained net",
                             line=dict(color=color("momentum"), width=2)))
    text = (f"{data.depth} hidden layer(s) {'-'.join(map(str, data.widths))}, {data.n_params} parameters<br>"
            f"MSE of the runs: {', '.join(f'{m:.3f}' for m in sorted(data.mse))}")
    fig.update_layout(annotations=[status_annotation(text)])
    fig.update_yaxes(range=[-0.2, 1.35])
    return fig


# --------------------------------------------------------------------------- feature reuse

COLOURS = ("green", "red", "white")
OBJECTS = ("car", "bus", "house")


def feature_reuse_task(unseen: tuple[str, str] = ("red", "house"), per_combo: int = 20, noise: float = 0.3,
                       seed: int = 0) -> dict[str, Array]:
    """The lecture's "green car, red car, green bus, red bus, white house -> red house".

    An input is a noisy 16-dimensional "picture": a colour code (fixed random 8-d pattern
    per colour) next to a shape code (fixed random 8-d pattern per object). Two attributes
    are to be reported: *is it red?* and *is it a house?* Training uses every
    colour-object combination except ``unseen``; the test set is ``unseen`` only.
    """
    if unseen[0] not in COLOURS or unseen[1] not in OBJECTS:
        raise ValueError(f"unseen must be (colour in {COLOURS}, object in {OBJECTS}), got {unseen!r}")
    per_combo = check_int(per_combo, "per_combo", minimum=1)
    rng = np.random.default_rng(seed)
    colour_code = {c: rng.choice([-1.0, 1.0], size=8) for c in COLOURS}
    object_code = {o: rng.choice([-1.0, 1.0], size=8) for o in OBJECTS}

    def make(combos):
        X, Y = [], []
        for c, o in combos:
            base = np.concatenate([colour_code[c], object_code[o]])
            for _ in range(per_combo):
                X.append(base + noise * rng.normal(size=16))
                Y.append([float(c == "red"), float(o == "house")])
        return np.array(X), np.array(Y)

    train = [(c, o) for c in COLOURS for o in OBJECTS if (c, o) != tuple(unseen)]
    Xtr, Ytr = make(train)
    Xte, Yte = make([tuple(unseen)])
    return {"X_train": Xtr, "Y_train": Ytr, "X_test": Xte, "Y_test": Yte}


def feature_reuse_scores(task: dict[str, Array], steps: int = 300, lr: float = 0.05) -> dict[str, dict[str, float]]:
    """Accuracy on the unseen combination for each attribute and for both together.

    * **distributed**: one hyperplane per attribute (logistic regression, the book's Adam),
      shared by all combinations: the "red" hyperplane learned on cars and buses cuts
      through the houses too;
    * **local**: 1-nearest neighbour over the stored training examples.
    """
    Xtr, Ytr, Xte, Yte = task["X_train"], task["Y_train"], task["X_test"], task["Y_test"]
    net = MLP((Xtr.shape[1], 1))
    theta, _ = train_mlp(net, Xtr, Ytr.T, steps=check_int(steps, "steps", minimum=1), lr=lr)
    dist = (mlp_logits(net, theta, Xte) > 0).T.astype(float)
    d2 = ((Xte[:, None, :] - Xtr[None, :, :]) ** 2).sum(axis=2)
    local = Ytr[np.argmin(d2, axis=1)]
    out = {}
    for name, P in (("distributed (one hyperplane per attribute)", dist), ("local (nearest neighbour)", local)):
        ok = P == Yte
        out[name] = {"is red": float(ok[:, 0].mean()), "is a house": float(ok[:, 1].mean()),
                     "both": float(ok.all(axis=1).mean())}
    return out


# --------------------------------------------------------------------------- distributed vs local


def _clip(poly: Array, a: Array, c: float) -> Array | None:
    """Part of convex polygon where ``a·x + c <= 0`` (floats)."""
    v = poly @ a + c
    out = []
    m = len(poly)
    for i in range(m):
        p, q, vp, vq = poly[i], poly[(i + 1) % m], v[i], v[(i + 1) % m]
        if vp <= 0:
            out.append(p)
        if (vp < 0 < vq) or (vq < 0 < vp):
            out.append(p + vp / (vp - vq) * (q - p))
    return np.array(out) if len(out) >= 3 else None


@dataclass
class LocalDistributedData:
    n_units: int
    lines: Array            # (n, 2, 2) segments of the hyperplanes (clipped to the box)
    prototypes: Array       # (n, 2)
    voronoi: Array          # NaN-separated outlines of the nearest-neighbour cells
    region_fills: list[Array]  # 6 classes of NaN-separated polygons (distributed regions)
    cell_fills: list[Array]    # 6 classes of NaN-separated polygons (local cells)
    n_regions: int
    n_cells: int


def distributed_vs_local_demo(n_units: int, seed: int = 3) -> LocalDistributedData:
    """``n`` hidden units (lines) vs ``n`` prototypes (nearest neighbour) in the square
    ``[-1, 1]^2``: the lines carve up to ``1 + n + C(n, 2)`` regions, the prototypes ``n``."""
    from lecture_code.core.regions import split_box_by_lines

    n = check_int(n_units, "n_units", minimum=1, maximum=12)
    rng = np.random.default_rng(seed)
    # lines through random points of the inner square with random directions (integers / 8)
    pts = rng.integers(-5, 6, size=(12, 2)) / 8.0
    ang = rng.uniform(0, np.pi, size=12)
    Wl = np.round(np.column_stack([np.cos(ang), np.sin(ang)]) * 16).astype(int)
    bl = -np.round((Wl * pts).sum(axis=1) * 8).astype(int)  # w·x*8 + b8 = 0 with x in 1/8 units
    W, b = Wl[:n], bl[:n]
    box8 = (-8, 8, -8, 8)
    cells = split_box_by_lines(W, b, box8)
    polys = [np.array([[float(x) / 8, float(y) / 8] for x, y in c]) for c in cells]
    segs = []
    square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    for w, c in zip(W, b):
        v = square @ w * 8 + c
        ends = []
        for i in range(4):
            p, q, vp, vq = square[i], square[(i + 1) % 4], v[i], v[(i + 1) % 4]
            if vp == 0:
                ends.append(p)
            elif vp * vq < 0:
                ends.append(p + vp / (vp - vq) * (q - p))
        segs.append(np.array(ends[:2]))
    protos = rng.uniform(-0.9, 0.9, size=(12, 2))[:n]
    vor = []
    for i in range(n):
        poly = square.copy()
        for j in range(n):
            if i != j and poly is not None:
                a = protos[j] - protos[i]
                c = -(protos[j] @ protos[j] - protos[i] @ protos[i]) / 2
                poly = _clip(poly, a, c)
        if poly is not None:
            vor.append(poly)
    nan = np.full((1, 2), np.nan)

    def classes(ps: list[Array]) -> list[Array]:
        out = []
        for k in range(6):
            sel = [np.vstack([p, p[:1], nan]) for i, p in enumerate(ps) if i % 6 == k]
            out.append(np.vstack(sel).astype(np.float32) if sel else np.zeros((0, 2), np.float32))
        return out

    return LocalDistributedData(
        n_units=n,
        lines=np.array(segs, dtype=np.float32).reshape(n, 2, 2),
        prototypes=protos.astype(np.float32),
        voronoi=np.vstack([np.vstack([p, p[:1], nan]) for p in vor]).astype(np.float32),
        region_fills=classes(polys),
        cell_fills=classes(vor),
        n_regions=len(polys),
        n_cells=len(vor),
    )


def draw_distributed_vs_local(data: LocalDistributedData):
    """Left: regions carved by ``n`` hyperplanes; right: cells of ``n`` prototypes."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import CYCLE, color, new_figure, status_annotation

    fig = new_figure(cols=2, horizontal_spacing=0.06, height=450, legend=None, margin=dict(l=40, b=70),
                     subplot_titles=("distributed: n hidden units (hyperplanes)", "local: n prototypes (nearest neighbour)"))
    for col, fills in ((1, data.region_fills), (2, data.cell_fills)):
        for k, f in enumerate(fills):
            fig.add_trace(go.Scatter(x=f[:, 0], y=f[:, 1], mode="lines", fill="toself", fillcolor=CYCLE[k], opacity=0.3,
                                     line=dict(width=0), hoverinfo="skip", showlegend=False), row=1, col=col)
    xs, ys = [], []
    for s in data.lines:
        xs += [float(s[0, 0]), float(s[1, 0]), None]
        ys += [float(s[0, 1]), float(s[1, 1]), None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#333", width=1.5), name="hyperplanes",
                             showlegend=False), row=1, col=1)
    fig.add_trace(go.Scatter(x=data.voronoi[:, 0], y=data.voronoi[:, 1], mode="lines", line=dict(color="#333", width=1),
                             name="cell borders", showlegend=False), row=1, col=2)
    fig.add_trace(go.Scatter(x=data.prototypes[:, 0], y=data.prototypes[:, 1], mode="markers", name="prototypes",
                             marker=dict(color=color("start"), size=7), showlegend=False), row=1, col=2)
    n = data.n_units
    text = (f"n = {n}: hyperplanes carve {data.n_regions} regions of the square (≤ 1 + n + n(n−1)/2 = {max_regions(n, 2)}); "
            f"prototypes carve {data.n_cells}")
    fig.update_layout(annotations=list(fig.layout.annotations) + [status_annotation(text)])
    fig.layout.annotations[-1].update(y=-0.08, yanchor="top")
    for c in (1, 2):
        fig.update_xaxes(range=[-1, 1], row=1, col=c, showticklabels=False)
        fig.update_yaxes(range=[-1, 1], row=1, col=c, showticklabels=False, scaleanchor="x" if c == 1 else "x2")
    return fig


# --------------------------------------------------------------------------- interactive demo

#: The line families the demo offers.
LINE_FAMILIES = ("general position", "parallel", "concurrent")


def _family_lines(family: str, n: int) -> tuple[list[list[int]], list[int]]:
    """Deterministic integer lines ``a x + c y + e = 0`` for the demo, up to 12 of them."""
    if family == "general position":
        # slopes all different, no three concurrent (checked in tests)
        # ordered so that every prefix keeps its crossings well apart
        pool = [(-1, -4, 3), (1, -3, 4), (0, 9, 7), (-8, 9, 3), (3, 6, 2), (8, 9, -7),
                (-5, 0, -7), (6, -1, 5), (6, -9, 0), (5, -1, 3), (8, -5, -3), (9, -7, 2)]
    elif family == "parallel":
        # three directions, four parallel lines each (no three lines through a point)
        pool = [(1, -2, 5), (2, 1, -5), (1, 3, 5), (1, -2, 3), (2, 1, 0), (1, 3, 3),
                (1, -2, 0), (2, 1, 7), (1, 3, -6), (1, -2, -4), (2, 1, 4), (1, 3, -2)]
    elif family == "concurrent":
        # three pencils of four lines, through (0, 0), (2, 1) and (-2, 1)
        pool = [(1, 0, 0), (1, 1, -3), (1, -2, 4), (0, 1, 0), (2, -1, -3), (3, 1, 5),
                (1, -1, 0), (1, -4, 2), (1, 3, -1), (1, 2, 0), (3, 1, -7), (1, 4, -2)]
    else:
        raise ValueError(f"family must be one of {LINE_FAMILIES}, got {family!r}")
    W = [[a, c] for a, c, _ in pool[:n]]
    b = [e for _, _, e in pool[:n]]
    return W, b


@dataclass
class LineArrangementData:
    """What :func:`line_arrangement_demo` returns (all plot arrays float32)."""

    n_lines: int
    family: str
    segments: np.ndarray          # (n, 2, 2) endpoints of each line clipped to the box
    crossings_new: np.ndarray     # (m, 2) distinct crossing points on the newest line
    crossings_old: np.ndarray     # (k, 2) other crossing points
    cells: list[np.ndarray]       # polygons of the regions inside the box
    regions: int                  # exact count (deletion-restriction)
    added_by_last: int            # regions added by the newest line
    formula: int                  # 1 + n + n(n-1)/2 (general position)
    box: tuple[float, float, float, float]


def line_arrangement_demo(n_lines: int, family: str = "general position") -> LineArrangementData:
    """Lines added one at a time: what the newest line crosses and how many regions exist.

    The count is exact (:func:`count_regions`), and the drawn cells come from exact
    polygon splitting of a box that contains all crossings, so the picture and the number
    agree. ``family`` picks general position, parallel families, or concurrent pencils.
    """
    n = check_int(n_lines, "n_lines", maximum=12)
    W, b = _family_lines(family, n)
    box = (-8.0, 8.0, -8.0, 8.0)
    regions = count_regions(W, b, 2)
    added = regions_added(W, b, 2)[-1] if n else 0
    cells = split_box_by_lines(W, b, box) if n else [[(Fraction(box[0]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[3])), (Fraction(box[0]), Fraction(box[3]))]]
    segs = []
    for (a, c), e in zip(W, b):
        pts = clip_polygon([(Fraction(box[0]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[3])), (Fraction(box[0]), Fraction(box[3]))], Fraction(a), Fraction(c), Fraction(e), True)
        on = [p for p in pts if a * p[0] + c * p[1] + e == 0]
        segs.append([[float(p[0]), float(p[1])] for p in on[:2]])
    # crossing points
    newest, old = set(), set()
    hyps = [tuple(map(Fraction, (a, c, e))) for (a, c), e in zip(W, b)]
    for i in range(n):
        for j in range(i):
            a1, b1, c1 = hyps[i]
            a2, b2, c2 = hyps[j]
            det = a1 * b2 - a2 * b1
            if det == 0:
                continue
            pt = ((b1 * c2 - b2 * c1) / det, (c1 * a2 - c2 * a1) / det)
            (newest if i == n - 1 else old).add(pt)
    old -= newest
    assert regions == len(cells), "box too small for the demo lines"
    as_arr = lambda s: np.array(sorted((float(x), float(y)) for x, y in s), dtype=np.float32).reshape(-1, 2)  # noqa: E731
    return LineArrangementData(
        n_lines=n,
        family=family,
        segments=np.array(segs, dtype=np.float32).reshape(n, 2, 2),
        crossings_new=as_arr(newest),
        crossings_old=as_arr(old),
        cells=[np.array([[float(x), float(y)] for x, y in poly], dtype=np.float32) for poly in cells],
        regions=regions,
        added_by_last=added,
        formula=max_regions(n, 2),
        box=box,
    )


def draw_line_arrangement(data: LineArrangementData):
    """Regions shaded in 8 colour classes, old lines grey, the newest line highlighted.

    The number of traces is the same for every ``data`` (slider frames need that)."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import CYCLE, color, new_figure, status_annotation

    fig = new_figure(x_title="x₁", y_title="x₂", equal_axes=True, height=520)
    n_classes = 8
    for k in range(n_classes):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for i, poly in enumerate(data.cells):
            if i % n_classes != k:
                continue
            xs += poly[:, 0].tolist() + [poly[0, 0].item(), None]
            ys += poly[:, 1].tolist() + [poly[0, 1].item(), None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=CYCLE[k],
                                 opacity=0.25, line=dict(width=0), hoverinfo="skip", showlegend=False))
    n = data.n_lines
    xs, ys = [], []
    for s in data.segments[: max(n - 1, 0)]:
        xs += [float(s[0, 0]), float(s[1, 0]), None]
        ys += [float(s[0, 1]), float(s[1, 1]), None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="earlier lines", line=dict(color="#555", width=1.5)))
    last = data.segments[n - 1] if n else np.zeros((0, 2), dtype=np.float32)
    fig.add_trace(go.Scatter(x=last[:, 0], y=last[:, 1], mode="lines", name="newest line",
                             line=dict(color=color("maximum"), width=3)))
    fig.add_trace(go.Scatter(x=data.crossings_old[:, 0], y=data.crossings_old[:, 1], mode="markers",
                             name="earlier crossings", marker=dict(color="#555", size=6)))
    fig.add_trace(go.Scatter(x=data.crossings_new[:, 0], y=data.crossings_new[:, 1], mode="markers",
                             name="crossings of the newest line", marker=dict(color=color("maximum"), size=10, symbol="x")))
    m = len(data.crossings_new)
    if n == 0:
        text = "0 lines: 1 region"
    else:
        text = (f"{n} lines: {data.regions} regions (formula 1 + n + n(n−1)/2 = {data.formula})<br>"
                f"newest line: {m} distinct crossing{'s' if m != 1 else ''} → +{data.added_by_last} regions")
    fig.update_layout(annotations=[status_annotation(text, warn=data.regions != data.formula, above=True)],
                      # the status line takes the room above the plot; the legend goes in its top-right
                      # corner, outside the box of regions (the axes are wider than the box)
                      margin=dict(t=60), legend=dict(orientation="v", x=1, xanchor="right", y=1, yanchor="top",
                                                     bgcolor="rgba(255,255,255,0.85)"))
    x0, x1, y0, y1 = data.box
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    return fig


@dataclass
class DepthComparison:
    """Regions at a fixed number of units as depth grows."""

    total_units: int
    depths: list[int]
    widths: list[tuple[int, ...]]
    lower: list[int]            # Montúfar lower bound (0 where it does not apply)
    upper: list[int]            # Serra upper bound
    construction: list[int]     # exact count of the folding construction on [0,1]^2 (0 if n/a)
    random_mean: list[float]    # exact counts for random nets (mean over seeds) on the box
    random_max: list[int]


def depth_comparison(total_units: int = 12, depths: Sequence[int] = (1, 2, 3), n_random: int = 3,
                     box: tuple[float, float, float, float] = (-4.0, 4.0, -4.0, 4.0)) -> DepthComparison:
    """Exact counts vs the bounds, at ``total_units`` hidden units split over each depth."""
    N = check_int(total_units, "total_units", minimum=1, maximum=64)
    n_random = check_int(n_random, "n_random", minimum=0)
    res = DepthComparison(N, [], [], [], [], [], [], [])
    for L in depths:
        L = check_int(L, "depth", minimum=1, maximum=N)
        w = equal_units_widths(N, L)
        res.depths.append(L)
        res.widths.append(w)
        res.lower.append(montufar_lower_bound(w) if min(w) >= 2 else 0)
        res.upper.append(serra_upper_bound(w))
        if all(x % 2 == 0 for x in w[:-1]) and min(w) >= 2:
            res.construction.append(count_linear_regions(montufar_network(w), (0.0, 1.0, 0.0, 1.0)))
        else:
            res.construction.append(0)
        counts = [count_linear_regions(random_relu_net(w, seed=s), box) for s in range(n_random)]
        res.random_mean.append(float(np.mean(counts)) if counts else 0.0)
        res.random_max.append(max(counts) if counts else 0)
    return res


def draw_depth_comparison(res: DepthComparison):
    """Regions vs depth at a fixed number of units (log scale)."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import color, new_figure

    fig = new_figure(x_title=f"depth L ({res.total_units} hidden units in total)", y_title="number of linear regions",
                     height=440)
    x = res.depths
    fig.add_trace(go.Scatter(x=x, y=res.upper, mode="lines+markers", name="Serra et al. upper bound",
                             line=dict(color=color("theory"), dash="dash")))
    fig.add_trace(go.Scatter(x=x, y=[v or None for v in res.lower], mode="lines+markers", name="Montúfar et al. lower bound",
                             line=dict(color=color("theory"), dash="dot")))
    fig.add_trace(go.Scatter(x=x, y=[v or None for v in res.construction], mode="lines+markers",
                             name="folding construction (exact count)", line=dict(color=color("momentum"), width=3)))
    fig.add_trace(go.Scatter(x=x, y=res.random_mean, mode="lines+markers", name="random He-init nets (exact, mean)",
                             line=dict(color=color("gd"), width=3)))
    fig.update_yaxes(type="log", range=[0, 4.5])
    fig.update_xaxes(tickvals=x, ticktext=[f"{L}: {'-'.join(map(str, w))}" for L, w in zip(x, res.widths)])
    return fig


# --------------------------------------------------------------------------- interactive demo


@dataclass
class ReluRegionsData:
    width: int
    depth: int
    construction: bool
    outlines: Array        # (k, 2) float32 polygon outlines separated by NaN rows
    fills: list[Array]     # 6 colour classes, NaN-separated polygons
    regions: int
    upper: int
    lower: int
    box: tuple[float, float, float, float]


def relu_regions_demo(width: int, depth: int, construction: bool = False, seed: int = 0) -> ReluRegionsData:
    """Activation regions of a ReLU net with ``depth`` hidden layers of ``width`` units.

    ``construction=False``: a random He-initialised net on ``[-4, 4]^2``;
    ``construction=True``: the Montúfar folding net on ``[0, 1]^2`` (``width`` even).
    """
    width = check_int(width, "width", minimum=1, maximum=8)
    depth = check_int(depth, "depth", minimum=1, maximum=6)
    widths = (width,) * depth
    if construction:
        net, box = montufar_network(widths, seed), (0.0, 1.0, 0.0, 1.0)
    else:
        net, box = random_relu_net(widths, seed), (-4.0, 4.0, -4.0, 4.0)
    pieces = linear_region_pieces(net, box)
    nan = np.full((1, 2), np.nan)
    outl = [np.vstack([p, p[:1], nan]) for p, _ in pieces]
    fills = []
    for k in range(6):
        polys = [np.vstack([p, p[:1], nan]) for i, (p, _) in enumerate(pieces) if i % 6 == k]
        fills.append(np.vstack(polys).astype(np.float32) if polys else np.zeros((0, 2), np.float32))
    return ReluRegionsData(width, depth, construction, np.vstack(outl).astype(np.float32), fills, len(pieces),
                           serra_upper_bound(widths), montufar_lower_bound(widths) if width >= 2 else 0, box)


def draw_relu_regions(data: ReluRegionsData):
    """The regions as filled polygons with the exact count and both bounds in the status line."""
    import plotly.graph_objects as go

    from lecture_code.core.plotting import CYCLE, new_figure, status_annotation

    fig = new_figure(x_title="x₁", y_title="x₂", equal_axes=True, height=520)
    for k, f in enumerate(data.fills):
        fig.add_trace(go.Scatter(x=f[:, 0], y=f[:, 1], mode="lines", fill="toself", fillcolor=CYCLE[k], opacity=0.3,
                                 line=dict(width=0), hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=data.outlines[:, 0], y=data.outlines[:, 1], mode="lines", line=dict(color="#333", width=0.7),
                             hoverinfo="skip", name="region boundaries", showlegend=False))
    text = (f"{data.depth} × {data.width} units: {data.regions} regions (exact)<br>"
            f"Montúfar lower bound {data.lower}, Serra upper bound {data.upper}")
    fig.update_layout(annotations=[status_annotation(text, above=True)], margin=dict(t=60))
    x0, x1, y0, y1 = data.box
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    return fig


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cells, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cells only call them (docs/CONVENTIONS.md, "Quizzes").

def self_check_quiz() -> Quiz:
    """The chapter's self-check: the regions of 4 lines, the regions a line with a shared crossing
    adds, which statements on regions, labelings and depth hold (the numbers from
    :func:`region_labelings`, :func:`~lecture_code.core.regions.montufar_lower_bound` and
    :func:`~lecture_code.core.regions.max_regions`), the regions of 6 lines (``max_regions(6, 2)``)
    and the linear pieces of the tent map composed 5 times (:func:`count_breakpoints` of
    :func:`sawtooth_net`)."""
    return quiz(
        Question(
            "How many regions do 4 lines in general position carve out of the plane?",
            [("8", False, "That is 2 + 2 + 2 + 2: it forgets the crossings."),
             ("11", True, "1 + n + n(n−1)/2 = 1 + 4 + 6."),
             ("16", False, "2⁴ sign patterns exist, but 4 lines in 2-D realize only 11 of them.")],
            multiple=False,
        ),
        Question(
            "A new line crosses 3 earlier lines, two of them at the same point. How many regions does it add?",
            [("3", True, "It has 2 distinct crossing points, so it is cut into 3 pieces; each splits a region."),
             ("4", False, "That would be 3 distinct crossings; the shared point counts once."),
             ("2", False, "A line with k distinct crossings adds k + 1 regions, not k.")],
            multiple=False,
        ),
        Question(
            "Which statements are true?",
            [("n hyperplanes in d dimensions carve O(n^d / d!) regions.", True, "Σ_{j≤d} C(n, j), dominated by C(n, d)."),
             ("With one hidden layer of hyperplanes, any labeling of the regions can be read out by one output unit.",
              False, f"Two lines, four regions: XOR is not realizable ({region_labelings(2).realizable} of "
                     f"{region_labelings(2).all_labelings} labelings are)."),
             ("At a fixed number of ReLU units in 2-D, a deeper network can have more linear regions than a shallow one.",
              True, f"Montúfar's construction: 6-6 units give {montufar_lower_bound((6, 6))} regions, "
                    f"one layer of 12 at most {max_regions(12, 2)}."),
                      ("A randomly initialised deep ReLU net typically reaches the Montúfar bound.", False,
              "Random nets stay far below it; the bound is reached by a special folding construction.")],
            multiple=True,
        ),
        NumericQuestion(
            "How many regions do 6 lines in general position carve out of the plane?",
            max_regions(6, 2), 0, unit="regions",
            explanation=f"1 + n + n(n − 1)/2 = 1 + 6 + 15 = {max_regions(6, 2)}: the parallel lines' n + 1, plus one "
                        "region per crossing.",
        ),
        NumericQuestion(
            "The tent map composed 5 times (5 hidden layers of 2 ReLU units): how many linear pieces has the "
            "sawtooth on [0, 1]?",
            count_breakpoints(*sawtooth_net(5)), 0, unit="pieces",
            explanation=f"Each composition doubles the number of pieces: 2⁵ = {count_breakpoints(*sawtooth_net(5))}. "
                        f"One hidden layer would need {count_breakpoints(*sawtooth_net(5)) - 1} units for as many.",
        ),
    )
