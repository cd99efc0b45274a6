"""Serve the built site on 127.0.0.1 and drive Debian's Chromium with Playwright.

Used by the browser tests (``tests/test_site.py``) and by hand to look at a page::

    .venv/bin/python -m tests.sitecheck book/intro.html /tmp/intro.png
"""

from __future__ import annotations

import contextlib
import functools
import os
import http.server
import sys
import tempfile
import threading
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("BOOK_SITE", ROOT / "_build" / "html"))
CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium quiet on a machine with no internet (see toolchain notes).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102
        pass


@contextlib.contextmanager
def serve(directory: Path = SITE) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium (Playwright) with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class PageLog:
    """Console errors and requests leaving the local server, recorded for one page."""

    def __init__(self, page, base: str):
        self.errors: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            url = r.request.url
            if url.startswith(base) or url.startswith("data:") or url.startswith("blob:"):
                r.continue_()
            else:
                self.external.append(url)
                r.abort()

        page.route("**/*", route)
        page.on("requestfailed", lambda req: self.failed.append(req.url))


def open_page(context, base: str, path: str):
    """Open ``path`` of the site; returns (page, log) after MathJax and plotly settled."""
    page = context.new_page()
    log = PageLog(page, base)
    page.goto(base + path, wait_until="load")
    page.wait_for_function(
        "() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise"
        " && (window.__mjDone || (window.MathJax.startup.promise.then(() => { window.__mjDone = true; }), false))",
        timeout=30000,
    )
    page.wait_for_timeout(300)
    return page, log


def main(argv: list[str]) -> int:
    path, out = argv[0], argv[1]
    with serve() as base, browser() as ctx:
        page, log = open_page(ctx, base, path)
        page.screenshot(path=out, full_page="--full" in argv)
        print("console errors:", log.errors)
        print("external requests:", log.external)
        print("failed requests:", log.failed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
