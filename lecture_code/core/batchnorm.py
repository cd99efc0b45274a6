"""Batch normalization (Ioffe & Szegedy 2015), written out as the lecture states it.

The algorithm, for one unit whose pre-activations over a mini-batch are ``x_1..x_m``::

    μ_B  = (1/m) Σ x_i                        # mini-batch mean
    σ²_B = (1/m) Σ (x_i − μ_B)²               # mini-batch variance (biased: divides by m)
    x̂_i  = (x_i − μ_B) / sqrt(σ²_B + ε)       # normalize
    y_i  = γ x̂_i + β                          # scale and shift (γ, β are trained)

At test time the mini-batch statistics are replaced by running averages collected during
training. Conventions (those of ``torch.nn.BatchNorm1d``, against which
``tests/test_landscape_batchnorm.py`` checks this module in train and eval mode):

* ``running ← (1 − momentum) · running + momentum · batch statistic`` with ``momentum = 0.1``;
* the running *variance* is updated with the **unbiased** batch variance (divided by m − 1),
  while the normalization itself uses the biased one;
* ``ε = 1e-5`` sits inside the square root.

:func:`batch_norm` is the pure function (inputs and state in, outputs and new state out);
:class:`BatchNorm` is the ``nn.Module`` that the core MLP inserts between a linear layer and
its activation (``mlp(..., batch_norm=True)``).
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterator, NamedTuple

try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc
from torch import nn

__all__ = ["BNState", "bn_init", "batch_norm", "BatchNorm", "frozen_running_stats"]


class BNState(NamedTuple):
    """Running statistics of one batch-norm layer (one entry per unit)."""

    running_mean: torch.Tensor
    running_var: torch.Tensor


def bn_init(num_features: int, dtype: torch.dtype = torch.float64) -> BNState:
    """Initial running statistics: mean 0, variance 1 (as torch)."""
    if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
        raise ValueError(f"num_features must be an integer >= 1, got {num_features!r}")
    return BNState(torch.zeros(num_features, dtype=dtype), torch.ones(num_features, dtype=dtype))


def _check(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, momentum: float, eps: float) -> None:
    if x.ndim != 2:
        raise ValueError(f"x must have shape (batch, features), got {tuple(x.shape)}")
    if gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(
            f"gamma and beta must have shape ({x.shape[1]},), got {tuple(gamma.shape)} and {tuple(beta.shape)}"
        )
    if not (0.0 <= momentum <= 1.0):
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"eps must be > 0, got {eps}")


def batch_norm(
    x: torch.Tensor,
    gamma: torch.Tensor,
    beta: torch.Tensor,
    state: BNState,
    *,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[torch.Tensor, BNState]:
    """One batch-norm layer: ``(y, new_state)`` for inputs ``x`` of shape (batch, features).

    ``training=True`` normalizes with the mini-batch statistics (batch size >= 2) and returns
    updated running statistics; ``training=False`` normalizes with ``state`` and returns it
    unchanged. Differentiable in ``x``, ``gamma`` and ``beta``.
    """
    _check(x, gamma, beta, momentum, eps)
    if not training:
        mean, var = state.running_mean, state.running_var
        return gamma * (x - mean) / torch.sqrt(var + eps) + beta, state
    m = x.shape[0]
    if m < 2:
        raise ValueError(f"batch norm in training mode needs a batch of at least 2 rows, got {m}")
    mean = x.mean(dim=0)                           # μ_B
    var = ((x - mean) ** 2).mean(dim=0)            # σ²_B (biased)
    x_hat = (x - mean) / torch.sqrt(var + eps)     # x̂
    y = gamma * x_hat + beta                       # γ x̂ + β
    with torch.no_grad():
        unbiased = var.detach() * m / (m - 1)
        new = BNState(
            (1 - momentum) * state.running_mean + momentum * mean.detach(),
            (1 - momentum) * state.running_var + momentum * unbiased,
        )
    return y, new


class BatchNorm(nn.Module):
    """:func:`batch_norm` as a layer with trainable ``weight`` (γ) and ``bias`` (β).

    Parameter names match ``torch.nn.BatchNorm1d`` (``weight``, ``bias``, buffers
    ``running_mean``, ``running_var``), so state dicts can be exchanged.
    Set ``update_stats = False`` (or use :func:`frozen_running_stats`) to evaluate in
    training mode without touching the running statistics, e.g. while probing the loss
    landscape or under ``torch.func.vmap``.
    """

    def __init__(self, num_features: int, *, momentum: float = 0.1, eps: float = 1e-5,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        state = bn_init(num_features, dtype)
        if not (0.0 <= momentum <= 1.0):
            raise ValueError(f"momentum must be in [0, 1], got {momentum}")
        if not (eps > 0 and math.isfinite(eps)):
            raise ValueError(f"eps must be > 0, got {eps}")
        self.num_features, self.momentum, self.eps = num_features, momentum, eps
        self.update_stats = True
        self.weight = nn.Parameter(torch.ones(num_features, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", state.running_mean)
        self.register_buffer("running_var", state.running_var)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        state = BNState(self.running_mean, self.running_var)
        y, new = batch_norm(x, self.weight, self.bias, state, training=self.training,
                            momentum=self.momentum, eps=self.eps)
        if self.training and self.update_stats:
            with torch.no_grad():
                self.running_mean.copy_(new.running_mean)
                self.running_var.copy_(new.running_var)
        return y

    def extra_repr(self) -> str:
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


@contextlib.contextmanager
def frozen_running_stats(model: nn.Module) -> Iterator[nn.Module]:
    """Within the block, :class:`BatchNorm` layers of ``model`` do not update running statistics."""
    layers = [m for m in model.modules() if isinstance(m, BatchNorm)]
    old = [m.update_stats for m in layers]
    for m in layers:
        m.update_stats = False
    try:
        yield model
    finally:
        for m, o in zip(layers, old):
            m.update_stats = o
