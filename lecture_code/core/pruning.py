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

**Strong lottery tickets** (Ramanujan et al. 2020, "edge-popup"): a subnetwork of a network
whose weights stay at their *random* initial values, found without training any weight. Every
weight gets a score ``s``; the forward pass uses the weights whose ``|s|`` is among the
largest ``fraction`` of their layer (:func:`top_fraction_mask`), and the scores are trained
through the mask as if it were the identity (a straight-through gradient):
``∂L/∂s = ∂L/∂w_eff · w · sign(s)`` with ``w_eff = w ⊙ mask``. :func:`edge_popup` does this for
a bias-free ReLU MLP given as a list of weight matrices (:func:`signed_constant_weights` draws
Ramanujan et al.'s "signed Kaiming constant" weights ``±√(2/fan_in)``, here divided by
``√fraction`` so the kept subnetwork's signals keep their scale).

Masks are dicts ``{parameter name: bool tensor}`` over the weight matrices (biases are never
pruned). :func:`apply_masks` zeroes the pruned weights and masks their gradients, so any
optimizer that leaves zero-gradient weights in place (SGD, Adam started from zero state)
trains the sparse network.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np

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
    "signed_constant_weights",
    "top_fraction_mask",
    "masked_mlp",
    "EdgePopup",
    "edge_popup",
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


# --- strong lottery tickets: edge-popup ---------------------------------------------------------

def signed_constant_weights(sizes: Sequence[int], *, fraction: float = 1.0, seed: int = 0,
                            dtype: torch.dtype = torch.float64) -> list[torch.Tensor]:
    """Random weight matrices ``±√(2 / fan_in) / √fraction`` with random signs, one per layer of ``sizes``.

    Ramanujan et al.'s "signed Kaiming constant" initialization, scaled for a subnetwork that
    keeps ``fraction`` of each layer's weights. Matrix ``l`` has shape ``(sizes[l+1], sizes[l])``.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
        raise ValueError(f"sizes must list at least two widths >= 1, got {sizes!r}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    gen = torch.Generator().manual_seed(int(seed))
    out = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        signs = torch.randint(0, 2, (b, a), generator=gen).to(dtype) * 2 - 1
        out.append(signs * math.sqrt(2.0 / a) / math.sqrt(fraction))
    return out


def top_fraction_mask(scores: torch.Tensor, fraction: float) -> torch.Tensor:
    """Boolean mask of the ``round(fraction · n)`` entries of ``scores`` with the largest ``|score|``.

    Ties are broken by position (the entry listed first wins), as in :func:`magnitude_prune`.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    flat = scores.detach().abs().reshape(-1)
    k = max(1, int(round(fraction * flat.numel())))
    order = torch.argsort(-flat, stable=True)
    mask = torch.zeros(flat.numel(), dtype=torch.bool)
    mask[order[:k]] = True
    return mask.reshape(scores.shape)


class _StraightThrough(torch.autograd.Function):
    """``w ⊙ mask(|s|)`` in the forward pass; the gradient reaches ``s`` as if the mask were ``|s|``'s identity."""

    @staticmethod
    def forward(ctx, weight: torch.Tensor, scores: torch.Tensor, fraction: float) -> torch.Tensor:
        ctx.save_for_backward(weight, scores)
        return weight * top_fraction_mask(scores, fraction).to(weight.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        weight, scores = ctx.saved_tensors
        return None, grad * weight * torch.sign(scores), None


def masked_mlp(weights: Sequence[torch.Tensor], masks: Sequence[torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """Outputs of the bias-free ReLU MLP with weight matrices ``weights[l] ⊙ masks[l]`` on inputs ``X``."""
    if len(weights) != len(masks) or not weights:
        raise ValueError(f"weights and masks must be non-empty lists of the same length, got {len(weights)} and {len(masks)}")
    h = X
    for l, (W, M) in enumerate(zip(weights, masks)):
        if M.shape != W.shape:
            raise ValueError(f"masks[{l}] has shape {tuple(M.shape)}, weights[{l}] {tuple(W.shape)}")
        h = h @ (W * M.to(W.dtype)).T
        if l < len(weights) - 1:
            h = torch.relu(h)
    return h


class EdgePopup(NamedTuple):
    """Result of :func:`edge_popup`: the trained scores, the masks they select and the loss history."""

    scores: list[torch.Tensor]
    masks: list[torch.Tensor]
    losses: np.ndarray          # mini-batch loss before each step


def edge_popup(
    weights: Sequence[torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    fraction: float,
    *,
    epochs: int = 60,
    batch: int = 50,
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> EdgePopup:
    """Find a subnetwork of the fixed random ``weights`` that classifies ``(X, y)`` (Ramanujan et al. 2020).

    Scores start uniform in ``±1/√fan_in``; every step selects each layer's top ``fraction``
    of ``|score|`` (:func:`top_fraction_mask`), runs the masked bias-free ReLU MLP on a
    mini-batch (``batch`` rows, reshuffled every epoch with ``seed``) and updates only the
    scores: SGD with ``momentum``, ``weight_decay`` on the scores and a cosine learning-rate
    schedule from ``lr`` to 0 (``torch.optim.lr_scheduler.CosineAnnealingLR``), the paper's
    recipe. The weights are never changed. Loss: cross-entropy with integer labels ``y``.
    """
    weights = [w.detach() for w in weights]
    if not weights:
        raise ValueError("weights must hold at least one matrix")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    for name, v in (("epochs", epochs), ("batch", batch)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be > 0, got {lr}")
    n = X.shape[0]
    if batch > n:
        raise ValueError(f"batch must be at most the number of rows of X ({n}), got {batch}")
    gen = torch.Generator().manual_seed(int(seed))
    scores = [((2 * torch.rand(w.shape, generator=gen, dtype=w.dtype) - 1) / math.sqrt(w.shape[1])).requires_grad_(True)
              for w in weights]
    opt = torch.optim.SGD(scores, lr=lr, momentum=momentum, weight_decay=weight_decay)
    per_epoch = n // batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * per_epoch)
    rng = np.random.default_rng(seed)
    losses = np.empty(epochs * per_epoch)
    t = 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for b in range(per_epoch):
            idx = torch.as_tensor(order[b * batch:(b + 1) * batch])
            h = X[idx]
            for l, (W, S) in enumerate(zip(weights, scores)):
                h = h @ _StraightThrough.apply(W, S, fraction).T
                if l < len(weights) - 1:
                    h = torch.relu(h)
            loss = torch.nn.functional.cross_entropy(h, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses[t] = float(loss.detach())
            t += 1
    final = [s.detach().clone() for s in scores]
    return EdgePopup(final, [top_fraction_mask(s, fraction) for s in final], losses)
