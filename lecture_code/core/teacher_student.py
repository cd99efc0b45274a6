"""The lecture's teacher-student squeezing experiment (Brea et al. 2019).

A *committee machine* teacher ``y(x) = Σ_j tanh(v_j·x + c_j)`` (``n`` hidden neurons, all output
weights one, 2-D inputs so every neuron is a line -- a "hyperplane" -- in input space) labels a
fixed data set. The student has the same architecture with free weights in both layers (the
:class:`~lecture_code.core.mlp.MLPRegression` of the book: exact gradient and Hessian).

1. The student starts on the teacher's weights (loss 0).
2. Two of its incoming weight vectors ``U_i = (w_i, b_i)`` and ``U_j`` are forced to distance
   ``dist`` -- ``U_i = m + dist/2 · e``, ``U_j = m − dist/2 · e`` with a free centre ``m`` and a
   free unit direction ``e`` -- while every other weight re-equilibrates (L-BFGS, warm-started
   from the previous distance).
3. At ``dist = 0`` the two neurons coincide: the student computes a network with ``n − 1``
   neurons, and the output weights of the pair can be split as ``(a, w* − a)`` without changing
   anything: a **line of critical points**, with a zero Hessian eigenvalue along the line.

Usage::

    from lecture_code.core.teacher_student import committee_problem, squeeze, critical_line
    prob = committee_problem()
    sq = squeeze(prob, pair=(0, 1), n_steps=12)      # loss against distance
    line = critical_line(prob, sq)                   # gradient and Hessian along (a, w* − a)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecture_code.core.critical import find_critical_point
from lecture_code.core.mlp import MLPRegression

__all__ = [
    "TEACHER",
    "CommitteeProblem",
    "committee_problem",
    "Squeeze",
    "squeeze",
    "CriticalLine",
    "critical_line",
    "CriticalPlane",
    "critical_plane",
]


#: The teacher's incoming weights ``(v_1, v_2, c)`` per neuron: four lines in the plane.
TEACHER = np.array([
    [2.0, 0.4, 1.0],
    [1.6, 1.4, -0.8],
    [-0.6, 2.0, 0.6],
    [-1.8, 0.8, -1.2],
])


@dataclass(frozen=True)
class CommitteeProblem:
    """Teacher weights ``(n, 3)``, data and the student's loss (a :class:`~lecture_code.core.mlp.MLPRegression`)."""

    teacher: np.ndarray
    student: MLPRegression

    @property
    def n(self) -> int:
        return self.teacher.shape[0]

    def teacher_theta(self) -> np.ndarray:
        """The student's parameters equal to the teacher's (output weights 1, output bias 0)."""
        return np.concatenate([self.teacher.ravel(), np.ones(self.n), [0.0]])


def committee_problem(teacher: np.ndarray | None = None, n_data: int = 400, seed: int = 0) -> CommitteeProblem:
    """Data ``x ~ N(0, I_2)`` labelled by the committee machine ``teacher`` (default :data:`TEACHER`)."""
    T = TEACHER if teacher is None else np.asarray(teacher, dtype=float)
    if T.ndim != 2 or T.shape[1] != 3 or T.shape[0] < 2:
        raise ValueError(f"teacher must have shape (n, 3) with n >= 2 (rows (v1, v2, c)), got {T.shape}")
    if isinstance(n_data, bool) or not isinstance(n_data, (int, np.integer)) or n_data < 10:
        raise ValueError(f"n_data must be an integer >= 10, got {n_data!r}")
    X = np.random.default_rng(seed).standard_normal((n_data, 2))
    y = np.tanh(X @ T[:, :2].T + T[:, 2]).sum(1)
    return CommitteeProblem(T, MLPRegression(X, y, T.shape[0]))


@dataclass
class Squeeze:
    """Result of :func:`squeeze`: one equilibrated student per distance."""

    pair: tuple[int, int]
    distances: np.ndarray  # decreasing, ends at 0
    losses: np.ndarray
    thetas: np.ndarray  # (steps, P)


def _pack(student: MLPRegression, theta: np.ndarray, pair) -> tuple[np.ndarray, np.ndarray]:
    """Split θ into (free parameters without U_i, U_j) and (m, z)."""
    i, j = pair
    h, d1 = student.hidden, student.d + 1
    U = theta[: h * d1].reshape(h, d1)
    m = 0.5 * (U[i] + U[j])
    z = U[i] - U[j]
    if np.linalg.norm(z) < 1e-12:
        z = np.ones(d1)
    keep = np.ones(len(theta), bool)
    keep[i * d1 : (i + 1) * d1] = False
    keep[j * d1 : (j + 1) * d1] = False
    return np.concatenate([theta[keep], m, z]), keep


