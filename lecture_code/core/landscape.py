"""Looking at a loss landscape: directions, lines, planes, grids, curves and aligned units.

A network's loss is a function of its flat parameter vector θ (``lecture_code.core.models``:
``make_loss_fn``, ``flatten_params``). Everything here evaluates it on low-dimensional
slices of weight space::

    from lecture_code.core.landscape import (
        random_direction, loss_grid, interpolate, train_bezier, bezier, align_units)

    d1 = random_direction(model, theta, seed=1)                  # filter-normalized
    d2 = random_direction(model, theta, seed=2)
    Z = loss_grid(model, X, y, theta, d1, d2, xs, ys)           # Z[i, j] = L(θ + xs[j] d1 + ys[i] d2)
    line = interpolate(model, X, y, theta_a, theta_b, alphas)    # L((1 − α) θ_a + α θ_b)

* **Filter normalization** (Li et al. 2018): a random Gaussian direction ``d`` is rescaled
  so that each neuron's incoming weights (a row of a weight matrix: a "filter" of a fully
  connected layer) have the norm of that neuron's weights in θ,
  ``d_i ← d_i · ‖θ_i‖ / ‖d_i‖``; directions of biases and batch-norm parameters are set to
  zero. A network whose layers are rescaled without changing its function (ReLU:
  ``W₁ → cW₁, b₁ → cb₁, W₂ → W₂/c``) then gets exactly the same picture.
* **Batched evaluation** (:func:`batched_loss`): the loss at many parameter vectors at once.
  ``method="stacked"`` runs a chunk of networks as one: their weight matrices stacked into a
  (k, out, in) tensor, the first layer as one matrix product of the shared inputs with all k
  weight matrices side by side, the others as ``torch.bmm`` (works for the core's MLPs:
  linear layers, elementwise activations, skip connections, batch norm).
  ``method="loop"`` evaluates one point after the other (the reference, and any model);
  ``method="vmap"`` maps ``functional_call`` over a chunk with ``torch.func.vmap`` (any
  model). ``make bench`` (``benchmarks/bench_landscape.py``, one thread) compares them: vmap
  was *slower* than the loop for the chapter's 8,970-parameter MLP on 1,000 digits (each
  point is already a large matrix product), the stacked evaluation faster than both, by a
  little for that network and by several times for small ones where the per-call overhead
  dominates. The default ``"auto"`` takes ``"stacked"`` where it applies and the loop
  elsewhere.
* **Mode connectivity** (Garipov et al. 2018): a quadratic Bézier curve
  ``φ(t) = (1−t)² θ_a + 2t(1−t) θ_m + t² θ_b`` whose middle point θ_m is trained to make the
  loss low along the whole curve (one random ``t`` per step).
* **Unit alignment**: permute the hidden units of one network to match another's
  (activation matching: the permutation maximizing the summed correlation of matched units'
  activations, found by the Hungarian method, ``scipy.optimize.linear_sum_assignment``; the
  matching of Li et al. 2016, used for mode connectivity by Tatro et al. 2020 and, as
  "activation matching", by Ainsworth et al. 2023).
* **Rescaling units** (:func:`rescale_units`): ReLU's positive homogeneity,
  ``relu(cz) = c·relu(z)``, lets a unit's incoming weights and bias be multiplied by ``c > 0``
  and its outgoing weights by ``1/c`` without changing the function -- one unit, or a whole layer.
* **Barriers** (:func:`barrier`): how far the loss along a path rises above the straight
  line between its end values (Frankle et al. 2020; Entezari et al. 2022).
* **Dropout-stable paths** (Kuditipudi et al. 2019): :func:`dropout_subnetwork` keeps half
  of the units of every hidden layer (outgoing weights doubled); :func:`dropout_path` joins
  two networks by a piecewise-linear path whose every segment either changes only weights
  of units that no longer influence the output (the loss is constant) or only the output
  layer (the loss is convex there), so the loss on the path never exceeds the largest loss
  of its end points and of the networks' dropout subnetworks.
* **Smoothness along the gradient** (Santurkar et al. 2018): how much the loss and the
  gradient change along a gradient step.
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
from torch.func import functional_call, vmap

from lecture_code.core.batchnorm import BatchNorm, frozen_running_stats
from lecture_code.core.models import ACTIVATIONS, Residual, as_tensors, make_loss_fn, num_params, unflatten_params
from lecture_code.core.optimizers import adam
from lecture_code.core.torch_bridge import BridgeOptimizer

__all__ = [
    "NORMALIZATIONS",
    "METHODS",
    "random_direction",
    "stacked_supported",
    "batched_loss",
    "loss_grid",
    "interpolate",
    "Plane",
    "plane_through",
    "bezier",
    "BezierFit",
    "train_bezier",
    "hidden_layers",
    "hidden_activations",
    "permute_hidden",
    "matching_permutation",
    "align_units",
    "GradientProbe",
    "gradient_probe",
    "rescale_units",
    "barrier",
    "dropout_subnetwork",
    "DropoutPath",
    "dropout_path",
    "path_losses",
]

#: Ways to scale a random direction: per neuron (Li et al.), per layer, or not at all.
NORMALIZATIONS = ("filter", "layer", "none")
#: Ways :func:`batched_loss` evaluates many parameter vectors.
METHODS = ("auto", "stacked", "loop", "vmap")
#: Bytes of one layer's activations for a whole chunk that the stacked evaluation aims at
#: (a chunk's matrices then stay in the cache; measured in benchmarks/bench_landscape.py).
_CHUNK_BYTES = 4_000_000
_ELEMENTWISE = tuple(set(ACTIVATIONS.values()))


def _check_theta(model: nn.Module, theta: torch.Tensor, name: str = "theta") -> torch.Tensor:
    n = num_params(model)
    if not isinstance(theta, torch.Tensor) or theta.ndim != 1 or theta.numel() != n:
        shape = tuple(theta.shape) if isinstance(theta, torch.Tensor) else type(theta).__name__
        raise ValueError(f"{name} must be a 1-D tensor with {n} entries (the model's parameter count), got {shape}")
    return theta


def random_direction(
    model: nn.Module,
    theta: torch.Tensor,
    seed: int = 0,
    normalization: str = "filter",
) -> torch.Tensor:
    """A random direction in weight space, scaled to the weights ``theta``.

    Parameters
    ----------
    model : the network (its parameter shapes and order).
    theta : flat parameters the direction is scaled to.
    seed : seed of the Gaussian draw (the same seed gives the same raw draw for any
        normalization, so the three can be compared).
    normalization : ``"filter"`` (per neuron: each row of each weight matrix gets the norm of
        the same row of ``theta``), ``"layer"`` (each weight matrix gets the norm of the
        matrix in ``theta``) or ``"none"`` (the raw standard Gaussian draw). In all three,
        one-dimensional parameters (biases, batch-norm γ and β) get a zero direction.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    theta = _check_theta(model, theta)
    gen = torch.Generator().manual_seed(int(seed))
    raw = torch.randn(theta.numel(), generator=gen, dtype=theta.dtype)
    out = torch.zeros_like(theta)
    pos = 0
    for _, p in model.named_parameters():
        n = p.numel()
        if p.ndim >= 2:
            r = raw[pos:pos + n].reshape(p.shape[0], -1)
            w = theta[pos:pos + n].reshape(p.shape[0], -1)
            if normalization == "filter":
                r = r * (w.norm(dim=1, keepdim=True) / r.norm(dim=1, keepdim=True).clamp_min(1e-12))
            elif normalization == "layer":
                r = r * (w.norm() / r.norm().clamp_min(1e-12))
            out[pos:pos + n] = r.reshape(-1)
        pos += n
    return out


