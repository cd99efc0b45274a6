"""Speed of the optimizer library: one slider move of the busiest figure, and torch.optim for comparison.

The busiest figure is the race on Beale's function in ``book/adam.md``: eight optimizers,
500 steps each, recomputed when a slider moves (``lecture_code.chapters.adam.race_demo``). The same eight
trajectories through a ``torch.optim`` loop (autograd gradient, ``opt.step()``) show why the
figures do not use torch. Run ``python -m benchmarks bench_optimizers`` or this file.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time  # noqa: E402


try:
    from benchmarks.timing import best_of
except ImportError:  # run as a script: python benchmarks/<this file>
    from timing import best_of


def _best_ms(fn, repeat: int = 7, number: int = 3) -> float:
    return 1e3 * best_of(fn, repeat, number)[0]

def _torch_race(steps: int = 500) -> None:
    import torch

    from lecture_code.chapters.adam import RACES
    from lecture_code.core.surfaces import get_surface

    cfg = RACES["beale"]
    lr = cfg["lrs"]
    s = get_surface("beale")
    makers = [
        lambda p: torch.optim.SGD(p, lr=lr["gd"]),
        lambda p: torch.optim.SGD(p, lr=lr["momentum"], momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=lr["nesterov"], momentum=0.9, nesterov=True),
        lambda p: torch.optim.Adagrad(p, lr=lr["adagrad"]),
        lambda p: torch.optim.RMSprop(p, lr=lr["rmsprop"], alpha=0.9),
        lambda p: torch.optim.RMSprop(p, lr=lr["rmsprop_nesterov"], alpha=0.9, momentum=0.9),  # closest torch has
        lambda p: torch.optim.Adam(p, lr=lr["adam"]),
        lambda p: torch.optim.Adam(p, lr=lr["amsgrad"], amsgrad=True),
    ]
    for make in makers:
        p = torch.tensor(cfg["start"], dtype=torch.float64, requires_grad=True)
        opt = make([p])
        for _ in range(steps):
            opt.zero_grad()
            s.expr(p[0], p[1]).backward()
            opt.step()


def run() -> list[dict]:
    from lecture_code.chapters.adam import draw_race, race_demo
    from lecture_code.core.optimizers import Optimizer, adam, adamw
    from lecture_code.core.runner import run as run_traj
    from lecture_code.core.surfaces import get_surface

    race_demo(1.0, 500, "beale")  # warm up imports and caches
    ours = _best_ms(lambda: race_demo(1.0, 500, "beale"), repeat=30, number=2)  # min over many: the machine may be busy
    ours_cpu = 1e3 * best_of(lambda: race_demo(1.0, 500, "beale"), 30, 2, clock=time.process_time)[0]
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _torch_race(20)
        theirs = _best_ms(_torch_race, repeat=3, number=1)
    finally:
        torch.set_num_threads(threads)
    beale = get_surface("beale")
    array_path = _best_ms(lambda: run_traj(adam(0.05), beale, (1.0, 1.5), 500, fast=False), repeat=3, number=1)
    hand_built = Optimizer(lambda w: (), lambda g, state, w: (-0.001 * g, state), "mine", "gd")  # a student's GD
    hand = _best_ms(lambda: run_traj(hand_built, beale, (1.0, 1.5), 500), repeat=3, number=1)
    fast_path = _best_ms(lambda: run_traj(adam(0.05), beale, (1.0, 1.5), 500, fast=True))
    fast_adamw = _best_ms(lambda: run_traj(adamw(0.05, weight_decay=0.01), beale, (1.0, 1.5), 500, fast=True))
    data = race_demo(1.0, 500, "beale")
    draw = _best_ms(lambda: draw_race(data), repeat=3, number=1)
    return [
        dict(name="slider move: race on Beale, 8 optimizers × 500 steps", value=round(ours, 2), unit="ms", target="< 5",
             note="chapters.adam.race_demo: the library optimizers' own rules on floats (fast path: optimizers.fast_parts), "
                  "losses and gradient norms included"),
        dict(name="slider move: race on Beale, CPU time", value=round(ours_cpu, 2), unit="ms", target="< 5",
             note="process CPU time (less sensitive to other processes than the wall time above)"),
        dict(name="same 8 trajectories through torch.optim (autograd)", value=round(theirs, 1), unit="ms", target="",
             note="torch.optim.SGD/Adagrad/RMSprop/Adam, one thread"),
        dict(name="torch.optim time / slider move time", value=round(theirs / ours, 1), unit="×", target=">= 100",
             note="how much faster the slider's path is than the same runs through torch.optim"),
        dict(name="one Adam trajectory, 500 steps, fast path", value=round(fast_path, 3), unit="ms", target="< 1"),
        dict(name="one AdamW trajectory, 500 steps, fast path", value=round(fast_adamw, 3), unit="ms", target="",
             note="a chain of three parts, one using the parameters (add_decayed_weights): the general fast path"),
        dict(name="one Adam trajectory, 500 steps, numpy array path", value=round(array_path, 2), unit="ms", target="",
             note="the reference path (any dimension): the optimizer's update on arrays, loss and gradient norm per step"),
        dict(name="a hand-built GD Optimizer(init, update), 500 steps", value=round(hand, 2), unit="ms", target="",
             note="runs through its own update (the array path), as every optimizer the library did not build"),
        dict(name="draw the race figure (plotly, not part of the 5 ms)", value=round(draw, 1), unit="ms", target="",
             note="figure construction; the static site precomputes frames"),
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) {row.get('note', '')}")
