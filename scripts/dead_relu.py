"""Regenerate lecture_code/data/dead_relu.json: how often a ReLU network is born dead on the digits.

Usage:  .venv/bin/python scripts/dead_relu.py [--quick] [--out PATH]
(`make data` runs it with the defaults; a few minutes on one busy core.)

Part 1: for widths 2..32, biases 0, −0.5, −1 and He-normal weights, 1000 random initialisations
of a ReLU network with 30 hidden layers on the first 200 training images of the 8×8 digits
(standardized): the first hidden layer whose units are all ``<= 0`` on all 200 images (the
"blind spot", see ``lecture_code.core.dead_relu``). From it, the fraction of networks of each
depth 1..30 that are dead at initialisation.

Part 2: 8 born-dead and 8 living networks (width 3, depth 10, zero biases), trained with Adam
for 2000 full-batch steps on "even digit or odd?" (binary cross-entropy, the same 200 images):
how far each weight of the dead layers moved (zero: their gradient is exactly zero) and the
training accuracy reached.
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

from lecture_code.core.data import digits  # noqa: E402
from lecture_code.core.dead_relu import first_dead_layer, he_init, single_point_dead_probability  # noqa: E402
from lecture_code.core.mlp import MLP, mlp_logits, train_mlp  # noqa: E402

SEED = 1903
OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "dead_relu.json"
SETUP = dict(points=200, depth=30, runs=1000, widths=[2, 3, 4, 6, 8, 16, 32], biases=[0.0, -0.5, -1.0],
             train_width=3, train_depth=10, train_nets=8, train_steps=2000, train_lr=0.01)
QUICK = dict(SETUP, depth=6, runs=20, widths=[2, 4], biases=[0.0, -1.0], train_nets=2, train_steps=20)


def images(n: int) -> tuple[np.ndarray, np.ndarray]:
    train, _ = digits()
    X = np.asarray(train.X[:n], dtype=float)
    y = (np.asarray(train.y[:n]) % 2 == 0).astype(float)      # 1 for an even digit
    return X, y


def census(cfg: dict, X: np.ndarray, seed: int = SEED) -> list[dict]:
    rows = []
    for bias in cfg["biases"]:
        for width in cfg["widths"]:
            t0 = time.perf_counter()
            net = MLP((X.shape[1],) + (width,) * cfg["depth"] + (1,), "relu")
            theta = he_init(net, cfg["runs"], np.random.default_rng([seed, width, int(-10 * bias)]), bias=bias)
            first = first_dead_layer(net, theta, X)
            dead_by = [int(np.sum((first > 0) & (first <= L))) for L in range(1, cfg["depth"] + 1)]
            rows.append(dict(width=width, bias=bias, runs=cfg["runs"], dead_by_depth=dead_by,
                             single_point_bound=[single_point_dead_probability(width, L)
                                                 for L in range(1, cfg["depth"] + 1)] if bias == 0 else None,
                             seconds=round(time.perf_counter() - t0, 2)))
            print(f"bias {bias:+.1f} width {width:2d}: dead at depth 1/10/{cfg['depth']}: "
                  f"{dead_by[0]}/{dead_by[min(9, cfg['depth'] - 1)]}/{dead_by[-1]} of {cfg['runs']}  "
                  f"[{rows[-1]['seconds']:.1f} s]", flush=True)
    return rows


def training(cfg: dict, X: np.ndarray, y: np.ndarray, seed: int = SEED) -> dict:
    t0 = time.perf_counter()
    net = MLP((X.shape[1],) + (cfg["train_width"],) * cfg["train_depth"] + (1,), "relu")
    pool = he_init(net, 4000, np.random.default_rng([seed, 7]))
    first = first_dead_layer(net, pool, X)
    k = cfg["train_nets"]
    dead_idx, alive_idx = np.flatnonzero(first > 0)[:k], np.flatnonzero(first == 0)[:k]
    theta0 = np.concatenate([pool[dead_idx], pool[alive_idx]])
    Y = np.tile(y, (len(theta0), 1))
    theta, hist = train_mlp(net, X, Y, steps=cfg["train_steps"], lr=cfg["train_lr"], theta0=theta0, loss="bce")
    acc = np.mean((mlp_logits(net, theta, X) > 0) == (Y > 0.5), axis=1)
    # how far the weights of each dead network's dead layer and the layers below it moved
    sizes = [(a + 1) * b for a, b in zip(net.sizes[:-1], net.sizes[1:])]
    ends = np.cumsum(sizes)
    moved = [float(np.max(np.abs(theta[i, :ends[first[j] - 1]] - theta0[i, :ends[first[j] - 1]])))
             for i, j in enumerate(dead_idx)]
    majority = float(max(y.mean(), 1 - y.mean()))
    return dict(width=cfg["train_width"], depth=cfg["train_depth"], steps=cfg["train_steps"], lr=cfg["train_lr"],
                pool=int(len(pool)), pool_dead=int(np.sum(first > 0)),
                dead_layers=[int(first[j]) for j in dead_idx], dead_moved=moved,
                dead_accuracy=[float(a) for a in acc[:len(dead_idx)]],
                alive_accuracy=[float(a) for a in acc[len(dead_idx):]],
                dead_final_loss=[float(v) for v in hist[-1, :len(dead_idx)]],
                alive_final_loss=[float(v) for v in hist[-1, len(dead_idx):]],
                majority_class=majority, seconds=round(time.perf_counter() - t0, 2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, print only (the data file is kept)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    cfg = QUICK if args.quick else SETUP
    t_all = time.perf_counter()
    X, y = images(cfg["points"])
    rows = census(cfg, X)
    train = training(cfg, X, y)
    print(f"training: dead nets moved at most {max(train['dead_moved']):.1e}, accuracy "
          f"{np.round(train['dead_accuracy'], 3)}; alive {np.round(train['alive_accuracy'], 3)}", flush=True)
    seconds = time.perf_counter() - t_all
    if args.quick:
        return
    out = dict(description="ReLU networks dead on every training point at initialisation (8x8 digits); "
                           "see scripts/dead_relu.py.",
               seed=SEED, setup=cfg, total_seconds=round(seconds, 1),
               machine=f"{platform.machine()} {os.cpu_count()} cores", census=rows, training=train)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1, allow_nan=False))
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {seconds:.0f} s")


if __name__ == "__main__":
    main()
