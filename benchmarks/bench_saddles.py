"""Cost of the computations behind "Why saddles dominate" and "Counting symmetric minima and saddles".

* the chapters' heaviest live cells (squeezing experiment, critical line, linear-ResNet survey,
  one live Safran-Shamir experiment, the stuck/escape training runs);
* the scripts that regenerate the committed result files, measured at a small size and
  extrapolated linearly to the committed size (the recorded full-run times are in the files);
* the brute-force enumeration used by the tests.

Each number is the best of a few runs (the machine is shared). Run
``python -m benchmarks bench_saddles``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]


try:
    from benchmarks.timing import best_of
except ImportError:  # run as a script: python benchmarks/<this file>
    from timing import best_of


def _best(fn, repeat: int = 2):
    return best_of(fn, repeat)

def run() -> list[dict]:
    import numpy as np
    from scipy.linalg import expm

    from lecture_code.core import relu_minima as rm
    from lecture_code.core.critical import search
    from lecture_code.core.mlp import MLPRegression
    from lecture_code.chapters.saddles import resnet_critical_survey
    from lecture_code.chapters.saddles import escape_run, stuck_run
    from lecture_code.core.symmetry import count_placements
    from lecture_code.core.teacher_student import committee_problem, critical_line, squeeze

    rows: list[dict] = []

    prob = committee_problem()
    secs, sq = _best(lambda: squeeze(prob, (0, 1), 12))
    rows.append(dict(name="squeezing experiment (12 distances, 400 points)", value=round(secs, 2), unit="s",
                     target="< 10", note="book/symmetry.md slider, computed once"))
    secs, _ = _best(lambda: critical_line(prob, sq))
    rows.append(dict(name="critical line: polish + 7 exact Hessians", value=round(secs, 3), unit="s", target="< 1"))

    secs, _ = _best(lambda: rm.run_experiment(8, 8, runs=40, seed=1))
    rows.append(dict(name="Safran-Shamir live cell (k = n = 8, 40 runs)", value=round(secs, 2), unit="s", target="< 10"))

    secs, _ = _best(lambda: rm.run_experiment(10, 10, runs=50, seed=0), 1)
    full = json.loads((ROOT / "lecture_code" / "data" / "safran_shamir.json").read_text())
    rows.append(dict(name="Safran-Shamir script: k = n = 10, 50 runs", value=round(secs, 2), unit="s", target="",
                     note=f"committed file: {full['protocol']['runs_per_setting']} runs x {len(full['rows'])} settings "
                          f"took {full['total_seconds']:.0f} s (recorded by scripts/safran_shamir.py)"))

    net = MLPRegression.default(hidden=8)
    secs, pts = _best(lambda: search(net, starts=10, seed=0, max_iter=300), 1)
    cp = json.loads((ROOT / "lecture_code" / "data" / "critical_points.json").read_text())
    rows.append(dict(name="critical-point search: 10 starts (8 hidden units)", value=round(secs, 2), unit="s", target="",
                     note=f"{len(pts)} converged; committed file: widths {[n['hidden'] for n in cp['nets']]}, "
                          f"{cp['nets'][0]['starts']} starts each, took {cp['seconds']:.0f} s (scripts/find_critical_points.py)"))

    secs, _ = _best(lambda: (stuck_run(0.05, 3000), stuck_run(0.3, 3000)))
    rows.append(dict(name="'stuck is not zero gradient': two 3000-step GD runs", value=round(secs, 2), unit="s", target="< 5"))
    theta = net.init(np.random.default_rng(5), scale=0.1)
    secs, _ = _best(lambda: (escape_run(theta, None, steps=1500), escape_run(theta, 8, steps=1500, seed=1)))
    rows.append(dict(name="GD vs SGD escape: two 1500-step runs", value=round(secs, 2), unit="s", target="< 5"))

    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    R = expm(0.3 * (A + A.T))
    secs, _ = _best(lambda: resnet_critical_survey(R, 3, starts=20, scale=0.5, seed=0), 1)
    rows.append(dict(name="linear-ResNet critical-point survey (20 starts)", value=round(secs, 2), unit="s", target="< 15"))

    secs, _ = _best(lambda: count_placements(7, 1), 1)
    rows.append(dict(name="brute-force placements n = 7, K = 1 (6^7 maps)", value=round(secs, 2), unit="s", target="< 2"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
