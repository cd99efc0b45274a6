"""The trusted side of running a submission: sandbox, limits, timeouts, the result channel, clean-up.

:func:`run_submission` runs one notebook's cells, then the probes, in a sandbox
(:mod:`grading.sandbox`; bubblewrap by default) through :mod:`grading.launch`, which applies
resource limits and drops privileges, and talks to the worker (:mod:`grading.worker`) over two
pipes: nothing of the job is written to disk, and the worker's answers are read with a size cap.
The protocol is a small state machine (see the worker's docstring): cell errors are accepted only
while the cells run, and the probes are sent one at a time, shown cases before hidden ones, only
after the cells are done. So no message that reaches the feedback can carry a hidden input, even
from a submission that writes to the channel itself.

A step (one cell, or one probe call) that uses more than ``step_timeout`` seconds of CPU time (or
``wall_factor`` times that in wall-clock time: a busy machine does not cost a student points), a
process that dies
(crash, ``os._exit``, a signal, memory) or floods the channel is recorded as an *incident*; the
whole sandbox is killed and the submission is re-run with that step skipped (a cell) or that
question given up (a probe), so one bad cell costs only what depends on it. After
``total_timeout`` CPU seconds, or ``wall_seconds`` of wall-clock time (all runs together: sleeping
or blocking costs no CPU), or ``max_attempts`` runs, it stops. Every message from the worker must carry the run's random nonce: a blind spoof
from a thread of the submission is ignored. Every run's process group (and,
as root, every process of the run's dedicated uid) is killed, and its temporary files removed, on
every path.
"""

from __future__ import annotations

import json
import os
import re
import selectors
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

from grading import sandbox as sandbox_mod
from grading.limits import Limits
from grading.sandbox import HOME, LAUNCHER, Sandbox

MAX_CHANNEL_BYTES = 32_000_000  # everything one run may send back
MAX_MESSAGE_BYTES = 16_000_000  # one message (one probe's value)
START_TIMEOUT = 120.0  # wall seconds (a quarter of it in CPU) for Python + IPython to start

_ACTIVE: set[int] = set()  # process groups of running launches
_ACTIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()
_DEFAULT: dict[str, Sandbox] = {}
_DEFAULT_LOCK = threading.Lock()


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


def default_sandbox(mode: str | None = None) -> Sandbox:
    """One staged sandbox per mode and process (``GRADE_SANDBOX`` or bwrap)."""
    mode = sandbox_mod.resolve_mode(mode)
    with _DEFAULT_LOCK:
        if mode not in _DEFAULT:
            _DEFAULT[mode] = sandbox_mod.create(mode)
        return _DEFAULT[mode]


@dataclass
class RunOutcome:
    results: dict[str, list[Any]] = field(default_factory=dict)  # question -> raw records (untrusted)
    cell_errors: dict[int, str] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)
    skipped_questions: dict[str, str] = field(default_factory=dict)  # question -> reason
    attempts: int = 0
    seconds: float = 0.0
    mode: str = ""


def cell_label(cells: list[str], i: int) -> str:
    """'cell 17 (`hog = []`)': the notebook position and the first line of code."""
    first = next((ln.strip() for ln in cells[i].splitlines() if ln.strip()), "") if i < len(cells) else ""
    first = "".join(ch if ch.isprintable() else "?" for ch in first)
    if len(first) > 50:
        first = first[:47] + "..."
    return f"cell {i + 1} (`{first}`)" if first else f"cell {i + 1}"


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _describe_exit(code: int | None, mode: str) -> str:
    if code is None:
        return "was stopped"
    sig = -code if code < 0 else (code - 128 if mode == "bwrap" and 128 < code < 128 + 65 else 0)
    if sig:
        if sig == signal.SIGXCPU:
            return "used up its CPU-time limit"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        extra = " (a memory or process limit, or the code itself)" if sig == signal.SIGKILL else ""
        return f"was killed by signal {name}{extra}"
    if code == 120:
        return "could not be started in the sandbox"
    return f"exited with code {code}"


_TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Children of every thread of ``pid`` (a child forked by a thread is in that thread's list)."""
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out.extend(int(x) for x in fh.read().split())
        except (OSError, ValueError):
            pass
    return out


def _cpu_seconds(pid: int) -> float | None:
    """CPU time of ``pid`` (all its threads, plus children it has waited for), from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / _TICK
    except (OSError, ValueError, IndexError):
        return None


class _Clock:
    """CPU time used by the sandbox, from the kernel's accounting: every process under the
    launcher (bwrap, its pid 1 and the worker; the seccomp filter lets the worker start no process
    of its own, and this counts the children of every thread anyway), all threads included, so that
    a step's limit does not depend on how busy the machine is. Read at most every 0.25 s; wall
    time is capped apart."""

    def __init__(self, launcher_pid: int) -> None:
        self.launcher = launcher_pid
        self.last = 0.0
        self.dead = 0.0  # CPU of processes seen before that have left the tree (not reaped by it)
        self.seen: dict[int, float] = {}
        self.t = 0.0

    def cpu(self) -> float:
        now = time.monotonic()
        if now - self.t < 0.25:
            return self.last
        self.t = now
        current: dict[int, float] = {}
        stack, guard = [self.launcher], 0
        while stack and guard < 4096:
            pid = stack.pop()
            guard += 1
            v = _cpu_seconds(pid)
            if v is not None:
                current[pid] = v
            stack.extend(_children(pid))
        for pid, v in self.seen.items():
            if pid not in current:
                self.dead += v  # gone; if a parent in the tree reaped it, that counts twice (harmless)
        self.seen = current
        self.last = max(self.last, self.dead + sum(current.values()))
        return self.last


def _memfd(name: str, data: bytes) -> int:
    fd = os.memfd_create(name, 0)  # not inheritable unless passed explicitly
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:80].lstrip(".") or "submission"
    return stem if stem.endswith(".ipynb") else stem + ".ipynb"


@dataclass
class _Run:
    """One sandboxed run: what the parent saw."""

    cpu: float = 0.0
    finished: bool = False
    step: tuple = ("start-up",)
    reason: str | None = None
    code: int | None = None
    cell_errors: dict[int, str] = field(default_factory=dict)
    records: dict[tuple[str, int], Any] = field(default_factory=dict)


class _Protocol:
    """The grader's side of one run's conversation with the worker (see the worker's docstring).

    It accepts each kind of message only in its phase -- cell steps and cell errors while the
    cells run, then one answer per probe it sent, shown cases before hidden ones, then ``done`` --
    and only with the run's nonce. It knows which step is running and since when (wall and CPU
    time), so :meth:`overrun` can say when a limit is passed. It never reads the channel itself:
    :meth:`feed` gets the bytes, :meth:`outgoing` holds the bytes to write.
    """

    def __init__(self, cells: list[str], skip_cells: list[int], order: list[tuple[str, int]],
                 wires: dict[tuple[str, int], dict[str, Any]], limits: Limits, run: _Run) -> None:
        self.cells, self.skip, self.wires, self.limits, self.run = cells, set(skip_cells), wires, limits, run
        self.nonce = os.urandom(16).hex()
        self.queue = list(order)
        self.current: tuple[str, int] | None = None
        self.phase = "start"
        self.outgoing = bytearray()
        self.buf = bytearray()
        self.received = 0
        self.step_t0 = time.monotonic()
        self.step_cpu0 = 0.0
        self.step_limit = START_TIMEOUT
        self._send({"cells": cells, "skip_cells": sorted(self.skip), "nonce": self.nonce, "tasks": limits.tasks})

    def _send(self, obj: dict[str, Any]) -> None:
        self.outgoing.extend(json.dumps(obj).encode() + b"\n")

    def _start_step(self, step: tuple, cpu: float) -> None:
        self.run.step = step
        self.step_t0, self.step_limit, self.step_cpu0 = time.monotonic(), self.limits.step_timeout, cpu

    def _next_probe(self, cpu: float) -> None:
        if self.queue:
            self.current = self.queue.pop(0)
            self._send({"probe": self.wires[self.current]})
            self._start_step(("probe", *self.current), cpu)
        else:
            self.current = None
            self._send({"end": True})
            self.phase = "ending"
            self._start_step(("ending",), cpu)

    def feed(self, data: bytes, cpu: float) -> None:
        """Bytes from the worker: every complete line is one (untrusted) message."""
        self.received += len(data)
        if self.received > MAX_CHANNEL_BYTES:
            self.run.reason = (f"it sent more than {MAX_CHANNEL_BYTES // 1_000_000} MB back to the grader"
                               " and was stopped")
            return
        self.buf.extend(data)
        while b"\n" in self.buf and not self.run.finished:
            line, _, rest = bytes(self.buf).partition(b"\n")
            self.buf[:] = rest
            try:
                msg = json.loads(line)
            except Exception:  # noqa: BLE001 - garbage, or hostile nesting
                continue
            self.handle(msg, cpu)
        if len(self.buf) > MAX_MESSAGE_BYTES:
            self.run.reason = "it sent a message larger than the grader accepts and was stopped"

    def handle(self, msg: Any, cpu: float) -> None:
        run = self.run
        if not isinstance(msg, dict) or msg.get("n") != self.nonce:
            return  # not from the worker (a blind spoof), or garbage
        if self.phase in ("start", "cells"):
            i = msg.get("i")
            if msg.get("step") == "cell" and isinstance(i, int) and not isinstance(i, bool) \
                    and 0 <= i < len(self.cells) and i not in self.skip:
                self.phase = "cells"
                self._start_step(("cell", i), cpu)
            elif isinstance(msg.get("cell_error"), int) and isinstance(msg.get("msg"), str):
                ci = msg["cell_error"]
                if 0 <= ci < len(self.cells) and len(run.cell_errors) < 1000:
                    run.cell_errors[ci] = msg["msg"][:600]
            elif msg.get("cells_done") is True:
                self.phase = "probes"
                self._next_probe(cpu)
        elif self.phase == "probes" and "result" in msg and self.current is not None:
            run.records[self.current] = msg["result"]
            self._next_probe(cpu)
        elif self.phase == "ending" and msg.get("done") is True:
            run.finished = True

    def overrun(self, cpu: float, t0: float, cpu_before: float) -> str | None:
        """The limit this run has just passed, if any (``t0``/``cpu_before``: the submission's
        start and the CPU time of its earlier runs)."""
        now, lim = time.monotonic(), self.limits
        if self.phase == "start":
            if cpu > START_TIMEOUT / 4 or now - self.step_t0 > START_TIMEOUT:
                return f"it did not start within {START_TIMEOUT:g} s"
        elif cpu - self.step_cpu0 > self.step_limit or now - self.step_t0 > self.step_limit * lim.wall_factor:
            return (f"it ran longer than {lim.step_timeout:g} s and was stopped"
                    if self.run.step[0] in ("cell", "probe") else "it did not finish cleanly")
        if cpu_before + cpu > lim.total_timeout:
            return f"{TOTAL_STOP}{lim.total_timeout:g} s of CPU time"
        if now - t0 > lim.wall_seconds:
            return f"{TOTAL_STOP}{lim.wall_seconds:g} s of wall-clock time"
        return None


TOTAL_STOP = "it was stopped: the whole submission exceeded "
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/shm", "/run/lock", "/var/lock", "/dev/mqueue")
"""Mode ``user``: folders anyone may write to on the host, covered for the worker (see launch.py)."""


def _launch(sb: Sandbox, slot: int, limits: Limits, notebook: bytes, nb_name: str,
            tmp: Path) -> subprocess.Popen[bytes]:
    uid = sb.uid(slot)
    rl = {"AS": limits.address_space_bytes, "CPU": limits.cpu_seconds, "FSIZE": limits.home_bytes, "CORE": 0,
          "NOFILE": limits.open_files, "MSGQUEUE": 0, "SIGPENDING": 1024,
          "NPROC": limits.tasks if uid is not None else None}
    fds: list[int] = []
    cfg: dict[str, Any] = {"rlimits": rl, "uid": uid, "gid": uid, "pdeathsig": True}
    try:
        nb_fd = _memfd("notebook", notebook)
        fds.append(nb_fd)
        if sb.mode == "bwrap":
            mounts: dict[str, str] = {}
            private: dict[str, str] | None = None
            if os.geteuid() == 0 and uid is not None:
                slot_dir = sb.stage / "mnt" / str(slot)
                slot_dir.mkdir(exist_ok=True)
                os.chmod(slot_dir, 0o755)
                for i, src in enumerate(sb.bind_sources()):
                    mp = slot_dir / str(i)
                    if not mp.exists():
                        if os.path.isdir(src):
                            mp.mkdir()
                        else:
                            mp.touch()
                        os.chmod(mp, 0o755)
                    mounts[src] = str(mp)
                cfg["mounts"] = [[s, m] for s, m in mounts.items()]
                private = {HOME: str(slot_dir / "home"), "/tmp": str(slot_dir / "tmp")}
                cfg["tmpfs"] = [[private[HOME], limits.home_bytes, limits.files_count],
                                [private["/tmp"], limits.tmp_bytes, limits.files_count]]
            sc_fd = _memfd("seccomp", sb.seccomp_program)
            fds.append(sc_fd)
            args = sb.bwrap_args(nb_fd, nb_name, mounts, limits, sc_fd, private)
            args_fd = _memfd("bwrap-args", b"".join(os.fsencode(a) + b"\0" for a in args))
            fds.append(args_fd)
            cfg["argv"] = [sb.bwrap, "--args", str(args_fd), "--", *sb.command_inside()]
            cfg["env"] = {"PATH": "/usr/bin:/bin", "GRADING_OWNER": str(os.getpid())}  # bwrap's own, never inside
            cfg["cwd"] = "/"
        else:
            work = tmp / "home"
            work.mkdir()
            if uid is not None:
                os.chown(tmp, uid, uid)
                os.chown(work, uid, uid)
            if os.geteuid() == 0:
                cfg["tmpfs"] = [[str(work), limits.home_bytes, limits.files_count],
                                [str(work / "tmp"), limits.tmp_bytes, limits.files_count]]
            else:
                (work / "tmp").mkdir()
            cfg["notebook"] = {"fd": nb_fd, "path": str(work / nb_name)}
            if sb.mode == "user" and os.geteuid() == 0:
                writable = {p for p in WORLD_WRITABLE if os.path.isdir(p) and os.path.realpath(p) == p}
                cfg["reveal"] = sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                                        str(sb.lib), str(sb.stage / "grader")})
                cfg["hide"] = sorted(sb.hidden_paths() | writable)
                cfg["mount_stage"] = str(sb.stage / "mnt")
            cfg["seccomp"] = sb.seccomp_program.hex()
            cfg["argv"] = [sb.python_inside(), "-B", str(sb.stage / "grader" / "worker.py")]
            cfg["env"] = sb.env(str(work), str(work / "tmp"))
            cfg["cwd"] = str(work)
        return subprocess.Popen(
            [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(cfg)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd="/", env={"PATH": "/usr/bin:/bin", "GRADING_OWNER": str(os.getpid())}, start_new_session=True,
            pass_fds=fds, close_fds=True)
    finally:
        for fd in fds:
            os.close(fd)


def _converse(proc: subprocess.Popen[bytes], proto: _Protocol, t0: float, cpu_before: float) -> None:
    """Move bytes between the worker and the protocol until the run ends or passes a limit."""
    run = proto.run
    assert proc.stdin is not None and proc.stdout is not None
    out_fd, in_fd = proc.stdout.fileno(), proc.stdin.fileno()
    os.set_blocking(out_fd, False)
    os.set_blocking(in_fd, False)
    clock = _Clock(proc.pid)
    eof, writing, exited_at = False, False, 0.0
    with selectors.DefaultSelector() as sel:
        sel.register(out_fd, selectors.EVENT_READ)
        while not run.finished:
            if proto.outgoing and not writing:
                sel.register(in_fd, selectors.EVENT_WRITE)
                writing = True
            for key, _ in sel.select(timeout=0.05):
                if key.fd == out_fd:
                    try:
                        data = os.read(out_fd, 1 << 16)
                    except BlockingIOError:
                        continue
                    if not data:
                        eof = True
                        sel.unregister(out_fd)
                        continue
                    proto.feed(data, clock.cpu())
                    if run.reason or run.finished:
                        break
                elif key.fd == in_fd:
                    try:
                        n = os.write(in_fd, proto.outgoing[: 1 << 16])
                        del proto.outgoing[:n]
                    except BlockingIOError:
                        pass
                    except OSError:  # the worker is gone
                        proto.outgoing.clear()
                    if not proto.outgoing:
                        sel.unregister(in_fd)
                        writing = False
            if run.reason or run.finished:
                return
            run.cpu = cpu = clock.cpu()
            run.reason = proto.overrun(cpu, t0, cpu_before)
            if run.reason:
                return
            if eof:  # the channel closed: usually the process ended; give it a moment to say how
                try:
                    proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    if run.step[0] in ("cell", "probe"):
                        run.reason = "it closed the grader's channel and was stopped"
                return
            if proc.poll() is not None:  # gone; read what is left in the pipe, briefly
                exited_at = exited_at or time.monotonic()
                if time.monotonic() - exited_at > 0.5:
                    return


def _one_run(sb: Sandbox, cells: list[str], skip_cells: list[int], order: list[tuple[str, int]],
             wires: dict[tuple[str, int], dict[str, Any]], limits: Limits, notebook: bytes,
             nb_name: str, t0: float, cpu_before: float) -> _Run:
    run = _Run()
    slot = sb.acquire()
    tmp = Path(tempfile.mkdtemp(prefix=f"grading-run-{os.getpid()}-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = _launch(sb, slot, limits, notebook, nb_name, tmp)
        with _ACTIVE_LOCK:
            _ACTIVE.add(proc.pid)
        if _STOPPING.is_set():
            run.reason = "grading was interrupted"
            return run
        _converse(proc, _Protocol(cells, skip_cells, order, wires, limits, run), t0, cpu_before)
        return run
    finally:
        if proc is not None:
            _kill_group(proc.pid)
            try:
                proc.kill()
            except OSError:
                pass
            for stream in (proc.stdin, proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                run.code = proc.wait(timeout=30) if run.code is None else run.code
            except subprocess.TimeoutExpired:
                pass
            with _ACTIVE_LOCK:
                _ACTIVE.discard(proc.pid)
        sb.sweep(slot)
        sb.release(slot)
        _remove(tmp)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():  # files of a dropped uid in folders it made read-only
        for dirpath, dirnames, _ in os.walk(path):
            for d in dirnames:
                try:
                    os.chmod(os.path.join(dirpath, d), 0o700)
                except OSError:
                    pass
        shutil.rmtree(path, ignore_errors=True)


def run_submission(cells: list[str], probes: dict[str, list[dict[str, Any]]],
                   limits: Limits | None = None, sandbox: Sandbox | str | None = None,
                   notebook: bytes = b"", notebook_name: str = "submission.ipynb") -> RunOutcome:
    """Run ``cells`` then ``probes`` in a fresh sandbox; return the raw (untrusted) probe records.

    ``probes`` maps a question to its probes' wire forms (:meth:`grading.spec.Probe.wire`), each
    with ``"show"`` (a shown case, sent before every hidden one). ``notebook`` (the submitted
    file's bytes) is copied into the sandbox's private folder as ``notebook_name``.
    """
    limits = limits or Limits()
    sb = sandbox if isinstance(sandbox, Sandbox) else default_sandbox(sandbox)
    out = RunOutcome(mode=sb.mode)
    skip_cells: list[int] = []
    skip_q: list[str] = []
    shown = {(q, k) for q, ps in probes.items() for k, p in enumerate(ps) if p.get("show")}
    wires = {(q, k): {key: v for key, v in p.items() if key != "show"}
             for q, ps in probes.items() for k, p in enumerate(ps)}
    nb_name = _safe_name(notebook_name)
    t0 = time.monotonic()
    cpu_used = 0.0
    while out.attempts < limits.max_attempts and not _STOPPING.is_set():
        out.attempts += 1
        remaining = [q for q in probes if q not in out.results and q not in skip_q]
        order = [(q, k) for q in remaining for k in range(len(probes[q])) if (q, k) in shown] + \
                [(q, k) for q in remaining for k in range(len(probes[q])) if (q, k) not in shown]
        run = _one_run(sb, cells, skip_cells, order, wires, limits, notebook, nb_name, t0, cpu_used)
        cpu_used += run.cpu
        out.cell_errors.update(run.cell_errors)
        for q in remaining:
            if all((q, k) in run.records for k in range(len(probes[q]))):
                out.results[q] = [run.records[(q, k)] for k in range(len(probes[q]))]
        if run.finished:
            break
        why = run.reason or f"the process {_describe_exit(run.code, sb.mode)}"
        if run.reason and run.reason.startswith(TOTAL_STOP):
            where = cell_label(cells, run.step[1]) if run.step[0] == "cell" else \
                f"checking {run.step[1]}" if run.step[0] == "probe" else "start-up"
            budget = run.reason[len(TOTAL_STOP):]
            out.incidents.append(f"grading stopped after {budget} in total (during {where})")
            for q in probes:
                if q not in out.results and q not in out.skipped_questions:
                    out.skipped_questions[q] = f"not checked: the submission used up its {budget}"
            break
        if run.step[0] == "cell":
            i = run.step[1]
            out.incidents.append(f"{cell_label(cells, i)}: {why}; it was skipped and the notebook"
                                 " re-run without it")
            skip_cells.append(i)
        elif run.step[0] == "probe" and run.step[1] not in out.results:
            q, k = run.step[1], run.step[2]
            if (q, k) in shown:
                out.skipped_questions[q] = f"checking {q}: {why}"
            elif run.reason and "longer than" in run.reason:
                out.skipped_questions[q] = f"checking {q}: a hidden case ran longer than {limits.step_timeout:g} s"
            else:  # nothing chosen by the code (exit code, signal) is reported for hidden cases
                out.skipped_questions[q] = f"checking {q}: the process ended during a hidden case"
            skip_q.append(q)
        else:
            out.incidents.append(f"the notebook could not be run to the end ({why})")
            break
        if cpu_used > limits.total_timeout:
            out.incidents.append(f"grading stopped after {limits.total_timeout:g} s of CPU time in total")
            break
        if time.monotonic() - t0 > limits.wall_seconds:
            out.incidents.append(f"grading stopped after {limits.wall_seconds:g} s of wall-clock time in total")
            break
    out.seconds = time.monotonic() - t0
    return out
