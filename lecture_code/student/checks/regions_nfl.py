"""Public checks of the exercise regions_nfl (student notebook exercises/regions_nfl.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 1.0, "q2": 2.0, "q3": 2.0, "q4": 1.0}


@public("q1")
def _(n_regions):
    for n in (0, 1, 4):
        expect_equal(f"n_regions({n}, 1)", n_regions(n, 1), n + 1)
    for n in (3, 4, 10):
        expect_equal(f"n_regions({n}, 2)", n_regions(n, 2), 1 + n + n * (n - 1) // 2)
    expect_equal("n_regions(3, 3)", n_regions(3, 3), 8)  # three planes: the octants
    # an independent count: deleting one hyperplane, r(n, d) = r(n - 1, d) + r(n - 1, d - 1)
    r = [[1] * 61 for _ in range(121)]                     # r[n][d]; r(0, d) = 1 = r(n, 0)
    for n in range(1, 121):
        for d in range(1, 61):
            r[n][d] = r[n - 1][d] + r[n - 1][d - 1]
    got = n_regions(120, 60)
    if isinstance(got, bool) or not isinstance(got, int):
        raise CheckFailure(f"n_regions(120, 60) should be an exact Python int, got {type(got).__name__}"
                           " (math.comb gives exact ints; floats are not exact for numbers this large)")
    expect_equal("n_regions(120, 60)", got, r[120][60])

@public("q2")
def _(count_line_regions):
    general = [[1, 0, 0], [0, 1, 0], [1, 1, -1]]  # a triangle: 1 + 3 + 3
    expect_equal("count_line_regions(three lines in general position)",
                 call(count_line_regions, np.array(general)), 7)
    concurrent = [[1, 0, 0], [0, 1, 0], [1, 1, 0]]  # all through the origin: 6 sectors
    expect_equal("count_line_regions(three lines through one point)",
                 call(count_line_regions, np.array(concurrent)), 6)
    parallel = [[1, 0, 0], [1, 0, -1], [0, 1, 0]]  # two parallel lines and one across
    expect_equal("count_line_regions(two parallel lines and a crossing one)",
                 call(count_line_regions, np.array(parallel)), 6)
    thin = [[1, 0, 0], [0, 1, 0], [1000, 1000, -1]]  # a triangle with legs 0.001 long: 1 + 3 + 3
    expect_equal("count_line_regions(a tiny triangle)", call(count_line_regions, np.array(thin)), 7)
    # four lines through the point (1/3, 1/7), which no float represents: 1 + 4 + 3 = 8
    through = [[42, 63, -23], [105, 147, -56], [21, -84, 5], [63, 21, -24]]
    expect_equal("count_line_regions(four lines through (1/3, 1/7))",
                 call(count_line_regions, np.array(through)), 8)

@public("q3")
def _(off_training_accuracies, always_zero, nearest_neighbor):
    acc = expect_shape("off_training_accuracies(always_zero, 2, [0])",
                       call(off_training_accuracies, always_zero, 2, [0]), (4,))
    # targets 0..3 label point 1 with (t >> 1) & 1 = 0, 0, 1, 1; always_zero is right on 0 and 1
    expect_close("off_training_accuracies(always_zero, 2, [0])", acc, [1, 1, 0, 0])
    acc = call(off_training_accuracies, nearest_neighbor, 3, [0, 2])
    expect_close("mean accuracy of nearest_neighbor over all 8 targets", np.mean(acc), 0.5)

@public("q4")
def _(smooth_targets):
    # 3 points, no label change: 000 (t = 0) and 111 (t = 7)
    expect_close("smooth_targets(3, 0)", call(smooth_targets, 3, 0), [0, 7])
    expect_close("smooth_targets(3, 1)", call(smooth_targets, 3, 1), [0, 1, 3, 4, 6, 7])
