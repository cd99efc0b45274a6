"""Browser tests: every page of the built site in headless Chromium, with the network cut.

Needs the built site (`make book`) and Debian's chromium (`make chromium`); `make test`
does both first. The site is served under a sub-path, as GitHub Pages serves a project's site
(``sitecheck.SUB_PATH``, nothing at ``/``): every request outside it (another host, or the local
server outside the sub-path) is aborted and recorded, so a page that works here works offline
and from any static host.

Each page is loaded once at 1280 px, as a reader's first visit (fresh browser context, empty
cache: fixture ``visit``), and every 1280 px check of that page reads the same load: first the
checks that only look, then the ones that move sliders and answer quizzes. The phone checks
load the page once more at 390 px. The checks of one page run on one worker (``xdist_group``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.sitecheck import ROOT, SITE, SUB_PATH, open_first_visit, open_page

pytestmark = pytest.mark.browser

MB = 1_000_000
#: First-visit weight limits (all responses, fresh browser context, bytes as the browser
#: decodes them, i.e. with no compression by the server).
LIMIT_TEXT_PAGE = 2 * MB
LIMIT_FIGURE_PAGE = 4 * MB


def _site_assets():
    spec = importlib.util.spec_from_file_location("site_assets", ROOT / "book" / "_ext" / "site_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _all_pages() -> list[str]:
    if not SITE.is_dir():
        return ["<site not built: run `make book`>"]
    skip = {"genindex.html", "search.html", "index.html"}
    pages = [
        str(p.relative_to(SITE))
        for p in sorted(SITE.rglob("*.html"))
        if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip
    ]
    return pages


#: The library's source listings (Sphinx's viewcode pages, ``_modules/``): one template, code
#: only. The browser checks the heaviest of them; every other one is held, without a browser, to
#: be that template (the same stylesheets, scripts and fonts, nothing from outside) with less
#: HTML (``test_every_source_listing_is_the_page_the_browser_checked``), so it loads less and
#: behaves the same.
SOURCE_LISTINGS = [p for p in _all_pages() if p.startswith("_modules/")]
HEAVIEST_LISTING = max(SOURCE_LISTINGS, key=lambda p: (SITE / p).stat().st_size, default=None)
PAGES = [p for p in _all_pages() if not p.startswith("_modules/") or p == HEAVIEST_LISTING]


def _source(path: str) -> Path | None:
    """The MyST notebook or .ipynb a page was built from (None for generated pages)."""
    for suffix in (".md", ".ipynb"):
        source = (ROOT / path).with_suffix(suffix)
        if source.exists():
            return source
    return None


#: Pages built from notebooks (chapters and exercises): the API page and the library's source
#: listings (``_modules/``) show code on purpose and are not notebooks to launch.
NOTEBOOK_PAGES = [p for p in PAGES if (s := _source(p)) is not None
                  and any(mark in s.read_text() for mark in ("```{code-cell}", '"cell_type": "code"'))]

FINGERPRINT = """(gd) => JSON.stringify({
  data: gd._fullData.map(t => ['x', 'y', 'z', 'text'].map(k => t[k] ? Array.from(t[k]).slice(0, 400) : null)),
  ann: (gd.layout.annotations || []).map(a => a.text),
  title: gd.layout.title && gd.layout.title.text,
})"""


#: Playwright's waits (page loads, math, clicks) time out after this: a limit for a busy machine,
#: not a speed target (those are measured by `make bench`).
TIMEOUT_MS = 90_000


class Visit:
    """One page, opened once as a reader's first visit; every 1280 px check of the page reads it."""

    def __init__(self, path: str, page, log, first: dict):
        self.path, self.page, self.log, self.first = path, page, log, first


#: Checks that only apply to pages built from notebooks (chapters and exercises).
NOTEBOOK_ONLY = {"test_no_quiz_source_on_the_page"}
#: Checks that only apply to pages with numeric self-check questions.
NUMERIC_PAGES = [p for p in PAGES if SITE.is_dir() and 'class="lc-qn"' in (SITE / p).read_text(encoding="utf-8")]
NUMERIC_ONLY = {"test_numeric_questions_refuse_a_wrong_number_and_accept_a_right_one"}


