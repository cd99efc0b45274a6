"""Flat-parameter helpers, loss functions and data sets of lecture_code.core.models."""

import numpy as np
import pytest
import torch

from lecture_code.core.models import (
    blobs, flatten_params, make_loss_fn, mlp, num_params, regression_data, set_flat_params,
    spirals, unflatten_params, xor_data,
)


def test_mlp_shapes_and_parameter_count():
    m = mlp([3, 5, 4, 2], activation="relu", seed=1)
    assert num_params(m) == (3 * 5 + 5) + (5 * 4 + 4) + (4 * 2 + 2)
    assert m(torch.zeros(7, 3, dtype=torch.float64)).shape == (7, 2)
    assert all(p.dtype == torch.float64 for p in m.parameters())
    assert num_params(mlp([3, 5, 1], bias=False)) == 15 + 5


def test_mlp_seed_is_reproducible_and_does_not_touch_global_rng():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = flatten_params(mlp([2, 8, 1], seed=4))
    after = torch.rand(1)
    b = flatten_params(mlp([2, 8, 1], seed=4))
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(before, after)
    assert not torch.equal(a, flatten_params(mlp([2, 8, 1], seed=5)))


def test_flatten_unflatten_roundtrip():
    m = mlp([2, 4, 3], seed=0)
    theta = flatten_params(m)
    parts = unflatten_params(m, theta)
    for name, p in m.named_parameters():
        torch.testing.assert_close(parts[name], p.detach())
    m2 = mlp([2, 4, 3], seed=9)
    set_flat_params(m2, theta)
    torch.testing.assert_close(flatten_params(m2), theta)


@pytest.mark.parametrize("loss,data", [("mse", regression_data(20, 2)), ("cross_entropy", spirals(20))])
def test_loss_fn_matches_the_module_and_its_gradient_matches_backward(loss, data):
    out_dim = 1 if loss == "mse" else 2
    m = mlp([2, 6, out_dim], seed=0)
    f = make_loss_fn(m, data.X, data.y, loss)
    theta = flatten_params(m)
    out = m(data.X)
    ref = ((out[:, 0] - data.y) ** 2).mean() if loss == "mse" else torch.nn.functional.cross_entropy(out, data.y)
    torch.testing.assert_close(f(theta), ref)
    ref.backward()
    g_ref = torch.cat([p.grad.reshape(-1) for p in m.parameters()])
    g = torch.func.grad(f)(theta)
    torch.testing.assert_close(g, g_ref)


def test_loss_fn_does_not_modify_the_model():
    d = xor_data(16)
    m = mlp([2, 3, 2])
    before = flatten_params(m)
    f = make_loss_fn(m, d.X, d.y, "cross_entropy")
    f(torch.zeros_like(before))
    torch.testing.assert_close(flatten_params(m), before)


def test_data_sets():
    for d in (regression_data(30, 3), spirals(30, classes=3), xor_data(30), blobs(30, classes=3, d=4)):
        assert d.X.dtype == torch.float64 and d.X.shape[0] == d.y.shape[0]
        assert torch.isfinite(d.X).all()
    d = xor_data(200, noise=0.0)
    # label 1 iff the signs differ
    np.testing.assert_array_equal(d.y.numpy(), (np.sign(d.X[:, 0].numpy()) != np.sign(d.X[:, 1].numpy())).astype(int))
    assert set(spirals(30, classes=3).y.tolist()) == {0, 1, 2}
    torch.testing.assert_close(spirals(40, seed=3).X, spirals(40, seed=3).X)


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="sizes"):
        mlp([3])
    with pytest.raises(ValueError, match="sizes"):
        mlp([3, 0, 1])
    with pytest.raises(ValueError, match="activation"):
        mlp([2, 2], activation="swish2")
    m = mlp([2, 3, 1])
    with pytest.raises(ValueError, match="flat"):
        unflatten_params(m, torch.zeros(5, dtype=torch.float64))
    d = regression_data(10)
    with pytest.raises(ValueError, match="loss"):
        make_loss_fn(m, d.X, d.y, "hinge")
    with pytest.raises(ValueError, match="rows"):
        make_loss_fn(m, d.X[:5], d.y, "mse")
    with pytest.raises(ValueError, match="integer class labels"):
        make_loss_fn(m, d.X, d.y, "cross_entropy")
    with pytest.raises(ValueError, match="n must"):
        spirals(n=1)
    with pytest.raises(ValueError, match="noise"):
        regression_data(noise=-1.0)
