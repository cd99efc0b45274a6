"""Hessians of torch functions of a flat parameter vector (float64).

All functions take a ``loss_fn(theta) -> scalar tensor`` where ``theta`` is a **1-D**
float64 tensor (see :func:`lecture_code.core.models.make_loss_fn` to build one from a model and
data) and the point ``params`` at which to evaluate.

* :func:`exact_hessian` — the full n×n matrix (reverse-over-reverse ``torch.func.jacrev``
  of ``torch.func.grad``, vmapped in chunks); fine up to a few thousand parameters.
* :func:`hvp` — a Hessian-vector product ``H v`` without forming H (double backward:
  differentiate ``gᵀv`` once more): about the cost of two gradients.
* :func:`hessian_operator` — H as a :class:`scipy.sparse.linalg.LinearOperator`.
* :func:`extreme_eigenvalues` — the k largest and k smallest eigenvalues by the implicitly
  restarted Lanczos method (ARPACK, :func:`scipy.sparse.linalg.eigsh`) over Hessian-vector
  products; works for networks with 10⁵ parameters.
* :func:`hessian_spectrum` — all eigenvalues (``numpy.linalg.eigvalsh`` of the exact
  Hessian) for small models.
* :func:`condition_number` — κ = max|λ| / min|λ|.

ARPACK calls OpenBLAS between Hessian-vector products computed by torch; with both thread
pools active the process oversubscribes its cores (about 4× slower on 2 cores), so
:func:`extreme_eigenvalues` runs OpenBLAS single-threaded (see :func:`blas_threads`).
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import math
import os
import time
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from torch.func import grad as _fgrad, jacrev as _fjacrev

__all__ = [
    "exact_hessian",
    "hvp",
    "hessian_operator",
    "extreme_eigenvalues",
    "ExtremeEigenvalues",
    "hessian_spectrum",
    "condition_number",
    "blas_threads",
    "single_threaded",
]


LossFn = Callable[[torch.Tensor], torch.Tensor]


# --- OpenBLAS thread control (no threadpoolctl dependency) ---------------------------------

def _openblas_handles() -> list[tuple[Callable[[], int], Callable[[int], None]]]:
    handles = []
    import numpy as _np
    import scipy as _sp

    dirs = [os.path.join(os.path.dirname(os.path.dirname(m.__file__)), f"{m.__name__}.libs") for m in (_np, _sp)]
    for d in dirs:
        for path in glob.glob(os.path.join(d, "*openblas*.so*")):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in (
                ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
                ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
                ("openblas_get_num_threads", "openblas_set_num_threads"),
            ):
                if hasattr(lib, get_name) and hasattr(lib, set_name):
                    g, s = getattr(lib, get_name), getattr(lib, set_name)
                    g.restype, s.argtypes = ctypes.c_int, [ctypes.c_int]
                    handles.append((g, s))
                    break
    return handles


_HANDLES: list | None = None


@contextlib.contextmanager
def single_threaded(enabled: bool = True) -> Iterator[None]:
    """Run the block with torch's intra-op pool and OpenBLAS limited to one thread.

    The Hessians of this book are small enough that intra-op parallelism buys little, and
    on a busy 2-core machine (a book build running notebooks side by side) torch's spinning
    threads made exact Hessians and Lanczos 5-20x *slower*. ``enabled=False`` does nothing.
    """
    if not enabled:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with blas_threads(1):
            yield
    finally:
        torch.set_num_threads(old)


@contextlib.contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Run the block with the OpenBLAS libraries of numpy and scipy limited to ``n`` threads."""
    global _HANDLES
    if _HANDLES is None:
        try:
            _HANDLES = _openblas_handles()
        except Exception:  # pragma: no cover - exotic installs: just do nothing
            _HANDLES = []
    old = []
    for g, s in _HANDLES:
        old.append(g())
        s(int(n))
    try:
        yield
    finally:
        for (g, s), k in zip(_HANDLES, old):
            s(k)


# --- input checks ---------------------------------------------------------------------------

