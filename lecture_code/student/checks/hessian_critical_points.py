"""Public checks of the exercise hessian_critical_points (student notebook exercises/hessian_critical_points.ipynb).

Generated from the exercise source by `make exercises`; do not edit.
Run them from the notebook with check("q1") / check.all().
"""

import numpy as np

from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,
                                  expect_shape, expect_tuple, fmt, public)

POINTS = {"q1": 3.0, "q2": 2.0, "q3": 2.0, "q4": 2.0}


@public("q1")
def _(hessians):
    if not isinstance(hessians, dict):
        raise CheckFailure(f"hessians should be a dict, got {type(hessians).__name__}")
    names = ["x^2+3y^2", "-x^2+3y^2", "x^2+y^4", "x^2-y^4", "-x^4-y^4", "x^3-3xy^2"]
    missing = [k for k in names if k not in hessians]
    if missing:
        raise CheckFailure(f"hessians lacks the key(s) {missing}")
    for k in names:
        if hessians[k] is Ellipsis:
            raise CheckFailure(f"hessians[{k!r}] is still `...`")
        expect_shape(f"hessians[{k!r}]", hessians[k], (2, 2))
    # the lecture works out the first two on its slides
    expect_close('hessians["x^2+3y^2"]', hessians["x^2+3y^2"], [[2, 0], [0, 6]])
    expect_close('hessians["-x^2+3y^2"]', hessians["-x^2+3y^2"], [[-2, 0], [0, 6]])

@public("q2")
def _(classify):
    cases = [([[2, 0], [0, 6]], "minimum"), ([[-2, 0], [0, 6]], "saddle"),
             ([[2, 0], [0, 0]], "degenerate"), ([[-1, 0.5], [0.5, -2]], "maximum"),
             # a zero eigenvalue does not matter when there is a sign mix: still a saddle
             ([[1, 0, 0], [0, -2, 0], [0, 0, 0]], "saddle"),
             # rounding: eigenvalues of +-1e-13 are zero for the sign test too (|lambda| <= tol)
             ([[2, 0], [0, -1e-13]], "degenerate"), ([[-3, 0], [0, 1e-13]], "degenerate")]
    for H, want in cases:
        expect_equal(f"classify({H})", call(classify, np.array(H, dtype=float)), want)

@public("q3")
def _(numerical_hessian):
    f = lambda w: w[0] ** 2 + 3 * w[1] ** 2  # noqa: E731
    expect_close("numerical_hessian(x^2+3y^2, (0, 0))", call(numerical_hessian, f, np.zeros(2)),
                 [[2, 0], [0, 6]], rtol=1e-4, atol=1e-4)
    g = lambda w: w[0] ** 3 - 3 * w[0] * w[1] ** 2  # monkey saddle: H = [[6x, -6y], [-6y, -6x]]
    expect_close("numerical_hessian(monkey saddle, (1, 2))", call(numerical_hessian, g, np.array([1.0, 2.0])),
                 [[6, -12], [-12, -6]], rtol=1e-4, atol=1e-4)

@public("q4")
def _(L2_origin, L3_origin, L3_at_001):
    # H = [[0, -2], [-2, 0]] has eigenvalues -2 and 2
    expect_equal("L2_origin", L2_origin, "saddle")
    kinds = ("minimum", "maximum", "saddle", "degenerate")
    for name, got in (("L3_origin", L3_origin), ("L3_at_001", L3_at_001)):
        if not isinstance(got, str) or got.strip().lower() not in kinds:
            raise CheckFailure(f"{name} should be one of {', '.join(map(repr, kinds))}, got {got!r}")
    # the mistakes the introduction and the question warn about (the answers themselves are graded hidden)
    if L3_origin.strip().lower() == "minimum":
        raise CheckFailure("L3_origin: a Hessian with zero eigenvalues and no sign mix cannot show a"
                           " minimum; reread the introduction")
    if L3_origin.strip().lower() == "saddle":
        raise CheckFailure("L3_origin: the point is a saddle, but the question asks what the Hessian"
                           " test says; what does your classify answer for its Hessian?")
    if L3_at_001.strip().lower() == "degenerate":
        raise CheckFailure("L3_at_001: a zero eigenvalue matters only when the others do not have both"
                           " signs; look at all three eigenvalues")
