"""The in-browser (JupyterLite) site, as a student meets it.

* size of the Lite site on disk, split into Pyodide core, WebAssembly wheels, pure-Python
  wheels and the JupyterLab app: target < 80 MB;
* a first visit (empty browser cache) from a chapter's "Run in the browser" link: bytes the
  server sends until the kernel is idle (target < 50 MB), seconds until the kernel is idle
  (target < 30 s), seconds to run all cells (target < 30 s), and one slider move → new figure
  (target < 1 s), measured in headless Chromium with every outside request aborted;
* time to build the Lite site (``lite/build.py``).

Needs the built site (``make book``) and Chromium (``make chromium``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SITE = ROOT / "_build" / "html"
LITE = SITE / "lite"
CHAPTER = "book/momentum.html"
EXERCISE = "exercises/narrow_valley.html"


def _sizes() -> dict[str, float]:
    manifest = json.loads((LITE / "book-lite.json").read_text())
    pyodide = LITE / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    wasm = sum((pyodide / e["file_name"]).stat().st_size for k, e in lock.items() if k in manifest["verified"])
    pure = sum((pyodide / e["file_name"]).stat().st_size for k, e in lock.items() if k not in manifest["verified"])
    total = sum(p.stat().st_size for p in LITE.rglob("*") if p.is_file())
    core = sum(p.stat().st_size for p in pyodide.iterdir()) - wasm - pure
    scipy = sum((pyodide / lock[k]["file_name"]).stat().st_size for k in ("scipy", "openblas") if k in lock)
    return {"total": total, "core": core, "wasm": wasm, "pure": pure, "app": total - core - wasm - pure,
            "scipy": scipy, "build_s": manifest.get("seconds", float("nan"))}


class _Counting(http.server.SimpleHTTPRequestHandler):
    sent = 0
    lock = threading.Lock()

    def log_message(self, *args) -> None:  # noqa: D102
        pass

    def copyfile(self, source, outputfile) -> None:  # noqa: D102
        data = source.read()
        outputfile.write(data)
        with _Counting.lock:
            _Counting.sent += len(data)


@contextlib.contextmanager
def _serve_counting(directory: Path) -> Iterator[str]:
    handler = functools.partial(_Counting, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _visit(base: str, path: str, slider: bool) -> dict[str, float]:
    from tests.litecheck import cells, follow_link, run_all, slider_changes_figure, wait_kernel, LiteRun
    from tests.sitecheck import PageLog, browser

    with browser() as context:  # a fresh profile: empty cache, as on a first visit
        page = context.new_page()
        log = PageLog(page, base)
        page.goto(base + path, wait_until="load")
        _Counting.sent = 0
        t0 = time.perf_counter()
        follow_link(page)
        kernel = wait_kernel(page, t0)
        sent = _Counting.sent
        run_s = run_all(page)
        run = LiteRun(url=page.url, cells=cells(page))
        row = {"kernel_s": kernel, "run_all_s": run_s, "bytes": sent, "errors": len(run.errors()),
               "external": len(log.external)}
        if slider:
            t1 = time.perf_counter()
            slider_changes_figure(page, 0)
            row["slider_s"] = time.perf_counter() - t1
        return row


def run() -> list[dict]:
    s = _sizes()
    rows = [
        dict(name="Lite site on disk", value=s["total"] / 1e6, unit="MB", target="< 80",
             note=f"Pyodide core {s['core'] / 1e6:.1f}, wasm wheels {s['wasm'] / 1e6:.1f} (scipy + OpenBLAS "
                  f"{s['scipy'] / 1e6:.1f}), pure wheels {s['pure'] / 1e6:.1f}, JupyterLab app {s['app'] / 1e6:.1f} MB"),
        dict(name="Lite site build (lite/build.py)", value=s["build_s"], unit="s", target="< 60"),
    ]
    with _serve_counting(SITE) as base:
        for label, path, slider in (("chapter (momentum)", CHAPTER, True), ("exercise (narrow valley)", EXERCISE, False)):
            r = _visit(base, path, slider)
            note = f"{r['errors']} error outputs, {r['external']} outside requests"
            rows.append(dict(name=f"Lite first visit, {label}: link → kernel idle", value=r["kernel_s"], unit="s",
                             target="< 30", note=note))
            rows.append(dict(name=f"Lite first visit, {label}: bytes until kernel idle", value=r["bytes"] / 1e6,
                             unit="MB", target="< 50", note="everything the server sent, empty cache"))
            rows.append(dict(name=f"Lite, {label}: run all cells", value=r["run_all_s"], unit="s", target="< 30"))
            if "slider_s" in r:
                rows.append(dict(name=f"Lite, {label}: slider move → new figure", value=r["slider_s"], unit="s",
                                 target="< 1", note="kernel recomputes, widget output redrawn"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
