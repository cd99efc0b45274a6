"""Hessian tools against independent references: finite differences, numpy eigvalsh, exact H."""

import math

import numpy as np
import pytest
import torch

from lecture_code.core.hessian import (
    blas_threads, condition_number, exact_hessian, extreme_eigenvalues, hessian_operator,
    hessian_spectrum, hvp,
)
from lecture_code.core.models import (
    flatten_params, make_loss_fn, mlp, num_params, regression_data, spirals,
)
from lecture_code.core.surfaces import get_surface


@pytest.fixture(scope="module")
def tiny():
    d = regression_data(24, 2, seed=1)
    m = mlp([2, 4, 1], activation="tanh", seed=2)  # 17 parameters
    return make_loss_fn(m, d.X, d.y, "mse"), flatten_params(m)


@pytest.fixture(scope="module")
def small():
    d = spirals(60, seed=0)
    m = mlp([2, 30, 30, 2], activation="tanh", seed=0)  # 1,082 parameters
    return make_loss_fn(m, d.X, d.y, "cross_entropy"), flatten_params(m)


def test_exact_hessian_matches_finite_differences_of_autograd_gradients(tiny):
    f, theta = tiny
    H = exact_hessian(f, theta)
    n = theta.numel()
    g = torch.func.grad(f)
    h = 1e-5
    H_fd = torch.stack([(g(theta + h * e) - g(theta - h * e)) / (2 * h) for e in torch.eye(n, dtype=torch.float64)])
    torch.testing.assert_close(H, H_fd, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(H, H.T, rtol=1e-12, atol=1e-12)


def test_exact_hessian_on_an_analytic_surface():
    s = get_surface("rosenbrock")
    p = torch.tensor([-0.4, 0.9], dtype=torch.float64)
    H = exact_hessian(lambda t: s.expr(t[0], t[1]), p)
    np.testing.assert_allclose(H.numpy(), s.hess(p.numpy()), rtol=1e-12)


@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_exact_hessian_chunking_does_not_change_the_result(tiny, chunk):
    f, theta = tiny
    torch.testing.assert_close(exact_hessian(f, theta, chunk_size=chunk), exact_hessian(f, theta))


def test_hvp_and_operator_match_exact_hessian(tiny):
    f, theta = tiny
    H = exact_hessian(f, theta)
    r = torch.Generator().manual_seed(0)
    op = hessian_operator(f, theta)
    for _ in range(3):
        v = torch.randn(theta.numel(), generator=r, dtype=torch.float64)
        torch.testing.assert_close(hvp(f, theta, v), H @ v, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(op @ v.numpy(), (H @ v).numpy(), rtol=1e-10, atol=1e-12)
    assert op.counter.n == 3


def test_spectrum_matches_numpy_eigvalsh(tiny):
    f, theta = tiny
    lam = hessian_spectrum(f, theta)
    ref = np.linalg.eigvalsh(exact_hessian(f, theta).numpy())
    np.testing.assert_allclose(lam, ref, atol=1e-12)
    assert np.all(np.diff(lam) >= 0)


def test_lanczos_extremes_match_the_full_spectrum(small):
    f, theta = small
    full = hessian_spectrum(f, theta)  # ascending
    e = extreme_eigenvalues(f, theta, k=5, tol=1e-10)
    scale = np.abs(full).max()
    np.testing.assert_allclose(e.top, full[::-1][:5], atol=1e-7 * scale)
    np.testing.assert_allclose(e.bottom, full[:5], atol=1e-7 * scale)
    assert e.n_products > 0 and e.seconds >= 0
    assert e.bottom[0] < 0 < e.top[0]  # a random init of a tanh net is not at a minimum


def test_lanczos_one_end_only(tiny):
    f, theta = tiny
    full = hessian_spectrum(f, theta)
    e = extreme_eigenvalues(f, theta, k=2, which="top", tol=1e-12)
    assert e.bottom.size == 0
    np.testing.assert_allclose(e.top, full[::-1][:2], rtol=1e-8)
    e = extreme_eigenvalues(f, theta, k=1, which="bottom", tol=1e-12)
    assert e.top.size == 0
    np.testing.assert_allclose(e.bottom, full[:1], rtol=1e-8, atol=1e-12)


def test_condition_number():
    assert condition_number([2.0, 6.0]) == pytest.approx(3.0)
    assert condition_number(np.array([-2.0, 6.0])) == pytest.approx(3.0)   # magnitudes
    assert condition_number([0.0, 1.0]) == math.inf
    r = np.random.default_rng(0)
    A = r.standard_normal((6, 6))
    A = A @ A.T + 0.1 * np.eye(6)
    assert condition_number(np.linalg.eigvalsh(A)) == pytest.approx(np.linalg.cond(A), rel=1e-9)


def test_blas_threads_restores_state():
    with blas_threads(1):
        x = np.linalg.eigvalsh(np.eye(3))
    np.testing.assert_allclose(x, 1.0)


def test_bad_inputs_name_the_parameter(tiny):
    f, theta = tiny
    with pytest.raises(ValueError, match="params"):
        exact_hessian(f, theta.reshape(1, -1))
    with pytest.raises(ValueError, match="params"):
        exact_hessian(f, torch.full_like(theta, float("nan")))
    with pytest.raises(ValueError, match="params"):
        exact_hessian(f, [1.0, 2.0])
    with pytest.raises(ValueError, match="loss_fn"):
        exact_hessian(42, theta)
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        exact_hessian(lambda t: t * 2, theta)
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        hvp(lambda t: t * 2, theta, theta)
    with pytest.raises(ValueError, match="v must"):
        hvp(f, theta, torch.zeros(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="k must"):
        extreme_eigenvalues(f, theta, k=0)
    with pytest.raises(ValueError, match="k must"):
        extreme_eigenvalues(f, theta, k=theta.numel())
    with pytest.raises(ValueError, match="which"):
        extreme_eigenvalues(f, theta, which="middle")
    with pytest.raises(ValueError, match="tol"):
        extreme_eigenvalues(f, theta, tol=-1.0)
    with pytest.raises(ValueError, match="chunk_size"):
        exact_hessian(f, theta, chunk_size=0)
    with pytest.raises(ValueError, match="eigs"):
        condition_number([])
    with pytest.raises(ValueError, match="eigs"):
        condition_number([1.0, float("nan")])


def test_lanczos_both_ends_when_they_overlap(tiny):
    # 2k >= n: the two ends are computed by separate "LA" and "SA" runs
    f, theta = tiny
    n = theta.numel()
    full = hessian_spectrum(f, theta)
    k = n // 2 + 1
    e = extreme_eigenvalues(f, theta, k=k, tol=1e-12)
    np.testing.assert_allclose(e.top, full[::-1][:k], atol=1e-9)
    np.testing.assert_allclose(e.bottom, full[:k], atol=1e-9)
