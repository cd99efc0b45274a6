"""Where a submission runs: a bubblewrap sandbox (default), an unprivileged user, or (only when
the instructor says so) a plain process.

Modes (``GRADE_SANDBOX`` / ``--sandbox``):

``bwrap`` (default)
    Every run of a submission gets its own ``bwrap`` sandbox: new user, PID, IPC, UTS, network
    (and, where possible, cgroup) namespaces, ``--die-with-parent``, a new session, user
    namespaces disabled inside, running as uid/gid 1000 inside, under the seccomp filter of
    :mod:`grading.seccomp` (one process, no sockets, no shared memory) and the limits of
    :mod:`grading.limits`. Its file system is an empty, read-only root holding only

    * ``/usr`` (and the ``/bin``, ``/lib*`` links) with ``/usr/local`` masked unless Python lives
      there, and the grader's Python environment presented at neutral paths (``/opt/venv``, and
      ``/opt/python`` for a base installation outside ``/usr``; :mod:`grading.environment`) --
      read-only;
    * ``/opt/lib``: a copy of the *shipped* package ``lecture_code`` (the student side: checker and
      public checks; never hidden checks, references or solutions) -- read-only;
    * ``/opt/grader/worker.py``: the worker, the only grader module it sees -- read-only;
    * ``/home/student`` (its working folder, holding its own copy of the notebook) and ``/tmp``:
      private tmpfs of limited size (and, as root, number of files); ``/dev`` minimal and
      read-only (so no POSIX shared memory), ``/proc`` of its own PID namespace.

    Nothing of the repository, ``solutions/``, the hidden checks, the reference values, other
    submissions, the output folder or the host's processes is visible; there is no network
    (only its own loopback). When the grader runs as root, the launcher
    (:mod:`grading.launch`) also drops to a dedicated, unprivileged host uid per worker slot
    before starting ``bwrap`` (so even an escape would hold no privilege), limits the number of
    processes of that uid (fork bombs) and, after every run, kills whatever that uid still runs.

``user``
    For Gradescope and other containers where ``bwrap`` cannot run: the worker runs as a
    dedicated unprivileged uid (the grader must be root), in its own session and folder, with the
    same limits, the same seccomp filter (so no socket: no network) and the same plain-values
    protocol. In a private mount namespace the grader's own folder (hidden checks, solutions), the
    submissions, the output folder and the host's world-writable folders are covered by empty
    tmpfs, and its own folders are private tmpfs; files readable by root only (the archive makes
    its folders 0700) stay out of reach anyway; processes left over are killed by uid. No PID
    isolation: rely on the container (one submission) for that.

    It hides only the folders it knows of: any other copy of the course on the machine (another
    checkout's world-readable ``solutions/``) stays readable. So it runs only where it is the
    whole machine's one copy: inside the Gradescope archive (the grader at
    ``/autograder/source``), or when ``GRADE_USER_MODE_WITHOUT_FILE_ISOLATION=1`` says that the
    operator knows it; otherwise it is refused with that reason.

``none``
    A process in its own session with resource limits and the seccomp filter only. A submission
    can read every file the grader can (including ``solutions/``) and signal its processes. ``make grade`` refuses it
    unless ``GRADE_SANDBOX=none`` is given, and then warns in its output and in the report.
"""

from __future__ import annotations

import atexit
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from grading import seccomp
from grading.environment import PYTHON_INSIDE, VENV_INSIDE, Presented, prepare
from grading.limits import Limits

MODES = ("bwrap", "user", "none")
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lecture_code"
WORKER = Path(__file__).resolve().parent / "worker.py"
LAUNCHER = Path(__file__).resolve().parent / "launch.py"

INSIDE_UID = 1000
HOME = "/home/student"
UID_BASE_RANGE = (2_000_000_000, 2_100_000_000)  # dedicated host uids (never real users)


