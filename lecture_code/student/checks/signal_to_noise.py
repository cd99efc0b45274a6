"""Public checks of the exercise signal_to_noise (student notebook exercises/signal_to_noise.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 2.0, "q2": 2.0, "q3": 2.0}


@public("q1")
def _(moments):
    G = np.column_stack([np.tile([1.1, 0.9], 50), np.full(100, 0.1), np.tile([1.1, -0.9], 50)])
    m1, m2 = expect_tuple("moments(G)", call(moments, G), 2)
    # worked by hand: (1.1 + 0.9) / 2 = 1; (1.21 + 0.81) / 2 = 1.01; (1.1 - 0.9) / 2 = 0.1
    expect_close("m1 (mean gradient)", m1, [1.0, 0.1, 0.1])
    expect_close("m2 (mean squared gradient)", m2, [1.01, 0.01, 1.01])

@public("q2")
def _(ratios):
    G = np.column_stack([np.tile([1.1, 0.9], 50), np.full(100, 0.1), np.tile([1.1, -0.9], 50)])
    r1, r2 = expect_tuple("ratios(G)", call(ratios, G), 2)
    expect_close("<g>/<g^2>", r1, [1 / 1.01, 10.0, 0.1 / 1.01])
    expect_close("<g>/sqrt(<g^2>)", r2, [1 / np.sqrt(1.01), 1.0, 0.1 / np.sqrt(1.01)])

@public("q3")
def _(online_moments):
    g = np.array([[1.0, 2.0], [3.0, -2.0]])
    S, R = expect_tuple("online_moments(g, 0.5, 0.75)", call(online_moments, g, 0.5, 0.75), 2)
    # by hand: s1 = 0.5 g1, s2 = 0.5 s1 + 0.5 g2; r1 = 0.25 g1^2, r2 = 0.75 r1 + 0.25 g2^2
    expect_rows("s", S, [[0.5, 1.0], [1.75, -0.5]], row_label="sample", first_row=1)
    expect_rows("r", R, [[0.25, 1.0], [0.1875 + 2.25, 0.75 + 1.0]], row_label="sample", first_row=1)
    # rho1 = 0.8: s1 = 0.2 g1 (the new gradient gets the weight 1 - rho1), s2 = 0.8 s1 + 0.2 g2
    S, R = expect_tuple("online_moments(g, 0.8, 0.75)", call(online_moments, g, 0.8, 0.75), 2)
    expect_rows("s (rho1 = 0.8)", S, [[0.2, 0.4], [0.16 + 0.6, 0.32 - 0.4]], row_label="sample", first_row=1)
