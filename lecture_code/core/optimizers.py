"""First-order optimizers, composed from small parts like the math (in the style of optax).

Every optimizer is an :class:`Optimizer`: a pair of pure functions::

    opt = adam(lr=0.1)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = params + updates          # see apply_updates

``updates`` are what is *added* to the parameters (they already carry the minus sign and
the learning rate). States are small NamedTuples of arrays; nothing is mutated.

Optimizers are chains of transformations, each a few lines of math::

    momentum(lr, beta)  = chain(trace(beta), scale(-lr))                   # accumulate, then step
    adam(lr, b1, b2)    = chain(scale_by_adam(b1, b2, eps), scale(-lr))
    amsgrad(lr, b1, b2) = chain(scale_by_amsgrad(b1, b2, eps), scale(-lr))
    adam(lr, weight_decay=wd)  = chain(add_decayed_weights(wd), scale_by_adam(...), scale(-lr))  # L2
    adamw(lr, weight_decay=wd) = chain(scale_by_adam(...), add_decayed_weights(wd), scale(-lr))  # decoupled
    chain(clip_by_norm(1.0), adam(0.01))                                   # clip, then Adam

and the transformations are written with four named helpers: :func:`ema` (the one moving
average: momentum's first moment, RMSprop's and Adam's second moment), :func:`debias`
(Adam's bias correction), :func:`running_max` (AMSGrad's part) and :func:`rms_normalize`
(divide by the root of a second moment, with ε inside or outside the root).

**One truth: ``update``.** What an optimizer does is its :attr:`Optimizer.update`, and
every path runs it: :func:`lecture_code.core.runner.run`, the torch bridge, a chapter's own
loop. An optimizer you build yourself, ``Optimizer(init, update, name, kind)``, is run
through its ``update``, always.

The library's own transformations are written so that one fast path can replay them without
restating them: each rule is one *scalar-generic* function ``step(u, state, t, xp) -> (u,
state)`` kept beside its constructor (as ``torch.optim`` keeps its kernels beside ``Adam``),
using only arithmetic and ``xp.sqrt`` / ``xp.maximum``. ``update`` calls it on numpy arrays
(``xp = numpy``); the runner's fast 2-D path (:mod:`lecture_code.core.runner`) calls the
*same* function on one Python float per coordinate (``xp = FLOATS``), fast enough for
sliders. A rule that needs the parameters themselves (:func:`add_decayed_weights`) takes them
as a fifth argument, ``step(u, state, t, xp, w)``; only :func:`clip_by_norm` looks at the whole
gradient vector (its rule takes the squared norm). The fast path is taken only where it
provably computes what ``update`` computes: for an optimizer whose ``init``/``update`` the
library itself built from those rules (its constructors and :func:`chain` of them; checked by
:func:`fast_parts`, never by the name or the ``parts`` a caller passes). A rule you write with
:func:`elementwise`, a schedule you pass to :func:`scale_by_schedule` and any hand-built
optimizer run through ``update``. ``tests/test_runner.py`` checks over random chains,
random hand-built optimizers, objectives and starts (hypothesis) that every path gives the
same trajectory.

**Fail fast.** Hyperparameters are checked when an optimizer is built (``ValueError`` naming
the parameter and its range), and ``update`` refuses a gradient whose shape differs from the
parameters' (``ValueError`` naming both shapes) instead of broadcasting it.

Conventions (stated once, repeated in each docstring)
-----------------------------------------------------
* **Learning rate.** The lecture writes momentum as
  ``Δw(m) = −γ ∇E(w(m)) + α Δw(m−1)``; PyTorch keeps the raw gradient sum
  ``v ← β v + g``, ``w ← w − η v``. With a *constant* learning rate the two produce the
  same iterates with ``γ = η`` and ``α = β``; as chains they are
  ``chain(scale(−γ), trace(α))`` (:func:`lecture_momentum`) and ``chain(trace(β), scale(−η))``
  (:func:`momentum`). The exponential-moving-average form ``v ← β v + (1−β) g`` with
  ``v(0) = 0`` (Adam's first moment) needs the learning rate rescaled, ``η_ema = η / (1−β)``.
  They differ when the learning rate changes during a run: the lecture's ``Δw`` remembers
  steps taken with the old rate (``tests/test_optimizers.py``).
* **Nesterov.** The lecture evaluates the gradient at the look-ahead point
  ``w + α Δw``. Here (as in PyTorch and Sutskever et al. 2013) the iterate *is* the
  look-ahead point, so the gradient is taken at the current parameters; the two sequences
  are the same points shifted by one momentum step (tested).
* **Epsilon.** The sources differ on where the small constant sits. Goodfellow et al.'s
  Alg. 8.5 (RMSprop) puts δ *inside* the square root, ``g / sqrt(δ + r)``, and the lecture's
  slide copies it. For Adam the book's Alg. 8.7 puts δ *outside*, ``ŝ / (sqrt(r̂) + δ)``, as
  do Kingma & Ba and ``torch.optim``; the lecture's Adam slide writes ``ŝ / sqrt(r̂ + δ)``
  (inside). :func:`rmsprop` and :func:`adam` take ``eps_inside_sqrt``; the default ``True``
  follows the lecture's slides, ``False`` is the book's Adam and PyTorch, reproduced to 1e-10
  (tested); a test pins the size of the difference. :func:`adagrad` puts ε outside (PyTorch).
* **Weight decay.** ``weight_decay=λ`` in :func:`sgd`, :func:`momentum`, :func:`adagrad`,
  :func:`rmsprop`, :func:`adam`, :func:`amsgrad` is PyTorch's *coupled* L2 term: ``λw`` is
  added to the gradient before anything else (:func:`add_decayed_weights` first in the
  chain), so Adam divides it by ``sqrt(r̂)`` like the gradient. :func:`adamw` is Loshchilov &
  Hutter's *decoupled* decay: the same part placed after Adam's scaling, so every weight
  shrinks by ``η λ w`` per step whatever its gradients (``torch.optim.AdamW``). Both are
  tested against ``torch.optim`` to 1e-10 in float64.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from lecture_code.core.validate import check_nonnegative, check_positive, check_unit

__all__ = [
    "Optimizer",
    "Part",
    "FLOATS",
    "fast_parts",
    "ema",
    "debias",
    "running_max",
    "rms_normalize",
    "elementwise",
    "apply_updates",
    "chain",
    "named",
    "scale",
    "scale_by_schedule",
    "add_decayed_weights",
    "clip_by_norm",
    "trace",
    "scale_by_sum_of_squares",
    "scale_by_rms",
    "scale_by_adam",
    "scale_by_amsgrad",
    "sgd",
    "lecture_momentum",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "rmsprop_nesterov",
    "adam",
    "amsgrad",
    "adamw",
    "OPTIMIZERS",
    "make",
]


def _max(a: float, b: float) -> float:
    return a if a >= b else b


#: The scalar namespace the rules use on Python floats (numpy itself is the array namespace).
FLOATS = SimpleNamespace(sqrt=math.sqrt, maximum=_max)
Array = np.ndarray


class Part(NamedTuple):
    """One transformation's rule, as the fast 2-D path of the runner calls it.

    Attributes
    ----------
    step : the scalar-generic rule. Elementwise parts: ``step(u, state, t, xp) -> (u, state)``
        with ``state`` a tuple (one value per state field) and ``t`` the step number (1, 2, ...).
        The norm part (:func:`clip_by_norm`): ``step(squared_norm, xp) -> factor``.
    start : the initial state fields (numbers, or one number per coordinate).
    elementwise : ``False`` only for a rule that needs the whole vector.
    factor : for :func:`scale` only, the factor (a number, or one per coordinate).
    uses_params : the rule also takes the parameter, ``step(u, state, t, xp, w)``
        (:func:`add_decayed_weights`).
    """

    step: Callable
    start: tuple = ()
    elementwise: bool = True
    factor: Any = None
    uses_params: bool = False


class Optimizer(NamedTuple):
    """A pair of pure functions plus a description (optax's ``GradientTransformation``).

    Attributes
    ----------
    init : ``params -> state``
    update : ``(grads, state, params) -> (updates, state)``; ``params + updates`` is the next
        iterate. This is what the optimizer does, on every path.
    name : short human-readable name used in legends.
    kind : the method it is (``"gd"``, ``"momentum"``, ``"adam"``, ...): figures choose its
        colour by this role (:func:`lecture_code.core.plotting.color`), never by its name.
    parts : the library's own record of the rules it built this optimizer from, in order
        (filled in by its constructors and :func:`chain`; ``()`` for an optimizer you build
        yourself). The runner's fast path replays them only when they are the very rules
        this ``init``/``update`` were built from (:func:`fast_parts`); passing parts of your
        own changes nothing: your ``update`` runs.

    Examples
    --------
    A hand-built optimizer runs through its own ``update``::

        def init(w): return ()
        def update(g, state, w): return -0.1 * g, state
        mine = Optimizer(init, update, "mine", "gd")
        run(mine, narrow_valley(), (10.0, 10.0), 3)        # the same points as run(sgd(0.1), ...)
    """

    init: Callable[[Array], Any]
    update: Callable[[Array, Any, Array], tuple[Array, Any]]
    name: str
    kind: str
    parts: tuple[Part, ...] = ()


class _Built(NamedTuple):
    """What the library built an ``update`` function from (kept on the function itself)."""

    init: Callable
    parts: tuple[Part, ...]


def _library_optimizer(init: Callable, update: Callable, name: str, kind: str, parts: tuple[Part, ...]) -> Optimizer:
    """An optimizer whose ``init``/``update`` the library built from ``parts`` (fast-path eligible)."""
    update._built_from = _Built(init, parts)  # type: ignore[attr-defined]
    return Optimizer(init, update, name, kind, parts)


def fast_parts(optimizer: Optimizer) -> tuple[Part, ...] | None:
    """The rules the runner's fast path may replay for ``optimizer``, or ``None``.

    They are returned only when the library itself built this very ``init``/``update`` pair
    from them (so replaying them on floats computes what ``update`` computes on arrays); for
    anything else -- a hand-built optimizer, a chain containing one, an optimizer whose
    ``init``, ``update`` or ``parts`` were replaced -- ``None``: it runs through ``update``.
    """
    built = getattr(optimizer.update, "_built_from", None)
    if isinstance(built, _Built) and built.init is optimizer.init and built.parts is optimizer.parts:
        return optimizer.parts
    return None


# --------------------------------------------------------------------------- the named parts


def ema(average, value, decay):
    """Exponential moving average: ``decay · average + (1 − decay) · value``.

    The one moving average of the library: Adam's first moment ``s`` and second moment ``r``,
    RMSprop's ``r``, the running moments of the signal-to-noise exercise.
    """
    return decay * average + (1.0 - decay) * value


def debias(average, decay, t):
    """Bias correction of a moving average started at 0: ``average / (1 − decay^t)``."""
    return average / (1.0 - decay**t)


def running_max(largest, value, xp):
    """AMSGrad's part: the largest second moment so far (so the step size never grows back)."""
    return xp.maximum(largest, value)


def rms_normalize(u, second_moment, eps, eps_inside_sqrt, xp):
    """``u / sqrt(r + δ)`` (δ inside, the lecture's form) or ``u / (sqrt(r) + ε)`` (PyTorch's)."""
    if eps_inside_sqrt:
        return u / xp.sqrt(second_moment + eps)
    return u / (xp.sqrt(second_moment) + eps)


# --------------------------------------------------------------------------- the array path


def _as_float_array(x: Any) -> Array:
    return np.asarray(x, dtype=np.float64)


def apply_updates(params: Array, updates: Array) -> Array:
    """``params + updates`` (kept as a function so chapter code reads like optax)."""
    return _as_float_array(params) + updates


def _states(name: str, fields: Sequence[str]) -> type:
    return NamedTuple(name, [("count", int), *((f, Any) for f in fields)])


def _check_shape(g: Array, params: Any, state_field: Any = None) -> None:
    """A gradient must have the parameters' shape (never broadcast it)."""
    ref = np.shape(params) if params is not None else (state_field.shape if state_field is not None else None)
    if ref is not None and g.shape != tuple(ref):
        raise ValueError(f"grads must have the shape of the parameters {tuple(ref)}, got shape {g.shape}")


def _functions(step: Callable, start: tuple, name: str, state: type | None, uses_params: bool) -> tuple[Callable, Callable]:
    """``init`` and ``update`` applying one scalar-generic rule to numpy arrays."""
    fields = tuple(f"field{i}" for i in range(len(start)))
    state_cls = state or _states("ElementwiseState", fields)
    with_params = bool(uses_params)

    def init(params: Array) -> Any:
        p = _as_float_array(params)
        return state_cls(0, *(np.broadcast_to(np.asarray(v, dtype=np.float64), p.shape).copy() for v in start))

    def update(grads: Array, st: Any, params: Array | None = None) -> tuple[Array, Any]:
        g = _as_float_array(grads)
        _check_shape(g, params, st[1] if len(st) > 1 else None)
        t = st.count + 1
        if with_params:
            if params is None:
                raise ValueError(f"{name} needs the parameters: call update(grads, state, params)")
            u, new = step(g, tuple(st[1:]), t, np, _as_float_array(params))
        else:
            u, new = step(g, tuple(st[1:]), t, np)
        return u, state_cls(t, *new)

    return init, update


def elementwise(step: Callable, start: tuple = (), *, name: str = "custom", kind: str | None = None,
                state: type | None = None, uses_params: bool = False) -> Optimizer:
    """An :class:`Optimizer` from one elementwise rule of your own (the form of every rule here).

    ``step(u, state, t, xp) -> (u, state)`` gets all coordinates' updates ``u`` (a numpy
    array), the tuple of state fields, the step number ``t`` (1, 2, ...) and the namespace
    ``xp`` (numpy) to take ``sqrt`` / ``maximum`` from. ``start`` holds the initial state
    fields (numbers, or one per coordinate)::

        def sign_step(u, state, t, xp):          # signSGD's direction, u / |u|
            return u / xp.sqrt(u * u + 1e-30), state
        signsgd = chain(elementwise(sign_step, name="sign"), scale(-0.01))

    With ``uses_params=True`` the rule gets the parameters too, ``step(u, state, t, xp, w)``,
    and ``update`` needs ``params``. ``update`` refuses a gradient whose shape differs from the
    parameters' (or, without ``params``, from the state's).

    Your rule runs through ``update`` on every path: the runner's fast 2-D path replays only
    the library's own rules, whose float and array forms are the same function by
    construction (see the module docstring).
    """
    init, update = _functions(step, tuple(start), name, state, uses_params)
    return Optimizer(init, update, name, kind or name)


def _transformation(step: Callable, start: tuple, *, name: str, kind: str, state: type, uses_params: bool = False,
                    factor: Any = None) -> Optimizer:
    """One of the library's own transformations: its rule on arrays, recorded for the fast path."""
    init, update = _functions(step, tuple(start), name, state, uses_params)
    part = Part(step, tuple(start), factor=factor, uses_params=bool(uses_params))
    return _library_optimizer(init, update, name, kind, (part,))


class ChainState(NamedTuple):
    states: tuple


def chain(*optimizers: Optimizer) -> Optimizer:
    """Apply transformations in order: the updates of one are the "gradient" of the next.

    ``chain(clip_by_norm(5.0), sgd(0.1))`` clips the gradient to norm 5, then takes a
    gradient step. Only gradient transformations (like :func:`clip_by_norm`) should come
    before the transformation that applies the learning rate.
    """
    if not optimizers:
        raise ValueError("chain needs at least 1 optimizer, got 0")
    for o in optimizers:
        if not isinstance(o, Optimizer):
            raise ValueError(f"chain takes Optimizer objects, got {type(o).__name__}")

    def init(params: Array) -> ChainState:
        return ChainState(tuple(o.init(params) for o in optimizers))

    def update(grads: Array, state: ChainState, params: Array | None = None) -> tuple[Array, ChainState]:
        new_states = []
        u = grads
        for o, s in zip(optimizers, state.states):
            u, s = o.update(u, s, params)
            new_states.append(s)
        return u, ChainState(tuple(new_states))

    name = " → ".join(o.name for o in optimizers)
    kind = optimizers[-1].kind
    if all(fast_parts(o) is not None for o in optimizers):
        return _library_optimizer(init, update, name, kind, tuple(p for o in optimizers for p in o.parts))
    return Optimizer(init, update, name, kind)


def named(optimizer: Optimizer, name: str, kind: str | None = None) -> Optimizer:
    """The same optimizer under a legend name (and a colour role ``kind``)."""
    return optimizer._replace(name=name, kind=kind or optimizer.kind)


# --------------------------------------------------------------------------- transformations

ScaleState = _states("ScaleState", [])


def scale(step_size: float | Sequence[float]) -> Optimizer:
    """Multiply the update by a constant: ``u ← step_size · u`` (``scale(−η)`` is the step).

    ``step_size`` may be one number per coordinate (the lecture's unit-wise learning rates).
    """
    if isinstance(step_size, float) and math.isfinite(step_size):
        factor = step_size
    else:
        arr = np.asarray(step_size, dtype=float)
        if arr.size == 0 or not np.all(np.isfinite(arr)):
            raise ValueError(f"step_size must be finite, got {step_size!r}")
        factor = float(arr) if arr.ndim == 0 else arr.copy()

    def step(u, state, t, xp):
        return factor * u, state

    return _transformation(step, (), name="scale", kind="scale", state=ScaleState, factor=factor)


def scale_by_schedule(schedule: Callable[[int], float]) -> Optimizer:
    """Multiply the update by ``schedule(t)`` at step ``t = 1, 2, ...``: a learning-rate schedule.

    .. code-block:: text

        u ← schedule(t) · u

    ``chain(scale_by_amsgrad(ρ1, ρ2, δ), scale_by_schedule(lambda t: −η / sqrt(t)))`` is AMSGrad
    with the decaying steps ``η/√t`` of Reddi et al.'s convergence theorem. (optax counts
    from 0; here ``t`` is the step number, as in Adam's bias correction.) ``schedule(t)`` must
    return one number (``ValueError`` otherwise). The schedule is your function, so this part
    runs through ``update`` on every path (never the runner's fast path).
    """
    if not callable(schedule):
        raise ValueError(f"schedule must be a function of the step number t = 1, 2, ..., got {schedule!r}")

    def factor(t: int) -> float:
        value = schedule(t)
        if isinstance(value, bool) or np.ndim(value) != 0:
            raise ValueError(f"schedule(t) must return one number, got {value!r} at t = {t}")
        return value

    def step(u, state, t, xp):
        return factor(t) * u, state

    return elementwise(step, (), name="schedule", kind="scale", state=ScaleState)


def add_decayed_weights(weight_decay: float) -> Optimizer:
    """Weight decay as a transformation: ``u ← u + λ w`` (``w`` the current parameters).

    .. code-block:: text

        chain(add_decayed_weights(λ), scale_by_adam(...), scale(−η))    coupled L2 (torch.optim.Adam)
        chain(scale_by_adam(...), add_decayed_weights(λ), scale(−η))    decoupled  (torch.optim.AdamW)

    First in the chain it adds the gradient of the L2 penalty ``½ λ ‖w‖²`` to the gradient
    (``torch.optim``'s ``weight_decay`` in SGD, Adagrad, RMSprop, Adam): an adaptive method
    then divides it by ``sqrt(r̂)`` like the rest of the gradient. After the scaling it shrinks
    every weight by ``η λ w`` per step, whatever its gradients (Loshchilov & Hutter's AdamW).
    For plain SGD the two places give the same update.
    """
    lam = float(check_nonnegative(weight_decay, "weight_decay"))

    def step(u, state, t, xp, w):
        return u + lam * w, state

    return _transformation(step, (), name="add_decayed_weights", kind="scale", state=ScaleState, uses_params=True)


def _coupled_decay(weight_decay: float) -> tuple[Optimizer, ...]:
    """``(add_decayed_weights(λ),)`` for λ > 0, ``()`` for λ = 0 (PyTorch's default: no part at all)."""
    lam = float(check_nonnegative(weight_decay, "weight_decay"))
    return (add_decayed_weights(lam),) if lam > 0 else ()


class EmptyState(NamedTuple):
    pass


def _clip_factor(max_norm: float) -> Callable:
    def factor(squared_norm, xp):
        norm = xp.sqrt(squared_norm)
        return max_norm / norm if norm > max_norm else 1.0

    return factor


def clip_by_norm(max_norm: float) -> Optimizer:
    """Gradient clipping by norm (the lecture on cliffs and exploding gradients).

    .. code-block:: text

        if ‖g‖ > h:  g ← h g / ‖g‖

    The norm is the Euclidean norm of the whole gradient vector. This is a gradient
    transformation: chain it *before* an optimizer, ``chain(clip_by_norm(h), sgd(η))``.
    Same rule as ``torch.nn.utils.clip_grad_norm_`` except that PyTorch divides by
    ``‖g‖ + 1e-6`` (so it always rescales slightly); here nothing changes when ``‖g‖ ≤ h``.
    """
    h = float(check_positive(max_norm, "max_norm"))
    factor = _clip_factor(h)

    def init(params: Array) -> EmptyState:
        return EmptyState()

    def update(grads: Array, state: EmptyState, params: Array | None = None) -> tuple[Array, EmptyState]:
        g = _as_float_array(grads)
        _check_shape(g, params)
        f = factor(float(np.sum(g * g)), FLOATS)
        return (g * f if f != 1.0 else g), state

    return _library_optimizer(init, update, f"clip ‖g‖≤{h:g}", "clip", (Part(factor, (), elementwise=False),))


TraceState = _states("TraceState", ["velocity"])


def trace(decay: float, nesterov: bool = False, dampening: float = 0.0) -> Optimizer:
    """Momentum's accumulation (PyTorch's buffer): a running sum of updates.

    .. code-block:: text

        v(1) = u(1);   v(t) = β v(t−1) + (1 − dampening) u(t)
        u ← u + β v(t)   if nesterov   else   v(t)

    ``chain(trace(β), scale(−η))`` is PyTorch's SGD with momentum;
    ``chain(scale(−γ), trace(α))`` is the lecture's ``Δw(m) = −γ g + α Δw(m−1)``.
    """
    b = check_unit(decay, "beta")
    d = check_unit(dampening, "dampening")
    if nesterov and d != 0.0:
        raise ValueError(f"dampening must be 0 with nesterov=True (as in torch.optim.SGD), got {dampening!r}")
    keep = 1.0 - d

    def step(u, state, t, xp):
        v = u if t == 1 else b * state[0] + keep * u
        return (u + b * v if nesterov else v), (v,)

    return _transformation(step, (0.0,), name="trace", kind="momentum", state=TraceState)


SumOfSquaresState = _states("SumOfSquaresState", ["sum_sq"])


def scale_by_sum_of_squares(eps: float = 1e-10, initial_accumulator_value: float = 0.0) -> Optimizer:
    """AdaGrad's scaling: ``G ← G + u²``, ``u ← u / (sqrt(G) + ε)``."""
    e = float(check_positive(eps, "eps"))
    acc0 = float(check_nonnegative(initial_accumulator_value, "initial_accumulator_value"))

    def step(u, state, t, xp):
        s = state[0] + u * u
        return u / (xp.sqrt(s) + e), (s,)

    return _transformation(step, (acc0,), name="scale_by_sum_of_squares", kind="adagrad", state=SumOfSquaresState)


RMSState = _states("RMSState", ["sq_avg"])


def scale_by_rms(decay: float = 0.99, eps: float = 1e-6, eps_inside_sqrt: bool = True) -> Optimizer:
    """RMSprop's scaling: ``r ← ema(r, u², ρ)``, ``u ← u / sqrt(δ + r)`` (or ``/(sqrt(r) + ε)``)."""
    rho = check_unit(decay, "rho")
    e = float(check_positive(eps, "eps"))
    inside = bool(eps_inside_sqrt)

    def step(u, state, t, xp):
        r = ema(state[0], u * u, rho)
        return rms_normalize(u, r, e, inside, xp), (r,)

    return _transformation(step, (0.0,), name="scale_by_rms", kind="rmsprop", state=RMSState)


AdamState = _states("AdamState", ["mu", "nu"])
AMSGradState = _states("AMSGradState", ["mu", "nu", "nu_max"])


def _adam_hyper(b1: float, b2: float, eps: float) -> tuple[float, float, float]:
    return check_unit(b1, "b1"), check_unit(b2, "b2"), float(check_positive(eps, "eps"))


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *, eps_inside_sqrt: bool = True,
                  bias_correction: bool = True) -> Optimizer:
    """Adam's scaling from its parts: first moment, second moment, bias correction.

    .. code-block:: text

        s ← ema(s, u, ρ1)            first moment
        r ← ema(r, u², ρ2)           second moment
        u ← debias(s) / sqrt(debias(r) + δ)      (rms_normalize; debias only with bias_correction)
    """
    rho1, rho2, e = _adam_hyper(b1, b2, eps)
    inside, bias = bool(eps_inside_sqrt), bool(bias_correction)

    def step(u, state, t, xp):
        s, r = state
        s = ema(s, u, rho1)
        r = ema(r, u * u, rho2)
        if bias:
            return rms_normalize(debias(s, rho1, t), debias(r, rho2, t), e, inside, xp), (s, r)
        return rms_normalize(s, r, e, inside, xp), (s, r)

    return _transformation(step, (0.0, 0.0), name="scale_by_adam", kind="adam", state=AdamState)


