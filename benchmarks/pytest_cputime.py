"""A pytest plugin that records each test's wall time and CPU time, for ``make bench``.

CPU time is that of the whole process tree of the pytest process (or xdist worker): the
browsers, kernels, builds and sandboxes a test starts included (processes still running, and
those already reaped by a parent in the tree). It is much less sensitive to other load on the
machine than wall time. Chromium's renderer processes are orphaned when a browser closes: the
time they used leaves the tree (and every ``getrusage`` total) with them, which shows as a
negative value for the test that closed the browser; count a test's CPU as ``max(cpu, 0)`` (what
the tree used while the test ran). Load it with ``-p benchmarks.pytest_cputime`` and name an output folder
in ``PYTEST_CPUTIME_DIR``; each worker writes ``<worker>.json``::

    {"tests": [{"id", "kind": "unit" | "build" | "browser", "wall", "cpu", "own"}, ...],
     "session": {"wall", "cpu", "own"}, "load": [1, 5, 15 minute load averages at the end]}

(``own``: the process's own CPU time, without its children: what it spent outside the tests,
its start-up and collection, is ``session.own`` less the tests' ``own``.)

Each test is also appended, as it ends, to ``<worker>.jsonl``. ``session`` covers the worker from its start (imports and collection included) to its end; with
xdist the controller writes ``main.json`` (no tests; its process tree holds the workers); a
second pytest run beside it names its files with ``PYTEST_CPUTIME_NAME``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

_T0 = time.perf_counter()
_ROWS: list[dict] = []


def tree_cpu() -> float:
    """CPU seconds (user + system) of this process and all its descendants, live or reaped."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.Error:  # ended meanwhile: its time is in its parent's children_* now
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def own_cpu() -> float:
    """CPU seconds of this process alone (its start-up, collection and the tests' own Python):
    unlike the tree's, it loses nothing when a browser's orphaned renderers leave the tree."""
    t = os.times()
    return t.user + t.system


def _name() -> str:
    """This process's file name: the xdist worker's name, else ``PYTEST_CPUTIME_NAME`` (``make
    test`` names its run of the grader's tests ``grading``), else ``main``."""
    return os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("PYTEST_CPUTIME_NAME", "main")


def kind(item: pytest.Item) -> str:
    for name in ("browser", "build"):
        if item.get_closest_marker(name) is not None:
            return name
    return "unit"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, own, wall = tree_cpu(), own_cpu(), time.perf_counter()
    yield
    row = {"id": item.nodeid, "kind": kind(item), "wall": time.perf_counter() - wall, "cpu": tree_cpu() - cpu,
           "own": own_cpu() - own}
    _ROWS.append(row)
    folder = os.environ.get("PYTEST_CPUTIME_DIR")
    if folder:  # also one line per test as it ends, so an interrupted run still tells
        Path(folder).mkdir(parents=True, exist_ok=True)
        with open(Path(folder) / f"{_name()}.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")


def pytest_sessionfinish(session):
    folder = os.environ.get("PYTEST_CPUTIME_DIR")
    if not folder:
        return
    worker = _name()
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{worker}.json").write_text(json.dumps({
        "tests": _ROWS, "session": {"wall": time.perf_counter() - _T0, "cpu": tree_cpu(), "own": own_cpu()},
        "load": list(os.getloadavg()),
    }))
