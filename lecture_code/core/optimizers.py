"""First-order optimizers as pure ``init`` / ``update`` functions over numpy arrays.

Every optimizer is an :class:`Optimizer`: a pair of pure functions in the style of optax::

    opt = adam(lr=0.1)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = params + updates          # see apply_updates

``updates`` are what is *added* to the parameters (so they already carry the minus sign
and the learning rate). States are small NamedTuples of arrays; nothing is mutated.
Pieces compose with :func:`chain`, which reads like the math::

    chain(clip_by_norm(1.0), adam(0.01))   # clip the gradient, then Adam

All methods here act coordinate by coordinate except :func:`clip_by_norm` (which looks at
the whole gradient vector), so the trajectory runner in :mod:`lecture_code.core.runner` also
has a pure-Python-float path for 2-D problems that gives the same numbers
(``tests/test_runner.py`` checks it) and is fast enough for sliders.

Conventions (stated once, repeated in each docstring)
-----------------------------------------------------
* **Learning rate.** The lecture writes momentum as
  ``Δw(m) = −γ ∇E(w(m)) + α Δw(m−1)``; PyTorch keeps the raw gradient sum
  ``v ← β v + g``, ``w ← w − η v``. With a *constant* learning rate the two produce the
  same iterates with ``γ = η`` and ``α = β`` (multiply PyTorch's ``v`` by ``−η`` to get the
  lecture's ``Δw``). The exponential-moving-average form ``v ← β v + (1−β) g`` with
  ``v(0) = 0`` (Adam's first moment) needs the learning rate rescaled, ``η_ema = η / (1−β)``. They differ
  when the learning rate changes during a run: the lecture's ``Δw`` remembers steps taken
  with the old rate. :func:`lecture_momentum` and :func:`momentum` implement the two;
  ``tests/test_optimizers.py`` shows they coincide.
* **Nesterov.** The lecture evaluates the gradient at the look-ahead point
  ``w + α Δw``. Here (as in PyTorch and Sutskever et al. 2013) the iterate *is* the
  look-ahead point, so the gradient is taken at the current parameters; the two sequences
  are the same points shifted by one momentum step (tested).
* **Epsilon.** Goodfellow et al. (the lecture's Alg. 8.5 and 8.7) put δ *inside* the
  square root, ``g / sqrt(δ + r)``; PyTorch puts it *outside*, ``g / (sqrt(r) + ε)``.
  :func:`rmsprop` and :func:`adam` take ``eps_inside_sqrt`` (default ``True``, the
  lecture's form); with ``False`` they reproduce ``torch.optim`` to 1e-10 (tested), and a
  test pins the size of the difference. :func:`adagrad` follows PyTorch (outside).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

__all__ = [
    "Optimizer",
    "Spec",
    "apply_updates",
    "chain",
    "clip_by_norm",
    "sgd",
    "lecture_momentum",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "rmsprop_nesterov",
    "adam",
    "amsgrad",
    "OPTIMIZERS",
    "make",
]


Array = np.ndarray


class Spec(NamedTuple):
    """What an optimizer is: its kind and hyper-parameters (used by the fast 2-D runner)."""

    kind: str
    hyper: dict[str, Any]


class Optimizer(NamedTuple):
    """A pair of pure functions plus a description.

    Attributes
    ----------
    init : ``params -> state``
    update : ``(grads, state, params) -> (updates, state)``; ``params + updates`` is the next
        iterate.
    name : short human-readable name used in legends.
    specs : the chain of :class:`Spec` this optimizer is made of (one entry unless built
        with :func:`chain`).
    """

    init: Callable[[Array], Any]
    update: Callable[[Array, Any, Array], tuple[Array, Any]]
    name: str
    specs: tuple[Spec, ...]


# --------------------------------------------------------------------------- validation


def _check_positive(name: str, value: Any) -> Any:
    arr = np.asarray(value, dtype=float)
    if arr.size == 0 or not np.all(np.isfinite(arr)) or not np.all(arr > 0):
        raise ValueError(f"{name} must be > 0 (and finite), got {value!r}")
    return value if arr.ndim == 0 and not isinstance(value, np.ndarray) else arr.copy()


def _check_unit(name: str, value: float) -> float:
    v = float(value)
    if not (0.0 <= v < 1.0):
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return v


def _as_float_array(x: Any) -> Array:
    return np.asarray(x, dtype=np.float64)


def apply_updates(params: Array, updates: Array) -> Array:
    """``params + updates`` (kept as a function so chapter code reads like optax)."""
    return _as_float_array(params) + updates


# --------------------------------------------------------------------------- composition


class ChainState(NamedTuple):
    states: tuple


def chain(*optimizers: Optimizer) -> Optimizer:
    """Apply transformations in order: the updates of one are the "gradient" of the next.

    ``chain(clip_by_norm(5.0), sgd(0.1))`` clips the gradient to norm 5, then takes a
    gradient step. Only gradient transformations (like :func:`clip_by_norm`) should come
    before the optimizer that applies the learning rate.
    """
    if not optimizers:
        raise ValueError("chain needs at least 1 optimizer, got 0")

    def init(params: Array) -> ChainState:
        return ChainState(tuple(o.init(params) for o in optimizers))

    def update(grads: Array, state: ChainState, params: Array) -> tuple[Array, ChainState]:
        new_states = []
        u = grads
        for o, s in zip(optimizers, state.states):
            u, s = o.update(u, s, params)
            new_states.append(s)
        return u, ChainState(tuple(new_states))

    name = " → ".join(o.name for o in optimizers)
    specs = tuple(s for o in optimizers for s in o.specs)
    return Optimizer(init, update, name, specs)


class EmptyState(NamedTuple):
    pass


def clip_by_norm(max_norm: float) -> Optimizer:
    """Gradient clipping by norm (the lecture on cliffs and exploding gradients).

    .. code-block:: text

        if ‖g‖ > h:  g ← h g / ‖g‖

    The norm is the Euclidean norm of the whole gradient vector. This is a gradient
    transformation: chain it *before* an optimizer, ``chain(clip_by_norm(h), sgd(η))``.
    Same rule as ``torch.nn.utils.clip_grad_norm_`` except that PyTorch divides by
    ``‖g‖ + 1e-6`` (so it always rescales slightly); here nothing changes when ``‖g‖ ≤ h``.
    """
    h = float(_check_positive("max_norm", max_norm))

    def init(params: Array) -> EmptyState:
        return EmptyState()

    def update(grads: Array, state: EmptyState, params: Array) -> tuple[Array, EmptyState]:
        g = _as_float_array(grads)
        norm = float(np.sqrt(np.sum(g * g)))
        if norm > h:
            g = g * (h / norm)
        return g, state

    return Optimizer(init, update, f"clip ‖g‖≤{h:g}", (Spec("clip_by_norm", {"max_norm": h}),))


# --------------------------------------------------------------------------- gradient descent


def sgd(lr: float | Sequence[float]) -> Optimizer:
    """Plain gradient descent, ``w ← w − η g``.

    Parameters
    ----------
    lr : learning rate η > 0. A sequence gives one learning rate per coordinate (the
        lecture's "unit-wise learning rates", e.g. ``sgd([1, 1/75])``).

    Same as ``torch.optim.SGD(lr=η)``.
    """
    eta = _check_positive("lr", lr)

    def init(params: Array) -> EmptyState:
        return EmptyState()

    def update(grads: Array, state: EmptyState, params: Array) -> tuple[Array, EmptyState]:
        return -eta * _as_float_array(grads), state

    name = "GD" if np.ndim(eta) == 0 else "GD (unit-wise η)"
    return Optimizer(init, update, name, (Spec("sgd", {"lr": eta}),))


# --------------------------------------------------------------------------- momentum


class VelocityState(NamedTuple):
    velocity: Array  # lecture: Δw of the previous step; PyTorch: the buffer v


def lecture_momentum(lr: float, alpha: float, nesterov: bool = False) -> Optimizer:
    """Heavy-ball momentum in the lecture's convention (state = previous step Δw).

    .. code-block:: text

        Δw(1) = −γ g(1)
        Δw(m) = −γ g(m) + α Δw(m−1)
        w(m+1) = w(m) + Δw(m)

    With ``nesterov=True`` the lecture takes the gradient at the look-ahead point
    ``w + αΔw(m−1)``. This implementation keeps the iterate *at* the look-ahead point,
    ``u = w + αΔw``, whose update is ``αΔw(m) − γ g(u)`` (see the module docstring).

    Parameters
    ----------
    lr : γ > 0. alpha : momentum α in [0, 1).

    With a constant learning rate this gives the same iterates as :func:`momentum` (and
    ``torch.optim.SGD(momentum=α)``) with η = γ.
    """
    gamma = float(_check_positive("lr", lr))
    a = _check_unit("alpha", alpha)

    def init(params: Array) -> VelocityState:
        return VelocityState(np.zeros_like(_as_float_array(params)))

    def update(grads: Array, state: VelocityState, params: Array) -> tuple[Array, VelocityState]:
        g = _as_float_array(grads)
        dw = -gamma * g + a * state.velocity
        upd = a * dw - gamma * g if nesterov else dw
        return upd, VelocityState(dw)

    name = ("Nesterov" if nesterov else "momentum") + " (lecture form)"
    return Optimizer(init, update, name, (Spec("lecture_momentum", {"lr": gamma, "alpha": a, "nesterov": bool(nesterov)}),))


class BufferState(NamedTuple):
    buffer: Array
    count: int


def momentum(lr: float, beta: float = 0.9, nesterov: bool = False, dampening: float = 0.0) -> Optimizer:
    """SGD with momentum in PyTorch's convention (``torch.optim.SGD``).

    .. code-block:: text

        v(1) = g(1);   v(t) = β v(t−1) + (1 − dampening) g(t)
        d = g + β v(t)   if nesterov   else   v(t)
        w ← w − η d

    Parameters
    ----------
    lr : η > 0. beta : momentum β in [0, 1). nesterov : PyTorch's Nesterov (gradient at
        the iterate, which is the lecture's look-ahead point). dampening : in [0, 1), as
        in PyTorch, which does not dampen the first gradient (``v(1) = g(1)``); so
        ``dampening=β`` is *not* exactly the moving average ``v(0) = 0, v ← βv + (1−β)g``
        (the latter equals the undampened form with ``η → η/(1−β)``; tested).

    Matches ``torch.optim.SGD(lr, momentum=β, nesterov=…, dampening=…)`` to rounding.
    """
    eta = float(_check_positive("lr", lr))
    b = _check_unit("beta", beta)
    d = _check_unit("dampening", dampening)
    if nesterov and d != 0.0:
        raise ValueError(f"dampening must be 0 with nesterov=True (as in torch.optim.SGD), got {dampening!r}")

    def init(params: Array) -> BufferState:
        return BufferState(np.zeros_like(_as_float_array(params)), 0)

    def update(grads: Array, state: BufferState, params: Array) -> tuple[Array, BufferState]:
        g = _as_float_array(grads)
        v = g.copy() if state.count == 0 else b * state.buffer + (1.0 - d) * g
        direction = g + b * v if nesterov else v
        return -eta * direction, BufferState(v, state.count + 1)

    name = "Nesterov" if nesterov else "momentum"
    return Optimizer(init, update, name, (Spec("momentum", {"lr": eta, "beta": b, "nesterov": bool(nesterov), "dampening": d}),))


def nesterov(lr: float, beta: float = 0.9) -> Optimizer:
    """Nesterov momentum, PyTorch convention: ``momentum(lr, beta, nesterov=True)``."""
    return momentum(lr, beta, nesterov=True)


# --------------------------------------------------------------------------- adaptive methods


class AccumulatorState(NamedTuple):
    sum_sq: Array


def adagrad(lr: float, eps: float = 1e-10, initial_accumulator_value: float = 0.0) -> Optimizer:
    """AdaGrad: one learning rate per coordinate, shrinking with the sum of squared gradients.

    .. code-block:: text

        G ← G + g ⊙ g
        w ← w − η g / (sqrt(G) + ε)

    ε sits outside the square root, as in ``torch.optim.Adagrad`` (which this matches for
    ``lr_decay=0``, ``weight_decay=0``). The CMU lecture's "simplified" AdaGrad has no ε.
    """
    eta = float(_check_positive("lr", lr))
    e = float(_check_positive("eps", eps))
    acc0 = float(initial_accumulator_value)
    if not (acc0 >= 0.0):
        raise ValueError(f"initial_accumulator_value must be >= 0, got {initial_accumulator_value!r}")

    def init(params: Array) -> AccumulatorState:
        return AccumulatorState(np.full_like(_as_float_array(params), acc0))

    def update(grads: Array, state: AccumulatorState, params: Array) -> tuple[Array, AccumulatorState]:
        g = _as_float_array(grads)
        s = state.sum_sq + g * g
        return -eta * g / (np.sqrt(s) + e), AccumulatorState(s)

    return Optimizer(init, update, "AdaGrad", (Spec("adagrad", {"lr": eta, "eps": e, "acc0": acc0}),))


class RMSState(NamedTuple):
    sq_avg: Array


def rmsprop(lr: float, rho: float = 0.99, eps: float = 1e-6, eps_inside_sqrt: bool = True) -> Optimizer:
    """RMSprop (Goodfellow et al., Alg. 8.5).

    .. code-block:: text

        r ← ρ r + (1 − ρ) g ⊙ g
        w ← w − η g / sqrt(δ + r)          eps_inside_sqrt=True  (lecture, Alg. 8.5)
        w ← w − η g / (sqrt(r) + ε)        eps_inside_sqrt=False (torch.optim.RMSprop)

    Parameters
    ----------
    lr : η > 0 (the lecture's "global learning rate ε"). rho : decay rate ρ in [0, 1)
        (PyTorch calls it ``alpha``). eps : δ > 0. eps_inside_sqrt : where δ sits.

    With ``eps_inside_sqrt=False`` this is ``torch.optim.RMSprop(lr, alpha=ρ, eps=ε)``.
    """
    eta = float(_check_positive("lr", lr))
    r_ = _check_unit("rho", rho)
    e = float(_check_positive("eps", eps))

    def init(params: Array) -> RMSState:
        return RMSState(np.zeros_like(_as_float_array(params)))

    def update(grads: Array, state: RMSState, params: Array) -> tuple[Array, RMSState]:
        g = _as_float_array(grads)
        r = r_ * state.sq_avg + (1.0 - r_) * g * g
        denom = np.sqrt(e + r) if eps_inside_sqrt else np.sqrt(r) + e
        return -eta * g / denom, RMSState(r)

    return Optimizer(init, update, "RMSprop", (Spec("rmsprop", {"lr": eta, "rho": r_, "eps": e, "inside": bool(eps_inside_sqrt)}),))


class RMSNesterovState(NamedTuple):
    sq_avg: Array
    velocity: Array


def rmsprop_nesterov(lr: float, rho: float = 0.99, alpha: float = 0.9, eps: float = 1e-6) -> Optimizer:
    """RMSprop with Nesterov momentum (Goodfellow et al., Alg. 8.6).

    .. code-block:: text

        θ̃ ← θ + α v                       (interim point)
        g ← ∇L(θ̃)
        r ← ρ r + (1 − ρ) g ⊙ g
        v ← α v − η g / sqrt(δ + r)
        θ ← θ + v

    The lecture notes that δ "has been suppressed in the notation but should always be
    kept": it sits inside the square root as in Alg. 8.5. As for :func:`lecture_momentum`,
    the iterate here is the interim point ``θ̃`` (the gradient is taken at the current
    parameters), whose update is ``α v_new − η g / sqrt(δ + r)``. PyTorch has no
    equivalent (its ``RMSprop(momentum=…)`` is heavy-ball momentum).
    """
    eta = float(_check_positive("lr", lr))
    r_ = _check_unit("rho", rho)
    a = _check_unit("alpha", alpha)
    e = float(_check_positive("eps", eps))

    def init(params: Array) -> RMSNesterovState:
        z = np.zeros_like(_as_float_array(params))
        return RMSNesterovState(z, z.copy())

    def update(grads: Array, state: RMSNesterovState, params: Array) -> tuple[Array, RMSNesterovState]:
        g = _as_float_array(grads)
        r = r_ * state.sq_avg + (1.0 - r_) * g * g
        scaled = eta * g / np.sqrt(e + r)
        v = a * state.velocity - scaled
        return a * v - scaled, RMSNesterovState(r, v)

    return Optimizer(init, update, "RMSprop+Nesterov", (Spec("rmsprop_nesterov", {"lr": eta, "rho": r_, "alpha": a, "eps": e}),))


class AdamState(NamedTuple):
    count: int
    mu: Array       # first moment s
    nu: Array       # second moment r
    nu_max: Array   # running max of r (AMSGrad); unused otherwise


def adam(
    lr: float = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    *,
    eps_inside_sqrt: bool = True,
    bias_correction: bool = True,
    amsgrad: bool = False,
) -> Optimizer:
    """Adam (Goodfellow et al., Alg. 8.7) with optional AMSGrad (Reddi et al. 2018).

    .. code-block:: text

        t ← t + 1
        s ← ρ1 s + (1 − ρ1) g                 first moment
        r ← ρ2 r + (1 − ρ2) g ⊙ g             second moment
        r_max ← max(r_max, r)                 (amsgrad only; r is replaced by r_max below)
        ŝ ← s / (1 − ρ1^t),  r̂ ← r / (1 − ρ2^t)       (bias_correction only)
        w ← w − η ŝ / sqrt(r̂ + δ)            eps_inside_sqrt=True  (lecture, Alg. 8.7)
        w ← w − η ŝ / (sqrt(r̂) + ε)          eps_inside_sqrt=False (torch.optim.Adam)

    Parameters
    ----------
    lr : step size η > 0. b1, b2 : decay rates ρ1, ρ2 in [0, 1). eps : δ > 0.
    eps_inside_sqrt : where δ sits (see above).
    bias_correction : divide by ``1 − ρ^t``. With it the first step for a constant gradient
        has length η exactly; without it the first step is ``(1−ρ1)/sqrt(1−ρ2)`` times η
        (0.1/sqrt(0.001) ≈ 3.16 with the defaults: too *large*, because r starts even
        further below its running average than s does).
    amsgrad : keep the running maximum of the second moment (PyTorch's convention: the
        maximum of the *uncorrected* r, then bias-corrected). Reddi et al.'s Algorithm 2
        has no bias correction: ``adam(..., amsgrad=True, bias_correction=False)``.

    With ``eps_inside_sqrt=False`` this matches ``torch.optim.Adam(lr, betas=(ρ1, ρ2),
    eps=ε, amsgrad=…)`` to rounding (tested in float64).
    """
    eta = float(_check_positive("lr", lr))
    rho1 = _check_unit("b1", b1)
    rho2 = _check_unit("b2", b2)
    e = float(_check_positive("eps", eps))

    def init(params: Array) -> AdamState:
        z = np.zeros_like(_as_float_array(params))
        return AdamState(0, z, z.copy(), z.copy())

    def update(grads: Array, state: AdamState, params: Array) -> tuple[Array, AdamState]:
        g = _as_float_array(grads)
        t = state.count + 1
        s = rho1 * state.mu + (1.0 - rho1) * g
        r = rho2 * state.nu + (1.0 - rho2) * g * g
        r_max = np.maximum(state.nu_max, r) if amsgrad else state.nu_max
        r_used = r_max if amsgrad else r
        if bias_correction:
            s_hat = s / (1.0 - rho1**t)
            r_hat = r_used / (1.0 - rho2**t)
        else:
            s_hat, r_hat = s, r_used
        denom = np.sqrt(r_hat + e) if eps_inside_sqrt else np.sqrt(r_hat) + e
        return -eta * s_hat / denom, AdamState(t, s, r, r_max)

    name = "AMSGrad" if amsgrad else "Adam"
    if not bias_correction:
        name += " (no bias corr.)"
    hyper = {"lr": eta, "b1": rho1, "b2": rho2, "eps": e, "inside": bool(eps_inside_sqrt),
             "bias_correction": bool(bias_correction), "amsgrad": bool(amsgrad)}
    return Optimizer(init, update, name, (Spec("adam", hyper),))


def amsgrad(lr: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, **kw: Any) -> Optimizer:
    """AMSGrad (Reddi et al. 2018): :func:`adam` with ``amsgrad=True``."""
    return adam(lr, b1, b2, eps, amsgrad=True, **kw)


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
}


def make(name: str, **hyper: Any) -> Optimizer:
    """``OPTIMIZERS[name](**hyper)`` with a helpful error for unknown names."""
    try:
        ctor = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}") from None
    return ctor(**hyper)
