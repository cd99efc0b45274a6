"""How many regions do ``n`` hyperplanes carve out of ``d``-dimensional space?

The lecture (*Deep Nets 3*, EPFL, part 7) answers with a *tilting argument*: start from ``n``
hyperplanes that are "vertical" in the last coordinate (so the picture is really
``(d-1)``-dimensional), then tilt them one by one; every tilt adds as many regions as the
tilted hyperplane gains crossings. The result, for hyperplanes in general position, is

.. math::  r(n, d) = \\sum_{j=0}^{d} \\binom{n}{j} = O\\!\\left(\\frac{n^d}{d!}\\right).

This module has the formula (:func:`max_regions`), the step-by-step tilting bookkeeping
(:func:`tilting_steps`), and an **exact** count for *any* arrangement
(:func:`count_regions`), including degenerate ones with parallel, coincident or
concurrent hyperplanes. The exact count uses the same idea as the lecture, made precise by
deletion-restriction: adding a hyperplane ``H`` to an arrangement adds exactly as many
regions as the earlier hyperplanes cut ``H`` itself into, and *that* is a region count
one dimension down. All arithmetic is rational (:class:`fractions.Fraction`), so there is no
tolerance and no sampling (a grid undercounts thin regions).

A hyperplane is given as ``(w, b)`` and means ``{x : w·x + b = 0}``.

----

Linear regions of ReLU networks with 2-D input, counted exactly, and the known bounds.

A ReLU network is affine on each *activation region*: the set of inputs that switch on
the same units in every layer. The first layer's units are hyperplanes (lines in 2-D),
so one layer of ``n`` units gives at most ``1 + n + n(n-1)/2`` regions
(:func:`lecture_code.core.regions.max_regions`). A second layer's units are lines in the
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
from fractions import Fraction
from math import comb, prod
from numbers import Integral, Rational
from typing import Iterable, Sequence

import numpy as np

from lecture_code.core.validate import check_int

__all__ = [
    "max_regions",
    "max_regions_closed_form",
    "tilting_steps",
    "TiltStep",
    "count_regions",
    "regions_added",
    "count_regions_2d_crossings",
    "split_box_by_lines",
    "clip_polygon",
    "random_arrangement",
    "ReluNet",
    "random_relu_net",
    "montufar_network",
    "linear_region_pieces",
    "count_linear_regions",
    "montufar_lower_bound",
    "serra_upper_bound",
    "shallow_max_regions",
    "equal_units_widths",
]


# --------------------------------------------------------------------------- validation


def max_regions(n: int, d: int) -> int:
    """Number of regions of ``n`` hyperplanes in general position in ``R^d``.

    ``r(n, d) = sum_{j=0}^{d} C(n, j)``; it is also the *maximum* over all arrangements of
    ``n`` hyperplanes. ``d = 0`` gives 1 (a point), ``d = 1`` gives ``n + 1``, ``d = 2``
    gives ``1 + n + n(n-1)/2``; for ``n <= d`` every sign pattern occurs: ``2^n``.

    Raises
    ------
    ValueError
        if ``n`` or ``d`` is not an integer ``>= 0``.
    """
    n = check_int(n, "n (number of hyperplanes)")
    d = check_int(d, "d (dimension)")
    return sum(comb(n, j) for j in range(d + 1))


def max_regions_closed_form(n: int, d: int) -> int:
    """The lecture's low-dimensional closed forms (for ``d <= 3``), kept separate from
    :func:`max_regions` so the two can check each other."""
    n = check_int(n, "n (number of hyperplanes)")
    d = check_int(d, "d (dimension)", maximum=3)
    if d == 0:
        return 1
    if d == 1:
        return n + 1
    if d == 2:
        return 1 + n + n * (n - 1) // 2
    return 1 + n + n * (n - 1) // 2 + n * (n - 1) * (n - 2) // 6


@dataclass(frozen=True)
class TiltStep:
    """One step of the tilting argument.

    In dimension ``d`` all ``n`` hyperplanes start "vertical" (independent of the last
    coordinate), carving ``r(n, d-1)`` regions as in ``d - 1`` dimensions. Step ``k`` tilts
    hyperplane ``k``; it gains ``new_regions = C(n-k, d-1)`` new crossings with the
    hyperplanes that are still vertical, and each new crossing opens one new region.
    """

    d: int
    k: int
    new_regions: int
    regions_after: int
    explanation: str


def tilting_steps(n: int, d: int) -> list[TiltStep]:
    """The lecture's tilting argument, step by step, from 1 to ``d`` dimensions.

    In dimension ``e`` we start from ``r(n, e-1)`` regions (all ``n`` hyperplanes vertical)
    and tilt them one at a time. When hyperplane ``k`` is tilted, the hyperplanes that are
    still vertical (``n - k`` of them) and their ``(e-2)``-dimensional crossings are cut by
    it; it gains ``C(n - k, e - 1)`` new crossings of the highest order, and each new
    crossing opens one new region. Summing over ``k`` gives
    ``sum_k C(n-k, e-1) = C(n, e)`` (hockey stick), hence
    ``r(n, e) = r(n, e-1) + C(n, e)`` and ``r(n, d) = sum_{j<=d} C(n, j)``.

    For ``e = 2`` this is the lecture's "tilting one line adds n-1 crossings, then n-2, ...,
    total n(n-1)/2"; for ``e = 3`` tilting the first plane adds ``(n-1)(n-2)/2`` regions.

    Returns a list of :class:`TiltStep`, one per tilted hyperplane per dimension.
    """
    n = check_int(n, "n (number of hyperplanes)")
    d = check_int(d, "d (dimension)")
    steps: list[TiltStep] = []
    regions = 1  # d = 0: a single point
    for e in range(1, d + 1):
        regions_vertical = regions  # n hyperplanes that ignore the e-th coordinate
        for k in range(1, n + 1):
            new = comb(n - k, e - 1)
            regions += new
            steps.append(
                TiltStep(
                    d=e,
                    k=k,
                    new_regions=new,
                    regions_after=regions,
                    explanation=(
                        f"d={e}: tilt hyperplane {k} of {n}; it newly crosses {n - k} still-vertical "
                        f"hyperplanes, gaining C({n - k},{e - 1}) = {new} new crossings -> +{new} regions"
                    ),
                )
            )
        assert regions == regions_vertical + comb(n, e)
    return steps


# --------------------------------------------------------------------------- exact counting


def _to_fraction(v: object, name: str) -> Fraction:
    if isinstance(v, bool):
        raise ValueError(f"{name} must be a finite real number, got {v!r}")
    if isinstance(v, (Rational, Integral)):
        return Fraction(v)
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise ValueError(f"{name} must be a finite real number, got {v!r}")
        return Fraction(float(v))  # exact binary value of the float
    if isinstance(v, np.integer):
        return Fraction(int(v))
    raise ValueError(f"{name} must be a finite real number, got {v!r}")


def _normalize(w: Sequence[Fraction], b: Fraction) -> tuple[Fraction, ...] | None:
    """Canonical form of a hyperplane (scale so the first non-zero normal entry is 1).

    Returns ``None`` when ``w == 0`` (not a hyperplane)."""
    for wi in w:
        if wi != 0:
            return tuple(x / wi for x in w) + (b / wi,)
    return None


def _as_hyperplanes(W: object, b: object, d: int | None = None) -> tuple[list[tuple[Fraction, ...]], int]:
    """Validate ``(W, b)``; return canonical distinct hyperplanes and the dimension."""
    if isinstance(W, np.ndarray):
        rows = W.tolist()
    else:
        rows = [list(r) for r in W]  # type: ignore[union-attr]
    bs = list(np.asarray(b).tolist()) if isinstance(b, np.ndarray) else list(b)  # type: ignore[arg-type]
    if len(rows) != len(bs):
        raise ValueError(f"W has {len(rows)} rows but b has {len(bs)} entries; they must match")
    if d is None:
        if not rows:
            raise ValueError("dimension d must be given when there are no hyperplanes")
        d = len(rows[0])
    d = check_int(d, "d (dimension)")
    seen: dict[tuple[Fraction, ...], None] = {}
    for i, (row, bi) in enumerate(zip(rows, bs)):
        if len(row) != d:
            raise ValueError(f"hyperplane {i}: normal has {len(row)} entries, expected d = {d}")
        w = [_to_fraction(x, f"W[{i}]") for x in row]
        c = _to_fraction(bi, f"b[{i}]")
        key = _normalize(w, c)
        if key is None:
            raise ValueError(f"hyperplane {i}: normal vector is zero, which is not a hyperplane (w must be != 0)")
        seen.setdefault(key)  # coincident hyperplanes count once
    return list(seen), d


def _restrict(H: tuple[Fraction, ...], others: Iterable[tuple[Fraction, ...]], d: int) -> list[tuple[Fraction, ...]]:
    """Hyperplanes ``others`` restricted to ``H`` (normalized, first normal entry = 1),
    written in coordinates of ``H`` (a copy of ``R^{d-1}``): parallel ones disappear."""
    w, b = H[:d], H[d]
    p = next(i for i in range(d) if w[i] != 0)  # pivot; w[p] == 1 after normalisation
    free = [i for i in range(d) if i != p]
    # points of H: x_p = -b - sum_{i free} w_i t_i, x_i = t_i
    out: dict[tuple[Fraction, ...], None] = {}
    for G in others:
        g, c = G[:d], G[d]
        gw = [g[i] - g[p] * w[i] for i in free]
        gc = c - g[p] * b
        key = _normalize(gw, gc)
        if key is None:  # G parallel to H (coincident ones were removed before)
            continue
        out.setdefault(key)
    return list(out)


def _count(hyps: list[tuple[Fraction, ...]], d: int) -> int:
    if not hyps:
        return 1
    if d == 1:
        return 1 + len(hyps)  # distinct points on a line
    total = 1
    for k in range(len(hyps)):
        total += _count(_restrict(hyps[k], hyps[:k], d), d - 1)
    return total


def count_regions(W: object, b: object, d: int | None = None) -> int:
    """Exact number of regions of the arrangement ``{x in R^d : W[i]·x + b[i] = 0}``.

    Works for every arrangement: coincident hyperplanes count once, parallel ones never
    meet, several hyperplanes may pass through one point. Deletion-restriction: adding
    hyperplane ``H`` adds as many regions as the earlier hyperplanes cut ``H`` into (a
    ``(d-1)``-dimensional count), exactly the tilting argument's "new crossings = new
    regions". Arithmetic is rational: floats are converted to their exact binary value.

    Parameters
    ----------
    W : (n, d) array-like of numbers (ints, Fractions or floats)
    b : (n,) array-like
    d : dimension, required only when ``n == 0``

    Raises
    ------
    ValueError
        on a zero normal, mismatched shapes, non-finite entries, or a bad ``d``.
    """
    hyps, d = _as_hyperplanes(W, b, d)
    if d == 0:
        return 1  # unreachable with hyperplanes (a normal in R^0 is zero), kept for n == 0
    return _count(hyps, d)


def regions_added(W: object, b: object, d: int | None = None) -> list[int]:
    """How many regions each hyperplane adds when the hyperplanes are put in one by one.

    ``result[k] = count_regions(first k+1) - count_regions(first k)``; for a line in the
    plane it is the number of *distinct* crossing points on it plus one (0 if it coincides
    with an earlier line).
    """
    rows = W.tolist() if isinstance(W, np.ndarray) else [list(r) for r in W]  # type: ignore[union-attr]
    bs = list(np.asarray(b).tolist()) if isinstance(b, np.ndarray) else list(b)  # type: ignore[arg-type]
    if d is None and rows:
        d = len(rows[0])
    counts = [count_regions(rows[:k], bs[:k], d) for k in range(len(rows) + 1)]
    return [counts[k + 1] - counts[k] for k in range(len(rows))]


def count_regions_2d_crossings(W: object, b: object) -> int:
    """Regions of a line arrangement in the plane by counting crossings (Euler).

    ``regions = 1 + (number of distinct lines) + sum over crossing points p of (m_p - 1)``,
    where ``m_p`` is the number of distinct lines through ``p``. For lines in general
    position every ``m_p = 2`` and there are ``n(n-1)/2`` crossings: the lecture's
    ``1 + n + n(n-1)/2``. Independent of :func:`count_regions` (used to test it).
    """
    hyps, d = _as_hyperplanes(W, b, 2)
    points: dict[tuple[Fraction, Fraction], set[int]] = {}
    for i in range(len(hyps)):
        a1, b1, c1 = hyps[i]
        for j in range(i):
            a2, b2, c2 = hyps[j]
            det = a1 * b2 - a2 * b1
            if det == 0:
                continue  # parallel
            x = (b1 * c2 - b2 * c1) / det
            y = (c1 * a2 - c2 * a1) / det
            points.setdefault((x, y), set()).update((i, j))
    return 1 + len(hyps) + sum(len(s) - 1 for s in points.values())


# --------------------------------------------------------------------------- geometry for figures


def clip_polygon(poly: list[tuple[Fraction, Fraction]], a: Fraction, c: Fraction, e: Fraction, keep_positive: bool):
    """Part of a convex polygon where ``a x + c y + e >= 0`` (or ``<= 0``), exactly."""
    sgn = 1 if keep_positive else -1
    vals = [sgn * (a * x + c * y + e) for x, y in poly]
    out: list[tuple[Fraction, Fraction]] = []
    m = len(poly)
    for i in range(m):
        p, q = poly[i], poly[(i + 1) % m]
        vp, vq = vals[i], vals[(i + 1) % m]
        if vp >= 0:
            out.append(p)
        if (vp > 0 and vq < 0) or (vp < 0 and vq > 0):
            t = vp / (vp - vq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    # drop repeated vertices
    dedup: list[tuple[Fraction, Fraction]] = []
    for v in out:
        if not dedup or dedup[-1] != v:
            dedup.append(v)
    if len(dedup) > 1 and dedup[0] == dedup[-1]:
        dedup.pop()
    return dedup


def _area2(poly: list[tuple[Fraction, Fraction]]) -> Fraction:
    s = Fraction(0)
    for i in range(len(poly)):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % len(poly)]
        s += x1 * y2 - x2 * y1
    return abs(s)


def split_box_by_lines(W: object, b: object, box: tuple[float, float, float, float]) -> list[list[tuple[Fraction, Fraction]]]:
    """Cut the rectangle ``box = (xmin, xmax, ymin, ymax)`` by the lines, exactly.

    Returns the convex cells (lists of rational vertices, counter-clockwise or clockwise).
    When the box contains every crossing point strictly inside, the number of cells equals
    :func:`count_regions` (every region of the plane, bounded or not, meets the box).
    """
    hyps, _ = _as_hyperplanes(W, b, 2)
    x0, x1, y0, y1 = (_to_fraction(v, "box") for v in box)
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"box must satisfy xmin < xmax and ymin < ymax, got {box}")
    cells = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
    for a, c, e in hyps:
        nxt = []
        for poly in cells:
            for keep in (True, False):
                part = clip_polygon(poly, a, c, e, keep)
                if len(part) >= 3 and _area2(part) > 0:
                    nxt.append(part)
        cells = nxt
    return cells


def random_arrangement(n: int, d: int, *, seed: int = 0, scale: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random hyperplanes in ``R^d`` with small integer coefficients (exact arithmetic
    on them is cheap). With ``scale = 20`` they are in general position almost surely;
    check with :func:`count_regions` against :func:`max_regions`."""
    n = check_int(n, "n (number of hyperplanes)")
    d = check_int(d, "d (dimension)", minimum=1)
    scale = check_int(scale, "scale", minimum=1)
    rng = np.random.default_rng(seed)
    W = rng.integers(-scale, scale + 1, size=(n, d))
    for i in range(n):
        while not W[i].any():
            W[i] = rng.integers(-scale, scale + 1, size=d)
    b = rng.integers(-scale, scale + 1, size=n)
    return W.astype(np.int64), b.astype(np.int64)

