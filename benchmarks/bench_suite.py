"""How long ``make test`` takes on a fresh clone (CI's situation), phase by phase.

The last commit is cloned into a temporary folder and ``make test`` runs there, as CI runs it,
with ``benchmarks/pytest_cputime.py`` measuring each test. ``make test`` writes down when its set-up
(uv, npm, apt-get side by side) and its build ended (``_build/tests/*.end``), so the whole is
split into three phases: set-up; the build with the grader's tests beside it (one process,
which goes on into the next phase); the other tests on every core. Each pytest run's own time is recorded too, and the tests' CPU time is split by kind
(unit, build, browser) and the workers' own start-up and collection.

The whole is recorded with its wall time and the CPU time of all its processes (browsers,
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
            in_tests += row["own"]
        # the process's own CPU outside its tests (start-up, collection): the tree's would lose
        # the orphaned renderers and could come out negative
        outside += worker["session"]["own"] - in_tests
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
            repo = ROOT
        else:
            repo = tmp / "repo"
            subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True)
        timings = tmp / "cputime"
        started = time.time()
        phases = {"make test": phase(["make", "test"], repo, {"PYTEST_ADDOPTS": "-p benchmarks.pytest_cputime",
                                                              "PYTEST_CPUTIME_DIR": str(timings)})}
        # the moments make test wrote down: the set-up done, the build done
        marks = {}
        for mark in ("set-up", "build"):
            f = repo / "_build" / "tests" / f"{mark}.end"
            marks[mark] = float(f.read_text()) if f.is_file() else None
        split = split_by_kind(timings) if timings.is_dir() else {"kinds": {}, "outside": float("nan")}
        runs = {p.stem: json.loads(p.read_text())["session"]["wall"] for p in timings.glob("*.json")
                if p.stem in ("main", "grading")} if timings.is_dir() else {}
    cores = os.cpu_count() or 1
    where = f"fresh clone of {commit}" if mode != "here" else f"this checkout ({commit}, set up and built)"
    whole = phases["make test"]
    rows.append(dict(name="make test" + (" on a fresh clone" if mode != "here" else "") + ": wall time", value=whole["wall"],
                     unit="s", target=f"< {TARGET_S}" if mode != "here" else "", note=f"{cores} cores; {where}; {_note(whole)}"))
    rows.append(dict(name="make test: CPU time of all its processes", value=whole["cpu"], unit="s", target="",
                     note="browsers, kernels, builds, sandboxes included" + (f"; {whole['tail'][-300:]!r}" if "tail" in whole else "")))
    rows.append(dict(name="make test: CPU time / cores", value=whole["cpu"] / cores, unit="s", target="",
                     note="the wall time on an idle machine if every core were kept busy"))
    if marks["set-up"] is not None:
        rows.append(dict(name="make test, phase 1: set-up (uv, npm, apt-get side by side)", value=marks["set-up"] - started,
                         unit="s", target="", note="a no-op in a checkout already set up"))
    if marks["set-up"] is not None and marks["build"] is not None:
        rows.append(dict(name="make test, phase 2: the build, the grader's tests beside it",
                         value=marks["build"] - marks["set-up"], unit="s", target="",
                         note="make book; the grader's tests beside it go on into phase 3 (their own time below)"))
    if marks["build"] is not None:
        rows.append(dict(name="make test, phase 3: the other tests, the grader's beside them",
                         value=started + whole["wall"] - marks["build"], unit="s", target="", note="until the last test ends"))
    for run, what in (("main", "every test but the grader's that need no build (pytest -n auto)"),
                      ("grading", "the grader's tests (one process, one after the other)")):
        if run in runs:
            rows.append(dict(name=f"make test: {what}, from its start to its end", value=runs[run], unit="s", target="", note=""))
    counted = sum(k["cpu"] for k in split["kinds"].values()) + split["outside"]
    rows.append(dict(name="make test, tests: CPU time counted per test", value=counted, unit="s", target="",
                     note="can be higher than the CPU time of all processes above: getrusage loses the renderers a closing browser orphans, the per-test count sees them while they run"))
    for kind in ("unit", "build", "browser"):
        k = split["kinds"].get(kind)
        if k:
            rows.append(dict(name=f"make test, tests, {kind}: CPU time", value=k["cpu"], unit="s", target="",
                             note=f"{k['count']} tests; their wall times add up to {k['wall']:.0f} s over the workers"))
    rows.append(dict(name="make test, tests: workers' start-up and collection, CPU time", value=split["outside"], unit="s",
                     target="", note="each pytest process's own CPU time outside its tests, added up"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
    sys.exit(0)
