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
    from lecture_code.core.landscape import rescale_units

    tr, _ = digits(n_train=100, seed=1)
    m = mlp([64, 8, 8, 10], "relu", seed=0)
    theta = flatten_params(m)
    theta_c = rescale_units(m, theta, 5.0)
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


# --- rescaling units, barriers, dropout-stable paths ---------------------------------------------

def test_rescaling_one_unit_or_a_layer_keeps_the_function_but_only_the_layer_keeps_the_filter_view(split):
    """Filter normalization scales each *row*; a whole layer's rescaling scales rows of both matrices,
    one unit's rescaling scales a row of W₁ but only one *column* of W₂, so its view changes."""
    from lecture_code.core.landscape import rescale_units

    tr, _ = split
    m = mlp([64, 8, 8, 10], "relu", seed=0)
    theta = flatten_params(m)
    lf = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
    ts = torch.linspace(-1, 1, 9, dtype=torch.float64).reshape(-1, 1)
    line = lambda p: batched_loss(m, tr.X, tr.y, p + ts * random_direction(m, p, 2))
    ref = line(theta)
    whole = rescale_units(m, theta, 4.0)
    one = rescale_units(m, theta, 4.0, units=[3])
    for other in (whole, one, rescale_units(m, theta, 0.3, layer=1, units=[0, 5])):
        assert abs(float(lf(theta)) - float(lf(other))) < 1e-12
    assert np.allclose(line(whole), ref, atol=1e-10)
    assert np.max(np.abs(line(one) - ref)) > 1e-3
    # by hand: unit 3's row of W₁ and b₁ times 4, its column of W₂ divided by 4
    W1, b1, W2 = theta[:512].reshape(8, 64), theta[512:520], theta[520:584].reshape(8, 8)
    W1o, b1o, W2o = one[:512].reshape(8, 64), one[512:520], one[520:584].reshape(8, 8)
    assert torch.allclose(W1o[3], 4 * W1[3]) and torch.allclose(b1o[3], 4 * b1[3])
    assert torch.allclose(W2o[:, 3], W2[:, 3] / 4) and torch.equal(W2o[:, :3], W2[:, :3])
    with pytest.raises(ValueError, match="layer"):
        rescale_units(m, theta, 2.0, layer=2)
    with pytest.raises(ValueError, match="units"):
        rescale_units(m, theta, 2.0, units=[8])
    with pytest.raises(ValueError, match="c must be"):
        rescale_units(m, theta, -1.0)


def test_barrier_by_hand():
    from lecture_code.core.landscape import barrier

    assert barrier([1.0, 3.0, 2.0]) == pytest.approx(3.0 - 1.5)
    assert barrier([0.0, 0.0, 0.0, 0.0]) == 0.0
    assert barrier([2.0, 1.0, 0.5, 0.0]) <= 0.0           # convex: never above the chord
    assert barrier([0.0, 1.0, 0.0], ts=[0.0, 0.9, 1.0]) == pytest.approx(1.0 - 0.0)
    with pytest.raises(ValueError, match="increasing"):
        barrier([0.0, 1.0, 0.0], ts=[0.0, 0.0, 1.0])


@pytest.mark.parametrize("sizes", [[64, 6, 10], [64, 6, 8, 10], [64, 4, 6, 4, 10]])
def test_dropout_path_segments_do_what_they_claim(split, sizes):
    """From A to B exactly; "free" segments keep the function; "output" segments move only the
    output layer, so the loss there is convex (never above the chord); A_d and B_d are dropout
    subnetworks of A and B (checked against dropout_subnetwork)."""
    from torch.func import functional_call

    from lecture_code.core.landscape import barrier, dropout_path, dropout_subnetwork, path_losses
    from lecture_code.core.models import unflatten_params

    tr, _ = split
    m = mlp(sizes, "relu", seed=0)
    A, B = flatten_params(m), flatten_params(mlp(sizes, "relu", seed=1))
    path = dropout_path(m, A, B)
    assert torch.equal(path.frames[0], A) and torch.allclose(path.frames[-1], B, atol=0, rtol=0)
    out = lambda th: functional_call(m, unflatten_params(m, th), (tr.X,))
    n_out = sizes[-2] * sizes[-1] + sizes[-1]
    s, L = path_losses(m, tr.X, tr.y, path.frames, 6)
    assert len(L) == 5 * len(path.kinds) + 1 and s[-1] == len(path.kinds)
    for i, kind in enumerate(path.kinds):
        a, b = path.frames[i], path.frames[i + 1]
        if kind == "free":
            for u in (0.4, 1.0):
                assert torch.allclose(out(a), out(a + u * (b - a)), atol=1e-10)
        else:
            assert torch.equal(a[:-n_out], b[:-n_out])        # only the output layer moves
            assert barrier(L[5 * i:5 * i + 6]) <= 1e-12
    halves = lambda bits: [(torch.arange(n) < n // 2) == (bit == 0) for bit, n in zip(bits, sizes[1:-1])]
    ia = next(i for i, lab in enumerate(path.labels) if lab.startswith("A_d"))
    assert torch.allclose(out(path.frames[ia]), out(dropout_subnetwork(m, A, halves([0] * (len(sizes) - 2)))), atol=1e-10)
    ib = next(i for i, lab in enumerate(path.labels) if lab.startswith("B_d ("))
    assert any(torch.allclose(out(path.frames[ib]), out(dropout_subnetwork(m, B, halves(bits))), atol=1e-10)
               for bits in itertools.product([0, 1], repeat=len(sizes) - 2))
    # so the loss on the whole path never exceeds the largest loss at a corner
    corners = batched_loss(m, tr.X, tr.y, path.frames)
    assert L.max() <= corners.max() + 1e-12


def test_dropout_subnetwork_by_hand():
    from lecture_code.core.landscape import dropout_subnetwork

    m = mlp([3, 4, 2], "relu", seed=0)
    theta = flatten_params(m)
    sub = dropout_subnetwork(m, theta, [[True, False, True, False]])
    W2, W2s = theta[16:24].reshape(2, 4), sub[16:24].reshape(2, 4)
    assert torch.allclose(W2s[:, [0, 2]], 2 * W2[:, [0, 2]]) and torch.all(W2s[:, [1, 3]] == 0)
    assert torch.equal(sub[:16], theta[:16]) and torch.equal(sub[24:], theta[24:])
    with pytest.raises(ValueError, match="keep"):
        dropout_subnetwork(m, theta, [[False] * 4])
    from lecture_code.core.landscape import dropout_path
    with pytest.raises(ValueError, match="even width"):
        dropout_path(mlp([3, 5, 2], "relu"), *[flatten_params(mlp([3, 5, 2], "relu", seed=s)) for s in (0, 1)])
