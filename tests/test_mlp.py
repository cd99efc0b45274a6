"""The batched numpy MLP (``core.mlp``): its gradient against finite differences, and training."""

from __future__ import annotations

import itertools

import numpy as np

from lecture_code.core.mlp import MLP, mlp_init, mlp_logits, mlp_loss_grad, train_mlp


def test_mlp_learner_fits_its_training_labels():
    net = MLP((1, 16, 1))
    L = np.array(list(itertools.product((0, 1), repeat=8)))  # every labeling of 8 points
    x = (np.arange(0, 8, 2) / 3.5 - 1.0)[:, None]
    theta, hist = train_mlp(net, x, L[:, ::2], steps=300, lr=0.05)
    train_pred = (mlp_logits(net, theta, x) > 0).astype(int)
    assert np.array_equal(train_pred, L[:, ::2])
    assert np.all(hist[-1] < hist[0])


def test_mlp_gradient_against_finite_differences():
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
