"""Light and dark mode in headless Chromium, with axe-core's accessibility checks.

The site follows the reader's system setting (`color_scheme` here). For one page of every
type, in both modes: axe-core (npm, injected into the page under test, never shipped) finds
no WCAG 2.0/2.1/2.2 A or AA violation, and in dark mode no figure is a white box (nor sits,
like a quiz or a result table, in the theme's light frame for HTML outputs), every
figure's text and traces stand out from the dark background, and quiz checkboxes look
empty until ticked. A theme switch on an open page recolours its figures, slider frames
included, and switching back restores the build's colours exactly.

To look at the pages as a reader does (1280 and 390 px, both modes)::

    .venv/bin/python -m tests.test_site_dark /tmp/shots
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.sitecheck import ROOT, SITE, chromium, open_page, serve

pytestmark = pytest.mark.browser

#: Limit for a page to load and settle (the site's heaviest chapters on a busy 2-core machine).
TIMEOUT_MS = 120_000

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: One page of every kind the site has (the lightest of each kind: axe-core takes seconds a page).
PAGE_TYPES = {
    "chapter with figures, sliders, quiz": "book/intro.html",
    "torch chapter with 3-D figures and tables": "book/landscape.html",
    "exercise": "exercises/adam.html",
    "API reference": "book/api/landscape.html",
    "library source": "_modules/lecture_code/core/glue.html",
    "bibliography": "book/bibliography.html",
    "index": "genindex.html",
    "search results": "search.html?q=momentum",
}

_AXE_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""

#: Every plotly figure's colours as drawn: backgrounds, the text colour, and each trace's line
#: and marker colours (strings only: colour scales and per-point numbers are data).
_FIGURE_COLOURS = """() => Array.from(document.querySelectorAll('div.plotly-graph-div')).map(gd => {
  const L = gd._fullLayout, scenes = Object.keys(L).filter(k => /^scene\\d*$/.test(k));
  const traces = [];
  gd._fullData.forEach(t => {
    // lines and markers drawn on the background (a contour's or surface's lines lie on its own fill)
    if (t.visible !== true || !['scatter', 'scattergl', 'scatter3d', 'bar', 'histogram', 'box'].includes(t.type)) return;
    for (const c of [t.line && t.line.color, t.marker && t.marker.color]) {
      if (typeof c === 'string' && !(t.fill && t.fill !== 'none' && c === t.fillcolor)) traces.push(c);
    }
  });
  return {paper: L.paper_bgcolor, plot: L.plot_bgcolor, font: L.font.color,
          scenes: scenes.map(s => L[s].xaxis.backgroundcolor), traces,
          annotations: (L.annotations || []).filter(a => a.text).map(a => a.font.color)};
})"""

_RGBA = """(colours) => colours.map(c => { const x = document.createElement('canvas').getContext('2d');
  x.fillStyle = c; const v = x.fillStyle; let m = /^#(..)(..)(..)$/.exec(v);
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16), 1];
  m = /rgba\\((\\d+), (\\d+), (\\d+), ([\\d.]+)\\)/.exec(v); return [+m[1], +m[2], +m[3], +m[4]]; })"""


def _luminance(c) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in c[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _over(c, bg):
    a = c[3]
    return [c[k] * a + bg[k] * (1 - a) for k in range(3)] + [1]


def _contrast(a, b) -> float:
    x, y = _luminance(a), _luminance(b)
    return (max(x, y) + 0.05) / (min(x, y) + 0.05)


@pytest.fixture(scope="module")
def browser():
    assert SITE.is_dir(), "the site is not built: run `make book` first"
    assert AXE.is_file(), "axe-core is missing: run `npm ci` (make test does)"
    with serve() as base, chromium() as instance:
        contexts = {mode: instance.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
                    for mode in ("light", "dark")}
        for context in contexts.values():   # the heaviest pages, on a busy machine
            context.set_default_timeout(TIMEOUT_MS)
        yield base, contexts
        for context in contexts.values():
            context.close()


def _axe(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text())
    return page.evaluate(_AXE_RUN, WCAG)


def _check_figures_dark(page, path: str) -> None:
    bg = page.evaluate(_RGBA, [page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--pst-color-background').trim()")])[0]
    assert _luminance(bg) < 0.05, f"{path}: the dark page's background is {bg}"
    for i, fig in enumerate(page.evaluate(_FIGURE_COLOURS)):
        paper, plot, font, *scenes = page.evaluate(_RGBA, [fig["paper"], fig["plot"], fig["font"], *fig["scenes"]])
        assert _contrast(_over(paper, bg), bg) < 1.1, f"{path}: figure {i} is a light box ({fig['paper']}) in dark mode"
        assert _contrast(_over(plot, bg), bg) < 1.1, f"{path}: figure {i}'s plot area is {fig['plot']} in dark mode"
        for scene in scenes:
            assert _luminance(_over(scene, bg)) < 0.05, f"{path}: figure {i}'s 3-D scene is light"
        assert _contrast(font, bg) >= 4.5, f"{path}: figure {i}'s text {fig['font']} is hard to read on {bg}"
        for c, name in zip(page.evaluate(_RGBA, fig["annotations"]), fig["annotations"]):
            assert _contrast(_over(c, bg), bg) >= 4.5, f"{path}: figure {i}: a status line or title in {name}"
        for c, name in zip(page.evaluate(_RGBA, fig["traces"]), fig["traces"]):
            if c[3] >= 0.6:   # translucent bands are backgrounds of a line, not lines
                assert _contrast(_over(c, bg), bg) >= 3, f"{path}: figure {i}: a trace in {name} vanishes on {bg}"


#: The wrapper of every HTML output the book draws (figure, quiz, result table): its background,
#: padding and text colour as computed.
_OUTPUT_FRAMES = """() => Array.from(document.querySelectorAll('div.cell_output .output.text_html'))
  .filter(e => e.querySelector('.plotly-graph-div, .lc-quiz, .lc-table'))
  .map(e => { const s = getComputedStyle(e);
    return {what: e.querySelector('.plotly-graph-div') ? 'figure' : e.querySelector('.lc-quiz') ? 'quiz' : 'table',
            background: s.backgroundColor, color: s.color,
            padding: [s.paddingTop, s.paddingRight, s.paddingBottom, s.paddingLeft]}; })"""


def _check_output_frames(page, path: str) -> None:
    """In dark mode the book's figures, quizzes and tables sit on the page itself: no light
    frame around them (the theme's frame for HTML outputs), and their text stays readable."""
    bg = page.evaluate(_RGBA, [page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--pst-color-background').trim()")])[0]
    for i, frame in enumerate(page.evaluate(_OUTPUT_FRAMES)):
        background, color = page.evaluate(_RGBA, [frame["background"], frame["color"]])
        assert _contrast(_over(background, bg), bg) < 1.1, \
            f"{path}: output {i} ({frame['what']}) sits on a {frame['background']} frame in dark mode"
        assert set(frame["padding"]) == {"0px"}, f"{path}: output {i} ({frame['what']}) is padded: {frame['padding']}"
        assert _contrast(color, bg) >= 4.5, f"{path}: output {i} ({frame['what']}) has text in {frame['color']} on {bg}"


def _mean_luminance(png: bytes) -> float:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = image.size
    centre = image.crop((w // 4, h // 4, w - w // 4, h - h // 4))
    pixels = list(centre.get_flattened_data()) if hasattr(centre, 'get_flattened_data') else list(centre.getdata())
    return sum(_luminance(p) for p in pixels) / len(pixels)


def _check_quiz_boxes(page, path: str) -> None:
    """An unticked box looks like its quiz's background (empty); a ticked one stands out."""
    quiz = page.locator(".lc-quiz").first
    box = quiz.locator("input[type=checkbox]").first
    box.scroll_into_view_if_needed()
    box.uncheck()
    background = page.evaluate(_RGBA, [quiz.evaluate("(e) => getComputedStyle(e).backgroundColor")])[0]
    empty = _mean_luminance(box.screenshot())
    box.check()
    ticked = _mean_luminance(box.screenshot())
    box.uncheck()
    ratio = (max(empty, _luminance(background)) + 0.05) / (min(empty, _luminance(background)) + 0.05)
    assert ratio < 1.6, f"{path}: an unticked box looks filled (luminance {empty:.3f} on {background})"
    assert (max(empty, ticked) + 0.05) / (min(empty, ticked) + 0.05) > 2, \
        f"{path}: ticked and unticked boxes look alike ({ticked:.3f} / {empty:.3f})"


@pytest.mark.parametrize("kind", list(PAGE_TYPES))
def test_every_page_type_in_dark_and_light_mode(browser, kind):
    """The page opened with the system in dark mode, checked, then switched to light (the
    theme's switch) and checked again: one page load for both modes."""
    base, contexts = browser
    path = PAGE_TYPES[kind]
    page, log = open_page(contexts["dark"], base, path)
    try:
        page.wait_for_timeout(500)   # the theme's script resolves "auto", figures.js settles
        assert page.evaluate("document.documentElement.dataset.theme") == "dark", f"{path} does not follow the system's dark mode"
        if path.startswith("search.html"):
            page.wait_for_function("() => document.querySelectorAll('#search-results li p.context').length >= 3",
                                   timeout=TIMEOUT_MS)
        _check_figures_dark(page, path)
        _check_output_frames(page, path)
        if page.locator(".lc-quiz input[type=checkbox]").count():
            _check_quiz_boxes(page, path)
        violations = _axe(page)
        assert not violations, f"{path} (dark): axe-core finds WCAG A/AA violations: {violations}"
        _switch(page, "light")
        violations = page.evaluate(_AXE_RUN, WCAG)
        assert not violations, f"{path} (light): axe-core finds WCAG A/AA violations: {violations}"
        assert not log.errors and not log.failed, f"{path}: {log.errors} {log.failed}"
    finally:
        page.evaluate("localStorage.clear()")   # the switch is remembered: the next page follows the system again
        page.close()


def _switch(page, theme: str) -> None:
    """Click the theme's switch (light -> dark -> auto) until the page shows ``theme``."""
    for _ in range(4):
        if page.evaluate("document.documentElement.dataset.theme") == theme:
            break
        page.locator("button.theme-switch-button").first.click()
        page.wait_for_timeout(200)
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    # the switch's tooltip ("Color mode") fades out once the pointer leaves it
    page.mouse.move(5, 600)
    page.wait_for_function("() => !document.querySelector('.tooltip')", timeout=10000)
    page.wait_for_timeout(300)


_ALL_COLOURS = """() => Array.from(document.querySelectorAll('div.plotly-graph-div')).map(gd => JSON.stringify({
  layout: JSON.stringify(gd.layout, (k, v) => /color$/i.test(k) || typeof v === 'object' ? v : undefined),
  data: gd.data.map(t => JSON.stringify(t, (k, v) => /color$/i.test(k) || (typeof v === 'object' && !ArrayBuffer.isView(v) && !(v && v.bdata)) ? v : undefined)),
  frames: ((gd._transitionData || {})._frames || []).length}))"""


def test_switching_the_theme_recolours_figures_and_their_frames_and_back(browser):
    base, contexts = browser
    page, log = open_page(contexts["light"], base, "book/momentum.html")
    try:
        light = page.evaluate(_ALL_COLOURS)
        _switch(page, "dark")
        _check_figures_dark(page, "book/momentum.html (switched to dark)")
        # a slider frame drawn after the switch is dark too
        gd = next(page.locator("div.plotly-graph-div").nth(i) for i in range(page.locator("div.plotly-graph-div").count())
                  if page.locator("div.plotly-graph-div").nth(i).evaluate("(gd) => (gd.layout.sliders || []).length"))
        labels = gd.locator("g.slider-group").first.locator("g.slider-label-group")
        labels.nth(labels.count() - 1).click(force=True)
        page.wait_for_timeout(400)
        _check_figures_dark(page, "book/momentum.html (dark, slider moved)")
        labels.nth(gd.evaluate("(gd) => gd._lcDefault ? gd._lcDefault[0] : 0")).click(force=True)
        page.wait_for_timeout(400)
        _switch(page, "light")
        assert page.evaluate(_ALL_COLOURS) == light, "switching back to light does not restore the figures' colours"
        assert not log.errors, log.errors
    finally:
        page.evaluate("localStorage.clear()")
        page.close()


def main(argv: list[str]) -> int:
    """Screenshots of every page type at 1280 and 390 px in both modes (to look at)."""
    out = Path(argv[0] if argv else "/tmp/site-shots")
    out.mkdir(parents=True, exist_ok=True)
    with serve() as base, chromium() as instance:
        for mode in ("light", "dark"):
            for width in (1280, 390):
                context = instance.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
                for path in PAGE_TYPES.values():
                    page, log = open_page(context, base, path)
                    page.wait_for_timeout(1500)
                    name = path.replace("/", "_").replace("?", "_").replace("=", "_")
                    page.screenshot(path=str(out / f"{name}-{mode}-{width}.png"))
                    figures = page.locator("div.plotly-graph-div")
                    for i in range(min(figures.count(), 3)):
                        figures.nth(i).scroll_into_view_if_needed()
                        figures.nth(i).screenshot(path=str(out / f"{name}-fig{i}-{mode}-{width}.png"))
                    if page.locator(".lc-quiz").count():
                        page.locator(".lc-quiz").first.scroll_into_view_if_needed()
                        page.locator(".lc-quiz").first.screenshot(path=str(out / f"{name}-quiz-{mode}-{width}.png"))
                    print(path, mode, width, "errors:", log.errors)
                    page.close()
                context.close()
    print("screenshots in", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
