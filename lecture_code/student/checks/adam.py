"""Public checks of the exercise adam (student notebook exercises/adam.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 3.0, "q2": 2.0, "q3": 1.0}


@public("q1")
def _(adam_init, adam_update):
    state = adam_init(np.zeros(2))
    out = expect_tuple("adam_update(...) (updates, new_state)",
                       call(adam_update, np.array([0.5, -2.0]), state, 0.1, 0.9, 0.999, 1e-8), 2)
    # with bias correction the first step is -lr * g / (|g| + delta): -lr * sign(g) to within
    # delta / |g| (here 2e-8 at most) when |g| is much larger than delta; for |g| = delta it is half that
    expect_close("update at step 1", out[0], [-0.1, 0.1], rtol=1e-6)
    # step 2 with g = -1 after g = 1 (1-D): s = -0.01, r = 0.001999,
    # s_hat = -0.01 / 0.19, r_hat = 1, update = 0.1 * 0.01 / 0.19
    u1, st = adam_update(np.array([1.0]), adam_init(np.zeros(1)), 0.1, 0.9, 0.999, 1e-8)
    u2, st = adam_update(np.array([-1.0]), st, 0.1, 0.9, 0.999, 1e-8)
    expect_close("update at step 2", u2, [0.1 * 0.01 / 0.19 / (1 + 1e-8)], rtol=1e-6)
    # where delta sits shows for a gradient near sqrt(delta): g = 1e-4, delta = 1e-8, first step
    # after the root: -lr * 1e-4 / (1e-4 + 1e-8);  inside it: -lr * 1e-4 / sqrt(1e-8 + 1e-8)
    u, _ = adam_update(np.array([1e-4]), adam_init(np.zeros(1)), 0.1, 0.9, 0.999, 1e-8)
    try:
        expect_close("update at step 1 for g = 1e-4", u, [-0.1 * 1e-4 / (1e-4 + 1e-8)], rtol=1e-6)
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}: add delta after the square root, sqrt(r_hat) + delta") from None

@public("q2")
def _(adam_minimize):
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    b = np.array([1.0, -2.0])
    theta0 = np.array([2.0, 1.0])
    path = call(adam_minimize, lambda th: A @ th - b, theta0, 500, 0.05, 0.9, 0.999, 1e-8)
    path = expect_shape("the path", path, (501, 2))
    expect_close("theta at step 0", path[0], theta0)
    g0 = A @ theta0 - b
    expect_close("theta at step 1 (bias-corrected first step: -lr * g / (|g| + delta), about -lr * sign(g))", path[1],
                 theta0 - 0.05 * np.sign(g0), rtol=1e-6)
    minimum = np.linalg.solve(A, b)
    err = np.abs(path[-1] - minimum).max()
    if not err < 0.05:
        raise CheckFailure(f"after 500 steps theta = {fmt(path[-1])}, still {err:.3g} from the"
                           f" minimum {fmt(minimum)}")

@public("q3")
def _(first_step_without_correction):
    # rho1 = rho2 = 0.75: (1 - 0.75) / sqrt(0.25) = 0.5
    expect_close("first_step_without_correction(1.0, 0.75, 0.75)",
                 first_step_without_correction(1.0, 0.75, 0.75), 0.5)
    # the size of the step itself, in the units of theta: it scales with the step size lr
    expect_close("first_step_without_correction(0.1, 0.75, 0.75)",
                 first_step_without_correction(0.1, 0.75, 0.75), 0.05)
