"""Yun et al.'s linear-regime local minimum: the gradient against torch autograd, the point's loss
against numpy's least squares, its minimality against random perturbations, and a better point."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_code.core import linear_regime as lr

X1 = np.array([[-2.0], [-1.0], [0.0], [1.0], [2.0]])
Y1 = np.abs(X1[:, 0])


def test_gradient_against_autograd():
    rng = np.random.default_rng(0)
    net = lr.Net(3, 4, 1.0, 0.2)
    X, y = rng.standard_normal((9, 3)), rng.standard_normal(9)
    theta = rng.standard_normal(net.n_params)
    value, grad = lr.loss_and_grad(net, theta, X, y)
    t = torch.tensor(theta, requires_grad=True)
    W, b, v, c = t[:12].reshape(4, 3), t[12:16], t[16:20], t[20]
    pre = torch.tensor(X) @ W.T + b
    out = torch.where(pre >= 0, 1.0 * pre, 0.2 * pre) @ v + c
    L = 0.5 * ((out - torch.tensor(y)) ** 2).sum()
    L.backward()
    assert value == pytest.approx(L.item())
    assert np.allclose(grad, t.grad.numpy())


@pytest.mark.parametrize("s_minus", [0.0, 0.01, 0.5, 0.9])
@pytest.mark.parametrize("width", [2, 5, 32])
def test_the_linear_regime_point_is_a_local_minimum_with_the_least_squares_loss(s_minus, width):
    net = lr.Net(1, width, 1.0, s_minus)
    theta = lr.linear_regime_point(net, X1, Y1)
    value, grad = lr.loss_and_grad(net, theta, X1, Y1)
    coef = np.polyfit(X1[:, 0], Y1, 1)                         # an independent least-squares fit
    assert value == pytest.approx(0.5 * np.sum((np.polyval(coef, X1[:, 0]) - Y1) ** 2)) == pytest.approx(1.4)
    assert np.abs(grad).max() < 1e-12
    rng = np.random.default_rng(width)
    near = theta + 0.05 * rng.standard_normal((5000, net.n_params))
    assert np.min(lr.loss(net, near, X1, Y1)) >= value - 1e-12
    W, b, v, c = net.unpack(theta[None])
    assert np.all(X1 @ W[0].T + b[0] >= 1.0 - 1e-12)          # every unit positive on every point


@pytest.mark.parametrize("s_minus", [0.0, 0.5, 0.9])
def test_a_nonlinear_network_does_better(s_minus):
    """h(x) + h(−x) = (s₊ − s₋)|x|: two units fit y = |x| exactly, with output weights 1/(s₊ − s₋)."""
    net = lr.Net(1, 2, 1.0, s_minus)
    v = 1.0 / (1.0 - s_minus)
    theta = np.array([1.0, -1.0, 0.0, 0.0, v, v, 0.0])
    assert lr.loss(net, theta, X1, Y1) < 1e-28


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6), st.integers(0, 1000), st.floats(0.0, 0.95))
def test_construction_for_random_data(d, seed, s_minus):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((d + 4, d)), rng.standard_normal(d + 4)
    net = lr.Net(d, 3, 1.0, s_minus)
    theta = lr.linear_regime_point(net, X, y)
    value, grad = lr.loss_and_grad(net, theta, X, y)
    assert value == pytest.approx(lr.least_squares_fit(X, y)[2], rel=1e-9, abs=1e-12)
    assert np.abs(grad).max() < 1e-8


def test_gradient_descent_and_checks():
    net = lr.Net(1, 2, 1.0, 0.0)
    theta = lr.linear_regime_point(net, X1, Y1)
    final, hist = lr.gradient_descent(net, theta, X1, Y1, lr=0.05, steps=200)
    assert np.allclose(final[0], theta, atol=1e-12) and np.allclose(hist, hist[0])   # a critical point does not move
    with pytest.raises(ValueError, match="s_plus"):
        lr.linear_regime_point(lr.Net(1, 2, 1.0, 1.0), X1, Y1)
    with pytest.raises(ValueError, match="theta"):
        lr.loss(net, np.zeros(3), X1, Y1)
