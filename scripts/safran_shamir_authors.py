"""Write lecture_code/data/safran_shamir_authors.json: the authors' own spurious minima, evaluated here.

Source: Safran & Shamir's repository github.com/ItaySafran/OneLayerGDconvergence (commit
0719662, December 2017), folder ``Results/``. Its ``readme.txt`` says each ``newExp-k-n.mat`` holds,
for k teacher neurons and n student neurons, the bad points their 1000 gradient-descent runs
reached, grouped into families equal up to permutations of neurons and coordinates:
``WbadNew`` (a k x n x count array, one representative point per family, neurons as columns) and
``magnitude`` (how many of the 1000 runs fell into each family). Their other variables
(``objVals``, ``lambdaMin``, ``r``) are stored as MATLAB symbolic objects, which scipy cannot read,
so this script recomputes loss, gradient and smallest Hessian eigenvalue of each representative
with the book's closed forms (``lecture_code.core.relu_minima``). It copies no point into the
repository: the JSON holds only the counts and the values computed here.

Usage:
    git clone https://github.com/ItaySafran/OneLayerGDconvergence /tmp/ss-repo
    .venv/bin/python scripts/safran_shamir_authors.py /tmp/ss-repo/Results

(Not part of `make data`: it needs the authors' files, which this repository does not ship.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import scipy.io

from lecture_code.core import relu_minima as rm

OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "safran_shamir_authors.json"
SOURCE = "https://github.com/ItaySafran/OneLayerGDconvergence"
COMMIT = "0719662"


def read_families(path: Path) -> tuple[int, int, np.ndarray, np.ndarray]:
    """``(k, n, W, counts)`` of one ``newExp-k-n.mat``: ``W`` of shape ``(count, n, k)`` (the book's layout)."""
    k, n = map(int, re.fullmatch(r"newExp-(\d+)-(\d+)\.mat", path.name).groups())
    with warnings.catch_warnings():  # the symbolic variables come back as opaque objects, with a warning
        warnings.simplefilter("ignore")
        mat = scipy.io.loadmat(path, variable_names=["WbadNew", "magnitude"])
    Wb = np.asarray(mat["WbadNew"], dtype=float)
    if Wb.ndim == 2:
        Wb = Wb[:, :, None]
    counts = np.asarray(mat["magnitude"]).ravel().astype(int)
    if Wb.shape != (k, n, len(counts)):
        raise ValueError(f"{path.name}: WbadNew has shape {Wb.shape}, expected ({k}, {n}, {len(counts)})")
    return k, n, np.transpose(Wb, (2, 1, 0)), counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path, help="the Results/ folder of a clone of the authors' repository")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    files = sorted(args.results.glob("newExp-*-*.mat"),
                   key=lambda p: tuple(map(int, re.findall(r"\d+", p.name))))
    if not files:
        raise SystemExit(f"no newExp-k-n.mat files in {args.results}")
    rows = []
    for path in files:
        k, n, W, counts = read_families(path)
        loss = rm.population_loss(W, k)
        grad = np.linalg.norm(rm.population_grad(W, k), axis=-1).max(axis=-1)
        lam = np.linalg.eigvalsh(rm.population_hessian(W, k))[:, 0]
        fams = [dict(count=int(c), loss=float(f), min_eigenvalue=float(lm), max_grad_norm=float(g))
                for c, f, lm, g in sorted(zip(counts, loss, lam, grad), key=lambda t: -t[0])]
        rows.append(dict(k=k, n=n, file=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                         families=fams, **rm.count_weighted_means(fams)))
        m = rows[-1]
        print(f"k={k:2d} n={n:2d}: {len(fams):2d} families, {m['count']:3d} runs pass, "
              f"mean loss {m['mean_loss']:.4f}, mean λ_min {m['mean_min_eigenvalue']:.4f}", flush=True)
    out = dict(
        description="Safran & Shamir's stored bad points (one representative per family, with the number of "
                    "their 1000 runs in it), evaluated with the book's closed-form loss, gradient and Hessian.",
        source=f"{SOURCE} (commit {COMMIT}), Results/newExp-k-n.mat: variables WbadNew and magnitude",
        weighting="as Verify_minima_code/processResults.m: dot(magnitude, value) / sum(magnitude), over the "
                  f"families whose smallest Hessian eigenvalue exceeds {rm.LAMBDA_TOL:g}",
        lambda_tol=rm.LAMBDA_TOL,
        rows=rows,
    )
    args.out.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
