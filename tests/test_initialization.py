"""Initialization schemes and signal propagation (``core.initialization``) against the mean-field
closed forms; the uniform forms' bounds against ``torch.nn.init``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lecture_code.core.initialization import init_bound, init_variance, initialize, mean_field_variances, signal_propagation


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


@pytest.mark.parametrize("fan_in,fan_out", [(64, 64), (64, 10), (784, 300), (3, 500)])
def test_xavier_and_he_bounds_are_torch_s(fan_in, fan_out):
    """torch documents U(−a, a) with a = gain·√(6/(fan_in+fan_out)) (xavier) and gain·√(3/fan_in) (kaiming)."""
    assert math.isclose(init_bound("xavier", fan_in, fan_out), math.sqrt(6 / (fan_in + fan_out)))
    relu_gain = torch.nn.init.calculate_gain("relu")
    assert math.isclose(init_bound("he", fan_in, fan_out), relu_gain * math.sqrt(3 / fan_in))
    # the bounds torch draws within: the largest |w| of many draws approaches the bound from below
    w = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(0)
    big = torch.empty(2000, 2000, dtype=torch.float64)
    for scheme, draw in (("xavier", lambda t: torch.nn.init.xavier_uniform_(t)),
                         ("he", lambda t: torch.nn.init.kaiming_uniform_(t, nonlinearity="relu"))):
        a = init_bound(scheme, fan_in, fan_out)
        draw(w)
        assert float(w.abs().max()) <= a
        # scale-free check on a large matrix: torch's bound for 2000×2000 is ours for the same fans
        draw(big)
        assert 0.999 * init_bound(scheme, 2000, 2000) < float(big.abs().max()) <= init_bound(scheme, 2000, 2000)


def test_uniform_and_normal_draws_have_the_scheme_s_variance():
    for scheme in ("lecun", "xavier", "he"):
        var = init_variance(scheme, 400, 300)
        for dist in ("normal", "uniform"):
            m = initialize(torch.nn.Linear(400, 300, dtype=torch.float64), scheme, seed=1, distribution=dist)
            w = m.weight.detach()
            assert abs(float(w.var()) / var - 1) < 0.02, (scheme, dist)
            if dist == "uniform":
                assert float(w.abs().max()) <= init_bound(scheme, 400, 300)
                assert float(w.abs().max()) > 0.99 * init_bound(scheme, 400, 300)
    assert math.isclose(init_bound("lecun", 50, 7) ** 2 / 3, init_variance("lecun", 50, 7))


def test_bad_arguments_name_the_parameter():
    lin = torch.nn.Linear(3, 3)
    with pytest.raises(ValueError, match="distribution"):
        initialize(lin, "he", distribution="cauchy")
    with pytest.raises(ValueError, match="scheme"):
        init_bound("glorot", 3, 3)
    with pytest.raises(ValueError, match="fan_in"):
        init_bound("he", 0, 3)
