"""Analytic derivatives of every surface vs torch autograd vs central finite differences."""

import numpy as np
import pytest
import torch
from torch.func import grad as tgrad
from torch.func import hessian as thessian

from lecture_code.core.surfaces import SURFACE_NAMES, Surface, cliff, get_surface, grid, quadratic

ALL = [get_surface(n) for n in SURFACE_NAMES] + [quadratic(50.0, 0.7, 2.0), cliff(5.0, 10.0, 0.5)]
IDS = [s.name for s in ALL[:-2]] + ["quadratic_k50", "cliff_custom"]


def _points(s: Surface, k: int = 6, seed: int = 1) -> np.ndarray:
    (x0, x1), (y0, y1) = s.window
    r = np.random.default_rng(seed)
    # stay inside the plotting window, away from its edges
    return np.stack([r.uniform(0.8 * x0, 0.8 * x1, k), r.uniform(0.8 * y0, 0.8 * y1, k)], axis=1)


def _torch_f(s: Surface):
    return lambda p: s.expr(p[0], p[1])


def test_flat_is_the_formula_of_a_vector():
    s = get_surface("beale")
    assert s.flat(np.array([1.2, -0.3])) == pytest.approx(s.f([1.2, -0.3]))
    t = torch.tensor([1.2, -0.3], dtype=torch.float64)
    np.testing.assert_allclose(thessian(s.flat)(t).numpy(), s.hess([1.2, -0.3]), rtol=1e-12)


def _fd_grad(s: Surface, p: np.ndarray, h: float = 1e-6) -> np.ndarray:
    e = np.eye(2)
    return np.array([(s.f(p + h * e[i]) - s.f(p - h * e[i])) / (2 * h) for i in range(2)])


def _fd_hess(s: Surface, p: np.ndarray, h: float = 1e-5) -> np.ndarray:
    e = np.eye(2)
    # central differences of the *values* (independent of the analytic gradient)
    H = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            H[i, j] = (
                s.f(p + h * e[i] + h * e[j]) - s.f(p + h * e[i] - h * e[j])
                - s.f(p - h * e[i] + h * e[j]) + s.f(p - h * e[i] - h * e[j])
            ) / (4 * h * h)
    return H


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_gradient_matches_autograd_and_finite_differences(s):
    for p in _points(s):
        g = s.grad(p)
        g_auto = tgrad(_torch_f(s))(torch.tensor(p)).numpy()
        np.testing.assert_allclose(g, g_auto, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(g, _fd_grad(s, p), rtol=1e-6, atol=1e-5 * max(1.0, np.abs(g).max()))


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_hessian_matches_autograd_and_finite_differences(s):
    for p in _points(s):
        H = s.hess(p)
        assert H.shape == (2, 2)
        np.testing.assert_allclose(H, H.T)
        H_auto = thessian(_torch_f(s))(torch.tensor(p)).numpy()
        np.testing.assert_allclose(H, H_auto, rtol=1e-9, atol=1e-9)
        scale = max(1.0, np.abs(H).max(), abs(s.f(p)))
        np.testing.assert_allclose(H, _fd_hess(s, p), rtol=1e-4, atol=2e-4 * scale)


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_critical_points_have_zero_gradient(s):
    for cp in s.critical_points:
        np.testing.assert_allclose(s.grad(cp.point), 0.0, atol=1e-6)


@pytest.mark.parametrize("s", ALL, ids=IDS)
def test_vectorized_evaluation_matches_pointwise(s):
    P = _points(s, 12).reshape(3, 4, 2)
    F, G, H = s.f(P), s.grad(P), s.hess(P)
    assert F.shape == (3, 4) and G.shape == (3, 4, 2) and H.shape == (3, 4, 2, 2)
    for i in range(3):
        for j in range(4):
            assert F[i, j] == pytest.approx(s.f(P[i, j]), rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(G[i, j], s.grad(P[i, j]))
            np.testing.assert_allclose(H[i, j], s.hess(P[i, j]))


def test_lecture_hessians_at_the_origin():
    # Lecture 002's worked examples
    np.testing.assert_array_equal(get_surface("bowl").hess([0, 0]), [[2, 0], [0, 6]])
    np.testing.assert_array_equal(get_surface("saddle").hess([0, 0]), [[-2, 0], [0, 6]])
    np.testing.assert_array_equal(get_surface("x2_plus_y4").hess([0, 0]), [[2, 0], [0, 0]])
    np.testing.assert_array_equal(get_surface("x2_minus_y4").hess([0, 0]), [[2, 0], [0, 0]])
    np.testing.assert_array_equal(get_surface("neg_quartic").hess([0, 0]), np.zeros((2, 2)))
    np.testing.assert_array_equal(get_surface("monkey_saddle").hess([0, 0]), np.zeros((2, 2)))


@pytest.mark.parametrize("kappa,angle", [(1.0, 0.0), (10.0, 0.3), (100.0, -1.2)])
def test_quadratic_has_requested_spectrum_and_orientation(kappa, angle):
    s = quadratic(kappa, angle, lambda_max=3.0)
    H = s.hess([0.3, -0.2])
    lam, V = np.linalg.eigh(H)
    np.testing.assert_allclose(lam, [3.0 / kappa, 3.0], rtol=1e-12)
    if kappa > 1:
        v = V[:, 1]
        assert abs(v @ [np.cos(angle), np.sin(angle)]) == pytest.approx(1.0, abs=1e-12)
    p = np.array([0.7, -1.1])
    assert s.f(p) == pytest.approx(0.5 * p @ H @ p, rel=1e-12)


def test_grid_orientation_and_shape():
    s = get_surface("saddle_x1x2")
    xs, ys, zs = grid(s, 7, window=((-1, 2), (-3, 1)))
    assert xs.shape == (7,) and ys.shape == (7,) and zs.shape == (7, 7)
    assert zs[2, 5] == pytest.approx(xs[5] ** 2 - ys[2] ** 2)


def test_unknown_surface_lists_allowed_names():
    with pytest.raises(ValueError, match="unknown surface 'foo'; allowed: .*monkey_saddle"):
        get_surface("foo")


@pytest.mark.parametrize("bad", [[np.nan, 0.0], [0.0, np.inf], [1.0, 2.0, 3.0], 1.0, "ab"])
def test_bad_points_name_the_parameter(bad):
    s = get_surface("bowl")
    for fn in (s.f, s.grad, s.hess):
        with pytest.raises(ValueError, match="point"):
            fn(bad)


@pytest.mark.parametrize(
    "kwargs,name",
    [({"condition_number": 0.5}, "condition_number"), ({"angle": float("nan")}, "angle"), ({"lambda_max": -1.0}, "lambda_max")],
)
def test_quadratic_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        quadratic(**kwargs)


def test_cliff_and_grid_reject_bad_parameters():
    with pytest.raises(ValueError, match="sharpness"):
        cliff(sharpness=0.0)
    with pytest.raises(ValueError, match="n must be"):
        grid(get_surface("bowl"), 1)
    with pytest.raises(ValueError, match="window"):
        grid(get_surface("bowl"), 5, window=((1, 0), (0, 1)))


def test_cliff_gradient_is_huge_on_the_face_only():
    s = cliff(height=3.0, sharpness=20.0, slope=0.2)
    face = np.linalg.norm(s.grad([0.0, 0.0]))
    plateau = np.linalg.norm(s.grad([1.5, 0.0]))
    assert face == pytest.approx(np.hypot(0.2 + 15.0, 4.5), rel=1e-9)  # slope*(x+1) + h k / 4
    assert plateau < 1.0 < 10.0 < face
