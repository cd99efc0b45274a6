"""The book's numpy MLP: the one network representation of everything that runs without torch.

Why it exists beside the torch models of :mod:`lecture_code.core.models`: the chapters that
run in the browser (No Free Lunch, hyperplanes, saddles) cannot import torch; ``B`` networks of
one architecture train side by side in one numpy computation (the No Free Lunch experiment
trains one per target labeling); the critical-point search needs the exact Hessian of a small
network thousands of times, well under a millisecond each. :func:`lecture_code.core.models.to_numpy_mlp`
turns a torch :func:`~lecture_code.core.models.mlp` into this one (the tests check that both
compute the same outputs and gradients).

**Parameters** are one flat vector ``theta`` of shape ``(P,)``, or ``(B, P)`` for ``B``
networks side by side. Layer by layer it holds the block ``[W | b]`` of shape
``(out, in + 1)``, row-major: ``W`` in torch's convention (row ``j`` is the incoming weight
vector of unit ``j``), its bias in the last column. :meth:`MLP.blocks` and :meth:`MLP.layers`
are views of ``theta``::

    net = MLP((2, 8, 1), "tanh")
    theta = mlp_init(net, seed=0)[0]                 # (P,), P = net.n_params
    (W1, b1), (W2, b2) = net.layers(theta)           # (8, 2), (8,), (1, 8), (1,)
    mlp_logits(net, theta, X)                        # (n,) outputs for X of shape (n, 2)
    theta, history = train_mlp(net, X, Y, steps=300)  # the book's Adam, many networks at once

For one hidden layer the first block holds one row ``U_j = (w_j, b_j)`` per hidden unit and the
second ``(a_1, ..., a_h, c)``: the output weights and bias. :class:`MLPRegression` is the mean
squared error of such a network on data, with its exact gradient and Hessian (an
:class:`~lecture_code.core.runner.Objective`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from lecture_code.core.optimizers import adam, apply_updates
from lecture_code.core.validate import check_int

__all__ = [
    "MLP",
    "ACTIVATIONS",
    "mlp_init",
    "mlp_logits",
    "mlp_loss_grad",
    "train_mlp",
    "MLPRegression",
]


Array = np.ndarray

#: The hidden activations of :class:`MLP`.
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")


@dataclass(frozen=True)
class MLP:
    """Layer sizes ``(d_in, h_1, ..., 1)`` and the hidden activation (``"tanh"`` or ``"relu"``).

    One output unit (a logit for ``loss="bce"``, a value for ``loss="mse"``), no activation on it.
    """

    sizes: tuple[int, ...]
    activation: str = "tanh"

    def __post_init__(self) -> None:
        sizes = tuple(self.sizes)
        if len(sizes) < 2 or sizes[-1] != 1:
            raise ValueError(f"sizes must be (d_in, ..., 1) with at least 2 entries, got {sizes}")
        for s in sizes:
            check_int(s, "layer size", minimum=1)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        object.__setattr__(self, "sizes", tuple(int(s) for s in sizes))

    @property
    def n_params(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def _check(self, theta: Array) -> Array:
        theta = np.asarray(theta, dtype=float)
        if theta.ndim not in (1, 2) or theta.shape[-1] != self.n_params:
            raise ValueError(f"theta must have shape ({self.n_params},) or (B, {self.n_params}), got {theta.shape}")
        return theta

    def blocks(self, theta: Array) -> list[Array]:
        """The blocks ``[W | b]`` of every layer, shape ``(..., out, in + 1)``: views of ``theta``."""
        theta = self._check(theta)
        out, k = [], 0
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            out.append(theta[..., k:k + (a + 1) * b].reshape(*theta.shape[:-1], b, a + 1))
            k += (a + 1) * b
        return out

    def layers(self, theta: Array) -> list[tuple[Array, Array]]:
        """``[(W, b), ...]`` with ``W`` of shape ``(..., out, in)`` and ``b`` ``(..., out)``: views of ``theta``."""
        return [(blk[..., :-1], blk[..., -1]) for blk in self.blocks(theta)]

    def pack(self, layers: Sequence[tuple[Array, Array]]) -> Array:
        """The flat ``theta`` of ``[(W, b), ...]`` (the inverse of :meth:`layers`)."""
        want = [(b, a) for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        if len(layers) != len(want):
            raise ValueError(f"layers must hold {len(want)} (W, b) pairs, got {len(layers)}")
        parts = []
        for (W, b), shape in zip(layers, want):
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
            if W.shape[-2:] != shape or b.shape[-1:] != shape[:1]:
                raise ValueError(f"every W must have shape {want} in turn and b its row count, got {W.shape}, {b.shape}")
            parts.append(np.concatenate([W, b[..., None]], axis=-1).reshape(*W.shape[:-2], -1))
        return np.concatenate(parts, axis=-1)


def mlp_init(net: MLP, batch: int = 1, seed: int = 0) -> Array:
    """Glorot-normal weights, zero biases; the *same* initial network for every batch row
    (a deterministic learning algorithm). Returns ``(batch, P)`` float64."""
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(net.sizes[:-1], net.sizes[1:]):
        W = rng.normal(0.0, np.sqrt(2.0 / (a + b)), size=a * b).reshape(a, b).T  # drawn in (in, out) order
        layers.append((W, np.zeros(b)))
    return np.tile(net.pack(layers), (check_int(batch, "batch", minimum=1), 1))


def _hidden(net: MLP, Z: Array) -> Array:
    return np.tanh(Z) if net.activation == "tanh" else np.maximum(Z, 0.0)


def _forward(net: MLP, theta: Array, X: Array) -> tuple[Array, list[Array], list[Array], list[Array]]:
    """Batched forward pass: logits ``(B, n)``, the inputs of every layer, the pre-activations,
    and every layer's ``W`` transposed to ``(B, in, out)`` (contiguous, the operand of the products)."""
    Ws = [np.ascontiguousarray(np.swapaxes(W, -1, -2)) for W, _ in net.layers(theta)]
    bs = [b for _, b in net.layers(theta)]
    A = np.broadcast_to(X, (theta.shape[0],) + X.shape) if X.ndim == 2 else X
    acts, pres = [A], []
    for i, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b[:, None, :]
        pres.append(Z)
        if i < len(Ws) - 1:
            A = _hidden(net, Z)
            acts.append(A)
    return pres[-1][..., 0], acts, pres, Ws