def pytest_generate_tests(metafunc):
    """Parametrize every test that takes ``visit`` by page: one module-scoped load per page
    (pytest orders the tests so that a page's checks follow each other), and one worker
    for all of them (``xdist_group``)."""
    if "visit" in metafunc.fixturenames:
        name = metafunc.function.__name__
        pages = NOTEBOOK_PAGES if name in NOTEBOOK_ONLY else NUMERIC_PAGES if name in NUMERIC_ONLY else PAGES
        metafunc.parametrize("visit", [pytest.param(p, id=p, marks=pytest.mark.xdist_group(f"page {p}")) for p in pages],
                             indirect=True, scope="module")


@pytest.fixture(scope="module")
def visit(fresh, request):
    """The page ``request.param`` after a first visit at 1280 px: fresh context (empty cache),
    math typeset, scrolled to the bottom until the network was idle, then back to the top."""
    base, instance = fresh
    context = instance.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page, log, first = open_first_visit(context, base, request.param)
        yield Visit(request.param, page, log, first)
    finally:
        context.close()


# ---- checks that only look at the page ------------------------------------------------------


def test_first_visit_weight_and_no_console_error(visit):
    """All responses of a first visit (empty cache), within the page's weight limit:
    2 MB for a page without figures, 4 MB for a page with figures (recorded per page by
    `make bench`)."""
    path, first = visit.path, visit.first
    html = (SITE / path).read_text()
    assert not first["errors"], f"{path} console errors: {first['errors']}"
    assert not first["external"], f"{path} requested outside the site ({SUB_PATH}): {first['external']}"
    limit = LIMIT_FIGURE_PAGE if "plotly-graph-div" in html else LIMIT_TEXT_PAGE
    heaviest = sorted(first["resources"], key=lambda r: -r["decoded"])[:5]
    assert first["bytes"] <= limit, (
        f"{path}: first visit loads {first['bytes'] / MB:.2f} MB, limit {limit / MB:.2f} MB; heaviest: "
        + ", ".join(f"{r['url'].rsplit('/', 1)[-1]} {r['decoded'] / MB:.2f} MB" for r in heaviest)
    )
    urls = [r["url"] for r in first["resources"]]
    assert not any("fontawesome.js" in u or "thebe" in u for u in urls), f"{path}: loads FontAwesome JS or thebe"
    # the icons come from the cut-down font; a glyph missing from it would load the full one
    assert not any("vendor/fontawesome/webfonts" in u for u in urls), f"{path}: loads the full icon font"
    # the search index is for the search page (the theme's search-as-you-type is off)
    assert not any(u.split("?")[0].endswith(("searchindex.js", "searchtools.js")) for u in urls), \
        f"{path}: loads the search index"


def test_page_loads_offline_without_errors_and_typesets_math(visit):
    path, page, log = visit.path, visit.page, visit.log
    assert not log.external, f"{path} requested outside the site ({SUB_PATH}): {log.external}"
    assert not log.failed, f"{path} had failed requests: {log.failed}"
    assert not log.errors, f"{path} console errors: {log.errors}"
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


