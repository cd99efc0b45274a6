"""The trajectory runner: both code paths agree, divergence is reported, bad input is refused."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from lecture_code.core import optimizers as O
from lecture_code.core.problems import LeastSquares, gradient_noise, narrow_valley
from lecture_code.core.runner import (
    DEFAULT_LIMIT, DIVERGED, NONFINITE_GRADIENT, Objective, check_objective, growth_bound, run, run_many,
)
from lecture_code.core.surfaces import Surface, get_surface, quadratic

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


def test_a_rule_of_your_own_runs_through_update():
    """A user-defined transformation is not replayed by the fast path (only the library's own rules
    are): fast=None takes the array path, fast=True says why it cannot, and the run is the loop
    over update written out."""
    def sign_step(u, state, t, xp):  # signSGD with a running count in the state
        return u / xp.sqrt(u * u + 1e-30), (state[0] + 1.0,)

    opt = O.chain(O.elementwise(sign_step, (0.0,), name="sign"), O.scale(-0.01))
    assert O.fast_parts(opt) is None and opt.parts == ()
    s = get_surface("beale")
    got = run(opt, s, (1.0, 1.5), 100)
    w, state, loop = np.array([1.0, 1.5]), opt.init(np.array([1.0, 1.5])), [np.array([1.0, 1.5])]
    for _ in range(100):
        u, state = opt.update(s.grad(w), state, w)
        w = w + u
        loop.append(w)
    assert np.array_equal(got.points, np.array(loop))
    steps = np.abs(np.diff(got.points, axis=0))
    assert np.mean(np.isclose(steps, 0.01, rtol=1e-9)) > 0.95  # coordinates move by η: the sign rule ran
    with pytest.raises(ValueError, match="fast=True needs a library optimizer"):
        run(opt, s, (1.0, 1.5), 100, fast=True)


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


@pytest.mark.parametrize("lr", [2.05, 2.1, 2.5, 3.0])
def test_a_loss_bound_flags_slow_divergence_at_the_predicted_step(lr):
    """GD on ½(x² + y²) with ηλ > 2: the loss is (1 - η)^(2t) times its start (closed form), so
    with max_loss = 4 × start it is flagged at the first t with |1 - η|^(2t) > 4 -- long before
    the box |x_i| < limit is left -- on both paths and in run_many; below 2/λ it never is."""
    s = quadratic(1.0, 0.0, lambda_max=1.0)
    bound = growth_bound(s, (0.6, -0.8), factor=4.0)
    assert bound == pytest.approx(4 * s.f(np.array([0.6, -0.8])))
    expected = math.floor(math.log(4.0) / (2 * math.log(abs(1 - lr)))) + 1
    for fast in (True, False):
        t = run(O.sgd(lr), s, (0.6, -0.8), 60, fast=fast, max_loss=bound)
        assert t.diverged_at == expected and len(t.points) == expected and t.reason == DIVERGED
        assert t.losses.max() <= bound and t.status == f"GD diverged at step {expected}"
        assert not run(O.sgd(lr), s, (0.6, -0.8), expected + 1, fast=fast).diverged  # the box alone: not yet
        assert not run(O.sgd(4 - lr), s, (0.6, -0.8), 60, fast=fast, max_loss=bound).diverged
    a, b = run_many([O.sgd(lr), O.sgd(1.0)], s, (0.6, -0.8), 60, max_loss=bound)
    assert a.diverged_at == expected and not b.diverged
    with pytest.raises(ValueError, match="max_loss"):
        run(O.sgd(lr), s, (0.6, -0.8), 5, max_loss="high")
    with pytest.raises(ValueError, match="factor"):
        growth_bound(s, (0.6, -0.8), factor=1.0)


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


def Broken(bad=float("nan")) -> Surface:
    """x² + y² whose gradient is NaN (or +inf) for x < 0.5 while the loss stays finite: a
    stand-in for a loss that is not differentiable there or a gradient that overflowed."""

    def grad_expr(x, y):
        if np.ndim(x):
            return np.where(x < 0.5, bad, 2 * x), 2 * y + 0 * x
        return (bad if x < 0.5 else 2 * x), 2 * y

    return Surface("broken", lambda x, y: x * x + y * y, grad_expr, lambda x, y: ((2.0, 0.0), (0.0, 2.0)), (),
                   ((-3.0, 3.0), (-3.0, 3.0)), "x^2 + y^2", "x² + y²")


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


def test_a_rule_that_would_swallow_nan_is_never_fed_one():
    """A user rule that turns NaN into a finite step (a clamp with NaN-blind comparisons) would
    walk on silently if it were fed one; the runner never feeds it and stops at the non-finite
    gradient."""
    def clamp(u, state, t, xp):
        return np.array([max(min(v, 1.0), -1.0) for v in u]), state

    opt = O.chain(O.elementwise(clamp, name="clamp"), O.scale(-0.1))
    r = run(opt, Broken(), (2.0, 1.0), 100)
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


# ------------------------------------------------------------------ the objective protocol


class Bowl:
    """An objective as a student writes it: dim, f and grad of one point, no base class."""

    dim = 3

    def f(self, w):
        return float(w[0] ** 2 + 10 * w[1] ** 2 + 0.5 * w[2] ** 2)

    def grad(self, w):
        return np.array([2 * w[0], 20 * w[1], w[2]])


def test_an_objective_of_your_own_is_run_and_recorded():
    b = Bowl()
    assert isinstance(b, Objective) and check_objective(b) == 3
    t = run(O.sgd(0.04), b, (1.0, 1.0, 1.0), 50)
    # GD on a diagonal quadratic: each coordinate shrinks by (1 − η λ_i) per step
    expected = np.array([1.0, 1.0, 1.0]) * (1 - 0.04 * np.array([2.0, 20.0, 1.0])) ** np.arange(51)[:, None]
    assert np.allclose(t.points, expected, rtol=1e-12)
    assert np.allclose(t.losses, [b.f(p) for p in t.points], rtol=1e-14)
    assert np.allclose(t.grad_norms, [np.linalg.norm(b.grad(p)) for p in t.points], rtol=1e-14)


@pytest.mark.parametrize("members, missing", [
    ({"f": lambda self, w: 0.0, "grad": lambda self, w: w}, "the number of coordinates"),
    ({"dim": 2, "grad": lambda self, w: w}, "f(point)"),
    ({"dim": 2, "f": lambda self, w: 0.0}, "grad(point)"),
    ({"dim": 2, "f": 1.0, "grad": lambda self, w: w}, "f(point)"),
])
def test_an_object_that_is_not_an_objective_is_refused_naming_what_is_missing(members, missing):
    obj = type("Mine", (), members)()
    with pytest.raises(ValueError, match=r"objective must implement Objective .*Mine has no " + re.escape(missing)):
        run(O.sgd(0.1), obj, (1.0, 1.0), 3)


def test_an_objective_that_returns_the_wrong_shapes_is_refused():
    class WrongGrad(Bowl):
        def grad(self, w):
            return np.zeros(2)

    class WrongValue(Bowl):
        def f(self, w):
            return np.zeros(3)

    with pytest.raises(ValueError, match=r"objective.grad\(point\) must return shape \(3,\)"):
        run(O.sgd(0.1), WrongGrad(), np.ones(3), 3)
    with pytest.raises(ValueError, match=r"objective.f\(point\) must return one number"):
        run(O.sgd(0.1), WrongValue(), np.ones(3), 3)
    with pytest.raises(ValueError, match="objective.dim must be an integer >= 1"):
        run(O.sgd(0.1), type("D", (Bowl,), {"dim": 0})(), np.ones(3), 3)


def test_the_librarys_objectives_implement_the_protocol():
    assert isinstance(get_surface("beale"), Objective) and get_surface("beale").dim == 2
    assert isinstance(LeastSquares(np.eye(3), np.zeros(3)), Objective)


# ------------------------------------------------------------------ one truth: property-based tests
#
# ``update`` is what an optimizer does. The reference here is that definition written out: the loop
# x ← x + update(grad(x)) with the runner's stopping rules (a non-finite gradient is never used;
# a non-finite iterate or one beyond the limit ends the run). Every path of the runner must give
# this loop's trajectory: the fast 2-D path (library optimizers on surfaces), the array path, and
# run_many.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_code.core.surfaces import SURFACE_NAMES, cliff  # noqa: E402

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_loop(optimizer, objective, x0, steps, noise=None, limit=DEFAULT_LIMIT):
    """The definition: points of x ← x + update(grad(x)), stopped as the runner documents it."""
    x = np.array(x0, dtype=float)
    state = optimizer.init(x)
    points = [x]
    for t in range(steps):
        g = np.asarray(objective.grad(x), dtype=float)
        if noise is not None:
            g = g + noise[t]
        if not np.all(np.isfinite(g)):
            break
        u, state = optimizer.update(g, state, x)
        x_new = x + u
        if not (np.all(np.isfinite(x_new)) and np.max(np.abs(x_new)) < limit):
            break
        x = x_new
        points.append(x)
    return np.array(points)


unit = st.floats(0.0, 0.99)
positive = st.floats(1e-3, 2.0)
epsilon = st.floats(1e-10, 1e-2)


@st.composite
def library_parts(draw):
    """One of the library's transformations with random hyperparameters."""
    kind = draw(st.sampled_from(["scale", "scale_unitwise", "trace", "sum_of_squares", "rms", "adam", "amsgrad",
                                 "decay", "clip"]))
    if kind == "scale":
        return O.scale(draw(st.floats(-2.0, 2.0)))
    if kind == "scale_unitwise":
        return O.scale([draw(st.floats(-2.0, 2.0)), draw(st.floats(-2.0, 2.0))])
    if kind == "trace":
        nesterov = draw(st.booleans())
        return O.trace(draw(unit), nesterov=nesterov, dampening=0.0 if nesterov else draw(unit))
    if kind == "sum_of_squares":
        return O.scale_by_sum_of_squares(draw(epsilon), draw(st.floats(0.0, 1.0)))
    if kind == "rms":
        return O.scale_by_rms(draw(unit), draw(epsilon), draw(st.booleans()))
    if kind in ("adam", "amsgrad"):
        ctor = O.scale_by_adam if kind == "adam" else O.scale_by_amsgrad
        return ctor(draw(unit), draw(unit), draw(epsilon), eps_inside_sqrt=draw(st.booleans()),
                    bias_correction=draw(st.booleans()))
    if kind == "decay":
        return O.add_decayed_weights(draw(st.floats(0.0, 1.0)))
    return O.clip_by_norm(draw(st.floats(0.1, 10.0)))


