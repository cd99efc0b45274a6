"""Run an optimizer on a function: start point and number of steps in, trajectory out.

::

    from lecture_code.core.optimizers import adam
    from lecture_code.core.runner import run
    from lecture_code.core.surfaces import get_surface

    traj = run(adam(0.05), get_surface("beale"), [1.0, 1.5], steps=500)
    traj.points, traj.losses, traj.grad_norms, traj.diverged_at

Divergence is a result, not an error: when an iterate becomes non-finite or leaves the box
``|w_i| < limit`` (or, with ``max_loss``, its loss exceeds that bound) the run stops, ``traj.diverged_at`` is the step that produced it and
``traj.points`` ends at the last good point. A **non-finite gradient** (NaN or ±inf: a loss
that is not differentiable there, an overflow) is reported the same way and never fed on:
``traj.diverged_at`` is the step that would have used it, ``traj.points`` ends at the point
where it was evaluated and ``traj.reason`` says ``"non-finite gradient"`` (``"diverged"`` for
the iterate itself). :attr:`Trajectory.status` is a ready-made message for
:func:`lecture_code.core.plotting.status_annotation` ("GD diverged at step 12", "GD: non-finite
gradient at step 7").

What ``run`` minimizes is any :class:`Objective`: an object with ``dim``, ``f(point)`` and
``grad(point)`` (a :class:`~lecture_code.core.surfaces.Surface`, a
:class:`~lecture_code.core.problems.LeastSquares` problem, the loss of a small network, or a
class of your own). Anything else is refused with a message naming what is missing.

What an optimizer does is its ``update`` (:mod:`lecture_code.core.optimizers`), and ``run``
calls it at every step. One optimization is taken where it provably computes the same thing:
the **fast 2-D path**, for a library optimizer (one whose ``init``/``update`` the library built
from its own rules, :func:`~lecture_code.core.optimizers.fast_parts`) on a 2-D
:class:`~lecture_code.core.surfaces.Surface`. It calls the *same* rules (each transformation's
scalar-generic ``step``) on one Python float per coordinate with the surface's own gradient
formula ``grad_expr``, about 10-20 times faster than stepping numpy arrays: a whole race of
optimizers over 500 steps fits in one slider move (``make bench``). It is used automatically
when it applies (``fast=None``); ``tests/test_runner.py`` checks with random chains, random
hand-built optimizers, random surfaces and starts that every path gives the same trajectory.
Its loop does no extra test per step: a non-finite gradient turns the iterate non-finite
(every rule here propagates NaN), which stops the run, and the gradient norms computed
afterwards at every point name the reason.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Protocol, Sequence, runtime_checkable

import numpy as np

from lecture_code.core.optimizers import FLOATS, Optimizer, Part, fast_parts
from lecture_code.core.surfaces import Surface
from lecture_code.core.validate import check_int

__all__ = [
    "Objective",
    "check_objective",
    "Trajectory",
    "run",
    "run_many",
    "growth_bound",
    "DEFAULT_LIMIT",
    "DIVERGED",
    "NONFINITE_GRADIENT",
]


#: Iterates with a coordinate beyond this magnitude count as diverged.
DEFAULT_LIMIT = 1e6
#: :attr:`Trajectory.reason` of a run stopped by its iterate (non-finite, beyond the limit, non-finite loss).
DIVERGED = "diverged"
#: :attr:`Trajectory.reason` of a run stopped because the gradient at its last point was NaN or infinite.
NONFINITE_GRADIENT = "non-finite gradient"


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
    diverged_at : the step (1-based) whose iterate was non-finite or beyond ``limit``, or
        which would have used a non-finite gradient; ``None`` if the run finished.
    kind : the optimizer's :attr:`~lecture_code.core.optimizers.Optimizer.kind` (its colour role).
    states : with ``run(..., keep_states=True)``, the optimizer state after each step.
    reason : why the run stopped early: :data:`DIVERGED` or :data:`NONFINITE_GRADIENT`
        (``""`` if it finished).
    """

    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    name: str
    steps: int
    diverged_at: int | None = None
    kind: str = ""
    states: tuple | None = field(default=None, repr=False)
    reason: str = ""

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final(self) -> np.ndarray:
        """The last good point."""
        return self.points[-1]

    @property
    def status(self) -> str:
        """``"<name> diverged at step k"``, ``"<name>: non-finite gradient at step k"`` or ``""``."""
        if not self.diverged:
            return ""
        if self.reason == NONFINITE_GRADIENT:
            return f"{self.name}: non-finite gradient at step {self.diverged_at}"
        return f"{self.name} diverged at step {self.diverged_at}"