class SandboxUnavailable(RuntimeError):
    """The requested sandbox cannot run here (message says why and what to do)."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _copy_tree(src: Path, dst: Path) -> None:
    """World-readable copy of a package (no caches, no symlinks followed out of it)."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        rel = Path(dirpath).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        os.chmod(dst / rel, 0o755)
        for f in filenames:
            s = Path(dirpath) / f
            if s.is_symlink() or not s.is_file() or f.endswith((".pyc", ".pyo")):
                continue
            shutil.copyfile(s, dst / rel / f)
            os.chmod(dst / rel / f, 0o644)


def shipped_files(package: Path = PACKAGE) -> list[str]:
    """Relative paths of the files of ``package`` that a submission sees (and the wheel ships)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        for f in filenames:
            p = Path(dirpath) / f
            if not p.is_symlink() and p.is_file() and not f.endswith((".pyc", ".pyo")):
                out.append(p.relative_to(package.parent).as_posix())
    return sorted(out)


@dataclass
class Sandbox:
    """A staged sandbox environment for one grading run (see the module docstring)."""

    mode: str
    stage: Path
    bwrap: str | None = None
    uid_base: int | None = None  # dedicated host uids (root only): uid_base + slot
    hide: set[str] = field(default_factory=set)  # mode user: folders covered for the worker
    presented: Presented | None = None  # mode bwrap: the Python environment at neutral paths
    _free: list[int] = field(default_factory=list)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- slots: one dedicated uid per concurrently running worker -------------------------
    def acquire(self) -> int:
        with self._lock:
            if self._free:
                return self._free.pop()
            self._next += 1
            if self._next > 999:
                raise RuntimeError("more than 999 concurrent sandboxes")
            return self._next - 1

    def release(self, slot: int) -> None:
        with self._lock:
            self._free.append(slot)

    def uid(self, slot: int) -> int | None:
        return None if self.uid_base is None else self.uid_base + slot

    def hidden_paths(self) -> set[str]:
        """Mode ``user``: what the worker's private mount namespace covers with an empty tmpfs:
        the grader's own folder (hidden checks, solutions) plus what :func:`grading.grade.grade_folder`
        adds (the submissions and the output folder)."""
        return {os.path.realpath(ROOT), *self.hide}

    @property
    def lib(self) -> Path:
        return self.stage / "lib"

    @property
    def seccomp_program(self) -> bytes:
        """The seccomp filter every worker runs under (:mod:`grading.seccomp`)."""
        return seccomp.program()

    def close(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    # ---- the command line of one run -----------------------------------------------------
    def env(self, home: str, tmp: str) -> dict[str, str]:
        """The whole environment of the worker (nothing of the grader's is passed on)."""
        return {
            "PATH": "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin" if self.mode == "bwrap"
            else f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": home, "TMPDIR": tmp, "USER": "student", "LOGNAME": "student",
            "LANG": "C.UTF-8", "PYTHONPATH": "/opt/lib" if self.mode == "bwrap" else str(self.lib),
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "PYTHONNOUSERSITE": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{tmp}/matplotlib", "IPYTHONDIR": f"{home}/.ipython",
            "GRADING_RUN": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            **({"LD_LIBRARY_PATH": f"{PYTHON_INSIDE}/lib"}
               if self.mode == "bwrap" and self.presented and self.presented.python else {}),
        }

    def python_inside(self) -> str:
        return "/opt/venv/bin/python" if self.mode == "bwrap" else sys.executable

    def bwrap_args(self, notebook_fd: int, notebook_name: str, mounts: dict[str, str], limits: Limits,
                   seccomp_fd: int, private: dict[str, str] | None = None) -> list[str]:
        """bwrap's arguments (they go through ``--args FD``, so the sandbox's /proc/1/cmdline
        shows none of the host paths). ``mounts`` maps host path -> path bwrap binds from (the
        launcher's private staging mount points when it runs as root); ``private`` maps
        ``/home/student`` and ``/tmp`` to the tmpfs the root launcher mounted for them (with a
        cap on the number of files, which bwrap's own ``--tmpfs`` cannot set)."""
        src = lambda p: mounts.get(p, p)  # noqa: E731
        a = ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net",
             "--unshare-cgroup-try", "--disable-userns", "--die-with-parent", "--new-session",
             "--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID), "--hostname", "sandbox",
             "--ro-bind", src("/usr"), "/usr"]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = Path("/") / top
            if p.is_symlink():
                a += ["--symlink", os.readlink(p), str(p)]
        base = os.path.realpath(sys.base_prefix)
        if not base.startswith("/usr/local") and Path("/usr/local").is_dir():
            a += ["--tmpfs", "/usr/local"]  # nothing of /usr/local but Python, when it lives there
        for host, inside in self._binds()[1:]:
            a += ["--ro-bind", src(host), inside]
        a += ["--proc", "/proc", "--dev", "/dev"]  # /dev/shm stays on the read-only /dev: no POSIX shm
        if private:
            a += ["--bind", private[HOME], HOME, "--bind", private["/tmp"], "/tmp"]
        else:
            a += ["--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
                  "--size", str(limits.home_bytes), "--tmpfs", HOME]
        a += ["--file", str(notebook_fd), f"{HOME}/{notebook_name}",
              "--remount-ro", "/dev", "--remount-ro", "/",
              "--seccomp", str(seccomp_fd),
              "--chdir", HOME, "--clearenv"]
        for k, v in self.env(HOME, "/tmp").items():
            a += ["--setenv", k, v]
        return a

    def command_inside(self) -> list[str]:
        return [self.python_inside(), "-B", "/opt/grader/worker.py"]

    def _binds(self) -> list[tuple[str, str]]:
        """(host path, path inside) of every read-only bind of mode bwrap, ``/usr`` first."""
        pairs = [("/usr", "/usr")]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = Path("/") / top
            if p.is_dir() and not p.is_symlink():
                pairs.append((str(p), str(p)))
        base = os.path.realpath(sys.base_prefix)
        pres = self.presented
        if pres is not None and pres.python is not None:
            pairs.append((str(pres.python), PYTHON_INSIDE))
        elif not base.startswith("/usr/") or base.startswith("/usr/local"):
            pairs.append((base, base))
        pairs.append((str(pres.venv) if pres is not None else os.path.realpath(sys.prefix), VENV_INSIDE))
        pairs += [(str(self.lib), "/opt/lib"), (str(self.stage / "grader"), "/opt/grader")]
        pairs += [(e, e) for e in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
                  if os.path.exists(e)]
        return pairs

    def bind_sources(self) -> list[str]:
        """Host paths bwrap binds (staged through private mounts when the launcher is root)."""
        return [host for host, _ in self._binds()]

    def sweep(self, slot: int) -> None:
        """Kill every process the slot's dedicated uid still runs (root only)."""
        uid = self.uid(slot)
        if uid is None:
            return
        subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), f'{{"sweep": {uid}}}'],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30, check=False)


