"""Regenerate lecture_code/data/perturbed_gd.json: how long perturbed gradient descent needs to leave a saddle.

Usage:  .venv/bin/python scripts/perturbed_gd.py [--quick] [--out PATH]
(`make data` runs it with the defaults; about a minute on one core.)

The strict saddle of ``f(x) = ½ xᵀ diag(−1, 1, …, 1) x + ¼‖x‖⁴`` at the origin
(``lecture_code.core.escape``). Perturbed gradient descent (Jin et al. 2017, step η = 0.1, a
kick uniform in the ball of radius ``r`` whenever ``‖∇f‖ <= r`` and no kick happened in the
last 250 steps) starts *at* the saddle; the escape time is the first step with
``f <= −0.005`` (``|x_1| ≈ 0.1``). Two sweeps, ``runs`` starts each:

* dimension ``d = 1, 2, 4, …, 4096`` at radius ``r = 1e-3``;
* radius ``r = 1e-1 … 1e-8`` at ``d = 100``.

Recorded per setting: mean, standard deviation, quartiles of the escape time, how many runs
did not escape within ``steps``, the linearised prediction ``predicted_escape_steps``, and the
parameters Jin et al.'s Algorithm 2 would choose for this function.
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

from lecture_code.core.escape import QuarticSaddle, jin_parameters, perturbed_gd, predicted_escape_steps  # noqa: E402

SEED = 2017
OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "perturbed_gd.json"
SETUP = dict(lr=0.1, gamma=1.0, lam=1.0, t_thres=250, steps=700, runs=400, radius=1e-3, d_fixed=100,
             dims=[2**i for i in range(13)], radii=[10.0**-i for i in range(1, 9)],
             # constants of f on the ball ‖x‖ <= 1 that holds the saddle and both minima
             ell=4.0, rho=6.0, eps=1e-3, delta=0.1)
QUICK = dict(SETUP, runs=10, steps=300, dims=[1, 8], radii=[1e-2, 1e-4])


def measure(cfg: dict, d: int, radius: float, seed: int) -> dict:
    t0 = time.perf_counter()
    f = QuarticSaddle(d, cfg["gamma"], cfg["lam"])
    run = perturbed_gd(f, np.zeros((cfg["runs"], d)), lr=cfg["lr"], radius=radius, steps=cfg["steps"],
                       t_thres=cfg["t_thres"], seed=seed)
    esc = run.escape_steps[run.escaped].astype(float)
    q = np.percentile(esc, [10, 25, 50, 75, 90]) if esc.size else [None] * 5
    jp = jin_parameters(d, cfg["ell"], cfg["rho"], cfg["eps"], delta=cfg["delta"], delta_f=-f.minimum_value)
    return dict(d=d, radius=radius, runs=cfg["runs"], escaped=int(run.escaped.sum()),
                mean=float(esc.mean()) if esc.size else None, sd=float(esc.std(ddof=1)) if esc.size > 1 else None,
                quantiles=[None if v is None else float(v) for v in q],
                predicted=predicted_escape_steps(d, radius, cfg["lr"], cfg["gamma"]),
                jin=jp._asdict(), seconds=round(time.perf_counter() - t0, 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, print only (the data file is kept)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    cfg = QUICK if args.quick else SETUP
    t_all = time.perf_counter()
    by_dim = [measure(cfg, d, cfg["radius"], seed=SEED + d) for d in cfg["dims"]]
    by_radius = [measure(cfg, cfg["d_fixed"], r, seed=SEED + i) for i, r in enumerate(cfg["radii"])]
    for row in by_dim + by_radius:
        print(f"d={row['d']:5d} r={row['radius']:.0e}: mean {row['mean']:.1f} ± {row['sd']:.1f} "
              f"(predicted {row['predicted']:.1f}), escaped {row['escaped']}/{row['runs']}  [{row['seconds']:.1f} s]")
    seconds = time.perf_counter() - t_all
    if args.quick:
        return
    out = dict(description="Escape times of perturbed gradient descent from a strict saddle; "
                           "see scripts/perturbed_gd.py and lecture_code.core.escape.",
               seed=SEED, setup=cfg, total_seconds=round(seconds, 1),
               machine=f"{platform.machine()} {os.cpu_count()} cores", by_dimension=by_dim, by_radius=by_radius)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, allow_nan=False))
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {seconds:.0f} s")


if __name__ == "__main__":
    main()
