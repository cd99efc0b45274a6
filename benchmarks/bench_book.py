"""The book's build and page weight.

* clean build of the whole book (empty execution cache, fresh output folder): target < 60 s;
* no-op rebuild of the same output: target < 10 s;
* each page's own weight (its HTML plus images it references, not the shared JS/CSS
  under ``_static``): target < 1.5 MB;
* one slider move of the introduction's figure (demo + draw): target < 5 ms.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from benchmarks.timing import best_of
except ImportError:  # run as a script: python benchmarks/bench_book.py
    from timing import best_of

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).parent / "jupyter-book"


def _build(out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [str(JB), "build", str(ROOT), "--builder", "html", "-W", "-n", "--keep-going", "--path-output", str(out)],
        check=True, capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return time.perf_counter() - t0


def page_weights(site: Path) -> dict[str, int]:
    """Bytes of each page's HTML plus the non-shared files (images) under ``_images``."""
    weights = {}
    for page in sorted(site.rglob("*.html")):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        text = page.read_text(errors="ignore")
        size = page.stat().st_size
        for img in (site / "_images").glob("*") if (site / "_images").is_dir() else []:
            if img.name in text:
                size += img.stat().st_size
        weights[str(page.relative_to(site))] = size
    return weights


def slider_moves() -> list[dict]:
    """Recompute (demo) and redraw (draw) time of the foundation chapters' slider figures."""
    from lecture_code.chapters.hessians import (
        clipping_demo, draw_clipping, draw_zigzag, zigzag_demo,
    )
    from lecture_code.chapters.intro import draw_parabola_run, gd_on_parabola

    figures = [
        ("intro: gradient descent on a parabola, 25 steps", lambda: gd_on_parabola(lr=1.4, steps=25), draw_parabola_run),
        ("hessians: zig-zag on an ill-conditioned quadratic, 50 steps", lambda: zigzag_demo(lr=1.9, steps=50), draw_zigzag),
        ("hessians: clipping on a cliff", lambda: clipping_demo(lr=0.5, threshold=1.0), draw_clipping),
    ]
    rows = []
    for name, demo, draw in figures:
        compute, data = best_of(demo, repeat=20)
        redraw, _ = best_of(lambda: draw(data), repeat=5)
        rows.append(dict(name=f"slider move, {name}: recompute", value=compute * 1e3, unit="ms", target="< 5"))
        rows.append(dict(name=f"slider move, {name}: redraw", value=redraw * 1e3, unit="ms", target="",
                         note="plotly figure for the live JupyterLab view; the site uses precomputed frames"))
    return rows


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        clean = _build(out)
        noop = _build(out)
        weights = page_weights(out / "_build" / "html")
    rows.append(dict(name="clean build of the book", value=clean, unit="s", target="< 60"))
    rows.append(dict(name="no-op rebuild", value=noop, unit="s", target="< 10"))
    for page, size in weights.items():
        if page in ("genindex.html", "search.html", "index.html"):
            continue
        rows.append(dict(name=f"page weight {page}", value=size / 1e6, unit="MB", target="< 1.5",
                         note="HTML + own images, shared _static assets excluded"))
    shared = sum(p.stat().st_size for p in (ROOT / "_vendor").rglob("*") if p.is_file()) if (ROOT / "_vendor").is_dir() else 0
    rows.append(dict(name="shared JS assets (_vendor: MathJax, plotly.js, widget manager)", value=shared / 1e6,
                     unit="MB", target="", note="served once, cached by the browser"))
    rows.extend(slider_moves())
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
