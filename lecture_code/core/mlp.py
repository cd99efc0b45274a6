"""A small multilayer perceptron in numpy, trained many at a time with the book's Adam.

The parameters of ``B`` networks of the same architecture are one ``(B, P)`` array, so
``B`` networks train side by side in one numpy computation (the No Free Lunch experiment
trains one per target labeling). Gradients come from a hand-written backward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecture_code.core.optimizers import adam, apply_updates
from lecture_code.core.regions import check_count

__all__ = [
    "MLP",
    "mlp_init",
    "mlp_logits",
    "mlp_loss_grad",
    "train_mlp",
]


Array = np.ndarray


# --------------------------------------------------------------------------- a batched numpy MLP


@dataclass(frozen=True)
class MLP:
    """Layer sizes ``(d_in, h_1, ..., 1)`` and hidden activation (``"tanh"`` or ``"relu"``)."""

    sizes: tuple[int, ...]
    activation: str = "tanh"

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or self.sizes[-1] != 1:
            raise ValueError(f"sizes must be (d_in, ..., 1) with at least 2 entries, got {self.sizes}")
        for s in self.sizes:
            check_count(s, "layer size", minimum=1)
        if self.activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {self.activation!r}")

    @property
    def n_params(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def unpack(self, theta: Array) -> list[tuple[Array, Array]]:
        """Flat ``(B, P)`` parameters -> list of ``(W (B, in, out), b (B, out))``."""
        out, k = [], 0
        for a, b in zip(self.sizes[:-1], self.sizes[1:]):
            W = theta[:, k:k + a * b].reshape(-1, a, b)
            k += a * b
            out.append((W, theta[:, k:k + b]))
            k += b
        return out


def mlp_init(net: MLP, batch: int = 1, seed: int = 0) -> Array:
    """Glorot-normal weights, zero biases; the *same* initial network for every batch row
    (a deterministic learning algorithm). Returns ``(batch, P)`` float64."""
    rng = np.random.default_rng(seed)
    parts = []
    for a, b in zip(net.sizes[:-1], net.sizes[1:]):
        parts.append(rng.normal(0.0, np.sqrt(2.0 / (a + b)), size=a * b))
        parts.append(np.zeros(b))
    theta = np.concatenate(parts)
    return np.tile(theta, (batch, 1))


def _forward(net: MLP, theta: Array, X: Array) -> tuple[Array, list[Array], list[Array]]:
    layers = net.unpack(theta)
    A = np.broadcast_to(X, (theta.shape[0],) + X.shape) if X.ndim == 2 else X
    acts, pres = [A], []
    for i, (W, b) in enumerate(layers):
        Z = A @ W + b[:, None, :]
        pres.append(Z)
        if i < len(layers) - 1:
            A = np.tanh(Z) if net.activation == "tanh" else np.maximum(Z, 0.0)
            acts.append(A)
    return pres[-1][..., 0], acts, pres


def mlp_logits(net: MLP, theta: Array, X: Array) -> Array:
    """Output logits ``(B, n)`` for inputs ``X`` of shape ``(n, d_in)`` (shared) or ``(B, n, d_in)``."""
    return _forward(net, theta, np.asarray(X, dtype=float))[0]


def mlp_loss_grad(net: MLP, theta: Array, X: Array, Y: Array, loss: str = "bce") -> tuple[Array, Array]:
    """Mean loss per batch row and its gradient (manual backprop).

    ``loss="bce"``: binary cross-entropy on the logit, ``Y`` ``(B, n)`` in {0, 1};
    ``loss="mse"``: mean squared error of the output, ``Y`` real.
    Returns ``(loss (B,), grad (B, P))``."""
    if loss not in ("bce", "mse"):
        raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}")
    X = np.asarray(X, dtype=float)
    logits, acts, pres = _forward(net, theta, X)
    n = logits.shape[1]
    if loss == "bce":
        value = (np.logaddexp(0.0, logits) - Y * logits).mean(axis=1)
        dZ = ((1.0 / (1.0 + np.exp(-logits)) - Y) / n)[..., None]
    else:
        value = ((logits - Y) ** 2).mean(axis=1)
        dZ = (2.0 * (logits - Y) / n)[..., None]
    layers = net.unpack(theta)
    grads: list[Array] = []
    for i in range(len(layers) - 1, -1, -1):
        A = acts[i]
        W, _ = layers[i]
        gW = np.swapaxes(A, 1, 2) @ dZ
        gb = dZ.sum(axis=1)
        grads = [gW.reshape(theta.shape[0], -1), gb] + grads
        if i > 0:
            dA = dZ @ np.swapaxes(W, 1, 2)
            dZ = dA * (1.0 - A**2) if net.activation == "tanh" else dA * (pres[i - 1] > 0)
    return value, np.concatenate(grads, axis=1)


def train_mlp(net: MLP, X: Array, Y: Array, *, steps: int = 300, lr: float = 0.05, seed: int = 0,
              theta0: Array | None = None, loss: str = "bce") -> tuple[Array, Array]:
    """Train ``B = len(Y)`` copies of ``net`` side by side with the book's Adam
    (full batch). ``theta0`` (``(B, P)``) overrides the common initialisation.

    Returns ``(theta (B, P), loss history (steps, B))``."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
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
