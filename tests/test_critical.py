"""Second-derivative test on the lectures' examples, against the known nature of each point."""

import numpy as np
import pytest
import torch

from lecture_code.core.critical import classify
from lecture_code.core.surfaces import SURFACE_NAMES, get_surface


@pytest.mark.parametrize(
    "name,expected",
    [
        ("bowl", "minimum"),            # x² + 3y²: H = diag(2, 6)
        ("saddle", "saddle"),           # −x² + 3y²: H = diag(−2, 6)
        ("saddle_x1x2", "saddle"),      # x₁² − x₂²
        ("x2_plus_y4", "degenerate"),   # a minimum, but H = diag(2, 0)
        ("x2_minus_y4", "degenerate"),  # a saddle, same H = diag(2, 0)
        ("neg_quartic", "degenerate"),  # a maximum, H = 0
        ("monkey_saddle", "degenerate"),  # a saddle, H = 0
        ("y4_minus_x4", "degenerate"),
    ],
)
def test_lecture_examples_at_the_origin(name, expected):
    c = classify(get_surface(name).hess([0.0, 0.0]))
    assert c.kind == expected


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_classify_agrees_with_the_hessian_test_recorded_for_each_critical_point(name):
    s = get_surface(name)
    for cp in s.critical_points:
        assert classify(s.hess(cp.point), tol=1e-6).kind == cp.hessian_test


def test_degenerate_hessians_cannot_tell_minimum_from_saddle():
    # the lecture's point: identical Hessians, different critical points
    H1 = get_surface("x2_plus_y4").hess([0, 0])
    H2 = get_surface("x2_minus_y4").hess([0, 0])
    np.testing.assert_array_equal(H1, H2)
    # the truth, by looking at the function along y: up for one, down for the other
    assert get_surface("x2_plus_y4").f([0, 0.1]) > 0 > get_surface("x2_minus_y4").f([0, 0.1])


def test_sign_mix_is_a_saddle_even_with_zero_eigenvalues():
    c = classify([3.0, 0.0, -1.0, 0.0])
    assert c.kind == "saddle"
    assert (c.n_positive, c.n_negative, c.n_zero) == (1, 1, 2)
    assert c.index == pytest.approx(0.25)


def test_counts_index_and_eigenvalues_match_numpy():
    r = np.random.default_rng(0)
    A = r.standard_normal((7, 7))
    H = A + A.T
    c = classify(H)
    lam = np.linalg.eigvalsh(H)
    np.testing.assert_allclose(c.eigenvalues, lam, atol=1e-12)
    assert c.n_negative == int((lam < 0).sum()) and c.n_positive == int((lam > 0).sum())
    assert c.index == pytest.approx((lam < 0).mean())


def test_minimum_maximum_and_tolerance():
    assert classify(np.diag([1.0, 2.0])).kind == "minimum"
    assert classify(np.diag([-1.0, -2.0])).kind == "maximum"
    assert classify(np.diag([-1.0, -2.0])).index == 1.0
    assert classify([1.0, 1e-9]).kind == "degenerate"      # default tol 1e-8
    assert classify([1.0, 1e-9], tol=0.0).kind == "minimum"
    assert classify([1.0, -1e-3], tol=1e-2).kind == "degenerate"
    assert classify(torch.eye(3, dtype=torch.float64)).kind == "minimum"


def test_deep_linear_net_saddle_from_lecture_002():
    # L = (1 - w1 w2 w3)^2 at w1 = w2 = 0, w3 = k: H = [[0, -2k, 0], [-2k, 0, 0], [0, 0, 0]]
    k = 1.0
    w = torch.tensor([0.0, 0.0, k], dtype=torch.float64)
    H = torch.func.hessian(lambda w: (1 - w[0] * w[1] * w[2]) ** 2)(w)
    np.testing.assert_allclose(H.numpy(), [[0, -2 * k, 0], [-2 * k, 0, 0], [0, 0, 0]])
    assert classify(H).kind == "saddle"
    # and at the origin H = 0: degenerate ("so flat")
    assert classify(torch.func.hessian(lambda w: (1 - w[0] * w[1] * w[2]) ** 2)(torch.zeros(3, dtype=torch.float64))).kind == "degenerate"


@pytest.mark.parametrize("tol", [-1.0, float("nan"), float("inf"), "0.1"])
def test_bad_tol(tol):
    with pytest.raises(ValueError, match="tol"):
        classify([1.0, 2.0], tol=tol)


@pytest.mark.parametrize(
    "bad",
    [np.ones((2, 3)), np.array([[1.0, 2.0], [0.0, 1.0]]), [np.nan, 1.0], np.ones((2, 2, 2)), [], "x"],
)
def test_bad_matrix(bad):
    with pytest.raises(ValueError, match="hessian_or_eigenvalues"):
        classify(bad)
