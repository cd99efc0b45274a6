"""Small torch models, flat-parameter helpers and tiny synthetic data sets.

Everything second-order in the book (Hessians, Hessian-vector products, eigenvalues) works on
a **flat 1-D parameter vector**. This module turns an ``nn.Module`` plus data into such a
function::

    from lecture_code.core.models import mlp, spirals, make_loss_fn, flatten_params

    data = spirals(n=200, seed=0)                     # Dataset(X, y), float64 / int64
    model = mlp([2, 16, 16, 2], activation="tanh", seed=0)
    loss_fn = make_loss_fn(model, data.X, data.y, loss="cross_entropy")
    theta = flatten_params(model)                     # 1-D float64 tensor
    loss_fn(theta)                                    # scalar tensor, differentiable in theta

``loss_fn`` evaluates the model *functionally* at ``theta`` (``torch.func.functional_call``),
so it can be differentiated twice, vmapped, or fed to :mod:`lecture_code.core.hessian`, and it
never modifies the model. Models are float64 by default (Hessians need the precision).

Parameter order is ``model.named_parameters()`` order everywhere.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

__all__ = [
    "Dataset",
    "mlp",
    "num_params",
    "flatten_params",
    "unflatten_params",
    "set_flat_params",
    "make_loss_fn",
    "regression_data",
    "spirals",
    "xor_data",
    "blobs",
    "ACTIVATIONS",
    "LOSSES",
]


class Dataset(NamedTuple):
    """Inputs ``X`` (n, d) float64 and targets ``y``: (n,) int64 labels or (n, k) float64."""

    X: torch.Tensor
    y: torch.Tensor


ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "softplus": nn.Softplus,
    "gelu": nn.GELU,
    "linear": nn.Identity,
}

LOSSES: tuple[str, ...] = ("mse", "cross_entropy")


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def mlp(
    sizes: Sequence[int],
    activation: str = "tanh",
    *,
    bias: bool = True,
    seed: int | None = 0,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """A fully connected network ``Linear -> act -> ... -> Linear`` (no activation at the end).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths including input and output, e.g. ``[2, 16, 16, 1]``; at least 2 entries,
        all >= 1.
    activation : str
        One of :data:`ACTIVATIONS` (``"linear"`` gives a deep linear network).
    bias : bool
        Whether the linear layers have biases.
    seed : int or None
        Seed for torch's default initialisation (``None``: the global RNG is used as is).
    dtype : torch.dtype
        Parameter dtype, float64 by default.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output width, got {sizes!r}")
    for s in sizes:
        _check_int("every entry of sizes", s, 1)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    gen_state = None
    if seed is not None:
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(int(seed))
    try:
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b, bias=bias, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
    finally:
        if gen_state is not None:
            torch.random.set_rng_state(gen_state)
    return nn.Sequential(*layers)


def num_params(model: nn.Module) -> int:
    """Number of scalar parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())


def flatten_params(model: nn.Module) -> torch.Tensor:
    """All parameters of ``model`` concatenated into one detached 1-D tensor (a copy)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def unflatten_params(model: nn.Module, flat: torch.Tensor) -> dict[str, torch.Tensor]:
    """Split ``flat`` into ``{name: tensor}`` shaped like ``model``'s parameters.

    The tensors are views of ``flat`` (gradients flow through them), suitable for
    ``torch.func.functional_call(model, params, x)``.
    """
    n = num_params(model)
    if not isinstance(flat, torch.Tensor) or flat.ndim != 1 or flat.numel() != n:
        shape = tuple(flat.shape) if isinstance(flat, torch.Tensor) else type(flat).__name__
        raise ValueError(f"flat must be a 1-D tensor with {n} entries (the model's parameter count), got {shape}")
    out: dict[str, torch.Tensor] = {}
    i = 0
    for name, p in model.named_parameters():
        out[name] = flat[i : i + p.numel()].view_as(p)
        i += p.numel()
    return out


def set_flat_params(model: nn.Module, flat: torch.Tensor) -> nn.Module:
    """Copy ``flat`` into ``model``'s parameters in place; returns ``model``."""
    params = unflatten_params(model, flat)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(params[name])
    return model