# ----------------------------------------------------------------------------- objectives


@runtime_checkable
class Objective(Protocol):
    """What :func:`run` minimizes: a function on ``R^dim`` and its gradient.

    Implement these three members and ``run`` accepts your object (no base class needed)::

        class Bowl:
            dim = 2
            def f(self, w):    return float(w[0] ** 2 + 10 * w[1] ** 2)
            def grad(self, w): return np.array([2 * w[0], 20 * w[1]])

        run(adam(0.1), Bowl(), (1.0, 1.0), 100)

    The library's own objectives implement it: every
    :class:`~lecture_code.core.surfaces.Surface` and :class:`~lecture_code.core.problems.LeastSquares`.

    Attributes
    ----------
    dim : int
        The number of coordinates of a point.
    f(point) : float
        The value at one point of shape ``(dim,)``.
    grad(point) : array of shape ``(dim,)``
        The gradient at one point.
    """

    dim: int

    def f(self, point: np.ndarray) -> float: ...

    def grad(self, point: np.ndarray) -> np.ndarray: ...


#: The members of :class:`Objective`, with what each must be (for the error message).
_MEMBERS = (("dim", "the number of coordinates"), ("f", "f(point), the value at a point"),
            ("grad", "grad(point), the gradient at a point"))


def check_objective(objective: Any) -> int:
    """Return ``objective.dim`` if ``objective`` implements :class:`Objective`; else ``ValueError``
    naming what is missing."""
    missing = [what for name, what in _MEMBERS
               if not hasattr(objective, name) or (name != "dim" and not callable(getattr(objective, name)))]
    if missing:
        raise ValueError(f"objective must implement Objective (dim, f(point), grad(point)); "
                         f"{type(objective).__name__} has no {', no '.join(missing)}")
    dim = objective.dim
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"objective.dim must be an integer >= 1, got {dim!r}")
    return int(dim)


def _check_start(x0: Any, dim: int) -> np.ndarray:
    try:
        x = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be a 1-D array of numbers, got {x0!r}") from None
    if x.shape != (dim,):
        raise ValueError(f"x0 must have shape ({dim},), got shape {x.shape}")
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


def _check_max_loss(max_loss: Any) -> float | None:
    if max_loss is None:
        return None
    try:
        v = float(max_loss)
    except (TypeError, ValueError):
        raise ValueError(f"max_loss must be a number or None, got {max_loss!r}") from None
    if math.isnan(v):
        raise ValueError("max_loss must be a number or None, got nan")
    return v


def growth_bound(objective: Any, x0: Any, factor: float = 4.0, floor: float = 0.0) -> float:
    """A ``max_loss`` for :func:`run`: ``floor + factor * (f(x0) - floor)``.

    With ``floor`` the minimum value (0 for a quadratic bowl), the run counts as diverged once
    its loss is more than ``factor`` times as far above the floor as at the start. On
    ``½ λ w²`` the default ``factor = 4`` means: the distance to the minimum has doubled, which
    gradient descent with ``η < 2/λ`` never does.
    """
    if not factor > 1:
        raise ValueError(f"factor must be > 1, got {factor!r}")
    dim = check_objective(objective)
    start = _value(objective, _check_start(x0, dim))
    return float(floor + factor * (start - floor))


def _value(objective: Objective, x: np.ndarray) -> float:
    v = np.asarray(objective.f(x), dtype=np.float64)
    if v.size != 1:
        raise ValueError(f"objective.f(point) must return one number, got shape {v.shape}")
    return float(v.reshape(()))


def _gradient(objective: Objective, x: np.ndarray) -> np.ndarray:
    g = np.asarray(objective.grad(x), dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"objective.grad(point) must return shape {x.shape} like the point, got shape {g.shape}")
    return g


