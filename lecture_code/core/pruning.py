"""Magnitude pruning with rewinding: the lottery-ticket procedure (Frankle & Carbin 2019).

The lecture's recipe, iterated::

    1. initialize a network (θ₀) and train it;
    2. prune: remove the smallest-magnitude weights (a fraction of those still present,
       per layer);
    3. reset the surviving weights to their values in θ₀ ("rewind");
    4. repeat 2–3, training the sparse network each time.

The control experiment keeps the *same masks* but draws fresh random initial values
("random reinitialization"): if the rewound network trains better, the initial values of
the surviving weights mattered, not just the sparse structure.

Masks are dicts ``{parameter name: bool tensor}`` over the weight matrices (biases are never
pruned). :func:`apply_masks` zeroes the pruned weights and masks their gradients, so any
optimizer that leaves zero-gradient weights in place (SGD, Adam started from zero state)
trains the sparse network.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc
from torch import nn

__all__ = [
    "Masks",
    "full_masks",
    "magnitude_prune",
    "apply_masks",
    "fraction_kept",
    "rewind",
    "TicketRound",
    "iterative_pruning",
]

Masks = dict[str, torch.Tensor]


def full_masks(model: nn.Module) -> Masks:
    """Masks keeping every weight matrix entry of ``model``."""
    return {name: torch.ones_like(p, dtype=torch.bool) for name, p in model.named_parameters() if p.ndim >= 2}


def magnitude_prune(model: nn.Module, masks: Masks, rate: float, *, last_layer_rate: float | None = None) -> Masks:
    """New masks without the ``rate`` fraction of smallest-magnitude weights still present in each layer.

    ``last_layer_rate`` prunes the output layer at a different rate (Frankle & Carbin prune it
    at half the rate). Ties are broken by position, so exactly ``round(rate · kept)`` weights
    are removed per layer.
    """
    if not (0.0 <= rate < 1.0):
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    if last_layer_rate is not None and not (0.0 <= last_layer_rate < 1.0):
        raise ValueError(f"last_layer_rate must be in [0, 1), got {last_layer_rate}")
    params = dict(model.named_parameters())
    names = list(masks)
    out: Masks = {}
    for name in names:
        if name not in params:
            raise ValueError(f"masks has {name!r}, which is not a parameter of the model")
        mask = masks[name]
        r = last_layer_rate if (last_layer_rate is not None and name == names[-1]) else rate
        w = params[name].detach().abs().reshape(-1)
        kept = torch.nonzero(mask.reshape(-1)).reshape(-1)
        n_remove = int(round(r * kept.numel()))
        new = mask.reshape(-1).clone()
        if n_remove > 0:
            order = torch.argsort(w[kept], stable=True)
            new[kept[order[:n_remove]]] = False
        out[name] = new.reshape(mask.shape)
    return out


def apply_masks(model: nn.Module, masks: Masks) -> list:
    """Zero the pruned weights of ``model`` and mask their gradients from now on.

    Returns the hook handles; call ``h.remove()`` on each to undo the gradient masking.
    """
    params = dict(model.named_parameters())
    handles = []
    with torch.no_grad():
        for name, mask in masks.items():
            p = params[name]
            if mask.shape != p.shape:
                raise ValueError(f"mask {name!r} has shape {tuple(mask.shape)}, the weight {tuple(p.shape)}")
            p.mul_(mask)
            m = mask.to(p.dtype)
            handles.append(p.register_hook(lambda g, m=m: g * m))
    return handles


def fraction_kept(masks: Masks) -> float:
    """Fraction of masked weights that are kept."""
    total = sum(m.numel() for m in masks.values())
    return sum(int(m.sum()) for m in masks.values()) / total


def rewind(model: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
    """Load the saved parameter values ``state`` (e.g. θ₀) into ``model`` in place."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(state[name])
    return model


class TicketRound(NamedTuple):
    kept: float            # fraction of weights kept
    accuracy: float        # test accuracy after training the rewound sparse network
    masks: Masks


def iterative_pruning(
    make_model: Callable[[], nn.Module],
    train_fn: Callable[[nn.Module], float],
    *,
    rounds: int,
    rate: float = 0.2,
    last_layer_rate: float | None = None,
) -> list[TicketRound]:
    """Iterative magnitude pruning with rewinding to the initial weights.

    ``make_model()`` returns a freshly initialized network (θ₀); ``train_fn(model)`` trains it
    in place (the masks are already applied) and returns its test accuracy. Round 0 trains the
    dense network; each further round prunes ``rate`` of the surviving weights per layer,
    rewinds to θ₀ and retrains.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise ValueError(f"rounds must be an integer >= 0, got {rounds!r}")
    model = make_model()
    theta0 = {k: v.detach().clone() for k, v in model.named_parameters()}
    masks = full_masks(model)
    out = []
    for r in range(rounds + 1):
        if r > 0:
            masks = magnitude_prune(model, masks, rate, last_layer_rate=last_layer_rate)
            rewind(model, theta0)
        handles = apply_masks(model, masks)
        acc = train_fn(model)
        for h in handles:
            h.remove()
        out.append(TicketRound(fraction_kept(masks), acc, masks))
    return out
