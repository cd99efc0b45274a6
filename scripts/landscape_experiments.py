"""Experiments behind the chapters "Seeing the landscape" and "What shapes the landscape" that
take too long for a page.

Writes ``lecture_code/data/landscape.json`` (small: curves and coarse grids as rounded lists). Run by
``make data`` or ``python scripts/landscape_experiments.py [part ...]`` with parts among
``paths skip dropout optimizers recurrent`` (the first chapter) and
``batchnorm noise gammabeta lottery strong`` (the second); default: all. Other parts keep their
stored results, so each part can be rerun alone. Every network is trained on the 8×8 digits
(``lecture_code.core.data.digits``), float64 unless said otherwise, with fixed seeds, so the
chapters can retrain the small ones themselves and get the same weights. Each part records its
own run time (``seconds``).
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

from lecture_code.core.batchnorm import BatchNorm, frozen_running_stats, inject_noise, recalibrate
from lecture_code.core.data import accuracy, digits
from lecture_code.core.initialization import initialize
from lecture_code.core.landscape import (
    align_units, barrier, batched_loss, bezier, dropout_path, dropout_subnetwork, gradient_probe, interpolate, loss_grid,
    path_losses, plane_through, random_direction, train_bezier,
)
from lecture_code.core.pruning import (
    apply_masks, edge_popup, iterative_pruning, masked_mlp, signed_constant_weights, top_fraction_mask,
)
from lecture_code.core.models import Residual, flatten_params, make_loss_fn, mlp
from lecture_code.core.optimizers import adam, momentum, sgd
from lecture_code.core.recurrent import RowLSTM
from lecture_code.core.torch_bridge import BridgeOptimizer, train

OUT = Path(__file__).resolve().parents[1] / "lecture_code" / "data" / "landscape.json"

#: The network of the interpolation, filter-normalization and mode-connectivity sections.
NET = [64, 64, 64, 10]
STEPS, LR = 300, 1e-2


def r(a, digits_: int = 4):
    """Round to ``digits_`` significant digits for a compact JSON file (keeps tiny losses > 0)."""
    a = np.asarray(a, dtype=float)
    return np.vectorize(lambda v: float(f"{v:.{digits_}g}"))(a).tolist() if a.size else a.tolist()


def rn(a, digits_: int = 4):
    """Like :func:`r`, with non-finite values (a diverged run) stored as null."""
    return [None if v is None or not np.isfinite(v) else float(f"{v:.{digits_}g}") for v in np.asarray(a, dtype=float).ravel()]


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


def batchnorm(tr, te, depth=8, width=64, lr=0.05, steps=300, checkpoints=(0, 10, 25, 50, 100, 200, 300),
              seeds=(0, 1, 2)) -> dict:
    """Santurkar et al.'s measurements along the gradient, with and without batch norm (full-batch SGD).

    At each checkpoint: the loss L(θ − ηg) for every probed step η (``losses``), its range over η
    (``loss_range``), the effective β-smoothness, the curvature along g and the gradient norm.
    One run per seed and variant (``runs[seed_index]["plain" | "bn"]``).
    """
    etas = lr * np.array([0.25, 0.5, 1, 2, 4, 8])
    out = dict(depth=depth, width=width, lr=lr, steps=steps, etas=r(etas, 6), seeds=list(seeds), runs=[])
    for seed in seeds:
        pair = {}
        for bn in (False, True):
            m = mlp([64] + [width] * depth + [10], "relu", seed=seed, batch_norm=bn)
            initialize(m, "he", seed=seed)
            opt = BridgeOptimizer(m.parameters(), sgd(lr))
            rec = dict(step=[], loss=[], losses=[], loss_range=[], grad_change=[], beta=[], curvature=[], grad_norm=[],
                       test_acc=[])
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
                rec["losses"].append(r(probe.losses, 5))
                rec["loss_range"].append(float(probe.losses.max() - probe.losses.min()))
                rec["grad_change"].append(r(probe.grad_change, 5))
                rec["beta"].append(probe.beta_smoothness)
                rec["curvature"].append(probe.curvature)
                rec["grad_norm"].append(probe.grad_norm)
                m.eval()
                rec["test_acc"].append(accuracy(m, te))
                m.train()
            pair["bn" if bn else "plain"] = rec
            print(f"  seed {seed} batch norm {bn}: final loss {rec['loss'][-1]:.3g}, β {np.round(rec['beta'], 2)}",
                  flush=True)
        out["runs"].append(pair)
    return out


def noise(tr, te, depth=8, width=64, lr=0.5, small_lr=0.1, steps=600, batch=50, every=25, seeds=(0, 1, 2),
          mean=0.5, std=1.0, probe=4, trace_every=2) -> dict:
    """Santurkar et al.'s noise injection (section 2.1) at digits scale: plain, batch norm, noisy batch norm.

    Mini-batch SGD (``batch`` images, learning rate ``lr``) on ``depth`` hidden layers of ``width``
    ReLU units with He initialization; the plain network also at ``small_lr``. "noisy" adds
    :class:`~lecture_code.core.batchnorm.NoiseInjection` (per unit and step: mean in ±``mean``,
    standard deviation up to ``std``) after every batch-norm layer. Every ``every`` steps the
    training loss on all 1,000 images is measured with noise off and the batch-norm statistics
    recalibrated on them (``recalibrate``). The inputs of linear layer ``probe`` (hidden layer
    ``probe``'s outputs, noise included) are recorded at every training step: the per-unit mean
    and standard deviation over the mini-batch.
    """
    variants = {"plain": (False, False, lr), "bn": (True, False, lr), "noisy": (True, True, lr),
                "plain_small_lr": (False, False, small_lr)}
    out = dict(depth=depth, width=width, lr=lr, small_lr=small_lr, steps=steps, batch=batch, every=every,
               seeds=list(seeds), mean=mean, std=std, probe=probe, trace_every=trace_every, runs=[])
    lf = torch.nn.functional.cross_entropy
    for seed in seeds:
        res = {}
        for name, (bn, noisy, eta) in variants.items():
            t0 = time.perf_counter()
            m = mlp([64] + [width] * depth + [10], "relu", seed=seed, batch_norm=bn)
            initialize(m, "he", seed=seed)
            if noisy:
                m = inject_noise(m, mean=mean, std=std, seed=1000 * (seed + 1))
            opt = BridgeOptimizer(m.parameters(), sgd(eta))
            linear = [layer for layer in m if isinstance(layer, torch.nn.Linear)][probe]
            seen = []
            handle = linear.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach()))
            rng = np.random.default_rng(seed)
            order, pos = rng.permutation(tr.X.shape[0]), 0
            rec = dict(step=[], loss=[], mean=[], std=[], shift=[], diverged_at=None)
            prev = None
            for t in range(steps + 1):
                if t % every == 0:
                    handle.remove()
                    if bn:
                        recalibrate(m, tr.X)
                    m.eval()
                    with torch.no_grad():
                        value = float(lf(m(tr.X), tr.y))
                    m.train()
                    handle = linear.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach()))
                    rec["step"].append(t)
                    rec["loss"].append(value if np.isfinite(value) else None)
                    if not np.isfinite(value):
                        rec["diverged_at"] = t
                        break
                if t == steps:
                    break
                if pos + batch > len(order):
                    order, pos = rng.permutation(tr.X.shape[0]), 0
                idx = torch.as_tensor(order[pos:pos + batch])
                pos += batch
                seen.clear()
                opt.zero_grad()
                lf(m(tr.X[idx]), tr.y[idx]).backward()
                opt.step()
                h = seen[0]
                mu, sd = h.mean(0), h.std(0)
                if prev is not None:
                    rec["shift"].append(float((mu - prev).abs().mean()))
                prev = mu
                if t % trace_every == 0:
                    rec["mean"].append(float(mu[0]))
                    rec["std"].append(float(sd[0]))
            handle.remove()
            if bn:
                recalibrate(m, tr.X)
            m.eval()
            done = rec["diverged_at"] is None
            res[name] = dict(lr=eta, diverged_at=rec["diverged_at"], step=rec["step"],
                             loss=rn([np.nan if v is None else v for v in rec["loss"]]),
                             mean=rn(rec["mean"], 3), std=rn(rec["std"], 3),
                             shift=float(np.mean(rec["shift"])) if rec["shift"] and np.all(np.isfinite(rec["shift"])) else None,
                             train_acc=accuracy(m, tr) if done else None, test_acc=accuracy(m, te) if done else None,
                             seconds=round(time.perf_counter() - t0, 1))
            print(f"  seed {seed} {name}: final loss {res[name]['loss'][-1]}, test acc {res[name]['test_acc']}, "
                  f"diverged at {rec['diverged_at']} ({res[name]['seconds']} s)", flush=True)
        out["runs"].append(res)
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


def dropout(tr, te, pairs=((0, 1), (2, 3), (4, 5)), p=0.5, steps=600, lr=3e-3, masks=20) -> dict:
    """Kuditipudi et al.: networks trained with and without dropout, joined by :func:`dropout_path`.

    For each pair of seeds and each training (``"plain"``: the chapter's protocol, 300 full-batch
    Adam steps at 0.01; ``"dropout"``: dropout ``p`` after every hidden ReLU, ``steps`` steps at
    ``lr``), the loss along the straight line and along the dropout path (11 points per segment),
    the losses at the path's corners, and the dropout instability of each network: the loss of
    ``masks`` random half-networks (outgoing weights doubled) minus its own loss.
    """
    out = dict(sizes=NET, p=p, steps=steps, lr=lr, masks=masks, runs=[])
    for a_seed, b_seed in pairs:
        run = dict(seeds=[a_seed, b_seed])
        for kind in ("plain", "dropout"):
            t0 = time.perf_counter()
            thetas, accs = [], []
            for seed in (a_seed, b_seed):
                m = mlp(NET, "relu", seed=seed)
                if kind == "plain":
                    fit(m, tr)
                else:
                    layers = []
                    for layer in m:
                        layers.append(layer)
                        if isinstance(layer, torch.nn.ReLU):
                            layers.append(torch.nn.Dropout(p))
                    net = torch.nn.Sequential(*layers)   # shares m's parameters
                    torch.manual_seed(seed)
                    fit(net, tr, steps=steps, lr=lr)
                    net.eval()
                thetas.append(flatten_params(m))
                accs.append(accuracy(m, te))
            a, b = thetas
            path = dropout_path(m, a, b)
            s_, losses = path_losses(m, tr.X, tr.y, path.frames, 11)
            alphas = np.linspace(0, 1, 41)
            line = interpolate(m, tr.X, tr.y, a, b, alphas)
            gen = torch.Generator().manual_seed(0)
            eps = []
            for theta in (a, b):
                subs = [dropout_subnetwork(m, theta, [torch.randperm(n, generator=gen) < n // 2 for n in NET[1:-1]])
                        for _ in range(masks)]
                values = batched_loss(m, tr.X, tr.y, torch.stack([theta] + subs))
                eps.append(r(values[1:] - values[0]))
            corners = batched_loss(m, tr.X, tr.y, path.frames)
            run[kind] = dict(test_acc=accs, ends=r(line[[0, -1]], 5), line=r(line, 5), line_barrier=barrier(line),
                             s=r(s_), path=r(losses, 5), path_max=float(losses.max()), kinds=path.kinds,
                             labels=path.labels, corners=r(corners, 5), instability=eps,
                             seconds=round(time.perf_counter() - t0, 1))
            print(f"  seeds {a_seed},{b_seed} {kind}: line max {line.max():.3g}, path max {losses.max():.3g}, "
                  f"median instability {np.median(eps):.3g} ({run[kind]['seconds']} s)", flush=True)
        out["runs"].append(run)
    return out


#: The optimizers of the "different optimizers, different basins" experiment (Im et al. 2016):
#: name -> (optimizer factory: the library's rules through torch_bridge, its settings as the chapter states them).
OPTIMIZERS = {
    "SGD": (lambda params: BridgeOptimizer(params, sgd(0.1)), "learning rate 0.1"),
    "momentum": (lambda params: BridgeOptimizer(params, momentum(0.05, 0.9)), "learning rate 0.05, β = 0.9"),
    "Adam": (lambda params: BridgeOptimizer(params, adam(1e-3, eps_inside_sqrt=False)),
             "learning rate 0.001, torch's defaults"),
}


def optimizers(tr, te, widths=(16, 64), steps=1500, batch=50, orders=(0, 1, 2), init_seed=0, other_init=1,
               n_alpha=21) -> dict:
    """Im, Tao & Branson: solutions of SGD, momentum and Adam from one initialization, and the lines between them.

    For each hidden width (two hidden layers), every optimizer trains from the same θ₀
    (``init_seed``) once per mini-batch order in ``orders``, and once from another
    initialization (``other_init``, order 0) as a reference. For every pair of solutions: the
    barrier on the straight line (:func:`barrier`, ``n_alpha`` points) and the distance.
    """
    out = dict(widths=list(widths), steps=steps, batch=batch, orders=list(orders), optimizers=list(OPTIMIZERS),
               settings={k: v[1] for k, v in OPTIMIZERS.items()},
               runs=[])
    alphas = np.linspace(0, 1, n_alpha)
    for width in widths:
        sizes = [64, width, width, 10]
        names, thetas, losses, accs = [], [], [], []
        for opt_name, (make, _) in OPTIMIZERS.items():
            for order in list(orders) + ["init"]:
                m = mlp(sizes, "relu", seed=other_init if order == "init" else init_seed)
                hist = train(m, tr.X, tr.y, make(m.parameters()), steps, batch=batch, loss="cross_entropy",
                             seed=0 if order == "init" else order)
                names.append(f"{opt_name}:{order}")
                thetas.append(flatten_params(m))
                losses.append(float(hist.full_losses[-1]))
                accs.append(accuracy(m, te))
                print(f"  width {width} {names[-1]}: loss {losses[-1]:.3g}, test acc {accs[-1]:.3f}", flush=True)
        k = len(names)
        bar, dist = np.zeros((k, k)), np.zeros((k, k))
        profiles = {}
        for i in range(k):
            for j in range(i + 1, k):
                line = interpolate(m, tr.X, tr.y, thetas[i], thetas[j], alphas)
                bar[i, j] = bar[j, i] = barrier(line)
                dist[i, j] = dist[j, i] = float((thetas[i] - thetas[j]).norm())
                profiles[f"{names[i]}|{names[j]}"] = r(line, 4)
        out["runs"].append(dict(width=width, names=names, train_loss=r(losses), test_acc=r(accs), barrier=r(bar, 4),
                                distance=r(dist, 4), alphas=r(alphas), profiles=profiles))
    return out


def recurrent(tr, te, hidden=32, steps=300, lr=0.01, seeds=(0, 1), n_alpha=31) -> dict:
    """Goodfellow et al.'s interpolation for a recurrent network: an LSTM reading the digits row by row."""
    out = dict(hidden=hidden, steps=steps, lr=lr, seeds=list(seeds), runs=[])
    alphas = np.linspace(-0.25, 1.25, n_alpha)
    sols = []
    for seed in seeds:
        t0 = time.perf_counter()
        m = RowLSTM(hidden, seed=seed)
        theta0 = flatten_params(m)
        hist = fit(m, tr, steps=steps, lr=lr)
        theta = flatten_params(m)
        sols.append(theta)
        run = dict(seed=seed, n_params=int(theta.numel()), train_loss=float(hist[-1]), test_acc=accuracy(m, te),
                   init_train=r(interpolate(m, tr.X, tr.y, theta0, theta, alphas), 5),
                   init_test=r(interpolate(m, te.X, te.y, theta0, theta, alphas), 5),
                   seconds=round(time.perf_counter() - t0, 1))
        out["runs"].append(run)
        print(f"  seed {seed}: loss {run['train_loss']:.3g}, test acc {run['test_acc']:.3f} ({run['seconds']} s)", flush=True)
    out["alphas"] = r(alphas)
    out["between"] = r(interpolate(m, tr.X, tr.y, sols[0], sols[1], alphas), 5)
    return out


def _dense_bias_free(width, seed, tr, epochs, lr, batch, dtype):
    """A bias-free ReLU MLP 64-width-width-10 trained with edge-popup's optimizer recipe; its test accuracy."""
    gen = torch.Generator().manual_seed(seed)
    sizes = [64, width, width, 10]
    Ws = [(torch.randn(b, a, generator=gen, dtype=dtype) * (2.0 / a) ** 0.5).requires_grad_(True)
          for a, b in zip(sizes[:-1], sizes[1:])]
    # torch.optim here, not the library's sgd: edge-popup's recipe anneals the learning rate with
    # torch's CosineAnnealingLR, which drives a torch optimizer's param_groups
    opt = torch.optim.SGD(Ws, lr=lr, momentum=0.9, weight_decay=1e-4)
    per_epoch = tr.X.shape[0] // batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * per_epoch)
    ones = [torch.ones_like(W, dtype=torch.bool) for W in Ws]
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(tr.X.shape[0])
        for b in range(per_epoch):
            idx = torch.as_tensor(order[b * batch:(b + 1) * batch])
            opt.zero_grad()
            torch.nn.functional.cross_entropy(masked_mlp(Ws, ones, tr.X[idx]), tr.y[idx]).backward()
            opt.step()
            sched.step()
    return [W.detach() for W in Ws]


def _masked_acc(Ws, masks, data) -> float:
    with torch.no_grad():
        return float((masked_mlp(Ws, masks, data.X).argmax(1) == data.y).double().mean())


def strong(tr, te, widths=(16, 32, 64, 128), fraction=0.5, fractions=(0.1, 0.3, 0.5, 0.7, 0.9),
           width_for_fractions=64, seeds=(0, 1, 2), epochs=60, lr=0.1, batch=50) -> dict:
    """Strong lottery tickets (Ramanujan et al. 2020): edge-popup on random bias-free ReLU MLPs 64-w-w-10.

    For every width (at ``fraction``) and every fraction (at ``width_for_fractions``), per seed:
    accuracy of the found subnetwork; of a random mask of the same size on the same weights; of
    the found mask on freshly drawn weights; and of a dense network of the same architecture
    trained with the same optimizer recipe, and of a dense network narrow enough to have about
    as many weights as the subnetwork keeps. float32, for speed.
    """
    tr = type(tr)(tr.X.float(), tr.y)
    te = type(te)(te.X.float(), te.y)
    out = dict(widths=list(widths), fraction=fraction, fractions=list(fractions), width_for_fractions=width_for_fractions,
               seeds=list(seeds), epochs=epochs, lr=lr, batch=batch, runs=[])
    settings = [(w, fraction) for w in widths] + [(width_for_fractions, k) for k in fractions if k != fraction]
    dense_cache: dict = {}
    for width, k in settings:
        for seed in seeds:
            t0 = time.perf_counter()
            sizes = [64, width, width, 10]
            Ws = signed_constant_weights(sizes, fraction=k, seed=seed, dtype=torch.float32)
            found = edge_popup(Ws, tr.X, tr.y, k, epochs=epochs, batch=batch, lr=lr, seed=seed)
            gen = torch.Generator().manual_seed(10_000 + seed)
            random_masks = [top_fraction_mask(torch.rand(W.shape, generator=gen), k) for W in Ws]
            fresh = signed_constant_weights(sizes, fraction=k, seed=20_000 + seed, dtype=torch.float32)
            total = sum(W.numel() for W in Ws)
            kept = sum(int(M.sum()) for M in found.masks)
            # the widest dense network 64-n-n-10 with at most as many weights as the subnetwork keeps
            n_small = int((-74 + (74 ** 2 + 4 * kept) ** 0.5) / 2)
            for w_dense in (width, n_small):
                if (w_dense, seed) not in dense_cache and w_dense >= 1:
                    dense = _dense_bias_free(w_dense, seed, tr, epochs, lr, batch, torch.float32)
                    ones = [torch.ones_like(W, dtype=torch.bool) for W in dense]
                    dense_cache[(w_dense, seed)] = (_masked_acc(dense, ones, tr), _masked_acc(dense, ones, te))
            run = dict(width=width, fraction=k, seed=seed, weights=total, kept=kept,
                       train_acc=_masked_acc(Ws, found.masks, tr), test_acc=_masked_acc(Ws, found.masks, te),
                       random_mask_acc=_masked_acc(Ws, random_masks, te),
                       all_weights_acc=_masked_acc(Ws, [torch.ones_like(W, dtype=torch.bool) for W in Ws], te),
                       fresh_weights_acc=_masked_acc(fresh, found.masks, te),
                       dense_test_acc=dense_cache[(width, seed)][1], dense_train_acc=dense_cache[(width, seed)][0],
                       small_width=n_small, small_weights=64 * n_small + n_small ** 2 + 10 * n_small,
                       small_test_acc=dense_cache[(n_small, seed)][1] if n_small >= 1 else None,
                       seconds=round(time.perf_counter() - t0, 1))
            out["runs"].append(run)
            print(f"  width {width} fraction {k} seed {seed}: test acc {run['test_acc']:.3f} (random mask "
                  f"{run['random_mask_acc']:.3f}, fresh weights {run['fresh_weights_acc']:.3f}, dense "
                  f"{run['dense_test_acc']:.3f}, dense width {n_small} {run['small_test_acc']}) ({run['seconds']} s)",
                  flush=True)
    return out


PARTS = {"paths": paths, "skip": skip, "dropout": dropout, "optimizers": optimizers, "recurrent": recurrent,
         "batchnorm": batchnorm, "noise": noise, "gammabeta": gammabeta, "lottery": lottery, "strong": strong}


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
        t0, c0 = time.perf_counter(), time.process_time()
        print(f"== {name}", flush=True)
        part = PARTS[name](tr, te)
        # wall-clock time depends on the machine's load; CPU time (one thread) is the cost of the part
        part["seconds"] = round(time.perf_counter() - t0, 1)
        part["cpu_seconds"] = round(time.process_time() - c0, 1)
        # re-read before writing: other parts may have been written meanwhile by another run
        results = json.loads(OUT.read_text()) if OUT.exists() else {}
        results = {k: v for k, v in results.items() if k in PARTS}
        results[name] = part
        OUT.write_text(json.dumps(results, separators=(",", ":")) + "\n")
        print(f"   {part['seconds']} s ({part['cpu_seconds']} s CPU)", flush=True)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
