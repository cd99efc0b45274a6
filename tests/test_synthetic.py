"""The small data sets (``core.synthetic``) against the formulas their docstrings state."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.core.synthetic import blobs, regression_data, spirals, xor_data


def test_regression_targets_follow_the_stated_function_and_noise():
    X, y = regression_data(n=500, d=3, noise=0.0, seed=1)
    assert X.shape == (500, 3) and y.shape == (500,)
    assert X.min() >= -1.5 and X.max() <= 1.5
    np.testing.assert_allclose(y, np.sin(2 * X[:, 0]) * np.cos(X[:, 1] / 1) * np.cos(X[:, 2] / 2), rtol=0, atol=1e-15)
    Xn, yn = regression_data(n=4000, d=2, noise=0.3, seed=2)
    residual = yn - np.sin(2 * Xn[:, 0]) * np.cos(Xn[:, 1])
    assert abs(residual.std() / 0.3 - 1) < 0.05 and abs(residual.mean()) < 4 * 0.3 / np.sqrt(4000)


def test_spirals_lie_on_their_arms():
    """Without noise, point k of arm c sits at radius 2t, angle 2π·turns·t + 2πc/classes."""
    n, classes, turns = 90, 3, 1.5
    X, y = spirals(n=n, classes=classes, noise=0.0, turns=turns, seed=0)
    m = n // classes
    assert X.shape == (m * classes, 2) and np.array_equal(np.bincount(y), [m] * classes)
    t = np.linspace(0.15, 1.0, m)
    for c in range(classes):
        arm = X[y == c]
        np.testing.assert_allclose(np.hypot(arm[:, 0], arm[:, 1]), 2 * t, atol=1e-12)
        angle = 2 * np.pi * turns * t + 2 * np.pi * c / classes
        np.testing.assert_allclose(arm, 2 * t[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1), atol=1e-12)


def test_xor_labels_are_the_sign_disagreement_of_the_corner():
    X, y = xor_data(n=2000, noise=0.0, seed=3)
    assert set(map(tuple, np.unique(X, axis=0))) == {(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)}
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert abs(y.mean() - 0.5) < 4 * 0.5 / np.sqrt(2000)  # corners drawn uniformly
    noisy, labels = xor_data(n=2000, noise=0.1, seed=3)
    np.testing.assert_array_equal(labels, y)  # the same corners, moved by the noise only
    assert 0.08 < np.std(noisy - X) < 0.12


def test_blobs_are_centred_on_a_circle_of_radius_two():
    n, classes, d, spread = 3000, 4, 5, 0.6
    X, y = blobs(n=n, classes=classes, d=d, spread=spread, seed=4)
    np.testing.assert_array_equal(y, np.arange(n) % classes)
    for c in range(classes):
        mean = X[y == c].mean(0)
        centre = np.zeros(d)
        centre[:2] = 2 * np.cos(2 * np.pi * c / classes), 2 * np.sin(2 * np.pi * c / classes)
        assert np.all(np.abs(mean - centre) < 5 * spread / np.sqrt(n / classes)), (c, mean)
        assert abs((X[y == c] - centre).std() / spread - 1) < 0.05


@pytest.mark.parametrize("make", [regression_data, spirals, xor_data, blobs])
def test_a_seed_gives_the_same_data_and_another_seed_other_data(make):
    a, b, c = make(seed=7), make(seed=7), make(seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    assert a.X.dtype == np.float64 and a.y.dtype in (np.float64, np.int64)


@pytest.mark.parametrize("call, name", [
    (lambda: regression_data(d=0), "d"), (lambda: regression_data(noise=float("nan")), "noise"),
    (lambda: spirals(classes=1), "classes"), (lambda: spirals(turns=0.0), "turns"),
    (lambda: xor_data(n=3), "n"), (lambda: blobs(spread=0.0), "spread"), (lambda: blobs(d=1), "d"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()