def scale_by_amsgrad(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *, eps_inside_sqrt: bool = True,
                     bias_correction: bool = True) -> Optimizer:
    """AMSGrad (Reddi et al. 2018): Adam's parts plus :func:`running_max` of the second moment.

    .. code-block:: text

        s ← ema(s, u, ρ1);   r ← ema(r, u², ρ2)
        r_max ← running_max(r_max, r)                the AMSGrad part
        u ← debias(s) / sqrt(debias(r_max) + δ)

    PyTorch's convention: the maximum of the *uncorrected* ``r``, then bias-corrected. Reddi
    et al.'s Algorithm 2 has no bias correction (``bias_correction=False``).
    """
    rho1, rho2, e = _adam_hyper(b1, b2, eps)
    inside, bias = bool(eps_inside_sqrt), bool(bias_correction)

    def step(u, state, t, xp):
        s, r, r_max = state
        s = ema(s, u, rho1)
        r = ema(r, u * u, rho2)
        r_max = running_max(r_max, r, xp)
        if bias:
            return rms_normalize(debias(s, rho1, t), debias(r_max, rho2, t), e, inside, xp), (s, r, r_max)
        return rms_normalize(s, r_max, e, inside, xp), (s, r, r_max)

    return _transformation(step, (0.0, 0.0, 0.0), name="scale_by_amsgrad", kind="amsgrad", state=AMSGradState)


