"""Deep linear chains (analytic derivatives vs autograd), Kawaguchi's theorem, Hardt & Ma."""

import numpy as np
import pytest
import torch
from scipy.linalg import expm

from lecture_code.chapters import saddles as ln


def _torch_chain(w):
    return (1 - torch.prod(w)) ** 2


@pytest.mark.parametrize("w", [[0.3, -1.2], [0.5, 0.7, 2.0], [1.1, -0.4, 0.9, 0.6]])
def test_chain_derivatives_vs_autograd(w):
    t = torch.tensor(w, dtype=torch.float64)
    assert ln.chain_loss(w) == pytest.approx(_torch_chain(t).item())
    np.testing.assert_allclose(ln.chain_grad(w), torch.func.grad(_torch_chain)(t).numpy(), atol=1e-12)
    np.testing.assert_allclose(ln.chain_hessian(w), torch.func.hessian(_torch_chain)(t).numpy(), atol=1e-12)


def test_lecture_hessians_at_the_origin():
    H2 = ln.chain_hessian([0.0, 0.0])
    np.testing.assert_array_equal(H2, [[0, -2], [-2, 0]])
    assert np.linalg.eigvalsh(H2).tolist() == [-2.0, 2.0]  # saddle with a way down
    np.testing.assert_array_equal(ln.chain_hessian([0.0, 0.0, 0.0]), np.zeros((3, 3)))  # "so flat"
    np.testing.assert_array_equal(ln.chain_hessian([0.0, 0.0, 0.0, 0.0]), np.zeros((4, 4)))
    # lecture: w1 = w2 = 0, w3 = k  ->  [[0, -2k, 0], [-2k, 0, 0], [0, 0, 0]]
    np.testing.assert_array_equal(ln.chain_hessian([0.0, 0.0, 1.0]), [[0, -2, 0], [-2, 0, 0], [0, 0, 0]])
    assert np.all(ln.chain_grad([0.0, 0.0, 0.0]) == 0)


def test_depth_slows_escape_from_the_origin():
    t = [ln.chain_gd(D, 0.1, lr=0.05, steps=3000).steps_to_half for D in (2, 3, 4)]
    assert t[0] < t[1] < t[2]


def test_shallow_optimum_vs_direct_minimisation():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 25)), rng.standard_normal((3, 25))
    # full rank: ordinary least squares
    R = Y @ np.linalg.pinv(X)
    assert ln.shallow_optimum(X, Y, 3) == pytest.approx(np.sum((Y - R @ X) ** 2))
    # rank 1: brute force over many rank-1 matrices never beats the closed form
    best = ln.shallow_optimum(X, Y, 1)
    for _ in range(300):
        u, v = rng.standard_normal(3), rng.standard_normal(3)
        a = np.outer(u, v) @ X
        s = np.sum(a * Y) / np.sum(a * a)
        assert np.sum((Y - s * a) ** 2) >= best - 1e-9


def test_deep_linear_nets_reach_the_global_value():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((4, 30)), rng.standard_normal((3, 30))
    best = ln.shallow_optimum(X, Y, 2)
    finals = [ln.train_deep_linear(X, Y, [2, 5], seed=s, lr=2e-3, steps=4000) for s in range(3)]
    np.testing.assert_allclose(finals, best, rtol=1e-6)


def test_resnet_gradient_vs_finite_differences_and_theorems():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((3, 3))
    R = expm(0.3 * (A + A.T))
    Ws = 0.3 * rng.standard_normal((3, 3, 3))
    g = ln.resnet_grad(Ws, R)
    E = np.zeros_like(Ws)
    E[1, 0, 2] = 1e-6
    fd = (ln.resnet_loss(Ws + E, R) - ln.resnet_loss(Ws - E, R)) / 2e-6
    assert g[1, 0, 2] == pytest.approx(fd, rel=1e-6)
    # Theorem 2: a global minimum with ‖W_k‖ ~ ‖log R‖ / H
    for H in (4, 16):
        W = ln.resnet_small_norm_solution(R, H)
        assert ln.resnet_loss(W, R) < 1e-20
        assert np.linalg.norm(W[0], 2) <= np.expm1(np.linalg.norm(0.3 * (A + A.T), 2) / H) + 1e-12  # = O(1/H)
    # Theorem 1: every critical point found with all ‖W_k‖ < 1 is global
    s = ln.resnet_critical_survey(R, 3, starts=8, seed=0)
    assert len(s["loss"]) >= 4
    assert np.all(s["loss"][s["max_norm"] < 1] < 1e-12)
    # and the bound is sharp: W1 = W2 = −I is a critical point with ‖W_k‖ = 1 and loss ‖R‖²
    Wc = np.zeros((3, 3, 3))
    Wc[0] = Wc[1] = -np.eye(3)
    assert np.abs(ln.resnet_grad(Wc, R)).max() == 0 and ln.resnet_loss(Wc, R) == pytest.approx(np.sum(R**2))


def test_bad_input():
    with pytest.raises(ValueError, match="w must be"):
        ln.chain_loss([[1.0, 2.0]])
    with pytest.raises(ValueError, match="depth must be"):
        ln.chain_gd(0, 0.1)
    with pytest.raises(ValueError, match="lr must be"):
        ln.chain_gd(2, 0.1, lr=0)
    with pytest.raises(ValueError, match="Ws must have shape"):
        ln.resnet_loss(np.zeros((2, 3)), np.eye(3))
    with pytest.raises(ValueError, match="same number of columns"):
        ln.shallow_optimum(np.zeros((2, 5)), np.zeros((2, 4)), 1)
    with pytest.raises(ValueError, match="widths must be"):
        ln.train_deep_linear(np.ones((2, 5)), np.ones((2, 5)), [0], seed=0)
    with pytest.raises(ValueError, match="R must be"):
        ln.train_resnet(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match="H must be"):
        ln.resnet_small_norm_solution(np.eye(2), 0)
    with pytest.raises(ValueError, match="R must have shape"):
        ln.resnet_grad(np.zeros((2, 3, 3)), np.eye(2))