Array = np.ndarray


@dataclass(frozen=True)
class ReluNet:
    """Hidden layers ``h_l = relu(W_l h_{l-1} + b_l)`` with ``h_0 = x`` in ``R^2``.

    ``weights[l]`` has shape ``(n_{l+1}, n_l)``. The linear read-out is irrelevant to the
    regions and is left out. These are the hidden layers of a ReLU
    :class:`~lecture_code.core.mlp.MLP` in the form :meth:`~lecture_code.core.mlp.MLP.layers`
    gives (``ReluNet(*zip(*net.layers(theta)[:-1]))``); region counting keeps them as a pair of
    tuples because it reads one layer at a time and never trains or evaluates a read-out."""

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
    return tuple(check_int(w, "layer width", minimum=1) for w in widths)


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
    n = check_int(n_units, "n_units")
    d = check_int(n_in, "n_in", minimum=1)
    return sum(comb(n, j) for j in range(d + 1))


def montufar_lower_bound(widths: Sequence[int], n_in: int = 2) -> int:
    """Montúfar et al. (2014): a network with these widths can have at least
    ``prod_{l<L} floor(n_l/n_0)^{n_0} * sum_{j<=n_0} C(n_L, j)`` regions (needs n_l >= n_0)."""
    widths = _check_widths(widths)
    n0 = check_int(n_in, "n_in", minimum=1)
    for l, w in enumerate(widths):
        if w < n0:
            raise ValueError(f"montufar_lower_bound needs every width >= n_in = {n0}; layer {l + 1} has {w}")
    return prod((w // n0) ** n0 for w in widths[:-1]) * sum(comb(widths[-1], j) for j in range(n0 + 1))


def serra_upper_bound(widths: Sequence[int], n_in: int = 2) -> int:
    """Serra, Tjandraatmadja & Ramalingam (2018), Theorem 1:
    ``sum_{(j_1..j_L) in J} prod_l C(n_l, j_l)`` with
    ``J = {0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}``."""
    widths = _check_widths(widths)
    n0 = check_int(n_in, "n_in", minimum=1)
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
    N = check_int(total_units, "total_units", minimum=1)
    L = check_int(depth, "depth", minimum=1, maximum=N)
    return tuple(N // L + (1 if i < N % L else 0) for i in range(L))
