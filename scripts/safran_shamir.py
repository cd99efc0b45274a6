"""Regenerate data/safran_shamir.json: spurious local minima of two-layer ReLU nets.

Usage:  .venv/bin/python scripts/safran_shamir.py [--runs 1000] [--quick] [--out PATH]

Safran & Shamir's experiment at small scale with the closed-form population loss of
:mod:`lecture_code.chapters.symmetry`: for every (k, n) below, ``runs`` Xavier initialisations,
gradient descent then L-BFGS polishing, classification by loss and Hessian. The chapter
``book/symmetry.md`` only loads the JSON file this script writes (a few KB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from lecture_code.chapters.symmetry import PUBLISHED, run_experiment  # noqa: E402

# in order of priority: the file is rewritten after every setting, so a stopped run keeps its rows
CONFIGS = ([(k, k) for k in range(6, 11)] + [(k, k + 1) for k in range(6, 11)] + [(k, k + 2) for k in (8, 10)]
           + [(11, 11), (12, 12), (11, 12), (12, 13)])
OUT = Path(__file__).resolve().parents[1] / "data" / "safran_shamir.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--quick", action="store_true", help="20 runs per setting, do not overwrite the data file")
    ap.add_argument("--out", type=Path, default=OUT, help=f"result file (default {OUT.relative_to(OUT.parents[1])})")
    args = ap.parse_args()
    runs = 20 if args.quick else args.runs
    rows = []
    t_all = time.perf_counter()
    for i, (k, n) in enumerate(CONFIGS):
        t0 = time.perf_counter()
        res = run_experiment(k, n, runs=runs, seed=args.seed + i)
        row = {key: (None if isinstance(v, float) and v != v else v) for key, v in res.summary().items()}
        row["seconds"] = round(time.perf_counter() - t0, 2)
        local = [round(float(x), 6) for x, lab in zip(res.losses, res.labels) if lab == "local"]
        row["local_losses"] = local
        pub = PUBLISHED.get((k, n))
        row["published"] = None if pub is None else dict(
            percent_local=pub[0], mean_min_eigenvalue=pub[1], mean_loss_local=pub[2])
        rows.append(row)
        if not args.quick:
            _write(rows, runs, args.seed, time.perf_counter() - t_all, args.out)
        print(f"k={k:2d} n={n:2d}: {row['percent_local']:5.1f}% local ({row['local']}/{runs}, "
              f"{row['other']} other), λmin {row['mean_min_eigenvalue']}, "
              f"loss {row['mean_loss_local']}  [{row['seconds']:.1f} s]", flush=True)
    if not args.quick:
        _write(rows, runs, args.seed, time.perf_counter() - t_all, args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {time.perf_counter() - t_all:.0f} s")


def _write(rows: list, runs: int, seed: int, seconds: float, out_path: Path = OUT) -> None:
    out = dict(
        description="Safran & Shamir (2018) reproduced with the closed-form population loss; "
                    "see lecture_code.chapters.symmetry.run_experiment for the protocol.",
        protocol=dict(runs_per_setting=runs, paper_runs_per_setting=1000, lr=0.1, gd_steps=2000,
                      polish="L-BFGS gtol 1e-11", global_tol=1e-6, grad_tol=1e-7, seed=seed),
        total_seconds=round(seconds, 1),
        machine=f"{platform.machine()} {os.cpu_count()} cores",
        rows=rows,
    )
    out_path.parent.mkdir(exist_ok=True)
    tmp = out_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, allow_nan=False))
    tmp.replace(out_path)


if __name__ == "__main__":
    main()
