"""Region counts: formula vs exact counts vs independent brute-force references."""

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from scipy.optimize import linprog

from lecture_code.chapters.hyperplanes import (
    LINE_FAMILIES, draw_line_arrangement, line_arrangement_demo,
)
from lecture_code.core.regions import (
    count_regions, count_regions_2d_crossings, max_regions, max_regions_closed_form,
    random_arrangement, regions_added, split_box_by_lines, tilting_steps,
)


def lp_region_count(W, b):
    """Independent reference: enumerate sign vectors depth-first; a partial sign vector is
    feasible iff the open polyhedron {s_i (w_i.x + b_i) > 0} is non-empty (LP with margin t)."""
    W = np.asarray(W, float)
    b = np.asarray(b, float)
    n, d = W.shape

    def feasible(signs):
        k = len(signs)
        if k == 0:
            return True
        s = np.asarray(signs, float)[:, None]
        # variables (x, t); maximise t s.t. -s(Wx+b) + t <= 0, t <= 1
        A = np.hstack([-s * W[:k], np.ones((k, 1))])
        res = linprog(np.r_[np.zeros(d), -1.0], A_ub=A, b_ub=(s[:, 0] * b[:k]),
                      bounds=[(None, None)] * d + [(None, 1.0)], method="highs")
        return res.status == 0 and -res.fun > 1e-9

    count = 0
    stack = [[]]
    while stack:
        signs = stack.pop()
        if len(signs) == n:
            count += 1
            continue
        for s in (1, -1):
            if feasible(signs + [s]):
                stack.append(signs + [s])
    return count


def test_formula_small_values_from_lecture():
    # lecture: d=0 -> 1; d=1 -> n+1; d=2 -> 1 + n + n(n-1)/2; 3 planes in 3-D -> 8
    assert [max_regions(n, 0) for n in range(5)] == [1] * 5
    assert [max_regions(n, 1) for n in range(5)] == [1, 2, 3, 4, 5]
    assert [max_regions(n, 2) for n in range(6)] == [1, 2, 4, 7, 11, 16]
    assert max_regions(3, 3) == 8 and max_regions(4, 3) == 15
    for n in range(12):
        for d in range(4):
            assert max_regions(n, d) == max_regions_closed_form(n, d)
        assert max_regions(n, n) == 2**n  # n <= d: every sign pattern


def test_tilting_steps_reach_the_formula():
    for n in range(8):
        for d in range(1, 5):
            steps = tilting_steps(n, d)
            assert len(steps) == n * d
            final = steps[-1].regions_after if steps else 1
            assert final == max_regions(n, d)
            # in each dimension the n tilts add C(n, d)
            for e in range(1, d + 1):
                assert sum(s.new_regions for s in steps if s.d == e) == comb(n, e)
    # lecture, 2-D: first tilt adds n-1; 3-D: first tilt adds (n-1)(n-2)/2
    n = 6
    assert [s.new_regions for s in tilting_steps(n, 2) if s.d == 2][0] == n - 1
    assert [s.new_regions for s in tilting_steps(n, 3) if s.d == 3][0] == (n - 1) * (n - 2) // 2


@pytest.mark.parametrize("d,n_max", [(1, 8), (2, 8), (3, 7)])
def test_random_general_arrangements_match_formula_and_lp(d, n_max):
    for n in range(n_max + 1):
        W, b = random_arrangement(n, d, seed=100 * d + n)
        exact = count_regions(W, b, d)
        assert exact == max_regions(n, d)
        if n <= 6:
            assert exact == lp_region_count(W, b)
        if d == 2:
            assert exact == count_regions_2d_crossings(W, b)


def test_one_dimension_against_distinct_points():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(0, 9))
        W = rng.integers(1, 4, size=(n, 1)) * rng.choice([-1, 1], size=(n, 1))
        b = rng.integers(-3, 4, size=n)  # many coincident points
        pts = {Fraction(int(-bi), int(wi[0])) for wi, bi in zip(W, b)}
        assert count_regions(W, b, 1) == len(pts) + 1


