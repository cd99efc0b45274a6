"""The weight count N = m·n² + n·q of the lecture's network, against counting the parameters of
torch layers and of core.mlp.MLP."""

import pytest
import torch

from lecture_code.core.mlp import MLP
from lecture_code.core.parameter_count import layered_parameter_count


def _torch_count(d, n, m, q, bias):
    sizes = [d] + [n] * m + [q]
    layers = [torch.nn.Linear(a, b, bias=bias) for a, b in zip(sizes[:-1], sizes[1:])]
    return sum(p.numel() for layer in layers for p in layer.parameters())


@pytest.mark.parametrize("m,n,q", [(1, 4, 1), (1, 6, 1), (9, 10, 1), (3, 5, 7), (2, 1, 2)])
def test_lecture_formula_and_torch(m, n, q):
    assert layered_parameter_count(m, n, q) == m * n * n + n * q == _torch_count(n, n, m, q, False)


@pytest.mark.parametrize("d,m,n", [(2, 2, 6), (64, 3, 16), (5, 1, 1)])
def test_other_input_dimension_and_biases(d, m, n):
    assert layered_parameter_count(m, n, 3, d=d) == _torch_count(d, n, m, 3, False)
    assert layered_parameter_count(m, n, 3, d=d, biases=True) == _torch_count(d, n, m, 3, True)
    assert layered_parameter_count(m, n, 1, d=d, biases=True) == MLP((d,) + (n,) * m + (1,)).n_params


def test_bad_arguments():
    with pytest.raises(ValueError, match="m must be"):
        layered_parameter_count(0, 3, 1)
    with pytest.raises(ValueError, match="q must be"):
        layered_parameter_count(1, 3, 1.5)
