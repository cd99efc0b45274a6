"""The numpy MLP (lecture_code.core.mlp): its layout, its hand-written backward pass against torch
autograd and finite differences, and the regression loss with its exact Hessian."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lecture_code.core.mlp import MLP, MLPRegression, mlp_init, mlp_logits, mlp_loss_grad, train_mlp
from lecture_code.core.optimizers import sgd
from lecture_code.core.runner import Objective, run

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def networks(draw, max_depth=3):
    """A random architecture, activation, batch of parameter vectors and data."""
    sizes = (draw(st.integers(1, 4)), *draw(st.lists(st.integers(1, 5), min_size=0, max_size=max_depth)), 1)
    net = MLP(sizes, draw(st.sampled_from(["tanh", "relu"])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    B, n = draw(st.integers(1, 3)), draw(st.integers(1, 9))
    theta = rng.standard_normal((B, net.n_params)) * draw(st.floats(0.1, 2.0))
    X = rng.standard_normal((n, sizes[0]))
    return net, theta, X, rng


def torch_reference(net: MLP, theta_row: np.ndarray, X: np.ndarray, Y_row: np.ndarray, loss: str):
    """Loss and gradient of one network written with torch operations on its own layers (autograd)."""
    t = torch.tensor(theta_row, requires_grad=True)
    h = torch.tensor(X)
    k = 0
    for i, (a, b) in enumerate(zip(net.sizes[:-1], net.sizes[1:])):
        block = t[k:k + (a + 1) * b].reshape(b, a + 1)
        k += (a + 1) * b
        h = h @ block[:, :a].T + block[:, a]
        if i < len(net.sizes) - 2:
            h = torch.tanh(h) if net.activation == "tanh" else torch.relu(h)
    out = h[:, 0]
    y = torch.tensor(Y_row)
    # log(1 + e^z) exactly (torch's softplus switches to z above z = 20, an approximation at 2e-9)
    value = (torch.logaddexp(torch.zeros_like(out), out) - y * out).mean() if loss == "bce" else ((out - y) ** 2).mean()
    value.backward()
    return float(value.detach()), t.grad.numpy(), out.detach().numpy()


@PROPERTY
@given(case=networks(), loss=st.sampled_from(["bce", "mse"]))
def test_outputs_and_gradients_match_torch_autograd(case, loss):
    net, theta, X, rng = case
    Y = (rng.random((theta.shape[0], len(X))) > 0.5).astype(float) if loss == "bce" else rng.standard_normal(
        (theta.shape[0], len(X)))
    values, grads = mlp_loss_grad(net, theta, X, Y, loss)
    logits = mlp_logits(net, theta, X)
    for b in range(theta.shape[0]):
        v, g, out = torch_reference(net, theta[b], X, Y[b], loss)
        assert values[b] == pytest.approx(v, rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(grads[b], g, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(logits[b], out, rtol=1e-12, atol=1e-14)
        # one network (P,) gives the same as its row of the batch
        v1, g1 = mlp_loss_grad(net, theta[b], X, Y[b], loss)
        assert v1 == values[b] and np.array_equal(g1, grads[b])
        assert np.array_equal(mlp_logits(net, theta[b], X), logits[b])


def test_gradient_against_finite_differences():
    rng = np.random.default_rng(0)
    for act in ("tanh", "relu"):
        net = MLP((3, 5, 4, 1), activation=act)
        theta = mlp_init(net, 2, seed=1) + 0.1 * rng.normal(size=(2, net.n_params))
        X = rng.normal(size=(7, 3))
        Y = rng.integers(0, 2, size=(2, 7)).astype(float)
        _, g = mlp_loss_grad(net, theta, X, Y)
        eps = 1e-6
        for j in rng.choice(net.n_params, 12, replace=False):
            tp, tm = theta.copy(), theta.copy()
            tp[:, j] += eps
            tm[:, j] -= eps
            fd = (mlp_loss_grad(net, tp, X, Y)[0] - mlp_loss_grad(net, tm, X, Y)[0]) / (2 * eps)
            np.testing.assert_allclose(g[:, j], fd, rtol=1e-5, atol=1e-8)


def test_layout_is_one_block_w_b_per_layer():
    net = MLP((2, 3, 1))
    theta = np.arange(net.n_params, dtype=float)
    assert net.n_params == 3 * 3 + 4
    (W1, b1), (W2, b2) = net.layers(theta)
    np.testing.assert_array_equal(W1, [[0, 1], [3, 4], [6, 7]])
    np.testing.assert_array_equal(b1, [2, 5, 8])
    np.testing.assert_array_equal(W2, [[9, 10, 11]])
    np.testing.assert_array_equal(b2, [12])
    np.testing.assert_array_equal(net.pack(net.layers(theta)), theta)
    W1[0, 0] = -1.0  # layers are views
    assert theta[0] == -1.0
    batch = np.stack([theta, 2 * theta])
    np.testing.assert_array_equal(net.pack(net.layers(batch)), batch)


def test_glorot_initialisation_and_bad_input():
    net = MLP((30, 50, 1))
    theta = mlp_init(net, batch=2, seed=0)
    assert np.array_equal(theta[0], theta[1])  # the same network in every row
    (W1, b1), _ = net.layers(theta[0])
    assert np.all(b1 == 0) and abs(W1.var() / (2 / 80) - 1) < 0.1
    with pytest.raises(ValueError, match="sizes must be"):
        MLP((3, 2))
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP((3, 1), "sigmoid")
    with pytest.raises(ValueError, match=r"theta must have shape \(4,\) or \(B, 4\)"):
        mlp_logits(MLP((3, 1)), np.zeros(5), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"X must have shape \(n, 3\)"):
        mlp_logits(MLP((3, 1)), np.zeros(4), np.zeros((2, 2)))


def test_training_lowers_the_loss_of_every_network():
    net = MLP((1, 8, 1))
    x = np.linspace(-1, 1, 8)[:, None]
    Y = np.array([[0, 0, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0]], float)
    _, hist = train_mlp(net, x, Y, steps=200, lr=0.05)
    assert hist.shape == (200, 2) and np.all(hist[-1] < 0.5 * hist[0])


# ------------------------------------------------------------------------ the regression loss


def test_regression_gradient_and_hessian_vs_autograd():
    problem = MLPRegression.default(hidden=3, n_data=20)
    theta = problem.init(np.random.default_rng(0))
    h, d1 = problem.hidden, problem.d + 1
    Xt = torch.tensor(np.hstack([problem.X, np.ones((len(problem.X), 1))]))
    y = torch.tensor(problem.y)

    def loss(t):
        U, a, c = t[: h * d1].reshape(h, d1), t[h * d1 : h * d1 + h], t[-1]
        return ((torch.tanh(Xt @ U.T) @ a + c - y) ** 2).mean()

    T = torch.tensor(theta)
    assert problem.f(theta) == pytest.approx(loss(T).item(), rel=1e-12)
    np.testing.assert_allclose(problem.grad(theta), torch.func.grad(loss)(T).numpy(), atol=1e-12)
    np.testing.assert_allclose(problem.hessian(theta), torch.func.hessian(loss)(T).numpy(), atol=1e-12)


@PROPERTY
@given(hidden=st.integers(1, 6), d=st.integers(1, 3), n=st.integers(1, 12), seed=st.integers(0, 10**6),
       scale=st.floats(0.1, 3.0))
def test_the_regression_loss_is_the_mlps_mse(hidden, d, n, seed, scale):
    """Its gradient (the Jacobian form the Hessian needs) and the MLP's backward pass compute the
    same thing, in the same layout; its Hessian is the finite-difference Jacobian of its gradient."""
    rng = np.random.default_rng(seed)
    problem = MLPRegression(rng.standard_normal((n, d)), rng.standard_normal(n), hidden)
    theta = problem.init(rng, scale)
    value, grad = mlp_loss_grad(problem.net, theta, problem.X, problem.y, "mse")
    assert problem.f(theta) == pytest.approx(value, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(problem.grad(theta), grad, rtol=1e-10, atol=1e-12)
    U, a, c = problem.unpack(theta)
    (W1, b1), (W2, b2) = problem.net.layers(theta)
    assert np.array_equal(U, np.hstack([W1, b1[:, None]])) and np.array_equal(a, W2[0]) and c == b2[0]
    eps = 1e-6
    fd = np.array([(problem.grad(theta + eps * e) - problem.grad(theta - eps * e)) / (2 * eps)
                   for e in np.eye(problem.dim)])
    np.testing.assert_allclose(problem.hessian(theta), fd, rtol=1e-5, atol=1e-6)


def test_the_regression_loss_is_an_objective_for_run():
    problem = MLPRegression.default(hidden=3, n_data=16)
    assert isinstance(problem, Objective) and problem.dim == problem.n_params == 3 * 4 + 1
    theta0 = problem.init(np.random.default_rng(1))
    t = run(sgd(0.1), problem, theta0, 20)
    w = theta0
    for _ in range(20):  # gradient descent written out
        w = w - 0.1 * problem.grad(w)
    np.testing.assert_array_equal(t.final, w)
    assert t.losses[-1] < t.losses[0] and t.losses[-1] == problem.f(w)


def test_regression_bad_input():
    with pytest.raises(ValueError, match="X must be"):
        MLPRegression(np.zeros((3, 2)), np.zeros(4), 2)
    with pytest.raises(ValueError, match="hidden must be"):
        MLPRegression(np.zeros((3, 2)), np.zeros(3), 0)
    with pytest.raises(ValueError, match=r"theta must have shape \(9,\)"):
        MLPRegression(np.zeros((3, 2)), np.zeros(3), 2).f(np.zeros(8))


def test_mlp_learner_fits_its_training_labels():
    net = MLP((1, 16, 1))
    L = np.array(list(itertools.product((0, 1), repeat=8)))  # every labeling of 8 points
    x = (np.arange(0, 8, 2) / 3.5 - 1.0)[:, None]
    theta, hist = train_mlp(net, x, L[:, ::2], steps=300, lr=0.05)
    train_pred = (mlp_logits(net, theta, x) > 0).astype(int)
    assert np.array_equal(train_pred, L[:, ::2])
    assert np.all(hist[-1] < hist[0])
