"""Counting formulas vs brute-force enumeration; symmetries of real MLPs."""

import math
from fractions import Fraction

import numpy as np
import pytest

from lecture_code.chapters import symmetry as ch
from lecture_code.core import symmetry as sy
from lecture_code.core.mlp import MLP, mlp_init, mlp_logits


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


def _random_theta(net, seed):
    return np.random.default_rng(seed).standard_normal(net.n_params)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_permutation_leaves_outputs_unchanged(activation):
    net = MLP((3, 5, 4, 1), activation)
    params = _random_theta(net, 1)
    X = np.random.default_rng(0).standard_normal((50, 3))
    y = mlp_logits(net, params, X)
    p2 = sy.permute_hidden(net, sy.permute_hidden(net, params, 0, [3, 1, 4, 0, 2]), 1, [2, 3, 0, 1])
    assert not np.allclose(p2, params)
    np.testing.assert_allclose(mlp_logits(net, p2, X), y, rtol=0, atol=1e-14)
    # independently: the permuted layers are the old ones with rows (and next columns) relabelled
    (W1, b1), (W2, b2), (W3, b3) = net.layers(params)
    (V1, c1), (V2, c2), (V3, c3) = net.layers(p2)
    p, q = [3, 1, 4, 0, 2], [2, 3, 0, 1]
    for got, want in ((V1, W1[p]), (c1, b1[p]), (V2, W2[q][:, p]), (c2, b2[q]), (V3, W3[:, q]), (c3, b3)):
        np.testing.assert_array_equal(got, want)


def test_relu_rescaling_symmetry_and_tanh_breaks_it():
    relu, tanh = MLP((3, 5, 1), "relu"), MLP((3, 5, 1), "tanh")
    params = _random_theta(relu, 2)
    X = np.random.default_rng(1).standard_normal((40, 3))
    p2 = sy.rescale_relu(relu, params, 0, 2, 3.7)
    np.testing.assert_allclose(mlp_logits(relu, p2, X), mlp_logits(relu, params, X), atol=1e-13)
    assert not np.allclose(mlp_logits(tanh, p2, X), mlp_logits(tanh, params, X))


def test_tanh_sign_flip_symmetry_and_relu_breaks_it():
    relu, tanh = MLP((3, 4, 4, 1), "relu"), MLP((3, 4, 4, 1), "tanh")
    params = _random_theta(tanh, 3)
    X = np.random.default_rng(2).standard_normal((40, 3))
    p2 = sy.flip_sign(tanh, sy.flip_sign(tanh, params, 0, 1), 1, 3)
    # independently: the flipped unit's row and bias, and the next layer's column, change sign
    (W1, b1), (W2, b2), _ = tanh.layers(params)
    (V1, c1), (V2, c2), _ = tanh.layers(sy.flip_sign(tanh, params, 0, 1))
    np.testing.assert_array_equal(V1[1], -W1[1])
    assert c1[1] == -b1[1] and np.array_equal(V2[:, 1], -W2[:, 1])
    np.testing.assert_allclose(mlp_logits(tanh, p2, X), mlp_logits(tanh, params, X), atol=1e-13)
    assert not np.allclose(mlp_logits(relu, p2, X), mlp_logits(relu, params, X))
    # signs and permutations together: 2^n n! distinct copies of one tanh layer with generic weights
    net = MLP((2, 3, 1), "tanh")
    theta = _random_theta(net, 4)
    full = set()
    for c in sy.all_permuted_copies(net, theta):
        for signs in np.ndindex(2, 2, 2):
            p = c
            for i, s in enumerate(signs):
                if s:
                    p = sy.flip_sign(net, p, 0, i)
            full.add(tuple(np.round(p, 12)))
    assert len(full) == 2**3 * 6
    y0 = mlp_logits(net, theta, X[:, :2])
    assert all(np.allclose(mlp_logits(net, np.array(c), X[:, :2]), y0, atol=1e-12) for c in full)


def test_permuted_copies_are_distinct_and_count_is_n_factorial_power_m():
    net = MLP((2, 3, 3, 1))
    params = mlp_init(net, seed=3)[0]
    copies = sy.all_permuted_copies(net, params)
    assert copies.shape[0] == sy.n_permutation_minima(3, 2) == 36
    assert len({tuple(np.round(c, 12)) for c in copies}) == 36
    X = np.random.default_rng(2).standard_normal((20, 2))
    y0 = mlp_logits(net, params, X)
    for c in copies:  # every copy computes the same function
        np.testing.assert_allclose(mlp_logits(net, c, X), y0, atol=1e-14)


def test_symmetry_input_validation():
    net = MLP((2, 3, 1))
    params = mlp_init(net)[0]
    with pytest.raises(ValueError, match="perm must be"):
        sy.permute_hidden(net, params, 0, [0, 0, 1])
    with pytest.raises(ValueError, match="alpha must be > 0"):
        sy.rescale_relu(net, params, 0, 0, -1.0)
    with pytest.raises(ValueError, match="layer must be a hidden layer"):
        sy.permute_hidden(net, params, 1, [0])
    with pytest.raises(ValueError, match=r"theta must have shape \(13,\)"):
        sy.permute_hidden(net, np.zeros(12), 0, [0, 1, 2])


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


