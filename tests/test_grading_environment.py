"""The environment a submission sees (``grading/environment.py``): the grader's Python packages at
neutral paths, with no trace of the repository's or the venv's place on the host."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grading import environment
from grading.compare import decode
from grading.limits import Limits
from grading.runner import default_sandbox, run_submission
from grading.source import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
from helpers import host_paths  # noqa: E402


def _forbidden() -> list[bytes]:
    """The repository and the venv (helpers.host_paths) and, when it is presented, the base
    installation (which must not appear in text or compiled files either)."""
    paths = set(host_paths()) | set(environment.host_paths())
    return sorted(p.encode() for p in paths)


def test_no_file_of_the_presented_environment_names_a_host_path() -> None:
    pres = environment.prepare()
    forbidden = _forbidden()
    for top in (pres.venv, pres.python):
        if top is None:
            continue
        for dirpath, _, filenames in os.walk(top):
            for f in filenames:
                p = Path(dirpath) / f
                if p.is_symlink():
                    continue
                if f.endswith((".so",)) or ".so." in f or (p.parent.name == "bin" and f.startswith("python")):
                    continue  # compiled C: built elsewhere, it names its own build prefix at most
                data = p.read_bytes()
                for bad in forbidden:
                    assert bad not in data, (p, bad)


def test_inside_the_sandbox_nothing_shows_the_host_paths() -> None:
    sb = default_sandbox("bwrap")
    cell = ("import sys, os, glob, json\n"
            "mountinfo = open('/proc/self/mountinfo').read()\n"
            "cfg = open(os.path.join(sys.prefix, 'pyvenv.cfg')).read()\n"
            "prefixes = [sys.prefix, sys.base_prefix, sys.executable, os.__file__]\n"
            "import numpy\n"
            "code_file = numpy.__spec__.loader.get_code('numpy').co_filename\n"
            "records = ''.join(open(p).read() for p in glob.glob(sys.prefix + '/lib/python*/site-packages/*/direct_url.json'))\n"
            "pths = ''.join(open(p).read() for p in glob.glob(sys.prefix + '/lib/python*/site-packages/*.pth'))\n")
    names = ["mountinfo", "cfg", "prefixes", "code_file", "records", "pths"]
    probes = {n: [{"kind": "expr", "target": n, "args": [], "kwargs": {}, "arrays": False, "check_inputs": False}]
              for n in names}
    out = run_submission([cell], probes, Limits(step_timeout=30), sandbox=sb)
    assert not out.cell_errors, out.cell_errors
    got = {n: decode(out.results[n][0]["ok"]) for n in names}
    text = repr(got).encode()
    for bad in _forbidden():
        assert bad not in text, (bad, got)
    assert got["prefixes"][0] == "/opt/venv" and got["code_file"].startswith("/opt/venv/")
    assert "home = " in got["cfg"] and "command" not in got["cfg"]


def test_the_cached_copy_survives_a_first_import_and_not_a_new_install(tmp_path, monkeypatch) -> None:
    """The fingerprint that names the cached copy stays when Python writes a ``__pycache__`` into a
    package (a first import: the next run must reuse the copy, not rebuild it for minutes) and
    changes when pip installs, upgrades or removes a distribution."""
    import sys

    from grading import environment

    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    (site / "pkg").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("x = 1\n")
    (site / "pkg-1.0.dist-info").mkdir()
    (site / "pkg-1.0.dist-info" / "RECORD").write_text("pkg/__init__.py,,\n")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    monkeypatch.setattr(environment, "_site_packages", lambda: site)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    base = environment.fingerprint()
    (site / "pkg" / "__pycache__").mkdir()  # a first import
    (site / "pkg" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"")
    (site / "__pycache__").mkdir()
    assert environment.fingerprint() == base
    (site / "pkg-1.0.dist-info").rename(site / "pkg-1.1.dist-info")  # an upgrade
    assert environment.fingerprint() != base
    (site / "pkg-1.1.dist-info").rename(site / "pkg-1.0.dist-info")
    assert environment.fingerprint() == base
    os.utime(site / "pkg-1.0.dist-info", ns=(1, 1))  # reinstalled, same version
    assert environment.fingerprint() != base


def test_copies_of_environments_that_are_gone_are_pruned(tmp_path: Path) -> None:
    """Every fresh clone that grades adds a copy (1-2 GB, hard links to its venv): once that venv
    is gone, its copy goes after an hour unused; others' copies after a week; the current one
    and one being built never."""
    import time

    now = time.time()
    live_venv, gone_venv = tmp_path / "live", tmp_path / "gone"
    live_venv.mkdir()
    (live_venv / "pyvenv.cfg").write_text("home = /usr/bin\n")

    def copy(name: str, source: Path | None, idle: float) -> Path:
        d = tmp_path / "cache" / name
        (d / "venv").mkdir(parents=True)
        (d / ".used").touch()
        os.utime(d / ".used", (now - idle, now - idle))
        if source is not None:
            (d / ".source").write_text(str(source))
        return d

    hour, week = 3600, 7 * 86400
    assert environment._stale(copy("a" * 20, gone_venv, 2 * hour), "cur", now)
    assert not environment._stale(copy("b" * 20, gone_venv, hour / 2), "cur", now)  # a run may still use it
    assert not environment._stale(copy("c" * 20, live_venv, 2 * hour), "cur", now)
    assert environment._stale(copy("d" * 20, live_venv, week + hour), "cur", now)
    assert environment._stale(copy("e" * 20, None, week + hour), "cur", now)  # made before .source existed
    assert not environment._stale(copy("f" * 20, None, 2 * hour), "cur", now)
    assert not environment._stale(copy("cur", gone_venv, week + hour), "cur", now)
    assert not environment._stale(copy("building-x", gone_venv, week + hour), "cur", now)


def test_the_presented_copy_names_the_environment_it_copies() -> None:
    """``prepare`` records the venv a copy was made from, outside what the sandbox mounts."""
    presented = environment.prepare()
    root = presented.venv.parent
    assert (root / ".source").read_text() == os.path.realpath(sys.prefix)
    assert not (presented.venv / ".source").exists()


def test_grade_clean_removes_other_environments_copies(tmp_path: Path, monkeypatch) -> None:
    """Red team: the cache grows one copy per venv. ``make grade-clean`` (``clean()``) removes the
    others' copies, keeping the current one and any used in the last hour (a run may be using it)."""
    import time

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("GRADE_ENV_CACHE", str(cache))
    current, old, busy = cache / environment.fingerprint(), cache / ("0" * 20), cache / ("1" * 20)
    for d in (current, old, busy):
        (d / "venv").mkdir(parents=True)
        (d / ".used").touch()
    os.utime(old / ".used", (time.time() - 86400, time.time() - 86400))
    os.utime(current / ".used", (time.time() - 86400, time.time() - 86400))
    assert environment.clean() == [old]
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == sorted([current.name, busy.name])
