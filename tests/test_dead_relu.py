"""The blind spot of ReLU: the single-point formula against Monte Carlo, first_dead_layer against a
per-network forward pass, and zero gradients below a dead layer (core.mlp's backward pass)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from lecture_code.core.dead_relu import first_dead_layer, he_init, single_point_dead_probability
from lecture_code.core.mlp import MLP, mlp_logits, mlp_loss_grad

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("width,depth", [(1, 3), (2, 5), (3, 10), (4, 8)])
def test_single_point_formula_against_monte_carlo(width, depth):
    net = MLP((5,) + (width,) * depth + (1,), "relu")
    runs = 20_000
    theta = he_init(net, runs, np.random.default_rng(width * 100 + depth))
    x = np.random.default_rng(0).standard_normal((1, 5))
    p = np.mean(first_dead_layer(net, theta, x) > 0)
    q = single_point_dead_probability(width, depth)
    assert p == pytest.approx(q, abs=4 * np.sqrt(q * (1 - q) / runs) + 1e-3)


def test_first_dead_layer_against_a_forward_pass_per_network():
    net = MLP((3, 2, 2, 2, 2, 1), "relu")
    theta = he_init(net, 500, np.random.default_rng(1), bias=-0.3)
    X = np.random.default_rng(2).standard_normal((6, 3))
    first = first_dead_layer(net, theta, X)
    assert 0 < np.mean(first > 0) < 1
    for r in range(500):
        A, expect = X, 0
        for i, (W, b) in enumerate(net.layers(theta[r])[:-1], start=1):
            Z = A @ W.T + b
            if expect == 0 and np.all(Z <= 0):
                expect = i
            A = np.maximum(Z, 0)
        assert first[r] == expect


def test_a_dead_network_is_constant_and_its_lower_layers_get_no_gradient():
    net = MLP((4, 3, 3, 3, 1), "relu")
    X = np.random.default_rng(3).standard_normal((20, 4))
    theta = he_init(net, 2000, np.random.default_rng(4), bias=-1.0)
    first = first_dead_layer(net, theta, X)
    i = int(np.flatnonzero(first == 2)[0])
    out = mlp_logits(net, theta[i:i + 1], X)
    assert np.ptp(out) == 0
    _, g = mlp_loss_grad(net, theta[i:i + 1], X, (X[:, :1].T > 0).astype(float))
    n_low = (4 + 1) * 3 + (3 + 1) * 3                          # layers 1 and 2 (weights and biases)
    assert np.all(g[0, :n_low] == 0)
    assert np.any(g[0, n_low:] != 0)                           # later biases still learn the constant


def test_he_init_variance_and_checks():
    net = MLP((50, 40, 1), "relu")
    theta = he_init(net, 200, np.random.default_rng(5), bias=0.25)
    W, b = net.layers(theta)[0]
    assert W.shape == (200, 40, 50)
    assert np.var(W) == pytest.approx(2 / 50, rel=0.05) and np.all(b == 0.25)
    with pytest.raises(ValueError, match="ReLU"):
        first_dead_layer(MLP((2, 2, 1), "tanh"), theta[:, :9], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="width"):
        single_point_dead_probability(0, 3)


def test_script_runs_at_tiny_size():
    spec = importlib.util.spec_from_file_location("dead_relu_script", ROOT / "scripts" / "dead_relu.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    X = np.random.default_rng(6).standard_normal((30, 8))
    y = (X[:, 0] > 0).astype(float)
    rows = mod.census(dict(mod.QUICK, runs=50, widths=[2], biases=[0.0]), X)
    assert rows[0]["dead_by_depth"] == sorted(rows[0]["dead_by_depth"])       # dead by depth L grows with L
    train = mod.training(dict(mod.QUICK, train_nets=2, train_steps=30), X, y)
    assert max(train["dead_moved"]) == 0.0


def test_committed_results():
    data = json.loads((ROOT / "lecture_code" / "data" / "dead_relu.json").read_text())
    for row in data["census"]:
        if row["bias"] == 0:
            for L, count in enumerate(row["dead_by_depth"]):      # the single-point bound holds
                bound = row["single_point_bound"][L]
                assert count / row["runs"] <= bound + 4 * np.sqrt(bound * (1 - bound) / row["runs"]) + 1e-3
    assert max(data["training"]["dead_moved"]) == 0.0