# --------------------------------------------------------------------------- the optimizers


def _named_chain(parts: Sequence[Optimizer], name: str, kind: str) -> Optimizer:
    """``named(chain(*parts))``, or the single part itself under that name."""
    return named(parts[0] if len(parts) == 1 else chain(*parts), name, kind)


def sgd(lr: float | Sequence[float], weight_decay: float = 0.0) -> Optimizer:
    """Plain gradient descent, ``w ← w − η g``: ``scale(−η)``.

    .. code-block:: text

        g ← g + λ w          (weight_decay λ > 0 only: add_decayed_weights(λ))
        w ← w − η g

    Parameters
    ----------
    lr : float or sequence of float
        Learning rate η > 0. A sequence gives one learning rate per coordinate (the
        lecture's "unit-wise learning rates", e.g. ``sgd([1, 1/75])``).
    weight_decay : float
        λ ≥ 0, the L2 penalty ``½ λ ‖w‖²`` added to the loss (for SGD coupled and decoupled
        weight decay are the same update).

    Notes
    -----
    Same as ``torch.optim.SGD(lr=η, weight_decay=λ)``.
    """
    eta = check_positive(lr, "lr")
    unitwise = np.ndim(eta) != 0
    step = scale(-np.asarray(eta, dtype=float) if unitwise else -float(eta))
    return _named_chain((*_coupled_decay(weight_decay), step), "GD (unit-wise η)" if unitwise else "GD",
                        "gd_unitwise" if unitwise else "gd")