@st.composite
def library_optimizers(draw):
    """A random chain of library parts ending in a step, or a named optimizer with random hyperparameters."""
    if draw(st.booleans()):
        parts = draw(st.lists(library_parts(), min_size=0, max_size=3))
        return O.chain(*parts, O.scale(-draw(st.floats(1e-3, 0.5))))
    name = draw(st.sampled_from(sorted(O.OPTIMIZERS)))
    lr = draw(st.floats(1e-3, 0.5))
    hyper = {"gd": {}, "momentum": dict(beta=draw(unit)), "nesterov": dict(beta=draw(unit)),
             "adagrad": dict(eps=draw(epsilon)), "rmsprop": dict(rho=draw(unit), eps_inside_sqrt=draw(st.booleans())),
             "rmsprop_nesterov": dict(rho=draw(unit), alpha=draw(unit)),
             "adam": dict(b1=draw(unit), b2=draw(unit), eps_inside_sqrt=draw(st.booleans())),
             "amsgrad": dict(b1=draw(unit), b2=draw(unit)), "adamw": dict(weight_decay=draw(st.floats(0.0, 1.0)))}[name]
    if name in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "amsgrad") and draw(st.booleans()):
        hyper["weight_decay"] = draw(st.floats(0.0, 1.0))
    return O.make(name, lr=lr, **hyper)


