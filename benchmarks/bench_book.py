"""The book's build and page weight.

* clean build of the whole book (empty execution cache, fresh output folder): target < 45 s
  on 2 cores (chapters execute two at a time into the cache while the strict Sphinx pass reads
  the other pages, then reads each chapter as its run ends); the lecture_build log of the build
  (per-chapter seconds) is kept in the note;
* the same clean build with every kernel started afresh (``LECTURE_BUILD_FORKS=0``), for
  comparison: the build forks its kernels from one process that has imported their packages;
* no-op rebuild of the same output: target < 10 s;
* each page's first-visit weight: every response a fresh browser context loads (HTML,
  CSS, JS, fonts, the page's plotly.js bundle and MathJax), measured in headless Chromium:
  target <= 4 MB for a page with figures, <= 2 MB for a page without (the browser tests
  assert these limits); recorded with the gzip size a compressing static host would send;
* one slider move of the introduction's figure (demo + draw): target < 5 ms.
"""

from __future__ import annotations

import os
import resource
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


def _build(out: Path, **env: str) -> float:
    """Wall time of one strict build into ``out`` (its CPU time is in :data:`LAST_CPU`, the
    lecture_build lines of its log in :data:`LAST_LOG`)."""
    global LAST_CPU, LAST_LOG
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(JB), "build", str(ROOT), "--builder", "html", "-W", "-n", "--keep-going", "--path-output", str(out)],
        check=True, capture_output=True, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **env},
    )
    LAST_LOG = "; ".join(line.split("] ", 1)[-1] for line in (done.stdout + done.stderr).splitlines()
                         if line.startswith("[lecture_build]") and ": " in line and "executing" not in line)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall


LAST_CPU = float("nan")
LAST_LOG = ""


def first_visit_weights(site: Path) -> dict[str, dict]:
    """First-visit weight of every page: all responses, fresh browser context each."""
    import gzip
    from urllib.parse import urlparse

    from tests.sitecheck import chromium, first_visit, serve

    pages = [
        str(p.relative_to(site)) for p in sorted(site.rglob("*.html"))
        if "_static" not in p.parts and "_sources" not in p.parts
        and p.name not in ("genindex.html", "search.html", "index.html")
    ]
    weights = {}
    with serve(site) as base, chromium() as instance:
        for page in pages:
            visit = first_visit(instance, base, page)
            gz = 0
            for r in visit["resources"]:
                local = site / urlparse(r["url"]).path.removeprefix(urlparse(base).path)
                gz += len(gzip.compress(local.read_bytes(), 6)) if local.is_file() else r["decoded"]
            html = (site / page).read_text()
            weights[page] = dict(bytes=visit["bytes"], gzip=gz, requests=visit["requests"],
                                 figures="plotly-graph-div" in html,
                                 full_plotly="_static/plotly/plotly.min.js" in html)
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
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        clean = _build(out)
        clean_cpu, clean_log = LAST_CPU, LAST_LOG
        noop = _build(out)
        weights = first_visit_weights(out / "_build" / "html")
    with tempfile.TemporaryDirectory() as tmp:  # the same, every kernel started afresh
        unforked = _build(Path(tmp), LECTURE_BUILD_FORKS="0")
        unforked_cpu = LAST_CPU
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows.append(dict(name="clean build of the book", value=clean, unit="s", target="< 45",
                     note=f"{os.cpu_count()} cores, load average {load_before:.1f} before / {load:.1f} after "
                          f"(other processes slow it down: compare with the load); {clean_log}"))
    cores = os.cpu_count() or 1
    rows.append(dict(name="clean build: CPU time of all its processes (Sphinx and kernels)", value=clean_cpu, unit="s",
                     target="", note="much less sensitive to other load than the wall time"))
    rows.append(dict(name=f"clean build: CPU time / {cores} cores", value=clean_cpu / cores, unit="s", target="< 45",
                     note="the wall time on an idle machine if the cores are kept busy (kernels run in parallel); "
                          "the serial Sphinx pass makes the real figure a few seconds higher"))
    rows.append(dict(name="clean build, each kernel started afresh (LECTURE_BUILD_FORKS=0)", value=unforked, unit="s",
                     target="", note=f"CPU time {unforked_cpu:.1f} s; the book's build forks its kernels from one "
                                      "process that has done their imports (book/_ext/kernel_forks.py)"))
    rows.append(dict(name="no-op rebuild", value=noop, unit="s", target="< 10"))
    for page, w in weights.items():
        rows.append(dict(name=f"first-visit weight {page}", value=w["bytes"] / 1e6, unit="MB",
                         target="<= 4" if w["figures"] else "<= 2",
                         note=f"{w['requests']} requests, all responses, empty cache; "
                              f"{w['gzip'] / 1e6:.2f} MB gzipped as a compressing host sends it"
                              + ("; loads plotly's full 4.8 MB bundle (a 3-D surface next to contours)"
                                 if w["full_plotly"] else "")))
    rows.extend(slider_moves())
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
