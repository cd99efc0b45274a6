"""Sphinx extension: what a reader's browser loads on a first visit (loaded from _config.yml).

A page loads only what it uses:

1. **plotly.js** only on pages with figures, and there the smallest bundle whose trace
   modules cover every trace type the page's figures draw (read from the figures' own
   ``Plotly.newPlot`` / ``Plotly.addFrames`` calls). The candidates: plotly.js's official
   bundles (basic, cartesian, gl3d, full; from the npm package ``plotly.js``) and the book's
   own bundle, built from the same package with exactly the trace types the book draws
   (``plotly_bundle.json``, ``plotly_bundle.mjs``); ``make assets`` puts them all in
   ``_vendor/plotly``. A page of scatter plots gets the basic bundle, contours and heatmaps
   the cartesian one, and a page mixing 3-D surfaces with contours or histograms the
   book's bundle (1.9 MB instead of the full 4.8 MB).
2. **MathJax** only on pages with math: Sphinx's own rule (a page with math nodes) plus
   pages whose outputs carry math (quizzes typeset ``\\( ... \\)`` in their HTML).
3. **No FontAwesome JavaScript.** The theme's CSS already draws its icons with the
   FontAwesome webfont; the 1.5 MB script that swaps them for SVGs is left out of the page
   head (``_site/templates/layout.html``). The webfont itself is cut down to the icons
   the pages use (``fa-subset.css``, written after the build; 157 kB -> a few kB).
4. **Extension assets only where used**: sphinx-design's CSS and JS only on pages that use
   its components.
5. **The site's stylesheet** (``_site/static/site.css``): a wider content column, code and
   output that wrap instead of being clipped, display equations that scroll sideways on a
   phone; and on pages with figures ``_site/static/figures.js``, which on a narrow screen
   moves legends below the figure and shrinks titles so they fit.
6. **Launch buttons** (Binder, JupyterHub) come from the theme; it copies the *executed*
   notebook into ``_sources/`` for the download menu. The copy is put back to a notebook
   without outputs, as the build's other extension writes it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Iterable

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent / "_site"

#: The book's own bundle: plotly.js's core (scatter) plus the trace modules listed here.
PLOTLY_BOOK_BUNDLE = json.loads((Path(__file__).resolve().parent / "plotly_bundle.json").read_text())

#: The plotly.js bundles and the trace modules each one contains: the official partial
#: bundles (from their descriptions in plotly.js's ``dist/README.md``) and the book's own.
#: The browser tests compare this table with ``Plotly.PlotSchema.get().traces`` of the
#: shipped files. ``None``: every trace type.
PLOTLY_BUNDLES: dict[str, frozenset[str] | None] = {
    "plotly-basic.min.js": frozenset({"bar", "pie", "scatter"}),
    "plotly-cartesian.min.js": frozenset({
        "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
        "image", "pie", "scatter", "scatterternary", "violin",
    }),
    "plotly-gl3d.min.js": frozenset({
        "cone", "isosurface", "mesh3d", "scatter", "scatter3d", "streamtube", "surface", "volume",
    }),
    PLOTLY_BOOK_BUNDLE["file"]: frozenset({"scatter", *PLOTLY_BOOK_BUNDLE["traces"]}),
    "plotly.min.js": None,
}
PLOTLY_FOLDER = "plotly"  # inside a folder of html_static_path

_PLOTLY_CALL = re.compile(r"Plotly\.(newPlot|addFrames)\(\s*(['\"])[^'\"]+\2\s*,\s*")
_DECODER = json.JSONDecoder()
#: Markers of math that MathJax must typeset in an output (HTML written by lecture_code).
_OUTPUT_MATH = re.compile(r"mathjax_process|\\\(|\\\[|\$\$")


# ---- plotly.js -----------------------------------------------------------------------------
def plotly_trace_types(html: str) -> set[str] | None:
    """Trace types drawn by the plotly figures in ``html``.

    Returns an empty set for a page without figures and ``None`` when the page has a
    plotly figure whose data could not be read (the caller then needs the full bundle).
    """
    types: set[str] = set()
    for match in _PLOTLY_CALL.finditer(html):
        try:
            value, _ = _DECODER.raw_decode(html, match.end())
        except json.JSONDecodeError:
            return None
        if match.group(1) == "newPlot":
            traces = value
        else:  # addFrames: a list of frames, each with its own traces
            traces = [t for frame in value for t in (frame.get("data") or [])]
        types.update(t.get("type", "scatter") for t in traces)
    if not types and "plotly-graph-div" in html:
        return None
    return types


def choose_bundle(types: set[str] | None, sizes: dict[str, int]) -> str:
    """The smallest available bundle (by file size) that contains every trace type."""
    candidates = [
        name for name, modules in PLOTLY_BUNDLES.items()
        if name in sizes and (modules is None or (types is not None and types <= modules))
    ]
    if not candidates:
        raise FileNotFoundError(
            f"no plotly.js bundle draws trace types {sorted(types or [])}; "
            f"found {sorted(sizes)} (run `make assets`)"
        )
    return min(candidates, key=sizes.__getitem__)


def _bundle_sizes(app: Sphinx) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for folder in app.config.html_static_path:
        base = Path(app.confdir, folder, PLOTLY_FOLDER)
        for name in PLOTLY_BUNDLES:
            if (base / name).is_file():
                sizes.setdefault(name, (base / name).stat().st_size)
    return sizes


# ---- math in outputs -----------------------------------------------------------------------
def _note_output_math(app: Sphinx, doctree: nodes.document) -> None:
    """Pages whose HTML outputs carry math need MathJax as much as pages with math nodes."""
    for raw in doctree.findall(nodes.raw):
        if "html" in raw.get("format", "") and _OUTPUT_MATH.search(raw.astext()):
            app.env.get_domain("math").data["has_equations"][app.env.docname] = True
            return


# ---- per-page assets ------------------------------------------------------------------------
def _filename(asset) -> str:
    return str(getattr(asset, "filename", asset) or "")


def _drop(files: list, names: Iterable[str]) -> None:
    files[:] = [f for f in files if not any(_filename(f).endswith(n) for n in names)]


def _page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    types = plotly_trace_types(body)
    if types is None or types:
        sizes = getattr(app, "_plotly_bundle_sizes", None)
        if sizes is None:
            sizes = app._plotly_bundle_sizes = _bundle_sizes(app)
        try:
            bundle = choose_bundle(types, sizes)
        except FileNotFoundError as err:
            LOGGER.warning("[site_assets] %s: %s", pagename, err)
        else:
            if types is None:
                LOGGER.warning("[site_assets] %s: could not read the trace types of a plotly "
                               "figure; loading the full bundle", pagename)
            app.builder.add_js_file(f"{PLOTLY_FOLDER}/{bundle}")  # this page only
            app.builder.add_js_file("figures.js", defer="defer")  # figures on a phone
            context["plotly_bundle"] = bundle
    if "sd-" not in body:
        _drop(context.get("css_files", []), ["sphinx-design.min.css"])
        _drop(context.get("script_files", []), ["design-tabs.js"])


def _strip_notebook_outputs(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Undo the theme's copy of the executed notebook: downloads carry no outputs."""
    if not context.get("ipynb_source"):
        return
    target = Path(app.outdir) / "_sources" / context["ipynb_source"]
    if not target.is_file():
        return
    import nbformat

    notebook = nbformat.read(target, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
    if changed:
        nbformat.write(notebook, target)


# ---- FontAwesome: only the glyphs the pages use ----------------------------------------------
_FA_CLASS = re.compile(r'class="([^"]*\bfa(?:-solid|-regular|-brands|s|r|b)\b[^"]*)"')
_FA_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\([0-9a-f]+)"\}')
_FA_FACES = {  # style class -> (font file stem, CSS family, weight)
    "fa-solid": ("fa-solid-900", "Font Awesome 6 Free", 900),
    "fa-regular": ("fa-regular-400", "Font Awesome 6 Free", 400),
    "fa-brands": ("fa-brands-400", "Font Awesome 6 Brands", 400),
}
_FA_ALIASES = {"fas": "fa-solid", "far": "fa-regular", "fab": "fa-brands"}  # FontAwesome 5 names
FA_SUBSET_CSS = "fa-subset.css"
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_ICON_CHAR = re.compile(r'(?:content:|--pst-icon-[a-z-]+:)\s*"(\\f[0-9a-f]{3}|[\ue000-\uf8ff])"')


def _css_icon_codepoints(static: Path) -> set[int]:
    """Icons the themes' own CSS draws (admonition and toggle icons, custom properties),
    apart from the ``.fa-<name>:before`` class list itself."""
    found: set[int] = set()
    for css in [*static.glob("*.css"), *(static / "styles").glob("*.css")]:
        for selector, body in _CSS_RULE.findall(css.read_text(errors="ignore")):
            if all(part.strip().startswith(".fa-") for part in selector.split(",")):
                continue
            for char in _ICON_CHAR.findall(body):
                found.add(int(char[1:], 16) if char.startswith("\\") else ord(char))
    return found


def _fontawesome_subset(app: Sphinx, exception) -> None:
    """Write ``_static/fa-subset.css``: @font-face rules, later in the cascade than the
    theme's, that point at fonts holding only the glyphs used on the site's pages."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    static = out / "_static"
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    if not theme_css.is_file() or not fonts.is_dir():
        return
    codepoints: dict[str, int] = {}
    for rule in _FA_RULE.finditer(theme_css.read_text()):
        for name in re.findall(r"\.(fa-[a-z0-9-]+):before", rule.group(1)):
            codepoints[name] = int(rule.group(2), 16)
    used: dict[str, set[int]] = {style: set() for style in _FA_FACES}
    for page in out.rglob("*.html"):
        for classes in _FA_CLASS.findall(page.read_text(errors="ignore")):
            names = [_FA_ALIASES.get(n, n) for n in classes.split()]
            for style in _FA_FACES:
                if style in names:
                    used[style].update(codepoints[n] for n in names if n in codepoints)
    from fontTools import subset

    # the themes' CSS uses solid icons (font-weight 900) for admonitions and toggles
    used["fa-solid"] |= _css_icon_codepoints(static)
    rules = []
    for style, glyphs in used.items():
        stem, family, weight = _FA_FACES[style]
        if not glyphs or not (fonts / f"{stem}.woff2").is_file():
            continue
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = []
        font = subset.load_font(str(fonts / f"{stem}.woff2"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(glyphs))
        subsetter.subset(font)
        target = static / "fa-subset" / f"{stem}.woff2"
        target.parent.mkdir(exist_ok=True)
        subset.save_font(font, str(target), options)
        rules.append(f'@font-face{{font-display:block;font-family:"{family}";font-style:normal;'
                     f'font-weight:{weight};src:url(fa-subset/{stem}.woff2) format("woff2")}}')
    (static / FA_SUBSET_CSS).write_text(
        "/* FontAwesome cut down to the icons this site uses (book/_ext/site_assets.py). */\n"
        + "\n".join(rules) + "\n")


def _signature(app: Sphinx, config) -> str:
    """What the pages' asset choices depend on besides their own content: this extension,
    its templates and static files, and the plotly.js bundles on offer (build_inputs)."""
    from build_inputs import inputs_hash

    return inputs_hash(signature_inputs(app.confdir, config.html_static_path), Path(app.confdir))[:16]


def signature_inputs(confdir, static_path) -> list[Path]:
    """The files and folders :func:`_signature` hashes, relative to the book's root ``confdir``."""
    root = Path(confdir).resolve()
    inputs = [Path(__file__).resolve(), Path(__file__).resolve().parent / "plotly_bundle.json", HERE]
    inputs += [(root / folder / PLOTLY_FOLDER).resolve() for folder in static_path]
    return [p.relative_to(root) for p in inputs if p.is_relative_to(root)]


def _add_paths(app: Sphinx, config) -> None:
    config.templates_path.insert(0, str(HERE / "templates"))
    config.html_static_path.append(str(HERE / "static"))
    if not config.html_favicon:  # else every browser asks for /favicon.ico and logs a 404
        config.html_favicon = str(HERE / "favicon.svg")
    # a changed choice (a new bundle, a changed rule) rewrites every page, not only edited ones
    config.site_assets_signature = _signature(app, config)


def _fresh_source_pages(app: Sphinx) -> None:
    """sphinx.ext.viewcode rewrites a module's source page only when the module is newer than
    the page, so a changed template or asset choice would never reach the ``_modules/`` pages
    of an incremental build: remove them and let viewcode write them all (a second or two)."""
    shutil.rmtree(Path(app.outdir) / "_modules", ignore_errors=True)


def setup(app: Sphinx):
    app.connect("builder-inited", _fresh_source_pages)
    app.add_config_value("site_assets_signature", "", "html")
    app.connect("config-inited", _add_paths)
    app.add_css_file("site.css", priority=900)
    app.add_css_file(FA_SUBSET_CSS, priority=900)  # written by _fontawesome_subset
    app.connect("build-finished", _fontawesome_subset)
    app.connect("doctree-read", _note_output_math)
    app.connect("html-page-context", _page_assets, priority=600)
    # after the theme's launch buttons (priority 500) have copied the executed notebook
    app.connect("html-page-context", _strip_notebook_outputs, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
