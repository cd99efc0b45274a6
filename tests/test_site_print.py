"""Printing a chapter (headless Chromium): figures fit the paper, sliders show their default.

A reader prints a page that was laid out for a wide screen: the browser fires `beforeprint`,
lays the page out again at the paper's width without telling the figures (no resize event),
prints, and fires `afterprint`. The test does the same: it opens a chapter at 1280 px, moves
a slider, takes away plotly's resize handler, fires `beforeprint` and switches to print media
with a paper-wide column (A4 portrait: 180 mm of text, 680 px). `page.pdf()`, which fires
the events itself, prints a dark page.
"""

from __future__ import annotations

import pytest

from tests.sitecheck import SITE, chromium, open_page, serve

pytestmark = pytest.mark.browser

#: Limit for a page to load and settle (the site's heaviest chapters on a busy 2-core machine).
TIMEOUT_MS = 120_000

PAPER_COLUMN_PX = 680

#: What each figure shows in print: its box, its column, visible controls, the print note.
_PRINTED = """() => Array.from(document.querySelectorAll('div.plotly-graph-div')).map(gd => {
  const box = gd.getBoundingClientRect(), column = gd.closest('article').getBoundingClientRect();
  const visible = (sel) => Array.from(gd.querySelectorAll(sel)).filter(e => {
    const b = e.getBoundingClientRect(); return getComputedStyle(e).display !== 'none' && b.width > 0 && b.height > 0; }).length;
  const svg = gd.querySelector('svg.main-svg');
  const note = gd.parentNode.querySelector('.lc-print-note');
  return {width: box.width, height: box.height, column: column.width,
          svgWidth: svg.getBoundingClientRect().width, scale: svg.getScreenCTM().a,
          drawn: gd._fullLayout.width, sliders: (gd.layout.sliders || []).length,
          controls: visible('g.slider-container') + visible('g.updatemenu-container') + visible('.modebar-container'),
          note: note && getComputedStyle(note).display !== 'none' ? note.textContent : null};
})"""

#: What a figure's traces hold (data, not pixels: a redraw may choose other axis ranges).
_DATA = """(gd) => JSON.stringify(gd._fullData.map(t => ['x', 'y', 'z'].map(k => t[k] ? Array.from(t[k]) : null)))"""

#: The traces' SVG paths of a figure: what is drawn.
_PATHS = """(el) => Array.from(el.querySelectorAll('.scatterlayer path.js-line, .scatterlayer path.point'))
  .map(p => p.getAttribute('d')).join('|')"""


@pytest.fixture(scope="module")
def browser():
    assert SITE.is_dir(), "the site is not built: run `make book` first"
    with serve() as base, chromium() as instance:
        yield base, instance


@pytest.fixture(scope="module")
def printed(browser):
    """momentum.html laid out for print after its first slider figure's slider was moved."""
    base, instance = browser
    context = instance.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page, log = open_page(context, base, "book/momentum.html")
    page.wait_for_timeout(800)
    figures = page.locator("div.plotly-graph-div")
    moved = next(i for i in range(figures.count()) if figures.nth(i).evaluate("(gd) => (gd.layout.sliders || []).length"))
    gd = figures.nth(moved)
    default_paths = gd.evaluate(_PATHS)
    default_step = gd.evaluate("(gd) => gd.layout.sliders[0].active || 0")
    labels = gd.locator("g.slider-group").first.locator("g.slider-label-group")
    target = 0 if default_step else labels.count() - 1
    labels.nth(target).click(force=True)
    page.wait_for_timeout(500)
    moved_paths, moved_data = gd.evaluate(_PATHS), gd.evaluate(_DATA)
    assert moved_paths != default_paths, "the slider did not change the figure"
    # printing lays the page out again at the paper's width without a resize event
    page.evaluate("() => document.querySelectorAll('div.plotly-graph-div').forEach(gd => "
                  "window.removeEventListener('resize', gd._responsiveChartHandler))")
    page.add_style_tag(content=f"@media print {{ .bd-article-container {{ max-width: {PAPER_COLUMN_PX}px !important; }} }}")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    printed_paths = gd.evaluate(_PATHS)
    figures = page.evaluate(_PRINTED)
    page.emulate_media(media="screen")
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    yield {"page": page, "log": log, "figures": figures, "moved": moved, "default_paths": default_paths,
           "printed_paths": printed_paths, "moved_data": moved_data, "after_data": gd.evaluate(_DATA),
           "after_step": gd.evaluate("(gd) => gd.layout.sliders[0].active"), "target": target}
    context.close()


def test_printed_figures_fit_the_paper(printed):
    figures = printed["figures"]
    assert figures, "no figures on the page"
    for i, f in enumerate(figures):
        assert f["column"] <= PAPER_COLUMN_PX + 1
        assert f["width"] <= f["column"] + 1, f"figure {i}: {f['width']:.0f} px wide in a {f['column']:.0f} px column"
        assert f["svgWidth"] <= f["column"] + 1, f"figure {i}: its drawing is {f['svgWidth']:.0f} px wide"
        if f["drawn"] > f["column"] + 1:   # drawn for the screen: scaled down, whole
            assert f["scale"] < 1 and abs(f["drawn"] * f["scale"] - f["svgWidth"]) < 2, f"figure {i}: {f}"


def test_printed_slider_figures_show_their_default_without_dead_controls(printed):
    figures = printed["figures"]
    for i, f in enumerate(figures):
        assert f["controls"] == 0, f"figure {i}: {f['controls']} sliders, play buttons or toolbars printed"
        if f["sliders"]:
            assert f["note"] and f["note"].startswith("Printed at "), f"figure {i}: no line naming the shown values"
    # the moved figure prints its default frame, not the frame the reader left it at ...
    assert printed["printed_paths"] == printed["default_paths"]
    # ... and is back where the reader left it after printing
    assert printed["after_data"] == printed["moved_data"] and printed["after_step"] == printed["target"]
    assert not printed["log"].errors, printed["log"].errors


def test_the_default_values_are_named_under_the_figure(printed):
    page = printed["page"]
    gd = page.locator("div.plotly-graph-div").nth(printed["moved"])
    expected = gd.evaluate("""(gd) => gd.layout.sliders.map((s, k) => ((s.currentvalue && s.currentvalue.prefix) || '').trim()
        + ' ' + s.steps[gd._lcDefault[k]].label)""")
    note = printed["figures"][printed["moved"]]["note"]
    for part in expected:
        assert part in note, f"{part!r} missing from {note!r}"


def test_a_dark_page_prints_light_and_turns_dark_again(browser):
    """page.pdf() prints as the browser's print dialog does (beforeprint, print, afterprint):
    while printing, the page and its figures are in the light theme."""
    base, instance = browser
    context = instance.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page, log = open_page(context, base, "book/intro.html")
        page.wait_for_timeout(500)
        figure = "document.querySelector('div.plotly-graph-div')"
        assert page.evaluate(f"{figure}._lcTheme") == "dark"
        page.evaluate(f"""() => {{ window.__printed = null;
          window.addEventListener('beforeprint', () => {{ window.__printed = [
            document.documentElement.dataset.theme, {figure}._lcTheme, {figure}._fullLayout.paper_bgcolor]; }}); }}""")
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        theme, figure_theme, paper = page.evaluate("window.__printed")
        assert (theme, figure_theme) == ("light", "light") and paper.lower() in ("white", "#fff", "#ffffff"), \
            f"printed in {theme} / {figure_theme} / {paper}"
        page.wait_for_timeout(300)
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        assert page.evaluate(f"{figure}._lcTheme") == "dark"
        assert not log.errors, log.errors
    finally:
        context.close()