def test_degenerate_2d_parallel_coincident_concurrent():
    # 3 parallel lines: 4 regions (formula would say 7)
    assert count_regions([[1, 0], [1, 0], [1, 0]], [0, 1, 2]) == 4
    # coincident lines count once, even when scaled
    assert count_regions([[1, 2], [2, 4], [-3, -6]], [1, 2, -3]) == 2
    # 3 lines through the origin: 6 regions (formula 7)
    assert count_regions([[1, 0], [0, 1], [1, 1]], [0, 0, 0]) == 6
    # n lines through one point: 2n
    for n in range(1, 8):
        W = [[np.cos(np.pi * k / n), np.sin(np.pi * k / n)] for k in range(n)]
        assert count_regions(W, [0] * n) == 2 * n
    # floats: exact binary values, 0.1 + 0.2 style issues do not create spurious coincidences
    assert count_regions([[0.1, 0.2], [0.3, 0.6]], [0.0, 0.0]) in (1 + 1, 1 + 2)


def test_degenerate_random_2d_against_crossings_polygons_and_lp():
    rng = np.random.default_rng(7)
    for trial in range(15):
        n = int(rng.integers(1, 9))
        W = rng.integers(-2, 3, size=(n, 2))
        W[~W.any(axis=1)] = [1, 0]
        b = rng.integers(-2, 3, size=n)  # small range: many parallel/coincident/concurrent
        exact = count_regions(W, b)
        assert exact == count_regions_2d_crossings(W, b)
        # all crossings lie in [-4, 4]^2 for these coefficients; box [-10, 10]^2 contains them
        assert exact == len(split_box_by_lines(W, b, (-10, 10, -10, 10)))
        assert exact == lp_region_count(W, b)
        assert exact <= max_regions(n, 2)


def test_degenerate_3d_against_lp():
    rng = np.random.default_rng(11)
    for trial in range(6):
        n = int(rng.integers(2, 6))
        W = rng.integers(-1, 2, size=(n, 3))
        W[~W.any(axis=1)] = [0, 0, 1]
        b = rng.integers(-1, 2, size=n)
        assert count_regions(W, b) == lp_region_count(W, b)
    # 4 planes through one line (a pencil): 8 regions, like 4 lines through a point in 2-D
    assert count_regions([[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, -1, 0]], [0, 0, 0, 0]) == 8
    # the coordinate planes plus a parallel copy: 2*2*3 = 12
    assert count_regions([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], [0, 0, 0, 5]) == 12


def test_regions_added_is_crossings_plus_one():
    W, b = random_arrangement(7, 2, seed=5)
    assert regions_added(W, b) == [k + 1 for k in range(7)]  # k-th line crosses k earlier ones
    assert regions_added([[1, 0], [1, 0], [0, 1]], [0, 0, 0]) == [1, 0, 2]


@pytest.mark.parametrize("family", LINE_FAMILIES)
def test_demo_counts_agree(family):
    for n in (0, 1, 5, 12):
        data = line_arrangement_demo(n, family)
        assert data.regions == len(data.cells)
        assert data.added_by_last == (len(data.crossings_new) + 1 if n else 0)
        if family == "general position":
            assert data.regions == data.formula
        elif n == 12:
            assert data.regions < data.formula


@pytest.mark.parametrize("bad", [-1, 2.0, 1.5, "3", True, None])
def test_bad_counts_raise(bad):
    with pytest.raises(ValueError, match="n \\(number of hyperplanes\\) must be an integer >= 0"):
        max_regions(bad, 2)
    with pytest.raises(ValueError, match="d \\(dimension\\) must be an integer >= 0"):
        max_regions(3, bad)
    with pytest.raises(ValueError, match="n_lines must be an integer in \\[0, 12\\]"):
        line_arrangement_demo(bad)


def test_bad_arrangements_raise():
    with pytest.raises(ValueError, match="normal vector is zero"):
        count_regions([[0, 0]], [1])
    with pytest.raises(ValueError, match="must match"):
        count_regions([[1, 0]], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        count_regions([[np.nan, 1]], [0])
    with pytest.raises(ValueError, match="expected d = 2"):
        count_regions([[1, 0], [1, 0, 0]], [0, 0])
    with pytest.raises(ValueError, match="n_lines must be an integer in \\[0, 12\\]"):
        line_arrangement_demo(13)
    with pytest.raises(ValueError, match="family must be one of"):
        line_arrangement_demo(3, "random")


def test_line_demo_frames_share_traces_and_annotations():
    from lecture_code.core.interactive import Slider, explore

    ex = explore(line_arrangement_demo, draw_line_arrangement,
                 Slider("n_lines", [0, 1, 5, 12], default=1), Slider("family", list(LINE_FAMILIES), default="parallel"))
    fig = ex.static_figure()
    assert len(fig.frames) == 12
    types = {tuple(t.type for t in f.data) for f in fig.frames}
    assert len(types) == 1
