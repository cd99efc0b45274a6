"""Public checks of the exercise weight_space_symmetries (student notebook exercises/weight_space_symmetries.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 2.0, "q2": 1.0, "q3": 2.0, "q4": 2.0}


@public("q1")
def _(permute_hidden):
    W1 = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, -1.0]])
    b1 = np.array([0.1, 0.2, 0.3])
    w2 = np.array([1.0, -1.0, 0.5])
    W1p, b1p, w2p = expect_tuple("permute_hidden(...)", call(permute_hidden, W1, b1, w2, np.array([2, 0, 1])), 3)
    expect_close("W1p", W1p, [[3.0, -1.0], [1.0, 0.0], [0.0, 2.0]])
    expect_close("b1p", b1p, [0.3, 0.1, 0.2])
    expect_close("w2p", w2p, [0.5, 1.0, -1.0])

@public("q2")
def _(n_equivalent_minima):
    import itertools

    # independent count for one layer: enumerate the permutations of 3 and 4 neurons
    for n in (3, 4):
        count = sum(1 for _ in itertools.permutations(range(n)))
        expect_equal(f"n_equivalent_minima({n}, 1)", n_equivalent_minima(n, 1), count)
    expect_equal("n_equivalent_minima(3, 2)", n_equivalent_minima(3, 2), 36)
    # the lecture's 9 layers of 10 neurons: (10!)^9 ≈ 1.1e59, far beyond float precision and int64
    import math
    got = n_equivalent_minima(10, 9)
    if isinstance(got, bool) or not isinstance(got, int):
        raise CheckFailure(f"n_equivalent_minima(10, 9) should be an exact Python int, got {type(got).__name__}"
                           " (math.factorial gives one; floats and numpy integers are not exact)")
    expect_equal("n_equivalent_minima(10, 9)", got, math.prod(range(1, 11)) ** 9)

@public("q3")
def _(split_neuron, net):
    W1 = np.array([[1.0, 0.0], [0.0, 2.0]])
    b1 = np.array([0.1, 0.2])
    w2 = np.array([1.0, -1.0])
    W1n, b1n, w2n = expect_tuple("split_neuron(...)", call(split_neuron, W1, b1, w2, 1, 0.25), 3)
    expect_close("W1 of the new network", W1n, [[1.0, 0.0], [0.0, 2.0], [0.0, 2.0]])
    expect_close("b1 of the new network", b1n, [0.1, 0.2, 0.2])
    expect_close("w2 of the new network", w2n, [1.0, -1.25, 0.25])
    X = np.random.default_rng(0).normal(size=(5, 2))
    expect_close("output of the new network", net(W1n, b1n, w2n, X), net(W1, b1, w2, X))

@public("q4")
def _(n_permutation_lines, count_permutation_lines):
    # the lecture's example: n = 4 vectors on 3 positions
    expect_equal("n_permutation_lines(4)", n_permutation_lines(4), 36)
    expect_equal("count_permutation_lines(4)", count_permutation_lines(4), 36)
    expect_equal("count_permutation_lines(3)", count_permutation_lines(3), n_permutation_lines(3))