def make_loss_fn(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = "mse",
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Turn ``(model, X, y, loss)`` into ``loss_fn(flat_params) -> scalar tensor``.

    Parameters
    ----------
    model : nn.Module
        Used only as a template (its parameters are not read or changed by ``loss_fn``).
    X, y : torch.Tensor
        The whole (full-batch) data set; ``X`` has ``len(y)`` rows.
    loss : {"mse", "cross_entropy"} or callable
        ``"mse"``: mean of squared errors ``mean((model(X) - y)²)`` (a 1-D ``y`` is compared
        with a single-output model's column); ``"cross_entropy"``: mean cross-entropy with
        integer labels ``y``; or any ``loss(output, y) -> scalar``.

    Returns
    -------
    callable
        ``loss_fn(theta)`` with ``theta`` a 1-D tensor of :func:`num_params` entries.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise ValueError("X and y must be torch tensors")
    if X.ndim < 1 or y.ndim < 1 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"X and y must have the same (non-zero) number of rows, got {tuple(X.shape)} and {tuple(y.shape)}")
    if callable(loss):
        crit = loss
    elif loss == "mse":
        def crit(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            if target.ndim == 1 and out.ndim == 2 and out.shape[1] == 1:
                out = out[:, 0]
            return ((out - target) ** 2).mean()
    elif loss == "cross_entropy":
        if y.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"cross_entropy needs integer class labels y, got dtype {y.dtype}")

        def crit(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.cross_entropy(out, target)
    else:
        raise ValueError(f"loss must be one of {LOSSES} or a callable, got {loss!r}")

    def loss_fn(theta: torch.Tensor) -> torch.Tensor:
        return crit(functional_call(model, unflatten_params(model, theta), (X,)), y)

    return loss_fn


# --- tiny synthetic data sets -------------------------------------------------------------

def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(seed)


def regression_data(n: int = 64, d: int = 2, noise: float = 0.05, seed: int | None = 0) -> Dataset:
    """A smooth 1-output regression task: y = sin(2·x₁) · cos(x₂) + ... + noise.

    ``X`` is uniform on [−1.5, 1.5]^d, ``y`` has shape (n,). Use ``loss="mse"``.
    """
    n = _check_int("n", n, 1)
    d = _check_int("d", d, 1)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    r = _rng(seed)
    X = r.uniform(-1.5, 1.5, size=(n, d))
    y = np.sin(2 * X[:, 0])
    for j in range(1, d):
        y = y * np.cos(X[:, j] / j)
    y = y + noise * r.standard_normal(n)
    return Dataset(torch.tensor(X), torch.tensor(y))


def spirals(n: int = 200, classes: int = 2, noise: float = 0.1, turns: float = 1.0, seed: int | None = 0) -> Dataset:
    """Interleaved 2-D spirals, ``classes`` arms with ``n // classes`` points each.

    Labels are int64 in ``0..classes-1``; use ``loss="cross_entropy"``.
    """
    n = _check_int("n", n, 2)
    classes = _check_int("classes", classes, 2)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    if not (math.isfinite(turns) and turns > 0):
        raise ValueError(f"turns must be > 0, got {turns}")
    r = _rng(seed)
    m = n // classes
    Xs, ys = [], []
    for c in range(classes):
        t = np.linspace(0.15, 1.0, m)
        ang = 2 * np.pi * turns * t + 2 * np.pi * c / classes
        pts = np.stack([t * np.cos(ang), t * np.sin(ang)], axis=1) * 2
        Xs.append(pts + noise * r.standard_normal(pts.shape))
        ys.append(np.full(m, c))
    return Dataset(torch.tensor(np.concatenate(Xs)), torch.tensor(np.concatenate(ys), dtype=torch.int64))


def xor_data(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> Dataset:
    """Noisy XOR: points around the four corners (±1, ±1), label 1 iff the signs differ."""
    n = _check_int("n", n, 4)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be >= 0, got {noise}")
    r = _rng(seed)
    s = r.choice([-1.0, 1.0], size=(n, 2))
    X = s + noise * r.standard_normal((n, 2))
    y = (s[:, 0] != s[:, 1]).astype(np.int64)
    return Dataset(torch.tensor(X), torch.tensor(y))


def blobs(n: int = 120, classes: int = 3, d: int = 2, spread: float = 0.6, seed: int | None = 0) -> Dataset:
    """Gaussian blobs around ``classes`` centres on a circle of radius 2 (higher ``d``: zero-padded)."""
    n = _check_int("n", n, 2)
    classes = _check_int("classes", classes, 2)
    d = _check_int("d", d, 2)
    if not (math.isfinite(spread) and spread > 0):
        raise ValueError(f"spread must be > 0, got {spread}")
    r = _rng(seed)
    lab = np.arange(n) % classes
    ang = 2 * np.pi * lab / classes
    centres = np.zeros((n, d))
    centres[:, 0], centres[:, 1] = 2 * np.cos(ang), 2 * np.sin(ang)
    X = centres + spread * r.standard_normal((n, d))
    return Dataset(torch.tensor(X), torch.tensor(lab, dtype=torch.int64))