@st.composite
def surfaces_and_starts(draw):
    """A test surface (a named one or a random quadratic or cliff) and a start in its window."""
    which = draw(st.sampled_from([*SURFACE_NAMES, "random quadratic", "random cliff"]))
    if which == "random quadratic":
        s = quadratic(draw(st.floats(1.0, 100.0)), draw(st.floats(-3.2, 3.2)), draw(st.floats(0.1, 10.0)))
    elif which == "random cliff":
        s = cliff(draw(st.floats(0.5, 5.0)), draw(st.floats(1.0, 30.0)), draw(st.floats(0.05, 1.0)))
    else:
        s = get_surface(which)
    (x_lo, x_hi), (y_lo, y_hi) = s.window
    return s, (draw(st.floats(x_lo, x_hi)), draw(st.floats(y_lo, y_hi)))


def _noise(draw, steps, d=2):
    if not draw(st.booleans()):
        return None
    return gradient_noise(steps, (draw(st.floats(0.0, 1.0)), draw(st.floats(0.0, 1.0))), seed=draw(st.integers(0, 99)))


def assert_steps_follow_update(r, optimizer, objective, x0, steps, noise=None, limit=DEFAULT_LIMIT, rtol=1e-9):
    """Every step of trajectory ``r`` is a step of ``update`` taken at ``r``'s own points, to rounding,
    and the run stopped where and why the runner's rules say.

    A shadowing check: the update is replayed along the trajectory itself, so a 1-ulp difference
    (the surface's formula on a float and on a numpy array round differently, e.g. ``y**3``) cannot
    grow with the dynamics, while a wrong rule, a skipped part or a wrong state would show at once.
    """
    pts = r.points
    assert np.array_equal(pts[0], np.asarray(x0, dtype=float))
    state = optimizer.init(pts[0])
    for k, x in enumerate(pts):
        g = np.asarray(objective.grad(x), dtype=float)
        if noise is not None and k < steps:
            g = g + noise[k]
        if k == len(pts) - 1:
            break
        u, state = optimizer.update(g, state, x)
        tol = rtol * max(1.0, float(np.max(np.abs(x))), float(np.max(np.abs(u))))
        assert np.all(np.abs(x + u - pts[k + 1]) <= tol), f"step {k + 1} is not update's step"
    k = len(pts) - 1
    if r.diverged_at is None:
        assert k == steps and r.reason == ""
        return
    assert r.diverged_at == k + 1 and k < steps
    if r.reason == NONFINITE_GRADIENT:
        assert not np.all(np.isfinite(objective.grad(pts[k])))
        return
    assert r.reason == DIVERGED
    u, _ = optimizer.update(g, state, pts[k])
    x_new = pts[k] + u
    assert (not np.all(np.isfinite(x_new)) or np.max(np.abs(x_new)) >= limit * (1 - 1e-9)
            or not np.isfinite(objective.f(x_new)))


