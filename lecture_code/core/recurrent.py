"""A small recurrent network for the 8×8 digits: an LSTM that reads an image row by row.

Goodfellow, Vinyals & Saxe (2015) applied their straight-line interpolation to an LSTM as well
as to feed-forward networks. :class:`RowLSTM` is the smallest recurrent model of that kind that
the book's data set allows: each 64-pixel image is a sequence of ``rows`` steps of
``64 / rows`` pixels, an ``nn.LSTM`` reads it, and a linear layer maps the last hidden state to
the 10 class scores::

    from lecture_code.core.recurrent import RowLSTM

    model = RowLSTM(hidden=32, seed=0)     # float64, like the core's MLPs
    scores = model(train.X)                # (n, 10)

Its parameters flatten like any module's (``lecture_code.core.models.flatten_params``), so
every tool of :mod:`lecture_code.core.landscape` that accepts any model (``interpolate``,
``batched_loss`` with its loop) applies. ``tests/test_recurrent.py`` checks the forward pass
against the LSTM equations written out by hand.
"""

from __future__ import annotations

try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc
from torch import nn

__all__ = ["RowLSTM"]


class RowLSTM(nn.Module):
    """LSTM classifier reading a flat image as ``rows`` steps of ``n_inputs / rows`` values.

    Parameters
    ----------
    hidden : width of the LSTM's hidden and cell state (>= 1).
    n_inputs : pixels per image (64 for the digits); must be a multiple of ``rows``.
    rows : sequence length (8: one image row per step).
    classes : number of outputs.
    seed : seed of torch's default initialization (the global RNG is restored afterwards).
    dtype : parameter dtype (float64 by default, as the core's MLPs).
    """

    def __init__(self, hidden: int = 32, *, n_inputs: int = 64, rows: int = 8, classes: int = 10, seed: int = 0,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        for name, v in (("hidden", hidden), ("n_inputs", n_inputs), ("rows", rows), ("classes", classes)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if n_inputs % rows:
            raise ValueError(f"n_inputs ({n_inputs}) must be a multiple of rows ({rows})")
        self.rows, self.step = rows, n_inputs // rows
        state = torch.random.get_rng_state()
        torch.manual_seed(int(seed))
        try:
            self.lstm = nn.LSTM(self.step, hidden, batch_first=True, dtype=dtype)
            self.out = nn.Linear(hidden, classes, dtype=dtype)
        finally:
            torch.random.set_rng_state(state)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.rows * self.step:
            raise ValueError(f"x must have shape (n, {self.rows * self.step}), got {tuple(x.shape)}")
        h, _ = self.lstm(x.reshape(-1, self.rows, self.step))
        return self.out(h[:, -1])
