"""Initialization schemes and signal propagation (``core.initialization``) against the mean-field
closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecture_code.core.initialization import init_variance, initialize, mean_field_variances, signal_propagation


def test_init_variances_and_initialize():
    assert init_variance("lecun", 100, 50) == 1 / 100
    assert init_variance("xavier", 100, 50) == 2 / 150
    assert init_variance("he", 100, 50) == 2 / 100
    with pytest.raises(ValueError, match="scheme"):
        init_variance("glorot", 3, 3)
    m = initialize(torch.nn.Linear(400, 300, dtype=torch.float64), "xavier", seed=0)
    assert abs(float(m.weight.detach().var()) / (2 / 700) - 1) < 0.02 and float(m.bias.detach().abs().max()) == 0


def test_mean_field_closed_forms():
    """ReLU: q_{l+1} = gain·q_l/2 exactly; linear: q_l = gain^l; tanh shrinks below the linear value."""
    p = mean_field_variances(5, "relu", 2.0)
    assert np.allclose(p.forward, 2.0) and np.allclose(p.backward, 0.5)
    p = mean_field_variances(4, "linear", 1.5)
    assert np.allclose(p.forward, 1.5 ** np.arange(1, 5))
    t = mean_field_variances(10, "tanh", 1.0)
    assert np.all(np.diff(t.forward) < 0) and t.forward[0] == 1.0


def test_measured_propagation_follows_mean_field():
    """Finite width makes the log-variance wander (a random walk, ~depth/width); average a few networks."""
    for act, gain in (("relu", 2.0), ("tanh", 1.0), ("relu", 1.0), ("tanh", 2.5)):
        runs = [signal_propagation(6, 512, act, gain, n=256, seed=s) for s in range(4)]
        fwd = np.mean([r.forward for r in runs], axis=0)
        bwd = np.mean([r.backward for r in runs], axis=0)
        pred = mean_field_variances(6, act, gain)
        assert np.allclose(fwd, pred.forward, rtol=0.15), (act, gain, fwd, pred.forward)
        assert np.allclose(bwd, pred.backward, rtol=0.15), (act, gain, bwd, pred.backward)
