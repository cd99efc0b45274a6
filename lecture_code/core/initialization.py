"""Weight initialization and how a signal's variance travels through a deep network.

The variance rules, for a layer with ``fan_in`` inputs and ``fan_out`` outputs, weights
drawn with mean 0 (biases 0):

=========  ==========================  =========================================
scheme     Var(w)                      keeps ... of unit size
=========  ==========================  =========================================
LeCun      1 / fan_in                  forward pre-activations (linear/tanh regime)
Xavier     2 / (fan_in + fan_out)      a compromise between forward and backward
He         2 / fan_in                  forward pre-activations through ReLU
=========  ==========================  =========================================

Each variance can be drawn from a Gaussian, ``N(0, Var)``, or from a uniform distribution
``U(−a, a)`` with the same variance: ``Var(U(−a, a)) = a²/3``, so ``a = √(3 Var)``
(:func:`init_bound`). For Xavier that is Glorot & Bengio's "normalized initialization",
``a = √(6 / (fan_in + fan_out))``, the bound of ``torch.nn.init.xavier_uniform_``; for He it
is ``√(6 / fan_in)``, the bound of ``torch.nn.init.kaiming_uniform_(nonlinearity="relu")``
(``tests/test_initialization.py`` checks both against torch).

:func:`signal_propagation` measures, in a stack of ``depth`` square layers of ``width``
units with ``Var(w) = gain / width``, the variance of every layer's pre-activations on a
forward pass and of the loss gradient with respect to them on a backward pass;
:func:`mean_field_variances` predicts both with the mean-field recursion (width → ∞)::

    q_1 = gain · E[x²],     q_{l+1} = gain · E[φ(√q_l z)²]            (forward)
    δ_L = E[r²],            δ_l = gain · E[φ'(√q_l z)²] · δ_{l+1}     (backward)

with ``z ~ N(0, 1)``. For ReLU, ``E[φ(√q z)²] = q/2`` and ``E[φ'²] = 1/2``: ``gain = 2``
(He) keeps both constant. For tanh, the expectations are Gauss–Hermite sums.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc
from torch import nn

__all__ = [
    "SCHEMES",
    "DISTRIBUTIONS",
    "init_variance",
    "init_bound",
    "initialize",
    "Propagation",
    "mean_field_variances",
    "signal_propagation",
]

SCHEMES = ("lecun", "xavier", "he")
#: The distributions :func:`initialize` draws from (same variance either way).
DISTRIBUTIONS = ("normal", "uniform")
_ACTS = ("tanh", "relu", "linear")


def init_variance(scheme: str, fan_in: int, fan_out: int) -> float:
    """Var(w) of ``scheme`` (``"lecun"``, ``"xavier"`` or ``"he"``) for a layer's fans."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    for name, v in (("fan_in", fan_in), ("fan_out", fan_out)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    if scheme == "lecun":
        return 1.0 / fan_in
    if scheme == "xavier":
        return 2.0 / (fan_in + fan_out)
    return 2.0 / fan_in


def init_bound(scheme: str, fan_in: int, fan_out: int) -> float:
    """The bound ``a`` of the uniform distribution U(−a, a) with the variance of ``scheme``: ``√(3 · Var)``.

    Xavier: ``√(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010, their eq. 16); He:
    ``√(6 / fan_in)``; LeCun: ``√(3 / fan_in)``.
    """
    return math.sqrt(3.0 * init_variance(scheme, fan_in, fan_out))


def initialize(model: nn.Module, scheme: str, *, scale: float = 1.0, seed: int = 0,
               distribution: str = "normal") -> nn.Module:
    """Redraw every ``nn.Linear`` weight of ``model`` with variance ``scale² · Var(scheme)``, biases 0 (in place).

    ``distribution="normal"`` draws from N(0, scale² · Var); ``"uniform"`` from U(−a, a) with
    ``a = scale · init_bound(scheme, fan_in, fan_out)`` (the same variance).
    """
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be > 0, got {scale}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                shape, dtype = m.weight.shape, m.weight.dtype
                if distribution == "normal":
                    std = scale * math.sqrt(init_variance(scheme, m.in_features, m.out_features))
                    m.weight.copy_(torch.randn(shape, generator=gen, dtype=dtype) * std)
                else:
                    a = scale * init_bound(scheme, m.in_features, m.out_features)
                    m.weight.copy_((2 * torch.rand(shape, generator=gen, dtype=dtype) - 1) * a)
                if m.bias is not None:
                    m.bias.zero_()
    return model