@PROPERTY
@given(optimizer=library_optimizers(), case=surfaces_and_starts(), steps=st.integers(0, 80), data=st.data())
def test_every_path_gives_the_trajectory_of_update(optimizer, case, steps, data):
    """Library optimizers on surfaces: the array path is the loop over ``update`` exactly; every
    step of the fast path and of run_many is ``update``'s step to rounding, and all stop where
    the rules say; losses and gradient norms are the surface's at those points."""
    surface, x0 = case
    noise = _noise(data.draw, steps)
    expected = reference_loop(optimizer, surface, x0, steps, noise)
    slow = run(optimizer, surface, x0, steps, noise=noise, fast=False)
    assert np.array_equal(slow.points, expected[:len(slow.points)])
    assert len(slow.points) == len(expected) or slow.reason  # cut further back only with a reason
    fast = run(optimizer, surface, x0, steps, noise=noise, fast=True)
    many = run_many([optimizer], surface, x0, steps, noise=noise)[0]
    assert np.array_equal(many.points, fast.points) and many.diverged_at == fast.diverged_at
    for r in (slow, fast):
        assert_steps_follow_update(r, optimizer, surface, x0, steps, noise)
        assert np.allclose(r.losses, surface.f(r.points), rtol=1e-12, atol=1e-300)
        assert np.allclose(r.grad_norms, np.linalg.norm(surface.grad(r.points), axis=-1), rtol=1e-12)


def test_the_fast_path_replays_exactly_the_parts_of_the_chain():
    """The counterexample hypothesis found in the fast path's lean shapes: after a trace, a scale
    by 0 and another scale, the old fast path dropped the last scale and kept moving."""
    opt = O.chain(O.trace(0.5), O.scale(0.0), O.scale(0.0), O.scale(-0.5))
    s = get_surface("bowl")
    for fast in (True, False):
        assert np.array_equal(run(opt, s, (0.0, 1.0), 5, fast=fast).points, np.tile([0.0, 1.0], (6, 1)))


@st.composite
def hand_built(draw):
    """Optimizers a student writes: the issue's own example, a hand-written momentum and Adam,
    a rule of their own, and library functions reassembled or tampered with."""
    lr = draw(st.floats(1e-3, 0.3))
    beta = draw(unit)
    kind = draw(st.sampled_from(["issue", "momentum", "adam", "rule", "reassembled", "wrapped", "borrowed_parts"]))
    if kind == "issue":  # the issue's example: the documented way, with empty parts
        def init(w):
            return ()

        def update(g, s, w):
            return -lr * g, s

        return O.Optimizer(init, update, "mine", "gd", ())
    if kind == "momentum":
        def init(w):
            return np.zeros_like(w)

        def update(g, v, w):
            v = beta * v + g
            return -lr * v, v

        return O.Optimizer(init, update, "my momentum", "momentum")
    if kind == "adam":
        def init(w):
            return (0, np.zeros_like(w), np.zeros_like(w))

        def update(g, s, w):
            t, m, v = s
            t, m, v = t + 1, 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            return -lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8), (t, m, v)

        return O.Optimizer(init, update, "my Adam", "adam")
    if kind == "rule":
        def clipped_sign(u, state, t, xp):
            return u / xp.sqrt(u * u + 1.0), state

        return O.chain(O.elementwise(clipped_sign, name="soft sign"), O.scale(-lr))
    lib = draw(library_optimizers())
    if kind == "reassembled":  # the library's own functions in a hand-made Optimizer
        return O.Optimizer(lib.init, lib.update, "reassembled", lib.kind)
    if kind == "wrapped":  # the library's update, changed: twice the step
        def doubled(g, s, w=None):
            u, s = lib.update(g, s, w)
            return 2 * u, s

        return lib._replace(update=doubled)
    mine = O.sgd(lr)  # someone else's parts on my update: my update runs

    def my_update(g, s, w=None):
        return -lr * g, s

    return O.Optimizer(mine.init, my_update, "mine", "gd", lib.parts)