def _check_params(params: Any, name: str = "params") -> torch.Tensor:
    if isinstance(params, np.ndarray):
        params = torch.from_numpy(params)
    if not isinstance(params, torch.Tensor):
        raise ValueError(f"{name} must be a 1-D torch tensor (or numpy array), got {type(params).__name__}")
    if params.ndim != 1 or params.numel() == 0:
        raise ValueError(f"{name} must be a non-empty 1-D tensor (flatten the parameters), got shape {tuple(params.shape)}")
    params = params.detach().to(torch.float64)
    if not bool(torch.isfinite(params).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return params


def _check_loss_fn(loss_fn: Any) -> None:
    if not callable(loss_fn):
        raise ValueError(f"loss_fn must be callable theta -> scalar tensor, got {type(loss_fn).__name__}")


# --- the Hessian ----------------------------------------------------------------------------

def exact_hessian(
    loss_fn: LossFn, params: torch.Tensor, *, chunk_size: int | None = 256, single_thread: bool = True
) -> torch.Tensor:
    """The full Hessian ``H[i, j] = ∂²L/∂θᵢ∂θⱼ`` at ``params`` (float64, shape (n, n)).

    Computed by ``torch.func.jacrev(torch.func.grad(loss_fn))``: the gradient's Jacobian, one
    vmapped backward pass per ``chunk_size`` rows (``None``: all rows at once, more memory).
    Memory and time grow like n²: use it up to a few thousand parameters and
    :func:`extreme_eigenvalues` beyond. ``single_thread``: see :func:`single_threaded`.
    """
    _check_loss_fn(loss_fn)
    p = _check_params(params)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    out = loss_fn(p)
    if not isinstance(out, torch.Tensor) or out.numel() != 1:
        raise ValueError("loss_fn must return a scalar tensor")
    with single_threaded(single_thread):
        H = _fjacrev(_fgrad(lambda t: loss_fn(t).reshape(())), chunk_size=chunk_size)(p)
    return H.detach()


def hvp(loss_fn: LossFn, params: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Hessian-vector product ``H(params) @ v`` without forming H.

    Double backward: build the gradient g(θ) with its graph, then differentiate the scalar
    ``g(θ)ᵀv`` once more, ``∇(gᵀv) = H v`` (H symmetric). About the cost of two gradients.
    """
    _check_loss_fn(loss_fn)
    p = _check_params(params)
    v = _check_params(v, "v")
    if v.shape != p.shape:
        raise ValueError(f"v must have the same shape as params {tuple(p.shape)}, got {tuple(v.shape)}")
    p = p.clone().requires_grad_(True)
    g = _grad_with_graph(loss_fn, p)
    return torch.autograd.grad(g, p, v)[0].detach()


def _grad_with_graph(loss_fn: LossFn, p: torch.Tensor) -> torch.Tensor:
    with torch.enable_grad():
        loss = loss_fn(p)
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError("loss_fn must return a scalar tensor")
        (g,) = torch.autograd.grad(loss.reshape(()), p, create_graph=True)
    return g


class _Counter:
    def __init__(self) -> None:
        self.n = 0


def hessian_operator(loss_fn: LossFn, params: torch.Tensor) -> LinearOperator:
    """The Hessian at ``params`` as a symmetric scipy ``LinearOperator`` (float64).

    The gradient's graph is built once; every ``op @ v`` (numpy in, numpy out) is one backward
    pass through it (double backward, as :func:`hvp`). ``op.counter.n`` counts the products.
    """
    _check_loss_fn(loss_fn)
    p = _check_params(params).clone().requires_grad_(True)
    n = p.numel()
    g = _grad_with_graph(loss_fn, p)
    counter = _Counter()

    def matvec(x: np.ndarray) -> np.ndarray:
        counter.n += 1
        v = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64).reshape(-1))
        return torch.autograd.grad(g, p, v, retain_graph=True)[0].detach().numpy()

    op = LinearOperator((n, n), matvec=matvec, rmatvec=matvec, dtype=np.float64)
    op.counter = counter
    return op


class ExtremeEigenvalues(NamedTuple):
    """Result of :func:`extreme_eigenvalues`.

    ``top`` holds the k largest eigenvalues in descending order, ``bottom`` the k smallest in
    ascending order (so ``top[0] = λ_max`` and ``bottom[0] = λ_min``); ``n_products`` is the
    number of Hessian-vector products used and ``seconds`` the wall time.
    """

    top: np.ndarray
    bottom: np.ndarray
    n_products: int
    seconds: float


def extreme_eigenvalues(
    loss_fn: LossFn,
    params: torch.Tensor,
    k: int = 5,
    *,
    tol: float = 1e-6,
    which: str = "both",
    seed: int = 0,
    maxiter: int | None = None,
    single_thread: bool = True,
) -> ExtremeEigenvalues:
    """The k largest and k smallest Hessian eigenvalues by Lanczos (ARPACK ``eigsh``).

    Algorithm: ``scipy.sparse.linalg.eigsh`` on :func:`hessian_operator`, ``which="BE"``
    (2k eigenvalues, k from each end of the spectrum, in one Lanczos run) for ``"both"``,
    ``"LA"`` (largest algebraic) or ``"SA"`` (smallest algebraic) for one end; each Lanczos
    step costs one Hessian-vector product. torch and OpenBLAS run single-threaded meanwhile (ARPACK and
    torch's thread pools fight each other otherwise; see :func:`single_threaded`).

    Parameters
    ----------
    loss_fn, params
        As for :func:`exact_hessian`.
    k : int
        How many eigenvalues at each end, 1 <= k < n.
    tol : float
        Relative accuracy asked of ARPACK (>= 0; 0 means machine precision).
    which : {"both", "top", "bottom"}
        Which end(s) to compute; the other field is an empty array.
    seed : int
        Seed of the random starting vector (results are reproducible).
    maxiter : int or None
        ARPACK's restart limit (default 10·n as in scipy).
    single_thread : bool
        Limit torch and OpenBLAS to one thread while computing (default True).
    """
    _check_loss_fn(loss_fn)
    p = _check_params(params)
    n = p.numel()
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise ValueError(f"k must be an integer with 1 <= k < n = {n}, got {k!r}")
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    if which not in ("both", "top", "bottom"):
        raise ValueError(f"which must be one of 'both', 'top', 'bottom', got {which!r}")
    v0 = np.random.default_rng(seed).standard_normal(n)
    t0 = time.perf_counter()
    top = bottom = np.empty(0)
    ncv = min(n, max(2 * int(k) + 1, 20))
    with single_threaded(single_thread):
        op = hessian_operator(loss_fn, p)
        if which == "both" and 2 * k < n:
            # one Krylov space for both ends: half the products of an "LA" and an "SA" run
            vals = _eigsh(op, 2 * int(k), "BE", tol, v0, min(n, max(4 * int(k) + 1, 30)), maxiter)
            top, bottom = vals[::-1][:k], vals[:k]
        else:
            if which in ("both", "top"):
                top = _eigsh(op, int(k), "LA", tol, v0, ncv, maxiter)[::-1]
            if which in ("both", "bottom"):
                bottom = _eigsh(op, int(k), "SA", tol, v0, ncv, maxiter)
    return ExtremeEigenvalues(np.asarray(top), np.asarray(bottom), op.counter.n, time.perf_counter() - t0)


def _eigsh(op: LinearOperator, k: int, which: str, tol: float, v0: np.ndarray, ncv: int, maxiter: int | None) -> np.ndarray:
    try:
        vals = eigsh(op, k=k, which=which, tol=tol, v0=v0, ncv=ncv, maxiter=maxiter, return_eigenvectors=False)
    except ArpackNoConvergence as e:  # report what converged rather than nothing
        vals = e.eigenvalues
        if len(vals) == 0:
            raise
    return np.sort(np.asarray(vals, dtype=float))


def hessian_spectrum(loss_fn: LossFn, params: torch.Tensor, *, single_thread: bool = True) -> np.ndarray:
    """All Hessian eigenvalues, ascending (``eigvalsh`` of :func:`exact_hessian`)."""
    H = exact_hessian(loss_fn, params, single_thread=single_thread)
    return np.linalg.eigvalsh(H.numpy())


def condition_number(eigs: Any) -> float:
    """κ = max|λ| / min|λ| of a symmetric matrix given its eigenvalues.

    This is the lectures' definition κ(A) = \\|λ_max\\| / \\|λ_min\\| taken over magnitudes;
    for a positive definite Hessian it is λ_max / λ_min. Returns ``inf`` if some λ = 0.
    """
    if hasattr(eigs, "detach"):
        eigs = eigs.detach().cpu().numpy()
    try:
        lam = np.abs(np.asarray(eigs, dtype=float).reshape(-1))
    except (TypeError, ValueError):
        raise ValueError(f"eigs must be an array of numbers, got {eigs!r}") from None
    if lam.size == 0:
        raise ValueError("eigs must not be empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigs must be finite (no NaN or inf)")
    lo, hi = float(lam.min()), float(lam.max())
    if lo == 0.0:
        return math.inf
    return hi / lo