def lecture_momentum(lr: float, alpha: float, nesterov: bool = False) -> Optimizer:
    """Heavy-ball momentum in the lecture's convention (state = previous step Δw).

    .. code-block:: text

        Δw(1) = −γ g(1)
        Δw(m) = −γ g(m) + α Δw(m−1)
        w(m+1) = w(m) + Δw(m)

    that is ``chain(scale(−γ), trace(α))``. With ``nesterov=True`` the lecture takes the
    gradient at the look-ahead point ``w + αΔw(m−1)``; this implementation keeps the iterate
    *at* the look-ahead point, ``u = w + αΔw``, whose update is ``αΔw(m) − γ g(u)``.

    Parameters
    ----------
    lr, alpha : float
        The learning rate γ > 0 and the momentum α in [0, 1).

    Notes
    -----
    With a constant learning rate this gives the same iterates as :func:`momentum` (and
    ``torch.optim.SGD(momentum=α)``) with η = γ.
    """
    gamma = float(check_positive(lr, "lr"))
    a = check_unit(alpha, "alpha")
    name = ("Nesterov" if nesterov else "momentum") + " (lecture form)"
    return named(chain(scale(-gamma), trace(a, nesterov=nesterov)), name, "nesterov" if nesterov else "momentum")


def momentum(lr: float, beta: float = 0.9, nesterov: bool = False, dampening: float = 0.0,
             weight_decay: float = 0.0) -> Optimizer:
    """SGD with momentum in PyTorch's convention (``torch.optim.SGD``): ``chain(trace(β), scale(−η))``.

    .. code-block:: text

        g ← g + λ w                                  (weight_decay λ > 0 only)
        v(1) = g(1);   v(t) = β v(t−1) + (1 − dampening) g(t)
        d = g + β v(t)   if nesterov   else   v(t)
        w ← w − η d

    Parameters
    ----------
    lr : float
        η > 0.
    beta : float
        Momentum β in [0, 1).
    nesterov : bool
        PyTorch's Nesterov (gradient at the iterate, which is the lecture's look-ahead point).
    dampening : float
        In [0, 1), as in PyTorch, which does not dampen the first gradient (``v(1) = g(1)``);
        so ``dampening=β`` is *not* exactly the moving average ``v(0) = 0, v ← βv + (1−β)g``
        (the latter equals the undampened form with ``η → η/(1−β)``; tested).
    weight_decay : float
        λ ≥ 0: PyTorch's coupled L2 term, ``chain(add_decayed_weights(λ), trace(β), scale(−η))``.

    Notes
    -----
    Matches ``torch.optim.SGD(lr, momentum=β, nesterov=…, dampening=…, weight_decay=…)`` to
    rounding for β > 0 (tested over random hyperparameters). With ``momentum=0`` torch keeps no
    buffer at all, so it ignores ``dampening``; here ``β = 0`` still scales every gradient after
    the first by ``1 − dampening`` (use :func:`sgd` for plain gradient descent).
    """
    eta = float(check_positive(lr, "lr"))
    parts = (*_coupled_decay(weight_decay), trace(beta, nesterov=nesterov, dampening=dampening), scale(-eta))
    return _named_chain(parts, "Nesterov" if nesterov else "momentum", "nesterov" if nesterov else "momentum")


