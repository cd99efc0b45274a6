"""Experiments behind the chapter "Seeing the landscape" that take too long for a page.

Writes ``lecture_code/data/landscape.json`` (small: curves and coarse grids as rounded lists). Run by
``make data`` or ``python scripts/landscape_experiments.py [part ...]`` with parts among
``paths skip batchnorm gammabeta lottery`` (default: all; other parts keep their stored
results). Every network is trained on the 8×8 digits (``lecture_code.core.data.digits``),
full batch, float64, with fixed seeds, so the chapter can retrain the small ones itself and
get the same weights.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import torch

from lecture_code.core.batchnorm import BatchNorm, frozen_running_stats
from lecture_code.core.data import accuracy, digits
from lecture_code.core.initialization import initialize
from lecture_code.core.landscape import (
    align_units, batched_loss, bezier, gradient_probe, loss_grid, plane_through, random_direction, train_bezier,
)
from lecture_code.core.pruning import apply_masks, iterative_pruning
from lecture_code.core.models import Residual, flatten_params, make_loss_fn, mlp
from lecture_code.core.optimizers import adam, sgd
from lecture_code.core.torch_bridge import BridgeOptimizer, train

OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "landscape.json"

#: The network of the interpolation, filter-normalization and mode-connectivity sections.
NET = [64, 64, 64, 10]
STEPS, LR = 300, 1e-2


def r(a, digits_: int = 4):
    """Round to ``digits_`` significant digits for a compact JSON file (keeps tiny losses > 0)."""
    a = np.asarray(a, dtype=float)
    return np.vectorize(lambda v: float(f"{v:.{digits_}g}"))(a).tolist() if a.size else a.tolist()


def fit(model, data, steps=STEPS, lr=LR, params=None):
    """Full-batch Adam (the book's, torch.optim.Adam's algorithm) on cross-entropy; returns the loss
    history on the training set."""
    opt = BridgeOptimizer(list(model.parameters()) if params is None else params, adam(lr, eps_inside_sqrt=False))
    return train(model, data.X, data.y, opt, steps, loss="cross_entropy").full_losses


def trained_pair(tr):
    """Two networks of the same architecture trained from seeds 0 and 1: (model, θ0_a, θ_a, θ_b)."""
    out = []
    for seed in (0, 1):
        m = mlp(NET, "relu", seed=seed)
        theta0 = flatten_params(m)
        fit(m, tr)
        out.append((m, theta0, flatten_params(m)))
    (m, a0, a), (_, _, b) = out
    return m, a0, a, b


def paths(tr, te) -> dict:
    """Straight lines, a trained Bézier curve and aligned units between two solutions; planes; the surface at A."""
    m, a0, a, b = trained_pair(tr)
    out = {}
    ts = np.linspace(0, 1, 41)
    fitb = train_bezier(m, tr.X, tr.y, a, b, steps=600, lr=0.01, seed=0)
    b_aligned, perms = align_units(m, a, b, tr.X)
    fitb_aligned = train_bezier(m, tr.X, tr.y, a, b_aligned, steps=600, lr=0.01, seed=0)
    lines = {"line": (1 - ts[:, None]) * a.numpy() + ts[:, None] * b.numpy(),
             "bezier": bezier(a, fitb.theta_m, b, ts).numpy(),
             "aligned_line": (1 - ts[:, None]) * a.numpy() + ts[:, None] * b_aligned.numpy(),
             "aligned_bezier": bezier(a, fitb_aligned.theta_m, b_aligned, ts).numpy()}
    out["ts"] = r(ts)
    for key, pts in lines.items():
        pts = torch.as_tensor(pts)
        out[key] = dict(train=r(batched_loss(m, tr.X, tr.y, pts), 5), test=r(batched_loss(m, te.X, te.y, pts), 5))
    out["units_moved"] = [int(np.sum(p_ != np.arange(len(p_)))) for p_ in perms]
    out["distance"] = dict(a_b=float((a - b).norm()), a_b_aligned=float((a - b_aligned).norm()), a0_a=float((a - a0).norm()))
    for key, (p, q, s) in {"init_a_b": (a0, a, b), "a_bezier_b": (a, fitb.theta_m, b)}.items():
        pl = plane_through(p, q, s)
        c = pl.coords
        lo, hi = c.min(axis=0), c.max(axis=0)
        pad = 0.2 * (hi - lo)
        xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 31)
        ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 31)
        Z = loss_grid(m, tr.X, tr.y, pl.origin, pl.u, pl.v, xs, ys)
        out[key] = dict(xs=r(xs), ys=r(ys), loss=r(Z), coords=r(c))
    pl = plane_through(a, fitb.theta_m, b)
    pts = bezier(a, fitb.theta_m, b, ts) - pl.origin
    out["a_bezier_b"]["curve"] = r(np.stack([(pts @ pl.u).numpy(), (pts @ pl.v).numpy()], 1))
    # the filter-normalized surface around A
    xs = np.linspace(-1, 1, 31)
    d1, d2 = random_direction(m, a, seed=1), random_direction(m, a, seed=2)
    out["surface"] = dict(xs=r(xs), loss=r(loss_grid(m, tr.X, tr.y, a, d1, d2, xs, xs), 5))
    return out


def nonconvex_fraction(Z: np.ndarray, h1: float, h2: float) -> float:
    """Fraction of interior grid points where the finite-difference Hessian has λ_min < −0.01·|λ_max|."""
    fxx = (Z[1:-1, 2:] - 2 * Z[1:-1, 1:-1] + Z[1:-1, :-2]) / h1 ** 2
    fyy = (Z[2:, 1:-1] - 2 * Z[1:-1, 1:-1] + Z[:-2, 1:-1]) / h2 ** 2
    fxy = (Z[2:, 2:] - Z[2:, :-2] - Z[:-2, 2:] + Z[:-2, :-2]) / (4 * h1 * h2)
    mid, rad = (fxx + fyy) / 2, np.sqrt(((fxx - fyy) / 2) ** 2 + fxy ** 2)
    lmin, lmax = mid - rad, mid + rad
    return float(np.mean(lmin < -0.01 * np.abs(lmax)))


def skip(tr, te, depths=(4, 12, 24, 40), width=32, n_grid=25, steps=400) -> dict:
    """Deep ReLU MLPs with and without skip connections: accuracy and filter-normalized surfaces."""
    out = dict(depths=list(depths), width=width, steps=steps, runs=[])
    xs = np.linspace(-1, 1, n_grid)
    for depth in depths:
        for residual in (False, True):
            t0 = time.perf_counter()
            m = mlp([64] + [width] * depth + [10], "relu", seed=0, residual=residual)
            initialize(m, "he", seed=0)
            if residual:  # scale each residual branch by 1/sqrt(depth), so the signal does not explode
                with torch.no_grad():
                    for blk in m.modules():
                        if isinstance(blk, Residual):
                            for lin in blk.modules():
                                if isinstance(lin, torch.nn.Linear):
                                    lin.weight.mul_(depth ** -0.5)
            hist = fit(m, tr, steps=steps, lr=1e-3)
            theta = flatten_params(m)
            d1 = random_direction(m, theta, seed=1)
            d2 = random_direction(m, theta, seed=2)
            Z = loss_grid(m, tr.X, tr.y, theta, d1, d2, xs, xs, chunk=32)
            run = dict(depth=depth, residual=residual, train_loss=float(hist[-1]),
                       train_acc=accuracy(m, tr), test_acc=accuracy(m, te),
                       loss_history=r(hist[::10]), grid=r(Z, 3),
                       nonconvex=nonconvex_fraction(Z, xs[1] - xs[0], xs[1] - xs[0]),
                       seconds=round(time.perf_counter() - t0, 1))
            out["runs"].append(run)
            print(f"  depth {depth} residual {residual}: loss {run['train_loss']:.3g} test acc {run['test_acc']:.3f} "
                  f"nonconvex {run['nonconvex']:.3f} ({run['seconds']} s)", flush=True)
    out["xs"] = r(xs)
    return out


def batchnorm(tr, te, depth=8, width=64, lr=0.05, steps=300, checkpoints=(0, 10, 25, 50, 100, 200, 300)) -> dict:
    """Santurkar et al.'s measurements along the gradient, with and without batch norm (SGD)."""
    etas = lr * np.array([0.25, 0.5, 1, 2, 4, 8])
    out = dict(depth=depth, width=width, lr=lr, steps=steps, etas=r(etas, 6), runs={})
    for bn in (False, True):
        m = mlp([64] + [width] * depth + [10], "relu", seed=0, batch_norm=bn)
        initialize(m, "he", seed=0)
        opt = BridgeOptimizer(m.parameters(), sgd(lr))
        rec = dict(step=[], loss=[], loss_range=[], grad_change=[], beta=[], curvature=[], grad_norm=[], test_acc=[])
        loss_fn = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
        step = 0
        for cp in checkpoints:
            if cp > step:
                train(m, tr.X, tr.y, opt, cp - step, loss="cross_entropy")
                step = cp
            with frozen_running_stats(m):
                probe = gradient_probe(loss_fn, flatten_params(m), etas)
                rec["loss"].append(float(loss_fn(flatten_params(m))))
            rec["step"].append(cp)
            rec["loss_range"].append(float(probe.losses.max() - probe.losses.min()))
            rec["grad_change"].append(r(probe.grad_change, 5))
            rec["beta"].append(probe.beta_smoothness)
            rec["curvature"].append(probe.curvature)
            rec["grad_norm"].append(probe.grad_norm)
            m.eval()
            rec["test_acc"].append(accuracy(m, te))
            m.train()
        out["runs"]["bn" if bn else "plain"] = rec
        print(f"  batch norm {bn}: final loss {rec['loss'][-1]:.3g}, β {np.round(rec['beta'], 2)}", flush=True)
    return out