def remove_stale(tmp: Path | None = None) -> list[Path]:
    """Remove the temporary folders of graders that were killed (SIGKILL leaves no time to clean
    up): ``grading-env-<pid>-*`` and ``grading-run-<pid>-*`` whose process is gone."""
    removed = []
    for p in Path(tmp or tempfile.gettempdir()).glob("grading-[er][nu][vn]-*-*"):
        try:
            pid = int(p.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _stage(mode: str) -> Path:
    remove_stale()
    stage = Path(tempfile.mkdtemp(prefix=f"grading-env-{os.getpid()}-"))
    os.chmod(stage, 0o755)  # the unprivileged uid must reach the staged copies
    _copy_tree(PACKAGE, stage / "lib" / "lecture_code")
    os.chmod(stage / "lib", 0o755)
    (stage / "grader").mkdir()
    os.chmod(stage / "grader", 0o755)
    shutil.copyfile(WORKER, stage / "grader" / "worker.py")
    os.chmod(stage / "grader" / "worker.py", 0o644)
    # byte-compile the copy once (the sandbox can read but not write __pycache__)
    import compileall

    compileall.compile_dir(str(stage / "lib"), quiet=1, workers=1)
    for dirpath, dirnames, filenames in os.walk(stage):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    (stage / "mnt").mkdir()
    os.chmod(stage / "mnt", 0o755)
    return stage


def check_bwrap(bwrap: str) -> None:
    """Run ``true`` in a minimal sandbox with the namespaces we need; raise if it fails."""
    args = [bwrap, "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net",
            "--disable-userns", "--die-with-parent", "--ro-bind", "/usr", "/usr"]
    for top in ("bin", "lib", "lib64"):
        p = Path("/") / top
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    fd = os.memfd_create("seccomp")
    try:
        os.write(fd, seccomp.program())
        os.lseek(fd, 0, os.SEEK_SET)
        args += ["--proc", "/proc", "--seccomp", str(fd), "--", "/bin/sh", "-c", "exit 0"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL, pass_fds=[fd])
    finally:
        os.close(fd)
    if r.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot create its namespaces here: {r.stderr.strip()[:300]}"
            " (user namespaces disabled? see docs/grading.md)")


