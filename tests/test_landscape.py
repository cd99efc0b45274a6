"""Directions, grids, curves and unit alignment in weight space (``core.landscape``), each against an
independent reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from lecture_code.core.data import digits
from lecture_code.core.landscape import (
    align_units, batched_loss, bezier, gradient_probe, hidden_activations, interpolate, loss_grid,
    matching_permutation, permute_hidden, plane_through, random_direction, stacked_supported,
)
from lecture_code.core.models import flatten_params, make_loss_fn, mlp


@pytest.fixture(scope="module")
def split():
    return digits(n_train=300, seed=0)


# --- directions, grids, lines -----------------------------------------------------------------

def test_filter_normalization_rows_match_weights():
    m = mlp([4, 6, 3], "relu", seed=0)
    theta = flatten_params(m)
    d = random_direction(m, theta, seed=3, normalization="filter")
    pos = 0
    for _, p in m.named_parameters():
        n = p.numel()
        if p.ndim == 2:
            dn = d[pos:pos + n].reshape(p.shape).norm(dim=1)
            assert torch.allclose(dn, p.detach().norm(dim=1))
        else:
            assert torch.all(d[pos:pos + n] == 0)   # biases get no direction
        pos += n
    layer = random_direction(m, theta, seed=3, normalization="layer")
    assert torch.isclose(layer[:24].norm(), theta[:24].norm())


def test_filter_normalized_view_is_invariant_to_rescaling():
    """ReLU: (cW₁, cb₁, W₂/c) is the same function; the filter-normalized line is the same too."""
    from lecture_code.chapters.landscape import rescale_layers

    tr, _ = digits(n_train=100, seed=1)
    m = mlp([64, 8, 8, 10], "relu", seed=0)
    theta = flatten_params(m)
    theta_c = rescale_layers(m, theta, 5.0)
    lf = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
    assert abs(float(lf(theta)) - float(lf(theta_c))) < 1e-12
    ts = torch.linspace(-1, 1, 9, dtype=torch.float64).reshape(-1, 1)
    d, dc = random_direction(m, theta, 2), random_direction(m, theta_c, 2)
    a = batched_loss(m, tr.X, tr.y, theta + ts * d)
    b = batched_loss(m, tr.X, tr.y, theta_c + ts * dc)
    assert np.allclose(a, b, atol=1e-10)
    raw = random_direction(m, theta, 2, "none") * 0.05
    a = batched_loss(m, tr.X, tr.y, theta + ts * raw)
    b = batched_loss(m, tr.X, tr.y, theta_c + ts * raw)
    assert np.max(np.abs(a - b)) > 1e-3       # the raw direction sees a different landscape


def test_grid_vmap_equals_loop_and_direct_evaluation(split):
    tr, _ = split
    m = mlp([64, 10, 10], "tanh", seed=0)
    theta = flatten_params(m)
    d1, d2 = random_direction(m, theta, 1), random_direction(m, theta, 2)
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3)
    Z = loss_grid(m, tr.X, tr.y, theta, d1, d2, xs, ys, chunk=4)
    Zl = loss_grid(m, tr.X, tr.y, theta, d1, d2, xs, ys, method="loop")
    Zv = loss_grid(m, tr.X, tr.y, theta, d1, d2, xs, ys, method="vmap", chunk=4)
    assert Z.shape == (3, 5) and np.allclose(Z, Zl, atol=1e-12) and np.allclose(Zv, Zl, atol=1e-12)
    lf = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
    assert np.isclose(Z[2, 1], float(lf(theta + xs[1] * d1 + ys[2] * d2)))
    line = interpolate(m, tr.X, tr.y, theta, theta + d1, [0.0, 0.5, 1.0])
    assert np.isclose(line[1], float(lf(theta + 0.5 * d1)))
    with pytest.raises(ValueError, match="method"):
        batched_loss(m, tr.X, tr.y, theta[None], method="fast")


@pytest.mark.parametrize("kind", ["relu", "residual", "batchnorm-train", "batchnorm-eval", "mse", "no-bias"])
def test_stacked_evaluation_equals_the_loop(split, kind):
    """The stacked (bmm) evaluation gives every network's loss as functional_call does, one by one."""
    tr, _ = split
    X, y, loss = tr.X[:50], tr.y[:50], "cross_entropy"
    if kind == "relu":
        m = mlp([64, 12, 12, 10], "relu", seed=1)
    elif kind == "residual":
        m = mlp([64, 8, 8, 8, 10], "tanh", seed=1, residual=True)
    elif kind.startswith("batchnorm"):
        m = mlp([64, 8, 8, 10], "relu", seed=1, batch_norm=True)
        m(X)                                         # running statistics away from (0, 1)
        m.train(kind == "batchnorm-train")
    elif kind == "mse":
        m, y, loss = mlp([64, 6, 1], "softplus", seed=1), X[:, 0] ** 2, "mse"
    else:
        m = mlp([64, 6, 10], "sigmoid", seed=1, bias=False)
    assert stacked_supported(m, loss)
    theta = flatten_params(m)
    thetas = theta + 0.3 * torch.randn(7, theta.numel(), generator=torch.Generator().manual_seed(0), dtype=theta.dtype)
    ref = batched_loss(m, X, y, thetas, loss=loss, method="loop")
    for chunk in (1, 3, None):
        got = batched_loss(m, X, y, thetas, loss=loss, method="stacked", chunk=chunk)
        assert np.allclose(got, ref, rtol=1e-12, atol=1e-12), (kind, chunk)
    if kind.startswith("batchnorm"):
        before = [b.clone() for b in m.buffers()]
        batched_loss(m, X, y, thetas, method="stacked")
        assert all(torch.equal(a, b) for a, b in zip(before, m.buffers()))   # running statistics untouched


