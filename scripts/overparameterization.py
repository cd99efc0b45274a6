"""Regenerate lecture_code/data/overparameterization.json: wide networks reach zero loss from every start.

Usage:  .venv/bin/python scripts/overparameterization.py [--quick] [--out PATH] [widths|yun]
(`make data` runs it with the defaults; the run time of each part is recorded in the file.
A part name reruns that part alone and keeps the other part of the existing file.)

Part 1 (Du, Zhai, Póczos & Singh 2019): the two-layer ReLU network
``f(x) = (1/√m) Σ_r a_r relu(w_rᵀx)`` (fixed balanced signs ``a_r``, ``w_r ~ N(0, I)``, only ``W``
trained) on ``n = 40`` points of the unit sphere in ``d = 5`` dimensions, labelled by a teacher of
the same form with ``k = 4`` units, trained by full-batch gradient descent (step 0.3) from 100
random starts per width ``m``. A run *reaches zero* when ``L <= 1e-8 · ½‖y‖²`` within 100,000
steps; the others are *stuck* (the loss changed by less than 1 % over the second half of the
run) or *still decreasing*. Recorded: the counts per width, the final losses, thinned loss
curves of 20 runs per width, ``λ_0 = λ_min(H^∞)`` and the width ``n⁶/(λ_0⁴ δ³)`` of the theorem.

Part 2 (Yun, Sra & Jadbabaie 2019): one-hidden-layer ReLU networks on five points of ``y = |x|``
from random starts, widths 2 to 32: how often gradient descent ends at the least-squares loss
(Yun et al.'s spurious local minimum), at zero, or elsewhere.
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

from lecture_code.core import linear_regime as lr_mod  # noqa: E402
from lecture_code.core import overparameterization as op  # noqa: E402

SEED = 2019
OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "overparameterization.json"
SETUP = dict(n=40, d=5, k=4, lr=0.3, steps=100_000, runs=100, rel_tol=1e-8, curves=20,
             widths=[4, 6, 8, 12, 16, 24, 32, 64, 128, 256, 512, 1024])
QUICK = dict(SETUP, steps=2_000, runs=6, curves=3, widths=[4, 32])
YUN = dict(x=[-2.0, -1.0, 0.0, 1.0, 2.0], widths=[2, 4, 8, 16, 32], runs=200, steps=20_000, lr0=0.04)
YUN_QUICK = dict(YUN, widths=[2, 8], runs=10, steps=500)


def classify(res: op.TrainResult, target: float, half_step: int) -> np.ndarray:
    """``"zero"`` / ``"stuck"`` / ``"decreasing"`` per run (see the module docstring)."""
    j = int(np.argmin(np.abs(res.checkpoints - half_step)))
    mid, last = res.losses[j], res.final_loss
    labels = np.where(last <= target, "zero", np.where(last >= 0.99 * mid, "stuck", "decreasing"))
    return labels


def widths_experiment(cfg: dict, seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    X = op.sphere_points(cfg["n"], cfg["d"], rng)
    y, _ = op.teacher(X, cfg["k"], rng)
    lam0 = op.min_eigenvalue(X)
    scale = 0.5 * float(y @ y)                           # loss of the zero predictor
    target = cfg["rel_tol"] * scale
    rows = []
    for m in cfg["widths"]:
        t0 = time.perf_counter()
        W0 = op.init_weights(cfg["runs"], m, cfg["d"], np.random.default_rng([seed, m]))
        res = op.train(W0, op.signs(m), X, y, cfg["lr"], cfg["steps"], checkpoints=40, tol=target)
        labels = classify(res, target, cfg["steps"] // 2)
        # the theorem's bound ‖u(k) − y‖² <= (1 − ηλ0/2)^k ‖u(0) − y‖² at every recorded step
        bound = (1 - cfg["lr"] * lam0 / 2) ** res.checkpoints[:, None] * res.losses[0]
        reached = res.losses <= target                   # once at the target a run stops moving
        holds = np.all((res.losses <= bound * (1 + 1e-9)) | reached, axis=0)
        rel = res.losses / scale
        rows.append(dict(
            m=m, params=m * cfg["d"], runs=cfg["runs"],
            zero=int(np.sum(labels == "zero")), stuck=int(np.sum(labels == "stuck")),
            decreasing=int(np.sum(labels == "decreasing")), diverged=int(res.diverged.sum()),
            bound_holds=int(holds.sum()),
            final_rel_loss=[float(f"{v:.4g}") for v in res.final_loss / scale],
            max_grad_stuck=float(res.final_grad[labels == "stuck"].max()) if np.any(labels == "stuck") else None,
            curves=[[float(f"{v:.4g}") for v in rel[:, i]] for i in range(min(cfg["curves"], cfg["runs"]))],
            seconds=round(time.perf_counter() - t0, 2),
        ))
        r = rows[-1]
        print(f"m={m:5d} ({r['params']:5d} params): zero {r['zero']}, stuck {r['stuck']}, decreasing "
              f"{r['decreasing']}, bound holds {r['bound_holds']}  [{r['seconds']:.1f} s]", flush=True)
    return dict(setup={key: v for key, v in cfg.items()}, lambda0=lam0, zero_loss_scale=scale,
                du_width=op.du_width(cfg["n"], lam0, 0.1), du_lr=lam0 / cfg["n"] ** 2,
                checkpoints=[int(v) for v in res.checkpoints], rows=rows)


def yun_experiment(cfg: dict, seed: int = SEED) -> dict:
    X = np.array(cfg["x"])[:, None]
    y = np.abs(X[:, 0])
    _, _, ls_loss = lr_mod.least_squares_fit(X, y)
    rows = []
    for k in cfg["widths"]:
        t0 = time.perf_counter()
        net = lr_mod.Net(1, k, 1.0, 0.0)
        rng = np.random.default_rng([seed, k])
        R = cfg["runs"]
        # W ~ N(0, 1), b ~ N(0, 1), v ~ N(0, 1/k), c = 0; step lr0/√k keeps the output layer's step stable
        theta0 = np.concatenate([rng.standard_normal((R, k)), rng.standard_normal((R, k)),
                                 rng.standard_normal((R, k)) / np.sqrt(k), np.zeros((R, 1))], axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            theta, hist = lr_mod.gradient_descent(net, theta0, X, y, lr=cfg["lr0"] / np.sqrt(k), steps=cfg["steps"])
        final = hist[-1]
        at_ls = np.abs(final - ls_loss) < 1e-3
        zero = final < 1e-6
        # a run "at the least-squares loss" computes an affine function, as in Yun et al.'s construction,
        # when every unit is active on all points or on none (a unit dead everywhere outputs 0)
        W, b, v, c = net.unpack(theta)
        pre = X[None, :, 0, None] * W[:, None, :, 0] + b[:, None, :]
        linear = np.all(np.all(pre > 0, axis=1) | np.all(pre <= 0, axis=1), axis=1)
        levels, counts = np.unique(np.round(final[~zero & ~at_ls], 3), return_counts=True)
        rows.append(dict(width=k, runs=R, zero=int(zero.sum()), least_squares=int(at_ls.sum()),
                         least_squares_linear=int((at_ls & linear).sum()),
                         other=int((~zero & ~at_ls).sum()),
                         other_levels=[[float(a), int(n)] for a, n in zip(levels, counts)],
                         diverged=int(np.sum(~np.isfinite(final))),
                         seconds=round(time.perf_counter() - t0, 2)))
        r = rows[-1]
        print(f"width {k:3d}: zero {r['zero']}, least squares {r['least_squares']} "
              f"(linear regime {r['least_squares_linear']}), other {r['other']}  [{r['seconds']:.1f} s]", flush=True)
    return dict(setup=cfg, least_squares_loss=ls_loss, rows=rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, print only (the data file is kept)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("part", nargs="?", choices=["widths", "yun"],
                    help="rerun one part only and keep the other part of the existing file")
    args = ap.parse_args()
    old = json.loads(args.out.read_text()) if args.part and args.out.exists() else {}
    t_all = time.perf_counter()
    parts = {}
    if args.part in (None, "widths"):
        t0 = time.perf_counter()
        parts["widths"] = widths_experiment(QUICK if args.quick else SETUP)
        parts["widths"]["seconds"] = round(time.perf_counter() - t0, 1)
    if args.part in (None, "yun"):
        t0 = time.perf_counter()
        parts["yun"] = yun_experiment(YUN_QUICK if args.quick else YUN)
        parts["yun"]["seconds"] = round(time.perf_counter() - t0, 1)
    seconds = time.perf_counter() - t_all
    if args.quick:
        return
    merged = {key: parts.get(key, old.get(key)) for key in ("widths", "yun")}
    if any(v is None for v in merged.values()):
        raise SystemExit(f"{args.out} has no other part to keep: run the script without a part first")
    out = dict(description="Over-parameterization and global convergence (Du et al. 2019) and Yun et al.'s "
                           "linear-regime local minimum; see scripts/overparameterization.py.",
               seed=SEED, total_seconds=round(sum(v.get("seconds", sum(r["seconds"] for r in v["rows"]))
                                                  for v in merged.values()), 1),
               machine=f"{platform.machine()} {os.cpu_count()} cores", **merged)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, allow_nan=False, separators=(",", ":")))
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {seconds:.0f} s")


if __name__ == "__main__":
    main()
