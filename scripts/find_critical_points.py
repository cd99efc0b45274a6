"""Regenerate data/critical_points.json: critical points of a small tanh MLP, index vs loss.

Usage:  .venv/bin/python scripts/find_critical_points.py [--starts 600] [--hidden 8] [--quick]

Runs :func:`lecture_code.critical_search.search` (Levenberg-Marquardt on ∇L = 0 from
gradient-descent snapshots and scaled random initialisations) plus fully trained runs
(gradient descent to a minimum, then the same polishing), and stores loss, index and
eigenvalue counts of every converged point. The chapter ``book/saddles.md`` loads the file.
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

from lecture_code.critical_search import TanhNet, find_critical_point, search  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "data" / "critical_points.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=400)
    ap.add_argument("--trained", type=int, default=20, help="runs trained to a minimum (L-BFGS, then polished)")
    ap.add_argument("--hidden", type=int, default=8)
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--quick", action="store_true", help="20 starts, do not overwrite the data file")
    args = ap.parse_args()
    starts, trained = (20, 4) if args.quick else (args.starts, args.trained)
    net = TanhNet.default(hidden=args.hidden)
    t0 = time.perf_counter()
    points = [p.as_dict() for p in search(net, starts=starts, seed=args.seed, max_iter=300)]
    t_search = time.perf_counter() - t0
    rng = np.random.default_rng(args.seed + 1)
    for i in range(trained):
        # minima of this net are degenerate (saturated units): L-BFGS gets |g| to ~1e-5 only, so
        # trained points are kept with the looser tolerance |g| < 1e-4 and marked "trained"
        theta = net.init(rng)
        res = minimize(lambda x: (net.loss(x), net.grad(x)), theta, jac=True, method="L-BFGS-B",
                       options=dict(gtol=1e-12, ftol=1e-300, maxiter=6000))
        _, rec = find_critical_point(net, res.x, max_iter=60)
        rec.start = "trained"
        if rec.grad_norm < 1e-4:
            points.append(rec.as_dict())
    keep = ("loss", "grad_norm", "index", "n_negative", "n_zero", "kind", "start")
    rows = [{k: (round(p[k], 8) if isinstance(p[k], float) else p[k]) for k in keep} for p in points]
    out = dict(
        description="Critical points of a one-hidden-layer tanh MLP on lecture_code.models.regression_data "
                    "(n=64, d=2); see lecture_code.critical_search.",
        hidden=args.hidden, n_params=net.n_params, starts=starts, trained_runs=trained,
        converged=len(rows), variance_of_targets=float(np.var(net.y)),
        seconds=round(time.perf_counter() - t0, 1), search_seconds=round(t_search, 1),
        machine=f"{platform.machine()} {os.cpu_count()} cores", points=rows,
    )
    print(f"{len(rows)} critical points from {starts} starts + {trained} trained runs in {out['seconds']} s")
    if args.quick:
        return
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=0))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
