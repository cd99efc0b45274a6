"""Exact linear-region counts of small ReLU nets against independent references and the bounds."""

from itertools import product
from math import comb

import numpy as np
import pytest
from scipy.optimize import linprog

from lecture_code.core.regions import count_regions, max_regions
from lecture_code.core.regions import (
    ReluNet, count_linear_regions, equal_units_widths, linear_region_pieces, montufar_lower_bound,
    montufar_network, random_relu_net, serra_upper_bound, shallow_max_regions,
)
from lecture_code.chapters.hyperplanes import depth_comparison, relu_regions_demo


def lp_pattern_count(net: ReluNet, box) -> int:
    """Independent reference: for every activation pattern (2^N), the set of inputs with that
    pattern is a polyhedron (the pattern fixes every layer's affine map); count the patterns
    whose polyhedron has an interior point inside the box (LP with margin)."""
    x0, x1, y0, y1 = box
    count = 0
    N = sum(net.widths)
    for bits in product((True, False), repeat=N):
        rows, rhs = [], []
        M, m, k = np.eye(2), np.zeros(2), 0
        for W, b in zip(net.weights, net.biases):
            A, c = W @ M, W @ m + b
            s = np.array(bits[k:k + W.shape[0]])
            k += W.shape[0]
            sg = np.where(s, 1.0, -1.0)
            # sg * (A x + c) >= t  <=>  -sg*A x + t <= sg*c
            rows.append(np.hstack([-sg[:, None] * A, np.ones((len(s), 1))]))
            rhs.append(sg * c)
            M, m = s[:, None] * A, s * c
        for a, r in (([1, 0], x1), ([-1, 0], -x0), ([0, 1], y1), ([0, -1], -y0)):
            rows.append(np.array([[a[0], a[1], 1.0]]))
            rhs.append(np.array([r]))
        res = linprog([0, 0, -1], A_ub=np.vstack(rows), b_ub=np.concatenate(rhs),
                      bounds=[(None, None), (None, None), (None, 1.0)], method="highs")
        if res.status == 0 and -res.fun > 1e-7:
            count += 1
    return count


@pytest.mark.parametrize("widths,seed", [((3,), 0), ((2, 2), 1), ((3, 2), 2), ((2, 3, 2), 3), ((4, 3), 4)])
def test_count_matches_lp_pattern_enumeration(widths, seed):
    net = random_relu_net(widths, seed=seed)
    box = (-3.0, 3.0, -3.0, 3.0)
    assert count_linear_regions(net, box) == lp_pattern_count(net, box)


def test_one_layer_is_a_line_arrangement():
    for seed in range(5):
        net = random_relu_net((7,), seed=seed, bias_scale=0.3)
        W, b = net.weights[0], net.biases[0]
        # box large enough to hold every crossing of the 7 lines
        pts = [np.linalg.solve(W[[i, j]], -b[[i, j]]) for i in range(7) for j in range(i)]
        R = float(np.max(np.abs(pts))) + 1.0
        assert count_linear_regions(net, (-R, R, -R, R)) == count_regions(W, b) == max_regions(7, 2)


def test_patterns_are_distinct_and_match_sampled_points():
    net = random_relu_net((4, 4, 3), seed=5)
    pieces = linear_region_pieces(net, (-3, 3, -3, 3))
    pats = [p for _, p in pieces]
    assert len(set(pats)) == len(pats)
    # the pattern of each piece's centroid, computed by the network itself, is the piece's label
    for poly, pat in pieces:
        centroid = poly.mean(axis=0, keepdims=True)
        assert tuple(net.pattern(centroid)[0]) == pat
    # a grid sees a subset of the regions (it can only undercount)
    g = np.linspace(-3, 3, 301)
    X = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    seen = {tuple(r) for r in net.pattern(X)}
    assert seen <= set(pats)


def test_bounds_small_cases_by_hand():
    # one layer: both bounds are the arrangement count 1 + n + C(n, 2)
    for n in range(2, 10):
        assert serra_upper_bound((n,)) == montufar_lower_bound((n,)) == shallow_max_regions(n) == max_regions(n, 2)
    # Serra (2, 2), by hand: j1=0 -> 1*(1+2+1); j1=1 -> 2*(1+2); j1=2 -> 1*1
    assert serra_upper_bound((2, 2)) == 4 + 6 + 1
    # Montúfar: (6, 6) -> 3^2 * (1 + 6 + 15)
    assert montufar_lower_bound((6, 6)) == 9 * 22
    assert montufar_lower_bound((4, 4, 4)) == 4 * 4 * 11
    # the Serra bound never exceeds 2^N (number of activation patterns)
    for w in [(3, 3), (2, 2, 2, 2), (5, 1, 5), (4, 4, 4)]:
        assert serra_upper_bound(w) <= 2 ** sum(w)
    # a width-1 bottleneck: everything after it sees a 1-D input
    assert serra_upper_bound((5, 1, 5)) < serra_upper_bound((5, 5, 1))


@pytest.mark.parametrize("widths", [(4, 3), (4, 4), (6, 5), (4, 4, 4)])
def test_folding_construction_attains_the_lower_bound(widths):
    exact = count_linear_regions(montufar_network(widths), (0.0, 1.0, 0.0, 1.0))
    assert exact == montufar_lower_bound(widths)
    assert exact <= serra_upper_bound(widths)


def test_random_nets_within_serra_bound():
    for w in [(3, 3), (4, 2, 4), (2, 2, 2, 2)]:
        for seed in range(3):
            assert count_linear_regions(random_relu_net(w, seed=seed)) <= serra_upper_bound(w)


def test_depth_comparison_at_fixed_units():
    res = depth_comparison(12, (1, 2, 3), n_random=1)
    assert res.widths == [(12,), (6, 6), (4, 4, 4)]
    assert res.lower == [79, 198, 176]
    assert res.construction == res.lower
    assert all(r <= u for r, u in zip(res.random_max, res.upper))
    assert equal_units_widths(7, 3) == (3, 2, 2)


def test_demo_frames_have_fixed_trace_structure():
    a = relu_regions_demo(3, 2)
    b = relu_regions_demo(5, 4)
    assert len(a.fills) == len(b.fills) == 6
    assert a.outlines.dtype == np.float32
    assert a.regions == count_linear_regions(random_relu_net((3, 3)))
    c = relu_regions_demo(4, 2, construction=True)
    assert c.regions == montufar_lower_bound((4, 4))


@pytest.mark.parametrize("bad", [-1, 0, 2.0, "3", True])
def test_bad_sizes_raise(bad):
    with pytest.raises(ValueError, match="layer width must be an integer >= 1"):
        random_relu_net((3, bad))
    with pytest.raises(ValueError, match="depth must be an integer in \\[1, 6\\]"):
        relu_regions_demo(3, bad)
    with pytest.raises(ValueError, match="width must be an integer in \\[1, 8\\]"):
        relu_regions_demo(bad, 2)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="widths must be a non-empty sequence"):
        serra_upper_bound(())
    with pytest.raises(ValueError, match="needs every width >= n_in = 2"):
        montufar_lower_bound((3, 1))
    with pytest.raises(ValueError, match="must be even"):
        montufar_network((3, 3))
    with pytest.raises(ValueError, match="depth must be an integer in \\[1, 4\\]"):
        equal_units_widths(4, 5)
    with pytest.raises(ValueError, match="box must satisfy"):
        count_linear_regions(random_relu_net((2,)), (1, 0, 0, 1))
