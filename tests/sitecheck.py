"""Serve the built site on 127.0.0.1 and drive Debian's Chromium with Playwright.

Used by the browser tests (``tests/test_site.py``) and by hand to look at a page::

    .venv/bin/python -m tests.sitecheck book/intro.html /tmp/intro.png
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import http.server
import sys
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

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


#: Where a project's GitHub Pages site lives (``https://<org>.github.io/<repo>/``): the tests
#: serve the site there, with nothing at ``/`` (:func:`serve`'s default).
SUB_PATH = "/loss-landscape-book/"


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under ``prefix`` only; 404 elsewhere."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        route = urlsplit(path).path
        if route + "/" == self.prefix:
            route = self.prefix
        if not route.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_the_sub_path__")
        return super().translate_path("/" + path[len(self.prefix):])

    def log_message(self, *args) -> None:  # noqa: D102
        pass


@contextlib.contextmanager
def serve(directory: Path = SITE, prefix: str = SUB_PATH) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1 under the address path ``prefix`` (404
    elsewhere, as a host that serves the site under a sub-path does); yields the base URL.

    By default under :data:`SUB_PATH`, as GitHub Pages serves a project's site: every browser
    test then also checks that the pages ask for nothing outside it (``PageLog.external``), which
    a site served at ``/`` could not show (an address starting with ``/`` works there only)."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"prefix must start and end with '/', got {prefix!r}")
    handler_class = type("_Handler", (_SiteHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


# One Playwright driver and one Chromium per process (per pytest worker), started on first use
# and shared by every test: launching Chromium costs about a second of CPU, and a fresh browser
# context (``new_context()``) already has a fresh profile with an empty cache.
_SHARED: dict = {"driver": None, "browser": None}


def shared_chromium():
    """The process's one headless Chromium (Playwright ``Browser``), launched on first use.

    Callers open their own contexts in it (``new_context()``: a fresh profile, empty cache and
    storage, as on a reader's first visit) and close them; they never close the browser, which
    :func:`shutdown` does at the end (the test session's last hook, or the interpreter's exit).
    """
    instance = _SHARED["browser"]
    if instance is not None and instance.is_connected():
        return instance
    if _SHARED["driver"] is None:
        from playwright.sync_api import sync_playwright

        _SHARED["driver"] = sync_playwright().start()
        atexit.register(shutdown)
    instance = _SHARED["driver"].chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    _SHARED["browser"] = instance
    return instance


def shutdown() -> None:
    """Close the shared Chromium and stop the Playwright driver (if they were started)."""
    instance, driver = _SHARED["browser"], _SHARED["driver"]
    _SHARED["browser"] = _SHARED["driver"] = None
    try:
        if instance is not None and instance.is_connected():
            instance.close()
    finally:
        if driver is not None:
            driver.stop()


@contextlib.contextmanager
def browser(width: int = 1280, height: int = 900) -> Iterator[object]:
    """A fresh browser context (own profile: empty cache and storage) in the shared Chromium;
    closed afterwards."""
    context = shared_chromium().new_context(viewport={"width": width, "height": height})
    try:
        yield context
    finally:
        context.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """The shared headless Chromium (Playwright ``Browser``): each ``new_context()`` is a fresh
    profile with an empty cache, as on a reader's first visit. The browser stays open for the
    next caller (see :func:`shared_chromium`)."""
    yield shared_chromium()


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
        _, _, visit = open_first_visit(context, base, path)
        return visit
    finally:
        context.close()


def open_first_visit(context, base: str, path: str):
    """Open ``path`` in ``context`` (give it a fresh one: the cache must be empty) as a reader's
    first visit does: load, typeset, scroll to the bottom until the network is idle.

    Returns ``(page, log, visit)``: the page stays open for further checks (one page load can
    serve every check of a page); ``visit`` is :func:`first_visit`'s dictionary.
    """
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
    visit = {
        "bytes": sum(r["decoded"] for r in resources),
        "transfer": sum(r["transfer"] for r in resources),
        "requests": len(resources),
        "resources": resources,
        "errors": list(log.errors),
        "external": list(log.external),
    }
    page.evaluate("window.scrollTo(0, 0)")
    return page, log, visit


class PageLog:
    """Console errors, failed requests and requests outside the site's address ``base`` (another
    host, or the local server outside the sub-path: ``external``, aborted), recorded for one page."""

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
        self._pending: set = set()
        page.on("request", lambda req: self._pending.add(req))
        page.on("requestfinished", lambda req: self._pending.discard(req))
        page.on("requestfailed", lambda req: (self._pending.discard(req), self.failed.append(req.url)))

    def wait_for_requests(self, page, timeout_ms: float = 30_000) -> None:
        """Wait until every request the page started has finished or failed (leaving a page
        earlier aborts what is still on its way: a failed request that would be the test's doing)."""
        waited = 0
        while self._pending:
            if waited >= timeout_ms:
                raise TimeoutError(f"requests still open after {timeout_ms} ms: {[r.url for r in self._pending][:5]}")
            page.wait_for_timeout(50)
            waited += 50


def open_page(context, base: str, path: str):
    """Open ``path`` of the site; returns (page, log) after MathJax typeset and, on a page with
    figures, figures.js fitted them (and on a phone rearranged them)."""
    page = context.new_page()
    log = PageLog(page, base)
    page.goto(base + path, wait_until="load")
    _wait_for_math(page)
    wait_for_figures(page)
    return page, log


def wait_for_figures(page) -> None:
    """Wait until figures.js has fitted every figure of the page to its column (and on a phone
    rearranged it): ``<html data-lc-figures="settled">``. A page without figures has nothing to
    wait for."""
    page.wait_for_function(
        "() => !document.querySelector('div.plotly-graph-div') || document.documentElement.dataset.lcFigures === 'settled'"
    )


def wait_for_search(page) -> None:
    """On ``search.html?q=...``: wait until Sphinx says the search has finished (it lists the
    results one by one, 5 ms apart, and says so after the last one)."""
    page.wait_for_function(
        "() => /finished/.test((document.querySelector('#search-results p.search-summary') || {}).textContent || '')"
    )  # the context's default timeout


def _wait_for_math(page) -> None:
    page.wait_for_function(
        "() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise"
        " && (window.__mjDone || (window.MathJax.startup.promise.then(() => { window.__mjDone = true; }), false))",
    )  # the context's default timeout (Playwright's 30 s unless the context sets another)


def main(argv: list[str]) -> int:
    path, out = argv[0], argv[1]
    with serve() as base, browser() as ctx:
        page, log = open_page(ctx, base, path)
        page.screenshot(path=out, full_page="--full" in argv)
        print("console errors:", log.errors)
        print("external requests:", log.external)
        print("failed requests:", log.failed)
    shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
