"""Du et al.'s two-layer ReLU network: the Gram matrix against Monte Carlo, the gradient against
torch autograd, the teacher against an exact student, gradient descent's linear rate on a wide
network, and the experiment script at a tiny size."""

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from lecture_code.core import overparameterization as op

ROOT = Path(__file__).resolve().parents[1]


def test_ntk_gram_against_monte_carlo():
    rng = np.random.default_rng(0)
    X = op.sphere_points(6, 3, rng)
    w = rng.standard_normal((400_000, 3))
    act = (w @ X.T >= 0).astype(float)                       # (samples, n)
    mc = (X @ X.T) * (act.T @ act) / len(w)
    assert np.allclose(op.ntk_gram(X), mc, atol=4e-3)
    assert np.allclose(np.diag(op.ntk_gram(X)), 0.5)          # x·x (π − 0)/(2π)


def test_min_eigenvalue_positive_unless_two_points_are_parallel():
    rng = np.random.default_rng(1)
    X = op.sphere_points(10, 4, rng)
    assert op.min_eigenvalue(X) > 1e-3
    X[1] = X[0]
    assert abs(op.min_eigenvalue(X)) < 1e-12
    with pytest.raises(ValueError, match="unit norm"):
        op.ntk_gram(2 * X)


def test_loss_and_grad_against_autograd():
    rng = np.random.default_rng(2)
    X = op.sphere_points(7, 3, rng)
    y = rng.standard_normal(7)
    W = rng.standard_normal((2, 5, 3))
    a = op.signs(5)
    loss, grad = op.loss_and_grad(W, a, X, y)
    for r in range(2):
        Wt = torch.tensor(W[r], requires_grad=True)
        out = (torch.tensor(a) * torch.relu(Wt @ torch.tensor(X).T).T).sum(dim=1) / math.sqrt(5)
        L = 0.5 * ((out - torch.tensor(y)) ** 2).sum()
        L.backward()
        assert loss[r] == pytest.approx(L.item())
        assert np.allclose(grad[r], Wt.grad.numpy())
    assert np.allclose(op.forward(W, a, X)[1], op.forward(W[1], a, X))


def test_teacher_is_fitted_exactly_by_a_student_of_its_width_and_by_a_split_wider_one():
    rng = np.random.default_rng(3)
    X = op.sphere_points(20, 4, rng)
    y, V = op.teacher(X, 4, rng)
    loss, grad = op.loss_and_grad(V[None], op.signs(4), X, y)
    assert loss[0] < 1e-28 and np.abs(grad).max() < 1e-13
    # width 8 = every teacher unit split in two, scaled so the 1/√m normalisation is undone
    W = np.repeat(V, 2, axis=0)[[0, 2, 1, 3, 4, 6, 5, 7]] * math.sqrt(8 / 4) / 2
    a = op.signs(8)
    assert list(a) == [1, 1, 1, 1, -1, -1, -1, -1]
    assert op.loss_and_grad(W[None], a, X, y)[0][0] < 1e-26


def test_wide_network_converges_at_least_at_the_theorem_rate():
    rng = np.random.default_rng(4)
    X = op.sphere_points(10, 3, rng)
    y, _ = op.teacher(X, 2, rng)
    lam0 = op.min_eigenvalue(X)
    lr = 0.3
    res = op.train(op.init_weights(4, 512, 3, rng), op.signs(512), X, y, lr=lr, steps=2000, checkpoints=20)
    bound = (1 - lr * lam0 / 2) ** res.checkpoints[:, None] * res.losses[0]
    assert np.all(res.losses <= bound * (1 + 1e-9))
    assert np.all(res.final_loss < 1e-6 * 0.5 * y @ y)
    assert not res.diverged.any()


def test_train_flags_divergence_and_stops_at_tol():
    rng = np.random.default_rng(5)
    X = op.sphere_points(8, 3, rng)
    y, _ = op.teacher(X, 2, rng)
    res = op.train(op.init_weights(3, 64, 3, rng), op.signs(64), X, y, lr=50.0, steps=200)
    assert res.diverged.all()
    res = op.train(op.init_weights(3, 256, 3, rng), op.signs(256), X, y, lr=0.3, steps=5000, tol=1e-3)
    assert np.all(res.final_loss < 1e-3) and np.all(res.final_loss > 1e-5)     # stopped soon after tol


def test_small_helpers():
    assert list(op.signs(5)) == [1, 1, 1, -1, -1]
    assert op.du_width(10, 0.1, 0.5) == pytest.approx(1e6 / 1e-4 / 0.125)
    assert op.rate_and_error(30, 100) == pytest.approx((0.3, math.sqrt(0.21 / 100)))
    with pytest.raises(ValueError, match="successes"):
        op.rate_and_error(101, 100)
    with pytest.raises(ValueError, match="lambda0"):
        op.du_width(10, 0.0)
    X = op.sphere_points(50, 6, np.random.default_rng(6))
    assert np.allclose(np.linalg.norm(X, axis=1), 1)


def _script():
    spec = importlib.util.spec_from_file_location("overparameterization_script", ROOT / "scripts" / "overparameterization.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_script_runs_at_tiny_size():
    mod = _script()
    out = mod.widths_experiment(dict(mod.QUICK, steps=2000, runs=4, widths=[4, 128]))
    narrow, wide = out["rows"]
    assert wide["zero"] == 4 and wide["bound_holds"] == 4
    assert narrow["zero"] + narrow["stuck"] + narrow["decreasing"] == 4
    assert out["lambda0"] > 0 and out["du_width"] > 1e10
    yun = mod.yun_experiment(dict(mod.YUN_QUICK, widths=[2], runs=6, steps=200))
    row = yun["rows"][0]
    assert row["zero"] + row["least_squares"] + row["other"] == 6
    assert yun["least_squares_loss"] == pytest.approx(1.4)


def test_committed_results():
    data = json.loads((ROOT / "lecture_code" / "data" / "overparameterization.json").read_text())
    rows = data["widths"]["rows"]
    for r in rows:
        assert r["zero"] + r["stuck"] + r["decreasing"] == r["runs"]
    assert rows[-1]["zero"] == rows[-1]["runs"]          # the widest network: every start reaches zero
    assert rows[0]["zero"] < rows[0]["runs"]             # the narrowest (the teacher's width) does not
