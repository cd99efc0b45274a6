"""Sphinx extension: "Run in the browser" on every page whose notebook runs in JupyterLite.

The Lite site (``lite/build.py``, built by ``make book`` into ``_build/html/lite``) holds the
notebooks that need nothing the browser cannot run. Which ones is decided from their imports by
``lite/notebooks.py``, the same code the Lite build uses, so a page links exactly to what the
site holds. A page whose notebook needs PyTorch (or anything else the in-browser Python lacks)
says so in the same place, links the page's launch menu (Binder, the course's JupyterHub: the
addresses the theme's menu holds) and gives the one line that installs it on a computer
(``lite/install.py``: the wheel the site serves under ``lite/wheels/``, its extras, JupyterLab).
After the build, every notebook the site offers for download (``_sources/<page>.ipynb``) gets
the same two lines as its first cell.
"""

from __future__ import annotations

import html
import os
import sys
from pathlib import Path

from build_inputs import inputs_hash
from sphinx.application import Sphinx
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the repository root, where the package `lite` lives
    sys.path.insert(0, str(ROOT))

from lite import install  # noqa: E402
from lite.notebooks import decide  # noqa: E402

LOGGER = logging.getLogger(__name__)
#: The Lite app that opens one notebook (Jupyter Notebook 7 interface), relative to the site root.
LITE_APP = "lite/notebooks/index.html"
#: What a page's notice is written by, relative to the repository root (its signature's inputs).
NOTICE_INPUTS = ("book/_ext/lite_links.py", "lite/notebooks.py", "lite/install.py")


def _decide(app: Sphinx) -> None:
    app.lite_verdicts = decide(Path(app.srcdir))


def _signature(app: Sphinx, pagename: str) -> str:
    """What a page's notice depends on: its verdict (the packages decide the install line), the
    wheel's name (the version) and the code that writes the notice."""
    v = app.lite_verdicts.get(pagename)
    verdict = "" if v is None else f"{v.runs_in_browser}:{sorted(v.blockers.items())}:{sorted(v.packages)}"
    return inputs_hash(NOTICE_INPUTS, ROOT, salt=f"{verdict}:{install.wheel_name()}")


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages whose notice would change (a chapter became torch-free, the wording changed)."""
    old = getattr(env, "lite_signatures", {})
    new = {page: _signature(app, page) for page in env.found_docs}
    env.lite_signatures = new
    # a page already built whose signature differs (or was never recorded) is read again
    return sorted(p for p in env.found_docs if p in env.all_docs and old.get(p) != new[p])


def lite_href(pagename: str) -> str:
    """Relative link from ``pagename`` to its notebook in the Lite site."""
    up = "../" * pagename.count("/")
    return f"{up}{LITE_APP}?path={pagename}.ipynb"


#: How a blocking package is named on the page.
DISPLAY_NAMES = {"torch": "PyTorch", "sklearn": "scikit-learn"}


def wheel_href(pagename: str) -> str:
    """Relative link from ``pagename`` to the ``lecture_code`` wheel the site serves."""
    return "../" * pagename.count("/") + f"{install.WHEEL_FOLDER}/{install.wheel_name()}"


def launch_links(context: dict) -> list[tuple[str, str]]:
    """(text, url) of the page's launch menu (Binder, JupyterHub, ...), as the theme built it."""
    for group in context.get("header_buttons") or []:
        if isinstance(group, dict) and group.get("label") == "launch-buttons":
            return [(b["text"], b["url"]) for b in group.get("buttons", []) if b.get("type") == "link" and b.get("url")]
    return []


