"""Train torch models with the book's optimizers (:mod:`lecture_code.core.optimizers`).

:class:`BridgeOptimizer` is a ``torch.optim.Optimizer``: it flattens all parameter
gradients into one float64 numpy vector, calls the optimizer's pure ``update`` and writes
``params + updates`` back. The same definitions that draw the 2-D figures therefore train
networks, and can be compared step by step with ``torch.optim``::

    from lecture_code.core.optimizers import adam
    from lecture_code.core.torch_bridge import BridgeOptimizer, train

    opt = BridgeOptimizer(model.parameters(), adam(1e-2))
    history = train(model, data.X, data.y, opt, steps=200, batch=32, loss="cross_entropy")

The bridge does not restate any option: it passes the flat parameter vector to ``update``,
so every option of the optimizers works on torch models as it does on the figures, e.g.
``adam(1e-3, weight_decay=1e-4)`` (coupled L2, ``torch.optim.Adam(weight_decay=…)``) and
``adamw(1e-3)`` (decoupled, ``torch.optim.AdamW``); ``tests/test_torch_bridge.py`` checks them
against ``torch.optim`` on an MLP to 1e-10. Flattening makes
:func:`lecture_code.core.optimizers.clip_by_norm` act on the norm of *all* gradients together,
as ``torch.nn.utils.clip_grad_norm_`` does. It costs a copy per step: fine for the book's small
models, not meant for large ones.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple

import numpy as np
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc

from lecture_code.core.models import LOSSES, as_tensors, criterion
from lecture_code.core.optimizers import Optimizer
from lecture_code.core.validate import check_int

__all__ = [
    "BridgeOptimizer",
    "TrainHistory",
    "train",
    "bridge_check",
]


class BridgeOptimizer(torch.optim.Optimizer):
    """Wrap a :class:`lecture_code.core.optimizers.Optimizer` as a ``torch.optim.Optimizer``.

    Parameters
    ----------
    params : iterable of tensors (one parameter group).
    optimizer : the pure optimizer to apply.
    """

    def __init__(self, params: Iterable[torch.Tensor], optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a lecture_code.core.optimizers.Optimizer, got {type(optimizer).__name__}")
        super().__init__(params, defaults={})
        if len(self.param_groups) != 1:
            raise ValueError(f"params must form a single parameter group, got {len(self.param_groups)}")
        self.optimizer = optimizer
        self._state: Any = None

    def _params(self) -> list[torch.Tensor]:
        return list(self.param_groups[0]["params"])

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        params = self._params()
        flat = np.concatenate([p.detach().cpu().numpy().astype(np.float64).ravel() for p in params])
        grads = np.concatenate([
            (p.grad.detach().cpu().numpy().astype(np.float64).ravel() if p.grad is not None else np.zeros(p.numel()))
            for p in params
        ])
        if self._state is None:
            self._state = self.optimizer.init(flat)
        updates, self._state = self.optimizer.update(grads, self._state, flat)
        new = flat + updates
        pos = 0
        for p in params:
            n = p.numel()
            p.copy_(torch.as_tensor(new[pos:pos + n], dtype=p.dtype).reshape(p.shape))
            pos += n
        return loss


class TrainHistory(NamedTuple):
    losses: np.ndarray       # (steps,) minibatch loss before each step
    full_losses: np.ndarray  # (steps+1,) loss on all data, before the first and after each step


def train(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    steps: int,
    batch: int | None = None,
    loss: str = "mse",
    seed: int = 0,
) -> TrainHistory:
    """Minibatch training of ``model`` on (X, y) with any torch optimizer (bridged or not).

    ``loss`` is one of :data:`lecture_code.core.models.LOSSES` (:func:`~lecture_code.core.models.criterion`:
    ``"mse"`` compares a 1-D ``y`` with a single-output model's column).
    ``batch=None`` uses all data every step (full-batch gradient descent). Minibatches are
    drawn by reshuffling once per epoch with a fixed ``seed``, so two optimizers trained
    from the same model copy see the same batches.
    """
    steps = check_int(steps, "steps", 0)
    X, y = as_tensors(X, y)
    n = X.shape[0]
    b = n if batch is None else batch
    if isinstance(b, bool) or not isinstance(b, int) or not 1 <= b <= n:
        raise ValueError(f"batch must be an integer in [1, {n}] or None, got {batch!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    lf = criterion(loss, y)
    gen = np.random.default_rng(seed)
    order = gen.permutation(n)
    pos = 0
    batch_losses = np.empty(steps)
    full = np.empty(steps + 1)

    def full_loss() -> float:
        with torch.no_grad():
            return float(lf(model(X), y))

    full[0] = full_loss()
    for t in range(steps):
        if pos + b > n:
            order = gen.permutation(n)
            pos = 0
        idx = torch.as_tensor(order[pos:pos + b])
        pos += b
        optimizer.zero_grad()
        out = lf(model(X[idx]), y[idx])
        out.backward()
        optimizer.step()
        batch_losses[t] = float(out.detach())
        full[t + 1] = full_loss()
    return TrainHistory(batch_losses, full)


def bridge_check(steps: int = 100, seed: int = 0) -> dict[str, Any]:
    """Train the same small MLP on spirals with our Adam (through :class:`BridgeOptimizer`) and
    with ``torch.optim.Adam``; return both loss curves and the largest parameter difference.

    ``scripts/torch_parity.py`` writes the result to ``lecture_code/data/torch_parity.json``,
    which the Adam chapter shows (``lecture_code.chapters.adam.load_torch_parity``) without
    importing torch; ``tests/test_torch_bridge.py`` recomputes it.
    """
    import copy

    from lecture_code.core.models import mlp
    from lecture_code.core.optimizers import adam
    from lecture_code.core.synthetic import spirals

    steps, seed = check_int(steps, "steps", 1), check_int(seed, "seed", 0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead (and contend on a busy machine)
    try:
        data = spirals(n=200, seed=seed)
        m1 = mlp([2, 16, 16, 2], activation="tanh", seed=seed)
        m2 = copy.deepcopy(m1)
        h1 = train(m1, data.X, data.y, BridgeOptimizer(m1.parameters(), adam(0.01, eps_inside_sqrt=False)),
                   steps, 32, "cross_entropy", seed)
        # torch.optim.Adam here is the independent reference the comparison is about, not a training stack
        h2 = train(m2, data.X, data.y, torch.optim.Adam(m2.parameters(), lr=0.01), steps, 32, "cross_entropy", seed)
        with torch.no_grad():
            diff = max(float(torch.max(torch.abs(a - b))) for a, b in zip(m1.parameters(), m2.parameters()))
    finally:
        torch.set_num_threads(threads)
    return dict(steps=int(steps), seed=int(seed), ours=h1.full_losses, torch=h2.full_losses, max_param_diff=diff)
