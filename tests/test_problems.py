"""The optimizer chapters' problems: lecture exercises, Reddi et al., Wilson et al."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.core import optimizers as O
from lecture_code.core.problems import (
    gradient_noise, minibatch_sgd, moments, narrow_valley, reddi_run, linear_regression,
    running_moments, signal_to_noise_series, wilson_data,
)
from lecture_code.core.runner import run


def test_narrow_valley_gradient_against_finite_differences():
    s = narrow_valley()
    rng = np.random.default_rng(0)
    for p in rng.uniform(-5, 5, size=(20, 2)):
        h = 1e-6
        fd = [(s.f(p + h * e) - s.f(p - h * e)) / (2 * h) for e in np.eye(2)]
        assert np.allclose(s.grad(p), fd, rtol=1e-6)
    assert np.array_equal(s.grad([0.0, 0.0]), [0.0, 0.0])  # sgn(0) = 0 (the lecture's hint)


def test_signal_to_noise_exercise_numbers():
    """Means 1, 0.1, 0.1; second moments 1.01, 0.01, 1.01 (by hand from the series)."""
    m = moments(signal_to_noise_series(100))
    assert np.allclose(m.m1, [1.0, 0.1, 0.1])
    assert np.allclose(m.m2, [1.01, 0.01, 1.01])
    assert np.allclose(m.m1_over_m2, [1 / 1.01, 10.0, 0.1 / 1.01])
    assert np.allclose(m.snr, [1 / np.sqrt(1.01), 1.0, 0.1 / np.sqrt(1.01)])
    assert np.allclose(m.variance, [0.01, 0.0, 1.0])


def test_running_moments_converge_and_bias_correction_helps_early():
    g = signal_to_noise_series(4000)
    s, r = running_moments(g, 0.9, 0.99)
    m = moments(g)
    assert np.allclose(s[:, -2:].mean(axis=1), m.m1, atol=0.02)
    assert np.allclose(r[:, -1], m.m2, atol=0.02)
    # w2's gradient is constant: the corrected estimate is exact from step 1, the raw one is not
    s_raw, _ = running_moments(g, 0.9, 0.99, bias_correction=False)
    assert np.allclose(s[1, :5], 0.1)
    assert s_raw[1, 0] == pytest.approx(0.01)


def test_reddi_adam_converges_to_the_wrong_point_amsgrad_to_the_right_one():
    C = 3.0
    b2 = 1 / (1 + C * C)
    adam = reddi_run(O.adam(0.05, 0.0, b2, 1e-8), 3000, C)
    ams = reddi_run(O.amsgrad(0.05, 0.0, b2, 1e-8), 3000, C)
    assert adam.x[-300:].mean() > 0.9        # near x = +1, the worst point
    assert ams.x[-300:].mean() < -0.9        # near x = −1, the optimum
    assert adam.average_regret[-1] > 0.5 and ams.average_regret[-1] < 0.1


def test_reddi_regret_by_hand():
    """Staying at x = 0 gives loss 0 and the best point −1 gives −(C−2)/3 per step."""
    r = reddi_run(O.sgd(1e-300), 3, 3.0)
    assert r.average_regret[-1] == pytest.approx((3 - 2) / 3)


def test_wilson_adaptive_methods_generalize_worse():
    ls, Xt, yt = wilson_data(30, 0.7, seed=1)
    gd = run(O.sgd(0.5), ls, np.zeros(ls.dim), 3000).final
    ad = run(O.adagrad(0.1), ls, np.zeros(ls.dim), 3000).final
    # both fit the training data
    assert np.all(np.sign(ls.X @ gd) == ls.y) and np.all(np.sign(ls.X @ ad) == ls.y)
    # GD from 0 stays in the row space: the minimum-norm solution (pseudo-inverse)
    assert np.allclose(gd, ls.min_norm_solution(), atol=1e-6)
    acc_gd = np.mean(np.sign(Xt @ gd) == yt)
    acc_ad = np.mean(np.sign(Xt @ ad) == yt)
    assert acc_gd == 1.0
    assert acc_ad == pytest.approx(np.mean(yt > 0))  # predicts +1 for every new point


def test_linear_scaling_rule():
    """Batch ×k with learning rate ×k: after the same number of epochs, close to the small-batch run."""
    prob = linear_regression(512, seed=0)
    w_star = np.linalg.lstsq(prob.X, prob.y, rcond=None)[0]
    small = minibatch_sgd(prob, O.sgd(0.01), [0.0, 0.0], batch=4, epochs=2, seed=0)
    scaled = minibatch_sgd(prob, O.sgd(0.08), [0.0, 0.0], batch=32, epochs=2, seed=0)
    unscaled = minibatch_sgd(prob, O.sgd(0.01), [0.0, 0.0], batch=32, epochs=2, seed=0)
    assert len(small) == 257 and len(scaled) == 33
    d = lambda w: np.linalg.norm(w - w_star)
    assert d(scaled[-1]) < 0.5 * d(unscaled[-1])
    assert abs(d(scaled[-1]) - d(small[-1])) < 0.15


def test_gradient_noise_shape_and_bad_input():
    n = gradient_noise(100, (0.0, 2.0), seed=0)
    assert n.shape == (100, 2) and np.all(n[:, 0] == 0) and 1.5 < n[:, 1].std() < 2.5
    with pytest.raises(ValueError, match="sigma must be"):
        gradient_noise(10, (-1.0, 1.0))
    with pytest.raises(ValueError, match="batch must be an integer"):
        minibatch_sgd(linear_regression(10), O.sgd(0.1), [0, 0], batch=0, epochs=1)
    with pytest.raises(ValueError, match="C must be > 2"):
        reddi_run(O.adam(0.1), 10, C=1.0)
