"""Perturbed gradient descent (Jin et al. 2017): the test function against finite differences, the
uniform ball and the escape-time prediction against independent samplers and the exact linear
dynamics, the algorithm's kicks against its rule, and the committed measurements."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import digamma

from lecture_code.core import escape as es

ROOT = Path(__file__).resolve().parents[1]


def test_quartic_saddle_derivatives_against_finite_differences():
    f = es.QuarticSaddle(4, gamma=0.7, lam=1.3)
    x = np.random.default_rng(0).standard_normal(4) * 0.6
    eps = 1e-6
    E = np.eye(4)
    fd_grad = np.array([(f.f(x + eps * e) - f.f(x - eps * e)) / (2 * eps) for e in E])
    fd_hess = np.array([(f.grad(x + eps * e) - f.grad(x - eps * e)) / (2 * eps) for e in E])
    assert np.allclose(f.grad(x), fd_grad, atol=1e-8)
    assert np.allclose(f.hess(x), fd_hess, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.floats(0.1, 3.0), st.floats(0.1, 3.0), st.integers(0, 10_000))
def test_gradient_matches_finite_differences_for_random_points(d, gamma, lam, seed):
    f = es.QuarticSaddle(d, gamma, lam)
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, d)
    eps = 1e-6
    fd = np.array([(f.f(x + eps * e) - f.f(x - eps * e)) / (2 * eps) for e in np.eye(d)])
    assert np.allclose(f.grad(x), fd, atol=1e-6 * (1 + np.abs(fd).max()))


def test_saddle_and_minima():
    f = es.QuarticSaddle(5, gamma=2.0, lam=1.0)
    origin = np.zeros(5)
    assert f.f(origin) == 0 and np.all(f.grad(origin) == 0)
    assert np.allclose(np.linalg.eigvalsh(f.hess(origin)), [-2, 1, 1, 1, 1])
    xmin = np.zeros(5)
    xmin[0] = math.sqrt(2.0)
    assert np.allclose(f.grad(xmin), 0) and f.f(xmin) == pytest.approx(f.minimum_value) == pytest.approx(-1.0)
    assert np.linalg.eigvalsh(f.hess(xmin))[0] > 0


def test_bad_arguments_name_the_parameter():
    with pytest.raises(ValueError, match="gamma"):
        es.QuarticSaddle(3, gamma=-1.0)
    with pytest.raises(ValueError, match="d"):
        es.QuarticSaddle(0)
    with pytest.raises(ValueError, match="lr"):
        es.gradient_descent(es.QuarticSaddle(2), np.zeros(2), lr=0.0)
    with pytest.raises(ValueError, match="radius"):
        es.perturbed_gd(es.QuarticSaddle(2), np.zeros(2), radius=-1.0)
    with pytest.raises(ValueError, match="last axis"):
        es.QuarticSaddle(3).f(np.zeros(4))


def _rejection_ball(n, d, r, rng):
    """Uniform points in the ball by rejection from the cube: an independent sampler."""
    out = []
    while len(out) < n:
        p = rng.uniform(-r, r, (4 * n, d))
        out.extend(p[np.linalg.norm(p, axis=1) <= r])
    return np.array(out[:n])


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_uniform_ball_matches_rejection_sampling(d):
    rng = np.random.default_rng(d)
    a = es.uniform_ball(40_000, d, 0.5, rng)
    b = _rejection_ball(40_000, d, 0.5, rng)
    assert np.all(np.linalg.norm(a, axis=1) <= 0.5 + 1e-12)
    # the law of the norm: P(|x| <= r/2) = 2^-d; the mean of |x_1|
    for stat in (lambda p: np.mean(np.linalg.norm(p, axis=1) <= 0.25), lambda p: np.mean(np.abs(p[:, 0]))):
        assert stat(a) == pytest.approx(stat(b), abs=0.01)
    assert np.mean(np.linalg.norm(a, axis=1) <= 0.25) == pytest.approx(2.0**-d, abs=0.01)


@pytest.mark.parametrize("d", [1, 2, 3, 7, 40])
def test_expected_log_offset_against_monte_carlo(d):
    rng = np.random.default_rng(10 + d)
    xi = _rejection_ball(60_000, d, 1e-2, rng) if d <= 7 else es.uniform_ball(60_000, d, 1e-2, rng)
    mc = np.mean(np.log(np.abs(xi[:, 0])))
    se = np.std(np.log(np.abs(xi[:, 0]))) / math.sqrt(len(xi))
    assert es.expected_log_offset(d, 1e-2) == pytest.approx(mc, abs=4 * se)


@pytest.mark.parametrize("x", [0.5, 1.0, 2.5, 7.0, 50.0])
def test_digamma_against_scipy(x):
    assert es._digamma(x) == pytest.approx(digamma(x), abs=1e-11)


def test_gradient_descent_stays_at_the_saddle_and_escapes_from_an_offset_as_predicted():
    f = es.QuarticSaddle(10)
    assert es.gradient_descent(f, np.zeros(10), steps=500).escape_steps[0] == -1
    eps = 1e-6
    x0 = np.zeros(10)
    x0[0] = eps
    t = es.gradient_descent(f, x0, lr=0.1, steps=500).escape_steps[0]
    # linear dynamics: |x_1| grows by 1.1 per step until f <= -0.005, i.e. |x_1| ~ 0.1
    assert abs(t - math.log(0.1 / eps) / math.log(1.1)) <= 2


def test_perturbed_gd_kicks_follow_the_rule_and_escape_times_match_the_prediction():
    f = es.QuarticSaddle(50)
    run = es.perturbed_gd(f, np.zeros((300, 50)), lr=0.1, radius=1e-3, steps=400, t_thres=1000, seed=3)
    assert np.all(run.kicks == 1)                       # one kick at t = 0, none again within t_thres
    assert np.all(run.escaped)
    mean, se = run.escape_steps.mean(), run.escape_steps.std() / math.sqrt(300)
    assert mean == pytest.approx(es.predicted_escape_steps(50, 1e-3), abs=4 * se + 1)
    again = es.perturbed_gd(f, np.zeros((5, 50)), radius=1e-3, steps=400, t_thres=40, seed=3)
    assert np.all(again.kicks >= 2)                     # stuck long enough: kicked again
    gd = es.gradient_descent(f, np.zeros((5, 50)), steps=400)
    assert np.all(gd.escape_steps == -1)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5000), st.floats(1e-9, 1e-1), st.floats(1e-3, 0.5))
def test_prediction_grows_with_dimension_and_shrinks_with_radius(d, r, lr):
    p = es.predicted_escape_steps(d, r, lr)
    assert es.predicted_escape_steps(2 * d, r, lr) > p
    assert es.predicted_escape_steps(d, r / 10, lr) == pytest.approx(p + math.log(10) / math.log1p(lr))


def test_jin_parameters_formulas():
    jp = es.jin_parameters(d=100, ell=4.0, rho=6.0, eps=1e-3, c=0.5, delta=0.1, delta_f=0.25)
    chi = 3 * max(math.log(100 * 4 * 0.25 / (0.5 * 1e-6 * 0.1)), 4)
    assert jp.chi == pytest.approx(chi)
    assert jp.lr == pytest.approx(0.5 / 4)
    assert jp.radius == pytest.approx(math.sqrt(0.5) * 1e-3 / (chi**2 * 4))
    assert jp.t_thres == pytest.approx(chi * 4 / (0.25 * math.sqrt(6e-3)))
    assert jp.f_thres == pytest.approx(0.5 * math.sqrt(1e-9 / 6) / chi**3)
    # the dimension enters only through chi = 3 log(...): doubling d adds 3 log 2
    assert es.jin_parameters(200, 4.0, 6.0, 1e-3, 0.5, 0.1, 0.25).chi - jp.chi == pytest.approx(3 * math.log(2))


def test_script_runs_at_tiny_size(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("perturbed_gd_script", ROOT / "scripts" / "perturbed_gd.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    row = mod.measure(dict(mod.QUICK, runs=20), d=16, radius=1e-3, seed=1)
    assert row["escaped"] == 20 and row["mean"] == pytest.approx(row["predicted"], abs=15)
    assert row["jin"]["chi"] > 0


def test_committed_measurements_follow_the_logarithmic_law():
    data = json.loads((ROOT / "lecture_code" / "data" / "perturbed_gd.json").read_text())
    rows = data["by_dimension"]
    assert [r["d"] for r in rows] == data["setup"]["dims"]
    for r in rows + data["by_radius"]:
        assert r["escaped"] == r["runs"]
        se = r["sd"] / math.sqrt(r["runs"])
        assert abs(r["mean"] - r["predicted"]) < 5 * se + 1
