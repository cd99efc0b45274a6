"""Bad local minima created by small nonlinearities (Yun, Sra & Jadbabaie, ICLR 2019).

A one-hidden-layer network with the two-piece linear activation

    h(t) = s₊ t  (t >= 0),   s₋ t  (t < 0),        s₊ > 0, s₋ >= 0, s₊ ≠ s₋

(ReLU is ``s₋ = 0``, leaky ReLU ``s₋ = 0.01``) and a scalar output
``ŷ(x) = Σ_j v_j h(w_jᵀx + b_j) + c``, trained with the squared loss
``L = ½ Σ_i (ŷ(x_i) − y_i)²``. Yun et al.'s construction (their Theorem 1): if every
hidden pre-activation is *positive on every training point*, the network is an affine function
of ``x`` -- and it stays affine under any small change of the weights. So a point where the
network reproduces the best affine fit (linear least squares) is a local minimum, and when a
nonlinear network can fit the data better it is a *spurious* one. :func:`linear_regime_point`
builds it:

* unit 1: ``w_1 = β``, ``b_1 = β_0 + M`` (``M`` large enough that ``w_1ᵀx_i + b_1 > 0``),
  ``v_1 = 1/s₊``; every other unit: ``w_j = 0``, ``b_j = M``, ``v_j = 0``; output bias ``c = −M``,

where ``(β, β_0)`` is the least-squares fit. The gradient vanishes there (the residual is
orthogonal to ``[X, 1]``) and the loss equals the least-squares loss. Parameters are one flat
vector ``θ = (W (k·d), b (k), v (k), c)`` for ``k`` hidden units and ``d`` inputs; batched
``(runs, P)`` arrays work everywhere.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lecture_code.core.validate import check_int, check_nonnegative, check_positive

__all__ = [
    "Net",
    "least_squares_fit",
    "linear_regime_point",
    "loss",
    "loss_and_grad",
    "gradient_descent",
]


class Net(NamedTuple):
    """A one-hidden-layer network with ``width`` units on ``d`` inputs and activation slopes
    ``(s_plus, s_minus)``."""

    d: int
    width: int
    s_plus: float = 1.0
    s_minus: float = 0.0

    def check(self) -> "Net":
        check_int(self.d, "d", 1)
        check_int(self.width, "width", 1)
        check_positive(self.s_plus, "s_plus")
        check_nonnegative(self.s_minus, "s_minus")
        if self.s_plus == self.s_minus:
            raise ValueError(f"s_plus must differ from s_minus (a linear activation), got {self.s_plus} twice")
        return self

    @property
    def n_params(self) -> int:
        return self.width * (self.d + 2) + 1

    def unpack(self, theta: np.ndarray):
        """``θ (runs, P)`` -> ``W (runs, k, d)``, ``b (runs, k)``, ``v (runs, k)``, ``c (runs,)``."""
        k, d = self.width, self.d
        return (theta[:, :k * d].reshape(-1, k, d), theta[:, k * d:k * d + k],
                theta[:, k * d + k:k * d + 2 * k], theta[:, -1])


def _as_batch(net: Net, theta) -> tuple[np.ndarray, bool]:
    t = np.asarray(theta, dtype=float)
    single = t.ndim == 1
    t = t[None] if single else t
    if t.shape[1] != net.n_params:
        raise ValueError(f"theta must have {net.n_params} entries per network, got shape {t.shape}")
    return t, single


def least_squares_fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """The best affine fit ``y ≈ Xβ + β_0``: returns ``(β (d,), β_0, ½‖residual‖²)``."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    A = np.hstack([X, np.ones((len(X), 1))])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    r = A @ coef - y
    return coef[:-1], float(coef[-1]), float(0.5 * r @ r)


def linear_regime_point(net: Net, X: np.ndarray, y: np.ndarray, margin: float = 1.0) -> np.ndarray:
    """Yun et al.'s local minimum: the network that computes the least-squares fit with every
    hidden unit positive on every training point (pre-activations at least ``margin``)."""
    net.check()
    margin = check_positive(margin, "margin")
    X = np.asarray(X, float)
    beta, beta0, _ = least_squares_fit(X, y)
    lin = X @ beta + beta0
    M = margin - min(float(lin.min()), 0.0)             # unit 1: lin + M >= margin
    M = max(M, margin)                                  # the other units: b_j = M >= margin
    W = np.zeros((net.width, net.d))
    W[0] = beta
    b = np.full(net.width, M)
    b[0] = beta0 + M
    v = np.zeros(net.width)
    v[0] = 1.0 / net.s_plus
    return np.concatenate([W.ravel(), b, v, [-M]])


def _forward(net: Net, theta: np.ndarray, X: np.ndarray):
    W, b, v, c = net.unpack(theta)
    pre = np.einsum("nd,rkd->rnk", X, W) + b[:, None, :]
    slope = np.where(pre >= 0, net.s_plus, net.s_minus)
    out = np.sum(slope * pre * v[:, None, :], axis=2) + c[:, None]
    return out, pre, slope, W, v


def loss(net: Net, theta, X: np.ndarray, y: np.ndarray):
    """``½ Σ_i (ŷ(x_i) − y_i)²`` (a float for one network, ``(runs,)`` for a batch)."""
    t, single = _as_batch(net, theta)
    out, *_ = _forward(net, t, np.asarray(X, float))
    r = out - np.asarray(y, float)
    value = 0.5 * np.sum(r * r, axis=1)
    return float(value[0]) if single else value


def loss_and_grad(net: Net, theta, X: np.ndarray, y: np.ndarray):
    """The loss and its gradient ``∂L/∂θ`` (same shape as ``theta``).

    At a kink (a pre-activation exactly 0) the slope ``s₊`` is used (the right derivative).
    """
    t, single = _as_batch(net, theta)
    X = np.asarray(X, float)
    out, pre, slope, W, v = _forward(net, t, X)
    r = out - np.asarray(y, float)                      # (runs, n)
    value = 0.5 * np.sum(r * r, axis=1)
    g_v = np.sum(r[:, :, None] * slope * pre, axis=1)
    g_pre = r[:, :, None] * slope * v[:, None, :]       # (runs, n, k)
    g_W = np.einsum("rnk,nd->rkd", g_pre, X)
    g_b = g_pre.sum(axis=1)
    g_c = r.sum(axis=1)
    grad = np.concatenate([g_W.reshape(len(t), -1), g_b, g_v, g_c[:, None]], axis=1)
    return (float(value[0]), grad[0]) if single else (value, grad)


def gradient_descent(net: Net, theta0, X: np.ndarray, y: np.ndarray, lr: float = 0.01,
                     steps: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch gradient descent from ``theta0`` (``(P,)`` or ``(runs, P)``).

    Returns ``(final θ, loss history (steps + 1, runs))``.
    """
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps", 0)
    t, _ = _as_batch(net, theta0)
    t = t.copy()
    hist = np.empty((steps + 1, len(t)))
    for s in range(steps + 1):
        value, g = loss_and_grad(net, t, X, y)
        hist[s] = value
        if s < steps:
            t -= lr * g
    return t, hist