def gammabeta(tr, te, depth=4, width=128, steps=600, lr=1e-2, seeds=(0, 1, 2)) -> dict:
    """Frankle et al.: train all parameters, only BN's γ and β, or as many random weights."""
    out = dict(depth=depth, width=width, steps=steps, runs=[])
    for seed in seeds:
        res = {}
        for mode in ("all", "gamma_beta", "random_weights", "output_layer"):
            torch.manual_seed(seed)
            m = mlp([64] + [width] * depth + [10], "relu", seed=seed, batch_norm=True)
            handles = []
            if mode == "all":
                params = list(m.parameters())
            elif mode == "gamma_beta":
                params = [p for mod in m.modules() if isinstance(mod, BatchNorm) for p in (mod.weight, mod.bias)]
            elif mode == "output_layer":
                params = list(m[-1].parameters())
            else:  # two random incoming weights per hidden unit, the same count as γ and β
                params = []
                gen = torch.Generator().manual_seed(100 + seed)
                for mod in list(m.modules()):
                    if isinstance(mod, torch.nn.Linear) and mod is not m[-1]:
                        mask = torch.zeros_like(mod.weight, dtype=torch.bool)
                        for i in range(mod.out_features):
                            mask[i, torch.randperm(mod.in_features, generator=gen)[:2]] = True
                        handles.append(mod.weight.register_hook(lambda g, k=mask: g * k))
                        params.append(mod.weight)
            n_train = sum(p.numel() for p in params) if mode != "random_weights" else 2 * width * depth
            fit(m, tr, steps=steps, lr=lr, params=params)
            for h in handles:
                h.remove()
            m.eval()
            res[mode] = dict(trainable=n_train, test_acc=accuracy(m, te), train_acc=accuracy(m, tr))
        out["runs"].append(res)
        print(f"  seed {seed}: " + ", ".join(f"{k} {v['test_acc']:.3f} ({v['trainable']})" for k, v in res.items()), flush=True)
    return out


