"""Flat-parameter helpers, loss functions and data sets of lecture_code.core.models."""

import numpy as np
import pytest
import torch

from lecture_code.core.synthetic import blobs, regression_data, spirals, xor_data
from lecture_code.core.models import (
    as_tensors, flatten_params, make_loss_fn, mlp, num_params, set_flat_params, unflatten_params,
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
    X, y = as_tensors(data.X, data.y)
    out = m(X)
    ref = ((out[:, 0] - y) ** 2).mean() if loss == "mse" else torch.nn.functional.cross_entropy(out, y)
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
        assert d.X.dtype == np.float64 and d.X.shape[0] == d.y.shape[0]
        assert np.all(np.isfinite(d.X))
        X, y = as_tensors(d.X, d.y)  # and as torch tensors: float64 inputs, int64 labels
        assert X.dtype == torch.float64 and y.dtype == (torch.float64 if d.y.dtype.kind == "f" else torch.int64)
    d = xor_data(200, noise=0.0)
    # label 1 iff the signs differ
    np.testing.assert_array_equal(d.y, (np.sign(d.X[:, 0]) != np.sign(d.X[:, 1])).astype(int))
    assert set(spirals(30, classes=3).y.tolist()) == {0, 1, 2}
    np.testing.assert_array_equal(spirals(40, seed=3).X, spirals(40, seed=3).X)


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


# ------------------------------------------------------------- the torch mlp as the numpy MLP

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_code.core.mlp import mlp_logits, mlp_loss_grad  # noqa: E402
from lecture_code.core.models import criterion, to_numpy_mlp  # noqa: E402


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(widths=st.lists(st.integers(1, 6), min_size=0, max_size=3), d=st.integers(1, 4),
       activation=st.sampled_from(["tanh", "relu"]), seed=st.integers(0, 10**6), scale=st.floats(0.2, 3.0))
def test_numpy_and_torch_mlps_compute_the_same_outputs_and_gradients(widths, d, activation, seed, scale):
    """to_numpy_mlp: over random shapes and weights the numpy MLP's outputs and hand-written
    gradient equal the torch model's forward pass and autograd gradient (in the numpy layout)."""
    model = mlp([d, *widths, 1], activation, seed=seed)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(scale)
    net, theta = to_numpy_mlp(model)
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((9, d)), rng.standard_normal(9)
    Xt, yt = as_tensors(X, y)
    np.testing.assert_allclose(mlp_logits(net, theta, X), model(Xt)[:, 0].detach().numpy(), rtol=1e-12, atol=1e-14)
    value, grad = mlp_loss_grad(net, theta, X, y, "mse")
    loss = criterion("mse", yt)(model(Xt), yt)
    loss.backward()
    torch_grad = net.pack([(lin.weight.grad.numpy(), lin.bias.grad.numpy()) for lin in model[0::2]])
    assert value == pytest.approx(float(loss.detach()), rel=1e-12)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-10, atol=1e-12)


def test_to_numpy_mlp_refuses_what_the_numpy_mlp_cannot_compute():
    for model, why in ((mlp([2, 3, 2]), "two outputs"), (mlp([2, 3, 1], "sigmoid"), "sigmoid"),
                       (mlp([2, 3, 1], bias=False), "no biases"), (mlp([2, 3, 3, 1], batch_norm=True), "batch norm")):
        with pytest.raises(ValueError, match="model must be an mlp"):
            to_numpy_mlp(model)


def test_criterion_compares_a_1d_target_with_the_single_output():
    out = torch.tensor([[1.0], [2.0], [4.0]], dtype=torch.float64)
    y = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float64)
    assert float(criterion("mse", y)(out, y)) == pytest.approx((0 + 1 + 9) / 3)
    with pytest.raises(ValueError, match="cross_entropy needs integer class labels"):
        criterion("cross_entropy", y)
    with pytest.raises(ValueError, match="loss must be one of"):
        criterion("hinge", y)
