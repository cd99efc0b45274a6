"""Speed and size of the region-counting code and its interactive figures.

Run as a script (``python benchmarks/bench_regions.py``) or through ``make bench``;
``run()`` returns one dict per measurement. Targets are what a reader needs: a live slider
move well under 100 ms, chapter cells within the 60 s chapter budget, static figures small.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable


try:
    from benchmarks.timing import best_of
except ImportError:  # run as a script: python benchmarks/<this file>
    from timing import best_of


def _best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    return best_of(fn, repeat)[0]

def run() -> list[dict]:
    import plotly.io as pio

    from lecture_code.chapters.hyperplanes import (
        distributed_vs_local_demo, draw_distributed_vs_local, parity_fit, region_labelings,
    )
    from lecture_code.core.interactive import Slider, explore
    from lecture_code.chapters.nfl import nfl_experiment
    from lecture_code.chapters.hyperplanes import (
        LINE_FAMILIES, draw_line_arrangement, line_arrangement_demo,
    )
    from lecture_code.core.regions import count_regions, random_arrangement
    from lecture_code.core.regions import count_linear_regions, random_relu_net
    from lecture_code.chapters.hyperplanes import draw_relu_regions, relu_regions_demo

    out: list[dict] = []
    W, b = random_arrangement(16, 2, seed=4)
    out.append(dict(name="count_regions, 16 lines in 2-D (exact, rational)", value=_best_of(lambda: count_regions(W, b)) * 1e3,
                    unit="ms", target="< 100"))
    W3, b3 = random_arrangement(12, 3, seed=1)
    out.append(dict(name="count_regions, 12 planes in 3-D (exact, rational)", value=_best_of(lambda: count_regions(W3, b3)) * 1e3,
                    unit="ms", target="< 1000"))
    out.append(dict(name="line_arrangement_demo + draw, 12 lines (one slider move)",
                    value=_best_of(lambda: draw_line_arrangement(line_arrangement_demo(12))) * 1e3, unit="ms", target="< 100"))
    net = random_relu_net((6, 6, 6, 6), seed=0)
    out.append(dict(name="count_linear_regions, ReLU 6-6-6-6, 2-D input", value=_best_of(lambda: count_linear_regions(net)) * 1e3,
                    unit="ms", target="< 500"))
    out.append(dict(name="relu_regions_demo + draw, 6 units x 4 layers (one slider move)",
                    value=_best_of(lambda: draw_relu_regions(relu_regions_demo(6, 4))) * 1e3, unit="ms", target="< 300"))
    out.append(dict(name="nfl_experiment: 5 learners x 256 labelings (MLP trained 256 times)",
                    value=_best_of(lambda: nfl_experiment(), repeat=1), unit="s", target="< 2"))
    out.append(dict(name="region_labelings(4): 2048 LPs", value=_best_of(lambda: region_labelings(4), repeat=1), unit="s",
                    target="< 15", note="not executed in the chapter (n <= 3 there)"))
    out.append(dict(name="parity_fit d=6, 3 depths x 8 seeds x 1500 steps", value=_best_of(lambda: parity_fit(), repeat=1),
                    unit="s", target="< 5"))

    figures = {
        "lines (13 x 3 frames)": explore(line_arrangement_demo, draw_line_arrangement,
                                         Slider("n_lines", list(range(13)), default=4),
                                         Slider("family", list(LINE_FAMILIES), default="general position")),
        "relu regions (5 x 4 frames)": explore(relu_regions_demo, draw_relu_regions, Slider("width", [2, 3, 4, 5, 6], default=4),
                                               Slider("depth", [1, 2, 3, 4], default=2)),
        "distributed vs local (12 frames)": explore(distributed_vs_local_demo, draw_distributed_vs_local,
                                                    Slider("n_units", list(range(1, 13)), default=4)),
    }
    for name, ex in figures.items():
        t = time.perf_counter()
        fig = ex.static_figure()
        build = time.perf_counter() - t
        size = len(pio.to_json(fig)) / 1e6
        out.append(dict(name=f"static figure size: {name}", value=round(size, 3), unit="MB", target="< 0.5"))
        out.append(dict(name=f"static figure build time: {name}", value=round(build, 2), unit="s", target="< 10"))

    # accuracy, not speed: what grid sampling misses (why the book counts exactly)
    import numpy as np

    W, b = random_arrangement(16, 2, seed=4)
    pts = np.array([np.linalg.solve(W[[i, j]].astype(float), -b[[i, j]].astype(float)) for i in range(16) for j in range(i)])
    R = float(np.abs(pts).max()) * 1.05
    g = np.linspace(-R, R, 400)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    seen = len(np.unique(grid @ W.T + b > 0, axis=0))
    exact = count_regions(W, b)
    out.append(dict(name="regions missed by a 400x400 grid, 16 random lines", value=exact - seen, unit="regions",
                    target="> 0", note=f"grid {seen} vs exact {exact}"))
    for row in out:
        row["target"] = f"{row['target']} {row['unit']}"
    return out


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, ensure_ascii=False))
