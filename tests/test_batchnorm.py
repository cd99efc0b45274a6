"""Batch normalization (``core.batchnorm``) against ``torch.nn.BatchNorm1d`` and by hand."""

from __future__ import annotations

import pytest
import torch

from lecture_code.core.batchnorm import BatchNorm, BNState, batch_norm, bn_init


def test_batch_norm_matches_torch_train_and_eval():
    gen = torch.Generator().manual_seed(0)
    ref = torch.nn.BatchNorm1d(5, dtype=torch.float64)
    ours = BatchNorm(5)
    with torch.no_grad():
        g, b = torch.randn(5, generator=gen, dtype=torch.float64), torch.randn(5, generator=gen, dtype=torch.float64)
        ref.weight.copy_(g), ref.bias.copy_(b), ours.weight.copy_(g), ours.bias.copy_(b)
    for step in range(4):   # several training batches: running statistics accumulate
        x = 3 * torch.randn(16, 5, generator=gen, dtype=torch.float64) + 2
        x1, x2 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        y_ref, y = ref(x1), ours(x2)
        assert torch.allclose(y, y_ref, atol=1e-12)
        w = torch.randn(16, 5, generator=gen, dtype=torch.float64)
        (y_ref * w).sum().backward()
        (y * w).sum().backward()
        assert torch.allclose(x2.grad, x1.grad, atol=1e-12)
    assert torch.allclose(ours.running_mean, ref.running_mean, atol=1e-12)
    assert torch.allclose(ours.running_var, ref.running_var, atol=1e-12)
    assert torch.allclose(ours.weight.grad, ref.weight.grad, atol=1e-10)
    ref.eval(), ours.eval()
    x = torch.randn(7, 5, generator=gen, dtype=torch.float64)
    assert torch.allclose(ours(x), ref(x), atol=1e-12)


def test_batch_norm_by_hand():
    x = torch.tensor([[1.0], [3.0]], dtype=torch.float64)
    y, st = batch_norm(x, torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64), bn_init(1),
                       training=True, eps=1e-12)
    # mean 2, biased variance 1: x̂ = ∓1; running var uses the unbiased variance 2
    assert torch.allclose(y[:, 0], torch.tensor([-1.0, 1.0], dtype=torch.float64))
    assert torch.allclose(st.running_mean, torch.tensor([0.2], dtype=torch.float64))
    assert torch.allclose(st.running_var, torch.tensor([0.9 + 0.1 * 2.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="at least 2"):
        batch_norm(x[:1], torch.ones(1), torch.zeros(1), bn_init(1), training=True)
    with pytest.raises(ValueError, match="momentum"):
        batch_norm(x, torch.ones(1), torch.zeros(1), BNState(torch.zeros(1), torch.ones(1)), training=True, momentum=2)
