"""Regenerate lecture_code/data/safran_shamir.json: Safran & Shamir's spurious local minima, reproduced.

Usage:  .venv/bin/python scripts/safran_shamir.py [--runs 1000] [--quick] [--out PATH]
(`make data` runs it with the defaults.)

For every (k, n) below: ``runs`` students with the paper's protocol (Gaussian N(0, 1/d)
initialisation, gradient descent with step 0.1 to gradient norm 1e-9/(2π), a run counted when
its loss is at least 1e-3 and its Hessian positive definite; see
``lecture_code.core.relu_minima``), compared with the published percentage by a two-sample z score.
Then an ablation at k = n = 10: the same runs with one knob changed at a time. The chapter
``book/symmetry.md`` only loads the JSON file this script writes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from lecture_code.core import relu_minima as rm  # noqa: E402

SEED = 2018
# n = k and n = k + 1 for k = 6..12 (the published settings of this range), n = k + 2 as a check
CONFIGS = [(k, k + e) for e in (0, 1, 2) for k in range(6, 13)]
# one knob at a time, at the setting with the largest published count below k = 12
ABLATION_SETTING = (10, 10)
ABLATION = [
    ("paper", "the paper's protocol", {}),
    ("uniform", "uniform initialisation, same variance 1/d", dict(init="uniform")),
    ("uniform rotated", "the same uniform weights, randomly rotated (one rotation per run)",
     dict(init="uniform_rotated")),
    ("scale 0.5", "Gaussian initialisation, standard deviation halved", dict(scale=0.5)),
    ("scale 2", "Gaussian initialisation, standard deviation doubled", dict(scale=2.0)),
    ("lr 0.05", "step size 0.05 instead of 0.1", dict(lr=0.05)),
    ("lr 0.2", "step size 0.2 instead of 0.1", dict(lr=0.2)),
    ("tol 1e-5", "stop at gradient norm 1e-5/(2π) instead of 1e-9/(2π)", dict(tol=1e-5 / rm.TWO_PI)),
]
OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "safran_shamir.json"


def families(res: rm.ExperimentResult) -> list[dict]:
    """Spurious minima grouped by their loss (to 4 decimals): loss, mean λ_min and count of each family."""
    local = np.array([lab == "local" for lab in res.labels])
    keys = np.round(res.losses[local], 4)
    out = []
    for key in np.unique(keys):
        m = keys == key
        out.append(dict(loss=float(np.mean(res.losses[local][m])),
                        min_eigenvalue=float(np.mean(res.min_eigenvalues[local][m])), count=int(m.sum())))
    return out


def row(res: rm.ExperimentResult, seconds: float) -> dict:
    r = {key: (None if isinstance(v, float) and v != v else v) for key, v in res.summary().items()}
    r["seconds"] = round(seconds, 2)
    r["families"] = families(res)
    bad = res.losses >= rm.GLOBAL_TOL
    r["min_local_eigenvalue"] = float(np.min(res.min_eigenvalues[bad])) if bad.any() else None
    r["max_local_grad_norm"] = float(np.max(res.grad_norms[bad])) if bad.any() else None
    pub = rm.published_percent(res.k, res.n)
    if pub is None:
        r["published"], r["z"] = None, None
    else:
        listed = (res.k, res.n) in rm.PUBLISHED
        r["published"] = dict(percent_local=pub, listed=listed, runs=1000,
                              mean_min_eigenvalue=rm.PUBLISHED[(res.k, res.n)][1] if listed else None,
                              mean_loss_local=rm.PUBLISHED[(res.k, res.n)][2] if listed else None)
        r["z"] = rm.two_sample_z(res.n_local, res.runs, pub / 100 * 1000, 1000)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="50 runs per setting, print only (the data file is kept)")
    ap.add_argument("--out", type=Path, default=OUT, help="result file (default lecture_code/data/safran_shamir.json)")
    args = ap.parse_args()
    runs = 50 if args.quick else args.runs
    t_all = time.perf_counter()
    rows, ablation = [], []
    for k, n in CONFIGS:
        t0 = time.perf_counter()
        res = rm.run_experiment(k, n, runs=runs, seed=[SEED, k, n])
        rows.append(row(res, time.perf_counter() - t0))
        r = rows[-1]
        print(f"k={k:2d} n={n:2d}: {r['percent_local']:5.1f}% ({r['local']}/{runs}), paper "
              f"{r['published'] and r['published']['percent_local']}, z={r['z'] if r['z'] is None else round(r['z'], 2)}, "
              f"λmin {r['mean_min_eigenvalue']}, loss {r['mean_loss_local']}  [{r['seconds']:.1f} s]", flush=True)
    k, n = ABLATION_SETTING
    for name, description, knobs in ABLATION:
        t0 = time.perf_counter()
        res = rm.run_experiment(k, n, runs=runs, seed=[SEED, k, n], **knobs)
        a = row(res, time.perf_counter() - t0)
        a.update(name=name, description=description, knobs=knobs)
        ablation.append(a)
        print(f"ablation {name:10s}: {a['percent_local']:5.1f}% z={a['z']:+.2f} [{a['seconds']:.1f} s]", flush=True)
    seconds = time.perf_counter() - t_all
    if args.quick:
        return
    out = dict(
        description="Safran & Shamir (2018) reproduced with the closed-form population loss; "
                    "see lecture_code.core.relu_minima for the protocol.",
        protocol=dict(runs_per_setting=runs, paper_runs_per_setting=1000, init="gaussian N(0, 1/d)",
                      lr=rm.LR, grad_tol=rm.GRAD_TOL, global_tol=rm.GLOBAL_TOL, lambda_tol=rm.LAMBDA_TOL,
                      early_stop="a run stops once its loss is below global_tol", seed=SEED,
                      source="github.com/ItaySafran/OneLayerGDconvergence (GD_code/findBadMinima.m, findMinimum.m)"),
        total_seconds=round(seconds, 1),
        machine=f"{platform.machine()} {os.cpu_count()} cores",
        rows=rows,
        ablation_setting=list(ABLATION_SETTING),
        ablation=ablation,
    )
    args.out.parent.mkdir(exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, allow_nan=False))
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {seconds:.0f} s")


if __name__ == "__main__":
    main()