def _unpack(student: MLPRegression, x: np.ndarray, keep: np.ndarray, pair, dist: float) -> tuple[np.ndarray, np.ndarray, float]:
    i, j = pair
    d1 = student.d + 1
    nf = int(keep.sum())
    free, m, z = x[:nf], x[nf : nf + d1], x[nf + d1 :]
    nz = float(np.linalg.norm(z))
    e = z / nz
    theta = np.empty(len(keep))
    theta[keep] = free
    theta[i * d1 : (i + 1) * d1] = m + 0.5 * dist * e
    theta[j * d1 : (j + 1) * d1] = m - 0.5 * dist * e
    return theta, e, nz


def squeeze(prob: CommitteeProblem, pair: tuple[int, int] = (0, 1), n_steps: int = 12, gtol: float = 1e-10) -> Squeeze:
    """Move the incoming vectors of neurons ``pair`` together in ``n_steps`` equal steps, re-equilibrating."""
    from scipy.optimize import minimize

    n = prob.n
    i, j = pair
    if not (0 <= i < n and 0 <= j < n and i != j):
        raise ValueError(f"pair must be two different neuron indices in [0, {n - 1}], got {pair}")
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or not 2 <= n_steps <= 80:
        raise ValueError(f"n_steps must be an integer in [2, 80], got {n_steps!r}")
    student = prob.student
    d1 = student.d + 1
    theta = prob.teacher_theta()
    d0 = float(np.linalg.norm(theta[i * d1 : (i + 1) * d1] - theta[j * d1 : (j + 1) * d1]))
    distances = np.linspace(d0, 0.0, n_steps)
    x, keep = _pack(student, theta, pair)
    losses, thetas = [], []
    for dist in distances:
        def fg(xv, dist=dist):
            th, e, nz = _unpack(student, xv, keep, pair, dist)
            g = student.grad(th)
            gi, gj = g[i * d1 : (i + 1) * d1], g[j * d1 : (j + 1) * d1]
            ge = 0.5 * dist * (gi - gj)
            gz = (ge - e * (e @ ge)) / nz
            return student.f(th), np.concatenate([g[keep], gi + gj, gz])

        res = minimize(fg, x, jac=True, method="L-BFGS-B", options=dict(gtol=gtol, ftol=1e-300, maxiter=5000))
        x = res.x
        th, _, _ = _unpack(student, x, keep, pair, dist)
        losses.append(student.f(th))
        thetas.append(th)
    return Squeeze((i, j), distances, np.array(losses), np.array(thetas))


@dataclass
class CriticalLine:
    """The line ``(a, w* − a)`` of critical points at distance zero, and what the Hessian says there."""

    total: float  # w* = a_i + a_j
    splits: np.ndarray  # values of a
    grad_norms: np.ndarray
    losses: np.ndarray
    n_zero: np.ndarray  # eigenvalues with |λ| <= tol
    n_negative: np.ndarray
    min_eigenvalue: np.ndarray
    eigenvalues: np.ndarray  # (len(splits), P), ascending
    reduced_grad_norm: float


def _merged_critical_point(prob: CommitteeProblem, sq: Squeeze) -> tuple[MLPRegression, np.ndarray, np.ndarray, np.ndarray]:
    """The distance-zero point of ``sq`` as a network with ``n − 1`` neurons, polished to ``∇L = 0``.

    Neurons ``i`` and ``j`` of the squeezed pair are merged into one (at position 0) with output
    weight ``a_i + a_j``. Returns the small network, its critical parameters, and their
    incoming weights ``(n − 1, d + 1)`` and output weights ``(n − 1,)``.
    """
    i, j = sq.pair
    student = prob.student
    n, d1 = prob.n, student.d + 1
    theta = sq.thetas[-1]
    U = theta[: n * d1].reshape(n, d1)
    a = theta[n * d1 : n * d1 + n]
    others = [k for k in range(n) if k not in (i, j)]
    small = MLPRegression(student.X, student.y, n - 1)
    start = np.concatenate([np.vstack([U[i], U[others]]).ravel(), [a[i] + a[j]], a[others], [theta[-1]]])
    th_small, _ = find_critical_point(small, start)
    Us = th_small[: (n - 1) * d1].reshape(n - 1, d1)
    as_ = th_small[(n - 1) * d1 : (n - 1) * d1 + n - 1]
    return small, th_small, Us, as_


