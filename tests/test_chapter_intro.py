"""Gradient descent on ½λw²: closed form, regimes, bad input."""

import numpy as np
import pytest

from lecture_code.chapters.intro import BLOW_UP, draw_parabola_run, gd_on_parabola


@pytest.mark.parametrize("lr, lam", [(0.1, 1.0), (0.4, 4.0), (1.9, 1.0), (0.05, 30.0)])
def test_iterates_follow_the_closed_form(lr, lam):
    run = gd_on_parabola(lr, steps=12, curvature=lam, w0=0.7)
    expected = 0.7 * (1 - lr * lam) ** np.arange(13)
    np.testing.assert_allclose(run.w, expected, rtol=1e-12)
    assert run.diverged_at is None


def test_divergence_beyond_two_over_lambda_is_reported_with_its_step():
    run = gd_on_parabola(3.0, steps=100, curvature=1.0)  # factor -2: |w_t| = 2^t
    first = int(np.ceil(np.log2(BLOW_UP)))
    assert run.diverged_at == first + (2**first == BLOW_UP)
    assert len(run.w) == run.diverged_at + 1
    fig = draw_parabola_run(run)
    assert f"diverged at step {run.diverged_at}" in fig.layout.annotations[0].text


@pytest.mark.parametrize("lr, text", [(0.5, "monotonically"), (1.5, "oscillating"), (2.2, "diverging")])
def test_status_line_names_the_regime(lr, text):
    assert text in draw_parabola_run(gd_on_parabola(lr, steps=5)).layout.annotations[0].text


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(lr=0.0, steps=3), "lr"), (dict(lr=-1, steps=3), "lr"), (dict(lr=0.1, steps=-1), "steps"),
     (dict(lr=0.1, steps=2.5), "steps"), (dict(lr=0.1, steps=3, curvature=0), "curvature"),
     (dict(lr=0.1, steps=3, w0=float("nan")), "w0")],
)
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        gd_on_parabola(**kwargs)


class Parabola:
    """E(w) = ½λw² as an Objective of the runner."""

    dim = 1

    def __init__(self, lam):
        self.lam = lam

    def f(self, w):
        return 0.5 * self.lam * float(w[0]) ** 2

    def grad(self, w):
        return self.lam * np.asarray(w, dtype=float)


@pytest.mark.parametrize("lr, lam", [(0.1, 1.0), (0.4, 4.0), (1.9, 1.0), (0.05, 30.0), (2.5, 1.0)])
def test_the_loop_is_the_librarys_gradient_descent(lr, lam):
    """The chapter's float loop and run(sgd(lr), ...) on the same parabola: the same iterates."""
    from lecture_code.core.optimizers import sgd
    from lecture_code.core.runner import run

    mine = gd_on_parabola(lr, steps=30, curvature=lam, w0=0.7)
    theirs = run(sgd(lr), Parabola(lam), (0.7,), 30, limit=BLOW_UP).points[:, 0]
    n = len(theirs)
    np.testing.assert_allclose(mine.w[:n], theirs, rtol=1e-12)
    assert (mine.diverged_at is None) == (n == 31)