def test_stacked_evaluation_refuses_what_it_cannot_do(split):
    tr, _ = split
    m = torch.nn.Sequential(torch.nn.Linear(64, 4, dtype=torch.float64), torch.nn.Softmax(dim=1),
                            torch.nn.Linear(4, 10, dtype=torch.float64))
    theta = flatten_params(m)
    assert not stacked_supported(m)
    with pytest.raises(ValueError, match="stacked"):
        batched_loss(m, tr.X, tr.y, theta[None], method="stacked")
    # "auto" falls back to the loop
    assert np.isclose(batched_loss(m, tr.X, tr.y, theta[None])[0], float(make_loss_fn(m, tr.X, tr.y, "cross_entropy")(theta)))


def test_plane_and_bezier():
    g = torch.Generator().manual_seed(0)
    a, b, c = (torch.randn(7, generator=g, dtype=torch.float64) for _ in range(3))
    pl = plane_through(a, b, c)
    assert abs(float(pl.u @ pl.v)) < 1e-12 and abs(float(pl.u.norm()) - 1) < 1e-12
    for point, (x, y) in zip((a, b, c), pl.coords):
        assert torch.allclose(pl.origin + x * pl.u + y * pl.v, point)
    pts = bezier(a, c, b, [0.0, 0.5, 1.0])
    assert torch.allclose(pts[0], a) and torch.allclose(pts[2], b)
    assert torch.allclose(pts[1], 0.25 * a + 0.5 * c + 0.25 * b)


# --- permutations ------------------------------------------------------------------------------

def test_permute_hidden_keeps_the_function(split):
    tr, _ = split
    m = mlp([64, 5, 4, 10], "tanh", seed=0)
    theta = flatten_params(m)
    p = permute_hidden(m, theta, [[4, 2, 0, 1, 3], [3, 1, 0, 2]])
    lf = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
    assert not torch.allclose(p, theta)
    assert abs(float(lf(p)) - float(lf(theta))) < 1e-12


def test_alignment_recovers_a_hidden_permutation(split):
    tr, _ = split
    m = mlp([64, 6, 5, 10], "tanh", seed=0)
    theta = flatten_params(m)
    shuffled = permute_hidden(m, theta, [[3, 5, 1, 0, 4, 2], [2, 0, 4, 1, 3]])
    aligned, perms = align_units(m, theta, shuffled, tr.X)
    assert torch.allclose(aligned, theta)


def test_hungarian_matches_brute_force():
    rng = np.random.default_rng(0)
    for trial in range(5):
        a = rng.normal(size=(40, 5))
        b = a[:, rng.permutation(5)] + rng.normal(size=(40, 5)) * 1.5
        perm = matching_permutation(a, b)
        ac, bc = a - a.mean(0), b - b.mean(0)
        C = (ac.T @ bc) / np.outer(np.linalg.norm(ac, axis=0), np.linalg.norm(bc, axis=0))
        best = max(itertools.permutations(range(5)), key=lambda p: sum(C[i, p[i]] for i in range(5)))
        assert np.isclose(sum(C[i, perm[i]] for i in range(5)), sum(C[i, best[i]] for i in range(5)))


def test_hidden_activations_shapes(split):
    tr, _ = split
    m = mlp([64, 6, 5, 10], "relu", seed=0)
    acts = hidden_activations(m, flatten_params(m), tr.X)
    assert [tuple(a.shape) for a in acts] == [(300, 6), (300, 5)]
    assert all(float(a.min()) >= 0 for a in acts)       # after the ReLU
    with pytest.raises(ValueError, match="plain MLPs"):
        hidden_activations(mlp([64, 6, 6, 10], "relu", batch_norm=True), flatten_params(mlp([64, 6, 6, 10], "relu", batch_norm=True)), tr.X)


# --- smoothness probe ----------------------------------------------------------------------------

def test_gradient_probe_on_a_quadratic():
    """For L = ½θᵀAθ the gradient changes by η‖Ag‖ and gᵀAg/‖g‖² is exact."""
    A = torch.diag(torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64))
    theta = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64)
    probe = gradient_probe(lambda p: 0.5 * p @ A @ p, theta, [0.01, 0.1])
    g = A @ theta
    assert np.allclose(probe.grad_change, [0.01 * float((A @ g).norm()), 0.1 * float((A @ g).norm())])
    assert np.isclose(probe.curvature, float(g @ A @ g / (g @ g)))
    assert np.isclose(probe.beta_smoothness, float((A @ g).norm() / g.norm()))
    assert probe.beta_smoothness <= 9.0 + 1e-12
