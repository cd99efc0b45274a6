"""The trusted side of running a submission: process, limits, timeouts, clean-up.

:func:`run_submission` starts ``python -m grading.worker`` in a new session (its own process
group) with ``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` and ``RLIMIT_FSIZE`` set, feeds it the cells
and probes on stdin (nothing of the hidden checks is written to disk), and watches its status
file. A step (one cell, or one question's probes) that runs longer than ``step_timeout`` or a
process that dies (crash, ``os._exit``, SIGKILL, memory) is recorded as an *incident*; the whole
process group is killed and the submission is re-run with that step skipped, so one bad cell
costs only what depends on it. After ``total_timeout`` seconds, or ``max_attempts`` runs, it
stops. The private temporary folder is removed in a ``finally`` block and the process group is
always killed, so no process and no file is left behind.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_RESULT_BYTES = 20_000_000

_ACTIVE: set[int] = set()  # process groups of running workers
_ACTIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()


def resume() -> None:
    """Allow workers to start again (at the start of a grading run)."""
    _STOPPING.clear()


def stop_all() -> None:
    """Kill every running worker's process group (the grader is interrupted) and start no more."""
    _STOPPING.set()
    with _ACTIVE_LOCK:
        groups = list(_ACTIVE)
    for pgid in groups:
        _kill_group(pgid)


@dataclass
class Limits:
    memory_bytes: int = 4 * 1024**3  # 2 GB breaks `import torch`; 4 GB works
    cpu_seconds: int = 60
    file_bytes: int = 64 * 1024**2
    step_timeout: float = 10.0  # one cell, or one question's probes
    total_timeout: float = 60.0
    max_attempts: int = 4


@dataclass
class RunOutcome:
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # raw, untrusted
    cell_errors: dict[int, str] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)
    skipped_questions: dict[str, str] = field(default_factory=dict)  # question -> reason
    attempts: int = 0
    seconds: float = 0.0


def cell_label(cells: list[str], i: int) -> str:
    """'cell 17 (`hog = []`)': the notebook position and the first line of code."""
    first = next((ln.strip() for ln in cells[i].splitlines() if ln.strip()), "") if i < len(cells) else ""
    if len(first) > 50:
        first = first[:47] + "..."
    return f"cell {i + 1} (`{first}`)" if first else f"cell {i + 1}"


def _preexec(limits: Limits) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_status(path: Path) -> tuple[str | None, bool, dict[int, str]]:
    step, done, errors = None, False, {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:2_000_000]
    except FileNotFoundError:
        return step, done, errors
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        if isinstance(rec.get("step"), str):
            step = rec["step"]
        if rec.get("done") is True:
            done = True
        if isinstance(rec.get("cell_error"), int) and isinstance(rec.get("msg"), str):
            errors[rec["cell_error"]] = rec["msg"][:600]
    return step, done, errors


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "was stopped"
    if code < 0:
        sig = -code
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            return "used up its CPU-time limit"
        return f"was killed by signal {name}"
    return f"exited with code {code}"


def _clean_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg", PYTHONHASHSEED="0", GRADING_RUN="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def run_submission(cells: list[str], probes: dict[str, list[dict[str, Any]]],
                   limits: Limits | None = None) -> RunOutcome:
    """Run ``cells`` then ``probes`` in a fresh, limited process; return the raw probe values."""
    limits = limits or Limits()
    out = RunOutcome()
    skip_cells: list[int] = []
    skip_q: list[str] = []
    t0 = time.monotonic()
    pythonpath = str(Path(__file__).resolve().parents[1])
    while out.attempts < limits.max_attempts and not _STOPPING.is_set():
        out.attempts += 1
        remaining = {q: p for q, p in probes.items() if q not in out.results and q not in skip_q}
        tmp = tempfile.mkdtemp(prefix="grading-")
        proc: subprocess.Popen[bytes] | None = None
        try:
            status = Path(tmp) / "status.jsonl"
            results = Path(tmp) / "results"
            work = Path(tmp) / "work"
            results.mkdir()
            work.mkdir()
            job = {"cells": cells, "skip_cells": skip_cells, "probes": remaining,
                   "skip_questions": skip_q, "status": str(status), "results": str(results)}
            env = _clean_env()
            env["IPYTHONDIR"] = str(Path(tmp) / "ipython")  # IPython's profile stays in the temp folder
            env["PYTHONPATH"] = pythonpath + (os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else "")
            proc = subprocess.Popen(
                [sys.executable, "-m", "grading.worker"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=work, env=env, start_new_session=True, preexec_fn=_preexec(limits),
            )
            with _ACTIVE_LOCK:
                _ACTIVE.add(proc.pid)
            assert proc.stdin is not None
            try:
                proc.stdin.write(json.dumps(job).encode())
                proc.stdin.close()
            except BrokenPipeError:
                pass
            step, step_t0, reason = None, time.monotonic(), None
            while True:
                code = proc.poll()
                cur, done, _ = _read_status(status)
                now = time.monotonic()
                if cur != step:
                    step, step_t0 = cur, now
                if code is not None:
                    break
                if step is not None and now - step_t0 > limits.step_timeout:
                    reason = f"it ran longer than {limits.step_timeout:g} s and was stopped"
                    break
                if now - t0 > limits.total_timeout:
                    reason = f"it was stopped: the whole submission exceeded {limits.total_timeout:g} s"
                    break
                time.sleep(0.02)
            _kill_group(proc.pid)
            code = proc.wait()
            cur, done, errors = _read_status(status)
            out.cell_errors.update(errors)
            for q in remaining:
                f = results / f"{q}.json"
                if f.is_file() and f.stat().st_size <= MAX_RESULT_BYTES:
                    try:
                        data = json.loads(f.read_text(encoding="utf-8", errors="replace"))
                    except Exception:  # noqa: BLE001 - malformed or hostile (deep nesting)
                        data = None
                    if isinstance(data, list):
                        out.results[q] = data
            if done and reason is None:
                break
            what = cur or "start-up"
            why = reason or f"the process {_describe_exit(code)}"
            m_cell = re.fullmatch(r"cell (\d+)", what)
            m_probe = re.fullmatch(r"probe (\w+)", what)
            if m_cell and int(m_cell.group(1)) < len(cells) and int(m_cell.group(1)) not in skip_cells:
                i = int(m_cell.group(1))
                out.incidents.append(f"{cell_label(cells, i)}: {why}; it was skipped and the notebook"
                                     " re-run without it")
                skip_cells.append(i)
            elif m_probe and m_probe.group(1) in remaining:
                q = m_probe.group(1)
                out.skipped_questions[q] = f"checking {q}: {why}"
                skip_q.append(q)
            else:
                out.incidents.append(f"the notebook could not be run to the end ({why})")
                break
            if time.monotonic() - t0 > limits.total_timeout:
                out.incidents.append(f"grading stopped after {limits.total_timeout:g} s in total")
                break
        finally:
            if proc is not None:
                _kill_group(proc.pid)
                if proc.poll() is None:
                    proc.wait()
                with _ACTIVE_LOCK:
                    _ACTIVE.discard(proc.pid)
            shutil.rmtree(tmp, ignore_errors=True)
    out.seconds = time.monotonic() - t0
    return out
