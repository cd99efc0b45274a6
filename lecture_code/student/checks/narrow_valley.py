"""Public checks of the exercise narrow_valley (student notebook exercises/narrow_valley.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 2.0, "q2": 1.0, "q3": 2.0, "q4": 2.0, "q5": 1.0}


@public("q1")
def _(gd_steps):
    path = call(gd_steps, np.array([10.0, 10.0]), 0.1, 4)
    # the lecture's numbers: w1 drifts by 0.1 per step, w2 jumps by 7.5 across the valley
    expect_rows("w", path, [[10, 10], [9.9, 2.5], [9.8, -5.0], [9.7, 2.5], [9.6, -5.0]])
    # on the axis w1 = 0 the derivative of |w1| is sgn(0) = 0: w1 stays at 0
    try:
        expect_rows("w", call(gd_steps, np.array([0.0, 1.0]), 0.02, 3),
                    [[0, 1], [0, -0.5], [0, 1], [0, -0.5]])
    except CheckFailure as exc:
        raise CheckFailure(f"from (0, 1) with eta = 0.02, {exc} (use sgn(0) = 0, as np.sign does)") from None

def _valley_tail(eta, steps=100):
    w = np.array([10.0, 10.0])
    tail = []
    for t in range(steps):
        w = w - eta * np.array([np.sign(w[0]), 75.0 * np.sign(w[1])])
        if t >= steps - 10:
            tail.append(abs(w[0]) + 75 * abs(w[1]))
    return max(tail)


@public("q2")
def _(eta_better):
    eta = float(eta_better)
    if not eta > 0:
        raise CheckFailure(f"eta_better must be > 0, got {eta:g}")
    worst = _valley_tail(eta)
    if not worst < 100.0:
        given = "" if eta == 0.1 else f" (eta = 0.1 gives {_valley_tail(0.1):.4g})"
        raise CheckFailure(f"with eta = {eta:g} the largest E over steps 91..100 is {worst:.4g}; it must be "
                           f"below 100{given}")

@public("q3")
def _(gd_unitwise_steps):
    path = call(gd_unitwise_steps, np.array([10.0, 10.0]), np.array([1.0, 1 / 75]), 3)
    # both coordinates now move by exactly 1 per step: straight down the diagonal
    expect_rows("w", path, [[10, 10], [9, 9], [8, 8], [7, 7]])

@public("q4")
def _(momentum_steps):
    path = call(momentum_steps, np.array([10.0, 10.0]), 0.2, 0.5, 3)
    # dw = (-0.2, -15), then (-0.3, 7.5), then (-0.35, -11.25)
    expect_rows("w", path, [[10, 10], [9.8, -5.0], [9.5, 2.5], [9.15, -8.75]])

@public("q5")
def _(momentum_limit):
    # independent check: iterate the recursion long enough to converge
    eta, alpha = 0.2, 0.5
    dw = np.zeros(2)
    for t in range(200):
        dw = -eta * np.array([1.0, 75.0 * (-1) ** t]) + alpha * dw
    expect_close("momentum_limit(0.2, 0.5)", momentum_limit(eta, alpha), [dw[0], abs(dw[1])])
