"""Regenerate lecture_code/data/critical_points.json: critical points of small tanh MLPs, index vs loss.

Usage:  .venv/bin/python scripts/find_critical_points.py [--hidden 4,8] [--starts 500] [--quick]

For each hidden width, runs :func:`lecture_code.core.critical.search` (Levenberg-Marquardt on
∇L = 0 from gradient-descent snapshots and scaled random initialisations) and a few training
runs (L-BFGS to a minimum, then the same polishing), and stores loss, index and eigenvalue
counts of every converged point, and the parameters ``theta`` of the ends of the training runs. The chapter ``book/saddles.md`` loads the file.
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
from scipy.optimize import minimize  # noqa: E402

from lecture_code.core.critical import find_critical_point, search  # noqa: E402
from lecture_code.core.mlp import MLPRegression  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "critical_points.json"
KEEP = ("loss", "grad_norm", "index", "n_negative", "n_zero", "kind", "start")


def one_width(hidden: int, starts: int, trained: int, seed: int) -> dict:
    net = MLPRegression.default(hidden=hidden)
    t0 = time.perf_counter()
    points = [p.as_dict() for p in search(net, starts=starts, seed=seed, max_iter=300)]
    rng = np.random.default_rng(seed + 1)
    for _ in range(trained):
        # minima of these nets are degenerate (saturated units): L-BFGS gets |g| to ~1e-5 only,
        # so trained points are kept with the looser tolerance |g| < 1e-4 and marked "trained"
        res = minimize(lambda x: (net.f(x), net.grad(x)), net.init(rng), jac=True, method="L-BFGS-B",
                       options=dict(gtol=1e-12, ftol=1e-300, maxiter=6000))
        theta, rec = find_critical_point(net, res.x, max_iter=60)
        rec.start = "trained"
        if rec.grad_norm < 1e-4:
            # the parameters too (full precision), so that the chapter can probe a degenerate end further
            points.append(dict(rec.as_dict(), theta=[float(v) for v in theta]))
    rows = [{k: (round(p[k], 8) if isinstance(p[k], float) else p[k]) for k in KEEP + ("theta",) if k in p}
            for p in points]
    secs = round(time.perf_counter() - t0, 1)
    print(f"hidden {hidden}: {len(rows)} points from {starts} starts + {trained} trained runs in {secs} s", flush=True)
    return dict(hidden=hidden, n_params=net.n_params, starts=starts, trained_runs=trained, converged=len(rows),
                seconds=secs, points=rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", default="4,8", help="comma-separated hidden widths")
    ap.add_argument("--starts", type=int, default=500)
    ap.add_argument("--trained", type=int, default=20, help="runs trained to a minimum (L-BFGS, then polished)")
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--quick", action="store_true", help="20 starts, do not overwrite the data file")
    args = ap.parse_args()
    starts, trained = (20, 3) if args.quick else (args.starts, args.trained)
    t0 = time.perf_counter()
    nets = [one_width(int(h), starts, trained, args.seed) for h in args.hidden.split(",")]
    y = MLPRegression.default().y
    out = dict(
        description="Critical points of one-hidden-layer tanh MLPs on lecture_code.core.synthetic.regression_data "
                    "(n=64, d=2); see lecture_code.core.critical.",
        variance_of_targets=float(np.var(y)), seconds=round(time.perf_counter() - t0, 1),
        machine=f"{platform.machine()} {os.cpu_count()} cores", nets=nets,
    )
    if args.quick:
        return
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=0))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) in {out['seconds']} s")


if __name__ == "__main__":
    main()
