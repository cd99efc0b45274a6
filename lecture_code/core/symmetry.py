"""Weight-space symmetry: the maps that leave an MLP's function unchanged, and what they count.

**Symmetries of a network**, on the parameters of the numpy MLP (:mod:`lecture_code.core.mlp`)::

    from lecture_code.core.mlp import MLP, mlp_init, mlp_logits
    from lecture_code.core.symmetry import permute_hidden, rescale_relu
    net = MLP((2, 4, 4, 1), "tanh")
    theta = mlp_init(net, seed=0)[0]
    same = permute_hidden(net, theta, layer=0, perm=[2, 0, 3, 1])   # same function, other weights

**Counts** from the lecture (Brea et al. 2019, Simsek et al. 2021), each with a brute-force
enumeration to check it against for small sizes.

Conventions (the lecture's)
---------------------------
A hidden layer has ``n`` neurons; a *K-th order symmetry-induced critical manifold* arises
from a minimum of the same layer with ``n - K`` neurons: the ``n`` neuron labels are placed on
the ``n - K`` weight-vector *positions* of the smaller network, every position taken at least
once (a surjection labels -> positions). Labels sharing a position have identical incoming
weights and output weights that may be split in any way with the right sum, e.g.
``(a, w* - a)`` for a pair: a K-dimensional manifold, counted **once** (the order of labels
inside a position does not matter). Hence

* first order (K = 1): ``n!/2 * (n-1)`` lines;
* second order (K = 2): ``n!/3! * C(n-2, 1) + n!/(2!2!) * C(n-2, 2)`` planes;
* in general ``(n-K)! * S(n, n-K)`` manifolds (``S`` = Stirling number of the 2nd kind);
* keeping only the configurations made of K *pairs* gives ``n!/2^K * C(n-K, K)``, i.e. at least a
  factor ``C(n-K, K) / 2^K`` more K-th order saddles than the ``n!`` global permutation minima
  (the lecture's theorem, valid for ``K < n/2``); for ``m`` hidden layers the lower bound is
  ``m/2^K * C(n-K, K) * (n!)^m``.

Bad input (``n < 1``, ``K >= n/2``, non-integers) raises ``ValueError``.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from fractions import Fraction
from typing import Iterator, Sequence

import numpy as np

from lecture_code.core.mlp import MLP
from lecture_code.core.validate import check_int

__all__ = [
    "n_permutation_minima",
    "first_order_saddle_lines",
    "second_order_saddle_manifolds",
    "stirling2",
    "surjections",
    "symmetry_induced_manifolds",
    "pair_saddle_manifolds",
    "theorem_factor",
    "saddle_lower_bound",
    "placements",
    "count_placements",
    "expansion_subspaces",
    "count_expansions",
    "overparameterization_ratio",
    "per_neuron_factor",
    "crossing_width",
    "permute_hidden",
    "rescale_relu",
    "flip_sign",
    "all_permuted_copies",
]


# --------------------------------------------------------------------------- input checks


def _check_order(n: object, K: object) -> tuple[int, int]:
    n = check_int(n, "n", 1)
    K = check_int(K, "K", 1)
    if 2 * K >= n:
        raise ValueError(f"K must satisfy 1 <= K < n/2 = {n / 2:g}, got K={K}")
    return n, K


# --------------------------------------------------------------------------- closed forms


def n_permutation_minima(n: int, m: int = 1) -> int:
    """``(n!)^m``: permutation copies of one minimum for ``m`` hidden layers of ``n`` neurons."""
    n = check_int(n, "n", 1)
    m = check_int(m, "m", 1)
    return math.factorial(n) ** m


def first_order_saddle_lines(n: int) -> int:
    """``n!/2! * (n-1)``: lines of first-order permutation points (lecture, n labels on n-1 positions)."""
    n = check_int(n, "n", 2)
    return math.factorial(n) // 2 * (n - 1)


def second_order_saddle_manifolds(n: int) -> int:
    """``n!/3! C(n-2,1) + n!/(2!2!) C(n-2,2)``: planes of second-order points (n labels on n-2 positions)."""
    n = check_int(n, "n", 3)
    f = math.factorial(n)
    return f // 6 * math.comb(n - 2, 1) + f // 4 * math.comb(n - 2, 2)


def stirling2(n: int, k: int) -> int:
    """Stirling number of the second kind: partitions of ``n`` labelled items into ``k`` blocks."""
    n = check_int(n, "n", 0)
    k = check_int(k, "k", 0)
    if k > n:
        return 0
    # inclusion-exclusion, exact integer arithmetic
    s = sum((-1) ** j * math.comb(k, j) * (k - j) ** n for j in range(k + 1))
    return s // math.factorial(k)


def surjections(n: int, p: int) -> int:
    """Number of maps from ``n`` labels onto ``p`` positions hitting every position: ``p! S(n, p)``."""
    return math.factorial(check_int(p, "p", 0)) * stirling2(n, p)


def symmetry_induced_manifolds(n: int, K: int) -> int:
    """All K-th order symmetry-induced critical manifolds of a layer of ``n``: ``(n-K)! S(n, n-K)``.

    For ``K = 1`` this is :func:`first_order_saddle_lines`, for ``K = 2``
    :func:`second_order_saddle_manifolds`.
    """
    n = check_int(n, "n", 1)
    K = check_int(K, "K", 1)
    if K >= n:
        raise ValueError(f"K must satisfy 1 <= K < n = {n}, got K={K}")
    return surjections(n, n - K)


def pair_saddle_manifolds(n: int, K: int) -> int:
    """K-th order manifolds made of K duplicated *pairs*: ``n!/2^K * C(n-K, K)`` (``K < n/2``)."""
    n, K = _check_order(n, K)
    return math.factorial(n) // 2**K * math.comb(n - K, K)


def theorem_factor(n: int, K: int) -> Fraction:
    """The lecture's theorem: at least ``C(n-K, K) / 2^K`` times more K-th order saddles than minima."""
    n, K = _check_order(n, K)
    return Fraction(math.comb(n - K, K), 2**K)


