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
   output that wrap instead of being clipped, equations and tables that scroll sideways on a
   phone with a shadow over the edge that hides more; dark mode for what the theme does not
   colour (quizzes, result tables, the "Run in the browser" box; the book's figures, quizzes
   and tables without the theme's light frame for HTML outputs); print rules (figures scaled to the paper, no slider controls). On pages with figures ``_site/static/figures.js``, which on a
   narrow screen moves legends below the figure and shrinks titles so they fit, gives the
   figures the page's dark colours and makes them fit a printed page. On every page
   ``_site/static/site.js`` (equations and tables that overflow get into the tab order and
   show which edge hides more).
6. **Addresses that work.** The launch buttons (Binder, JupyterHub, Colab) and the repository
   buttons (repository, "Suggest an edit", "Report an error on this page") are offered only
   for addresses that can work: an empty address turns its button off, and a placeholder
   (``your-course/...``, ``hub.example.org``, ``<your-org>``: :func:`address_problem`) is
   treated as empty and named in a loud notice of the build (not a Sphinx warning, so a
   strict build still passes). Launch buttons need a repository; the repository buttons
   appear as soon as ``repository.url`` is a real address.
7. **Downloads**: every notebook page offers its notebook (``_sources/<page>.ipynb``,
   without outputs) whether or not launch buttons are configured.
8. **Search page**: ``_site/static/search.js`` ranks chapters above API entries and shows
   snippets with formulas as text (``η²``), not raw LaTeX.
9. **Deployment**: ``.nojekyll`` in the output, so GitHub Pages serves ``_static/`` & co.
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
    if 'role="doc-biblioentry"' in body:
        # docutils writes bibliography entries with a role that ARIA 1.2 deprecated, inside a
        # role="list" that then has no list items (axe-core: aria-required-children)
        body = context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')
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
            # figures on a phone, in dark mode and in print: right after plotly.js, before
            # the page draws its figures (it wraps Plotly.newPlot for dark mode)
            app.builder.add_js_file("figures.js")
            context["plotly_bundle"] = bundle
    if "sd-" not in body:
        _drop(context.get("css_files", []), ["sphinx-design.min.css"])
        _drop(context.get("script_files", []), ["design-tabs.js"])
    toctree = context.get("generate_toctree_html")
    if callable(toctree):
        context["generate_toctree_html"] = lambda *a, **k: _named_toggles(str(toctree(*a, **k)))


_TOGGLE = re.compile(r'(<a [^>]*>(.*?)</a>\s*<details[^>]*>\s*)<summary>(?=<span class="toctree-toggle")')


def _named_toggles(html: str) -> str:
    """The navigation's fold-out toggles (a chevron and nothing else) get an accessible name:
    the entry they open, so a screen reader does not announce an empty button."""
    import html as html_lib

    def name(match: re.Match) -> str:
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip()
        label = html_lib.escape(f"Pages under {text}", quote=True)
        return f'{match.group(1)}<summary aria-label="{label}">'

    return _TOGGLE.sub(name, html)


# ---- addresses: launch and repository buttons -----------------------------------------------
#: Host names for examples: reserved (RFC 2606 / RFC 6761: nothing answers there), and
#: example.edu, which documentation uses the same way.
_RESERVED_HOSTS = ("example.com", "example.net", "example.org", "example.edu")
_RESERVED_SUFFIXES = (".example", ".invalid", ".test", ".localhost")
#: A host label or path segment that stands for "fill in your own": your-course, your_org,
#: yourusername, <your-org>, {org}, ...
_PLACEHOLDER_PART = re.compile(
    r"^your([-_].*|org|orgname|name|user|username|repo|repository|course|hub|university|school)?$"
    r"|[<>{}]|^(changeme|placeholder|xxx+|todo|fixme)$",
    re.IGNORECASE,
)
#: _config.yml's names of the addresses the buttons use, and the theme options holding them.
_LAUNCH_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url")


def address_problem(url: str) -> str | None:
    """Why ``url`` cannot be a working button's address, or ``None`` if it can.

    A placeholder is an address of a host reserved for examples (``example.org`` and its
    subdomains, ``*.example``, ``*.invalid``, ``*.test``), one with a host label or path
    segment such as ``your-course``, ``yourorg`` or ``<your-org>``, or one that is not an
    ``http(s)://`` address with a host. The empty string has no problem: it means "off".
    """
    from urllib.parse import unquote, urlsplit

    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "not an http(s):// address with a host"
    if host in _RESERVED_HOSTS or host.endswith(tuple("." + h for h in _RESERVED_HOSTS)) \
            or host.endswith(_RESERVED_SUFFIXES):
        return f"{host} is reserved for examples"
    for part in [*host.split("."), *unquote(parts.path).split("/")]:
        if part and _PLACEHOLDER_PART.search(part):
            return f"{part!r} is a placeholder"
    return None


def _provider(repo_url: str, options: dict) -> str:
    """github, gitlab, bitbucket or '' (another host: a repository link only)."""
    given = str(options.get("repository_provider") or "").lower()
    if given:
        return given
    host = repo_url.split("://", 1)[-1].split("/", 1)[0].lower()
    for name in ("github", "gitlab", "bitbucket"):
        if name in host:
            return name
    return ""


def _check_addresses(app: Sphinx, config) -> None:
    """Turn off every button whose address is empty or a placeholder, and say so.

    Runs before the theme reads its options: the theme then draws launch buttons only for
    working addresses; the repository buttons are this extension's (:func:`_repository_buttons`).
    """
    options = config.html_theme_options
    launch = dict(options.get("launch_buttons") or {})
    repo = str(options.get("repository_url") or "").strip()
    problems: list[tuple[str, str, str]] = []
    problem = address_problem(repo)
    if problem:
        problems.append(("repository.url", repo, problem))
        repo = ""
    off = []
    for key in _LAUNCH_KEYS:
        url = str(launch.get(key) or "").strip()
        problem = address_problem(url)
        if problem:
            problems.append((f"launch_buttons.{key}", url, problem))
        if problem or not repo:  # launch buttons open the repository: none without one
            if url and not problem:
                off.append(f"launch_buttons.{key}")
            launch[key] = ""
    options["launch_buttons"] = launch
    options["repository_url"] = repo
    # the theme's own repository buttons stay off: this extension draws them (page named in
    # the issue's title, a button only for a page that has a source file)
    for key in ("use_repository_button", "use_issues_button", "use_edit_page_button", "use_source_button"):
        options[key] = False
    config.site_repository = repo
    _announce(problems, off, repo)


def _announce(problems: list[tuple[str, str, str]], off: list[str], repo: str) -> None:
    from sphinx.util.console import bold, red, yellow

    if problems:
        rule = "=" * 78
        lines = [rule, "PLACEHOLDER ADDRESSES IN _config.yml: their buttons are left out of the site",
                 *(f"  {name}: {url}\n      ({why})" for name, url, why in problems),
                 "Set your own addresses, or \"\" to turn a button off (README: \"Launch buttons\").",
                 rule]
        for line in lines:
            LOGGER.info(bold(red(line)) if line is lines[1] or line == rule else yellow(line))
    if not repo:
        LOGGER.info(bold("[site_assets] no repository.url in _config.yml: no launch buttons "
                         "(Binder, JupyterHub) and no repository, edit or issue buttons")
                    + (f" ({', '.join(off)} set but unused)" if off else ""))


def _source_path(app: Sphinx, pagename: str) -> str | None:
    """The page's source file, relative to the repository root (None for generated pages)."""
    if pagename not in app.env.all_docs:
        return None
    rel = Path(app.env.doc2path(pagename)).resolve().relative_to(Path(app.srcdir).resolve()).as_posix()
    prefix = str(app.config.html_theme_options.get("path_to_docs") or "").strip("/")
    return f"{prefix}/{rel}" if prefix else rel


def repository_links(repo: str, branch: str, provider: str, source: str | None, pagename: str,
                     title: str, page_url: str) -> list[dict]:
    """The repository buttons of one page: the repository, "Suggest an edit" (only for a
    page with a source file, on GitHub and GitLab) and "Report an error on this page" (on
    GitHub and GitLab: a new issue whose title names the page)."""
    from urllib.parse import quote, urlencode

    repo = repo.rstrip("/")
    icon = {"github": "fa-brands fa-github", "gitlab": "fa-brands fa-gitlab",
            "bitbucket": "fa-brands fa-bitbucket"}.get(provider, "fa-solid fa-code-branch")
    links = [dict(type="link", url=repo, text="Repository", tooltip="Source repository",
                  icon=icon, label="source-repository-button")]
    if source and provider in ("github", "gitlab"):
        edit = f"{repo}/edit/{branch}/{quote(source)}" if provider == "github" \
            else f"{repo}/-/edit/{branch}/{quote(source)}"
        links.append(dict(type="link", url=edit, text="Suggest an edit", tooltip="Suggest an edit",
                          icon="fa-solid fa-pencil", label="source-edit-button"))
    if provider in ("github", "gitlab"):
        issue_title = f"Error on the page “{title}” ({pagename}.html)"
        body = (f"Page: {page_url}\n\nWhat is wrong (quote the sentence, formula, figure or "
                f"cell output), and what you expected instead:\n\n")
        query = urlencode({"title": issue_title, "body": body} if provider == "github"
                          else {"issue[title]": issue_title, "issue[description]": body}, quote_via=quote)
        new = "issues/new" if provider == "github" else "-/issues/new"
        links.append(dict(type="link", url=f"{repo}/{new}?{query}", text="Report an error on this page",
                          tooltip="Report an error on this page", icon="fa-solid fa-bug",
                          label="source-issues-button"))
    return links


def _repository_buttons(app: Sphinx, pagename, templatename, context, doctree) -> None:
    repo = app.config.site_repository
    buttons = context.get("header_buttons")
    if not repo or buttons is None:
        return
    import html as html_lib

    options = app.config.html_theme_options
    branch = str(options.get("repository_branch") or "main")
    title = html_lib.unescape(re.sub(r"<[^>]+>", "", str(context.get("title") or pagename)))
    base = (app.config.html_baseurl or "").rstrip("/")
    page_url = f"{base}/{pagename}.html" if base else f"{pagename}.html"
    links = repository_links(repo, branch, _provider(repo, options),
                             _source_path(app, pagename) if doctree is not None else None,
                             pagename, title, page_url)
    group = dict(type="group", tooltip="Source repository", icon=links[0]["icon"], buttons=links,
                 label="source-buttons")
    # after the launch menu, where the theme puts its own source buttons
    at = next((i + 1 for i, b in enumerate(buttons) if b.get("label") == "launch-buttons"), 0)
    buttons.insert(at, group)


# ---- file names in the text become links ----------------------------------------------------
#: Inline code that names a path of the repository (``lecture_code/core/interactive.py``).
_REPO_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+/?")


def repository_file_url(repo: str, branch: str, provider: str, path: str, is_dir: bool) -> str | None:
    """Where the repository's host shows ``path`` (None: a host whose file pages we don't know)."""
    from urllib.parse import quote

    repo, path = repo.rstrip("/"), quote(path.strip("/"))
    kind = "tree" if is_dir else "blob"
    if provider == "github":
        return f"{repo}/{kind}/{branch}/{path}"
    if provider == "gitlab":
        return f"{repo}/-/{kind}/{branch}/{path}"
    if provider == "bitbucket":
        return f"{repo}/src/{branch}/{path}"
    return None


def _inside(node: nodes.Node, kinds: tuple) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parent
    return False


def _link_repository_paths(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Inline code naming a file or folder of the repository (``lecture_code/core/interactive.py``)
    becomes a link: to the file on the repository's host when the book has an address
    (``repository.url``), else, for a module of the library, to its entry in the API reference.
    Anything else stays text (no link that leads nowhere)."""
    root = Path(app.srcdir).resolve()
    repo = app.config.site_repository
    options = app.config.html_theme_options
    branch = str(options.get("repository_branch") or "main")
    provider = _provider(repo, options) if repo else ""
    modules = app.env.get_domain("py").data.get("modules", {})
    for literal in list(doctree.findall(nodes.literal)):
        if _inside(literal, (nodes.reference, nodes.literal_block, nodes.title)):
            continue
        text = literal.astext().strip()
        if not _REPO_PATH.fullmatch(text) or ".." in text.split("/"):
            continue
        target = root / text
        if not target.exists() or root not in target.resolve().parents:
            continue
        url = repository_file_url(repo, branch, provider, text, target.is_dir()) if repo else None
        if url is None and text.endswith(".py") and not target.is_dir():
            module = text[:-3].replace("/", ".").removesuffix(".__init__")
            entry = modules.get(module)
            if entry is not None:
                url = app.builder.get_relative_uri(docname, entry.docname) + "#" + entry.node_id
        if url is None:
            continue
        link = nodes.reference("", "", refuri=url, internal=not url.startswith(("http://", "https://")))
        if link["internal"] is False:
            link["classes"].append("external")
        literal.replace_self(link)
        link += literal


# ---- downloads ------------------------------------------------------------------------------

def _offer_notebook(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Every notebook page offers its notebook in the download menu, launch buttons or not
    (the theme copies it only when it draws launch buttons): the executed notebook, written
    into ``_sources/`` without its outputs."""
    if context.get("ipynb_source") or doctree is None or pagename not in app.env.metadata:
        return
    is_notebook = "kernelspec" in app.env.metadata[pagename] or \
        str(context.get("page_source_suffix", "")).endswith("ipynb")
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not is_notebook or not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"
    _strip_notebook_outputs(app, pagename, templatename, context, doctree)


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


def _fresh_source_pages(app: Sphinx):
    """sphinx.ext.viewcode rewrites a module's source page only when the module is newer than
    the page, so a changed template or asset choice would never reach the ``_modules/`` pages
    of an incremental build: remove them and let viewcode write them all (a second or two).
    Done when the builder collects its extra pages, right before viewcode (priority 500) does:
    a build with nothing out of date collects none, and keeps them."""
    shutil.rmtree(Path(app.outdir) / "_modules", ignore_errors=True)
    return []


def _no_jekyll(app: Sphinx, exception) -> None:
    """GitHub Pages runs Jekyll on a site unless it finds ``.nojekyll``; Jekyll drops every
    folder starting with ``_`` (``_static``, ``_sources``, ``_modules``)."""
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / ".nojekyll").touch()


def setup(app: Sphinx):
    app.connect("html-collect-pages", _fresh_source_pages, priority=400)
    app.add_config_value("site_assets_signature", "", "html")
    app.add_config_value("site_repository", "", "html")
    app.connect("config-inited", _add_paths)
    app.connect("config-inited", _check_addresses)
    app.connect("build-finished", _no_jekyll)
    app.connect("html-page-context", _offer_notebook, priority=500)
    app.connect("html-page-context", _repository_buttons, priority=502)
    app.add_js_file("site.js", defer="defer")
    app.add_css_file("site.css", priority=900)
    app.add_css_file(FA_SUBSET_CSS, priority=900)  # written by _fontawesome_subset
    app.connect("build-finished", _fontawesome_subset)
    app.connect("doctree-read", _note_output_math)
    app.connect("doctree-resolved", _link_repository_paths)
    app.connect("html-page-context", _page_assets, priority=600)
    # after the theme's launch buttons (priority 500) have copied the executed notebook
    app.connect("html-page-context", _strip_notebook_outputs, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
