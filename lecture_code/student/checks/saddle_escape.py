"""Public checks of the exercise saddle_escape (student notebook exercises/saddle_escape.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 2.0, "q2": 1.0, "q3": 3.0, "q4": 2.0, "q5": 2.0, "q6": 1.0}


@public("q1")
def _(gd_escape_step):
    got = call(gd_escape_step, np.zeros(4), 0.1, 300)
    expect_equal("gd_escape_step(0, 0.1, 300) (the gradient at the saddle is exactly 0)", got, -1)
    got = call(gd_escape_step, np.array([0.5, 0.0, 0.0]), 0.1, 10)
    expect_equal("gd_escape_step((0.5, 0, 0), 0.1, 10) (f is already below -0.005 at the start)", got, 0)
    got = call(gd_escape_step, np.array([0.099, 0.0, 0.0]), 0.1, 10)
    expect_equal("gd_escape_step((0.099, 0, 0), 0.1, 10) (f = -0.00488 at step 0, -0.00589 after one step)", got, 1)
    got = call(gd_escape_step, np.array([1e-6, 0.0, 0.0, 0.0]), 0.1, 500)
    # near the saddle x_1 grows by 1 + lr per step: log(0.1 / 1e-6) / log(1.1) = 120.8
    if not isinstance(got, (int, np.integer)) or not 118 <= got <= 124:
        raise CheckFailure(f"gd_escape_step((1e-6, 0, 0, 0), 0.1, 500): expected about 121 steps, got {got!r}")

@public("q2")
def _(predicted_steps):
    expect_close("predicted_steps(1e-6, 0.1)", call(predicted_steps, 1e-6, 0.1), 120.7945, rtol=1e-4)
    expect_close("predicted_steps(-1e-6, 0.1) (an offset of either sign: |x_1| grows the same way)",
                 call(predicted_steps, -1e-6, 0.1), 120.7945, rtol=1e-4)

@public("q3")
def _(perturbed_gd):
    kick = np.array([[1e-6, 0.0, 0.0]])
    got = expect_tuple("perturbed_gd(0, 0.1, 1e-3, 50, [(1e-6, 0, 0)], 500)",
                       call(perturbed_gd, np.zeros(3), 0.1, 1e-3, 50, kick, 500), 2)
    # one kick at t = 0 to (1e-6, 0, 0), then the same path as gradient descent from there
    if got[1] != 1 or not 118 <= got[0] <= 124:
        raise CheckFailure(f"one kick of 1e-6 along x_1 at t = 0: expected (about 121, 1), got {got!r}")
    got = expect_tuple("perturbed_gd((0.5, 0, 0), ...)", call(perturbed_gd, np.array([0.5, 0.0, 0.0]), 0.1, 1e-3, 50,
                                                              kick, 10), 2)
    expect_equal("perturbed_gd from (0.5, 0, 0) (large gradient, already escaped)", tuple(int(v) for v in got), (0, 0))
    sideways = np.tile([0.0, 1e-9, 0.0], (10, 1))          # kicks along a stable direction never escape
    got = expect_tuple("perturbed_gd(0, 0.1, 1e-3, 20, sideways kicks, 100)",
                       call(perturbed_gd, np.zeros(3), 0.1, 1e-3, 20, sideways, 100), 2)
    expect_equal("kicks along x_2 at t = 0, 21, 42, 63, 84: (escape_step, kicks_used)", tuple(int(v) for v in got), (-1, 5))

@public("q4")
def _(uniform_ball):
    p = expect_shape("uniform_ball(20000, 2, 0.5, 0)", call(uniform_ball, 20000, 2, 0.5, 0), (20000, 2))
    if np.linalg.norm(p, axis=1).max() > 0.5 + 1e-12:
        raise CheckFailure("some points lie outside the ball of radius 0.5")
    inner = np.mean(np.linalg.norm(p, axis=1) <= 0.25)
    if abs(inner - 0.25) > 0.02:
        raise CheckFailure(f"in 2-D a quarter of the points should lie within half the radius, got {inner:.3f}")

@public("q5")
def _(mean_escape):
    got = float(call(mean_escape, 8, 1e-3, 100, 1))
    # a kick's component along x_1 is of order r/√d; the mean over 100 runs scatters by about 1.2 steps
    if not 60 <= got <= 73:
        raise CheckFailure(f"mean_escape(8, 1e-3, 100, 1): expected about 66.5 steps, got {got:.4g}")

@public("q6")
def _(steps_per_doubling):
    v = float(steps_per_doubling)
    if not 0 < v < 20:
        raise CheckFailure(f"steps_per_doubling should be a positive number of steps, got {v:g}")
    # the hidden check wants the exact large-d value of the argument (within 0.01), not a measurement
