"""Escaping strict saddles: gradient descent, perturbed gradient descent (Jin et al. 2017).

A strict saddle has a direction of negative curvature, ``λ_min(∇²f) = −γ < 0``. Gradient descent
started *on* it never moves (the gradient is zero); started a distance ``ε`` off it along the
escape direction it leaves after about ``log(a/ε) / log(1 + ηγ)`` steps (``a`` the distance at
which we call it gone). **Perturbed gradient descent** (Jin, Ge, Netrapalli, Kakade & Jordan,
ICML 2017, their Algorithm 2) adds a random kick whenever the gradient is small::

    for t = 0, 1, ...:
        if ‖∇f(x_t)‖ <= g_thres and t − t_noise > t_thres:      # small gradient, no kick lately
            x_t ← x_t + ξ_t,  ξ_t uniform in the ball of radius r;  t_noise ← t
        x_{t+1} = x_t − η ∇f(x_t)

(their algorithm also stops once a kick has not lowered ``f`` by ``f_thres`` within
``t_thres`` steps; here we run a fixed number of steps and record what happens). A kick lands
at a uniformly random point of the ball; its component along the escape direction is of
order ``r/√d``, so the escape takes about ``[log(a/r) + ½ log d] / log(1 + ηγ)`` steps:
*logarithmic* in the dimension ``d`` and in ``1/r``. :func:`expected_log_offset` gives the exact
mean of ``log|ξ_1|`` for a uniform kick, :func:`predicted_escape_steps` the resulting
prediction from the linearised dynamics.

The test function (:class:`QuarticSaddle`) is ``f(x) = ½ xᵀ diag(−γ, λ, …, λ) x + ¼ ‖x‖⁴``: a
strict saddle at the origin (``f = 0``, Hessian eigenvalues ``−γ`` and ``λ``), minima at
``x = ±√γ e_1`` with ``f = −γ²/4``. Everything is batched over runs: ``x`` has shape
``(runs, d)``.

    from lecture_code.core.escape import QuarticSaddle, perturbed_gd, uniform_ball
    f = QuarticSaddle(d=100)
    run = perturbed_gd(f, np.zeros((50, 100)), lr=0.1, radius=1e-3, steps=400, seed=0)
    run.escape_steps          # (50,) first step with f <= f(saddle) − drop, −1 if never
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from lecture_code.core.validate import check_int, check_nonnegative, check_positive

__all__ = [
    "QuarticSaddle",
    "uniform_ball",
    "EscapeRun",
    "gradient_descent",
    "perturbed_gd",
    "expected_log_offset",
    "predicted_escape_steps",
    "jin_parameters",
    "JinParameters",
]


@dataclass(frozen=True)
class QuarticSaddle:
    """``f(x) = ½ Σ_i h_i x_i² + ¼ ‖x‖⁴`` with ``h = (−γ, λ, …, λ)``: a strict saddle at 0.

    Parameters
    ----------
    d : dimension (>= 1).
    gamma : the negative curvature at the saddle, ``λ_min = −gamma`` (> 0).
    lam : the positive curvature of the other ``d − 1`` directions (> 0).
    """

    d: int
    gamma: float = 1.0
    lam: float = 1.0

    def __post_init__(self) -> None:
        check_int(self.d, "d", 1)
        check_positive(self.gamma, "gamma")
        check_positive(self.lam, "lam")

    @property
    def curvatures(self) -> np.ndarray:
        """The Hessian's eigenvalues at the saddle, ``(−γ, λ, …, λ)``."""
        h = np.full(self.d, float(self.lam))
        h[0] = -float(self.gamma)
        return h

    @property
    def minimum_value(self) -> float:
        """``f(±√γ e_1) = −γ²/4``, the global minimum."""
        return -float(self.gamma) ** 2 / 4

    def _points(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape[-1] != self.d:
            raise ValueError(f"x must have last axis of length d = {self.d}, got shape {x.shape}")
        return x

    def f(self, x) -> np.ndarray:
        """Value at ``x`` (``(..., d)`` -> ``(...)``)."""
        x = self._points(x)
        r2 = np.sum(x * x, axis=-1)
        return 0.5 * np.sum(self.curvatures * x * x, axis=-1) + 0.25 * r2 * r2

    def grad(self, x) -> np.ndarray:
        """Gradient ``h ⊙ x + ‖x‖² x``."""
        x = self._points(x)
        return self.curvatures * x + np.sum(x * x, axis=-1, keepdims=True) * x

    def hess(self, x) -> np.ndarray:
        """Hessian ``diag(h) + ‖x‖² I + 2 x xᵀ`` (``(..., d, d)``)."""
        x = self._points(x)
        eye = np.eye(self.d)
        r2 = np.sum(x * x, axis=-1)[..., None, None]
        return np.diag(self.curvatures) + r2 * eye + 2 * x[..., :, None] * x[..., None, :]


def uniform_ball(n: int, d: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly distributed in the ``d``-dimensional ball of radius ``radius``.

    A uniform direction (a normalised Gaussian vector) times ``radius · U^{1/d}`` with ``U``
    uniform on ``[0, 1]``: the volume of the ball inside radius ``s`` grows like ``s^d``.
    Returns ``(n, d)``.
    """
    n = check_int(n, "n", 0)
    d = check_int(d, "d", 1)
    radius = check_nonnegative(radius, "radius")
    z = rng.standard_normal((n, d))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    return z * (radius * rng.random(n) ** (1.0 / d))[:, None]


class EscapeRun(NamedTuple):
    """What happened to a batch of runs.

    ``losses`` ``(steps + 1, runs)`` are ``f(x_t)`` (after a kick at step ``t``, if any);
    ``escape_steps`` ``(runs,)`` the first ``t`` with ``f(x_t) <= f(saddle) − drop`` (−1 if
    never); ``kicks`` ``(runs,)`` how many perturbations each run received; ``escape_coordinate``
    ``(steps + 1, runs)`` the component ``x_1`` along the escape direction.
    """

    losses: np.ndarray
    escape_steps: np.ndarray
    kicks: np.ndarray
    escape_coordinate: np.ndarray
    lr: float
    radius: float

    @property
    def escaped(self) -> np.ndarray:
        return self.escape_steps >= 0


def _run(f: QuarticSaddle, x0, lr: float, steps: int, drop: float, kick) -> EscapeRun:
    x = np.array(x0, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    x = f._points(x)
    lr = check_positive(lr, "lr")
    steps = check_int(steps, "steps", 0)
    drop = check_positive(drop, "drop")
    runs = x.shape[0]
    level = 0.0 - drop                        # f(saddle) = 0
    losses = np.empty((steps + 1, runs))
    coord = np.empty((steps + 1, runs))
    escape = np.full(runs, -1)
    kicks = np.zeros(runs, dtype=int)
    t_noise = np.full(runs, -10**9)
    for t in range(steps + 1):
        g = f.grad(x)
        if kick is not None:
            x, g, kicked = kick(x, g, t, t_noise)
            t_noise = np.where(kicked, t, t_noise)
            kicks += kicked
        v = f.f(x)
        losses[t], coord[t] = v, x[:, 0]
        escape = np.where((escape < 0) & (v <= level), t, escape)
        if t < steps:
            x = x - lr * g
    return EscapeRun(losses, escape, kicks, coord, lr, 0.0)


def gradient_descent(f: QuarticSaddle, x0, lr: float = 0.1, steps: int = 200, drop: float | None = None) -> EscapeRun:
    """Plain gradient descent ``x_{t+1} = x_t − η ∇f(x_t)`` from ``x0`` (``(d,)`` or ``(runs, d)``).

    ``drop`` (default ``γ · 0.1² / 2``, i.e. ``|x_1| ≈ 0.1``) defines escape: ``f(x_t) <= −drop``.
    """
    drop = f.gamma * 0.005 if drop is None else drop
    return _run(f, x0, lr, steps, drop, None)


def perturbed_gd(f: QuarticSaddle, x0, lr: float = 0.1, radius: float = 1e-3, steps: int = 200,
                 g_thres: float | None = None, t_thres: int = 50, drop: float | None = None,
                 seed: int | None = 0) -> EscapeRun:
    """Perturbed gradient descent (Jin et al. 2017, Algorithm 2, without its stopping rule).

    Algorithm (per run)::

        t_noise = −∞
        for t = 0 … steps:
            if ‖∇f(x_t)‖ <= g_thres and t − t_noise > t_thres:
                x_t ← x_t + ξ,  ξ ~ uniform in the ball of radius `radius`;  t_noise ← t
            x_{t+1} = x_t − lr · ∇f(x_t)

    Conventions: the kick is applied *before* the step at time ``t`` and the step uses the
    gradient at the kicked point; ``losses[t]`` is ``f`` at the kicked point. ``g_thres``
    defaults to ``radius`` (a point within a kick's size of a critical point counts as stuck).
    ``drop`` as in :func:`gradient_descent`.
    """
    radius = check_positive(radius, "radius")
    g_thres = radius if g_thres is None else check_nonnegative(g_thres, "g_thres")
    t_thres = check_int(t_thres, "t_thres", 0)
    drop = f.gamma * 0.005 if drop is None else drop
    rng = np.random.default_rng(seed)

    def kick(x, g, t, t_noise):
        due = (np.linalg.norm(g, axis=1) <= g_thres) & (t - t_noise > t_thres)
        if due.any():
            x = x.copy()
            x[due] += uniform_ball(int(due.sum()), f.d, radius, rng)
            g = f.grad(x)
        return x, g, due

    run = _run(f, x0, lr, steps, drop, kick)
    return run._replace(radius=radius)


def expected_log_offset(d: int, radius: float) -> float:
    """``E log|ξ_1|`` for ``ξ`` uniform in the ``d``-ball of radius ``radius`` (exact).

    ``ξ_1 = radius · U^{1/d} · u_1`` with ``u`` uniform on the sphere, so
    ``E log|ξ_1| = log radius − 1/d + ½ (ψ(½) − ψ(d/2))`` (``u_1² ~ Beta(½, (d−1)/2)``, ψ the
    digamma function); for large ``d`` this is ``log radius − ½ log d + O(1)``.
    """
    d = check_int(d, "d", 1)
    radius = check_positive(radius, "radius")
    return math.log(radius) - 1.0 / d + 0.5 * (_digamma(0.5) - _digamma(d / 2))


def _digamma(x: float) -> float:
    """ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x >= 10, then the asymptotic
    series (error below 1e-13)."""
    acc = 0.0
    while x < 10:
        acc -= 1.0 / x
        x += 1.0
    inv, inv2 = 1.0 / x, 1.0 / (x * x)
    return acc + math.log(x) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 / 240)))


def predicted_escape_steps(d: int, radius: float, lr: float = 0.1, gamma: float = 1.0, target: float = 0.1) -> float:
    """Steps for a kick of size ``radius`` to grow to ``|x_1| = target`` (on average, in log).

    The linearised dynamics multiply ``x_1`` by ``1 + ηγ`` per step, so the escape takes
    ``(log target − E log|ξ_1|) / log(1 + ηγ)`` steps (:func:`expected_log_offset`). Exact for
    the linear part; the quartic term only matters once ``x_1`` is of order ``√γ``.
    """
    lr, gamma, target = check_positive(lr, "lr"), check_positive(gamma, "gamma"), check_positive(target, "target")
    return (math.log(target) - expected_log_offset(d, radius)) / math.log1p(lr * gamma)


class JinParameters(NamedTuple):
    """The parameters Algorithm 2 of Jin et al. (2017) sets from ``(ℓ, ρ, ε, c, δ, Δ_f, d)``."""

    chi: float
    lr: float
    radius: float
    g_thres: float
    f_thres: float
    t_thres: float
    iterations: float


def jin_parameters(d: int, ell: float, rho: float, eps: float, c: float = 1.0, delta: float = 0.1,
                   delta_f: float = 1.0) -> JinParameters:
    """Algorithm 2's settings and Theorem 3's iteration count (without its absolute constant).

    ``χ = 3 max(log(d ℓ Δ_f / (c ε² δ)), 4)``, ``η = c/ℓ``, ``r = √c ε / (χ² ℓ)``,
    ``g_thres = √c ε / χ²``, ``f_thres = c √(ε³/ρ) / χ³``, ``t_thres = χ ℓ / (c² √(ρ ε))``, and the
    bound ``ℓ Δ_f / ε² · log⁴(d ℓ Δ_f / (ε² δ))`` on the number of iterations. The dimension
    enters only through logarithms.
    """
    d = check_int(d, "d", 1)
    ell, rho, eps, c, delta, delta_f = (check_positive(v, n) for v, n in
                                        ((ell, "ell"), (rho, "rho"), (eps, "eps"), (c, "c"),
                                         (delta, "delta"), (delta_f, "delta_f")))
    chi = 3 * max(math.log(d * ell * delta_f / (c * eps**2 * delta)), 4.0)
    return JinParameters(
        chi=chi,
        lr=c / ell,
        radius=math.sqrt(c) * eps / (chi**2 * ell),
        g_thres=math.sqrt(c) * eps / chi**2,
        f_thres=c * math.sqrt(eps**3 / rho) / chi**3,
        t_thres=chi * ell / (c**2 * math.sqrt(rho * eps)),
        iterations=ell * delta_f / eps**2 * math.log(d * ell * delta_f / (eps**2 * delta)) ** 4,
    )
