"""The Python environment a sandboxed submission sees, at neutral paths.

A submission runs the grader's own Python packages, but it must not learn where the repository or
the grader's virtual environment live on the host: bind-mounting the venv would show its path in
``/proc/self/mountinfo`` (a bind mount's root is its path on the host file system), in
``pyvenv.cfg``, in ``direct_url.json`` and ``.pth`` files, and inside every compiled ``.pyc``
(``co_filename``). So the sandbox gets a *presented* copy, built once per environment and cached:

- ``venv/``: ``pyvenv.cfg`` written anew (``home`` = the inside path of the base Python), ``bin/python``
  a link to the base interpreter, and ``lib/pythonX.Y/site-packages`` with every file hard-linked
  (copied where links are impossible) except the editable install of ``lecture_code`` (the sandbox
  gets the shipped package at ``/opt/lib``) and ``direct_url.json`` records; every ``.pyc`` is
  rewritten with the file names it will have inside (``/opt/venv/...``); a text file naming a host
  path is rewritten with the inside path;
- ``python/``: the same for the base installation (interpreter, ``libpython``, the standard
  library), when it does not live under ``/usr`` (which the sandbox binds as it is).

Inside, they are ``/opt/venv`` and ``/opt/python``; the cache lives under ``/var/tmp`` (or
``GRADE_ENV_CACHE``), so a mount's root names only the cache. The cache folder must belong to the
grader's user and be writable by nobody else (checked before use); it is rebuilt when the
environment changes (its fingerprint: Python's version, the paths, and the names and times of the
installed packages) and built under a lock, so parallel graders share one copy; copies of other
environments are removed once unused for a week, or for an hour if that environment is gone (a
deleted checkout: the copy's hard links would keep its venv's files on disk).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import marshal
import os
import shutil
import stat
import sys
import sysconfig
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

FORMAT = 2  # bump when the presented layout changes
VENV_INSIDE = "/opt/venv"
PYTHON_INSIDE = "/opt/python"
_SKIP_STDLIB = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3",
                "__phello__"}
LOG = logging.getLogger("grading")
_TEXT_SUFFIXES = (".py", ".pth", ".json", ".txt", ".cfg", ".toml", ".ini", ".yaml", ".yml")


class EnvironmentError_(RuntimeError):
    """The presented environment cannot be built or used (message says why)."""


@dataclass(frozen=True)
class Presented:
    """Host folders to bind at ``/opt/venv`` and (if not ``None``) ``/opt/python``."""

    venv: Path
    python: Path | None

    @property
    def base_inside(self) -> str:
        return PYTHON_INSIDE if self.python is not None else os.path.realpath(sys.base_prefix)


def _version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def base_is_staged() -> bool:
    """Whether the base installation is presented too (it lives outside ``/usr``)."""
    base = os.path.realpath(sys.base_prefix)
    return not base.startswith("/usr/")


def host_paths() -> dict[str, str]:
    """Host paths that must not appear inside, each with the inside path that replaces it in a text
    file: the venv (as it is now, and as the ``command`` line of its ``pyvenv.cfg`` says it was
    made), the base installation when presented, the repository (whose package is ``/opt/lib``)."""
    root = Path(__file__).resolve().parents[1]
    paths = {str(root): "/opt/lib", os.path.realpath(root): "/opt/lib",
             sys.prefix: VENV_INSIDE, os.path.realpath(sys.prefix): VENV_INSIDE}
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    if cfg.is_file():
        for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("command") and " -m venv " in line:
                paths[line.split(" -m venv ", 1)[1].strip()] = VENV_INSIDE
    if base_is_staged():
        paths |= {sys.base_prefix: PYTHON_INSIDE, os.path.realpath(sys.base_prefix): PYTHON_INSIDE}
    # longest first: a venv inside the repository is replaced as the venv
    return {p.rstrip("/"): paths[p] for p in sorted(paths, key=len, reverse=True) if p and p != "/"}


def _site_packages() -> Path:
    return Path(sysconfig.get_path("purelib"))


def _installed_mark(e: os.DirEntry) -> str:
    """What of a site-packages entry tells an install apart: the time of a distribution's record
    (pip writes a new one on every install), of a file, of a link; not the time of a package's
    folder, which changes whenever Python writes a ``__pycache__`` into it (a first import would
    otherwise make the next run rebuild the whole copy)."""
    if e.is_dir(follow_symlinks=False) and not e.name.endswith((".dist-info", ".egg-info")):
        return ""
    return str(e.stat(follow_symlinks=False).st_mtime_ns)


def fingerprint() -> str:
    """Which environment the presented copy is of: Python's version, the paths, the installed
    distributions (names and the times pip installed them), the venv's own configuration."""
    h = hashlib.sha256(f"{FORMAT}|{sys.version}|{os.path.realpath(sys.prefix)}|"
                       f"{os.path.realpath(sys.base_prefix)}".encode())
    for e in sorted(os.scandir(_site_packages()), key=lambda e: e.name):
        if e.name != "__pycache__":
            h.update(f"{e.name}:{_installed_mark(e)}\n".encode())
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    h.update(f"pyvenv.cfg:{cfg.stat().st_mtime_ns if cfg.exists() else ''}\n".encode())
    return h.hexdigest()[:20]


