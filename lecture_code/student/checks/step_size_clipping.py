"""Public checks of the exercise step_size_clipping (student notebook exercises/step_size_clipping.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 1.0}


@public("q1")
def _(optimal_step):
    H = np.diag([1.0, 10.0])
    expect_close("optimal_step along the highest curvature", call(optimal_step, np.array([0.0, 3.0]), H), 1 / 10)
    expect_close("optimal_step along the lowest curvature", call(optimal_step, np.array([2.0, 0.0]), H), 1.0)
    expect_close("optimal_step for g = (1, 1)", call(optimal_step, np.array([1.0, 1.0]), H), 2 / 11)
    for what, H in (("negative", np.diag([-1.0, 1.0])), ("zero", np.diag([0.0, 1.0]))):
        got = call(optimal_step, np.array([1.0, 0.0]), H)
        if not (isinstance(got, (float, np.floating)) and np.isinf(got) and got > 0):
            raise CheckFailure(f"optimal_step with {what} curvature along g (g'Hg {'<' if what == 'negative' else '='} 0)"
                               f" should be np.inf, got {got!r}")

@public("q2")
def _(optimal_step_path):
    path = call(optimal_step_path, np.diag([1.0, 10.0]), np.array([10.0, 1.0]), 2)
    # step 1: g = (10, 10), g'g = 200, g'Hg = 1100, alpha = 2/11
    w1 = np.array([10.0, 1.0]) - 2 / 11 * np.array([10.0, 10.0])
    g1 = np.diag([1.0, 10.0]) @ w1
    w2 = w1 - (g1 @ g1) / (g1 @ np.diag([1.0, 10.0]) @ g1) * g1
    expect_rows("w", path, [[10.0, 1.0], w1, w2])

@public("q3")
def _(clip_by_norm):
    expect_close("clip_by_norm((3, 4), 1)", call(clip_by_norm, np.array([3.0, 4.0]), 1.0), [0.6, 0.8])
    expect_close("clip_by_norm((3, 4), 10)", call(clip_by_norm, np.array([3.0, 4.0]), 10.0), [3.0, 4.0])

@public("q4")
def _(clipped_gd):
    grad = lambda w: np.array([-1000.0 if w[0] < 0 else 1.0, 0.0])  # noqa: E731
    path = call(clipped_gd, grad, np.array([-0.1, 1.0]), 0.1, 5.0, 2)
    # step 1: |g| = 1000 is clipped to 5, so w1 moves by 0.5 instead of 100
    expect_rows("w", path, [[-0.1, 1.0], [0.4, 1.0], [0.3, 1.0]])
