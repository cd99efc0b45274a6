"""Speed of the Hessian tools (``lecture_code.core.hessian``) on small and medium MLPs.

* the exact Hessian and its full spectrum of a ~2,000-parameter MLP (``hessian_spectrum``:
  ``jacrev(grad)`` + ``numpy.linalg.eigvalsh``), the largest model the chapters diagonalize;
* the top-5 and bottom-5 eigenvalues of a ~50,000-parameter MLP by Lanczos over
  Hessian-vector products (``extreme_eigenvalues``: ARPACK ``eigsh``, which="BE", both ends in one
  Lanczos run).

Both at a random initialisation (tanh MLP, 128 points of 2-D spirals, cross-entropy, float64,
full batch).
Each number is the best of a few runs (the machine is shared with other processes).
Run ``python -m benchmarks bench_hessian`` or ``python benchmarks/bench_hessian.py``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


try:
    from benchmarks.timing import best_of
except ImportError:  # run as a script: python benchmarks/<this file>
    from timing import best_of


def _setup(sizes: list[int], n_data: int):
    from lecture_code.core.models import flatten_params, make_loss_fn, mlp, spirals

    data = spirals(n_data, seed=0)
    model = mlp(sizes, activation="tanh", seed=0)
    return make_loss_fn(model, data.X, data.y, "cross_entropy"), flatten_params(model)


_best = best_of


def run() -> list[dict]:
    import numpy as np

    from lecture_code.core.hessian import extreme_eigenvalues, hessian_spectrum

    rows: list[dict] = []

    sizes, n_data = [2, 40, 40, 2], 128
    loss_fn, theta = _setup(sizes, n_data)
    n = theta.numel()
    secs, lam = _best(lambda: hessian_spectrum(loss_fn, theta), 3)
    rows.append(dict(
        name=f"exact Hessian + full spectrum, {n}-parameter MLP",
        value=round(secs, 3), unit="s", target="< 2.5 s",
        note=f"MLP {sizes}, {n_data} points; λ in [{lam[0]:.3g}, {lam[-1]:.3g}]",
    ))

    sizes, n_data = [2, 220, 220, 2], 128
    loss_fn, theta = _setup(sizes, n_data)
    n = theta.numel()
    secs, e = _best(lambda: extreme_eigenvalues(loss_fn, theta, k=5, tol=1e-6), 2)
    rows.append(dict(
        name=f"top-5 and bottom-5 Hessian eigenvalues (Lanczos), {n}-parameter MLP",
        value=round(secs, 3), unit="s", target="< 1.5 s",
        note=f"MLP {sizes}, {n_data} points; {e.n_products} Hessian-vector products, tol 1e-6; "
        f"λ_max {e.top[0]:.4g}, λ_min {e.bottom[0]:.4g}",
    ))
    # accuracy cross-check against a tight-tolerance run (the full spectrum is out of reach here)
    ref = extreme_eigenvalues(loss_fn, theta, k=5, tol=1e-12)
    err = float(max(np.abs(e.top - ref.top).max(), np.abs(e.bottom - ref.bottom).max()))
    rows.append(dict(
        name="Lanczos tol 1e-6 vs tol 1e-12, max |Δλ|",
        value=float(f"{err:.2g}"), unit="", target="< 1e-6",
        note=f"reference used {ref.n_products} products in {ref.seconds:.2f} s",
    ))
    return rows


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) {row.get('note', '')}")
