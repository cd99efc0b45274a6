"""The book's torch models and flat-parameter loss functions.

Why torch models exist beside the numpy MLP of :mod:`lecture_code.core.mlp`: Hessian-vector
products, Lanczos spectra and loss landscapes of networks with thousands of parameters need
autograd (twice) and ``torch.func``; batch normalization, skip connections and the 8×8 digits
experiments are torch modules. :func:`to_numpy_mlp` turns a plain :func:`mlp` into the numpy
MLP (same outputs and gradients; tested over random shapes and weights).

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

from typing import Any, Callable, Sequence

import numpy as np
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc
from torch import nn
from torch.func import functional_call

from lecture_code.core.synthetic import Dataset  # noqa: F401  (the data-set tuple, importable from here too)
from lecture_code.core.validate import check_int

__all__ = [
    "mlp",
    "num_params",
    "flatten_params",
    "unflatten_params",
    "set_flat_params",
    "make_loss_fn",
    "criterion",
    "to_numpy_mlp",
    "as_tensors",
    "Residual",
    "ACTIVATIONS",
    "LOSSES",
]


#: The activations :func:`mlp` accepts, by name (``"linear"``: none, a deep linear network).
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "softplus": nn.Softplus,
    "gelu": nn.GELU,
    "linear": nn.Identity,
}

#: The losses :func:`make_loss_fn` and :func:`~lecture_code.core.torch_bridge.train` accept by name (:func:`criterion`).
LOSSES: tuple[str, ...] = ("mse", "cross_entropy")


def mlp(
    sizes: Sequence[int],
    activation: str = "tanh",
    *,
    bias: bool = True,
    seed: int | None = 0,
    dtype: torch.dtype = torch.float64,
    batch_norm: bool = False,
    residual: bool = False,
) -> nn.Sequential:
    """A fully connected network ``Linear -> act -> ... -> Linear`` (no activation at the end).

    With ``batch_norm=True`` every hidden layer is ``Linear -> BatchNorm -> act`` (the
    lecture's placement, between the weights and the activation;
    :class:`lecture_code.core.batchnorm.BatchNorm`). With ``residual=True`` every hidden
    layer after the first adds its input to its output, ``h <- h + act(Linear(h))``
    (:class:`Residual`; all hidden widths must then be equal).

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
    batch_norm : bool
        Insert a batch-norm layer before every hidden activation.
    residual : bool
        Skip connections around every hidden layer but the first.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output width, got {sizes!r}")
    for s in sizes:
        check_int(s, "every entry of sizes", 1)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if residual and len(set(sizes[1:-1])) > 1:
        raise ValueError(f"residual=True needs equal hidden widths, got sizes {sizes!r}")
    gen_state = None
    if seed is not None:
        gen_state = torch.random.get_rng_state()
        torch.manual_seed(int(seed))
    try:
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            if i == len(sizes) - 2:  # output layer
                layers.append(nn.Linear(a, b, bias=bias, dtype=dtype))
                break
            hidden: list[nn.Module] = [nn.Linear(a, b, bias=bias, dtype=dtype)]
            if batch_norm:
                from lecture_code.core.batchnorm import BatchNorm

                hidden.append(BatchNorm(b, dtype=dtype))
            hidden.append(ACTIVATIONS[activation]())
            if residual and i > 0:
                layers.append(Residual(nn.Sequential(*hidden)))
            else:
                layers.extend(hidden)
    finally:
        if gen_state is not None:
            torch.random.set_rng_state(gen_state)
    return nn.Sequential(*layers)


class Residual(nn.Module):
    """A skip connection around ``block``: ``x -> x + block(x)``."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


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


def as_tensors(X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X, y)`` as torch tensors: ``X`` float64, ``y`` int64 labels if integer, else float64.

    Accepts the numpy :class:`~lecture_code.core.synthetic.Dataset` fields or tensors (returned as they are).
    """
    try:
        X = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X, dtype=np.float64))
        if not isinstance(y, torch.Tensor):
            y = np.asarray(y)
            y = torch.as_tensor(y.astype(np.int64) if y.dtype.kind in "iub" else y.astype(np.float64))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X and y must be arrays of numbers: {exc}") from None
    return X, y


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
    X, y : torch tensors or numpy arrays (see :func:`as_tensors`)
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
    X, y = as_tensors(X, y)
    if X.ndim < 1 or y.ndim < 1 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"X and y must have the same (non-zero) number of rows, got {tuple(X.shape)} and {tuple(y.shape)}")
    crit = criterion(loss, y)

    def loss_fn(theta: torch.Tensor) -> torch.Tensor:
        return crit(functional_call(model, unflatten_params(model, theta), (X,)), y)

    return loss_fn


def criterion(loss: str | Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
              y: torch.Tensor) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss ``(output, target) -> scalar`` named by ``loss`` for targets like ``y``.

    ``"mse"``: mean of squared errors ``mean((output - target)²)``, a 1-D target compared with a
    single-output model's column; ``"cross_entropy"``: mean cross-entropy with integer labels; a
    callable is returned as it is. The one definition :func:`make_loss_fn` and
    :func:`lecture_code.core.torch_bridge.train` use.
    """
    if callable(loss):
        return loss
    if loss == "mse":
        def mse(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            if target.ndim == 1 and out.ndim == 2 and out.shape[1] == 1:
                out = out[:, 0]
            return ((out - target) ** 2).mean()

        return mse
    if loss == "cross_entropy":
        if y.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"cross_entropy needs integer class labels y, got dtype {y.dtype}")

        def cross_entropy(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.cross_entropy(out, target)

        return cross_entropy
    raise ValueError(f"loss must be one of {LOSSES} or a callable, got {loss!r}")


def to_numpy_mlp(model: nn.Module) -> tuple[Any, np.ndarray]:
    """The numpy MLP computing what the torch ``model`` computes, and its flat parameters.

    ``model`` must be a plain :func:`mlp` with one output: ``Linear`` layers with biases and one
    hidden activation between them, ``tanh`` or ``relu`` (those of :class:`lecture_code.core.mlp.MLP`).
    Returns ``(MLP, theta)`` with ``theta`` of shape ``(P,)`` (float64, a copy).
    """
    from lecture_code.core.mlp import MLP

    numpy_name = {nn.Tanh: "tanh", nn.ReLU: "relu"}
    layers = list(model) if isinstance(model, nn.Sequential) else []
    linears = layers[0::2]
    acts = layers[1::2]
    names = {numpy_name.get(type(a)) for a in acts}
    if (not linears or len(linears) != len(acts) + 1 or not all(isinstance(m, nn.Linear) and m.bias is not None
                                                                 for m in linears)
            or len(names) > 1 or None in names or linears[-1].out_features != 1):
        raise ValueError("model must be an mlp(...) of Linear layers with biases, one tanh or relu activation "
                         f"between them and one output, got {model}")
    sizes = (linears[0].in_features, *(m.out_features for m in linears))
    net = MLP(sizes, names.pop() if names else "tanh")
    theta = net.pack([(m.weight.detach().cpu().double().numpy(), m.bias.detach().cpu().double().numpy())
                      for m in linears])
    return net, theta
