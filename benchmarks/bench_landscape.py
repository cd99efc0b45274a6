"""Speed of batched loss-surface evaluation (``lecture_code.core.landscape``).

A 31×31 grid of the training loss in two filter-normalized directions, for the chapter's
network (64-64-64-10 ReLU, 8,970 parameters, 1,000 digits, float64) and for a small one
(64-16-10, 100 digits), where the cost of a call rather than the arithmetic dominates:

* a per-point Python loop (``method="loop"``: one ``functional_call`` per grid point);
* ``torch.func.vmap`` over chunks of grid points (``method="vmap"``) for a few chunk sizes;
* the stacked evaluation (``method="stacked"``, the default for the core's MLPs): a chunk
  of networks run as one, the first layer one shared matrix product, the rest ``torch.bmm``;

and the largest difference between each batched grid and the loop's (they must agree to
rounding). The measured speeds are in ``benchmarks/RESULTS.md``.
One torch thread, as the chapter and ``scripts/landscape_experiments.py`` use. Each number is
the best of a few runs (the machine is shared with other processes).
Run ``python -m benchmarks bench_landscape`` or ``python benchmarks/bench_landscape.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:
    from benchmarks.timing import best_of
except ImportError:  # run as a script: python benchmarks/<this file>
    from timing import best_of


def run() -> list[dict]:
    import numpy as np
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the chapter and the script (small matrices: one thread is as fast)
    try:
        return _rows(np)
    finally:
        torch.set_num_threads(threads)


def _rows(np) -> list[dict]:
    from lecture_code.core.data import digits
    from lecture_code.core.landscape import loss_grid, random_direction
    from lecture_code.core.models import flatten_params, mlp, num_params

    train, _ = digits()
    xs = np.linspace(-1, 1, 31)
    rows: list[dict] = []
    for sizes, n_data in (([64, 64, 64, 10], 1000), ([64, 16, 10], 100)):
        model = mlp(sizes, "relu", seed=0)
        theta = flatten_params(model)
        d1, d2 = random_direction(model, theta, 1), random_direction(model, theta, 2)
        X, y = train.X[:n_data], train.y[:n_data]
        what = f"{num_params(model)}-parameter MLP, {n_data} digits"

        def grid(method: str, chunk: int = 64):
            return loss_grid(model, X, y, theta, d1, d2, xs, xs, method=method, chunk=chunk)

        loop_s, Z_loop = best_of(lambda: grid("loop"), 2)
        rows.append(dict(name=f"31×31 loss grid, per-point loop ({what})", value=round(loop_s, 3), unit="s",
                         target="", note="reference"))
        for method in ("vmap", "stacked"):
            best = None
            for chunk in (16, 64, 961):
                secs, Z = best_of(lambda: grid(method, chunk), 2)
                err = float(np.abs(Z - Z_loop).max())
                rows.append(dict(name=f"31×31 loss grid, {method} in chunks of {chunk} ({what})", value=round(secs, 3),
                                 unit="s", target="", note=f"{loop_s / secs:.2f}× the loop's speed; max |Δ| {err:.1e}"))
                best = secs if best is None else min(best, secs)
            rows.append(dict(name=f"{method} grid speed-up over the loop, best chunk ({what})",
                             value=round(loop_s / best, 2), unit="×", target="> 1"))
    return rows


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) {row.get('note', '')}")