def saddle_lower_bound(n: int, K: int, m: int = 1) -> Fraction:
    """``m/2^K * C(n-K, K) * (n!)^m``: K-th order saddle manifolds of ``m`` hidden layers of ``n``.

    Returned as an exact :class:`~fractions.Fraction` (an integer in all cases with ``K < n/2``).
    """
    n, K = _check_order(n, K)
    m = check_int(m, "m", 1)
    return Fraction(m * math.comb(n - K, K) * math.factorial(n) ** m, 2**K)


# --------------------------------------------------------------------------- brute force


def placements(n: int, positions: int) -> Iterator[tuple[int, ...]]:
    """Every surjective placement of labels ``0..n-1`` on ``positions`` positions (brute force).

    A placement is a tuple ``p`` with ``p[label] = position``. There are ``positions ** n`` maps;
    keep this to small ``n`` (``n <= 8``).
    """
    n = check_int(n, "n", 1)
    positions = check_int(positions, "positions", 1)
    if positions ** n > 5_000_000:
        raise ValueError(f"positions**n must be <= 5e6 for brute force, got {positions}**{n}")
    for p in itertools.product(range(positions), repeat=n):
        if len(set(p)) == positions:
            yield p


def count_placements(n: int, K: int) -> dict[str, int]:
    """Enumerate the placements of ``n`` labels on ``n - K`` positions and count them.

    Returns ``{"total": ..., "pairs_only": ..., "minima": n!}`` where ``pairs_only`` counts
    the placements whose multiply-occupied positions are all pairs, and also one entry per
    *occupation pattern*, e.g. ``"3+1+1"``. Independent of the closed forms above.
    """
    n = check_int(n, "n", 1)
    K = check_int(K, "K", 1)
    if K >= n:
        raise ValueError(f"K must satisfy 1 <= K < n = {n}, got K={K}")
    counts: Counter[str] = Counter()
    for p in placements(n, n - K):
        sizes = sorted(Counter(p).values(), reverse=True)
        counts["+".join(map(str, sizes))] += 1
    total = sum(counts.values())
    pairs = sum(v for key, v in counts.items() if max(map(int, key.split("+"))) <= 2)
    minima = sum(1 for _ in itertools.permutations(range(n)))  # n labels on n positions
    return {"total": total, "pairs_only": pairs, "minima": minima, **dict(counts)}


