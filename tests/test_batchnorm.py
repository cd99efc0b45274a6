"""Batch normalization (``core.batchnorm``) against ``torch.nn.BatchNorm1d`` and by hand; noise injected
after it and recalibration (Santurkar et al.'s experiment)."""

from __future__ import annotations

import pytest
import torch

from lecture_code.core.batchnorm import (
    BatchNorm, BNState, NoiseInjection, batch_norm, bn_init, inject_noise, noise_off, recalibrate,
)
from lecture_code.core.models import mlp


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


def test_noise_has_a_random_mean_and_variance_per_unit_and_step():
    layer = NoiseInjection(4, mean=0.5, std=1.0, seed=3)
    x = torch.zeros(20000, 4, dtype=torch.float64)
    a, b = layer(x), layer(x)
    # per unit: the batch mean is the drawn shift μ_j ∈ [−0.5, 0.5], the std the drawn σ_j ∈ [0, 1]
    for out in (a, b):
        assert torch.all(out.mean(0).abs() <= 0.5 + 0.03) and torch.all(out.std(0) <= 1.0 + 0.03)
    assert not torch.allclose(a.mean(0), b.mean(0), atol=0.05)    # a new draw every step
    # reproducing the draws by hand from the same generator
    g = torch.Generator().manual_seed(3)
    mu = (2 * torch.rand(4, generator=g, dtype=torch.float64) - 1) * 0.5
    sigma = torch.rand(4, generator=g, dtype=torch.float64) * 1.0
    z = torch.randn(20000, 4, generator=g, dtype=torch.float64)
    assert torch.allclose(a, mu + sigma * z)


def test_noise_is_off_in_evaluation_and_inside_noise_off():
    layer = NoiseInjection(3)
    x = torch.randn(5, 3, dtype=torch.float64)
    layer.eval()
    assert torch.equal(layer(x), x)
    layer.train()
    with noise_off(layer):
        assert torch.equal(layer(x), x)
    assert not torch.equal(layer(x), x)


def test_inject_noise_follows_every_batch_norm_and_shares_parameters():
    m = mlp([5, 6, 6, 2], "relu", seed=0, batch_norm=True)
    noisy = inject_noise(m, seed=7)
    kinds = [type(layer).__name__ for layer in noisy]
    assert kinds == ["Linear", "BatchNorm", "NoiseInjection", "ReLU"] * 2 + ["Linear"]
    assert [p.data_ptr() for p in noisy.parameters()] == [p.data_ptr() for p in m.parameters()]
    x = torch.randn(8, 5, dtype=torch.float64)
    m.eval(), noisy.eval()
    assert torch.equal(m(x), noisy(x))
    with pytest.raises(ValueError, match="BatchNorm"):
        inject_noise(mlp([5, 6, 2], "relu"))


def test_recalibrate_sets_running_statistics_to_the_data_s():
    m = inject_noise(mlp([5, 7, 7, 3], "relu", seed=1, batch_norm=True), seed=2)
    X = 3 * torch.randn(200, 5, dtype=torch.float64) + 1
    m.train()
    for _ in range(3):
        m(torch.randn(16, 5, dtype=torch.float64))    # running statistics of other batches, with noise
    recalibrate(m, X)
    assert not m.training
    # torch's BatchNorm1d in training mode on X (no noise) is the reference: eval mode must now agree
    m.train()
    with noise_off(m), torch.no_grad():
        ref = m(X)
    m.eval()
    with torch.no_grad():
        got = m(X)
    # the running variance is the unbiased one (×200/199), training mode divides by the biased one
    assert float((got - ref).abs().max()) < 0.01 * float(ref.abs().max())
    bns = [layer for layer in m if isinstance(layer, BatchNorm)]
    assert all(b.momentum == 0.1 for b in bns)
    first = m[0](X)
    assert torch.allclose(bns[0].running_mean, first.mean(0).detach())
    assert torch.allclose(bns[0].running_var, first.var(0).detach())   # unbiased, as torch


def test_bad_noise_parameters():
    with pytest.raises(ValueError, match="std"):
        NoiseInjection(3, std=-1)
    with pytest.raises(ValueError, match="num_features"):
        NoiseInjection(0)
    with pytest.raises(ValueError, match=r"shape \(batch, 3\)"):
        NoiseInjection(3)(torch.zeros(2, 4))
