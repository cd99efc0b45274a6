"""Browser tests: every page of the built site in headless Chromium, with the network cut.

Needs the built site (`make book`) and Debian's chromium (`make chromium`); `make test`
does both first. Every request that does not go to the local server is aborted and
recorded, so a page that works here works offline.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.sitecheck import SITE, browser, open_page, serve

pytestmark = pytest.mark.browser

# sphinx-thebe writes its config twice on every page: harmless, documented in the toolchain notes.
KNOWN_HARMLESS = ("Identifier 'THEBE_JS_URL' has already been declared",)


def _pages() -> list[str]:
    if not SITE.is_dir():
        return ["<site not built: run `make book`>"]
    skip = {"genindex.html", "search.html", "index.html"}
    pages = [
        str(p.relative_to(SITE))
        for p in sorted(SITE.rglob("*.html"))
        if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip
    ]
    return pages


PAGES = _pages()

FINGERPRINT = """(gd) => JSON.stringify({
  data: gd._fullData.map(t => ['x', 'y', 'z', 'text'].map(k => t[k] ? Array.from(t[k]).slice(0, 400) : null)),
  ann: (gd.layout.annotations || []).map(a => a.text),
  title: gd.layout.title && gd.layout.title.text,
})"""


@contextlib.contextmanager
def opened(site, path):
    """The page at ``path`` (after MathJax settled) and its log; closed afterwards."""
    base, context = site
    page, log = open_page(context, base, path)
    try:
        yield page, log
    finally:
        page.close()


def real_errors(log) -> list[str]:
    return [e for e in log.errors if not any(h in e for h in KNOWN_HARMLESS)]


@pytest.fixture(scope="module")
def site():
    assert SITE.is_dir(), "the site is not built: run `make book` first"
    with serve() as base, browser() as context:
        yield base, context


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_without_errors_and_typesets_math(site, path):
    with opened(site, path) as (page, log):
        errors = real_errors(log)
        assert not log.external, f"{path} requested outside the local server: {log.external}"
        assert not log.failed, f"{path} had failed requests: {log.failed}"
        assert not errors, f"{path} console errors: {errors}"
        n_math = page.locator(".math").count()
        if n_math:
            assert page.locator("mjx-container").count() >= n_math, f"{path}: math not typeset"
            raw = page.evaluate(
                "() => Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container')).length"
            )
            assert raw == 0, f"{path}: {raw} math elements left as raw TeX"
        # Plotly figures rendered (an empty div means the figure vanished from the site)
        n_divs = page.locator("div.plotly-graph-div").count()
        assert page.locator("div.plotly-graph-div .main-svg").count() >= n_divs


@pytest.mark.parametrize("path", PAGES)
def test_every_slider_changes_its_figure(site, path):
    with opened(site, path) as (page, log):
        figures = page.locator("div.plotly-graph-div")
        for f in range(figures.count()):
            gd = figures.nth(f)
            n_sliders = gd.evaluate("(gd) => (gd.layout.sliders || []).length")
            for k in range(n_sliders):
                steps, active = gd.evaluate(f"(gd) => [gd.layout.sliders[{k}].steps.length, gd.layout.sliders[{k}].active || 0]")
                target = 0 if active != 0 else steps - 1
                before = gd.evaluate(FINGERPRINT)
                label = gd.locator("g.slider-group").nth(k).locator("g.slider-label-group").nth(target)
                label.scroll_into_view_if_needed()
                label.click(force=True)
                page.wait_for_timeout(150)
                after = gd.evaluate(FINGERPRINT)
                assert after != before, f"{path}: figure {f}, slider {k} moved to step {target} but the figure did not change"
                # move it back so the next slider starts from the page's default state
                gd.locator("g.slider-group").nth(k).locator("g.slider-label-group").nth(active).click(force=True)
                page.wait_for_timeout(100)
        errors = real_errors(log)
        assert not errors, f"{path}: console errors while moving sliders: {errors}"


@pytest.mark.parametrize("path", PAGES)
def test_quizzes_give_feedback(site, path):
    with opened(site, path) as (page, _):
        quizzes = page.locator(".lc-quiz .lc-q")
        for i in range(quizzes.count()):
            q = quizzes.nth(i)
            q.scroll_into_view_if_needed()
            q.locator("input").first.check()
            q.locator("button").click()
            assert q.locator(".lc-score").inner_text().strip(), f"{path}: quiz question {i} gave no feedback"
            assert q.locator(".lc-right, .lc-wrong").count() == q.locator(".lc-opt").count()