def stacked_supported(model: nn.Module, loss: str | Callable = "cross_entropy") -> bool:
    """Whether :func:`batched_loss` can evaluate ``model`` with ``method="stacked"``.

    The core's MLPs qualify (``nn.Sequential`` of ``nn.Linear``, the activations of
    :data:`lecture_code.core.models.ACTIVATIONS`, :class:`~lecture_code.core.models.Residual`
    and :class:`~lecture_code.core.batchnorm.BatchNorm`), with a named loss.
    """
    if loss not in ("cross_entropy", "mse") or not isinstance(model, nn.Sequential):
        return False
    return all(isinstance(m, (nn.Sequential, nn.Linear, Residual, BatchNorm, *_ELEMENTWISE)) for m in model.modules())


#: In-place versions of elementwise activations (the stacked pass owns its intermediate tensors;
#: fewer multi-megabyte allocations is most of its speed).
_INPLACE = {nn.ReLU: torch.relu_, nn.Tanh: torch.tanh_, nn.Sigmoid: torch.sigmoid_}


def _stacked_forward(m: nn.Module, h: torch.Tensor, P: dict[str, torch.Tensor], prefix: str,
                     shared: bool) -> tuple[torch.Tensor, bool]:
    """Forward pass of k networks at once. ``h`` is (n, d) while it is the same for all k
    (``shared``), then (k, n, d); ``P[name]`` holds the k values of parameter ``name``."""
    if isinstance(m, nn.Sequential):
        for name, child in m.named_children():
            h, shared = _stacked_forward(child, h, P, f"{prefix}{name}.", shared)
        return h, shared
    if isinstance(m, Residual):
        out, out_shared = _stacked_forward(m.block, h, P, f"{prefix}block.", shared)
        return (h + out if out_shared or out is h else out.add_(h)), shared and out_shared
    if isinstance(m, nn.Linear):
        W = P[prefix + "weight"]                                   # (k, out, in)
        b = P.get(prefix + "bias")
        k, n_out, n_in = W.shape
        if shared:   # one product of the shared inputs with all k matrices side by side: (n, k·out)
            flat = W.reshape(k * n_out, n_in).T
            out = torch.addmm(b.reshape(-1), h, flat) if b is not None else h @ flat
            return out.reshape(h.shape[0], k, n_out).transpose(0, 1), False   # a (k, n, out) view
        if b is not None:
            return torch.baddbmm(b.unsqueeze(1), h, W.transpose(1, 2)), False
        return torch.bmm(h, W.transpose(1, 2)), False
    if isinstance(m, BatchNorm):   # the formulas of core.batchnorm.batch_norm, per network
        if m.training:
            mean = h.mean(dim=-2, keepdim=True)
            var = ((h - mean) ** 2).mean(dim=-2, keepdim=True)
        else:
            mean, var = m.running_mean, m.running_var
        x_hat = (h - mean) / torch.sqrt(var + m.eps)
        return x_hat.mul_(P[prefix + "weight"].unsqueeze(1)).add_(P[prefix + "bias"].unsqueeze(1)), False
    if not shared and type(m) in _INPLACE:                         # elementwise activation
        return _INPLACE[type(m)](h), shared
    return m(h), shared


