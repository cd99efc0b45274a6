"""How many regions do ``n`` hyperplanes carve out of ``d``-dimensional space?

The lecture (seed 000, part 7) answers with a *tilting argument*: start from ``n``
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
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb
from numbers import Integral, Rational
from typing import Iterable, Sequence

import numpy as np

__all__ = [
    "check_count",
    "max_regions",
    "max_regions_closed_form",
    "tilting_steps",
    "TiltStep",
    "count_regions",
    "regions_added",
    "count_regions_2d_crossings",
    "split_box_by_lines",
    "random_arrangement",
    "LINE_FAMILIES",
    "LineArrangementData",
    "line_arrangement_demo",
    "draw_line_arrangement",
]


# --------------------------------------------------------------------------- validation


def check_count(value: object, name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` or raise ``ValueError`` naming ``name`` and the range.

    Booleans, floats (even ``3.0``) and strings are rejected: a number of hyperplanes, a
    dimension or a depth is an integer.
    """
    rng = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer {rng}, got {value!r}")
    v = int(value)
    if v < minimum or (maximum is not None and v > maximum):
        raise ValueError(f"{name} must be an integer {rng}, got {v}")
    return v


# --------------------------------------------------------------------------- the formula


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
    n = check_count(n, "n (number of hyperplanes)")
    d = check_count(d, "d (dimension)")
    return sum(comb(n, j) for j in range(d + 1))


def max_regions_closed_form(n: int, d: int) -> int:
    """The lecture's low-dimensional closed forms (for ``d <= 3``), kept separate from
    :func:`max_regions` so the two can check each other."""
    n = check_count(n, "n (number of hyperplanes)")
    d = check_count(d, "d (dimension)", maximum=3)
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
    n = check_count(n, "n (number of hyperplanes)")
    d = check_count(d, "d (dimension)")
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
    d = check_count(d, "d (dimension)")
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


def _clip_polygon(poly: list[tuple[Fraction, Fraction]], a: Fraction, c: Fraction, e: Fraction, keep_positive: bool):
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
                part = _clip_polygon(poly, a, c, e, keep)
                if len(part) >= 3 and _area2(part) > 0:
                    nxt.append(part)
        cells = nxt
    return cells


def random_arrangement(n: int, d: int, *, seed: int = 0, scale: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random hyperplanes in ``R^d`` with small integer coefficients (exact arithmetic
    on them is cheap). With ``scale = 20`` they are in general position almost surely;
    check with :func:`count_regions` against :func:`max_regions`."""
    n = check_count(n, "n (number of hyperplanes)")
    d = check_count(d, "d (dimension)", minimum=1)
    scale = check_count(scale, "scale", minimum=1)
    rng = np.random.default_rng(seed)
    W = rng.integers(-scale, scale + 1, size=(n, d))
    for i in range(n):
        while not W[i].any():
            W[i] = rng.integers(-scale, scale + 1, size=d)
    b = rng.integers(-scale, scale + 1, size=n)
    return W.astype(np.int64), b.astype(np.int64)


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
    n = check_count(n_lines, "n_lines", maximum=12)
    W, b = _family_lines(family, n)
    box = (-8.0, 8.0, -8.0, 8.0)
    regions = count_regions(W, b, 2)
    added = regions_added(W, b, 2)[-1] if n else 0
    cells = split_box_by_lines(W, b, box) if n else [[(Fraction(box[0]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[3])), (Fraction(box[0]), Fraction(box[3]))]]
    segs = []
    for (a, c), e in zip(W, b):
        pts = _clip_polygon([(Fraction(box[0]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[2])), (Fraction(box[1]), Fraction(box[3])), (Fraction(box[0]), Fraction(box[3]))], Fraction(a), Fraction(c), Fraction(e), True)
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

    from lecture_code.plotting import CYCLE, color, new_figure, status_annotation

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
    fig.update_layout(annotations=[status_annotation(text, warn=data.regions != data.formula)])
    x0, x1, y0, y1 = data.box
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    return fig
