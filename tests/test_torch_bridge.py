"""The bridge trains torch models exactly like torch.optim where the definitions coincide."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from lecture_code.core import optimizers as O
from lecture_code.core.synthetic import spirals
from lecture_code.core.models import as_tensors, mlp
from lecture_code.core.torch_bridge import BridgeOptimizer, train

PAIRS = [
    (lambda: O.momentum(0.05, 0.9, nesterov=True), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, foreach=False)),
    (lambda: O.rmsprop(0.01, 0.9, 1e-8, eps_inside_sqrt=False), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8, foreach=False)),
    (lambda: O.adam(0.01, eps_inside_sqrt=False), lambda p: torch.optim.Adam(p, lr=0.01, foreach=False)),
    (lambda: O.amsgrad(0.01, eps_inside_sqrt=False), lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True, foreach=False)),
    (lambda: O.adagrad(0.05), lambda p: torch.optim.Adagrad(p, lr=0.05, foreach=False)),
    # the weight-decay options reach torch models through the same parts (the bridge passes the parameters)
    (lambda: O.momentum(0.05, 0.9, weight_decay=0.01), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01, foreach=False)),
    (lambda: O.adam(0.01, eps_inside_sqrt=False, weight_decay=0.05), lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.05, foreach=False)),
    (lambda: O.adamw(0.01, eps_inside_sqrt=False, weight_decay=0.05), lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.05, foreach=False)),
    (lambda: O.adamw(0.01, eps_inside_sqrt=False, amsgrad=True), lambda p: torch.optim.AdamW(p, lr=0.01, amsgrad=True, foreach=False)),
]


@pytest.mark.parametrize("ours, theirs", PAIRS, ids=["nesterov", "rmsprop", "adam", "amsgrad", "adagrad", "momentum_wd",
                                                     "adam_wd", "adamw", "adamw_amsgrad"])
def test_bridge_matches_torch_optim_on_an_mlp(ours, theirs):
    data = spirals(n=120, seed=0)
    m1 = mlp([2, 8, 8, 2], activation="tanh", seed=0)
    m2 = copy.deepcopy(m1)
    h1 = train(m1, data.X, data.y, BridgeOptimizer(m1.parameters(), ours()), steps=60, batch=16, loss="cross_entropy")
    h2 = train(m2, data.X, data.y, theirs(list(m2.parameters())), steps=60, batch=16, loss="cross_entropy")
    for a, b in zip(m1.parameters(), m2.parameters()):
        assert torch.max(torch.abs(a - b)).item() < 1e-10
    assert np.max(np.abs(h1.full_losses - h2.full_losses)) < 1e-10
    assert h1.full_losses[-1] < h1.full_losses[0]  # it trained


def test_bridge_clipping_matches_clip_grad_norm():
    """chain(clip_by_norm(h), sgd) over all parameters = clip_grad_norm_ + SGD (up to its 1e-6)."""
    data = spirals(n=60, seed=1)
    m1 = mlp([2, 6, 2], seed=3)
    m2 = copy.deepcopy(m1)
    opt1 = BridgeOptimizer(m1.parameters(), O.chain(O.clip_by_norm(0.1), O.sgd(0.5)))
    opt2 = torch.optim.SGD(m2.parameters(), lr=0.5)
    lf = torch.nn.functional.cross_entropy
    for _ in range(20):
        for m, o in ((m1, opt1), (m2, opt2)):
            o.zero_grad()
            X, y = as_tensors(data.X, data.y)
            lf(m(X), y).backward()
            if o is opt2:
                torch.nn.utils.clip_grad_norm_(m2.parameters(), 0.1)
            o.step()
    for a, b in zip(m1.parameters(), m2.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bridge_rejects_non_optimizers():
    with pytest.raises(ValueError, match="optimizer must be a lecture_code.core.optimizers.Optimizer"):
        BridgeOptimizer(mlp([2, 2]).parameters(), torch.optim.SGD)


def test_train_bad_input():
    data = spirals(n=20, seed=0)
    m = mlp([2, 2])
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="batch must be an integer"):
        train(m, data.X, data.y, opt, steps=3, batch=0, loss="cross_entropy")
    with pytest.raises(ValueError, match="steps must be an integer"):
        train(m, data.X, data.y, opt, steps=-1)


def test_committed_torch_parity_is_what_the_code_produces():
    """The Adam chapter shows lecture_code/data/torch_parity.json (it imports no torch); recompute it."""
    from lecture_code.chapters.adam import load_torch_parity
    from lecture_code.core.torch_bridge import bridge_check

    saved = load_torch_parity()
    fresh = bridge_check(steps=saved["steps"], seed=saved["seed"])
    np.testing.assert_allclose(saved["ours"], fresh["ours"], rtol=1e-12)
    np.testing.assert_allclose(saved["torch"], fresh["torch"], rtol=1e-12)
    assert saved["max_param_diff"] < 1e-12 and fresh["max_param_diff"] < 1e-12
    assert saved["ours"][-1] < 0.5 * saved["ours"][0]  # and the network did train