def _surface_values(surface: Surface, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Losses and gradient norms at many points of a surface, in one vectorized evaluation of its
    formulas (the fast path's evaluation: no per-point checks)."""
    x, y = points[:, 0], points[:, 1]
    with np.errstate(all="ignore"):
        losses = np.asarray(surface.expr(x, y), dtype=np.float64) + 0.0 * x
        gx, gy = surface.grad_expr(x, y)
        gx, gy = np.broadcast_arrays(np.asarray(gx, float), np.asarray(gy, float))
        gnorms = np.sqrt(gx * gx + gy * gy)
    return losses, gnorms


# ----------------------------------------------------------------------------- the fast path
#
# The optimizer's own rules (Part.step, written once beside each constructor in
# lecture_code.core.optimizers) applied to one Python float per coordinate.


def _coordinate(value: Any, i: int) -> float:
    return float(value[i]) if np.ndim(value) else float(value)


def _fast_plan(optimizer: Optimizer, objective: Any, dim: int) -> tuple[Part, ...] | None:
    """The rules the fast path replays, if it computes what ``update`` computes here, else ``None``.

    It does when the library built the optimizer from its own rules (:func:`fast_parts`), the
    objective is a 2-D :class:`Surface` (whose ``grad`` is its ``grad_expr``) and every
    per-coordinate constant of the rules (a unit-wise learning rate) has 2 entries.
    """
    if dim != 2 or not isinstance(objective, Surface):
        return None
    parts = fast_parts(optimizer)
    if parts is None:
        return None
    for part in parts:
        for v in (*part.start, part.factor):
            if v is not None and not isinstance(v, float) and np.ndim(v) and np.size(v) != 2:
                return None
    return parts


def _pair(part: Part) -> Callable[[float, float, int, float, float], tuple[float, float]]:
    """``(ux, uy, t, x, y) -> (ux, uy)``: the part's rule applied to each coordinate, keeping its
    two states (``x, y`` are the current parameters, for rules that use them)."""
    rule = part.step
    F = FLOATS
    if part.factor is not None:  # scale: a multiplication by the factor of each coordinate
        fx, fy = (_coordinate(part.factor, i) for i in (0, 1))
        return lambda ux, uy, t, x, y: (fx * ux, fy * uy)
    if not part.elementwise:  # clip_by_norm: one factor from the squared norm of the vector

        def apply_norm(ux, uy, t, x, y):
            f = rule(ux * ux + uy * uy, F)
            return ux * f, uy * f

        return apply_norm
    sx = tuple(_coordinate(v, 0) for v in part.start)
    sy = tuple(_coordinate(v, 1) for v in part.start)

    if part.uses_params:  # e.g. add_decayed_weights: the rule also takes the parameter

        def apply_with_params(ux, uy, t, x, y):
            nonlocal sx, sy
            ux, sx = rule(ux, sx, t, F, x)
            uy, sy = rule(uy, sy, t, F, y)
            return ux, uy

        return apply_with_params

    def apply(ux, uy, t, x, y):
        nonlocal sx, sy
        ux, sx = rule(ux, sx, t, F)
        uy, sy = rule(uy, sy, t, F)
        return ux, uy

    return apply


def _chain_pairs(appliers: list[Callable]) -> Callable[[float, float, int, float, float], tuple[float, float]]:
    def chained(ux, uy, t, x, y):
        for apply in appliers:
            ux, uy = apply(ux, uy, t, x, y)
        return ux, uy

    return chained


def _fast_points(parts, grad, x, y, steps, limit, nx, ny):
    """Iterates of the optimizer made of ``parts`` from (x, y); returns (xs, ys, diverged_at).

    The hot loop of every slider that races optimizers. The optimizers' usual shapes are
    kept lean: a trailing :func:`~lecture_code.core.optimizers.scale` (the learning rate) is
    a multiplication by its factor, and one or two rules before it (optionally with a scale
    between them, as in RMSprop with Nesterov momentum) are called directly; other chains
    go through :func:`_pair` for each part.
    """
    F = FLOATS
    fx = fy = mx = my = 1.0
    if parts and parts[-1].factor is not None:
        fx, fy = (_coordinate(parts[-1].factor, i) for i in (0, 1))
        parts = parts[:-1]
    rule = rule_b = chained = None
    sx = sy = sbx = sby = ()
    rules = [p for p in parts if p.factor is None]
    shape = tuple("scale" if p.factor is not None else "rule" if p.elementwise and not p.uses_params else "other"
                  for p in parts)
    if shape in (("rule",), ("rule", "rule"), ("rule", "scale", "rule")):  # the lean shapes, exactly
        rule, sx, sy = rules[0].step, *(tuple(_coordinate(v, i) for v in rules[0].start) for i in (0, 1))
        if len(rules) == 2:
            rule_b, sbx, sby = rules[1].step, *(tuple(_coordinate(v, i) for v in rules[1].start) for i in (0, 1))
        if len(parts) == 3:
            mx, my = (_coordinate(parts[1].factor, i) for i in (0, 1))
    elif parts:
        chained = _chain_pairs([_pair(p) for p in parts])

    xs = [x]
    ys = [y]
    xs_append = xs.append
    ys_append = ys.append
    t = 0
    try:
        for t in range(1, steps + 1):
            ux, uy = grad(x, y)
            if nx is not None:
                ux += nx[t - 1]
                uy += ny[t - 1]
            if rule is not None:
                ux, sx = rule(ux, sx, t, F)
                uy, sy = rule(uy, sy, t, F)
                if rule_b is not None:
                    ux, sbx = rule_b(mx * ux, sbx, t, F)
                    uy, sby = rule_b(my * uy, sby, t, F)
            elif chained is not None:
                ux, uy = chained(ux, uy, t, x, y)
            x += fx * ux
            y += fy * uy
            if not (-limit < x < limit and -limit < y < limit):
                return xs, ys, t
            xs_append(x)
            ys_append(y)
    except (OverflowError, ZeroDivisionError, ValueError):
        return xs, ys, t
    return xs, ys, None


# ----------------------------------------------------------------------------- runners


class _Run(NamedTuple):
    """The iterates of one run, and the losses and true gradient norms at them if already known."""

    points: np.ndarray
    bad: int | None
    losses: np.ndarray | None = None
    grad_norms: np.ndarray | None = None


def _points(optimizer, objective, x0, steps, noise, limit, fast, states=None) -> _Run:
    """Validate the input and compute the iterates.

    With a list ``states`` the array path runs and appends the optimizer state after each step.
    On an objective of any kind the array path records the loss and the norm of the (noise-free)
    gradient at every point; on a :class:`Surface` both paths leave them to one vectorized
    evaluation of the surface's formulas afterwards (:func:`_surface_values`).
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be an Optimizer (see lecture_code.core.optimizers), got {type(optimizer).__name__}")
    dim = check_objective(objective)
    steps = check_int(steps, "steps", 0)
    x = _check_start(x0, dim)
    noise_arr = _check_noise(noise, steps, dim)
    lim = _check_limit(limit)
    parts = _fast_plan(optimizer, objective, dim) if states is None else None
    if fast is None:
        use_fast = parts is not None
    elif fast and parts is None:
        raise ValueError("fast=True needs a library optimizer (see lecture_code.core.optimizers.fast_parts) on a 2-D "
                         "Surface, and keeps no states; this run goes through the optimizer's update: use fast=None")
    else:
        use_fast = bool(fast)

    if use_fast:
        nx = ny = None
        if noise_arr is not None:
            nx, ny = noise_arr[:, 0].tolist(), noise_arr[:, 1].tolist()
        xs, ys, bad = _fast_points(parts, objective.grad_expr, float(x[0]), float(x[1]), steps, lim, nx, ny)
        points = np.empty((len(xs), 2))
        points[:, 0] = xs
        points[:, 1] = ys
        return _Run(points, bad)
    state = optimizer.init(x)
    surface = isinstance(objective, Surface)  # its values come from one vectorized evaluation afterwards
    pts, losses, gnorms = [x], [], []
    bad = None
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            if t == steps and surface:
                break
            g = _gradient(objective, x)
            if not surface:
                losses.append(_value(objective, x))
                gnorms.append(float(np.sqrt(np.sum(g * g))))
            if t == steps:
                break
            if noise_arr is not None:
                g = g + noise_arr[t]
            if not np.all(np.isfinite(g)):  # never feed a NaN to the optimizer (_finish names it)
                bad = t + 1
                break
            u, state = optimizer.update(g, state, x)
            x_new = x + u
            if not (np.all(np.isfinite(x_new)) and np.max(np.abs(x_new)) < lim):
                bad = t + 1
                break
            x = x_new
            pts.append(x)
            if states is not None:
                states.append(state)
    if surface:
        return _Run(np.array(pts), bad)
    return _Run(np.array(pts), bad, np.array(losses), np.array(gnorms))


def _first_false(ok: np.ndarray) -> int:
    """Index of the first ``False`` in ``ok``, or ``len(ok)``."""
    return int(np.argmin(ok)) if not ok.all() else len(ok)


def _finish(points, losses, gnorms, bad, optimizer, steps, max_loss=None) -> Trajectory:
    """Cut the run where it went wrong and say why.

    * the first point with a non-finite loss (overflow in f itself), or with a loss above
      ``max_loss`` when one is given, is a diverged iterate: the run ends before it,
      ``diverged_at`` is the step that produced it;
    * a non-finite gradient at point k (with a finite loss) was used by step k + 1: the run ends
      at point k, ``diverged_at = k + 1``, reason :data:`NONFINITE_GRADIENT`. This also names the
      reason when the run itself stopped at step k + 1 (a NaN gradient makes a NaN iterate),
      and cuts a run whose rules swallowed the NaN. A non-finite gradient at the last point of
      a finished run was never used and stops nothing.
    """
    n = len(points)
    ok = np.isfinite(losses)
    if max_loss is not None:
        ok &= np.asarray(losses) <= max_loss
    k_loss = _first_false(ok)
    k_grad = _first_false(np.isfinite(gnorms))
    reason = DIVERGED if bad is not None else ""
    if k_loss < n and k_loss <= k_grad:
        points, losses, gnorms, bad, reason = points[:k_loss], losses[:k_loss], gnorms[:k_loss], k_loss, DIVERGED
    elif k_grad < n and (k_grad < n - 1 or bad is not None):
        keep = k_grad + 1
        points, losses, gnorms, bad, reason = points[:keep], losses[:keep], gnorms[:keep], keep, NONFINITE_GRADIENT
    return Trajectory(points, losses, gnorms, optimizer.name, int(steps), bad, optimizer.kind, reason=reason)


def run(
    optimizer: Optimizer,
    objective: Any,
    x0: Any,
    steps: int,
    *,
    noise: Any = None,
    limit: float = DEFAULT_LIMIT,
    max_loss: float | None = None,
    fast: bool | None = None,
    keep_states: bool = False,
) -> Trajectory:
    """Run ``optimizer`` for ``steps`` steps on ``objective`` from ``x0``.

    Parameters
    ----------
    optimizer : an :class:`lecture_code.core.optimizers.Optimizer`; its ``update`` is what
        each step does.
    objective : an :class:`Objective`: ``dim``, ``f(point)`` and ``grad(point)`` (a
        :class:`~lecture_code.core.surfaces.Surface`, a problem, a network's loss, your own).
    x0 : start point, shape ``(d,)``.
    steps : number of steps, integer >= 0.
    noise : optional ``(steps, d)`` array added to the gradient at each step (stochastic
        gradients that are reproducible and the same for every optimizer).
    limit : a coordinate beyond ``limit`` in magnitude counts as divergence.
    max_loss : optional; a loss above ``max_loss`` counts as divergence too (the run ends before
        that point and ``diverged_at`` is the step that produced it). A box far outside the
        picture catches a slowly diverging run only after many steps; a loss bound catches it
        as soon as the loss has grown past, say, a few times its start
        (:func:`growth_bound`). The check runs on the losses after the iterates are computed,
        so it costs the fast path nothing.
    fast : ``None`` (default): the fast 2-D path wherever it computes the same thing (a library
        optimizer on a 2-D Surface), else the array path; ``False``: always the array path;
        ``True``: the fast path or a ``ValueError`` saying why it does not apply.
    keep_states : record the optimizer's state after every step in ``Trajectory.states``
        (e.g. Adam's moments; runs the array path).

    Returns
    -------
    Trajectory
    """
    states: list | None = [] if keep_states else None
    mx = _check_max_loss(max_loss)
    r = _points(optimizer, objective, x0, steps, noise, limit, fast, states)
    losses, gnorms = (r.losses, r.grad_norms) if r.losses is not None else _surface_values(objective, r.points)
    traj = _finish(r.points, losses, gnorms, r.bad, optimizer, steps, mx)
    return dataclasses.replace(traj, states=tuple(states[:len(traj.points) - 1])) if keep_states else traj


def run_many(
    optimizers: Sequence[Optimizer],
    objective: Any,
    x0: Any,
    steps: int,
    *,
    noise: Any = None,
    limit: float = DEFAULT_LIMIT,
    max_loss: float | None = None,
) -> list[Trajectory]:
    """:func:`run` for several optimizers from the same start (one slider move of a race).

    Same results as calling :func:`run` for each; on a :class:`Surface` the losses and gradient
    norms of all runs are evaluated in one vectorized call.
    """
    mx = _check_max_loss(max_loss)
    runs = [_points(o, objective, x0, steps, noise, limit, None) for o in optimizers]
    if not runs:
        return []
    surface = [r.points for r in runs if r.losses is None]
    if surface:
        all_losses, all_norms = _surface_values(objective, np.concatenate(surface))
    out = []
    pos = 0
    for o, r in zip(optimizers, runs):
        if r.losses is not None:
            out.append(_finish(r.points, r.losses, r.grad_norms, r.bad, o, steps, mx))
            continue
        n = len(r.points)
        out.append(_finish(r.points, all_losses[pos:pos + n], all_norms[pos:pos + n], r.bad, o, steps, mx))
        pos += n
    return out
