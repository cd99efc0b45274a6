"""Magnitude pruning and rewinding (``core.pruning``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecture_code.core.data import digits
from lecture_code.core.models import mlp
from lecture_code.core.pruning import fraction_kept, full_masks, iterative_pruning, magnitude_prune


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