def cache_root() -> Path:
    return Path(os.environ.get("GRADE_ENV_CACHE") or f"/var/tmp/grading-pyenv-{os.geteuid()}")


def _safe_dir(path: Path) -> None:
    """Create ``path`` (0755) or check that it is ours and writable by nobody else."""
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise EnvironmentError_(f"the grading environment cache {path} must be a folder owned by uid "
                                f"{os.geteuid()} and writable by nobody else; remove it or set GRADE_ENV_CACHE")


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
        os.chmod(dst, 0o644 | (os.stat(src).st_mode & 0o111))


def _fix_code(co: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(_fix_code(c, filename) if isinstance(c, types.CodeType) else c for c in co.co_consts)
    return co.replace(co_filename=filename, co_consts=consts)


def _rewrite_pyc(src: Path, dst: Path, source_inside: str) -> bool:
    data = src.read_bytes()
    if data[:4] != importlib.util.MAGIC_NUMBER:
        return False  # another Python's cache: dropped
    code = marshal.loads(memoryview(data)[16:])
    dst.write_bytes(data[:16] + marshal.dumps(_fix_code(code, source_inside)))
    os.chmod(dst, 0o644)
    return True


def _present_tree(src: Path, dst: Path, inside: str, forbidden: dict[str, str], skip=lambda rel: False) -> None:
    """Hard-link ``src`` into ``dst`` (``inside`` is where ``dst`` appears in the sandbox), with
    compiled files rewritten and text files naming a host path rewritten (their compiled files
    dropped: Python compiles them in memory, under their inside names)."""
    rewritten: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(src):  # top-down: a folder's files before __pycache__
        rel_dir = os.path.relpath(dirpath, src)
        dirnames[:] = sorted(d for d in dirnames if not skip(os.path.normpath(os.path.join(rel_dir, d))))
        out_dir = dst / rel_dir
        out_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
        in_cache = os.path.basename(dirpath) == "__pycache__"
        for f in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, f))
            s = Path(dirpath) / f
            if skip(rel) or s.is_symlink() and not os.path.exists(s):
                continue
            d = out_dir / f
            if in_cache:
                source_rel = os.path.normpath(os.path.join(os.path.dirname(rel_dir), f.split(".")[0] + ".py"))
                if f.endswith(".pyc") and ".opt-" not in f and source_rel not in rewritten \
                        and not skip(source_rel):
                    _rewrite_pyc(s, d, os.path.join(inside, source_rel))
                continue
            if s.is_symlink():
                os.symlink(os.readlink(s), d)
                continue
            if f.endswith(_TEXT_SUFFIXES) and s.stat().st_size < 4_000_000:
                raw = s.read_bytes()
                if any(p.encode() in raw for p in forbidden):
                    text = raw.decode("utf-8", "surrogateescape")
                    for host, there in forbidden.items():
                        text = text.replace(host, there)
                    d.write_bytes(text.encode("utf-8", "surrogateescape"))
                    os.chmod(d, 0o644)
                    rewritten.add(rel)
                    continue
            _link_or_copy(s, d)


def _skip_site(rel: str) -> bool:
    name = rel.split(os.sep)[0]
    return (name.startswith(("__editable__", "lecture_code")) or name == "lecture_code"
            or rel.endswith("direct_url.json"))