# --------------------------------------------------------------------------- overparameterization


def expansion_subspaces(r: int, m: int) -> int:
    """Affine subspaces obtained by embedding an irreducible width-``r`` network in width ``m``.

    Each of the ``m`` student neurons either copies one of the ``r`` neurons (copies of a neuron
    share its output weight: an affine subspace) or is *zero-type* (output weight 0, incoming
    weight free); every one of the ``r`` neurons must be copied at least once:
    ``sum_j C(m, j) * r! * S(m - j, r)`` (``j`` = number of zero-type neurons).

    With ``r = n`` (the teacher width) these are the components of the global-minimum manifold
    of Simsek et al. (2021); with ``r = n - 1`` the symmetry-induced saddle subspaces that come
    from the minima of the width ``n - 1`` network.
    """
    r = check_int(r, "r", 1)
    m = check_int(m, "m", 1)
    if m < r:
        raise ValueError(f"m must be >= r = {r}, got m={m}")
    return _expansions(r, m)


@functools.lru_cache(maxsize=4096)
def _expansions(r: int, m: int) -> int:
    return sum(math.comb(m, j) * surjections(m - j, r) for j in range(m - r + 1))


def count_expansions(r: int, m: int) -> int:
    """Brute force for :func:`expansion_subspaces`: maps of ``m`` labels to {zero, 1..r} onto 1..r."""
    r = check_int(r, "r", 1)
    m = check_int(m, "m", 1)
    if (r + 1) ** m > 5_000_000:
        raise ValueError(f"(r+1)**m must be <= 5e6 for brute force, got {r + 1}**{m}")
    need = set(range(1, r + 1))
    return sum(1 for p in itertools.product(range(r + 1), repeat=m) if need <= set(p))


def overparameterization_ratio(n: int, h: int) -> float:
    """Saddle subspaces (from width ``n-1``) per global-minimum subspace, student width ``n + h``.

    ``expansion_subspaces(n-1, n+h) / expansion_subspaces(n, n+h)``; large for small ``h``
    ("saddles dominate"), below one for ``h >> n`` ("global minima dominate").
    """
    n = check_int(n, "n", 2)
    h = check_int(h, "h", 0)
    return float(Fraction(expansion_subspaces(n - 1, n + h), expansion_subspaces(n, n + h)))


def per_neuron_factor(n: int, h: int) -> float:
    """How much one more student neuron changes the ratio: ``ratio(n, h) / ratio(n, h - 1)`` (``h >= 1``).

    Not ``(n-1)/n``: for ``n = 30`` it is about 0.49 at ``h = 1`` and approaches ``n/(n+1)`` only
    for large ``h`` (the subspaces are maps of ``n + h`` labels to ``n + 1`` symbols, so each new
    label multiplies the counts by about ``n`` and ``n + 1``).
    """
    n = check_int(n, "n", 2)
    h = check_int(h, "h", 1)
    return float(Fraction(expansion_subspaces(n - 1, n + h), expansion_subspaces(n, n + h))
                 / Fraction(expansion_subspaces(n - 1, n + h - 1), expansion_subspaces(n, n + h - 1)))


