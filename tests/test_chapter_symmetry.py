"""Counting formulas vs brute-force enumeration; symmetries of real MLPs."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from lecture_code.chapters import symmetry as sy


@pytest.mark.parametrize("n", range(2, 8))
def test_first_order_lines_match_enumeration(n):
    bf = sy.count_placements(n, 1)
    assert sy.first_order_saddle_lines(n) == bf["total"] == sy.symmetry_induced_manifolds(n, 1)
    assert bf["minima"] == math.factorial(n) == sy.n_permutation_minima(n)


@pytest.mark.parametrize("n", range(3, 8))
def test_second_order_match_enumeration(n):
    bf = sy.count_placements(n, 2)
    assert sy.second_order_saddle_manifolds(n) == bf["total"] == sy.symmetry_induced_manifolds(n, 2)
    # the lecture's two cases: one triple, or two pairs
    assert bf.get("3" + "+1" * (n - 3), 0) == math.factorial(n) // 6 * (n - 2)
    if n >= 4:
        assert bf["pairs_only"] == math.factorial(n) // 4 * math.comb(n - 2, 2)


CASES = [(n, K) for n in range(3, 9) for K in range(1, n) if 2 * K < n and (n - K) ** n <= 500_000]


@pytest.mark.parametrize("n,K", CASES)
def test_theorem_factor_vs_enumeration(n, K):
    bf = sy.count_placements(n, K)
    assert Fraction(bf["pairs_only"], bf["minima"]) == sy.theorem_factor(n, K)
    assert bf["pairs_only"] == sy.pair_saddle_manifolds(n, K)
    assert bf["total"] == sy.symmetry_induced_manifolds(n, K) >= bf["pairs_only"]
    assert sy.saddle_lower_bound(n, K, 1) == bf["pairs_only"]


def test_cases_cover_k_up_to_3():
    assert {K for _, K in CASES} == {1, 2, 3}


def test_worked_numbers_from_lecture():
    # n = 4: 4 labels on 3 positions -> 4!/2 * 3 = 36 lines; 4! = 24 minima
    assert sy.first_order_saddle_lines(4) == 36
    assert sy.n_permutation_minima(4) == 24
    assert sy.n_permutation_minima(6) == 720  # (the slide's "6! = 240" is a typo)
    assert sy.saddle_lower_bound(10, 3, 2) == Fraction(2 * math.comb(7, 3) * math.factorial(10) ** 2, 8)


def test_stirling_against_recursion():
    def s(n, k):
        if n == k:
            return 1
        if k == 0 or k > n:
            return 0
        return k * s(n - 1, k) + s(n - 1, k - 1)

    for n in range(0, 10):
        for k in range(0, n + 1):
            assert sy.stirling2(n, k) == s(n, k)


@pytest.mark.parametrize("r,m", [(1, 1), (1, 4), (2, 3), (3, 5), (4, 6), (3, 7)])
def test_expansion_subspaces_vs_enumeration(r, m):
    assert sy.expansion_subspaces(r, m) == sy.count_expansions(r, m)


def test_overparameterization_ratio_trend():
    ratios = [sy.overparameterization_ratio(30, h) for h in (0, 5, 20, 100)]
    assert ratios[0] > 1 and ratios[-1] < 1
    assert all(a > b for a, b in zip(ratios, ratios[1:]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: sy.theorem_factor(0, 1),
        lambda: sy.theorem_factor(4, 2),  # K >= n/2
        lambda: sy.theorem_factor(5, 3),
        lambda: sy.theorem_factor(5.0, 1),
        lambda: sy.saddle_lower_bound(6, 1.5),
        lambda: sy.saddle_lower_bound(6, 1, 0),
        lambda: sy.n_permutation_minima(True),
        lambda: sy.first_order_saddle_lines(-3),
        lambda: sy.pair_saddle_manifolds(4, 2),
        lambda: sy.expansion_subspaces(4, 3),
    ],
)
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_error_message_names_parameter():
    with pytest.raises(ValueError, match="K must satisfy"):
        sy.theorem_factor(6, 3)
    with pytest.raises(ValueError, match="n must be an integer"):
        sy.theorem_factor(2.5, 1)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_permutation_leaves_outputs_unchanged(activation):
    params = sy.init_mlp([3, 5, 4, 2], seed=1)
    X = np.random.default_rng(0).standard_normal((50, 3))
    y = sy.mlp_forward(params, X, activation)
    p2 = sy.permute_hidden(sy.permute_hidden(params, 0, [3, 1, 4, 0, 2]), 1, [2, 3, 0, 1])
    assert not np.allclose(sy._flat(p2), sy._flat(params))
    np.testing.assert_allclose(sy.mlp_forward(p2, X, activation), y, rtol=0, atol=1e-14)


def test_relu_rescaling_symmetry_and_tanh_breaks_it():
    params = sy.init_mlp([3, 5, 1], seed=2)
    X = np.random.default_rng(1).standard_normal((40, 3))
    p2 = sy.rescale_relu(params, 0, 2, 3.7)
    np.testing.assert_allclose(sy.mlp_forward(p2, X, "relu"), sy.mlp_forward(params, X, "relu"), atol=1e-13)
    assert not np.allclose(sy.mlp_forward(p2, X, "tanh"), sy.mlp_forward(params, X, "tanh"))


def test_permuted_copies_are_distinct_and_count_is_n_factorial_power_m():
    params = sy.init_mlp([2, 3, 3, 1], seed=3)
    copies = sy.all_permuted_copies(params)
    assert copies.shape[0] == sy.n_permutation_minima(3, 2) == 36
    assert len({tuple(np.round(c, 12)) for c in copies}) == 36
    X = np.random.default_rng(2).standard_normal((20, 2))
    y0 = sy.mlp_forward(params, X)
    # every copy computes the same function
    sizes = [(3, 2), (3,), (3, 3), (3,), (1, 3), (1,)]
    for c in copies[::7]:
        parts, i = [], 0
        for s in sizes:
            k = int(np.prod(s))
            parts.append(c[i : i + k].reshape(s))
            i += k
        p = [(parts[0], parts[1]), (parts[2], parts[3]), (parts[4], parts[5])]
        np.testing.assert_allclose(sy.mlp_forward(p, X), y0, atol=1e-14)


def test_mlp_input_validation():
    params = sy.init_mlp([2, 3, 1])
    with pytest.raises(ValueError, match="X must have shape"):
        sy.mlp_forward(params, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="perm must be"):
        sy.permute_hidden(params, 0, [0, 0, 1])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        sy.rescale_relu(params, 0, 0, -1.0)


def test_count_table_and_figures():
    rows = sy.count_table([4, 5, 7], K_max=3)
    assert rows[0]["K=2"] is None and rows[1]["K=2"] == 90 and rows[2]["K=3"] == sy.pair_saddle_manifolds(7, 3)
    fig = sy.draw_counts(range(2, 9), K_max=2)
    assert len(fig.data) == 6
    # the vacuous points marked: (n, K) = (3, 1) with factor 1 and (5, 2) with 3/4
    assert list(zip(fig.data[-1].x, fig.data[-1].y)) == [(3, 1.0), (5, 0.75)]
    # per permutation minimum: all order-1 manifolds / n! = (n - 1)/2
    assert list(fig.data[1].y) == [(n - 1) / 2 for n in range(3, 9)]
    fig = sy.draw_overparameterization(10, hs=[0, 5, 10])
    assert list(fig.data[0].y) == [sy.overparameterization_ratio(10, h) for h in (0, 5, 10)]


def test_per_neuron_factor_is_not_n_minus_1_over_n():
    # the referee's numbers for n = 30 (issue 10), recomputed from the counts
    assert round(sy.per_neuron_factor(30, 1), 2) == 0.49
    assert round(sy.per_neuron_factor(30, 4), 2) == 0.78
    assert round(sy.per_neuron_factor(30, 10), 2) == 0.89
    assert sy.per_neuron_factor(30, 1) == pytest.approx(sy.overparameterization_ratio(30, 1) / sy.overparameterization_ratio(30, 0))
    assert abs(sy.per_neuron_factor(30, 400) - 30 / 31) < 1e-3  # the limit n/(n+1)
    assert round(sy.overparameterization_ratio(30, 11), 3) == 1.016 and round(sy.overparameterization_ratio(30, 12), 3) == 0.918
    assert sy.crossing_width(30) == 12
    # small n: the crossing agrees with brute-force enumeration of the subspaces
    n = 3
    h = next(h for h in range(20) if sy.count_expansions(n - 1, n + h) < sy.count_expansions(n, n + h))
    assert sy.crossing_width(n) == h
    with pytest.raises(ValueError, match="h must be"):
        sy.per_neuron_factor(30, 0)


def test_theorem_factors_mark_where_the_bound_says_nothing():
    rows = {r["n"]: r for r in sy.theorem_factors(range(3, 12), K_max=4)}
    assert rows[5]["K=2"] == Fraction(3, 4) and rows[7]["K=3"] == Fraction(1, 2)
    assert rows[4]["K=2"] is None  # K = n/2 is outside the theorem
    for K in range(1, 5):  # at the smallest allowed width n = 2K + 1 the factor is (K + 1)/2^K <= 1
        assert rows[2 * K + 1][f"K={K}"] == Fraction(K + 1, 2**K) <= 1
    # the factor is the enumerated pairs-only count over the enumerated minima
    bf = sy.count_placements(7, 3)
    assert Fraction(bf["pairs_only"], bf["minima"]) == rows[7]["K=3"]


def test_trained_mlp_permutation_keeps_outputs():
    params = sy.train_mlp((2, 4, 1), steps=50, seed=0)
    X = np.random.default_rng(0).standard_normal((30, 2))
    p2 = sy.permute_hidden(params, 0, [1, 3, 0, 2])
    np.testing.assert_allclose(sy.mlp_forward(p2, X), sy.mlp_forward(params, X), atol=1e-14)