@PROPERTY
@given(optimizer=hand_built(), case=surfaces_and_starts(), steps=st.integers(0, 60), data=st.data())
def test_a_hand_built_optimizer_runs_through_its_update(optimizer, case, steps, data):
    """Whatever a student builds -- including an optimizer carrying someone else's parts -- ``run``
    follows its ``update``: the loop over it, on every path the runner offers it."""
    surface, x0 = case
    noise = _noise(data.draw, steps)
    expected = reference_loop(optimizer, surface, x0, steps, noise)
    got = run(optimizer, surface, x0, steps, noise=noise)
    assert np.array_equal(got.points, expected[:len(got.points)])
    assert len(got.points) == len(expected) or got.reason  # cut further back only with a reason
    assert np.array_equal(run_many([optimizer], surface, x0, steps, noise=noise)[0].points, got.points)
    if O.fast_parts(optimizer) is None:
        with pytest.raises(ValueError, match="fast=True needs a library optimizer"):
            run(optimizer, surface, x0, steps, fast=True)


def test_the_issues_example_descends():
    """The issue's student optimizer, GD with η = 0.1 written by hand: the same points as sgd(0.1)
    on the narrow valley (it used to climb: the fast path ignored its update)."""
    def init(w):
        return ()

    def update(g, s, w):
        return -0.1 * g, s

    mine = O.Optimizer(init, update, "mine", "gd", ())
    got = run(mine, narrow_valley(), (10.0, 10.0), 3).points
    assert np.allclose(got, [(10, 10), (9.9, 2.5), (9.8, -5), (9.7, 2.5)], rtol=1e-12)
    assert np.array_equal(got, run(O.sgd(0.1), narrow_valley(), (10.0, 10.0), 3).points)


class Ridge:
    """A student's own objective in d dimensions: ½ Σ a_i w_i² + ¼ Σ w_i⁴ (no Surface, any d)."""

    def __init__(self, a):
        self.a = np.asarray(a, float)
        self.dim = len(self.a)

    def f(self, w):
        return float(0.5 * np.sum(self.a * w * w) + 0.25 * np.sum(w**4))

    def grad(self, w):
        return self.a * w + w**3


@PROPERTY
@given(optimizer=st.one_of(library_optimizers(), hand_built()), d=st.integers(1, 6), data=st.data())
def test_any_objective_runs_the_loop_over_update(optimizer, d, data):
    """Library or hand-built optimizers on an objective of the student's own in d dimensions:
    the runner's trajectory is the loop over ``update``, losses and gradient norms are the
    objective's own at those points."""
    a = np.array(data.draw(st.lists(st.floats(0.01, 20.0), min_size=d, max_size=d)))
    x0 = np.array(data.draw(st.lists(st.floats(-3.0, 3.0), min_size=d, max_size=d)))
    if np.any(np.ndim(p.factor) and np.size(p.factor) != d for p in optimizer.parts if p.factor is not None):
        return  # a unit-wise learning rate for 2 coordinates does not fit d others
    obj = Ridge(a)
    steps = data.draw(st.integers(0, 60))
    expected = reference_loop(optimizer, obj, x0, steps)
    got = run(optimizer, obj, x0, steps)
    assert np.array_equal(got.points, expected[:len(got.points)])
    assert len(got.points) == len(expected) or got.reason
    assert np.allclose(got.losses, [obj.f(p) for p in got.points], rtol=1e-14)
    assert np.allclose(got.grad_norms, [np.linalg.norm(obj.grad(p)) for p in got.points], rtol=1e-14)
