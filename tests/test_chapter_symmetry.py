"""The symmetry chapter's tables, figures and trained network (``lecture_code/chapters/symmetry.py``)."""


import math
from fractions import Fraction

import numpy as np
import pytest

from lecture_code.chapters import symmetry as ch
from lecture_code.core import symmetry as sy
from lecture_code.core.mlp import MLP, mlp_init, mlp_logits


def test_count_table_and_figures():
    rows = ch.count_table([4, 5, 7], K_max=3)
    assert rows[0]["K=2"] is None and rows[1]["K=2"] == 90 and rows[2]["K=3"] == sy.pair_saddle_manifolds(7, 3)
    fig = ch.draw_counts(range(2, 9), K_max=2)
    assert len(fig.data) == 6
    # the vacuous points marked: (n, K) = (3, 1) with factor 1 and (5, 2) with 3/4
    assert list(zip(fig.data[-1].x, fig.data[-1].y)) == [(3, 1.0), (5, 0.75)]
    # per permutation minimum: all order-1 manifolds / n! = (n - 1)/2
    assert list(fig.data[1].y) == [(n - 1) / 2 for n in range(3, 9)]
    fig = ch.draw_overparameterization(10, hs=[0, 5, 10])
    assert list(fig.data[0].y) == [sy.overparameterization_ratio(10, h) for h in (0, 5, 10)]


def test_theorem_factors_mark_where_the_bound_says_nothing():
    rows = {r["n"]: r for r in ch.theorem_factors(range(3, 12), K_max=4)}
    assert rows[5]["K=2"] == Fraction(3, 4) and rows[7]["K=3"] == Fraction(1, 2)
    assert rows[4]["K=2"] is None  # K = n/2 is outside the theorem
    for K in range(1, 5):  # at the smallest allowed width n = 2K + 1 the factor is (K + 1)/2^K <= 1
        assert rows[2 * K + 1][f"K={K}"] == Fraction(K + 1, 2**K) <= 1
    # the factor is the enumerated pairs-only count over the enumerated minima
    bf = sy.count_placements(7, 3)
    assert Fraction(bf["pairs_only"], bf["minima"]) == rows[7]["K=3"]


def test_trained_mlp_permutation_keeps_outputs():
    net, params = ch.regression_mlp((2, 4, 1), steps=50, seed=0)
    X = np.random.default_rng(0).standard_normal((30, 2))
    p2 = sy.permute_hidden(net, params, 0, [1, 3, 0, 2])
    np.testing.assert_allclose(mlp_logits(net, p2, X), mlp_logits(net, params, X), atol=1e-14)


def test_the_trained_network_is_the_torch_model_trained_by_the_books_adam():
    """regression_mlp: torch's mlp trained through the bridge with adam(eps outside the root),
    which is torch.optim.Adam's algorithm: the same weights as a torch.optim.Adam loop to rounding."""
    import torch

    from lecture_code.core.models import as_tensors, mlp, to_numpy_mlp
    from lecture_code.core.synthetic import regression_data

    net, params = ch.regression_mlp((2, 4, 1), steps=30, seed=0)
    model = mlp([2, 4, 1], seed=0)
    X, y = as_tensors(*regression_data(n=64, d=2, seed=0)[:2])
    opt = torch.optim.Adam(model.parameters(), lr=0.02)  # the independent reference
    for _ in range(30):
        opt.zero_grad()
        ((model(X)[:, 0] - y) ** 2).mean().backward()
        opt.step()
    _, reference = to_numpy_mlp(model)
    np.testing.assert_allclose(params, reference, rtol=1e-9, atol=1e-12)


def test_the_quizzes_counts_agree_with_brute_force():
    """The quizzes' numeric answers (closed forms of the library) against enumeration: the distinct
    permuted copies of a generic network with 2 hidden layers of 4 neurons, each computing the same
    function, and the placements of 5 labels on 4 positions."""
    (_, copies_question), (lines_question,) = ch.equivalent_minima_quiz().questions, ch.saddle_lines_quiz().questions
    net = MLP((3, 4, 4, 1), activation="tanh")
    theta = mlp_init(net, seed=0)[0]
    copies = sy.all_permuted_copies(net, theta)
    assert copies_question.answer == len(np.unique(np.round(copies, 12), axis=0)) == 576
    X = np.random.default_rng(1).standard_normal((7, 3))
    outputs = np.array([mlp_logits(net, c, X) for c in copies[::37]])
    assert np.abs(outputs - outputs[0]).max() < 1e-12
    assert lines_question.answer == sy.count_placements(5, 1)["total"] == 240
    # the opening quiz: one layer's 10! relabellings already exceed 1000
    right = [text for text, correct, _ in ch.opening_quiz().questions[0].options if correct]
    assert right == ["more than 1000 minima (global or local)"] and math.factorial(10) > 1000