def crossing_width(n: int, h_max: int = 10_000) -> int:
    """The smallest extra width ``h`` at which global-minimum subspaces outnumber the saddle
    subspaces inherited from width ``n - 1`` (:func:`overparameterization_ratio` below one)."""
    n = check_int(n, "n", 2)
    for h in range(check_int(h_max, "h_max", 0) + 1):
        if expansion_subspaces(n - 1, n + h) < expansion_subspaces(n, n + h):
            return h
    raise ValueError(f"the ratio stays >= 1 up to h_max = {h_max}")


# --------------------------------------------------------------------------- symmetries of an MLP


def _hidden_layer(net: MLP, layer: int) -> int:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not 0 <= layer < len(net.sizes) - 2:
        raise ValueError(f"layer must be a hidden layer in [0, {len(net.sizes) - 3}], got {layer!r}")
    return int(layer)


def _one(net: MLP, theta: np.ndarray) -> np.ndarray:
    theta = np.array(theta, dtype=float)
    if theta.shape != (net.n_params,):
        raise ValueError(f"theta must have shape ({net.n_params},) (one network), got {theta.shape}")
    return theta


def permute_hidden(net: MLP, theta: np.ndarray, layer: int, perm: Sequence[int]) -> np.ndarray:
    """Relabel the units of hidden layer ``layer`` (0-based): their incoming rows ``(w_j, b_j)`` and
    their outgoing weights move together, so the network computes the same function. Returns a copy."""
    layer = _hidden_layer(net, layer)
    out = _one(net, theta)
    n = net.sizes[layer + 1]
    perm = np.asarray(perm)
    if perm.shape != (n,) or sorted(perm.tolist()) != list(range(n)):
        raise ValueError(f"perm must be a permutation of 0..{n - 1}, got {perm.tolist()}")
    blocks = net.blocks(out)
    blocks[layer][...] = blocks[layer][perm]
    blocks[layer + 1][:, :n] = blocks[layer + 1][:, perm]
    return out


def rescale_relu(net: MLP, theta: np.ndarray, layer: int, neuron: int, alpha: float) -> np.ndarray:
    """ReLU rescaling symmetry: incoming weights and bias of one unit times ``alpha > 0``, its
    outgoing weights over ``alpha`` (the same function for ReLU, not for tanh). Returns a copy."""
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    return _scale_unit(net, theta, layer, neuron, alpha)


def flip_sign(net: MLP, theta: np.ndarray, layer: int, neuron: int) -> np.ndarray:
    """Sign-flip symmetry of odd activations: incoming weights, bias and outgoing weights of one
    unit times ``-1``. Since ``tanh(-z) = -tanh(z)`` the function is unchanged for tanh (not for
    ReLU). With the permutations it gives ``2^n n!`` equivalent copies per tanh layer. Returns a copy."""
    return _scale_unit(net, theta, layer, neuron, -1.0)


def _scale_unit(net: MLP, theta: np.ndarray, layer: int, neuron: int, alpha: float) -> np.ndarray:
    layer = _hidden_layer(net, layer)
    out = _one(net, theta)
    n = net.sizes[layer + 1]
    if isinstance(neuron, bool) or not isinstance(neuron, (int, np.integer)) or not 0 <= neuron < n:
        raise ValueError(f"neuron must be in [0, {n - 1}], got {neuron!r}")
    blocks = net.blocks(out)
    blocks[layer][neuron] *= alpha
    blocks[layer + 1][:, neuron] /= alpha
    return out


def all_permuted_copies(net: MLP, theta: np.ndarray) -> np.ndarray:
    """All parameter vectors obtained by permuting every hidden layer: ``(prod n_l!, P)`` array.

    Brute force for small layers (each ``n_l <= 5``); used to check the ``(n!)^m`` count.
    """
    widths = list(net.sizes[1:-1])
    if any(w > 5 for w in widths):
        raise ValueError(f"hidden widths must be <= 5 for brute force, got {widths}")
    copies = []
    for perms in itertools.product(*[itertools.permutations(range(w)) for w in widths]):
        p = theta
        for layer, perm in enumerate(perms):
            p = permute_hidden(net, p, layer, perm)
        copies.append(p)
    return np.array(copies)
