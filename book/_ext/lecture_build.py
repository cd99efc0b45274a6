"""Sphinx extension for the book's build (loaded from _config.yml).

1. **Fresh outputs.** myst-nb's execution cache is keyed on a notebook's own code only, so
   a change in ``lecture_code/`` would re-execute nothing and the site would show outputs
   computed by older package code. We hash the package (and the committed result files in
   ``data/``); when the hash differs from the one recorded by the last successful build,
   the execution cache is discarded and every page is re-read (so re-executed).
2. **Static figures.** Kernels started by the build see ``LECTURE_CODE_BUILD=static``, so
   interactive figures emit only their precomputed-frames view (no widget state).
3. **Notebook downloads.** Every chapter is written as ``_sources/<page>.ipynb`` (a
   notebook without outputs, converted by jupytext) and offered in the page's download
   menu next to the MyST source.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
STAMP_NAME = ".lecture_code.sha256"
#: Folders (relative to the book root) whose content determines chapter outputs.
WATCHED = ("lecture_code", "data")
WATCHED_SUFFIXES = (".py", ".json", ".npz", ".csv")


def package_hash(root: Path) -> str:
    """SHA-256 over the names and contents of every watched file under ``root``."""
    digest = hashlib.sha256()
    for folder in WATCHED:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.suffix in WATCHED_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
                digest.update(b"\0")
    return digest.hexdigest()


def _build_root(app: Sphinx) -> Path:
    # outdir is <root>/_build/html; the stamp and the execution cache live in <root>/_build.
    return Path(app.outdir).parent


def _check_package(app: Sphinx, config) -> None:
    os.environ["LECTURE_CODE_BUILD"] = "static"
    root = Path(app.srcdir)
    current = package_hash(root)
    stamp = _build_root(app) / STAMP_NAME
    previous = stamp.read_text().strip() if stamp.exists() else None
    app.lecture_code_hash = current
    app.lecture_code_changed = previous is not None and previous != current
    if previous != current:
        cache = Path(config.nb_execution_cache_path or (_build_root(app) / ".jupyter_cache"))
        if cache.exists():
            LOGGER.info("[lecture_build] lecture_code changed: discarding the execution cache %s", cache)
            shutil.rmtree(cache)


def _outdated(app: Sphinx, env, added, changed, removed):
    if getattr(app, "lecture_code_changed", False):
        return sorted(env.found_docs - set(added) - set(changed))
    return []


def _notebook_download(app: Sphinx, pagename, templatename, context, doctree) -> None:
    source = Path(app.srcdir) / (pagename + ".md")
    if doctree is None or not source.exists() or not source.read_text().lstrip().startswith("---"):
        return
    if "kernelspec" not in source.read_text()[:2000]:
        return
    import jupytext

    target = Path(app.outdir) / "_sources" / (pagename + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.read(source)
    jupytext.write(notebook, target, fmt="ipynb")
    context["ipynb_source"] = pagename + ".ipynb"


def _write_stamp(app: Sphinx, exception) -> None:
    if exception is None and getattr(app, "lecture_code_hash", None):
        stamp = _build_root(app) / STAMP_NAME
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(app.lecture_code_hash + "\n")


def setup(app: Sphinx):
    app.connect("config-inited", _check_package)
    app.connect("env-get-outdated", _outdated)
    app.connect("html-page-context", _notebook_download, priority=400)
    app.connect("build-finished", _write_stamp)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