def resolve_mode(mode: str | None) -> str:
    mode = (mode or os.environ.get("GRADE_SANDBOX") or "bwrap").strip().lower()
    if mode not in MODES:
        raise ValueError(f"sandbox must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


GRADESCOPE_SOURCE = Path("/autograder/source")
USER_MODE_FLAG = "GRADE_USER_MODE_WITHOUT_FILE_ISOLATION"


def user_mode_allowed() -> bool:
    """Mode ``user`` (no file-system isolation) runs inside the Gradescope archive, or when the
    operator says so (:data:`USER_MODE_FLAG`)."""
    if os.environ.get(USER_MODE_FLAG) == "1":
        return True
    return GRADESCOPE_SOURCE.is_dir() and ROOT == GRADESCOPE_SOURCE.resolve()


def create(mode: str | None = None) -> Sandbox:
    """Check that ``mode`` can run here and stage its environment (call :meth:`Sandbox.close`)."""
    mode = resolve_mode(mode)
    if not seccomp.supported():
        raise SandboxUnavailable(
            f"the grader's seccomp filter knows the system calls of {', '.join(sorted(seccomp.ARCHES))}, "
            f"not of this machine ({platform.machine()}): add its table to grading/seccomp.py")
    bw = None
    if mode == "bwrap":
        bw = bwrap_path()
        if bw is None:
            raise SandboxUnavailable(
                "bubblewrap (`bwrap`) is not installed, and grading runs every submission in a bwrap "
                "sandbox. Install it (`make bubblewrap`, or `apt-get install bubblewrap`), or use "
                "GRADE_SANDBOX=user (as root, in a container holding no other copy of the course, with "
                "GRADE_USER_MODE_WITHOUT_FILE_ISOLATION=1) or, knowing that submissions can "
                "then read solutions/ and signal the grader, GRADE_SANDBOX=none.")
        check_bwrap(bw)
    if mode == "user" and not user_mode_allowed():
        raise SandboxUnavailable(
            "GRADE_SANDBOX=user has no file-system isolation: a submission can read every world-readable "
            "file of the machine, such as another copy of the course's solutions/. It runs inside the "
            f"Gradescope archive (the grader at {GRADESCOPE_SOURCE}) or with "
            f"{USER_MODE_FLAG}=1, which says that you accept that; use the bwrap sandbox otherwise")
    if mode == "user" and os.geteuid() != 0:
        raise SandboxUnavailable("GRADE_SANDBOX=user runs submissions as a dedicated unprivileged uid,"
                                 " so the grader must run as root")
    uid_base = None
    if os.geteuid() == 0 and mode in ("bwrap", "user"):
        lo, hi = UID_BASE_RANGE
        env_base = os.environ.get("GRADE_SANDBOX_UID")
        uid_base = int(env_base) if env_base else random.randrange(lo, hi, 1000)
    presented = prepare() if mode == "bwrap" else None  # once per environment; cached
    stage = _stage(mode)
    sb = Sandbox(mode, stage, bw, uid_base, presented=presented)
    atexit.register(sb.close)
    return sb


def mode_is_safe(mode: str) -> bool:
    return mode in ("bwrap", "user")
