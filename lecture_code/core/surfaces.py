"""Two-dimensional test surfaces with analytic value, gradient and Hessian.

Every surface of the lectures lives here, with hand-derived derivatives, its critical
points (and their known type) and a plotting window::

    from lecture_code.core.surfaces import get_surface, grid
    s = get_surface("monkey_saddle")
    s.f([0.5, 0.2]), s.grad([0.5, 0.2]), s.hess([0.0, 0.0])
    xs, ys, zs = grid(s, 81)                      # for contour / surface plots

Conventions
-----------
* A point is an array whose **last axis has length 2**: ``(2,)`` for one point,
  ``(..., 2)`` for many. ``f`` returns shape ``(...)``, ``grad`` ``(..., 2)``, ``hess``
  ``(..., 2, 2)``. All three are vectorized numpy code.
* ``Surface.expr(x, y)`` is the bare formula, written with arithmetic only, so it works on
  numpy arrays **and** torch tensors (the tests differentiate it with autograd as an
  independent reference for the hand-written derivatives). It does no input checking.
  ``Surface.flat(theta)`` is the same taking one vector ``theta = (x, y)``.
* Points containing NaN/inf or of the wrong shape raise ``ValueError`` naming the
  parameter (``point``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

__all__ = [
    "CriticalPoint",
    "Surface",
    "SURFACE_NAMES",
    "get_surface",
    "quadratic",
    "cliff",
    "grid",
    "check_point",
    "hill",
]


KINDS = ("minimum", "maximum", "saddle", "degenerate")


@dataclass(frozen=True)
class CriticalPoint:
    """A point with zero gradient and what it is.

    ``kind`` is the true nature of the point (``"minimum"``, ``"maximum"``, ``"saddle"``);
    ``hessian_test`` is what the second-derivative test can say about it (one of
    ``"minimum"``, ``"maximum"``, ``"saddle"``, ``"degenerate"``). They differ exactly for the
    lectures' degenerate examples: x² + y⁴ is a minimum, but its Hessian cannot tell.
    """

    point: tuple[float, float]
    kind: str
    hessian_test: str


def check_point(point: Any, name: str = "point") -> np.ndarray:
    """Return ``point`` as a float array with last axis 2; raise ``ValueError`` otherwise."""
    try:
        p = np.asarray(point, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers with last axis of length 2, got {point!r}") from None
    if p.ndim == 0 or p.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (2,) or (..., 2), got shape {p.shape}")
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {point!r}")
    return p


@dataclass(frozen=True)
class Surface:
    """A test function f: R² -> R with analytic derivatives.

    Attributes
    ----------
    name : str
        Key used by :func:`get_surface`.
    expr : callable
        ``expr(x, y)``, the raw formula (numpy or torch, no checks).
    grad_expr, hess_expr : callable
        ``grad_expr(x, y) -> (gx, gy)`` and ``hess_expr(x, y) -> ((hxx, hxy), (hyx, hyy))``,
        hand-derived.
    critical_points : tuple of CriticalPoint
    window : ((xmin, xmax), (ymin, ymax))
        A sensible plotting window.
    latex : str
        Formula for text (MyST/MathJax), without dollar signs.
    unicode : str
        Formula for plot labels (plotly does not render LaTeX on the site).
    """

    #: The number of coordinates of a point (an :class:`~lecture_code.core.runner.Objective` of R²).
    dim: ClassVar[int] = 2

    name: str
    expr: Callable[[Any, Any], Any]
    grad_expr: Callable[[Any, Any], tuple[Any, Any]] = field(repr=False)
    hess_expr: Callable[[Any, Any], tuple[tuple[Any, Any], tuple[Any, Any]]] = field(repr=False)
    critical_points: tuple[CriticalPoint, ...]
    window: tuple[tuple[float, float], tuple[float, float]]
    latex: str
    unicode: str

    def f(self, point: Any) -> np.ndarray | float:
        """Value at ``point`` (shape ``(2,)`` -> float, ``(..., 2)`` -> array ``(...)``)."""
        p = check_point(point)
        v = np.asarray(self.expr(p[..., 0], p[..., 1]), dtype=float)
        return float(v) if v.ndim == 0 else v

    def grad(self, point: Any) -> np.ndarray:
        """Gradient at ``point``, shape ``(..., 2)``."""
        p = check_point(point)
        x, y = p[..., 0], p[..., 1]
        gx, gy = self.grad_expr(x, y)
        if p.ndim == 1:  # one point: the same two numbers, without broadcasting machinery
            return np.array([gx, gy], dtype=float)
        return np.stack(np.broadcast_arrays(np.asarray(gx, float), np.asarray(gy, float)), axis=-1)

    def hess(self, point: Any) -> np.ndarray:
        """Hessian at ``point``, shape ``(..., 2, 2)`` (symmetric)."""
        p = check_point(point)
        x, y = p[..., 0], p[..., 1]
        (a, b), (c, d) = self.hess_expr(x, y)
        parts = np.broadcast_arrays(*(np.asarray(t, float) + 0.0 * x for t in (a, b, c, d)))
        return np.stack([np.stack(parts[:2], -1), np.stack(parts[2:], -1)], axis=-2)

    def __call__(self, point: Any) -> np.ndarray | float:
        return self.f(point)

    def flat(self, theta: Any) -> Any:
        """The formula as a function of one vector θ = (x, y): ``expr(θ[0], θ[1])``.

        No checks, works on torch tensors: ``exact_hessian(surface.flat, torch.tensor([x, y]))``.
        """
        return self.expr(theta[0], theta[1])


# --- the surfaces ------------------------------------------------------------------------

def _zero(x):
    return 0.0 * x


def _bowl() -> Surface:  # x^2 + 3y^2
    return Surface(
        "bowl", lambda x, y: x**2 + 3 * y**2,
        lambda x, y: (2 * x, 6 * y),
        lambda x, y: ((2 + _zero(x), _zero(x)), (_zero(x), 6 + _zero(x))),
        (CriticalPoint((0.0, 0.0), "minimum", "minimum"),),
        ((-2.0, 2.0), (-2.0, 2.0)), r"x^2 + 3y^2", "x² + 3y²",
    )


def _saddle_neg_x() -> Surface:  # -x^2 + 3y^2
    return Surface(
        "saddle", lambda x, y: -(x**2) + 3 * y**2,
        lambda x, y: (-2 * x, 6 * y),
        lambda x, y: ((-2 + _zero(x), _zero(x)), (_zero(x), 6 + _zero(x))),
        (CriticalPoint((0.0, 0.0), "saddle", "saddle"),),
        ((-2.0, 2.0), (-2.0, 2.0)), r"-x^2 + 3y^2", "−x² + 3y²",
    )


def _x2_plus_y4() -> Surface:
    return Surface(
        "x2_plus_y4", lambda x, y: x**2 + y**4,
        lambda x, y: (2 * x, 4 * y**3),
        lambda x, y: ((2 + _zero(x), _zero(x)), (_zero(x), 12 * y**2)),
        (CriticalPoint((0.0, 0.0), "minimum", "degenerate"),),
        ((-1.5, 1.5), (-1.5, 1.5)), r"x^2 + y^4", "x² + y⁴",
    )


def _x2_minus_y4() -> Surface:
    return Surface(
        "x2_minus_y4", lambda x, y: x**2 - y**4,
        lambda x, y: (2 * x, -4 * y**3),
        lambda x, y: ((2 + _zero(x), _zero(x)), (_zero(x), -12 * y**2)),
        (CriticalPoint((0.0, 0.0), "saddle", "degenerate"),),
        ((-1.5, 1.5), (-1.5, 1.5)), r"x^2 - y^4", "x² − y⁴",
    )


def _neg_quartic() -> Surface:  # -x^4 - y^4
    return Surface(
        "neg_quartic", lambda x, y: -(x**4) - y**4,
        lambda x, y: (-4 * x**3, -4 * y**3),
        lambda x, y: ((-12 * x**2, _zero(x)), (_zero(x), -12 * y**2)),
        (CriticalPoint((0.0, 0.0), "maximum", "degenerate"),),
        ((-1.5, 1.5), (-1.5, 1.5)), r"-x^4 - y^4", "−x⁴ − y⁴",
    )


def _monkey_saddle() -> Surface:  # x^3 - 3xy^2
    return Surface(
        "monkey_saddle", lambda x, y: x**3 - 3 * x * y**2,
        lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y),
        lambda x, y: ((6 * x, -6 * y), (-6 * y, -6 * x)),
        (CriticalPoint((0.0, 0.0), "saddle", "degenerate"),),
        ((-1.5, 1.5), (-1.5, 1.5)), r"x^3 - 3xy^2", "x³ − 3xy²",
    )


def _saddle_x1x2() -> Surface:  # x1^2 - x2^2 (Goodfellow's saddle)
    return Surface(
        "saddle_x1x2", lambda x, y: x**2 - y**2,
        lambda x, y: (2 * x, -2 * y),
        lambda x, y: ((2 + _zero(x), _zero(x)), (_zero(x), -2 + _zero(x))),
        (CriticalPoint((0.0, 0.0), "saddle", "saddle"),),
        ((-2.0, 2.0), (-2.0, 2.0)), r"x_1^2 - x_2^2", "x₁² − x₂²",
    )


def _y4_minus_x4() -> Surface:
    return Surface(
        "y4_minus_x4", lambda x, y: y**4 - x**4,
        lambda x, y: (-4.0 * x * x * x, 4.0 * y * y * y),
        lambda x, y: ((-12 * x**2, _zero(x)), (_zero(x), 12 * y**2)),
        (CriticalPoint((0.0, 0.0), "saddle", "degenerate"),),
        ((-1.5, 1.5), (-1.5, 1.5)), r"y^4 - x^4", "y⁴ − x⁴",
    )


def _beale() -> Surface:
    # f = sum_i (c_i - x + x y^i)^2 with c = (1.5, 2.25, 2.625)
    c = (1.5, 2.25, 2.625)

    def expr(x, y):
        return sum((ci - x + x * y ** (i + 1)) ** 2 for i, ci in enumerate(c))

    def grad_expr(x, y):
        # expanded by hand (powers as products): the same on floats, arrays and tensors, and
        # fast on floats, where the runner's 2-D path calls it every step
        y2 = y * y
        y3 = y2 * y
        r1 = 1.5 - x + x * y
        r2 = 2.25 - x + x * y2
        r3 = 2.625 - x + x * y3
        return (2.0 * (r1 * (y - 1.0) + r2 * (y2 - 1.0) + r3 * (y3 - 1.0)),
                2.0 * x * (r1 + 2.0 * r2 * y + 3.0 * r3 * y2))

    def hess_expr(x, y):
        hxx, hxy, hyy = 0.0 * x, 0.0 * x, 0.0 * x
        for i, ci in enumerate(c):
            k = i + 1
            r = ci - x + x * y**k
            rx, ry = y**k - 1, k * x * y ** (k - 1)
            ryy = k * (k - 1) * x * y ** (k - 2) if k >= 2 else 0.0 * x
            rxy = k * y ** (k - 1)
            hxx = hxx + 2 * rx * rx
            hxy = hxy + 2 * (rx * ry + r * rxy)
            hyy = hyy + 2 * (ry * ry + r * ryy)
        return (hxx, hxy), (hxy, hyy)

    return Surface(
        "beale", expr, grad_expr, hess_expr,
        # (0, 1) is a degenerate critical point (a saddle); (3, 0.5) the global minimum.
        (CriticalPoint((3.0, 0.5), "minimum", "minimum"), CriticalPoint((0.0, 1.0), "saddle", "saddle")),
        ((-4.5, 4.5), (-4.5, 4.5)),
        r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
    )


def _rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    return Surface(
        "rosenbrock", lambda x, y: (a - x) ** 2 + b * (y - x**2) ** 2,
        lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)),
        lambda x, y: ((2 - 4 * b * (y - x**2) + 8 * b * x**2, -4 * b * x), (-4 * b * x, 2 * b + _zero(x))),
        (CriticalPoint((a, a * a), "minimum", "minimum"),),
        ((-2.0, 2.0), (-1.0, 3.0)), r"(1 - x)^2 + 100\,(y - x^2)^2", "(1 − x)² + 100 (y − x²)²",
    )


def quadratic(condition_number: float = 10.0, angle: float = 0.0, lambda_max: float = 1.0) -> Surface:
    """The quadratic f(θ) = ½ θᵀAθ with a chosen condition number and orientation.

    ``A = R diag(λ_max, λ_max/κ) Rᵀ`` where ``R`` rotates by ``angle`` (radians): the
    eigenvector of the largest eigenvalue (the steep direction) is ``(cos angle, sin angle)``.

    Parameters
    ----------
    condition_number : float
        κ = λ_max / λ_min, must be >= 1.
    angle : float
        Orientation of the steep eigenvector, radians, finite.
    lambda_max : float
        Largest eigenvalue (curvature of the steep direction), must be > 0.
    """
    if not (math.isfinite(condition_number) and condition_number >= 1):
        raise ValueError(f"condition_number must be >= 1 and finite, got {condition_number}")
    if not math.isfinite(angle):
        raise ValueError(f"angle must be finite (radians), got {angle}")
    if not (math.isfinite(lambda_max) and lambda_max > 0):
        raise ValueError(f"lambda_max must be > 0 and finite, got {lambda_max}")
    lam1, lam2 = float(lambda_max), float(lambda_max) / float(condition_number)
    c, s = math.cos(angle), math.sin(angle)
    a = lam1 * c * c + lam2 * s * s
    b = (lam1 - lam2) * c * s
    d = lam1 * s * s + lam2 * c * c
    # half-axes of the level set f = 1/2 * lam1 * 1.5^2 along the flat direction decide the window
    r = 1.5 * math.sqrt(lam1 / lam2)
    half = max(1.5, min(r, 12.0))
    return Surface(
        "quadratic",
        lambda x, y: 0.5 * (a * x * x + 2 * b * x * y + d * y * y),
        lambda x, y: (a * x + b * y, b * x + d * y),
        lambda x, y: ((a + _zero(x), b + _zero(x)), (b + _zero(x), d + _zero(x))),
        (CriticalPoint((0.0, 0.0), "minimum", "minimum"),),
        ((-half, half), (-half, half)),
        rf"\tfrac12\,\theta^\top A\theta,\ \kappa(A) = {condition_number:g}",
        f"½ θᵀAθ, κ = {condition_number:g}",
    )


def cliff(height: float = 3.0, sharpness: float = 20.0, slope: float = 0.2) -> Surface:
    """A gentle bowl with a cliff: f = ½·slope·((x+1)² + y²) + height·σ(sharpness·(x − 0.3y)).

    The sigmoid term is a plateau of height ``height`` for x > 0.3y, dropping over a step of
    width ~ 1/``sharpness`` to the valley on the left, where the minimum sits near (−1, 0).
    On the cliff face the gradient is about ``height·sharpness/4``: a gradient step there
    catapults the parameters far away (Goodfellow et al. 2016, Fig. 8.3).
    """
    for nm, v in (("height", height), ("sharpness", sharpness), ("slope", slope)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{nm} must be > 0 and finite, got {v}")
    h, k, a = float(height), float(sharpness), float(slope)

    def sig(u):
        # 1 / (1 + exp(-u)), written so that it works for numpy and torch alike
        if isinstance(u, np.ndarray) or np.isscalar(u):
            return 0.5 * (1 + np.tanh(0.5 * u))
        return 0.5 * (1 + (0.5 * u).tanh())

    def expr(x, y):
        return 0.5 * a * ((x + 1) ** 2 + y**2) + h * sig(k * (x - 0.3 * y))

    def grad_expr(x, y):
        s = sig(k * (x - 0.3 * y))
        ds = h * k * s * (1 - s)
        return a * (x + 1) + ds, a * y - 0.3 * ds

    def hess_expr(x, y):
        s = sig(k * (x - 0.3 * y))
        dds = h * k * k * s * (1 - s) * (1 - 2 * s)
        return (a + dds, -0.3 * dds), (-0.3 * dds, a + 0.09 * dds)

    # the sigmoid's tail shifts the minimum slightly from (-1, 0): a few Newton steps find it
    m = np.array([-1.0, 0.0])
    for _ in range(20):
        (hxx, hxy), (_, hyy) = hess_expr(m[0], m[1])
        gx, gy = grad_expr(m[0], m[1])
        m = m - np.linalg.solve(np.array([[hxx, hxy], [hxy, hyy]], float), np.array([gx, gy], float))
    return Surface(
        "cliff", expr, grad_expr, hess_expr,
        (CriticalPoint((float(m[0]), float(m[1])), "minimum", "minimum"),),
        ((-3.0, 3.0), (-2.0, 2.0)),
        rf"\tfrac{{{a:g}}}{{2}}\left((x+1)^2 + y^2\right) + {h:g}\,\sigma\!\left({k:g}\,(x - 0.3y)\right)",
        f"{a:g}/2·((x+1)² + y²) + {h:g}·σ({k:g}(x − 0.3y))",
    )


def hill(height: float = 2.0, width_x: float = 0.8, width_y: float = 1.5, slope: float = 0.05,
         pull: float = 0.05, target: float = 3.0) -> Surface:
    """A bowl with a hill in the way: ``f = slope·(x − target)² + pull·y² + height·exp(−x²/(2 width_x²) − y²/(2 width_y²))``.

    The bowl's minimum is near ``(target, 0)``; the Gaussian hill at the origin blocks the direct
    path from the left, where on the line ``y = 0`` its slope balances the bowl's near
    ``x = −1.8``. On that line (one dimension) descent from the left can only end there; in the
    plane it can go around the hill (Goodfellow et al. 2016, Sec. 8.2.7: starting on the "wrong
    side of the hill"). With the default ``pull`` the point near ``(−1.8, 0)`` is a worse local
    minimum with two passes (saddles) beside it; with a weaker pull (``0.03``) it is a saddle
    in the plane, a minimum only along the line. Critical points (found by Newton's method from
    fixed seeds): the minima, the hilltop (a maximum) and the saddles.
    """
    for nm, v in (("height", height), ("width_x", width_x), ("width_y", width_y), ("slope", slope), ("pull", pull)):
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"{nm} must be > 0 and finite, got {v}")
    if not math.isfinite(target):
        raise ValueError(f"target must be finite, got {target}")
    h, sx, sy, a, k, xt = (float(v) for v in (height, width_x, width_y, slope, pull, target))

    def bump(x, y):
        u = -(x * x) / (2 * sx * sx) - (y * y) / (2 * sy * sy)
        return h * (np.exp(u) if isinstance(u, np.ndarray) or np.isscalar(u) else u.exp())

    def expr(x, y):
        return a * (x - xt) ** 2 + k * y**2 + bump(x, y)

    def grad_expr(x, y):
        e = bump(x, y)
        return 2 * a * (x - xt) - e * x / sx**2, 2 * k * y - e * y / sy**2

    def hess_expr(x, y):
        e = bump(x, y)
        hxy = e * x * y / (sx**2 * sy**2)
        return ((2 * a + e * (x * x / sx**4 - 1 / sx**2), hxy),
                (hxy, 2 * k + e * (y * y / sy**4 - 1 / sy**2)))

    found: list[CriticalPoint] = []
    for seed in ((xt, 0.0), (-1.8, 0.0), (0.1, 0.0), (-1.2, 2.2), (-1.2, -2.2)):
        p = np.array(seed, dtype=float)
        for _ in range(60):
            (hxx, hxy), (_, hyy) = hess_expr(p[0], p[1])
            gx, gy = grad_expr(p[0], p[1])
            p = p - np.linalg.solve(np.array([[hxx, hxy], [hxy, hyy]], float), np.array([gx, gy], float))
        (hxx, hxy), (_, hyy) = hess_expr(p[0], p[1])
        lam = np.linalg.eigvalsh(np.array([[hxx, hxy], [hxy, hyy]], float))
        kind = "minimum" if lam[0] > 0 else "maximum" if lam[1] < 0 else "saddle"
        if np.hypot(*grad_expr(p[0], p[1])) < 1e-10 and all(np.hypot(*(p - q.point)) > 1e-6 for q in found):
            found.append(CriticalPoint((float(p[0]), float(p[1])), kind, kind))
    return Surface(
        "hill", expr, grad_expr, hess_expr, tuple(found),
        ((-4.0, 4.5), (-3.5, 3.5)),
        rf"{a:g}\,(x - {xt:g})^2 + {k:g}\,y^2 + {h:g}\,e^{{-x^2/(2\cdot {sx:g}^2) - y^2/(2\cdot {sy:g}^2)}}",
        f"{a:g}(x − {xt:g})² + {k:g}y² + {h:g}·exp(−x²/(2·{sx:g}²) − y²/(2·{sy:g}²))",
    )


_FACTORIES: dict[str, Callable[[], Surface]] = {
    "bowl": _bowl,                    # x^2 + 3y^2        (Hung-yi Lee, Optimization: minimum)
    "saddle": _saddle_neg_x,          # -x^2 + 3y^2       (Hung-yi Lee, Optimization: saddle)
    "x2_plus_y4": _x2_plus_y4,        # degenerate minimum
    "x2_minus_y4": _x2_minus_y4,      # degenerate saddle
    "neg_quartic": _neg_quartic,      # -x^4 - y^4, degenerate maximum
    "monkey_saddle": _monkey_saddle,  # x^3 - 3xy^2
    "saddle_x1x2": _saddle_x1x2,      # x1^2 - x2^2       (Challenges in Optimization)
    "y4_minus_x4": _y4_minus_x4,      # the optimizer race of CMU 10707, Advanced optimization
    "beale": _beale,
    "rosenbrock": _rosenbrock,
    "quadratic": quadratic,           # default κ = 10, angle 0
    "cliff": cliff,                   # default cliff
    "hill": hill,                     # a hill between two minima (the deck *Challenges in Optimization*, "wrong side of the hill")
}
#: Names accepted by :func:`get_surface`.
SURFACE_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def get_surface(name: str) -> Surface:
    """The surface called ``name`` (see :data:`SURFACE_NAMES`).

    ``"quadratic"``, ``"cliff"`` and ``"hill"`` give the defaults of :func:`quadratic` /
    :func:`cliff` / :func:`hill`; call those for other parameters.
    """
    if name not in _FACTORIES:
        raise ValueError(f"unknown surface {name!r}; allowed: {', '.join(SURFACE_NAMES)}")
    return _FACTORIES[name]()


def grid(
    surface: Surface,
    n: int = 101,
    window: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample ``surface`` on an ``n × n`` grid for contour plots.

    Returns ``xs`` (n,), ``ys`` (n,) and ``zs`` (n, n) with ``zs[i, j] = f(xs[j], ys[i])``
    (plotly's convention). ``window`` defaults to ``surface.window``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    (x0, x1), (y0, y1) = window if window is not None else surface.window
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or x0 >= x1 or y0 >= y1:
        raise ValueError(f"window must be ((xmin, xmax), (ymin, ymax)) with finite min < max, got {window!r}")
    xs = np.linspace(x0, x1, int(n))
    ys = np.linspace(y0, y1, int(n))
    X, Y = np.meshgrid(xs, ys)
    zs = surface.f(np.stack([X, Y], axis=-1))
    return xs, ys, np.asarray(zs)