def test_theme_icons_drawn_by_the_webfont(visit):
    path, page = visit.path, visit.page
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    families = page.evaluate("() => Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("Font Awesome" in f for f in families), f"{path}: icon font not loaded ({families})"
    assert page.locator("svg.svg-inline--fa").count() == 0  # the FontAwesome script did not run


def test_no_quiz_source_on_the_page(visit):
    """Quiz cells are shown by their output only: their source carries every answer."""
    sources = visit.page.evaluate("""() => Array.from(document.querySelectorAll('.cell_input, div.highlight'))
        .filter(e => e.offsetParent !== null).map(e => e.innerText)""")
    leaks = [s[:80] for s in sources if "Question(" in s or "quiz(" in s]
    assert not leaks, f"{visit.path}: quiz source visible: {leaks}"


def test_library_files_named_in_the_text_link_to_their_api_entry():
    """A book without a repository address (the checkout's) links a library file named in the
    text (``lecture_code/core/interactive.py``) to the module's entry in the API reference
    (with an address: to the file in the repository, tests/test_site_config.py)."""
    named = 0
    for path in PAGES:
        html = (SITE / path).read_text()
        for m in re.finditer(r'(<a [^>]*>)?<code[^>]*><span class="pre">(lecture_code/[\w/]+\.py)</span></code>', html):
            if not (ROOT / m.group(2)).is_file():
                continue
            module = m.group(2)[:-3].replace("/", ".").removesuffix(".__init__")
            documented = re.search(rf'id="module-{re.escape(module)}"', "".join(
                p.read_text() for p in (SITE / "book" / "api").glob("*.html")))
            if not documented:
                continue
            named += 1
            link = re.search(r'href="([^"#]+)#([^"]+)"', m.group(1) or "")
            assert link, f"{path}: {m.group(2)} is plain text, not a link to its API entry"
            target = (SITE / path).parent / link.group(1)
            assert link.group(2) == f"module-{module}" and f'id="module-{module}"' in target.read_text(), \
                f"{path}: {m.group(2)} links to {link.group(0)}"
    assert named, "no page names a library file any more: this test checks nothing"


def test_no_clipped_code_or_output_at_1280px(visit):
    clipped = visit.page.evaluate("""() => Array.from(document.querySelectorAll('article pre'))
        .filter(p => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
        .map(p => p.innerText.split('\\n').reduce((a, b) => a.length >= b.length ? a : b).slice(0, 100))""")
    assert not clipped, f"{visit.path}: {len(clipped)} <pre> blocks wider than their box, e.g. {clipped[:3]}"


#: Bounding boxes of a figure's labels (legend, titles, text annotations, axis titles,
#: sliders) that overlap one another.
_LABEL_OVERLAPS = """(gd) => {
  const items = [];
  const add = (sel, kind) => gd.querySelectorAll(sel).forEach(e => {
    const b = e.getBoundingClientRect(), text = (e.textContent || '').trim();
    if (b.width > 2 && b.height > 2 && (kind !== 'annotation' || text)) items.push({kind, text: text.slice(0, 50), b});
  });
  add('g.legend', 'legend'); add('.g-gtitle text', 'title'); add('g.annotation', 'annotation');
  add('g.infolayer [class*="xtitle"] text', 'axis title'); add('g.slider-container', 'slider');
  const hits = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    const a = items[i].b, c = items[j].b;
    const w = Math.min(a.right, c.right) - Math.max(a.left, c.left), h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
    if (w > 3 && h > 3) hits.push(`${items[i].kind} "${items[i].text}" / ${items[j].kind} "${items[j].text}"`);
  }
  return hits;
}"""


#: Every figure drawn at the width of its column (figures.js fits them after the load event).
_FITTED = """() => Array.from(document.querySelectorAll('div.plotly-graph-div'))
  .every(gd => gd._fullLayout && Math.abs(gd.clientWidth - gd._fullLayout.width) <= 2)"""


def test_figure_labels_do_not_collide_at_1280px(visit):
    path, page, log = visit.path, visit.page, visit.log
    figures = page.locator("div.plotly-graph-div")
    if figures.count():
        with contextlib.suppress(Exception):  # not fitted in time: the assertion below says which
            page.wait_for_function(_FITTED, timeout=5000, polling=100)
    for i in range(figures.count()):
        figures.nth(i).scroll_into_view_if_needed()
        hits = figures.nth(i).evaluate(_LABEL_OVERLAPS)
        assert not hits, f"{path}: figure {i} at 1280 px: {hits[:4]}"
        width, drawn = figures.nth(i).evaluate("(gd) => [gd.clientWidth, gd._fullLayout.width]")
        assert abs(width - drawn) <= 2, f"{path}: figure {i} drawn {drawn} px wide in a {width} px column"
    assert not log.errors, f"{path}: console errors {log.errors}"


# ---- checks that move sliders and answer quizzes (after the ones that only look) -----------


def _click_and_wait_for_the_frame(page, gd, label, what: str) -> None:
    """Click a slider's step label and wait until the figure has drawn the frame it asks for
    (the figure's script animates to it: ``plotly_animated``)."""
    gd.evaluate("(gd) => { gd.__lcAnimated = false; gd.once('plotly_animated', () => { gd.__lcAnimated = true; }); }")
    label.click(force=True)
    try:
        page.wait_for_function("(gd) => gd.__lcAnimated", arg=gd.element_handle(), timeout=10_000)
    except PlaywrightTimeout:
        raise AssertionError(f"{what}: no frame was drawn within 10 s") from None


def test_every_slider_changes_its_figure(visit):
    path, page, log = visit.path, visit.page, visit.log
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
            _click_and_wait_for_the_frame(page, gd, label, f"{path}: figure {f}, slider {k} moved to step {target}")
            after = gd.evaluate(FINGERPRINT)
            assert after != before, f"{path}: figure {f}, slider {k} moved to step {target} but the figure did not change"
            # move it back so the next slider starts from the page's default state
            _click_and_wait_for_the_frame(page, gd, gd.locator("g.slider-group").nth(k).locator("g.slider-label-group").nth(active),
                                          f"{path}: figure {f}, slider {k} moved back to step {active}")
    assert not log.errors, f"{path}: console errors while moving sliders: {log.errors}"


def _set_choice(q, chosen) -> None:
    inputs = q.locator("input")
    for i in range(inputs.count()):
        box = inputs.nth(i)
        if i in chosen:
            box.check()
        elif box.get_attribute("type") == "checkbox":  # a radio button is unticked by ticking another
            box.uncheck()


def test_quizzes_hide_answers_then_explain_the_choice_allow_a_retry_and_show_the_answer(visit):
    """Every question of every quiz on the page: no reason shown before an answer; a wrong first
    try explains only the options chosen; the right answer is then accepted with every reason
    shown. The page's first question is asked for its answer ("Show answer") before any try:
    every reason appears, and the question can still be tried afterwards (the first one with a
    wrong option to try)."""
    path, page, log = visit.path, visit.page, visit.log
    quizzes = page.locator(".lc-quiz")
    asked_for_answer = False
    for k in range(quizzes.count()):
        key = quizzes.nth(k).evaluate("(el) => JSON.parse(el.querySelector('script.lc-key').textContent)")
        questions = quizzes.nth(k).locator(".lc-q")
        assert questions.count() == len(key)
        for i in range(questions.count()):
            q, correct = questions.nth(i), set(key[i])
            n = q.locator(".lc-opt").count()
            q.scroll_into_view_if_needed()
            assert q.locator(".lc-why:visible").count() == 0, f"{path}: quiz {k}.{i} shows reasons before any answer"
            wrong = [j for j in range(n) if j not in correct]
            first_try = {wrong[0]} if wrong else {sorted(correct)[0]}
            if first_try == correct:  # a multiple-choice question whose options are all right
                first_try = set()
            if first_try and not asked_for_answer:  # "Show answer" on a fresh question
                q.locator(".lc-show").click()
                assert q.locator(".lc-score").inner_text().strip() == "The full answer:"
                assert q.locator(".lc-why:visible").count() == n, f"{path}: quiz {k}.{i}: Show answer hid reasons"
                asked_for_answer = True
            _set_choice(q, first_try)
            q.locator(".lc-check").click()
            feedback = q.locator(".lc-score").inner_text().strip()
            assert feedback, f"{path}: quiz {k}.{i} gave no feedback"
            shown = {j for j in range(n) if q.locator(".lc-why").nth(j).is_visible()}
            assert shown == first_try, f"{path}: quiz {k}.{i}: chose {first_try}, reasons shown for {shown}"
            if len(correct) == 1:
                assert " of " not in feedback, f"{path}: one-answer question counts options: {feedback!r}"
            _set_choice(q, correct)  # the retry
            q.locator(".lc-check").click()
            assert q.locator(".lc-score").inner_text().startswith("Correct"), f"{path}: quiz {k}.{i} retry not accepted"
            assert q.locator(".lc-why:visible").count() == n
    assert asked_for_answer or not quizzes.count(), f"{path}: no question to ask for its answer"
    assert not log.errors, f"{path}: console errors in quizzes: {log.errors}"


# ---- checks on the built files (no page load) ------------------------------------------------


def _plotly_scripts(html: str) -> list[str]:
    return re.findall(r'<script[^>]+src="[^"]*_static/plotly/([^"?]+)', html)


def test_numeric_questions_refuse_a_wrong_number_and_accept_a_right_one(visit):
    """Each numeric self-check question of the page (``lecture_code.core.quiz.NumericQuestion``):
    no answer shown at first; a number outside the accepted interval is refused, its midpoint
    accepted, and only then the explanation appears (it was not in the page's text before)."""
    from tests.test_quiz_numeric import _answer, _unscramble_payloads

    path, page = visit.path, visit.page
    payloads = _unscramble_payloads((SITE / path).read_text())
    qs = page.locator(".lc-qn")
    assert qs.count() == len(payloads) > 0
    before = page.locator("body").inner_text()
    for i, d in enumerate(payloads):
        q = qs.nth(i)
        q.scroll_into_view_if_needed()
        assert q.locator(".lc-why:visible").count() == 0, f"{path}: question {i} shows its answer"
        lo, hi = d["lo"], d["hi"]
        outside = hi + max(1.0, abs(hi)) if hi != 0 else 1.0
        assert _answer(q, repr(outside)).startswith("Not right"), f"{path}: question {i} accepted {outside}"
        assert _answer(q, repr((lo + hi) / 2)).startswith("Correct"), f"{path}: question {i} refused {(lo + hi) / 2} in [{lo}, {hi}]"
        assert q.locator(".lc-why").is_visible()
    assert not visit.log.errors, f"{path}: {visit.log.errors}"
    for d in payloads:
        plain = re.sub(r"<[^>]+>", "", d["why"]).strip()
        if len(plain) > 12:
            assert plain[:40] not in before, f"{path}: an explanation was visible before the answer"


@pytest.mark.parametrize("path", PAGES)
def test_plotly_only_where_figures_are_and_the_smallest_bundle_that_draws_them(path):
    html = (SITE / path).read_text()
    site_assets = _site_assets()
    bundles = _plotly_scripts(html)
    types = site_assets.plotly_trace_types(html)
    if not types:
        assert types == set() and bundles == [], f"{path}: plotly.js loaded on a page without figures"
        return
    assert len(bundles) == 1, f"{path}: expected one plotly bundle, got {bundles}"
    covering = [name for name, modules in site_assets.PLOTLY_BUNDLES.items() if modules is None or types <= modules]
    sizes = {name: (SITE / "_static" / "plotly" / name).stat().st_size for name in covering}
    assert bundles[0] == min(sizes, key=sizes.get), f"{path}: draws {sorted(types)} with {bundles[0]}"


def test_plotly_bundles_hold_the_trace_types_we_choose_them_for(fresh):
    """The bundle table of the build is checked against the shipped bundles themselves."""
    base, instance = fresh
    site_assets = _site_assets()
    context = instance.new_context()
    try:
        page = context.new_page()
        for name, modules in site_assets.PLOTLY_BUNDLES.items():
            page.set_content("<html><body></body></html>")
            page.add_script_tag(url=f"{base}_static/plotly/{name}")
            traces = set(page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces)"))
            if modules is None:
                assert {"surface", "contour", "heatmap", "scatter3d", "bar"} <= traces
            else:
                assert traces == set(modules), f"{name}: has {sorted(traces)}, table says {sorted(modules)}"
    finally:
        context.close()


def test_plotly_js_is_the_version_plotly_py_targets():
    import json

    from plotly.offline import get_plotlyjs_version

    version = json.loads((ROOT / "node_modules" / "plotly.js" / "package.json").read_text())["version"]
    assert version == get_plotlyjs_version(), f"npm plotly.js {version} != plotly.py's {get_plotlyjs_version()}"
    for name, modules in _site_assets().PLOTLY_BUNDLES.items():
        head = (SITE / "_static" / "plotly" / name).read_text()[:400]
        assert f"v{version}" in head, f"{name} is not plotly.js {version}: {head[:120]!r}"


def test_the_books_bundle_draws_every_trace_type_of_the_site():
    """A figure drawing a new trace type would send its page to plotly's full bundle."""
    site_assets = _site_assets()
    drawn: set[str] = set()
    for path in PAGES:
        types = site_assets.plotly_trace_types((SITE / path).read_text())
        assert types is not None, f"{path}: trace types of a figure could not be read"
        drawn |= types
    book = site_assets.PLOTLY_BUNDLES[site_assets.PLOTLY_BOOK_BUNDLE["file"]]
    assert drawn - book == set(), f"add {sorted(drawn - book)} to book/_ext/plotly_bundle.json"


def test_the_books_bundle_is_rebuilt_byte_for_byte(tmp_path):
    """Built from the pinned npm packages alone: building it again gives the same file."""
    import subprocess

    name = _site_assets().PLOTLY_BOOK_BUNDLE["file"]
    subprocess.run(["node", str(ROOT / "book" / "_ext" / "plotly_bundle.mjs"), str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    assert (tmp_path / name).read_bytes() == (SITE / "_static" / "plotly" / name).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # one self-contained file: CSS inlined


# ---- on a phone: the page loaded again at 390 px ---------------------------------------------


@pytest.fixture(scope="module")
def phone(fresh):
    """One 390 px browser context for the phone checks (its cache warms up from page to page)."""
    base, instance = fresh
    context = instance.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    yield base, context
    context.close()


#: Every box in the article that scrolls sideways (its content, measured by the union of its
#: children's boxes, is wider than it) must show it: reachable by keyboard, a shadow over the
#: right edge as loaded, over both edges half-way and over the left one at the end, each shadow
#: on the edge the reader sees. Returns what fails.
_SCROLL_HINTS = """() => {
  const out = [], name = e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || '').split(' ')[0];
  const shadow = (e, which) => { const s = getComputedStyle(e, which);
    return s.content !== 'none' && s.backgroundImage.includes('gradient') ? parseFloat(s.left) : null; };
  document.querySelectorAll('.bd-article *').forEach(e => {
    if (e.offsetParent === null || !['auto', 'scroll'].includes(getComputedStyle(e).overflowX)) return;
    e.scrollLeft = 0;
    const left = e.getBoundingClientRect().left + e.clientLeft;
    let right = left;
    for (const c of e.children) {
      if (c.tagName === 'MJX-ASSISTIVE-MML') continue;   // MathJax's off-screen copy for screen readers
      right = Math.max(right, c.getBoundingClientRect().right);
    }
    const extra = right - left - e.clientWidth;
    if (extra <= 1 || e.scrollWidth <= e.clientWidth + 1) return;   // fits, or is wrapped (code), not scrolled
    const fails = [];
    if (e.tabIndex < 0) fails.push('not in the tab order');
    const states = [[0, [null, 'right']], [extra / 2, ['left', 'right']], [extra + 10, ['left', null]]]
      .filter(([x]) => x === 0 || x > extra || extra >= 6);   // half of a few px is no "middle"
    for (const [x, [wantBefore, wantAfter]] of states) {
      e.scrollLeft = x;
      e.dispatchEvent(new Event('scroll'));
      const before = shadow(e, '::before'), after = shadow(e, '::after'), sl = e.scrollLeft;
      if ((before !== null) !== (wantBefore !== null) || (after !== null) !== (wantAfter !== null)) {
        fails.push(`at scrollLeft ${Math.round(sl)}: shadows ${before !== null ? 'left' : ''} ${after !== null ? 'right' : ''}`);
      } else {
        if (before !== null && Math.abs(before - sl) > 1) fails.push(`left shadow at ${before}, not ${sl}`);
        const width = after !== null ? parseFloat(getComputedStyle(e, '::after').width) : 0;
        if (after !== null && Math.abs(after + width - (sl + e.clientWidth)) > 1) fails.push(`right shadow at ${after}`);
      }
    }
    e.scrollLeft = 0;
    e.dispatchEvent(new Event('scroll'));
    if (fails.length) out.push(name(e) + ': ' + fails.join('; '));
  });
  return out;
}"""


_ASSET = re.compile(r'<(?:script|link|img|source|iframe)\b[^>]*?\b(?:src|href)="([^"#]+)"', re.I)


def _loaded(path: str) -> tuple[set[str], list[str]]:
    """What a page's HTML makes the browser fetch: local files (as site paths, no query) and
    anything from outside."""
    html = (SITE / path).read_text(encoding="utf-8")
    local, outside = set(), []
    for tag in re.finditer(r"<(?:script|link|img|source|iframe)\b[^>]*>", html, flags=re.I):
        text = tag.group(0)
        if text.lower().startswith("<link") and not re.search(r'rel="(?:stylesheet|preload|modulepreload|icon|shortcut icon)"', text):
            continue  # navigation links (prev/next, search) are not fetched
        m = _ASSET.match(text)
        if not m:
            continue
        url = m.group(1)
        if re.match(r"^[a-z]+:|^//", url, flags=re.I):
            outside.append(url)
        else:
            local.add(str(((SITE / path).parent / url.split("?")[0]).resolve().relative_to(SITE.resolve())))
    return local, outside


@pytest.mark.parametrize("listing", SOURCE_LISTINGS)
def test_every_source_listing_is_the_page_the_browser_checked(listing):
    """A source listing the browser does not open loads exactly the files of the one it opens
    (``HEAVIEST_LISTING``: every 1280 px and 390 px check), all present, nothing from outside,
    and has no more HTML than it: so its first visit weighs no more, and it draws the same way."""
    files, outside = _loaded(listing)
    reference, _ = _loaded(HEAVIEST_LISTING)
    assert not outside, f"{listing} loads from outside: {outside}"
    assert files == reference, f"{listing} loads other files than {HEAVIEST_LISTING}: {sorted(files ^ reference)}"
    assert all((SITE / f).is_file() for f in files), [f for f in files if not (SITE / f).is_file()]
    assert (SITE / listing).stat().st_size <= (SITE / HEAVIEST_LISTING).stat().st_size
    html = (SITE / listing).read_text(encoding="utf-8")
    # no figure, quiz or embedded frame of its own (the listing's code may name them in text)
    assert not re.search(r'<(?:div|form|iframe)\b[^>]*class="[^"]*(?:plotly-graph-div|lc-quiz)', html)
    assert "<iframe" not in html


def test_the_listing_check_sees_what_a_page_loads():
    """The parser of the check above, on the page with the most files: it finds the theme's
    stylesheet and script, and a page that loads something else is told apart."""
    files, outside = _loaded(HEAVIEST_LISTING)
    assert any(f.endswith(".css") for f in files) and any(f.endswith(".js") for f in files), files
    assert not outside
    assert _loaded("book/intro.html")[0] != files  # a chapter loads plotly, MathJax, ...


@pytest.mark.parametrize("path", PAGES)
def test_on_a_phone_nothing_runs_off_the_page_and_figure_labels_do_not_collide(phone, path):
    base, context = phone
    page, log = open_page(context, base, path)  # figures.js has rearranged the figures for the phone
    try:
        assert not log.errors, f"{path} at 390 px: console errors {log.errors}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 391, f"{path}: the page is {width} px wide on a 390 px screen"
        clipped = page.evaluate("""() => Array.from(document.querySelectorAll('div.math, mjx-container[display="true"]'))
            .filter(e => e.scrollWidth > e.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX)).length""")
        assert clipped == 0, f"{path}: {clipped} display equations cut off instead of scrolling"
        hidden = page.evaluate(_SCROLL_HINTS)
        assert not hidden, f"{path} at 390 px: content that scrolls sideways without showing it: {hidden[:4]}"
        figures = page.locator("div.plotly-graph-div")
        for i in range(figures.count()):
            figures.nth(i).scroll_into_view_if_needed()
            hits = figures.nth(i).evaluate(_LABEL_OVERLAPS)
            assert not hits, f"{path}: figure {i} at 390 px: {hits[:4]}"
    finally:
        page.close()
