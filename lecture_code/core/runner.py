"""Run an optimizer on a function: start point and number of steps in, trajectory out.

::

    from lecture_code.core.optimizers import adam
    from lecture_code.core.runner import run
    from lecture_code.core.surfaces import get_surface

    traj = run(adam(0.05), get_surface("beale"), [1.0, 1.5], steps=500)
    traj.points, traj.losses, traj.grad_norms, traj.diverged_at

Divergence is a result, not an error: when an iterate becomes non-finite or leaves the box
``|w_i| < limit`` the run stops, ``traj.diverged_at`` is the step that produced it and
``traj.points`` ends at the last good point. :attr:`Trajectory.status` is a ready-made
message for :func:`lecture_code.core.plotting.status_annotation`.

Two code paths give the same numbers (``tests/test_runner.py``):

* the **array path** calls the optimizer's ``init``/``update`` on numpy arrays; any
  dimension, any objective with ``f(points)`` and ``grad(point)``;
* the **fast path** for 2-D objectives (a :class:`lecture_code.core.surfaces.Surface` or anything
  with float ``grad_expr(x, y)``) runs the same rules on Python floats, one coordinate at a
  time, about 20-50 times faster than stepping numpy arrays: a whole race of optimizers
  over 500 steps fits in one slider move (``make bench``). It is used automatically when it
  applies (``fast=None``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from lecture_code.core.optimizers import Optimizer, Spec

__all__ = [
    "Trajectory",
    "run",
    "run_many",
    "fast_grad",
    "DEFAULT_LIMIT",
]


#: Iterates with a coordinate beyond this magnitude count as diverged.
DEFAULT_LIMIT = 1e6


@dataclass(frozen=True)
class Trajectory:
    """The result of :func:`run`.

    Attributes
    ----------
    points : (k+1, d) float64 array, the start point and the k iterates that were computed
        (k = steps, or fewer if the run diverged).
    losses : (k+1,) the objective at each point (noise-free if gradient noise was used).
    grad_norms : (k+1,) Euclidean norm of the true gradient at each point.
    name : the optimizer's name.
    steps : number of steps asked for.
    diverged_at : the step (1-based) whose iterate was non-finite or beyond ``limit``;
        ``None`` if the run finished.
    """

    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    name: str
    steps: int
    diverged_at: int | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final(self) -> np.ndarray:
        """The last good point."""
        return self.points[-1]

    @property
    def status(self) -> str:
        """``"<name> diverged at step k"`` or ``""``."""
        return f"{self.name} diverged at step {self.diverged_at}" if self.diverged else ""


# ----------------------------------------------------------------------------- input checks


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    return int(steps)


def _dimension(objective: Any) -> int | None:
    if hasattr(objective, "grad_expr"):  # a 2-D Surface
        return 2
    return getattr(objective, "dim", None)


def _check_start(x0: Any, objective: Any) -> np.ndarray:
    try:
        x = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be a 1-D array of numbers, got {x0!r}") from None
    d = _dimension(objective)
    if x.ndim != 1 or (d is not None and x.shape[0] != d):
        want = f"({d},)" if d is not None else "(d,)"
        raise ValueError(f"x0 must have shape {want}, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    return x


def _check_noise(noise: Any, steps: int, d: int) -> np.ndarray | None:
    if noise is None:
        return None
    n = np.asarray(noise, dtype=np.float64)
    if n.shape != (steps, d):
        raise ValueError(f"noise must have shape (steps, d) = ({steps}, {d}), got {n.shape}")
    if not np.all(np.isfinite(n)):
        raise ValueError("noise must be finite")
    return n


def _check_limit(limit: Any) -> float:
    v = float(limit)
    if not (v > 0):
        raise ValueError(f"limit must be > 0, got {limit!r}")
    return v


# ----------------------------------------------------------------------------- objectives


def _f_many(objective: Any, points: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if hasattr(objective, "expr"):
            return np.asarray(objective.expr(points[:, 0], points[:, 1]), dtype=np.float64) + 0.0 * points[:, 0]
        return np.asarray(objective.f(points), dtype=np.float64).reshape(len(points))


def _grad_many(objective: Any, points: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        if hasattr(objective, "grad_expr"):
            gx, gy = objective.grad_expr(points[:, 0], points[:, 1])
            return np.stack(np.broadcast_arrays(np.asarray(gx, float), np.asarray(gy, float)), axis=-1)
        if getattr(objective, "vectorized", False):
            return np.asarray(objective.grad(points), dtype=np.float64)
        return np.stack([np.asarray(objective.grad(p), dtype=np.float64) for p in points])


def _grad_one(objective: Any) -> Callable[[np.ndarray], np.ndarray]:
    if hasattr(objective, "grad_expr"):
        ge = objective.grad_expr
        f64 = np.float64  # numpy scalars overflow to inf instead of raising
        return lambda p: np.array(ge(f64(p[0]), f64(p[1])), dtype=np.float64)
    return lambda p: np.asarray(objective.grad(p), dtype=np.float64)


def _beale_grad(x: float, y: float) -> tuple[float, float]:
    y2 = y * y
    y3 = y2 * y
    r1 = 1.5 - x + x * y
    r2 = 2.25 - x + x * y2
    r3 = 2.625 - x + x * y3
    return 2.0 * (r1 * (y - 1.0) + r2 * (y2 - 1.0) + r3 * (y3 - 1.0)), 2.0 * x * (r1 + 2.0 * r2 * y + 3.0 * r3 * y2)


def _y4_minus_x4_grad(x: float, y: float) -> tuple[float, float]:
    return -4.0 * x * x * x, 4.0 * y * y * y


#: Hand-expanded float gradients for the surfaces raced in the chapters (same values as
#: ``Surface.grad_expr``, about 3 times faster on floats; tested).
_FAST_GRADS: dict[str, Callable[[float, float], tuple[float, float]]] = {
    "beale": _beale_grad,
    "y4_minus_x4": _y4_minus_x4_grad,
}


def fast_grad(objective: Any) -> Callable[[float, float], tuple[float, float]] | None:
    """The float gradient ``(x, y) -> (gx, gy)`` the fast path uses, or ``None``."""
    name = getattr(objective, "name", None)
    if name in _FAST_GRADS:
        return _FAST_GRADS[name]
    return getattr(objective, "grad_expr", None)


# ----------------------------------------------------------------------------- the fast path
#
# One kernel per rule, written out for two coordinates with Python floats. Each follows the
# docstring of its constructor in lecture_code.core.optimizers line by line; tests compare every
# kernel with the array path. Common arguments: grad (x, y) -> (gx, gy); start x, y; steps;
# limit; clip (max gradient norm or 0.0); nx, ny (noise lists or None).
# Each returns (xs, ys, diverged_at).


def _clip(gx: float, gy: float, h: float) -> tuple[float, float]:
    n = math.sqrt(gx * gx + gy * gy)
    if n > h:
        s = h / n
        return gx * s, gy * s
    return gx, gy


def _loop(step: Callable[[float, float, int], tuple[float, float]], grad, x, y, steps, limit, clip, nx, ny):
    """Shared driver: gradient, noise, clipping, rule, divergence check."""
    xs = [x]
    ys = [y]
    xs_append = xs.append
    ys_append = ys.append
    t = 0
    try:
        if nx is None and not clip:  # the common case, kept lean: it is the slider's hot loop
            for t in range(steps):
                gx, gy = grad(x, y)
                dx, dy = step(gx, gy, t)
                x += dx
                y += dy
                if not (-limit < x < limit and -limit < y < limit):
                    return xs, ys, t + 1
                xs_append(x)
                ys_append(y)
            return xs, ys, None
        for t in range(steps):
            gx, gy = grad(x, y)
            if nx is not None:
                gx += nx[t]
                gy += ny[t]
            if clip:
                gx, gy = _clip(gx, gy, clip)
            dx, dy = step(gx, gy, t)
            x += dx
            y += dy
            if not (-limit < x < limit and -limit < y < limit):
                return xs, ys, t + 1
            xs_append(x)
            ys_append(y)
    except (OverflowError, ZeroDivisionError, ValueError):
        return xs, ys, t + 1
    return xs, ys, None


def _rule_sgd(h: dict):
    lr = h["lr"]
    if np.ndim(lr):
        lx, ly = float(lr[0]), float(lr[1])
    else:
        lx = ly = float(lr)

    def step(gx, gy, t):
        return -lx * gx, -ly * gy

    return step


def _rule_lecture_momentum(h: dict):
    g_, a, nest = h["lr"], h["alpha"], h["nesterov"]
    vx = vy = 0.0

    def step(gx, gy, t):
        nonlocal vx, vy
        vx = -g_ * gx + a * vx
        vy = -g_ * gy + a * vy
        if nest:
            return a * vx - g_ * gx, a * vy - g_ * gy
        return vx, vy

    return step


def _rule_momentum(h: dict):
    lr, b, nest, damp = h["lr"], h["beta"], h["nesterov"], 1.0 - h["dampening"]
    vx = vy = 0.0

    def step(gx, gy, t):
        nonlocal vx, vy
        if t == 0:
            vx, vy = gx, gy
        else:
            vx = b * vx + damp * gx
            vy = b * vy + damp * gy
        if nest:
            return -lr * (gx + b * vx), -lr * (gy + b * vy)
        return -lr * vx, -lr * vy

    return step


def _rule_adagrad(h: dict):
    lr, eps = h["lr"], h["eps"]
    sx = sy = h["acc0"]
    sqrt = math.sqrt

    def step(gx, gy, t):
        nonlocal sx, sy
        sx = sx + gx * gx
        sy = sy + gy * gy
        return -lr * gx / (sqrt(sx) + eps), -lr * gy / (sqrt(sy) + eps)

    return step


def _rule_rmsprop(h: dict):
    lr, rho, eps, inside = h["lr"], h["rho"], h["eps"], h["inside"]
    c = 1.0 - rho
    rx = ry = 0.0
    sqrt = math.sqrt

    def step(gx, gy, t):
        nonlocal rx, ry
        rx = rho * rx + c * gx * gx
        ry = rho * ry + c * gy * gy
        if inside:
            return -lr * gx / sqrt(eps + rx), -lr * gy / sqrt(eps + ry)
        return -lr * gx / (sqrt(rx) + eps), -lr * gy / (sqrt(ry) + eps)

    return step


def _rule_rmsprop_nesterov(h: dict):
    lr, rho, a, eps = h["lr"], h["rho"], h["alpha"], h["eps"]
    c = 1.0 - rho
    rx = ry = vx = vy = 0.0
    sqrt = math.sqrt

    def step(gx, gy, t):
        nonlocal rx, ry, vx, vy
        rx = rho * rx + c * gx * gx
        ry = rho * ry + c * gy * gy
        sx = lr * gx / sqrt(eps + rx)
        sy = lr * gy / sqrt(eps + ry)
        vx = a * vx - sx
        vy = a * vy - sy
        return a * vx - sx, a * vy - sy

    return step


def _rule_adam(h: dict):
    lr, b1, b2, eps = h["lr"], h["b1"], h["b2"], h["eps"]
    inside, bias, ams = h["inside"], h["bias_correction"], h["amsgrad"]
    c1, c2 = 1.0 - b1, 1.0 - b2
    mx = my = rx = ry = qx = qy = 0.0  # q: running max of r (AMSGrad)
    sqrt = math.sqrt

    def step(gx, gy, t):
        nonlocal mx, my, rx, ry, qx, qy
        mx = b1 * mx + c1 * gx
        my = b1 * my + c1 * gy
        rx = b2 * rx + c2 * gx * gx
        ry = b2 * ry + c2 * gy * gy
        ux, uy = rx, ry
        if ams:
            if rx > qx:
                qx = rx
            if ry > qy:
                qy = ry
            ux, uy = qx, qy
        sx, sy = mx, my
        if bias:
            k = t + 1
            bc1 = 1.0 - b1**k
            bc2 = 1.0 - b2**k
            sx, sy, ux, uy = sx / bc1, sy / bc1, ux / bc2, uy / bc2
        if inside:
            return -lr * sx / sqrt(ux + eps), -lr * sy / sqrt(uy + eps)
        return -lr * sx / (sqrt(ux) + eps), -lr * sy / (sqrt(uy) + eps)

    return step


_RULES: dict[str, Callable[[dict], Callable]] = {
    "sgd": _rule_sgd,
    "lecture_momentum": _rule_lecture_momentum,
    "momentum": _rule_momentum,
    "adagrad": _rule_adagrad,
    "rmsprop": _rule_rmsprop,
    "rmsprop_nesterov": _rule_rmsprop_nesterov,
    "adam": _rule_adam,
}


def _fast_plan(specs: Sequence[Spec]) -> tuple[float, Spec] | None:
    """(clip, rule spec) if the chain is ``[clip_by_norm]* + one rule``, else None."""
    clip = 0.0
    *pre, last = specs
    for s in pre:
        if s.kind != "clip_by_norm":
            return None
        clip = s.hyper["max_norm"] if not clip else min(clip, s.hyper["max_norm"])
    if last.kind not in _RULES:
        return None
    if last.kind == "sgd" and np.ndim(last.hyper["lr"]) and np.size(last.hyper["lr"]) != 2:
        return None
    return clip, last


# ----------------------------------------------------------------------------- runners


def _points(optimizer, objective, x0, steps, noise, limit, fast) -> tuple[np.ndarray, int | None]:
    """Validate the input and compute the iterates; returns (points, diverged_at)."""
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be an Optimizer (see lecture_code.core.optimizers), got {type(optimizer).__name__}")
    steps = _check_steps(steps)
    x = _check_start(x0, objective)
    noise_arr = _check_noise(noise, steps, x.shape[0])
    lim = _check_limit(limit)
    plan = _fast_plan(optimizer.specs) if x.shape[0] == 2 else None
    grad2 = fast_grad(objective) if plan is not None else None
    use_fast = plan is not None and grad2 is not None if fast is None else bool(fast)
    if use_fast and (plan is None or grad2 is None):
        raise ValueError("fast must be False or None for this optimizer/objective (the fast path needs 2-D, grad_expr and one rule)")

    if use_fast:
        clip, spec = plan
        nx = ny = None
        if noise_arr is not None:
            nx, ny = noise_arr[:, 0].tolist(), noise_arr[:, 1].tolist()
        step = _RULES[spec.kind](spec.hyper)
        xs, ys, bad = _loop(step, grad2, float(x[0]), float(x[1]), steps, lim, clip, nx, ny)
        points = np.empty((len(xs), 2))
        points[:, 0] = xs
        points[:, 1] = ys
        return points, bad
    grad1 = _grad_one(objective)
    state = optimizer.init(x)
    pts = [x]
    bad = None
    with np.errstate(all="ignore"):
        for t in range(steps):
            g = grad1(x)
            if noise_arr is not None:
                g = g + noise_arr[t]
            u, state = optimizer.update(g, state, x)
            x_new = x + u
            if not (np.all(np.isfinite(x_new)) and np.max(np.abs(x_new)) < lim):
                bad = t + 1
                break
            x = x_new
            pts.append(x)
    return np.array(pts), bad


def _finish(points, losses, gnorms, bad, name, steps) -> Trajectory:
    """Cut the run at the first non-finite loss or gradient norm (overflow in f itself)."""
    if bad is None and not (np.all(np.isfinite(losses)) and np.all(np.isfinite(gnorms))):
        k = int(np.argmin(np.isfinite(losses) & np.isfinite(gnorms)))
        points, losses, gnorms, bad = points[:k], losses[:k], gnorms[:k], k
    return Trajectory(points, losses, gnorms, name, int(steps), bad)


def _losses_and_norms(objective, points) -> tuple[np.ndarray, np.ndarray]:
    losses = _f_many(objective, points)
    grads = _grad_many(objective, points)
    with np.errstate(all="ignore"):
        gnorms = np.sqrt(np.sum(grads * grads, axis=1))
    return losses, gnorms


def run(
    optimizer: Optimizer,
    objective: Any,
    x0: Any,
    steps: int,
    *,
    noise: Any = None,
    limit: float = DEFAULT_LIMIT,
    fast: bool | None = None,
) -> Trajectory:
    """Run ``optimizer`` for ``steps`` steps on ``objective`` from ``x0``.

    Parameters
    ----------
    optimizer : an :class:`lecture_code.core.optimizers.Optimizer`.
    objective : a :class:`lecture_code.core.surfaces.Surface`, or any object with ``f(points)``
        (vectorized over the first axis) and ``grad(point)``, and optionally ``dim``.
    x0 : start point, shape ``(d,)``.
    steps : number of steps, integer >= 0.
    noise : optional ``(steps, d)`` array added to the gradient at each step (stochastic
        gradients that are reproducible and the same for every optimizer).
    limit : a coordinate beyond ``limit`` in magnitude counts as divergence.
    fast : use the pure-float 2-D path (``None``: whenever it applies).

    Returns
    -------
    Trajectory
    """
    points, bad = _points(optimizer, objective, x0, steps, noise, limit, fast)
    losses, gnorms = _losses_and_norms(objective, points)
    return _finish(points, losses, gnorms, bad, optimizer.name, steps)


def run_many(
    optimizers: Sequence[Optimizer],
    objective: Any,
    x0: Any,
    steps: int,
    *,
    noise: Any = None,
    limit: float = DEFAULT_LIMIT,
) -> list[Trajectory]:
    """:func:`run` for several optimizers from the same start (one slider move of a race).

    Same results as calling :func:`run` for each; losses and gradient norms of all runs are
    evaluated in one vectorized call.
    """
    runs = [_points(o, objective, x0, steps, noise, limit, None) for o in optimizers]
    if not runs:
        return []
    losses, gnorms = _losses_and_norms(objective, np.concatenate([p for p, _ in runs]))
    out = []
    pos = 0
    for o, (p, bad) in zip(optimizers, runs):
        n = len(p)
        out.append(_finish(p, losses[pos:pos + n], gnorms[pos:pos + n], bad, o.name, steps))
        pos += n
    return out