def _inputs(net: MLP, X: Array) -> Array:
    X = np.asarray(X, dtype=float)
    if X.ndim not in (2, 3) or X.shape[-1] != net.sizes[0]:
        raise ValueError(f"X must have shape (n, {net.sizes[0]}) or (B, n, {net.sizes[0]}), got {X.shape}")
    return X


def mlp_logits(net: MLP, theta: Array, X: Array) -> Array:
    """Outputs for inputs ``X`` of shape ``(n, d_in)`` (shared) or ``(B, n, d_in)``: ``(B, n)``
    for ``theta`` of shape ``(B, P)``, ``(n,)`` for one network ``(P,)``."""
    theta = net._check(theta)
    out = _forward(net, np.atleast_2d(theta), _inputs(net, X))[0]
    return out[0] if theta.ndim == 1 else out


def mlp_loss_grad(net: MLP, theta: Array, X: Array, Y: Array, loss: str = "bce") -> tuple[Array, Array]:
    """Mean loss per network and its gradient (a hand-written backward pass).

    ``loss="bce"``: binary cross-entropy on the logit, ``Y`` ``(B, n)`` in {0, 1};
    ``loss="mse"``: mean squared error of the output, ``Y`` real.
    Returns ``(loss (B,), grad (B, P))``, or ``(float, (P,))`` for one network ``theta`` ``(P,)``
    with ``Y`` ``(n,)``."""
    if loss not in ("bce", "mse"):
        raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}")
    theta = net._check(theta)
    single = theta.ndim == 1
    th = np.atleast_2d(theta)
    Y = np.atleast_2d(np.asarray(Y, dtype=float)) if single else np.asarray(Y, dtype=float)
    logits, acts, pres, Ws = _forward(net, th, _inputs(net, X))
    n = logits.shape[1]
    if loss == "bce":
        value = (np.logaddexp(0.0, logits) - Y * logits).mean(axis=1)
        dZ = ((1.0 / (1.0 + np.exp(-logits)) - Y) / n)[..., None]
    else:
        value = ((logits - Y) ** 2).mean(axis=1)
        dZ = (2.0 * (logits - Y) / n)[..., None]
    grads: list[Array] = []
    for i in range(len(Ws) - 1, -1, -1):
        A = acts[i]
        gW = np.swapaxes(A, 1, 2) @ dZ                      # (B, in, out)
        gb = dZ.sum(axis=1)                                 # (B, out)
        block = np.concatenate([np.swapaxes(gW, 1, 2), gb[..., None]], axis=-1)
        grads = [block.reshape(th.shape[0], -1)] + grads
        if i > 0:
            dA = dZ @ np.swapaxes(Ws[i], 1, 2)
            dZ = dA * (1.0 - A**2) if net.activation == "tanh" else dA * (pres[i - 1] > 0)
    g = np.concatenate(grads, axis=1)
    return (float(value[0]), g[0]) if single else (value, g)


