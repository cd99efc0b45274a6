"""book/_ext/lecture_build.py's parallel execution, without a build: what happens to the runs
still pending when the build stops before reading them (a failing page, Ctrl-C)."""

from __future__ import annotations

import types
from concurrent.futures import Future, ThreadPoolExecutor

import lecture_build


class _Cache:
    """The two calls of jupyter_cache that lecture_build makes, recorded."""

    def __init__(self):
        self.stored = []

    def add_nb_to_project(self, path, read_data=None):
        return types.SimpleNamespace(uri=path)

    def cache_notebook_bundle(self, bundle, check_validity=True, overwrite=False):
        self.stored.append(bundle.uri)


def _done(result: dict) -> Future:
    future = Future()
    future.set_result(result)
    return future


def test_runs_still_pending_when_the_build_stops_are_cached_and_everything_is_closed(tmp_path):
    import nbformat

    run = dict(docname="book/a", path=str(tmp_path / "a.md"), nb=nbformat.v4.new_notebook(), read_fmt=None,
               seconds=1.5, error=None)
    failed = dict(run, docname="book/b", path=str(tmp_path / "b.md"), error="boom")
    closed = []
    state = dict(pool=ThreadPoolExecutor(1), cache=_Cache(), known={}, times_file=tmp_path / "times.json", t0=0.0,
                 server=types.SimpleNamespace(close=lambda: closed.append(True)),
                 pending={"book/a": _done(run), "book/b": _done(failed)})
    app = types.SimpleNamespace(lecture_exec=state)
    lecture_build._finish_execution(app)
    assert app.lecture_exec is None
    assert state["cache"].stored == [run["path"]]  # the finished run is cached, the failed one is not
    assert state["known"] == {"book/a": 1.5}
    assert closed == [True]  # the kernels' fork server is stopped
    assert (tmp_path / "times.json").is_file()
    lecture_build._finish_execution(app)  # a second call (build-finished after the last read) does nothing
    assert closed == [True]
