"""Public checks of the exercise batchnorm_landscape (student notebook exercises/batchnorm_landscape.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 3.0, "q2": 3.0, "q3": 2.0, "q4": 2.0}


@public("q1")
def _(bn_train):
    # by hand: column 1 is (1, 3): mean 2, variance 1, x̂ = ∓1; column 2 is (2, 6): mean 4, variance 4
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    y, mean, var = expect_tuple("bn_train(...)", call(bn_train, x, np.array([1.0, 2.0]), np.array([0.0, 1.0]), 0.0), 3)
    expect_close("mean", mean, [2.0, 4.0])
    expect_close("var", var, [1.0, 4.0])
    expect_close("y", y, [[-1.0, -1.0], [1.0, 3.0]])
    # normalized outputs of a random batch have mean beta and standard deviation about gamma
    rng = np.random.default_rng(0)
    xb = rng.normal(3.0, 2.0, size=(50, 4))
    y, _, _ = expect_tuple("bn_train(...)", call(bn_train, xb, np.full(4, 2.0), np.full(4, -1.0)), 3)
    expect_close("mean of y", np.asarray(y).mean(axis=0), np.full(4, -1.0), atol=1e-9)
    expect_close("std of y", np.asarray(y).std(axis=0), np.full(4, 2.0), rtol=1e-5)
    # where eps sits shows for a small variance: column (0, 0.002) has variance 1e-6, so with
    # eps = 1e-5 inside the root x̂ = -+0.001 / sqrt(1.1e-5); after the root it would be -+0.99
    y, _, _ = expect_tuple("bn_train(...)", call(bn_train, np.array([[0.0], [0.002]]), np.ones(1), np.zeros(1)), 3)
    try:
        expect_close("y for the column (0, 0.002)", y, [[-0.001 / np.sqrt(1.1e-5)], [0.001 / np.sqrt(1.1e-5)]])
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}: eps goes inside the square root, sqrt(var + eps)") from None

@public("q2")
def _(bn_running, bn_eval):
    # one batch (1, 3): mean 2, unbiased variance 2 -> running mean 0.2, running variance 0.9 + 0.2 = 1.1
    mean, var = expect_tuple("bn_running(...)", call(bn_running, [np.array([[1.0], [3.0]])]), 2)
    expect_close("running mean after one batch", mean, [0.2])
    expect_close("running var after one batch", var, [1.1])
    mean, var = expect_tuple("bn_running(...)", call(bn_running, [np.array([[1.0], [3.0]])] * 2, 0.5), 2)
    expect_close("running mean after two batches (momentum 0.5)", mean, [1.5])
    expect_close("running var after two batches (momentum 0.5)", var, [1.75])
    y = call(bn_eval, np.array([[2.0, 0.0]]), np.array([1.0, 3.0]), np.array([0.0, 1.0]),
             np.array([1.0, 0.0]), np.array([4.0, 1.0]), 0.0)
    expect_close("bn_eval output", y, [[0.5, 1.0]])

@public("q3")
def _(filter_normalize):
    D = np.array([[3.0, 4.0], [0.0, 2.0]])
    W = np.array([[1.0, 0.0], [6.0, 8.0]])
    expect_close("filter_normalize(D, W)", call(filter_normalize, D, W), [[0.6, 0.8], [0.0, 10.0]])
    # rescaling a neuron's incoming weights (a row) rescales its direction: what makes the view
    # invariant to rescaling a whole layer (every row of both matrices scales); one neuron's
    # outgoing weights are a column of the next matrix, which this does not cover
    rng = np.random.default_rng(1)
    D, W = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    c = np.array([[2.0], [0.5], [1.0], [10.0]])
    expect_close("filter_normalize(D, c·W)", call(filter_normalize, D, c * W), c * call(filter_normalize, D, W))

@public("q4")
def _(prune_and_rewind):
    W = np.array([[0.5, -0.1, 2.0], [-3.0, 0.05, 0.4]])
    W0 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask, Wr = expect_tuple("prune_and_rewind(...)", call(prune_and_rewind, W, W0, np.ones((2, 3)), 0.5), 2)
    # the three smallest |w| are 0.05, 0.1 and 0.4
    expect_close("new_mask", mask, [[1, 0, 1], [1, 0, 0]])
    expect_close("W_rewound", Wr, [[1.0, 0.0, 3.0], [4.0, 0.0, 0.0]])
    # already-pruned weights stay pruned, even when they are large
    mask, Wr = expect_tuple("prune_and_rewind(...)", call(prune_and_rewind, W, W0, np.array([[1, 1, 1], [0, 1, 1.0]]), 0.4), 2)
    expect_close("new_mask (second round)", mask, [[1, 0, 1], [0, 0, 1]])
    # ties: of equal |w| the one listed first (row-major) goes first; round(0.5 * 5) = round(2.5) = 2
    # in Python (halves round to even)
    Wt = np.array([[1.0, -1.0, 0.5], [1.0, 3.0, 2.0]])
    mask, _ = expect_tuple("prune_and_rewind(...)", call(prune_and_rewind, Wt, W0, np.array([[1, 1, 1], [1, 1, 0.0]]), 0.5), 2)
    expect_close("new_mask (a tie at |w| = 1, round(2.5) = 2 weights removed)", mask, [[0, 1, 0], [1, 1, 0]])