def train_mlp(net: MLP, X: Array, Y: Array, *, steps: int = 300, lr: float = 0.05, seed: int = 0,
              theta0: Array | None = None, loss: str = "bce") -> tuple[Array, Array]:
    """Train ``B = len(Y)`` copies of ``net`` side by side with the book's Adam (full batch):
    ``optimizers.adam(lr)``'s ``update`` on the flat parameters of all of them.
    ``theta0`` (``(B, P)``) overrides the common initialisation :func:`mlp_init`.

    Returns ``(theta (B, P), loss history (steps, B))``."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    steps = check_int(steps, "steps", minimum=0)
    theta = mlp_init(net, Y.shape[0], seed) if theta0 is None else np.array(theta0, dtype=float)
    opt = adam(lr)
    state = opt.init(theta)
    hist = np.empty((steps, theta.shape[0]))
    for t in range(steps):
        value, g = mlp_loss_grad(net, theta, X, Y, loss)
        hist[t] = value
        upd, state = opt.update(g, state, theta)
        theta = apply_updates(theta, upd)
    return theta, hist


# --------------------------------------------------------------------------- a regression loss with its Hessian


@dataclass(frozen=True)
class MLPRegression:
    """The mean squared error of the one-hidden-layer tanh network ``MLP((d, hidden, 1))`` on
    data ``X`` (N, d), ``y`` (N,): an :class:`~lecture_code.core.runner.Objective` (``dim``,
    ``f``, ``grad``) with its exact Hessian.

    The network is ``f(x) = Σ_j a_j tanh(w_j·x + b_j) + c`` (:attr:`net`, parameters in its
    layout: rows ``U_j = (w_j, b_j)``, then ``(a, c)``). Gradient and Hessian are analytic
    (``L = mean(r²)`` with residuals ``r``, Jacobian ``J`` of the outputs)::

        ∇L = (2/N) Jᵀ r,      ∇²L = (2/N) Σ_n [J_n J_nᵀ + r_n ∇²f_n]

    so a Levenberg-Marquardt step of the critical-point search
    (:func:`lecture_code.core.critical.find_critical_point`) costs well under a millisecond. The
    tests compare them with torch autograd and with :func:`mlp_loss_grad`.
    """

    X: np.ndarray
    y: np.ndarray
    hidden: int

    def __post_init__(self) -> None:
        X = np.asarray(self.X, dtype=float)
        y = np.asarray(self.y, dtype=float)
        if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
            raise ValueError(f"X must be (N, d) and y (N,) with N >= 1, got {X.shape} and {y.shape}")
        if isinstance(self.hidden, bool) or not isinstance(self.hidden, (int, np.integer)) or self.hidden < 1:
            raise ValueError(f"hidden must be an integer >= 1, got {self.hidden!r}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @classmethod
    def default(cls, hidden: int = 8, n_data: int = 64, seed: int = 0) -> "MLPRegression":
        """The chapters' problem: a 2-D regression task (:func:`lecture_code.core.synthetic.regression_data`)."""
        from lecture_code.core.synthetic import regression_data

        data = regression_data(n=n_data, d=2, noise=0.05, seed=seed)
        return cls(data.X, data.y, hidden)

    @property
    def net(self) -> MLP:
        """The network whose loss this is, ``MLP((d, hidden, 1), "tanh")``."""
        return MLP((self.d, self.hidden, 1), "tanh")

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def n_params(self) -> int:
        return self.hidden * (self.d + 2) + 1

    @property
    def dim(self) -> int:
        """The number of parameters (the dimension of the :class:`~lecture_code.core.runner.Objective`)."""
        return self.n_params

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """``(U, a, c)``: the incoming rows ``U_j = (w_j, b_j)`` (hidden, d + 1), the output weights and bias."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        h, d1 = self.hidden, self.d + 1  # the blocks of self.net, sliced directly (the search calls this often)
        return theta[: h * d1].reshape(h, d1), theta[h * d1 : h * d1 + h], float(theta[-1])

    def init(self, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """Random parameters for the critical-point search: incoming rows ``(w_j, b_j)`` ~ N(0, scale²/d),
        output weights ~ N(0, scale²/hidden), output bias 0."""
        U = rng.standard_normal((self.hidden, self.d + 1)) * scale / math.sqrt(self.d)
        a = rng.standard_normal(self.hidden) * scale / math.sqrt(self.hidden)
        return np.concatenate([U.ravel(), a, [0.0]])

    def _parts(self, theta):
        U, a, c = self.unpack(theta)
        Xt = np.hstack([self.X, np.ones((len(self.X), 1))])  # (N, d+1)
        t = np.tanh(Xt @ U.T)  # (N, h)
        r = t @ a + c - self.y
        return U, a, Xt, t, r

    def f(self, theta: np.ndarray) -> float:
        """The loss: mean squared error."""
        *_, r = self._parts(theta)
        return float(np.mean(r**2))

    def _jacobian(self, a, Xt, t):
        N, h = t.shape
        s1 = 1 - t**2  # tanh'
        JU = (a * s1)[:, :, None] * Xt[:, None, :]  # (N, h, d+1)
        return np.hstack([JU.reshape(N, -1), t, np.ones((N, 1))])

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """Exact gradient ``(2/N) Jᵀ r``."""
        _, a, Xt, t, r = self._parts(theta)
        return 2.0 / len(r) * self._jacobian(a, Xt, t).T @ r

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Exact Hessian: (2/N) Σ_n [J_n J_nᵀ + r_n ∇²f_n]."""
        U, a, Xt, t, r = self._parts(theta)
        N, h = t.shape
        d1 = Xt.shape[1]
        J = self._jacobian(a, Xt, t)
        H = J.T @ J
        s1 = 1 - t**2
        s2 = -2 * t * s1  # tanh''
        # ∂²f/∂U_j∂U_j = a_j tanh''(z_j) x̃ x̃ᵀ ;  ∂²f/∂a_j∂U_j = tanh'(z_j) x̃
        UU = np.einsum("n,nj,nk,nl->jkl", r, a * s2, Xt, Xt)  # (h, d1, d1)
        aU = np.einsum("n,nj,nk->jk", r, s1, Xt)  # (h, d1)
        for j in range(h):
            sl = slice(j * d1, (j + 1) * d1)
            H[sl, sl] += UU[j]
            H[h * d1 + j, sl] += aU[j]
            H[sl, h * d1 + j] += aU[j]
        return 2.0 / N * H