def _stacked_losses(model: nn.Module, X: torch.Tensor, y: torch.Tensor, thetas: torch.Tensor, loss: str) -> torch.Tensor:
    """The loss of every row of ``thetas`` (k of them) in one stacked forward pass."""
    k = thetas.shape[0]
    P, pos = {}, 0
    for name, p in model.named_parameters():
        P[name] = thetas[:, pos:pos + p.numel()].reshape(k, *p.shape)
        pos += p.numel()
    out, shared = _stacked_forward(model, X, P, "", True)
    if shared:
        out = out.expand(k, *out.shape)
    if loss == "cross_entropy":   # mean over samples of logsumexp(out) − out[label]
        picked = out.gather(2, y.view(1, -1, 1).expand(k, -1, 1)).squeeze(2)
        return (torch.logsumexp(out, dim=2) - picked).mean(dim=1)
    if y.ndim == 1 and out.shape[-1] == 1:
        out = out[..., 0]
    return ((out - y) ** 2).reshape(k, -1).mean(dim=1)


def batched_loss(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    thetas: torch.Tensor,
    *,
    loss: str = "cross_entropy",
    chunk: int | None = None,
    method: str = "auto",
) -> np.ndarray:
    """The loss at every row of ``thetas`` (shape (k, n_params)) as a float64 array of k values.

    ``method``: ``"stacked"`` evaluates ``chunk`` networks at a time as one stacked network
    (see the module docstring; the core's MLPs only, :func:`stacked_supported`); ``"loop"``
    one after the other (the reference); ``"vmap"`` ``chunk`` at a time with
    ``torch.func.vmap``; ``"auto"`` (default) is ``"stacked"`` where it applies, else
    ``"loop"``. ``chunk=None`` picks a chunk whose activations take about 4 MB (stacked) or 64.
    Batch-norm layers are evaluated in the model's current mode with frozen running statistics.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"chunk must be an integer >= 1 or None, got {chunk!r}")
    n = num_params(model)
    if not isinstance(thetas, torch.Tensor) or thetas.ndim != 2 or thetas.shape[1] != n:
        shape = tuple(thetas.shape) if isinstance(thetas, torch.Tensor) else type(thetas).__name__
        raise ValueError(f"thetas must have shape (k, {n}), got {shape}")
    loss_fn = make_loss_fn(model, X, y, loss)      # also checks X, y and loss
    if method == "auto":
        method = "stacked" if stacked_supported(model, loss) else "loop"
    elif method == "stacked" and not stacked_supported(model, loss):
        raise ValueError("method='stacked' needs one of the core's MLPs and loss 'cross_entropy' or 'mse'"
                         " (see stacked_supported); use method='loop' or 'vmap'")
    out = np.empty(thetas.shape[0])
    with torch.no_grad(), frozen_running_stats(model):
        if method == "loop":
            for i in range(thetas.shape[0]):
                out[i] = float(loss_fn(thetas[i]))
        elif method == "vmap":
            batched = vmap(loss_fn)
            for s in range(0, thetas.shape[0], chunk or 64):
                out[s:s + (chunk or 64)] = batched(thetas[s:s + (chunk or 64)]).numpy()
        else:
            Xt, yt = as_tensors(X, y)
            widest = max(p.shape[0] for p in model.parameters())
            step = chunk or max(1, min(256, _CHUNK_BYTES // (Xt.shape[0] * widest * Xt.element_size())))
            for s in range(0, thetas.shape[0], step):
                out[s:s + step] = _stacked_losses(model, Xt, yt, thetas[s:s + step], loss).numpy()
    return out


def loss_grid(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    theta: torch.Tensor,
    d1: torch.Tensor,
    d2: torch.Tensor,
    xs: Sequence[float],
    ys: Sequence[float],
    *,
    loss: str = "cross_entropy",
    chunk: int | None = None,
    method: str = "auto",
) -> np.ndarray:
    """``Z[i, j] = L(θ + xs[j]·d1 + ys[i]·d2)`` on the grid ``xs × ys`` (see :func:`batched_loss`)."""
    theta = _check_theta(model, theta)
    d1 = _check_theta(model, d1, "d1")
    d2 = _check_theta(model, d2, "d2")
    a = torch.as_tensor(np.asarray(xs, dtype=float), dtype=theta.dtype)
    b = torch.as_tensor(np.asarray(ys, dtype=float), dtype=theta.dtype)
    if a.ndim != 1 or b.ndim != 1 or a.numel() == 0 or b.numel() == 0:
        raise ValueError("xs and ys must be non-empty 1-D sequences of numbers")
    B, A = torch.meshgrid(b, a, indexing="ij")
    points = theta + A.reshape(-1, 1) * d1 + B.reshape(-1, 1) * d2
    return batched_loss(model, X, y, points, loss=loss, chunk=chunk, method=method).reshape(len(b), len(a))


def interpolate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    theta_a: torch.Tensor,
    theta_b: torch.Tensor,
    alphas: Sequence[float],
    *,
    loss: str = "cross_entropy",
) -> np.ndarray:
    """The loss along the straight line ``(1 − α) θ_a + α θ_b`` (Goodfellow et al. 2015)."""
    theta_a = _check_theta(model, theta_a, "theta_a")
    theta_b = _check_theta(model, theta_b, "theta_b")
    al = torch.as_tensor(np.asarray(alphas, dtype=float), dtype=theta_a.dtype).reshape(-1, 1)
    return batched_loss(model, X, y, (1 - al) * theta_a + al * theta_b, loss=loss)


class Plane(NamedTuple):
    """The plane through three points: ``origin + x·u + y·v`` with orthonormal ``u``, ``v``.

    ``coords`` holds the (x, y) coordinates of the three points (the first is (0, 0)).
    """

    origin: torch.Tensor
    u: torch.Tensor
    v: torch.Tensor
    coords: np.ndarray


def plane_through(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> Plane:
    """The plane through ``a``, ``b``, ``c`` (Gram–Schmidt on ``b − a`` and ``c − a``)."""
    u = b - a
    if float(u.norm()) == 0:
        raise ValueError("plane_through: a and b must differ")
    u = u / u.norm()
    w = (c - a) - ((c - a) @ u) * u
    if float(w.norm()) < 1e-12 * float((c - a).norm() + 1):
        raise ValueError("plane_through: the three points lie on a line")
    v = w / w.norm()
    coords = np.array([[0.0, 0.0], [float((b - a) @ u), float((b - a) @ v)], [float((c - a) @ u), float((c - a) @ v)]])
    return Plane(a, u, v, coords)


def bezier(theta_a: torch.Tensor, theta_m: torch.Tensor, theta_b: torch.Tensor, t) -> torch.Tensor:
    """Points of the quadratic Bézier curve ``(1−t)² θ_a + 2t(1−t) θ_m + t² θ_b``.

    ``t`` a number gives one point (1-D); a sequence gives one row per value.
    """
    tt = torch.as_tensor(np.asarray(t, dtype=float), dtype=theta_a.dtype)
    if tt.ndim == 0:
        return (1 - tt) ** 2 * theta_a + 2 * tt * (1 - tt) * theta_m + tt ** 2 * theta_b
    tt = tt.reshape(-1, 1)
    return (1 - tt) ** 2 * theta_a + 2 * tt * (1 - tt) * theta_m + tt ** 2 * theta_b


class BezierFit(NamedTuple):
    theta_m: torch.Tensor   # the trained middle point
    losses: np.ndarray      # loss at the sampled t, per step


def train_bezier(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    theta_a: torch.Tensor,
    theta_b: torch.Tensor,
    *,
    steps: int = 1000,
    lr: float = 0.01,
    seed: int = 0,
    loss: str = "cross_entropy",
) -> BezierFit:
    """Train the middle point of a Bézier curve between two fixed end points (Garipov et al.).

    Starts at the midpoint of the straight line; every step draws ``t ~ U(0, 1)`` and takes
    an Adam step (the book's ``adam(lr, eps_inside_sqrt=False)``, i.e. ``torch.optim.Adam``'s
    algorithm, through :class:`~lecture_code.core.torch_bridge.BridgeOptimizer`) on ``L(φ(t))``
    with respect to θ_m only. Full-batch loss on ``(X, y)``.
    """
    theta_a = _check_theta(model, theta_a, "theta_a").detach()
    theta_b = _check_theta(model, theta_b, "theta_b").detach()
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be > 0, got {lr}")
    loss_fn = make_loss_fn(model, X, y, loss)
    theta_m = ((theta_a + theta_b) / 2).clone().requires_grad_(True)
    opt = BridgeOptimizer([theta_m], adam(lr, eps_inside_sqrt=False))
    gen = torch.Generator().manual_seed(int(seed))
    losses = np.empty(steps)
    with frozen_running_stats(model):
        for s in range(steps):
            t = torch.rand((), generator=gen, dtype=theta_a.dtype)
            value = loss_fn((1 - t) ** 2 * theta_a + 2 * t * (1 - t) * theta_m + t ** 2 * theta_b)
            opt.zero_grad()
            value.backward()
            opt.step()
            losses[s] = float(value.detach())
    return BezierFit(theta_m.detach().clone(), losses)


# --- hidden units: permutation and alignment --------------------------------------------------

def hidden_layers(model: nn.Module) -> list[str]:
    """Names of the linear layers of a plain MLP (``Linear``/activation only), in order.

    Raises ``ValueError`` for networks with batch norm or skip connections, whose units
    cannot be permuted one layer at a time by this module.
    """
    if not isinstance(model, nn.Sequential):
        raise ValueError(f"model must be an nn.Sequential MLP, got {type(model).__name__}")
    names = []
    for name, m in model.named_children():
        if isinstance(m, nn.Linear):
            names.append(name)
        elif any(True for _ in m.parameters()):
            raise ValueError(f"hidden units can be permuted only in plain MLPs; layer {name} is {type(m).__name__}")
    if len(names) < 2:
        raise ValueError("the model has no hidden layer")
    return names


def permute_hidden(model: nn.Module, theta: torch.Tensor, perms: Sequence[Sequence[int]]) -> torch.Tensor:
    """Parameters of the same function with hidden unit ``i`` of layer ``l`` taken from unit ``perms[l][i]``."""
    theta = _check_theta(model, theta)
    layers = hidden_layers(model)
    if len(perms) != len(layers) - 1:
        raise ValueError(f"perms must hold one permutation per hidden layer ({len(layers) - 1}), got {len(perms)}")
    params = {k: v.clone() for k, v in unflatten_params(model, theta.detach()).items()}
    for l, perm in enumerate(perms):
        p = torch.as_tensor(np.asarray(perm, dtype=np.int64))
        width = params[f"{layers[l]}.weight"].shape[0]
        if sorted(p.tolist()) != list(range(width)):
            raise ValueError(f"perms[{l}] must be a permutation of range({width}), got {list(perm)}")
        params[f"{layers[l]}.weight"] = params[f"{layers[l]}.weight"][p]
        if f"{layers[l]}.bias" in params:
            params[f"{layers[l]}.bias"] = params[f"{layers[l]}.bias"][p]
        params[f"{layers[l + 1]}.weight"] = params[f"{layers[l + 1]}.weight"][:, p]
    return torch.cat([params[name].reshape(-1) for name, _ in model.named_parameters()])


def hidden_activations(model: nn.Module, theta: torch.Tensor, X: torch.Tensor) -> list[torch.Tensor]:
    """The post-activation outputs of every hidden layer of a plain MLP at ``theta`` for inputs ``X``."""
    layers = hidden_layers(model)
    params = unflatten_params(model, _check_theta(model, theta).detach())
    children = list(model.named_children())
    acts, h = [], X
    with torch.no_grad():
        for k, (name, m) in enumerate(children):
            sub = {key.split(".", 1)[1]: v for key, v in params.items() if key.split(".", 1)[0] == name}
            h = functional_call(m, sub, (h,)) if sub else m(h)
            if not sub and k > 0 and children[k - 1][0] in layers[:-1]:
                acts.append(h)
    return acts


def matching_permutation(acts_a: torch.Tensor, acts_b: torch.Tensor) -> np.ndarray:
    """The permutation ``perm`` maximizing ``Σ_i corr(a_i, b_perm[i])`` (Hungarian method).

    ``acts_a``, ``acts_b``: (samples, units) activations of the same layer of two networks.
    Units that never vary get correlation 0 with everything.
    """
    from scipy.optimize import linear_sum_assignment

    a = np.asarray(acts_a, dtype=float)
    b = np.asarray(acts_b, dtype=float)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"acts_a and acts_b must be 2-D arrays of the same shape, got {a.shape} and {b.shape}")
    a = a - a.mean(0)
    b = b - b.mean(0)
    na = np.linalg.norm(a, axis=0)
    nb = np.linalg.norm(b, axis=0)
    corr = (a.T @ b) / np.maximum(np.outer(na, nb), 1e-12)
    rows, cols = linear_sum_assignment(corr, maximize=True)
    return cols[np.argsort(rows)]


def align_units(model: nn.Module, theta_a: torch.Tensor, theta_b: torch.Tensor, X: torch.Tensor) -> tuple[torch.Tensor, list[np.ndarray]]:
    """Permute the hidden units of network ``b`` to match those of ``a`` on inputs ``X``.

    Returns ``(theta_b_aligned, perms)``; ``theta_b_aligned`` computes the same function as
    ``theta_b``. Permuting one layer does not change any unit's activations in other layers
    (the next layer's columns are permuted with it), so each layer is matched on its own.
    """
    acts_a = hidden_activations(model, theta_a, X)
    acts_b = hidden_activations(model, theta_b, X)
    perms = [matching_permutation(a, b) for a, b in zip(acts_a, acts_b)]
    return permute_hidden(model, theta_b, perms), perms


# --- smoothness along the gradient (Santurkar et al.) ---------------------------------------

class GradientProbe(NamedTuple):
    """Loss and gradient along a gradient step ``θ − η g`` for the step sizes ``etas``."""

    etas: np.ndarray
    losses: np.ndarray          # L(θ − η g)
    grad_change: np.ndarray     # ‖∇L(θ − η g) − ∇L(θ)‖
    beta_smoothness: float      # max over η of ‖∇L(θ − η g) − ∇L(θ)‖ / ‖η g‖
    grad_norm: float            # ‖g‖
    curvature: float            # gᵀ H g / ‖g‖² (second derivative along the gradient)


def gradient_probe(loss_fn: Callable[[torch.Tensor], torch.Tensor], theta: torch.Tensor, etas: Sequence[float]) -> GradientProbe:
    """Santurkar et al.'s measurements at ``theta``: how predictive is the gradient?

    Moves along the negative gradient with each step size in ``etas`` and records the loss,
    the change of the gradient, the largest ratio of gradient change to step length (an
    "effective β-smoothness", a local Lipschitz constant of the gradient) and the curvature
    ``gᵀHg/‖g‖²`` from a Hessian-vector product.
    """
    from lecture_code.core.hessian import hvp

    etas = np.asarray(etas, dtype=float)
    if etas.ndim != 1 or etas.size == 0 or np.any(etas <= 0):
        raise ValueError("etas must be a non-empty 1-D sequence of step sizes > 0")
    theta = theta.detach()

    def grad_at(p: torch.Tensor) -> tuple[float, torch.Tensor]:
        p = p.clone().requires_grad_(True)
        value = loss_fn(p)
        (g,) = torch.autograd.grad(value, p)
        return float(value.detach()), g

    _, g = grad_at(theta)
    losses, changes = np.empty(etas.size), np.empty(etas.size)
    for i, eta in enumerate(etas):
        losses[i], g2 = grad_at(theta - eta * g)
        changes[i] = float((g2 - g).norm())
    gn = float(g.norm())
    curv = float(g @ hvp(loss_fn, theta, g)) / max(gn ** 2, 1e-300)
    return GradientProbe(etas, losses, changes, float(np.max(changes / (etas * max(gn, 1e-300)))), gn, curv)


# --- rescaling, barriers and dropout-stable paths ---------------------------------------------

def _layer_params(model: nn.Module, theta: torch.Tensor) -> tuple[list[str], list[torch.Tensor], list[torch.Tensor | None]]:
    """(linear layer names, weight copies, bias copies or None) of a plain MLP at ``theta``."""
    layers = hidden_layers(model)
    params = {k: v.clone() for k, v in unflatten_params(model, _check_theta(model, theta).detach()).items()}
    return layers, [params[f"{n}.weight"] for n in layers], [params.get(f"{n}.bias") for n in layers]


def _flat(model: nn.Module, layers: list[str], W: list[torch.Tensor], b: list[torch.Tensor | None]) -> torch.Tensor:
    values = {}
    for n, w, bb in zip(layers, W, b):
        values[f"{n}.weight"] = w
        if bb is not None:
            values[f"{n}.bias"] = bb
    return torch.cat([values[name].reshape(-1) for name, _ in model.named_parameters()])


def rescale_units(model: nn.Module, theta: torch.Tensor, c: float, *, layer: int = 0,
                  units: Sequence[int] | None = None) -> torch.Tensor:
    """Parameters of the same ReLU network with hidden ``units`` of hidden layer ``layer`` rescaled by ``c``.

    Each unit's incoming weights and bias are multiplied by ``c > 0`` and its outgoing weights
    (a column of the next weight matrix) by ``1/c``; ``relu(cz) = c·relu(z)`` makes this the
    same function. ``units=None`` rescales the whole layer (every row of its weight matrix and
    every column of the next).
    """
    if not (c > 0 and math.isfinite(c)):
        raise ValueError(f"c must be > 0, got {c}")
    layers, W, b = _layer_params(model, theta)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(layers) - 1:
        raise ValueError(f"layer must be an integer in [0, {len(layers) - 2}] (a hidden layer), got {layer!r}")
    width = W[layer].shape[0]
    idx = list(range(width)) if units is None else [int(u) for u in units]
    if not idx or any(not 0 <= u < width for u in idx):
        raise ValueError(f"units must be indices in [0, {width - 1}], got {units!r}")
    W[layer][idx] *= c
    if b[layer] is not None:
        b[layer][idx] *= c
    W[layer + 1][:, idx] /= c
    return _flat(model, layers, W, b)


def barrier(losses: Sequence[float], ts: Sequence[float] | None = None) -> float:
    """Height of the loss along a path above the straight line between its end values.

    ``max_i [L(t_i) − ((1 − t_i) L(t_0) + t_i L(t_end))]`` with ``t`` rescaled to [0, 1]
    (``ts=None``: equally spaced). 0 for a path on which the loss is convex or monotone between
    equal ends; for a straight line between two networks, the "loss barrier" of Frankle et al.
    (2020) and Entezari et al. (2022).
    """
    L = np.asarray(losses, dtype=float)
    if L.ndim != 1 or L.size < 2 or not np.all(np.isfinite(L)):
        raise ValueError("losses must be a 1-D sequence of at least 2 finite numbers")
    t = np.linspace(0, 1, L.size) if ts is None else np.asarray(ts, dtype=float)
    if t.shape != L.shape or not np.all(np.diff(t) > 0):
        raise ValueError("ts must be increasing and have as many entries as losses")
    t = (t - t[0]) / (t[-1] - t[0])
    return float(np.max(L - ((1 - t) * L[0] + t * L[-1])))


def _halves(width: int) -> tuple[torch.Tensor, torch.Tensor]:
    if width % 2:
        raise ValueError(f"dropout paths need hidden layers of even width, got {width}")
    return torch.arange(width // 2), torch.arange(width // 2, width)


def dropout_subnetwork(model: nn.Module, theta: torch.Tensor, keep: Sequence[Sequence[bool]]) -> torch.Tensor:
    """Parameters of ``theta``'s network with the units not in ``keep`` dropped and the kept ones rescaled.

    ``keep[l]`` (one boolean per unit of hidden layer ``l``) marks the units that stay; the
    outgoing weights of dropped units are set to 0 and those of kept units multiplied by
    ``width / kept`` (2 when half the units stay) -- one dropout mask, applied with the
    "inverted dropout" scaling (Kuditipudi et al. 2019's ε-dropout stability asks that some
    such half-network lose at most ε).
    """
    layers, W, b = _layer_params(model, theta)
    if len(keep) != len(layers) - 1:
        raise ValueError(f"keep must hold one mask per hidden layer ({len(layers) - 1}), got {len(keep)}")
    for l, k in enumerate(keep):
        k = torch.as_tensor(np.asarray(k, dtype=bool))
        if k.shape != (W[l].shape[0],) or not bool(k.any()):
            raise ValueError(f"keep[{l}] must be {W[l].shape[0]} booleans with at least one True")
        W[l + 1][:, ~k] = 0
        W[l + 1][:, k] *= k.numel() / int(k.sum())
    return _flat(model, layers, W, b)


class DropoutPath(NamedTuple):
    """A piecewise-linear path between two networks (:func:`dropout_path`).

    ``frames`` (k+1, n_params): the corners of the path, from θ_a to θ_b. ``kinds[i]`` says how
    segment i (``frames[i] → frames[i+1]``) moves: ``"free"`` (only weights of units whose
    outgoing weights are 0: the function, hence the loss, is constant) or ``"output"`` (only
    the output layer: the loss is convex along it). ``labels[i]`` names the network at corner i.
    """

    frames: torch.Tensor
    kinds: list[str]
    labels: list[str]


def dropout_path(model: nn.Module, theta_a: torch.Tensor, theta_b: torch.Tensor) -> DropoutPath:
    """A path from θ_a to θ_b through the networks' dropout subnetworks (after Kuditipudi et al. 2019).

    Every hidden layer (even width n) is split into halves P = units [0, n/2) and Q = [n/2, n).
    A sheds its Q halves one layer at a time from the top (a copy of the thinner network is
    built in the units that no longer reach the output, then the output layer switches to it),
    until it is "A_d": only P halves, outgoing weights doubled. B's half-network "B_d" is built
    in the free halves and the output layer switches to it; then B's layers are restored one
    at a time from the bottom, moving units back to their own places where needed. Along
    ``"free"`` segments the loss is constant, along ``"output"`` segments it is convex, so its
    maximum over the path is the largest loss at a corner -- θ_a, θ_b and the dropout
    subnetworks in between. If keeping the P halves (outgoing weights doubled) raises the loss of
    both networks by at most ε, the path's barrier is at most ε (Kuditipudi et al.'s ε-dropout
    stability asks this of *some* halves; this path always uses the fixed halves P).

    Works for the core's plain MLPs (``Linear``/activation layers, positively homogeneous
    activations are not required: only the output layer is interpolated) with even hidden widths.
    """
    layers, W, b = _layer_params(model, theta_a)
    _, Wb, bb = _layer_params(model, theta_b)
    d = len(layers) - 1
    widths = [W[l].shape[0] for l in range(d)]
    H = [_halves(n) for n in widths]
    r = 2.0

    frames = [_flat(model, layers, W, b)]
    kinds: list[str] = []
    labels = ["A"]

    def span(lo: int) -> str:
        return f"hidden layer {d}" if lo == d else f"hidden layers {lo}–{d}"

    def push(kind: str, label: str) -> None:
        frames.append(_flat(model, layers, W, b))
        kinds.append(kind)
        labels.append(label)

    def moved(rows: torch.Tensor, l: int, src: int) -> torch.Tensor:
        """``rows`` (incoming weights from hidden layer l) reading half ``1 − src`` instead of half ``src``."""
        out = torch.zeros_like(rows)
        out[:, H[l][1 - src]] = rows[:, H[l][src]]
        return out

    def switch_output(src: int) -> None:
        W[d] = moved(W[d], d - 1, src)

    def copy_up(start: int, first: Callable[[torch.Tensor, torch.Tensor], tuple]) -> None:
        """Copy the active units of hidden layers ``start``.. into their free halves (same rank):
        layer ``start``'s copies get the rows and biases ``first(src, dst)`` returns, every
        layer above reads the copies below it instead of the originals."""
        for l in range(start, d):
            src, dst = H[l][act[l]], H[l][1 - act[l]]
            if l == start:
                rows, bias = first(src, dst)
            else:
                rows, bias = moved(W[l][src].clone(), l - 1, act[l - 1]), None if b[l] is None else b[l][src]
            W[l][dst] = rows
            if b[l] is not None:
                b[l][dst] = bias

    # --- A sheds its Q halves, top layer first -------------------------------------------
    act: list[int | None] = [None] * d          # which half holds the active units (None: all)
    W[d][:, H[d - 1][1]] = 0
    W[d][:, H[d - 1][0]] *= r
    act[d - 1] = 0
    push("output", f"A, hidden layer {d} halved")
    for m in range(d - 2, -1, -1):
        def halved(src, dst, m=m):   # the copies of layer m+1 read only layer m's P half, doubled
            rows = W[m + 1][src].clone()
            rows[:, H[m][1]] = 0
            rows[:, H[m][0]] *= r
            return rows, None if b[m + 1] is None else b[m + 1][src]

        copy_up(m + 1, halved)
        push("free", f"copy of A with {span(m + 1)} halved, built in unused units")
        switch_output(act[d - 1])
        for l in range(m + 1, d):
            act[l] = 1 - act[l]
        act[m] = 0
        push("output", f"A, {span(m + 1)} halved")
    labels[-1] = "A_d (A's dropout subnetwork)"

    # --- B's dropout subnetwork, in the free halves --------------------------------------
    for l in range(d):
        dst = H[l][1 - act[l]]
        rows = Wb[l][dst].clone()
        if l > 0:
            rows[:, H[l - 1][act[l - 1]]] = 0
            rows[:, H[l - 1][1 - act[l - 1]]] *= r
        W[l][dst] = rows
        if b[l] is not None:
            b[l][dst] = bb[l][dst]
    push("free", "B_d built in A_d's unused units")
    out = torch.zeros_like(W[d])
    out[:, H[d - 1][1 - act[d - 1]]] = Wb[d][:, H[d - 1][1 - act[d - 1]]] * r
    W[d] = out
    if b[d] is not None:
        b[d] = bb[d].clone()
    act = [1 - a for a in act]
    own = [True] * d                          # active units sit at their own positions in B
    push("output", "B_d (B's dropout subnetwork)")

    # --- B's layers restored, bottom layer first -------------------------------------------
    for m in range(d):
        if not own[m]:   # move the active units of layers m..d back to their own places first
            copy_up(m, lambda src, dst, m=m: (W[m][src].clone(), None if b[m] is None else b[m][src]))
            push("free", f"copy of B's active units of {span(m + 1)} in their own places")
            switch_output(act[d - 1])
            for l in range(m, d):
                act[l], own[l] = 1 - act[l], not own[l]
            push("output", "the same network, units moved")
        drop = H[m][1 - act[m]]                    # the half B_d dropped at layer m: B's own units
        W[m][drop] = Wb[m][drop]
        if b[m] is not None:
            b[m][drop] = bb[m][drop]
        if m + 1 < d:
            def restored(src, dst, m=m):   # B's kept units of layer m+1, reading all of layer m
                mine = src if own[m + 1] else dst
                return Wb[m + 1][mine].clone(), None if bb[m + 1] is None else bb[m + 1][mine]

            copy_up(m + 1, restored)
            push("free", f"B with {span(m + 2)} halved, built in unused units")
            switch_output(act[d - 1])
            for l in range(m + 1, d):
                act[l], own[l] = 1 - act[l], not own[l]
            act[m] = None
            push("output", f"B, {span(m + 2)} halved")
        else:
            push("free", f"B's units of hidden layer {d} restored")
            W[d] = Wb[d].clone()
            if b[d] is not None:
                b[d] = bb[d].clone()
            push("output", "B")
    return DropoutPath(torch.stack(frames), kinds, labels)


def path_losses(model: nn.Module, X: torch.Tensor, y: torch.Tensor, frames: torch.Tensor, points: int = 11,
                *, loss: str = "cross_entropy") -> tuple[np.ndarray, np.ndarray]:
    """The loss along the piecewise-linear path through ``frames``: ``(s, losses)``.

    Each segment is sampled at ``points`` equally spaced points (ends included, shared ends
    once); ``s`` runs from 0 to the number of segments (segment i is ``[i, i + 1]``).
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be an integer >= 2, got {points!r}")
    if not isinstance(frames, torch.Tensor) or frames.ndim != 2 or frames.shape[0] < 2:
        raise ValueError("frames must be a (k+1, n_params) tensor with k >= 1")
    u = torch.linspace(0, 1, points, dtype=frames.dtype)[:-1].reshape(-1, 1)
    pts = [frames[i] + u * (frames[i + 1] - frames[i]) for i in range(frames.shape[0] - 1)] + [frames[-1:]]
    s = np.concatenate([i + u.numpy().ravel() for i in range(frames.shape[0] - 1)] + [[frames.shape[0] - 1.0]])
    return s, batched_loss(model, X, y, torch.cat(pts), loss=loss)
