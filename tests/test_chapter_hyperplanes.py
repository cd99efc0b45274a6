"""Depth: region labelings, parity, sawtooth pieces, distributed vs local."""

from fractions import Fraction
from itertools import product

import numpy as np
import pytest

from lecture_code.chapters.hyperplanes import (
    count_breakpoints, distributed_vs_local_demo, equal_params_widths, nn_parity_loo, parity_data,
    parity_fit, region_codes, region_labelings, sawtooth_fit, sawtooth_net, separable,
    shallow_parity_weights, tent,
)
from lecture_code.core.mlp import MLP, mlp_logits
from lecture_code.core.regions import max_regions, random_arrangement


def test_xor_and_parity_are_not_linearly_separable():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    assert not separable(X, [0, 1, 1, 0])
    assert separable(X, [0, 0, 0, 1])  # AND
    assert separable(X, [0, 1, 1, 1])  # OR
    for d in range(2, 6):
        X, y = parity_data(d)
        assert not separable(X, y)
        assert separable(X, X[:, 0])  # a single bit is


def test_two_lines_miss_exactly_xor_and_xnor():
    r = region_labelings(2)
    assert (r.n_regions, r.all_labelings, r.realizable) == (4, 16, 14)
    W, b = random_arrangement(2, 2, seed=0)
    codes = region_codes(W, b)
    xor = codes[:, 0] ^ codes[:, 1]
    assert np.array_equal(r.missed_example, xor) or np.array_equal(r.missed_example, 1 - xor)


def test_three_lines_labelings_against_integer_threshold_units():
    """Independent reference: every threshold function of <= 3 binary inputs has integer
    weights in [-2, 2] (Muroga); enumerate them and collect the labelings of the region codes."""
    r = region_labelings(3)
    W, b = random_arrangement(3, 2, seed=0)
    codes = region_codes(W, b)
    assert len(codes) == max_regions(3, 2) == 7
    seen = set()
    for w in product(range(-2, 3), repeat=3):
        for t in np.arange(-6.5, 7.0, 1.0):
            seen.add(tuple((codes @ np.array(w) > t).astype(int)))
    assert r.realizable == len(seen)
    assert r.realizable < 2**7


def test_nearest_neighbour_gets_every_parity_point_wrong():
    for d in range(2, 7):
        assert nn_parity_loo(d) == Fraction(0)


def test_shallow_parity_construction_is_exact():
    for d in range(1, 9):
        X, y = parity_data(d)
        W1, b1, w2, b2 = shallow_parity_weights(d)
        h = (X @ W1.T + b1 > 0).astype(float)
        assert np.array_equal((h @ w2 + b2 > 0).astype(float), y)


def test_sawtooth_net_computes_tent_powers_with_2_to_the_k_pieces():
    x = np.linspace(0, 1, 1001)
    for k in range(1, 7):
        net, theta = sawtooth_net(k)
        y = x.copy()
        for _ in range(k):
            y = tent(y)
        h = x[:, None]
        layers = net.layers(theta)
        for W, b in layers[:-1]:
            h = np.maximum(h @ W.T + b, 0)
        out = (h @ layers[-1][0].T + layers[-1][1])[:, 0]
        np.testing.assert_allclose(out, y, atol=1e-9)
        np.testing.assert_allclose(mlp_logits(net, theta, x[:, None]), y, atol=1e-9)
        assert count_breakpoints(net, theta) == 2**k


def test_shallow_nets_have_at_most_n_plus_one_pieces():
    rng = np.random.default_rng(0)
    x = np.linspace(-3, 3, 60001)
    for n in (1, 3, 6, 10):
        W1, b1 = rng.normal(size=(n, 1)), rng.normal(size=n)
        net = MLP((1, n, 1), "relu")
        pieces = count_breakpoints(net, net.pack([(W1, b1), (rng.normal(size=(1, n)), np.zeros(1))]), -3.0, 3.0)
        assert pieces <= n + 1
        # independent: kinks inside (-3, 3) are the zero crossings -b/w of the units
        kinks = {round(float(-bb / w), 9) for w, bb in zip(W1[:, 0], b1) if -3 < -bb / w < 3}
        assert pieces == len(kinks) + 1


def test_equal_params_widths():
    for P, d, L in ((50, 6, 1), (50, 6, 3), (100, 1, 3)):
        w = equal_params_widths(P, d, L)
        n = MLP((d,) + w + (1,)).n_params
        for other in (w[0] - 1, w[0] + 1):
            if other >= 1:
                assert abs(n - P) <= abs(MLP((d,) + (other,) * L + (1,)).n_params - P)


