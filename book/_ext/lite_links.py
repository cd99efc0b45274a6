"""Sphinx extension: "Run in the browser" on every page whose notebook runs in JupyterLite.

The Lite site (``lite/build.py``, built by ``make book`` into ``_build/html/lite``) holds the
notebooks that need nothing the browser cannot run. Which ones is decided from their imports by
``lite/notebooks.py``, the same code the Lite build uses, so a page links exactly to what the
site holds. A page whose notebook needs PyTorch (or anything else the in-browser Python lacks)
says so in the same place and points to JupyterLab and Binder/JupyterHub.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
#: The Lite app that opens one notebook (Jupyter Notebook 7 interface), relative to the site root.
LITE_APP = "lite/notebooks/index.html"


def _load_decider(srcdir: Path):
    spec = importlib.util.spec_from_file_location("lite_notebooks", srcdir / "lite" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _decide(app: Sphinx) -> None:
    srcdir = Path(app.srcdir)
    if not (srcdir / "lite" / "notebooks.py").is_file():
        app.lite_verdicts = {}
        return
    decider = _load_decider(srcdir)
    # each notebook by its path relative to the build root: the instructor site's root
    # (_build/instructor-src) is made of symbolic links into the repository, which a resolved
    # absolute path would leave
    app.lite_verdicts = {str(p.relative_to(srcdir).with_suffix("")): decider.analyse(p.relative_to(srcdir), srcdir)
                         for p in decider.toc_notebooks(srcdir)}


def _signature(app: Sphinx, pagename: str) -> str:
    """What a page's notice depends on: its verdict and the code that writes the notice."""
    v = app.lite_verdicts.get(pagename)
    code = Path(__file__).read_bytes() + (Path(app.srcdir) / "lite" / "notebooks.py").read_bytes() \
        if (Path(app.srcdir) / "lite" / "notebooks.py").is_file() else b""
    verdict = "" if v is None else f"{v.runs_in_browser}:{sorted(v.blockers.items())}"
    return hashlib.sha256(code + verdict.encode()).hexdigest()


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
DISPLAY_NAMES = {"torch": "PyTorch"}


def notice_html(pagename: str, verdict) -> str:
    if verdict.runs_in_browser:
        return (
            '<div class="lc-lite lc-lite-run" role="note">'
            f'<a class="lc-lite-link" href="{html.escape(lite_href(pagename))}">▶ Run in the browser</a>'
            '<span class="lc-lite-text"> (JupyterLite: Python runs in this browser tab, nothing to install;'
            " the first start downloads Python and its packages, later starts use the browser's cache)</span></div>"
        )
    what = "exercise" if pagename.startswith("exercises/") else "chapter"
    names = " and ".join(DISPLAY_NAMES.get(k, k) for k in sorted(verdict.blockers))
    why = "; ".join(v for _, v in sorted(verdict.blockers.items()))
    return (
        '<div class="lc-lite lc-lite-native" role="note">'
        f'<span class="lc-lite-text">This {what} needs {html.escape(names)}, so it does not run in the browser'
        f" ({html.escape(why)}). Run it in JupyterLab (<code>make lab</code>) or on Binder / your course"
        " JupyterHub.</span></div>"
    )


_STYLE = (
    "<style>.lc-lite{margin:0 0 1.2em;padding:.5em .8em;border-left:4px solid #0072B2;"
    "background:#f3f8fc;font-size:.92em}.lc-lite-native{border-left-color:#999;background:#f6f6f6}"
    ".lc-lite-link{font-weight:600}</style>"
)


def _add_notice(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    verdict = getattr(app, "lite_verdicts", {}).get(pagename)
    if verdict is None or doctree is None or "body" not in context:
        return
    context["body"] = _STYLE + notice_html(pagename, verdict) + context["body"]


def setup(app: Sphinx):
    app.connect("builder-inited", _decide)
    app.connect("env-get-outdated", _outdated)
    app.connect("html-page-context", _add_notice)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
