"""Closed-form ReLU population loss vs Monte Carlo, gradient vs autograd, and one known minimum."""

import math

import numpy as np
import pytest
import torch

from lecture_code.chapters import symmetry as rm


def test_kernel_special_cases():
    w = np.array([1.0, 2.0, 0.5])
    # same vector: E[relu(w.x)^2] = |w|^2 / 2
    assert rm.relu_kernel(w, w) == pytest.approx(w @ w / 2)
    # opposite vectors never both positive
    assert rm.relu_kernel(w, -w) == pytest.approx(0.0, abs=1e-15)
    # orthogonal: |w||v| / (2π)
    v = np.array([2.0, -1.0, 0.0])
    assert rm.relu_kernel(w, v) == pytest.approx(np.linalg.norm(w) * np.linalg.norm(v) / (2 * math.pi))


def test_kernel_vs_monte_carlo():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200_000, 3))
    for _ in range(3):
        w, v = rng.standard_normal(3), rng.standard_normal(3)
        mc = np.mean(np.maximum(X @ w, 0) * np.maximum(X @ v, 0))
        assert rm.relu_kernel(w, v) == pytest.approx(mc, rel=0.02)


def test_loss_vs_monte_carlo():
    rng = np.random.default_rng(1)
    W = 0.7 * rng.standard_normal((5, 4))
    closed = float(rm.population_loss(W, 4))
    mc = rm.monte_carlo_loss(W, 4, samples=200_000, seed=3)
    assert closed == pytest.approx(mc, rel=0.02)


def test_teacher_is_global_minimum_and_permutations_too():
    W = np.eye(6)
    assert rm.population_loss(W, 6) == pytest.approx(0.0, abs=1e-12)
    assert np.abs(rm.population_grad(W, 6)).max() < 1e-12
    assert rm.population_loss(W[[3, 1, 0, 5, 2, 4]], 6) == pytest.approx(0.0, abs=1e-12)


def test_gradient_vs_autograd_and_finite_differences():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((4, 5))
    g = rm.population_grad(W, 3)
    w = torch.tensor(W.ravel(), dtype=torch.float64, requires_grad=True)
    loss = rm.population_loss_torch(w, 4, 5, 3)
    loss.backward()
    np.testing.assert_allclose(g.ravel(), w.grad.numpy(), atol=1e-12)
    assert loss.item() == pytest.approx(float(rm.population_loss(W, 3)), rel=1e-12)
    e = np.zeros_like(W)
    e[1, 2] = 1e-6
    fd = (rm.population_loss(W + e, 3) - rm.population_loss(W - e, 3)) / 2e-6
    assert g[1, 2] == pytest.approx(fd, rel=1e-6)


def test_batched_gradient_matches_single():
    rng = np.random.default_rng(3)
    Ws = rng.standard_normal((3, 4, 4))
    G = rm.population_grad(Ws, 4)
    for r in range(3):
        np.testing.assert_allclose(G[r], rm.population_grad(Ws[r], 4), atol=1e-14)
    np.testing.assert_allclose(rm.population_loss(Ws, 4)[1], rm.population_loss(Ws[1], 4))


def test_hessian_vs_finite_difference_of_gradient():
    rng = np.random.default_rng(4)
    W = rng.standard_normal((3, 3))
    H = rm.hessian(W, 3)
    eps = 1e-6
    fd = np.zeros_like(H)
    for i in range(W.size):
        e = np.zeros(W.size)
        e[i] = eps
        fd[:, i] = (rm.population_grad(W + e.reshape(W.shape), 3) - rm.population_grad(W - e.reshape(W.shape), 3)).ravel() / (2 * eps)
    np.testing.assert_allclose(H, fd, atol=1e-6)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_finds_a_spurious_local_minimum_at_k_equals_8():
    # Safran & Shamir report 12.6 % for k = n = 8; 60 runs find at least one with high probability.
    res = rm.run_experiment(8, 8, runs=40, seed=1)
    assert res.n_local >= 1
    i = res.labels.index("local")
    assert res.losses[i] > 1e-3 and res.min_eigenvalues[i] > 0 and res.grad_norms[i] < 1e-7
    assert 0.005 < res.mean_min_eigenvalue < 0.1  # published: 0.021


def test_bad_input():
    with pytest.raises(ValueError, match="W must have shape"):
        rm.population_loss(np.zeros(3), 2)
    with pytest.raises(ValueError, match="k must be <= d"):
        rm.population_loss(np.ones((2, 3)), 4)
    with pytest.raises(ValueError, match="lr must be > 0"):
        rm.gradient_descent(np.ones((2, 3)), 2, -0.1, 3)
    with pytest.raises(ValueError, match="n must be an integer"):
        rm.run_experiment(3, 2.5)


def test_batched_finite_difference_hessian_matches_autograd():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((4, 4))
    np.testing.assert_allclose(rm.hessian_fd(W, 4), rm.hessian(W, 4), atol=1e-7)


def test_committed_results_file_is_consistent():
    data = rm.load_results()
    rows = {(r["k"], r["n"]): r for r in data["rows"]}
    # the range: k = n from 6 to 10 and n = k + 1
    assert all((k, k) in rows and (k, k + 1) in rows for k in range(6, 11))
    for r in rows.values():
        assert r["percent_local"] == pytest.approx(100 * r["local"] / r["runs"])
        assert len(r["local_losses"]) == r["local"]
        assert all(loss > 1e-3 for loss in r["local_losses"])
        if (r["k"], r["n"]) in rm.PUBLISHED:
            assert r["published"]["percent_local"] == rm.PUBLISHED[(r["k"], r["n"])][0]
    table = rm.results_table(data)
    assert table.count("\n") == len(data["rows"])
    fig = rm.draw_results(data)
    assert len(fig.data) >= 4
