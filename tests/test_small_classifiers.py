"""One-hidden-layer classifiers on XOR: gradients against torch autograd, Adam against torch.optim,
a hand-built solution, the initialisations' ranges, the published table and the script."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from lecture_code.core import small_classifiers as sc

ROOT = Path(__file__).resolve().parents[1]


def _torch_loss(p: sc.Params, r: int, X, y, activation, loss):
    W1, b1, w2, b2 = (torch.tensor(np.asarray(a[r]), requires_grad=True) for a in p)
    pre = torch.tensor(X) @ W1 + b1
    z = torch.relu(pre) if activation == "relu" else torch.sigmoid(pre)
    logit = z @ w2 + b2
    yt = torch.tensor(y)
    if loss == "bce":
        value = torch.nn.functional.binary_cross_entropy_with_logits(logit, yt)
    else:
        value = ((torch.sigmoid(logit) - yt) ** 2).mean()
    value.backward()
    return value.item(), [t.grad.numpy() for t in (W1, b1, w2, b2)]


@pytest.mark.parametrize("activation", sc.ACTIVATIONS)
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_gradients_against_autograd(activation, loss):
    X, y = sc.xor_points()
    p = sc.init_params(3, 2, 4, np.random.default_rng(0), "torch")
    value, g = sc.loss_and_grads(p, X, y, activation, loss)
    for r in range(3):
        ref, ref_g = _torch_loss(p, r, X, y, activation, loss)
        assert value[r] == pytest.approx(ref)
        for mine, theirs in zip(g, ref_g):
            assert np.allclose(mine[r], theirs, atol=1e-12)


def test_adam_training_matches_torch_optim():
    X, y = sc.xor_points(signed=True)
    p0 = sc.init_params(2, 2, 3, np.random.default_rng(1), "glorot")
    out = sc.train_many(p0, X, y, "relu", "adam", lr=0.05, steps=60)
    for r in range(2):
        params = [torch.tensor(np.array(a[r]), requires_grad=True) for a in p0]
        opt = torch.optim.Adam(params, lr=0.05)
        for _ in range(60):
            opt.zero_grad()
            W1, b1, w2, b2 = params
            logit = torch.relu(torch.tensor(X) @ W1 + b1) @ w2 + b2
            torch.nn.functional.binary_cross_entropy_with_logits(logit, torch.tensor(y)).backward()
            opt.step()
        for mine, theirs in zip(out.params, params):
            assert np.allclose(mine[r], theirs.detach().numpy(), atol=1e-9)


def test_gradient_descent_is_the_plain_update():
    X, y = sc.xor_points()
    p0 = sc.init_params(2, 2, 2, np.random.default_rng(2), "normal")
    out = sc.train_many(p0, X, y, "sigmoid", "gd", lr=0.5, steps=3)
    p = p0
    for _ in range(3):
        _, g = sc.loss_and_grads(p, X, y, "sigmoid")
        p = sc.Params(*(a - 0.5 * b for a, b in zip(p, g)))
    for mine, ref in zip(out.params, p):
        assert np.allclose(mine, ref)


def test_a_hand_built_solution_succeeds_and_a_dead_network_does_not():
    X, y = sc.xor_points()
    # logit 10 relu(x1 + x2 − 0.5) − 20 relu(x1 + x2 − 1) − 3: −3, 2, 2, −8 on the four points
    good = sc.Params(np.array([[[1.0, 1.0], [1.0, 1.0]]]), np.array([[-0.5, -1.0]]),
                     np.array([[10.0, -20.0]]), np.array([-3.0]))
    dead = sc.Params(np.array([[[-1.0, -1.0], [-1.0, -1.0]]]), np.array([[-0.5, -1.5]]),
                     np.array([[1.0, 1.0]]), np.array([0.0]))
    out = sc.train_many(sc.Params(*(np.concatenate([a, b]) for a, b in zip(good, dead))), X, y, "relu", "gd", 0.1, 0)
    assert out.success.tolist() == [True, False]
    _, g = sc.loss_and_grads(dead, X, y, "relu")
    assert np.all(g.W1 == 0) and np.all(g.b1 == 0) and np.all(g.w2 == 0)   # the blind spot: only b2 moves
    assert out.loss[1] == pytest.approx(math.log(2))


def test_initialisations():
    rng = np.random.default_rng(3)
    g = sc.init_params(2000, 2, 5, rng, "glorot")
    assert np.abs(g.W1).max() <= math.sqrt(6 / 7) and np.abs(g.W1).max() > 0.9 * math.sqrt(6 / 7)
    assert np.all(g.b1 == 0) and np.all(g.b2 == 0)
    t = sc.init_params(2000, 2, 5, rng, "torch")
    assert np.abs(t.b1).max() <= 1 / math.sqrt(2) and np.abs(t.w2).max() <= 1 / math.sqrt(5)
    n = sc.init_params(2000, 2, 5, rng, "normal", scale=2.0)
    assert np.std(n.W1) == pytest.approx(2.0, rel=0.03)
    with pytest.raises(ValueError, match="init"):
        sc.init_params(2, 2, 2, rng, "he")
    with pytest.raises(ValueError, match="activation"):
        sc.forward(t, np.zeros((1, 2)), "tanh")


def test_published_table_shape():
    assert len(sc.SWIRSZCZ_TABLE) == 8
    for key, row in sc.SWIRSZCZ_TABLE.items():
        assert len(row) == len(sc.HIDDEN_SIZES) and all(0 <= v <= 100 for v in row)
    assert sc.SWIRSZCZ_TABLE[("xor", "adam", "relu")][0] == 28     # the slide's first entry


def test_success_rate():
    assert sc.success_rate([True, False, True, True]) == pytest.approx((0.75, math.sqrt(0.75 * 0.25 / 4)))


def test_script_runs_at_tiny_size():
    spec = importlib.util.spec_from_file_location("xor_success_script", ROOT / "scripts" / "xor_success.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.run_protocol(dict(mod.PRIMARY, steps=300), runs=20, seed=0, sizes=(2, 6), detail=True)
    assert set(out) == {"adam-relu", "adam-sigmoid", "gd-relu", "gd-sigmoid"}
    cell = out["adam-relu"][0]
    assert 0 <= cell["successes"] <= 20
    assert sum(cell["levels"].values()) + cell["other_failures"] == 20 - cell["successes"]
    assert out["adam-relu"][1]["successes"] > cell["successes"]          # h = 6 solves it more often than h = 2


def test_committed_results():
    data = json.loads((ROOT / "lecture_code" / "data" / "xor_success.json").read_text())
    assert data["variants"][0]["name"] == "primary"
    for v in data["variants"]:
        for cells in v["rates"].values():
            assert [c["h"] for c in cells] == list(sc.HIDDEN_SIZES)