def critical_line(prob: CommitteeProblem, sq: Squeeze, splits: np.ndarray | None = None, tol: float = 1e-7) -> CriticalLine:
    """Polish the distance-zero point as a critical point of the ``n − 1`` network, then walk the line.

    The merged network (neurons ``i`` and ``j`` replaced by one with output weight ``w*``) is
    driven to ``∇L = 0`` by :func:`~lecture_code.core.critical.find_critical_point`; it is then
    embedded back with output weights ``(a, w* − a)`` for each ``a`` in ``splits`` (default: ``w*``
    times ``[-0.5, 0, 0.25, 0.5, 0.75, 1, 1.5]``), and the full gradient and Hessian are evaluated.
    """
    i, j = sq.pair
    student = prob.student
    n, d1 = prob.n, student.d + 1
    others = [k for k in range(n) if k not in (i, j)]
    small, th_small, Us, as_ = _merged_critical_point(prob, sq)
    total = float(as_[0])
    splits = total * np.array([-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5]) if splits is None else np.asarray(splits, float)
    gns, losses, nz, nneg, lmin, eigs = [], [], [], [], [], []
    for s in splits:
        Uf = np.empty((n, d1))
        af = np.empty(n)
        Uf[i] = Uf[j] = Us[0]
        af[i], af[j] = s, total - s
        Uf[others] = Us[1:]
        af[others] = as_[1:]
        th = np.concatenate([Uf.ravel(), af, [th_small[-1]]])
        lam = np.linalg.eigvalsh(student.hessian(th))
        scale = max(1e-12, float(np.abs(lam).max()))
        gns.append(float(np.linalg.norm(student.grad(th))))
        losses.append(student.f(th))
        nz.append(int(np.sum(np.abs(lam) <= tol * scale)))
        nneg.append(int(np.sum(lam < -tol * scale)))
        lmin.append(float(lam[0]))
        eigs.append(lam)
    return CriticalLine(total, splits, np.array(gns), np.array(losses), np.array(nz), np.array(nneg),
                        np.array(lmin), np.array(eigs), float(np.linalg.norm(small.grad(th_small))))


@dataclass
class CriticalPlane:
    """A *second-order* symmetry-induced critical manifold: the merged neuron copied three times."""

    total: float
    splits: np.ndarray  # (m, 3) output weights (a, b, w* − a − b)
    grad_norms: np.ndarray
    n_zero: np.ndarray
    n_negative: np.ndarray
    n_params: int


def critical_plane(prob: CommitteeProblem, sq: Squeeze, splits: np.ndarray | None = None, tol: float = 1e-7) -> CriticalPlane:
    """Embed the distance-zero critical point in a network with ``n + 1`` neurons as a triple.

    The merged neuron of the ``n − 1`` network is copied three times with output weights
    ``(a, b, w* − a − b)``: a plane of critical points, whose Hessian has two zero eigenvalues
    (the lecture: "second-order symmetry-induced critical points have two zero eigenvalues").
    ``splits`` are fractions ``(a/w*, b/w*)``; default: a few points inside the triangle.
    """
    student = prob.student
    n = prob.n
    _, th_small, Us, as_ = _merged_critical_point(prob, sq)
    total = float(as_[0])
    fr = np.array([[0.2, 0.3], [1 / 3, 1 / 3], [0.5, 0.25], [0.1, 0.8]]) if splits is None else np.asarray(splits, float)
    big = MLPRegression(student.X, student.y, n + 1)
    gns, nz, nneg, rows = [], [], [], []
    for fa, fb in fr:
        w3 = np.array([fa, fb, 1 - fa - fb]) * total
        Ub = np.vstack([Us[0], Us[0], Us[0], Us[1:]])
        ab = np.concatenate([w3, as_[1:]])
        th = np.concatenate([Ub.ravel(), ab, [th_small[-1]]])
        lam = np.linalg.eigvalsh(big.hessian(th))
        scale = max(1e-12, float(np.abs(lam).max()))
        gns.append(float(np.linalg.norm(big.grad(th))))
        nz.append(int(np.sum(np.abs(lam) <= tol * scale)))
        nneg.append(int(np.sum(lam < -tol * scale)))
        rows.append(w3)
    return CriticalPlane(total, np.array(rows), np.array(gns), np.array(nz), np.array(nneg), big.n_params)
