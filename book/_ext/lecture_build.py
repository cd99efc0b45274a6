"""Sphinx extension for the book's build (loaded from _config.yml).

1. **Fresh outputs.** myst-nb's execution cache is keyed on a notebook's own code only, so
   a change in ``lecture_code/`` would re-execute nothing and the site would show outputs
   computed by older package code. We hash the package (with the committed result files in
   ``lecture_code/data/``); when the hash differs from the one recorded by the last successful build,
   the execution cache is discarded and every page is re-read (so re-executed).
2. **Static figures.** Kernels started by the build see ``LECTURE_CODE_BUILD=static``, so
   interactive figures emit only their precomputed-frames view (no widget state).
3. **Notebook downloads.** Every chapter is written as ``_sources/<page>.ipynb`` (a
   notebook without outputs, converted by jupytext) and offered in the page's download
   menu next to the MyST source.
4. **Parallel execution.** Sphinx reads pages one after another, and myst-nb executes a
   notebook when it reads it. Before reading, every notebook page that is not in the
   execution cache runs here, several at a time (one kernel per core, longest first), and
   goes into the cache exactly as myst-nb would put it there; the strict read then finds
   every page cached. A page that fails here is left out of the cache, so myst-nb runs it
   again and the build fails with its traceback, as before. ``LECTURE_BUILD_JOBS=1`` turns
   this off.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from build_inputs import inputs_hash
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
STAMP_NAME = ".lecture_code.sha256"
#: Folders (relative to the book root) whose content determines chapter outputs.
WATCHED = ("lecture_code",)
WATCHED_SUFFIXES = (".py", ".json", ".npz", ".csv")


def package_hash(root: Path) -> str:
    """SHA-256 over the names and contents of every watched file under ``root`` (build_inputs)."""
    return inputs_hash(WATCHED, root, suffixes=WATCHED_SUFFIXES)


def _build_root(app: Sphinx) -> Path:
    # outdir is <root>/_build/html; the stamp and the execution cache live in <root>/_build.
    return Path(app.outdir).parent


def _check_package(app: Sphinx, config) -> None:
    os.environ["LECTURE_CODE_BUILD"] = "static"
    # Kernels run side by side, one per core: each keeps to one thread (torch, OpenMP, BLAS).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
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


TIMES_NAME = ".lecture_exec_seconds.json"


def _jobs() -> int:
    try:
        return max(1, int(os.environ.get("LECTURE_BUILD_JOBS", "") or (os.cpu_count() or 1)))
    except ValueError:
        return os.cpu_count() or 1


def _execute_one(job: dict) -> dict:
    """Run one notebook in its own kernel (myst-nb's execution call, same options)."""
    from jupyter_cache.executors.utils import single_nb_execution

    result = single_nb_execution(job["nb"], cwd=job["cwd"], timeout=job["timeout"],
                                 allow_errors=job["allow_errors"], meta_override=True)
    return {**job, "seconds": result.time, "error": result.err}


def _pre_execute(app: Sphinx, env, docnames) -> None:
    """Execute the uncached notebooks among ``docnames`` in parallel into the cache."""
    nb_config = getattr(env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache" or _jobs() < 2:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import create_nb_reader

    cache = get_cache(nb_config.execution_cache_path)
    jobs = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        if not path.is_file() or any(PurePosixPath(path.as_posix()).match(p) for p in nb_config.execution_excludepatterns):
            continue
        content = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, content)
        if reader is None:
            continue
        nb = reader.read(content)
        if not any(c.cell_type == "code" for c in nb.cells):
            continue
        try:
            cache.match_cache_notebook(nb)
            continue  # outputs for exactly this code are cached
        except KeyError:
            pass
        jobs.append(dict(docname=docname, path=str(path), nb=nb, read_fmt=reader.read_fmt, cwd=str(path.parent),
                         timeout=nb_config.execution_timeout, allow_errors=nb_config.execution_allow_errors))
    if len(jobs) < 2:
        return
    times_file = _build_root(app) / TIMES_NAME
    known = json.loads(times_file.read_text()) if times_file.exists() else {}
    # longest first (from the last build; new pages by size), so the slow ones do not start last
    jobs.sort(key=lambda j: (-known.get(j["docname"], 0.0), -len(j["nb"].cells)))
    workers = min(_jobs(), len(jobs))
    LOGGER.info("[lecture_build] executing %d notebooks, %d at a time", len(jobs), workers)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:  # the kernels are the processes
        results = list(pool.map(_execute_one, jobs))
    for r in results:
        if r["error"] is not None:
            LOGGER.info("[lecture_build] %s failed; it runs again (and reports) when it is read", r["docname"])
            continue
        record = cache.add_nb_to_project(r["path"], read_data=r["read_fmt"])
        cache.cache_notebook_bundle(CacheBundleIn(r["nb"], record.uri, data={"execution_seconds": r["seconds"]}),
                                    check_validity=False, overwrite=True)
        known[r["docname"]] = round(r["seconds"], 2)
        LOGGER.info("[lecture_build] %s: %.1f s", r["docname"], r["seconds"])
    LOGGER.info("[lecture_build] parallel execution took %.1f s", time.perf_counter() - t0)
    times_file.parent.mkdir(parents=True, exist_ok=True)
    times_file.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")


def _write_stamp(app: Sphinx, exception) -> None:
    if exception is None and getattr(app, "lecture_code_hash", None):
        stamp = _build_root(app) / STAMP_NAME
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(app.lecture_code_hash + "\n")


def _skip_namedtuple_fields(app, what, name, obj, skip, options):
    """NamedTuple fields are described in their class's docstring; skip autodoc's "Alias for field" copies."""
    doc = getattr(obj, "__doc__", None) or ""
    if what == "class" and doc.startswith("Alias for field number"):
        return True
    return None


def setup(app: Sphinx):
    app.connect("config-inited", _check_package)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-before-read-docs", _pre_execute)
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)
    app.connect("html-page-context", _notebook_download, priority=400)
    app.connect("build-finished", _write_stamp)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
