"""The trajectory runner: both code paths agree, divergence is reported, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_code.core import optimizers as O
from lecture_code.core import runner
from lecture_code.core.problems import LeastSquares, gradient_noise, narrow_valley
from lecture_code.core.runner import DEFAULT_LIMIT, fast_grad, run, run_many
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
]


@pytest.mark.parametrize("opt", ALL, ids=[o.name for o in ALL])
@pytest.mark.parametrize("surface", ["beale", "y4_minus_x4", "rosenbrock", "cliff"])
def test_fast_path_equals_array_path(opt, surface, monkeypatch):
    """Same rules, same gradient formula: floats and arrays agree (to relative 1e-10).

    The hand-expanded float gradients are switched off here (they round differently, and
    on chaotic runs such as GD bouncing in Beale's valley rounding differences grow); they
    are compared with the surface's gradient in test_fast_gradients_match_surface.
    """
    monkeypatch.setattr(runner, "_FAST_GRADS", {})
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


@pytest.mark.parametrize("name", ["beale", "y4_minus_x4"])
def test_fast_gradients_match_surface(name):
    s = get_surface(name)
    rng = np.random.default_rng(0)
    for x, y in rng.uniform(-3, 3, size=(50, 2)):
        assert np.allclose(fast_grad(s)(x, y), s.grad([x, y]), rtol=1e-13, atol=1e-12)


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
