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
   execution cache starts running here, several at a time (one kernel per core, longest
   first), while Sphinx reads the pages that execute nothing; each notebook is read when its
   run is done and in the cache (exactly as myst-nb would put it there), in the order the
   runs end, so the strict read finds every page cached. A page that fails here is left out
   of the cache, so myst-nb runs it again and the build fails with its traceback, as before.
   ``LECTURE_BUILD_JOBS=1`` turns this off.
5. **Kernels forked, not started.** Those runs' kernels are forked from one process that has
   imported ipykernel, numpy, PyTorch, plotly and ``lecture_code`` once (``kernel_forks.py``):
   each saves the ~2.5 s of CPU a kernel spends on those imports. ``LECTURE_BUILD_FORKS=0``
   starts every kernel afresh.
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

    extra = {"kernel_manager_class": job["kernel_manager_class"]} if job.get("kernel_manager_class") else {}
    result = single_nb_execution(job["nb"], cwd=job["cwd"], timeout=job["timeout"],
                                 allow_errors=job["allow_errors"], meta_override=True, **extra)
    return {**job, "seconds": result.time, "error": result.err}


def _finish_order(seconds: list[float], workers: int) -> list[int]:
    """Indices of jobs (started in list order on ``workers`` workers, each taking the next job
    when it is free) sorted by the time they are expected to finish."""
    free = [0.0] * workers
    finish = []
    for i, s in enumerate(seconds):
        w = min(range(workers), key=free.__getitem__)
        free[w] += s
        finish.append((free[w], i))
    return [i for _, i in sorted(finish)]


def _pre_execute(app: Sphinx, env, docnames) -> None:
    """Start executing the uncached notebooks among ``docnames`` in parallel, and have Sphinx
    read the other pages meanwhile: ``docnames`` is reordered (in place) so that the pages
    that execute nothing come first, then the notebooks in the order their runs should end;
    :func:`_await_execution` holds a notebook's reading until its run is in the cache."""
    nb_config = getattr(env, "mystnb_config", None)
    if nb_config is None or nb_config.execution_mode != "cache" or _jobs() < 2:
        return
    from jupyter_cache import get_cache
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
    server = None
    if os.environ.get("LECTURE_BUILD_FORKS", "1") != "0":
        import kernel_forks

        # its imports run while Sphinx reads the other pages
        server = kernel_forks.Server(kernel_forks.book_packages(app.srcdir))
        manager = kernel_forks.manager_class(server)
        for job in jobs:
            job["kernel_manager_class"] = manager
    LOGGER.info("[lecture_build] executing %d notebooks, %d at a time%s", len(jobs), workers,
                ", kernels forked" if server else "")
    pool = ThreadPoolExecutor(max_workers=workers)  # the kernels are the processes
    app.lecture_exec = dict(pool=pool, cache=cache, known=known, times_file=times_file, t0=time.perf_counter(), server=server,
                            pending={j["docname"]: pool.submit(_execute_one, j) for j in jobs})
    guess = [known.get(j["docname"], len(j["nb"].cells) / 10) for j in jobs]
    ends = [jobs[i]["docname"] for i in _finish_order(guess, workers)]
    others = [d for d in docnames if d not in app.lecture_exec["pending"]]
    docnames[:] = others + ends


def _store(state: dict, result: dict) -> None:
    """Put one finished run into the cache, exactly as myst-nb would (main thread only)."""
    from jupyter_cache.base import CacheBundleIn

    if result["error"] is not None:
        LOGGER.info("[lecture_build] %s failed; it runs again (and reports) when it is read", result["docname"])
        return
    record = state["cache"].add_nb_to_project(result["path"], read_data=result["read_fmt"])
    state["cache"].cache_notebook_bundle(CacheBundleIn(result["nb"], record.uri, data={"execution_seconds": result["seconds"]}),
                                         check_validity=False, overwrite=True)
    state["known"][result["docname"]] = round(result["seconds"], 2)
    LOGGER.info("[lecture_build] %s: %.1f s", result["docname"], result["seconds"])


def _await_execution(app: Sphinx, docname: str, source: list) -> None:
    """Before a notebook is read: wait for its run and put it in the cache."""
    state = getattr(app, "lecture_exec", None)
    if state is None or docname not in state["pending"]:
        return
    _store(state, state["pending"].pop(docname).result())
    if not state["pending"]:
        _finish_execution(app)


def _finish_execution(app: Sphinx, *_args) -> None:
    """All runs stored (or the build ended early): stop the pool, record the times."""
    state = getattr(app, "lecture_exec", None)
    if state is None:
        return
    app.lecture_exec = None
    try:
        for docname, future in state["pending"].items():  # not read (the build stopped): still cache them
            if not future.cancel():
                _store(state, future.result())
    finally:
        state["pool"].shutdown(wait=True)
        if state.get("server") is not None:
            state["server"].close()
    LOGGER.info("[lecture_build] parallel execution took %.1f s", time.perf_counter() - state["t0"])
    state["times_file"].parent.mkdir(parents=True, exist_ok=True)
    state["times_file"].write_text(json.dumps(state["known"], indent=1, sort_keys=True) + "\n")


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
    app.connect("source-read", _await_execution)
    app.connect("build-finished", _finish_execution, priority=100)
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)
    app.connect("html-page-context", _notebook_download, priority=400)
    app.connect("build-finished", _write_stamp)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
