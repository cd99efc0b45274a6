"""How long ``make test`` takes on a fresh clone (CI's situation), phase by phase.

The last commit is cloned into a temporary folder, and there, one after the other:

* **set-up**: ``make setup`` and the Lite tools' environment, ``chromium``, ``bubblewrap``
  (the virtual environment with the pinned packages, the JS assets from npm);
* **build and tests**: ``make test``: the build (``make book``: the in-browser site, then the
  strict build, chapters executed) with the unit tests and the grader's tests beside it (two
  processes), then the build and browser tests on every core, with
  ``benchmarks/pytest_cputime.py`` measuring each test; its CPU time is split by kind (unit,
  build, browser) and the workers' own start-up and collection. The build's share is the time
  before the main (build and browser) test run started; the two runs beside it are recorded on
  their own.

Each phase is recorded with its wall time and the CPU time of all its processes (browsers,
kernels, builds included); CPU time is much less sensitive to other load on the machine than
wall time, so the load average is recorded beside it. Target: the whole under 10 minutes on 2
cores (``docs/CONVENTIONS.md``). ``BENCH_SUITE=here`` measures the tests in this checkout
instead (no clone, no set-up or build phase); ``BENCH_SUITE=skip`` leaves this benchmark out.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 600


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _load() -> float:
    return os.getloadavg()[0]


def phase(cmd: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run ``cmd``; its wall time, the CPU time of all its processes, the load before and after."""
    load, cpu, t0 = _load(), _cpu(), time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    result = {"wall": time.perf_counter() - t0, "cpu": _cpu() - cpu, "load": (load, _load()), "rc": out.returncode}
    if out.returncode != 0:
        result["tail"] = (out.stdout + out.stderr)[-3000:]
    return result


def split_by_kind(folder: Path) -> dict:
    """Per kind of test (unit, build, browser): count, CPU time, summed wall time; and the
    workers' CPU time outside the tests (start-up, collection)."""
    kinds: dict[str, dict] = {}
    outside = 0.0
    for path in sorted(folder.glob("*.json")):
        worker = json.loads(path.read_text())
        if path.stem == "main":
            continue  # the controller: its process tree holds the workers
        in_tests = 0.0
        for row in worker["tests"]:
            k = kinds.setdefault(row["kind"], {"count": 0, "cpu": 0.0, "wall": 0.0})
            k["count"] += 1
            k["cpu"] += max(row["cpu"], 0.0)  # < 0: a closed browser's orphaned renderers left the tree
            k["wall"] += row["wall"]
            in_tests += row["cpu"]
        outside += worker["session"]["cpu"] - in_tests
    return {"kinds": kinds, "outside": outside}


def _note(p: dict) -> str:
    return f"load average {p['load'][0]:.1f} before / {p['load'][1]:.1f} after" + ("" if p["rc"] == 0 else f"; FAILED (exit {p['rc']})")


def run() -> list[dict]:
    mode = os.environ.get("BENCH_SUITE", "clone")
    if mode == "skip":
        return []
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        tmp = Path(tmp)
        if mode == "here":
            repo, phases = ROOT, {}
        else:
            repo = tmp / "repo"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True)
            phases = {"set-up": phase(["make", "setup", ".venv-lite/.installed", "chromium", "bubblewrap"], repo)}
        timings = tmp / "cputime"
        phases["build and tests"] = phase(["make", "test"], repo, {"PYTEST_ADDOPTS": "-p benchmarks.pytest_cputime",
                                                                   "PYTEST_CPUTIME_DIR": str(timings)})
        split = split_by_kind(timings) if timings.is_dir() else {"kinds": {}, "outside": float("nan")}
        runs = {p.stem: json.loads(p.read_text())["session"]["wall"] for p in timings.glob("*.json")
                if p.stem in ("main", "grading", "unit")} if timings.is_dir() else {}
    cores = os.cpu_count() or 1
    where = f"fresh clone of {commit}" if mode != "here" else f"this checkout ({commit}, set up and built)"
    if mode != "here":
        total = sum(p["wall"] for p in phases.values())
        rows.append(dict(name="make test on a fresh clone: wall time", value=total, unit="s", target=f"< {TARGET_S}",
                         note=f"{cores} cores; set-up + build + tests below"))
        rows.append(dict(name="make test on a fresh clone: CPU time / cores", value=sum(p["cpu"] for p in phases.values()) / cores,
                         unit="s", target=f"< {TARGET_S}", note="the wall time on an idle machine if every core were kept busy"))
    for name, p in phases.items():
        rows.append(dict(name=f"make test, {name}: wall time", value=p["wall"], unit="s", target="", note=f"{where}; {_note(p)}"))
        rows.append(dict(name=f"make test, {name}: CPU time", value=p["cpu"], unit="s", target="",
                         note="all its processes" + (f"; {p['tail'][-300:]!r}" if "tail" in p else "")))
    tests = phases["build and tests"]
    if "main" in runs:
        rows.append(dict(name="make test: the build, before the main test run", value=tests["wall"] - runs["main"], unit="s",
                         target="", note="make book (a no-op in a checkout already built), the unit and grader's tests beside it"))
        rows.append(dict(name="make test: the build and browser tests (pytest -n auto)", value=runs["main"], unit="s",
                         target="", note="every test marked build or browser"))
    if "unit" in runs:
        rows.append(dict(name="make test: the unit tests, beside the build", value=runs["unit"], unit="s", target="",
                         note="one process: every test neither build, browser nor the grader's"))
    if "grading" in runs:
        rows.append(dict(name="make test: the grader's tests, beside the build", value=runs["grading"],
                         unit="s", target="", note="one process, one test after the other (they look at machine-wide state)"))
    counted = sum(k["cpu"] for k in split["kinds"].values()) + split["outside"]
    rows.append(dict(name="make test, tests: CPU time counted per test", value=counted, unit="s", target="",
                     note="higher than the phase's CPU time above: getrusage loses the renderers a closing browser orphans"))
    for kind in ("unit", "build", "browser"):
        k = split["kinds"].get(kind)
        if k:
            rows.append(dict(name=f"make test, tests, {kind}: CPU time", value=k["cpu"], unit="s", target="",
                             note=f"{k['count']} tests; their wall times add up to {k['wall']:.0f} s over the workers"))
    rows.append(dict(name="make test, tests: workers' start-up and collection, CPU time", value=split["outside"], unit="s",
                     target="", note="CPU time of the workers outside any test"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
    sys.exit(0)
