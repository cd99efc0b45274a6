"""Magnitude pruning and rewinding (``core.pruning``); strong lottery tickets (edge-popup) against
independent references (sorting, autograd)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lecture_code.core.data import digits
from lecture_code.core.models import mlp
from lecture_code.core.pruning import (
    _StraightThrough, edge_popup, fraction_kept, full_masks, iterative_pruning, magnitude_prune, masked_mlp,
    signed_constant_weights, top_fraction_mask,
)


@pytest.fixture(scope="module")
def split():
    return digits(n_train=300, seed=0)


def test_magnitude_prune_removes_smallest_per_layer():
    m = mlp([3, 4, 2], "relu", seed=0)
    masks = magnitude_prune(m, full_masks(m), 0.25)
    for name, p in m.named_parameters():
        if p.ndim < 2:
            continue
        w = p.detach().abs().reshape(-1)
        keep = masks[name].reshape(-1)
        assert int((~keep).sum()) == round(0.25 * w.numel())
        assert float(w[~keep].max()) <= float(w[keep].min())
    assert np.isclose(fraction_kept(masks), (9 + 6) / 20)
    again = magnitude_prune(m, masks, 0.5)   # prunes half of what is left, never revives
    assert all(bool((again[k] <= masks[k]).all()) for k in masks)


def test_masks_hold_during_training_and_rewinding(split):
    tr, te = split
    torch.manual_seed(0)
    seen = {}

    def train_fn(model):
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        for _ in range(20):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(tr.X), tr.y).backward()
            opt.step()
        seen[len(seen)] = {k: v.detach().clone() for k, v in model.named_parameters()}
        return 0.0

    init = {k: v.detach().clone() for k, v in mlp([64, 8, 10], "relu", seed=4).named_parameters()}
    rounds = iterative_pruning(lambda: mlp([64, 8, 10], "relu", seed=4), train_fn, rounds=2, rate=0.5)
    assert [round(r.kept, 3) for r in rounds] == [1.0, round((256 + 40) / 592, 3), round((128 + 20) / 592, 3)]
    last = seen[2]
    for name, mask in rounds[2].masks.items():
        assert torch.all(last[name][~mask] == 0)      # pruned weights stayed at zero
        assert not torch.allclose(last[name][mask], init[name][mask])   # the others trained


def test_top_fraction_mask_against_sorting():
    rng = np.random.default_rng(0)
    for shape, k in (((7, 5), 0.3), ((10,), 0.5), ((4, 4), 1.0), ((3, 3), 0.01)):
        s = torch.as_tensor(rng.normal(size=shape))
        mask = top_fraction_mask(s, k)
        n = max(1, int(round(k * s.numel())))
        assert int(mask.sum()) == n
        order = np.argsort(-np.abs(s.numpy()).ravel(), kind="stable")[:n]
        ref = np.zeros(s.numel(), bool)
        ref[order] = True
        assert np.array_equal(mask.numpy().ravel(), ref)
    tie = torch.tensor([1.0, -1.0, 1.0, 0.5])
    assert top_fraction_mask(tie, 0.5).tolist() == [True, True, False, False]   # first listed wins
    with pytest.raises(ValueError, match="fraction"):
        top_fraction_mask(tie, 0.0)


def test_signed_constant_weights():
    Ws = signed_constant_weights([64, 30, 10], fraction=0.5, seed=1)
    assert [tuple(W.shape) for W in Ws] == [(30, 64), (10, 30)]
    for W, fan_in in zip(Ws, (64, 30)):
        assert torch.allclose(W.abs(), torch.full_like(W, math.sqrt(2 / fan_in / 0.5)))
        assert 0.3 < float((W > 0).double().mean()) < 0.7
    assert torch.equal(Ws[0], signed_constant_weights([64, 30, 10], fraction=0.5, seed=1)[0])


def test_straight_through_gradient_is_dL_dweff_times_w_times_sign():
    """Reference: autograd with the masked weight as a leaf, then ∂L/∂s = ∂L/∂w_eff · w · sign(s)."""
    torch.manual_seed(0)
    W = torch.randn(6, 5, dtype=torch.float64)
    S = torch.randn(6, 5, dtype=torch.float64, requires_grad=True)
    x = torch.randn(9, 5, dtype=torch.float64)
    out = (torch.tanh(x @ _StraightThrough.apply(W, S, 0.4).T) ** 2).sum()
    out.backward()
    w_eff = (W * top_fraction_mask(S, 0.4)).requires_grad_(True)
    ref = (torch.tanh(x @ w_eff.T) ** 2).sum()
    (g,) = torch.autograd.grad(ref, w_eff)
    assert torch.allclose(S.grad, g * W * torch.sign(S.detach()))
    assert torch.allclose(out, ref)


def test_masked_mlp_is_the_masked_relu_network():
    torch.manual_seed(1)
    Ws = [torch.randn(4, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)]
    Ms = [torch.rand(4, 3) > 0.5, torch.rand(2, 4) > 0.5]
    x = torch.randn(5, 3, dtype=torch.float64)
    ref = torch.relu(x @ (Ws[0] * Ms[0]).T) @ (Ws[1] * Ms[1]).T
    assert torch.allclose(masked_mlp(Ws, Ms, x), ref)
    with pytest.raises(ValueError, match="masks"):
        masked_mlp(Ws, Ms[:1], x)


def test_edge_popup_finds_a_working_subnetwork_and_never_changes_weights():
    tr, te = digits(n_train=400, seed=0, dtype=torch.float32)
    Ws = signed_constant_weights([64, 32, 32, 10], fraction=0.5, seed=0, dtype=torch.float32)
    before = [W.clone() for W in Ws]
    res = edge_popup(Ws, tr.X, tr.y, 0.5, epochs=10, batch=50, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(Ws, before))
    assert all(int(M.sum()) == W.numel() // 2 for M, W in zip(res.masks, Ws))
    assert all(torch.equal(M, top_fraction_mask(S, 0.5)) for M, S in zip(res.masks, res.scores))
    acc = float((masked_mlp(Ws, res.masks, te.X).argmax(1) == te.y).float().mean())
    gen = torch.Generator().manual_seed(5)
    rand = [top_fraction_mask(torch.rand(W.shape, generator=gen), 0.5) for W in Ws]
    acc_rand = float((masked_mlp(Ws, rand, te.X).argmax(1) == te.y).float().mean())
    assert acc > 0.8 and acc_rand < 0.3, (acc, acc_rand)
    assert res.losses[-8:].mean() < res.losses[:8].mean() / 3
    with pytest.raises(ValueError, match="batch"):
        edge_popup(Ws, tr.X[:10], tr.y[:10], 0.5, batch=20)
