"""The trajectory runner: both code paths agree, divergence is reported, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_code.core import optimizers as O
from lecture_code.core.problems import LeastSquares, gradient_noise, narrow_valley
from lecture_code.core.runner import DEFAULT_LIMIT, DIVERGED, NONFINITE_GRADIENT, fast_grad, run, run_many
from lecture_code.core.surfaces import get_surface, quadratic

ALL = [
    O.sgd(0.01),
    O.sgd([0.02, 0.005]),
    O.momentum(0.01, 0.9),
    O.momentum(0.01, 0.9, dampening=0.3),
    O.nesterov(0.01, 0.9),
    O.lecture_momentum(0.01, 0.8),
    O.lecture_momentum(0.01, 0.8, nesterov=True),
    O.adagrad(0.3),
    O.rmsprop(0.01),
    O.rmsprop(0.01, eps_inside_sqrt=False),
    O.rmsprop_nesterov(0.005, 0.9, 0.8),
    O.adam(0.05),
    O.adam(0.05, bias_correction=False),
    O.amsgrad(0.05),
    O.chain(O.clip_by_norm(1.0), O.adam(0.05)),
    O.chain(O.clip_by_norm(2.0), O.sgd(0.05)),
    O.sgd(0.01, weight_decay=0.1),
    O.momentum(0.01, 0.9, weight_decay=0.1),
    O.adam(0.05, weight_decay=0.1),
    O.adamw(0.05, weight_decay=0.1),
    O.adamw(0.05, weight_decay=0.1, amsgrad=True),
    O.chain(O.clip_by_norm(1.0), O.adamw(0.05)),
    O.chain(O.scale_by_amsgrad(0.0, 0.5), O.scale_by_schedule(lambda t: -0.05 / math.sqrt(t))),
]


@pytest.mark.parametrize("opt", ALL, ids=[f"{i}-{o.name}" for i, o in enumerate(ALL)])
@pytest.mark.parametrize("surface", ["beale", "y4_minus_x4", "rosenbrock", "cliff"])
def test_fast_path_equals_array_path(opt, surface):
    """Same rules, same gradient formula: floats and arrays agree (to relative 1e-10)."""
    s = get_surface(surface)
    x0 = {"beale": (1.0, 1.5), "y4_minus_x4": (0.1, 1.0), "rosenbrock": (-1.0, 1.5), "cliff": (1.0, 0.5)}[surface]
    noise = gradient_noise(300, (0.1, 0.3), seed=1)
    for nz in (None, noise):
        a = run(opt, s, x0, 300, fast=True, noise=nz)
        b = run(opt, s, x0, 300, fast=False, noise=nz)
        assert a.diverged_at == b.diverged_at
        assert a.points.shape == b.points.shape
        assert np.max(np.abs(a.points - b.points) / np.maximum(1.0, np.abs(b.points))) < 1e-10
        assert np.allclose(a.losses, b.losses, rtol=1e-9, atol=1e-12)


def test_the_fast_path_runs_the_optimizers_own_rule():
    """A rule written once: change it (a user-defined transformation) and both paths follow."""
    def sign_step(u, state, t, xp):  # signSGD with a running count in the state
        return u / xp.sqrt(u * u + 1e-30), (state[0] + 1.0,)

    opt = O.chain(O.elementwise(sign_step, (0.0,), name="sign"), O.scale(-0.01))
    s = get_surface("beale")
    fast = run(opt, s, (1.0, 1.5), 100, fast=True)
    slow = run(opt, s, (1.0, 1.5), 100, fast=False)
    assert np.allclose(fast.points, slow.points, rtol=0, atol=1e-12)
    steps = np.abs(np.diff(fast.points, axis=0))
    assert np.mean(np.isclose(steps, 0.01, rtol=1e-9)) > 0.95  # coordinates move by η: the sign rule ran


def test_fast_gradient_is_the_surfaces_gradient():
    s = get_surface("beale")
    assert fast_grad(s) is s.grad_expr
    assert fast_grad(LeastSquares(np.eye(2), np.zeros(2))) is None


def test_losses_and_gradient_norms_are_recorded():
    s = get_surface("beale")
    t = run(O.adam(0.05), s, (1.0, 1.5), 50)
    assert t.points.shape == (51, 2) and t.losses.shape == (51,) and t.grad_norms.shape == (51,)
    assert np.allclose(t.losses, s.f(t.points))
    assert np.allclose(t.grad_norms, np.linalg.norm(s.grad(t.points), axis=1))
    assert not t.diverged and t.status == ""


def test_zero_steps_gives_the_start_point():
    t = run(O.sgd(0.1), get_surface("beale"), (1.0, 1.5), 0)
    assert t.points.shape == (1, 2) and not t.diverged


def test_divergence_on_a_quadratic_is_reported_at_the_predicted_step():
    """GD on ½λx² with η λ = 3: |x_t| = 2^t |x_0|, so it exceeds the limit at a known step."""
    s = quadratic(1.0, 0.0, lambda_max=1.0)  # λ = 1 in both directions
    for fast in (True, False):
        t = run(O.sgd(3.0), s, (1.0, 0.0), 200, fast=fast)
        expected = math.ceil(math.log(DEFAULT_LIMIT) / math.log(2.0))
        assert t.diverged_at == expected
        assert len(t.points) == expected  # start + the good iterates
        assert np.all(np.isfinite(t.points)) and np.all(np.abs(t.points) < DEFAULT_LIMIT)
        assert t.status == f"GD diverged at step {expected}"


def test_divergence_to_nan_is_reported():
    """y⁴ − x⁴ with a big step: x overflows to inf/nan; the run stops and says where."""
    for fast in (True, False):
        t = run(O.sgd(1.0), get_surface("y4_minus_x4"), (0.5, 3.0), 100, fast=fast, limit=1e300)
        assert t.diverged and 1 <= t.diverged_at <= 100
        assert np.all(np.isfinite(t.points))


def test_runs_in_any_dimension():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 5))
    ls = LeastSquares(X, X @ np.arange(5.0))
    t = run(O.adam(0.1), ls, np.zeros(5), 2000)
    assert t.points.shape == (2001, 5)
    assert np.allclose(t.final, np.arange(5.0), atol=1e-3)


def test_run_many():
    trajs = run_many([O.sgd(0.1), O.adam(0.1)], narrow_valley(), (10.0, 10.0), 20)
    assert [t.name for t in trajs] == ["GD", "Adam"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps": -1}, "steps must be an integer >= 0"),
        ({"steps": 2.5}, "steps must be an integer >= 0"),
        ({"x0": (1.0, 2.0, 3.0)}, r"x0 must have shape \(2,\)"),
        ({"x0": [[1.0, 2.0]]}, r"x0 must have shape \(2,\)"),
        ({"x0": (float("nan"), 1.0)}, "x0 must be finite"),
        ({"noise": np.zeros((3, 2))}, "noise must have shape"),
        ({"limit": 0.0}, "limit must be > 0"),
    ],
)
def test_bad_input(kwargs, message):
    args = dict(optimizer=O.sgd(0.1), objective=get_surface("beale"), x0=(1.0, 1.0), steps=10)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        run(**args)


def test_not_an_optimizer():
    with pytest.raises(ValueError, match="optimizer must be an Optimizer"):
        run(lambda g: g, get_surface("beale"), (1.0, 1.0), 3)


def test_run_many_equals_run():
    s = get_surface("beale")
    opts = [O.sgd(0.05), O.sgd(0.5), O.adam(0.05), O.nesterov(0.01, 0.9)]  # GD at 0.5 diverges
    many = run_many(opts, s, (1.0, 1.5), 200)
    for o, t in zip(opts, many):
        one = run(o, s, (1.0, 1.5), 200)
        assert np.array_equal(one.points, t.points) and np.array_equal(one.losses, t.losses)
        assert np.array_equal(one.grad_norms, t.grad_norms) and one.diverged_at == t.diverged_at
    assert any(t.diverged for t in many) and not all(t.diverged for t in many)


# ------------------------------------------------------------------ non-finite gradients


class Broken:
    """x² + y² whose gradient is NaN (or +inf) for x < 0.5 while the loss stays finite: a
    stand-in for a loss that is not differentiable there or a gradient that overflowed."""

    dim = 2
    vectorized = True

    def __init__(self, bad=float("nan")):
        self.bad = bad

    def expr(self, x, y):
        return x * x + y * y

    def grad_expr(self, x, y):
        if np.ndim(x):
            return np.where(x < 0.5, self.bad, 2 * x), 2 * y + 0 * x
        return (self.bad if x < 0.5 else 2 * x), 2 * y

    def f(self, points):
        p = np.asarray(points, float)
        return self.expr(p[..., 0], p[..., 1])

    def grad(self, point):
        p = np.asarray(point, float)
        return np.stack(np.broadcast_arrays(*self.grad_expr(p[..., 0], p[..., 1])), axis=-1)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")], ids=["nan", "inf"])
@pytest.mark.parametrize("opt", [O.sgd(0.1), O.momentum(0.05, 0.9), O.adam(0.2), O.adamw(0.2, weight_decay=0.1),
                                 O.chain(O.clip_by_norm(1.0), O.sgd(0.1))], ids=["gd", "momentum", "adam", "adamw", "clip"])
def test_a_non_finite_gradient_stops_the_run_and_says_so(opt, bad):
    """GD from x = 2 on x² + y² with η = 0.1: x_t = 2 · 0.8^t, below 0.5 first at t = 7, so the
    gradient of step 8 is NaN. Both paths stop there, keep the finite points and say why."""
    s = Broken(bad)
    runs = [run(opt, s, (2.0, 1.0), 50, fast=True), run(opt, s, (2.0, 1.0), 50, fast=False),
            run_many([opt], s, (2.0, 1.0), 50)[0]]
    k = runs[0].diverged_at
    assert k is not None and all(r.diverged_at == k for r in runs)
    for r in runs:
        assert r.reason == NONFINITE_GRADIENT and r.diverged
        assert r.status == f"{opt.name}: non-finite gradient at step {k}"
        assert len(r.points) == k and np.all(np.isfinite(r.points)) and np.all(np.isfinite(r.losses))
        assert r.points[-1, 0] < 0.5 <= r.points[-2, 0]  # the last point is where the gradient broke
        assert np.allclose(r.points, runs[1].points, rtol=1e-12)
    if opt.name == "GD":
        assert k == 8 and np.allclose(runs[0].points[:, 0], 2 * 0.8 ** np.arange(8))


def test_a_rule_that_swallows_nan_is_still_cut_where_the_gradient_broke():
    """A user rule that turns NaN into a finite step (max(min(u, 1), −1) with NaN-blind
    comparisons) would walk on silently; the runner still stops at the non-finite gradient."""
    def clamp(u, state, t, xp):
        return -xp.maximum(-xp.maximum(u, -1.0), -1.0), state

    opt = O.chain(O.elementwise(clamp, name="clamp"), O.scale(-0.1))
    for fast in (True, False):
        r = run(opt, Broken(), (2.0, 1.0), 100, fast=fast)
        assert r.reason == NONFINITE_GRADIENT and np.all(np.isfinite(r.points))
        assert r.points[-1, 0] < 0.5 <= r.points[-2, 0]


def test_divergence_and_finished_runs_name_their_reason():
    s = quadratic(1.0, 0.0, lambda_max=1.0)
    assert run(O.sgd(3.0), s, (1.0, 0.0), 200).reason == DIVERGED
    done = run(O.sgd(0.1), s, (1.0, 0.0), 20)
    assert done.reason == "" and done.status == "" and not done.diverged
    # a non-finite gradient at the last point of a finished run was never used: nothing stops
    r = run(O.sgd(0.1), Broken(), (2.0, 1.0), 7)
    assert not r.diverged and len(r.points) == 8 and not np.isfinite(r.grad_norms[-1])


def test_figures_show_a_non_finite_gradient():
    from lecture_code.core.plotting import draw_paths, status_text

    r = run(O.sgd(0.1), Broken(), (2.0, 1.0), 50)
    assert status_text([r]) == "GD: non-finite gradient at step 8"
    fig = draw_paths(get_surface("bowl"), [r], window=((-3, 3), (-3, 3)))
    assert "non-finite gradient at step 8" in fig.layout.annotations[-1].text