def _phi(activation: str, h: np.ndarray | torch.Tensor):
    if activation == "tanh":
        return np.tanh(h) if isinstance(h, np.ndarray) else torch.tanh(h)
    if activation == "relu":
        return np.maximum(h, 0) if isinstance(h, np.ndarray) else torch.relu(h)
    return h


def _dphi(activation: str, h):
    if activation == "tanh":
        return 1 - _phi("tanh", h) ** 2
    if activation == "relu":
        return (h > 0).astype(float) if isinstance(h, np.ndarray) else (h > 0).to(h.dtype)
    return np.ones_like(h) if isinstance(h, np.ndarray) else torch.ones_like(h)


class Propagation(NamedTuple):
    """Per-layer variances, layer 1..depth: of pre-activations (forward) and of their gradients (backward)."""

    forward: np.ndarray
    backward: np.ndarray


def _check_stack(depth: int, width: int, activation: str, gain: float) -> None:
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or not 1 <= depth <= 500:
        raise ValueError(f"depth must be an integer in [1, 500], got {depth!r}")
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be an integer >= 1, got {width!r}")
    if activation not in _ACTS:
        raise ValueError(f"activation must be one of {_ACTS}, got {activation!r}")
    if not (gain > 0 and math.isfinite(gain)):
        raise ValueError(f"gain must be > 0, got {gain}")


def mean_field_variances(depth: int, activation: str, gain: float, q0: float = 1.0, r0: float = 1.0,
                         n_quad: int = 80) -> Propagation:
    """The mean-field prediction of :func:`signal_propagation` (infinitely wide layers).

    ``gain = width · Var(w)`` (1 for LeCun, 2 for He with square layers), ``q0 = E[x²]`` of the
    inputs, ``r0`` the variance of the gradient arriving at the last layer.
    """
    _check_stack(depth, 1, activation, gain)
    z, w = np.polynomial.hermite_e.hermegauss(n_quad)
    w = w / w.sum()                                  # expectations over N(0, 1)
    q = np.empty(depth)
    q[0] = gain * q0
    for l in range(1, depth):
        q[l] = gain * float(w @ _phi(activation, np.sqrt(q[l - 1]) * z) ** 2)
    chi = np.array([gain * float(w @ _dphi(activation, np.sqrt(ql) * z) ** 2) for ql in q])
    d = np.empty(depth)
    d[-1] = r0 * float(w @ _dphi(activation, np.sqrt(q[-1]) * z) ** 2)
    for l in range(depth - 2, -1, -1):
        d[l] = chi[l] * d[l + 1]
    return Propagation(q, d)


def signal_propagation(depth: int, width: int, activation: str, gain: float, *, n: int = 256,
                       seed: int = 0) -> Propagation:
    """Measured variances in a random stack ``h_1 = W_1 x``, ``h_{l+1} = W_{l+1} φ(h_l)``.

    ``depth`` square layers of ``width`` units, weights N(0, gain/width), no biases, inputs
    ``x ~ N(0, I)`` (``n`` samples). The backward pass starts from the loss
    ``Σ r ⊙ φ(h_L)`` with ``r ~ N(0, 1)``, so ``∂loss/∂h_L = r ⊙ φ'(h_L)``. Returns the
    variance over samples and units of ``h_l`` and of ``∂loss/∂h_l`` for l = 1..depth
    (float32 arithmetic; values that overflow are reported as ``inf``).
    """
    _check_stack(depth, width, activation, gain)
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.randn(n, width, generator=gen)
    std = math.sqrt(gain / width)
    weights = [torch.randn(width, width, generator=gen) * std for _ in range(depth)]
    r = torch.randn(n, width, generator=gen)
    with torch.no_grad():
        hs, h_in = [], x
        for W in weights:                                   # forward: h_l = W_l φ(h_{l-1})
            hs.append(h_in @ W.T)
            h_in = _phi(activation, hs[-1])
        dphi = [_dphi(activation, h) for h in hs]
        delta = r * dphi[-1]                                # ∂loss/∂h_L
        bwd = np.empty(depth)
        bwd[-1] = float(delta.var())
        for l in range(depth - 2, -1, -1):                  # backward: transposed weights
            delta = (delta @ weights[l + 1]) * dphi[l]
            bwd[l] = float(delta.var())
    fwd = np.array([float(h.var()) for h in hs])
    fwd[~np.isfinite(fwd)] = np.inf
    bwd[~np.isfinite(bwd)] = np.inf
    return Propagation(fwd, bwd)
