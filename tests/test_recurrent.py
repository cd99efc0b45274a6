"""The row-by-row LSTM (``lecture_code.core.recurrent``) against the LSTM equations written out."""

from __future__ import annotations

import pytest
import torch

from lecture_code.core.models import flatten_params, make_loss_fn
from lecture_code.core.recurrent import RowLSTM


def _by_hand(model: RowLSTM, x: torch.Tensor) -> torch.Tensor:
    """i, f, g, o = σ, σ, tanh, σ of W_ih x_t + b_ih + W_hh h + b_hh (torch's gate order); c ← f c + i g; h ← o tanh c."""
    lstm = model.lstm
    H = lstm.hidden_size
    W_ih, W_hh, b = lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0 + lstm.bias_hh_l0
    seq = x.reshape(x.shape[0], model.rows, model.step)
    h = torch.zeros(x.shape[0], H, dtype=x.dtype)
    c = torch.zeros_like(h)
    for t in range(model.rows):
        z = seq[:, t] @ W_ih.T + h @ W_hh.T + b
        i, f, g, o = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H:2 * H]), torch.tanh(z[:, 2 * H:3 * H]), torch.sigmoid(z[:, 3 * H:])
        c = f * c + i * g
        h = o * torch.tanh(c)
    return model.out(h)


def test_row_lstm_reads_the_rows_in_order():
    torch.manual_seed(0)
    x = torch.randn(7, 64, dtype=torch.float64)
    m = RowLSTM(5, seed=3)
    with torch.no_grad():
        assert torch.allclose(m(x), _by_hand(m, x), atol=1e-12)
        flipped = x.reshape(7, 8, 8).flip(1).reshape(7, 64)     # the row order matters
        assert not torch.allclose(m(flipped), m(x))


def test_row_lstm_is_seeded_and_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b = RowLSTM(4, seed=1), RowLSTM(4, seed=1)
    assert torch.equal(flatten_params(a), flatten_params(b))
    assert torch.equal(torch.random.get_rng_state(), state)
    assert not torch.equal(flatten_params(a), flatten_params(RowLSTM(4, seed=2)))


def test_row_lstm_flat_parameters_work_with_make_loss_fn():
    m = RowLSTM(3, seed=0)
    x, y = torch.randn(6, 64, dtype=torch.float64), torch.tensor([0, 1, 2, 3, 4, 5])
    lf = make_loss_fn(m, x, y, "cross_entropy")
    assert torch.isclose(lf(flatten_params(m)), torch.nn.functional.cross_entropy(m(x), y))


def test_bad_arguments():
    with pytest.raises(ValueError, match="multiple"):
        RowLSTM(3, n_inputs=64, rows=7)
    with pytest.raises(ValueError, match="hidden"):
        RowLSTM(0)
    with pytest.raises(ValueError, match="shape"):
        RowLSTM(3)(torch.zeros(2, 63, dtype=torch.float64))
