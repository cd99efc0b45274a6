"""No Free Lunch: exact 1/2 for every learner, by enumeration, in exact arithmetic."""

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from lecture_code.chapters.nfl import (
    LEARNERS, all_labelings, fit_pair, majority_learner, mlp_learner, nearest_neighbour,
    nfl_average, nfl_experiment, noisy_looking_pair, off_training_accuracies, shift_task,
    smooth_labelings, train_shift_models,
)


@pytest.fixture(scope="module")
def result():
    return nfl_experiment(n_points=8, max_changes=1)


def test_every_learner_averages_exactly_one_half(result):
    assert result.n_all == 256
    for name, avg in zip(result.names, result.all_avg):
        assert isinstance(avg, Fraction)
        assert avg == Fraction(1, 2), name


def test_accuracy_distribution_is_the_same_binomial_for_every_learner(result):
    # for each of the 16 training labelings, the 16 test labelings give k correct with C(4, k) ways
    expected = {Fraction(k, 4): 16 * comb(4, k) for k in range(5)}
    for name, hist in zip(result.names, result.histograms):
        assert hist == expected, name


def test_gain_on_smooth_targets_is_paid_on_the_rest(result):
    for name, s, r in zip(result.names, result.smooth_avg, result.rest_avg):
        total = s * result.n_smooth + r * (result.n_all - result.n_smooth)
        assert total == Fraction(result.n_all, 2), name
    by = dict(zip(result.names, result.smooth_avg))
    assert by["nearest neighbour"] > Fraction(3, 4)
    assert by["perverse (anti-NN)"] < Fraction(1, 4)
    assert by["constant 0"] == Fraction(1, 2)  # complement symmetry of the family


def test_nn_on_smooth_targets_against_hand_loop():
    T = smooth_labelings(8, 1)
    assert len(T) == 16  # 2 constants + 7 positions x 2 directions
    tr = [0, 2, 4, 6]
    correct = 0
    for f in T:
        for x in (1, 3, 5, 7):
            left = max(t for t in tr if t < x)  # tie (distance 1 both sides) goes left
            correct += int(f[left] == f[x])
    assert nfl_average(nearest_neighbour, 8, tr, T) == Fraction(correct, 4 * len(T))


@pytest.mark.parametrize("n_points,train_idx", [(5, [0, 3]), (6, [1, 2, 5]), (7, [0, 1, 2, 3, 4, 5])])
def test_nfl_other_domains_and_training_sets(n_points, train_idx):
    for name, learner in LEARNERS.items():
        if name.startswith("MLP") and n_points > 5:
            continue  # the MLP is covered at n = 5 and n = 8
        assert nfl_average(learner, n_points, train_idx) == Fraction(1, 2), name


def test_learners_are_run_on_each_labeling():
    calls = []

    def spy(x_train, y_train, x_test):
        calls.append(y_train.copy())
        return majority_learner(x_train, y_train, x_test)

    nfl_average(spy, 6)
    assert len(calls) == 1 and calls[0].shape == (64, 3)  # one row per labeling
    assert np.array_equal(calls[0], all_labelings(6)[:, [0, 2, 4]])


def test_noisy_pair_periodic_prior_fits_A_exactly_and_smooth_prior_fits_B():
    res = fit_pair(noisy_looking_pair())
    assert res["A"]["periodic"] < 1e-6 < 0.3 < res["A"]["smooth"]
    assert abs(res["A"]["freq"] - 7.3) < 0.01
    assert res["B"]["smooth"] < 0.25


def test_the_mean_baseline_is_the_rmse_around_the_training_mean():
    """Independent reference: redo the split by hand and compare with ``fit_pair``'s "mean"."""
    pair = noisy_looking_pair(n=40, seed=3)
    res = fit_pair(pair, holdout=0.25, seed=5)
    rng = np.random.default_rng(5)                # one generator: A's split, then B's
    for name, y in (("A", pair.yA), ("B", pair.yB)):
        idx = rng.permutation(40)
        te, tr = idx[:10], idx[10:]
        assert res[name]["mean"] == pytest.approx(np.sqrt(np.mean((y[te] - y[tr].mean()) ** 2)), rel=1e-12)


def test_shift_invariant_model_generalizes_to_unseen_shifts():
    res = train_shift_models(shift_task(), steps=300)
    assert res["shared-weight convolution"]["test"] == 1.0
    assert res["dense MLP"]["train"] == 1.0
    assert res["dense MLP"]["test"] < 0.8
    assert res["shared-weight convolution"]["params"] < res["dense MLP"]["params"]


@pytest.mark.parametrize("bad", [-1, 0, 2.5, "8", True, 17])
def test_bad_counts_raise(bad):
    with pytest.raises(ValueError, match="n_points must be an integer in \\[1, 16\\]"):
        all_labelings(bad)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="train_idx must be a non-empty proper subset"):
        nfl_average(nearest_neighbour, 4, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="max_changes must be an integer in \\[0, 3\\]"):
        smooth_labelings(4, 4)
    with pytest.raises(ValueError, match="hidden must be an integer >= 1"):
        mlp_learner(hidden=0)
    with pytest.raises(ValueError, match="learner returned shape"):
        off_training_accuracies(lambda a, b, c: np.zeros(3), all_labelings(4))


def test_the_self_checks_three_right_count_agrees_with_enumeration():
    """The number the chapter passes to the quiz (the experiment's count of targets with exactly 3 of
    the 4 off-training points right) against enumerating the 256 targets for fixed predictions."""
    from itertools import product

    from lecture_code.chapters.nfl import constant_learner, nearest_neighbour, nfl_experiment, self_check_quiz

    res = nfl_experiment(n_points=8, max_changes=1,
                         learners={"nearest neighbour": nearest_neighbour, "constant 0": constant_learner})
    counted = {int(h[Fraction(3, 4)]) for h in res.histograms}
    for prediction in product((0, 1), repeat=4):   # whatever a learner predicts on the 4 test points
        enumerated = sum(16 for test in product((0, 1), repeat=4)   # ×16 training labellings
                         if sum(p == t for p, t in zip(prediction, test)) == 3)
        assert counted == {enumerated} == {64}
    number = self_check_quiz(counted.pop(), 5, 16).questions[2]
    assert number.answer == 64 and number.accepts("64") and not number.accepts("63")