def nesterov(lr: float, beta: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Nesterov momentum, PyTorch convention: ``momentum(lr, beta, nesterov=True)``."""
    return momentum(lr, beta, nesterov=True, weight_decay=weight_decay)


def adagrad(lr: float, eps: float = 1e-10, initial_accumulator_value: float = 0.0,
            weight_decay: float = 0.0) -> Optimizer:
    """AdaGrad: one learning rate per coordinate, shrinking with the sum of squared gradients.

    .. code-block:: text

        g ← g + λ w          (weight_decay λ > 0 only)
        G ← G + g ⊙ g
        w ← w − η g / (sqrt(G) + ε)

    ``chain(scale_by_sum_of_squares(ε), scale(−η))``. ε sits outside the square root, as in
    ``torch.optim.Adagrad`` (which this matches for ``lr_decay=0``). The CMU lecture's
    "simplified" AdaGrad has no ε.
    """
    eta = float(check_positive(lr, "lr"))
    parts = (*_coupled_decay(weight_decay), scale_by_sum_of_squares(eps, initial_accumulator_value), scale(-eta))
    return _named_chain(parts, "AdaGrad", "adagrad")


def rmsprop(lr: float, rho: float = 0.99, eps: float = 1e-6, eps_inside_sqrt: bool = True,
            weight_decay: float = 0.0) -> Optimizer:
    """RMSprop (Goodfellow et al., Alg. 8.5): ``chain(scale_by_rms(ρ, δ), scale(−η))``.

    .. code-block:: text

        g ← g + λ w                        (weight_decay λ > 0 only)
        r ← ρ r + (1 − ρ) g ⊙ g
        w ← w − η g / sqrt(δ + r)          eps_inside_sqrt=True  (Alg. 8.5 and the lecture)
        w ← w − η g / (sqrt(r) + ε)        eps_inside_sqrt=False (torch.optim.RMSprop)

    Parameters
    ----------
    lr : float
        η > 0 (the lecture's "global learning rate ε").
    rho : float
        Decay rate ρ in [0, 1) (PyTorch calls it ``alpha``).
    eps : float
        δ > 0.
    eps_inside_sqrt : bool
        Where δ sits.
    weight_decay : float
        λ ≥ 0, PyTorch's coupled L2 term (added to the gradient before ``r``).

    Notes
    -----
    With ``eps_inside_sqrt=False`` this is ``torch.optim.RMSprop(lr, alpha=ρ, eps=ε, weight_decay=λ)``.
    """
    eta = float(check_positive(lr, "lr"))
    parts = (*_coupled_decay(weight_decay), scale_by_rms(rho, eps, eps_inside_sqrt), scale(-eta))
    return _named_chain(parts, "RMSprop", "rmsprop")


def rmsprop_nesterov(lr: float, rho: float = 0.99, alpha: float = 0.9, eps: float = 1e-6) -> Optimizer:
    """RMSprop with Nesterov momentum (Goodfellow et al., Alg. 8.6).

    .. code-block:: text

        θ̃ ← θ + α v                       (interim point)
        g ← ∇L(θ̃)
        r ← ρ r + (1 − ρ) g ⊙ g
        v ← α v − η g / sqrt(δ + r)
        θ ← θ + v

    that is ``chain(scale_by_rms(ρ, δ), scale(−η), trace(α, nesterov=True))``. The lecture
    notes that δ "has been suppressed in the notation but should always be kept": it sits
    inside the square root as in Alg. 8.5. As for :func:`lecture_momentum`, the iterate here
    is the interim point ``θ̃`` (the gradient is taken at the current parameters), whose
    update is ``α v_new − η g / sqrt(δ + r)``. PyTorch has no equivalent (its
    ``RMSprop(momentum=…)`` is heavy-ball momentum), so the tests check this one against
    Alg. 8.6 written out line by line instead of against ``torch.optim``.
    """
    eta = float(check_positive(lr, "lr"))
    a = check_unit(alpha, "alpha")
    return named(chain(scale_by_rms(rho, eps, True), scale(-eta), trace(a, nesterov=True)),
                 "RMSprop+Nesterov", "rmsprop_nesterov")


def adam(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *,
         eps_inside_sqrt: bool = True, bias_correction: bool = True, weight_decay: float = 0.0) -> Optimizer:
    """Adam (Goodfellow et al., Alg. 8.7): ``chain(scale_by_adam(ρ1, ρ2, δ), scale(−η))``.

    .. code-block:: text

        g ← g + λ w                           (weight_decay λ > 0 only: coupled L2)
        t ← t + 1
        s ← ρ1 s + (1 − ρ1) g                 first moment     (ema)
        r ← ρ2 r + (1 − ρ2) g ⊙ g             second moment    (ema)
        ŝ ← s / (1 − ρ1^t),  r̂ ← r / (1 − ρ2^t)       (debias; bias_correction only)
        w ← w − η ŝ / sqrt(r̂ + δ)            eps_inside_sqrt=True  (the lecture's slide)
        w ← w − η ŝ / (sqrt(r̂) + ε)          eps_inside_sqrt=False (the book's Alg. 8.7,
                                               Kingma & Ba, torch.optim.Adam)

    Parameters
    ----------
    lr : float
        Step size η > 0.
    b1, b2 : float
        Decay rates ρ1, ρ2 in [0, 1).
    eps : float
        δ > 0.
    eps_inside_sqrt : bool
        Where δ sits (see above).
    bias_correction : bool
        Divide by ``1 − ρ^t``. With it the first step for a constant gradient has length η
        exactly; without it the first step is ``(1−ρ1)/sqrt(1−ρ2)`` times η (0.1/sqrt(0.001)
        ≈ 3.16 with the defaults: too *large*, because r starts even further below its
        running average than s does).
    weight_decay : float
        λ ≥ 0, PyTorch's coupled L2 term: ``λ w`` joins the gradient *before* the moments, so
        it is divided by ``sqrt(r̂)`` too. For decoupled weight decay use :func:`adamw`.

    Notes
    -----
    With ``eps_inside_sqrt=False`` this matches ``torch.optim.Adam(lr, betas=(ρ1, ρ2),
    eps=ε, weight_decay=λ)`` to rounding (tested in float64). AMSGrad is :func:`amsgrad`.
    """
    eta = float(check_positive(lr, "lr"))
    name = "Adam" if bias_correction else "Adam (no bias corr.)"
    parts = (*_coupled_decay(weight_decay),
             scale_by_adam(b1, b2, eps, eps_inside_sqrt=eps_inside_sqrt, bias_correction=bias_correction), scale(-eta))
    return _named_chain(parts, name, "adam" if bias_correction else "adam_no_bias")


def amsgrad(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *,
            eps_inside_sqrt: bool = True, bias_correction: bool = True, weight_decay: float = 0.0) -> Optimizer:
    """AMSGrad (Reddi et al. 2018): ``chain(scale_by_amsgrad(ρ1, ρ2, δ), scale(−η))``.

    Adam whose second moment is replaced by its running maximum (:func:`scale_by_amsgrad`).
    With ``eps_inside_sqrt=False`` this matches ``torch.optim.Adam(..., amsgrad=True,
    weight_decay=λ)``. The step size here is constant; Reddi et al.'s convergence guarantee
    is for decaying steps ``η/√t``:
    ``chain(scale_by_amsgrad(ρ1, ρ2, δ), scale_by_schedule(lambda t: -η / math.sqrt(t)))``.
    """
    eta = float(check_positive(lr, "lr"))
    parts = (*_coupled_decay(weight_decay),
             scale_by_amsgrad(b1, b2, eps, eps_inside_sqrt=eps_inside_sqrt, bias_correction=bias_correction),
             scale(-eta))
    return _named_chain(parts, "AMSGrad", "amsgrad")


def adamw(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, weight_decay: float = 1e-2, *,
          eps_inside_sqrt: bool = True, bias_correction: bool = True, amsgrad: bool = False) -> Optimizer:
    """AdamW (Loshchilov & Hutter 2019): Adam with *decoupled* weight decay.

    .. code-block:: text

        u ← ŝ / sqrt(r̂ + δ)            Adam's direction (scale_by_adam; or scale_by_amsgrad)
        u ← u + λ w                      add_decayed_weights(λ), *after* the scaling
        w ← w − η u   =   (1 − ηλ) w − η ŝ / sqrt(r̂ + δ)

    that is ``chain(scale_by_adam(ρ1, ρ2, δ), add_decayed_weights(λ), scale(−η))``. Compare
    ``adam(weight_decay=λ)``, where the same part comes *first* and Adam divides the decay by
    ``sqrt(r̂)``: there a weight with large gradients is hardly decayed, and one whose loss
    gradient is zero is pulled to 0 by steps of about η whatever λ is. Here every weight
    shrinks by the factor ``1 − ηλ`` per step on top of Adam's step.

    Parameters
    ----------
    lr, b1, b2, eps, eps_inside_sqrt, bias_correction : as in :func:`adam`.
    weight_decay : float
        λ ≥ 0 (PyTorch's default 0.01).
    amsgrad : bool
        Use AMSGrad's running maximum of the second moment.

    Notes
    -----
    With ``eps_inside_sqrt=False`` this matches ``torch.optim.AdamW(lr, betas=(ρ1, ρ2), eps=ε,
    weight_decay=λ, amsgrad=…)`` to rounding (tested in float64).
    """
    eta = float(check_positive(lr, "lr"))
    lam = float(check_nonnegative(weight_decay, "weight_decay"))
    scaling = scale_by_amsgrad if amsgrad else scale_by_adam
    return named(chain(scaling(b1, b2, eps, eps_inside_sqrt=eps_inside_sqrt, bias_correction=bias_correction),
                       add_decayed_weights(lam), scale(-eta)),
                 "AMSGradW" if amsgrad else "AdamW", "amsgrad" if amsgrad else "adam")


#: Constructors by short name, for chapters and races: ``make("adam", lr=0.1)``.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "rmsprop_nesterov": rmsprop_nesterov,
    "adam": adam,
    "amsgrad": amsgrad,
    "adamw": adamw,
}


def make(name: str, **hyper: Any) -> Optimizer:
    """``OPTIMIZERS[name](**hyper)`` with a helpful error for unknown names."""
    try:
        ctor = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}") from None
    return ctor(**hyper)