def _build(target: Path) -> None:
    ver = _version()
    forbidden = host_paths()
    base = Path(os.path.realpath(sys.base_prefix))
    staged = base_is_staged()
    base_inside = PYTHON_INSIDE if staged else str(base)
    venv = target / "venv"
    site_rel = Path("lib") / f"python{ver}" / "site-packages"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {base_inside}/bin\ninclude-system-site-packages = false\n"
                                     f"version = {sys.version.split()[0]}\n", encoding="utf-8")
    exe = f"python{ver}"
    for name in ("python", "python3", exe):
        os.symlink(f"{base_inside}/bin/{exe}", venv / "bin" / name)
    _present_tree(_site_packages(), venv / site_rel, f"{VENV_INSIDE}/{site_rel.as_posix()}", forbidden, _skip_site)
    if staged:
        py = target / "python"
        (py / "bin").mkdir(parents=True)
        _link_or_copy(Path(os.path.realpath(base / "bin" / exe)), py / "bin" / exe)
        libdir = base / "lib"
        (py / "lib").mkdir()
        for f in sorted(libdir.glob("libpython*.so*")):
            _link_or_copy(Path(os.path.realpath(f)), py / "lib" / f.name)
        stdlib = libdir / f"python{ver}"
        _present_tree(stdlib, py / "lib" / f"python{ver}", f"{PYTHON_INSIDE}/lib/python{ver}", forbidden,
                      lambda rel: rel.split(os.sep)[0] in _SKIP_STDLIB or rel.startswith("config-"))
    for dirpath, dirnames, _ in os.walk(target):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)


def clean(keep_seconds: float = 3600.0) -> list[Path]:
    """Remove the cached copies of other environments (``make grade-clean``), except any used in
    the last ``keep_seconds`` (another grading run may be using it); the current one stays."""
    root = cache_root()
    if not root.is_dir():
        return []
    _safe_dir(root)
    fp = fingerprint()
    removed = []
    lock = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for old in root.iterdir():
            if _other_copy(old, fp) and _idle(old) > keep_seconds:
                shutil.rmtree(old, ignore_errors=True)
                removed.append(old)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    return removed


def _other_copy(copy: Path, current: str) -> bool:
    """Whether ``copy`` is a cached copy of another environment than ``current`` (not one being built)."""
    return copy.is_dir() and not copy.is_symlink() and copy.name != current and not copy.name.startswith("building-")


def _idle(copy: Path, now: float | None = None) -> float:
    """Seconds since a grading run last used ``copy`` (never: infinite)."""
    used = copy / ".used"
    return (now or time.time()) - used.stat().st_mtime if used.exists() else float("inf")


def _stale(copy: Path, current: str, now: float | None = None) -> bool:
    """Whether ``prepare`` removes the cached ``copy``: another environment's copy unused for a
    week, or unused for an hour when the environment it copies is gone (``.source`` names it)."""
    if not _other_copy(copy, current):
        return False
    source = copy / ".source"
    gone = source.is_file() and not (Path(source.read_text(encoding="utf-8").strip()) / "pyvenv.cfg").exists()
    idle = _idle(copy, now)
    return idle > 7 * 86400 or (gone and idle > 3600)


def prepare() -> Presented:
    """The presented environment for this interpreter (built on first use, then cached)."""
    root = cache_root()
    _safe_dir(root)
    fp = fingerprint()
    final = root / fp
    lock = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "venv" / "pyvenv.cfg").is_file():
            LOG.info("sandbox environment: reusing the cached copy %s", final)
        else:
            LOG.info("sandbox environment: building the presented copy of this Python environment in %s "
                     "(once per environment; later runs reuse it)...", final)
            t0 = time.monotonic()
            for old in root.iterdir():
                if _stale(old, fp):
                    shutil.rmtree(old, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix="building-", dir=root))
            try:
                _build(tmp)
                os.chmod(tmp, 0o755)
                os.rename(tmp, final)
                LOG.info("sandbox environment: built in %.0f s", time.monotonic() - t0)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        (final / ".used").touch()
        # which environment this is a copy of (beside what the sandbox mounts, never inside): once
        # that venv is gone (a deleted checkout), nobody can use the copy, and its hard links
        # would keep the venv's 1-2 GB on disk (_stale)
        source = final / ".source"
        if not source.is_file():
            source.write_text(os.path.realpath(sys.prefix), encoding="utf-8")
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    return Presented(final / "venv", final / "python" if base_is_staged() else None)
