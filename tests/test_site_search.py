"""The site's search page in headless Chromium: ranking, snippets, the search field.

One browser context; each query is one page load that serves all its checks.
"""

from __future__ import annotations

import re

import pytest

from tests.sitecheck import SITE, chromium, open_page, serve, wait_for_search

pytestmark = pytest.mark.browser

#: Limit for a page to load and settle (the site's heaviest chapters on a busy 2-core machine).
TIMEOUT_MS = 120_000

#: What a snippet must not show: TeX commands, MathJax delimiters, sub/superscript braces.
RAW_TEX = re.compile(r"\\[A-Za-z]+|\\[()\[\]]|\$\$|[_^]\{")


@pytest.fixture(scope="module")
def search():
    """Open search.html?q=<query>; returns the ordered result links and their snippets."""
    assert SITE.is_dir(), "the site is not built: run `make book` first"
    with serve() as base, chromium() as instance:
        context = instance.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)

        def run(query: str, snippets: int = 8):
            page, log = open_page(context, base, f"search.html?q={query}")
            wait_for_search(page)
            assert page.locator("#search-results ul.search li").count() > 0, f"{query}: no results"
            # summaries are fetched page by page: wait for the first few
            page.wait_for_function(
                f"() => {{ const li = Array.from(document.querySelectorAll('#search-results ul.search li'));"
                f" return li.slice(0, {snippets}).every(l => l.querySelector('p.context') || l.querySelector('span')); }}",
                timeout=TIMEOUT_MS)
            results = page.evaluate("""() => Array.from(document.querySelectorAll('#search-results ul.search li')).map(li => ({
                href: li.querySelector('a').getAttribute('href'),
                snippet: (li.querySelector('p.context') || {}).textContent || ''}))""")
            return page, log, results

        yield run
        context.close()


def _kind(href: str) -> str:
    path = href.split("#")[0].split("?")[0]
    if path.startswith("book/api"):
        return "api"
    if path.startswith("book/bibliography"):
        return "bibliography"
    return "chapter"


@pytest.mark.parametrize("query, chapter", [("momentum", "book/momentum.html"), ("saddle", "book/saddles.html"),
                                            ("hessian", "book/hessians.html")])
def test_chapters_rank_above_api_entries_and_snippets_show_no_tex(search, query, chapter):
    page, log, results = search(query)
    try:
        kinds = [_kind(r["href"]) for r in results]
        assert "api" in kinds, f"{query}: the API reference should be found too ({kinds})"
        assert kinds[0] == "chapter", f"{query}: first result {results[0]['href']}"
        last_chapter = max(i for i, k in enumerate(kinds) if k == "chapter")
        first_api = kinds.index("api")
        assert last_chapter < first_api, f"{query}: an API entry ranks above a chapter: {[r['href'] for r in results]}"
        pages = [r["href"].split("#")[0] for r in results[:first_api]]
        assert chapter in pages, f"{query}: {chapter} is not among the results above the API entries: {pages}"
        shown = [r["snippet"] for r in results if r["snippet"]]
        assert len(shown) >= 3, f"{query}: no snippets shown"
        raw = [s[:120] for s in shown if RAW_TEX.search(s)]
        assert not raw, f"{query}: snippets with raw TeX: {raw}"
        assert not log.errors and not log.failed, (log.errors, log.failed)
    finally:
        page.close()


def test_snippets_render_formulas_as_text(search):
    """A snippet around a formula shows it as text: the chapter's TeX, converted."""
    page, _, results = search("eigenvalues", snippets=12)
    try:
        shown = " ".join(r["snippet"] for r in results)
        assert re.search(r"[λκηαβ∇²ᵀ]", shown), f"no formula in the snippets: {shown[:300]}"
        assert not RAW_TEX.search(shown)
        # the converter against hand-written readings
        cases = {
            r"\eta^2 \nabla f(\mathbf{w})": "η² ∇ f(w)",
            r"\frac{1}{2}\|x\|^2": "1/2‖x‖²",
            r"\lambda_{\max}": "λₘₐₓ",
            r"w_{t+1} = w_t - \eta \nabla L(w_t)": "wₜ₊₁ = wₜ - η ∇ L(wₜ)",
            r"\left(1 - \frac{2}{\sqrt{\kappa}+1}\right)^t": "(1 - 2/(√κ+1))ᵗ",
            r"\hat{m}_t": "m̂ₜ",
            r"\mathbb{R}^{n}": "ℝⁿ",
            r"x_{\text{best}}": "x_(best)",
        }
        got = page.evaluate("(cases) => Object.keys(cases).map(k => window.lcTexToText(k))", cases)
        assert dict(zip(cases, got)) == cases
    finally:
        page.close()


_ICON_AND_TEXT = """(form) => {
  const icon = form.querySelector('.fa-magnifying-glass').getBoundingClientRect();
  const input = form.querySelector('input');
  const box = input.getBoundingClientRect(), style = getComputedStyle(input);
  return {iconRight: icon.right, iconWidth: icon.width,
          textLeft: box.left + parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth)};
}"""


def test_the_magnifier_does_not_cover_the_query(search):
    page, _, _ = search("momentum")
    try:
        form = page.locator(".bd-search-container form.bd-search")
        found = form.evaluate(_ICON_AND_TEXT)
        assert found["iconWidth"] > 5
        assert found["iconRight"] <= found["textLeft"], f"search page: the icon covers the query {found}"
        # the search dialog of every page (Ctrl+K) has the same field
        page.goto(page.url.split("search.html")[0] + "book/intro.html")
        page.keyboard.press("Control+k")
        dialog = page.locator("#pst-search-dialog form.bd-search")
        dialog.wait_for(state="visible")
        found = dialog.evaluate(_ICON_AND_TEXT)
        assert found["iconRight"] <= found["textLeft"], f"search dialog: the icon covers the query {found}"
    finally:
        page.close()
