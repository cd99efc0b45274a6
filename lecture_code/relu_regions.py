"""Linear regions of ReLU networks with 2-D input, counted exactly, and the known bounds.

A ReLU network is affine on each *activation region*: the set of inputs that switch on
the same units in every layer. The first layer's units are hyperplanes (lines in 2-D),
so one layer of ``n`` units gives at most ``1 + n + n(n-1)/2`` regions
(:func:`lecture_code.regions.max_regions`). A second layer's units are lines in the
*first layer's output*: pulled back to the input they bend at every first-layer boundary,
and they cut *each* existing region again. That is how depth multiplies regions.

:func:`count_linear_regions` counts them exactly by splitting polygons: start from the
input box, and for each layer cut every current convex piece by each unit's zero line
(the unit's pre-activation is affine on the piece); the pieces that survive all layers
are the activation regions. No grid sampling.

Bounds, for ``n_0`` inputs and hidden widths ``n_1, ..., n_L``:

* Montúfar, Pascanu, Cho & Bengio (2014), lower bound on the *maximal* number (when every
  ``n_l >= n_0``), attained by a "folding" construction (:func:`montufar_network`)::

      prod_{l=1}^{L-1} floor(n_l / n_0)^{n_0}  *  sum_{j=0}^{n_0} C(n_L, j)

* Serra, Tjandraatmadja & Ramalingam (2018), upper bound::

      sum over (j_1..j_L) in J of prod_l C(n_l, j_l),
      J = {0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import comb, prod
from typing import Sequence

import numpy as np

from lecture_code.regions import check_count

__all__ = [
    "ReluNet",
    "random_relu_net",
    "montufar_network",
    "linear_region_pieces",
    "count_linear_regions",
    "montufar_lower_bound",
    "serra_upper_bound",
    "shallow_max_regions",
    "equal_units_widths",
    "DepthComparison",
    "depth_comparison",
    "draw_depth_comparison",
    "ReluRegionsData",
    "relu_regions_demo",
    "draw_relu_regions",
]

Array = np.ndarray


@dataclass(frozen=True)
class ReluNet:
    """Hidden layers ``h_l = relu(W_l h_{l-1} + b_l)`` with ``h_0 = x`` in ``R^2``.

    ``weights[l]`` has shape ``(n_{l+1}, n_l)``. The linear read-out is irrelevant to the
    regions and is left out."""

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(W.shape[0] for W in self.weights)

    def __call__(self, x: Array) -> Array:
        h = np.asarray(x, dtype=float)
        for W, b in zip(self.weights, self.biases):
            h = np.maximum(h @ W.T + b, 0.0)
        return h

    def pattern(self, x: Array) -> Array:
        """Activation pattern (concatenated 0/1 over all units) at inputs ``x`` (n, 2)."""
        h = np.asarray(x, dtype=float)
        out = []
        for W, b in zip(self.weights, self.biases):
            z = h @ W.T + b
            out.append(z > 0)
            h = np.maximum(z, 0.0)
        return np.concatenate(out, axis=1)


def _check_widths(widths: Sequence[int]) -> tuple[int, ...]:
    if isinstance(widths, (int, np.integer)) or len(widths) == 0:
        raise ValueError(f"widths must be a non-empty sequence of layer widths >= 1, got {widths!r}")
    return tuple(check_count(w, "layer width", minimum=1) for w in widths)


def random_relu_net(widths: Sequence[int], seed: int = 0, bias_scale: float = 0.5) -> ReluNet:
    """He-initialised weights (normal, variance 2 / fan-in) and normal biases."""
    widths = _check_widths(widths)
    rng = np.random.default_rng(seed)
    Ws, bs, fan_in = [], [], 2
    for w in widths:
        Ws.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(w, fan_in)))
        bs.append(bias_scale * rng.normal(size=w))
        fan_in = w
    return ReluNet(tuple(Ws), tuple(bs))


def montufar_network(widths: Sequence[int], seed: int = 0) -> ReluNet:
    """The folding construction behind the Montúfar et al. lower bound, for 2-D input.

    Every layer but the last has width ``n_l = 2 p_l`` (even): ``p_l`` units per input
    coordinate compute ``relu(y_i - k/p_l)``, ``k = 0..p_l-1``, and the next layer reads
    the zig-zag ``y_i' = p_l (u_0 - 2 u_1 + 2 u_2 - ...)``, which maps ``[0, 1]`` onto itself
    ``p_l`` times. The square ``[0, 1]^2`` is folded ``p_l^2`` times per layer. The last
    layer puts ``n_L`` lines in general position with all crossings inside the folded
    square, so every one of the ``prod p_l^2`` folded copies holds the full arrangement of
    ``1 + n_L + C(n_L, 2)`` regions. Count its regions on the domain ``[0, 1]^2``.
    """
    widths = _check_widths(widths)
    for l, w in enumerate(widths[:-1]):
        if w % 2:
            raise ValueError(f"montufar_network: hidden layer {l + 1} width must be even (2 units per fold and coordinate), got {w}")
    rng = np.random.default_rng(seed)
    Ws, bs = [], []
    # read-out of the previous layer as the two folded coordinates: y = R h + r
    R = np.eye(2)
    r = np.zeros(2)
    for w in widths[:-1]:
        p = w // 2
        A = np.zeros((w, 2))
        c = np.zeros(w)
        for i in range(2):
            for k in range(p):
                A[i * p + k, i] = 1.0
                c[i * p + k] = -k / p
        Ws.append(A @ R)
        bs.append(A @ r + c)
        zig = np.array([p * (1.0 if k == 0 else 2.0 * (-1) ** k) for k in range(p)])
        R = np.zeros((2, w))
        R[0, :p] = zig
        R[1, p:] = zig
        r = np.zeros(2)
    n = widths[-1]
    angles = np.pi * (np.arange(n) + 0.5) / n + 0.05 * rng.uniform(-1, 1, n)
    normals = np.column_stack([np.cos(angles), np.sin(angles)])
    points = 0.5 + 0.03 * rng.uniform(-1, 1, size=(n, 2))
    Ws.append(normals @ R)
    bs.append(normals @ r - np.sum(normals * points, axis=1))
    return ReluNet(tuple(Ws), tuple(bs))


# --------------------------------------------------------------------------- exact splitting


def _split(poly: Array, vals: Array, tol: float) -> tuple[Array | None, Array | None]:
    """Split convex polygon (m, 2) by the affine function with vertex values ``vals``.

    Returns (positive part, negative part); ``None`` for an empty part."""
    if vals.max() <= tol:
        return None, poly
    if vals.min() >= -tol:
        return poly, None
    pos, neg = [], []
    m = len(poly)
    for i in range(m):
        p, q = poly[i], poly[(i + 1) % m]
        vp, vq = vals[i], vals[(i + 1) % m]
        if vp >= -tol:
            pos.append(p)
        if vp <= tol:
            neg.append(p)
        if (vp > tol and vq < -tol) or (vp < -tol and vq > tol):
            t = vp / (vp - vq)
            x = p + t * (q - p)
            pos.append(x)
            neg.append(x)
    return np.array(pos), np.array(neg)


def _area(poly: Array) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def linear_region_pieces(net: ReluNet, box: tuple[float, float, float, float] = (-4.0, 4.0, -4.0, 4.0),
                         tol: float = 1e-10) -> list[tuple[Array, tuple[bool, ...]]]:
    """The activation regions of ``net`` inside ``box``: list of (polygon, pattern).

    Each piece carries the affine map ``x -> h_l(x)`` of the current layer; a unit whose
    pre-activation is affine on the piece cuts it along one line. Pieces thinner than
    ``tol`` (relative area) are dropped as numerical slivers.
    """
    x0, x1, y0, y1 = (float(v) for v in box)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"box must satisfy xmin < xmax and ymin < ymax, got {box}")
    min_area = tol * (x1 - x0) * (y1 - y0)
    scale = max(abs(x0), abs(x1), abs(y0), abs(y1))
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    # piece: (polygon, M (n_l, 2), m (n_l,), pattern)
    pieces = [(square, np.eye(2), np.zeros(2), ())]
    for W, b in zip(net.weights, net.biases):
        nxt = []
        for poly, M, m, pat in pieces:
            A = W @ M  # pre-activation z = A x + c on this piece
            c = W @ m + b
            cells = [(poly, ())]
            for j in range(W.shape[0]):
                norm = float(np.abs(A[j]).sum() * scale + abs(c[j])) or 1.0
                new_cells = []
                for cp, s in cells:
                    vals = cp @ A[j] + c[j]
                    pos, neg = _split(cp, vals, tol * norm)
                    if pos is not None and len(pos) >= 3 and _area(pos) > min_area:
                        new_cells.append((pos, s + (True,)))
                    if neg is not None and len(neg) >= 3 and _area(neg) > min_area:
                        new_cells.append((neg, s + (False,)))
                cells = new_cells
            for cp, s in cells:
                d = np.array(s, dtype=float)
                nxt.append((cp, d[:, None] * A, d * c, pat + s))
        pieces = nxt
    return [(p, pat) for p, _, _, pat in pieces]


def count_linear_regions(net: ReluNet, box: tuple[float, float, float, float] = (-4.0, 4.0, -4.0, 4.0)) -> int:
    """Exact number of activation regions of ``net`` inside ``box`` (polygon splitting)."""
    return len(linear_region_pieces(net, box))


# --------------------------------------------------------------------------- bounds


def shallow_max_regions(n_units: int, n_in: int = 2) -> int:
    """One hidden layer: at most ``sum_{j<=n_in} C(n, j)`` regions (Zaslavsky)."""
    n = check_count(n_units, "n_units")
    d = check_count(n_in, "n_in", minimum=1)
    return sum(comb(n, j) for j in range(d + 1))


def montufar_lower_bound(widths: Sequence[int], n_in: int = 2) -> int:
    """Montúfar et al. (2014): a network with these widths can have at least
    ``prod_{l<L} floor(n_l/n_0)^{n_0} * sum_{j<=n_0} C(n_L, j)`` regions (needs n_l >= n_0)."""
    widths = _check_widths(widths)
    n0 = check_count(n_in, "n_in", minimum=1)
    for l, w in enumerate(widths):
        if w < n0:
            raise ValueError(f"montufar_lower_bound needs every width >= n_in = {n0}; layer {l + 1} has {w}")
    return prod((w // n0) ** n0 for w in widths[:-1]) * sum(comb(widths[-1], j) for j in range(n0 + 1))


def serra_upper_bound(widths: Sequence[int], n_in: int = 2) -> int:
    """Serra, Tjandraatmadja & Ramalingam (2018), Theorem 1:
    ``sum_{(j_1..j_L) in J} prod_l C(n_l, j_l)`` with
    ``J = {0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}``."""
    widths = _check_widths(widths)
    n0 = check_count(n_in, "n_in", minimum=1)
    total = 0

    def rec(l: int, cap: int, weight: int) -> None:
        nonlocal total
        if l == len(widths):
            total += weight
            return
        n = widths[l]
        for j in range(0, min(cap, n) + 1):
            # the cap for later layers includes n_l - j_l
            rec(l + 1, min(cap, n - j), weight * comb(n, j))

    rec(0, n0, 1)
    return total


def equal_units_widths(total_units: int, depth: int) -> tuple[int, ...]:
    """Split ``total_units`` over ``depth`` layers as evenly as possible (wider first)."""
    N = check_count(total_units, "total_units", minimum=1)
    L = check_count(depth, "depth", minimum=1, maximum=N)
    return tuple(N // L + (1 if i < N % L else 0) for i in range(L))


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
    N = check_count(total_units, "total_units", minimum=1, maximum=64)
    n_random = check_count(n_random, "n_random", minimum=0)
    res = DepthComparison(N, [], [], [], [], [], [], [])
    for L in depths:
        L = check_count(L, "depth", minimum=1, maximum=N)
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

    from lecture_code.plotting import color, new_figure

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
    width = check_count(width, "width", minimum=1, maximum=8)
    depth = check_count(depth, "depth", minimum=1, maximum=6)
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

    from lecture_code.plotting import CYCLE, new_figure, status_annotation

    fig = new_figure(x_title="x₁", y_title="x₂", equal_axes=True, height=520)
    for k, f in enumerate(data.fills):
        fig.add_trace(go.Scatter(x=f[:, 0], y=f[:, 1], mode="lines", fill="toself", fillcolor=CYCLE[k], opacity=0.3,
                                 line=dict(width=0), hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=data.outlines[:, 0], y=data.outlines[:, 1], mode="lines", line=dict(color="#333", width=0.7),
                             hoverinfo="skip", name="region boundaries", showlegend=False))
    text = (f"{data.depth} × {data.width} units: {data.regions} regions (exact)<br>"
            f"Montúfar lower bound {data.lower}, Serra upper bound {data.upper}")
    fig.update_layout(annotations=[status_annotation(text)])
    x0, x1, y0, y1 = data.box
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    return fig