def lottery(tr, te, rounds=13, rate=0.3, seeds=(0, 1, 2), steps=300, lr=3e-3, sizes=(64, 100, 100, 10)) -> dict:
    """Iterative magnitude pruning with rewinding vs random reinitialization of the same masks."""
    out = dict(sizes=list(sizes), rate=rate, steps=steps, lr=lr, runs=[])

    def train_fn(model):
        fit(model, tr, steps=steps, lr=lr)
        return accuracy(model, te)

    for seed in seeds:
        t0 = time.perf_counter()
        rounds_ = iterative_pruning(lambda: mlp(list(sizes), "relu", seed=seed), train_fn, rounds=rounds, rate=rate,
                                    last_layer_rate=rate / 2)
        reinit = []
        for k, rd in enumerate(rounds_):
            m = mlp(list(sizes), "relu", seed=1000 + 17 * seed + k)  # fresh random values, same mask
            handles = apply_masks(m, rd.masks)
            reinit.append(train_fn(m))
            for h in handles:
                h.remove()
        run = dict(seed=seed, kept=r([rd.kept for rd in rounds_], 5), rewind=r([rd.accuracy for rd in rounds_]),
                   reinit=r(reinit))
        out["runs"].append(run)
        print(f"  seed {seed}: rewind {run['rewind'][::4]} reinit {run['reinit'][::4]} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    return out


PARTS = {"paths": paths, "skip": skip, "batchnorm": batchnorm, "gammabeta": gammabeta, "lottery": lottery}


def main(argv: list[str]) -> int:
    torch.set_num_threads(1)
    parts = argv or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(f"unknown part(s) {unknown}; choose from {list(PARTS)}")
        return 2
    results = json.loads(OUT.read_text()) if OUT.exists() else {}
    tr, te = digits()
    for name in parts:
        t0 = time.perf_counter()
        print(f"== {name}", flush=True)
        part = PARTS[name](tr, te)
        part["seconds"] = round(time.perf_counter() - t0, 1)
        # re-read before writing: other parts may have been written meanwhile by another run
        results = json.loads(OUT.read_text()) if OUT.exists() else {}
        results = {k: v for k, v in results.items() if k in PARTS}
        results[name] = part
        OUT.write_text(json.dumps(results, separators=(",", ":")) + "\n")
        print(f"   {part['seconds']} s", flush=True)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