def test_training_runs_report_consistent_numbers():
    res = parity_fit(d=4, n_params=40, depths=(1, 2), seeds=2, steps=200)
    for r in res:
        assert len(r.train_acc) == 2 and 0 <= r.success <= 1
        assert abs(r.n_params - 40) <= 12
    res, x, curves = sawtooth_fit(k=2, depths=(1, 2), n_params=30, seeds=2, steps=200)
    assert set(curves) == {r.name for r in res} and x.dtype == np.float32


def test_distributed_vs_local_counts():
    for n in (1, 4, 8, 12):
        data = distributed_vs_local_demo(n)
        assert data.n_cells == n  # every prototype owns its cell
        assert n + 1 <= data.n_regions <= max_regions(n, 2)
        assert len(data.region_fills) == len(data.cell_fills) == 6


@pytest.mark.parametrize("bad", [-1, 0, 1.5, "4", True])
def test_bad_counts_raise(bad):
    with pytest.raises(ValueError, match="d \\(number of bits\\) must be an integer in \\[1, 12\\]"):
        parity_data(bad)
    with pytest.raises(ValueError, match="k \\(depth\\) must be an integer in \\[1, 20\\]"):
        sawtooth_net(bad)
    with pytest.raises(ValueError, match="n_units must be an integer in \\[1, 12\\]"):
        distributed_vs_local_demo(bad)
    with pytest.raises(ValueError, match="depth must be an integer in \\[1, 10\\]"):
        equal_params_widths(50, 2, bad)


def test_feature_reuse_red_house():
    from lecture_code.chapters.hyperplanes import feature_reuse_scores, feature_reuse_task

    for seed in range(3):
        res = feature_reuse_scores(feature_reuse_task(seed=seed))
        dist = res["distributed (one hyperplane per attribute)"]
        local = res["local (nearest neighbour)"]
        assert dist["both"] == 1.0
        # a red house's nearest stored example is red (a car or bus) or a house (not red): never both
        assert local["both"] == 0.0
    with pytest.raises(ValueError, match="unseen must be"):
        feature_reuse_task(unseen=("blue", "house"))


def test_sawtooth_demo_draws_tent_powers_and_its_best_run():
    """The demo's target against the closed form of tent^k (a sawtooth with 2^(k-1) teeth), and
    the curve it draws is the run with the smallest error, recomputed from the curve."""
    from lecture_code.chapters.hyperplanes import sawtooth_demo

    d = sawtooth_demo(2, k=3, n_params=30, seeds=2, steps=200)
    x = d.x.astype(float)
    np.testing.assert_allclose(d.target, 1 - np.abs(2 * np.mod(4 * x, 1.0) - 1), atol=1e-6)
    assert d.depth == 2 and len(d.widths) == 2 and len(d.mse) == 2
    assert np.mean((d.best.astype(float) - d.target) ** 2) == pytest.approx(min(d.mse), rel=1e-3)


def test_the_self_checks_counts_agree_with_arrangements_and_the_composed_tent():
    """The quiz's region counts against :func:`count_regions` of random and hand-made line
    arrangements, and its sawtooth's pieces against the tent map composed on a dyadic grid."""
    from lecture_code.chapters.hyperplanes import self_check_quiz, tent
    from lecture_code.core.regions import count_regions

    four, shared, _, six, saw = self_check_quiz().questions
    right = lambda q: [text for text, correct, _ in q.options if correct]   # noqa: E731
    assert right(four) == [str(count_regions(*random_arrangement(4, 2, seed=1), d=2))] == ["11"]
    assert six.answer == count_regions(*random_arrangement(6, 2, seed=2), d=2) == 22
    # x = 0, y = 0, y = 1, then y = x: it crosses x = 0 and y = 0 at one point, y = 1 at another
    W, b = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, -1.0]]), np.array([0.0, 0.0, -1.0, 0.0])
    added = count_regions(W, b, d=2) - count_regions(W[:3], b[:3], d=2)
    assert right(shared) == [str(added)] == ["3"]
    # tent⁵ on a dyadic grid (exact in floating point): its slope changes sign between pieces
    x = np.arange(2**10 + 1) / 2**10
    y = x
    for _ in range(5):
        y = tent(y)
    slopes = np.sign(np.diff(y))
    assert saw.answer == 1 + np.count_nonzero(slopes[1:] != slopes[:-1]) == 32