def notice_html(pagename: str, verdict, launch: list[tuple[str, str]] = (), wheel: bool = True) -> str:
    if verdict.runs_in_browser:
        own = (f' On your own computer, with <a class="lc-wheel-link" href="{html.escape(wheel_href(pagename))}">'
               "the lecture_code wheel</a>: the first cell of the downloaded notebook says what to install."
               if wheel else "")
        return (
            '<div class="lc-lite lc-lite-run" role="note">'
            f'<a class="lc-lite-link" href="{html.escape(lite_href(pagename))}">▶ Run in the browser</a>'
            '<span class="lc-lite-text"> (JupyterLite: Python runs in this browser tab, nothing to install;'
            f" the first start downloads Python and its packages, later starts use the browser's cache).{own}</span></div>"
        )
    what = "exercise" if pagename.startswith("exercises/") else "chapter"
    names = " and ".join(DISPLAY_NAMES.get(k, k) for k in sorted(verdict.blockers))
    why = "; ".join(v for _, v in sorted(verdict.blockers.items()))
    if launch:
        links = " or ".join(f'<a class="lc-launch-link" href="{html.escape(url)}" target="_blank" rel="noopener">'
                            f"{html.escape(text)}</a>" for text, url in launch)
        elsewhere = f"Open it in JupyterLab on {links} (the launch menu at the top of this page), or on your computer: "
    else:
        elsewhere = "Run it in JupyterLab on your computer: "
    wheel_link = (f'<a class="lc-wheel-link" href="{html.escape(wheel_href(pagename))}">the lecture_code wheel</a>'
                  if wheel else "the lecture_code wheel (<code>make wheel</code> in the book's repository)")
    command = install.pip_command(verdict.packages)
    return (
        '<div class="lc-lite lc-lite-native" role="note">'
        f'<span class="lc-lite-text">This {what} needs {html.escape(names)}, so it does not run in the browser'
        f" ({html.escape(why)}). {elsewhere}put this page's notebook (download menu, <code>.ipynb</code>) and "
        f"{wheel_link} in one folder, then run <code class=\"lc-install\">{html.escape(command)}</code> and "
        "<code>jupyter lab</code> there.</span></div>"
    )


_STYLE = (
    "<style>.lc-lite{margin:0 0 1.2em;padding:.5em .8em;border-left:4px solid #0072B2;"
    "background:#f3f8fc;font-size:.92em}.lc-lite-native{border-left-color:#999;background:#f6f6f6}"
    ".lc-lite-link{font-weight:600}.lc-install{overflow-wrap:anywhere}</style>"
)


def _lite_site_being_built(app: Sphinx) -> bool:
    """Whether the Lite site (and the wheel in it) is being built into this site's ``lite``
    folder beside Sphinx: ``make book`` says so in ``LECTURE_LITE_SITE`` and fails if that build
    fails, so the page may link the wheel before the file is there."""
    folder = os.environ.get("LECTURE_LITE_SITE", "")
    return bool(folder) and Path(folder).resolve() == (Path(app.outdir) / "lite").resolve()


def _add_notice(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    verdict = getattr(app, "lite_verdicts", {}).get(pagename)
    if verdict is None or doctree is None or "body" not in context:
        return
    wheel = (Path(app.outdir) / install.WHEEL_FOLDER / install.wheel_name()).is_file() or _lite_site_being_built(app)
    context["body"] = _STYLE + notice_html(pagename, verdict, launch_links(context), wheel) + context["body"]


def _wheel_url(app: Sphinx) -> str | None:
    """The wheel's absolute address when the site's own is configured (``html_baseurl``)."""
    base = (app.config.html_baseurl or "").strip()
    return f"{base.rstrip('/')}/{install.WHEEL_FOLDER}/{install.wheel_name()}" if base.startswith("http") else None


def _install_notes(app: Sphinx, exception) -> None:
    """Every notebook the site offers for download (``_sources/<page>.ipynb``: chapters and
    exercises) starts with two lines saying what to install to run it elsewhere."""
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    for page, verdict in getattr(app, "lite_verdicts", {}).items():
        target = Path(app.outdir) / "_sources" / f"{page}.ipynb"
        if target.is_file():
            nb = nbformat.read(target, as_version=4)
            install.add_note(nb, verdict.packages, _wheel_url(app))
            nbformat.write(nb, target)


def setup(app: Sphinx):
    app.connect("builder-inited", _decide)
    app.connect("env-get-outdated", _outdated)
    # after the theme's launch buttons (priority 501), so the notice links the same addresses
    app.connect("html-page-context", _add_notice, priority=900)
    app.connect("build-finished", _install_notes)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
