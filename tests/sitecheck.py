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


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (Playwright ``Browser``): each ``new_context()`` is a fresh
    profile with an empty cache, as on a reader's first visit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


#: Every response the page received, as the browser's Resource Timing API saw it.
_RESOURCES = """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .map(e => ({url: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize}))"""


def first_visit(chromium_instance, base: str, path: str, width: int = 1280) -> dict:
    """What a first visit to ``path`` loads: every response, in a fresh browser context.

    The page is opened with an empty cache, left to typeset its math and draw its figures,
    then scrolled to the bottom (as a reader does) until the network is idle. Returns
    ``{"bytes": decoded bytes of all responses, "transfer": bytes on the wire,
    "requests": count, "resources": [...], "errors": console errors, "external": [...]}``.
    """
    context = chromium_instance.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        log = PageLog(page, base)
        page.goto(base + path, wait_until="load")
        _wait_for_math(page)
        height = page.evaluate("document.documentElement.scrollHeight")
        for y in range(0, height + 900, 900):
            page.evaluate(f"window.scrollTo(0, {y})")
            page.wait_for_timeout(30)
        page.wait_for_load_state("networkidle")
        _wait_for_math(page)
        resources = page.evaluate(_RESOURCES)
        return {
            "bytes": sum(r["decoded"] for r in resources),
            "transfer": sum(r["transfer"] for r in resources),
            "requests": len(resources),
            "resources": resources,
            "errors": log.errors,
            "external": log.external,
        }
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
    _wait_for_math(page)
    page.wait_for_timeout(300)
    return page, log


def _wait_for_math(page) -> None:
    page.wait_for_function(
        "() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise"
        " && (window.__mjDone || (window.MathJax.startup.promise.then(() => { window.__mjDone = true; }), false))",
        timeout=30000,
    )


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
