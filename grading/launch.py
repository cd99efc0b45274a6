"""Start one submission's worker with its privileges taken away (runs as its own small process).

:mod:`grading.runner` starts this file as ``python -I -S launch.py CONFIG`` (standard library
only, no site-packages, nothing else imported: it runs with the grader's privileges until it
drops them). It is single-threaded, so the steps below are safe to do between fork and exec:

1. resource limits (address space, CPU time, file size, no core files, no POSIX message queues,
   open files and, when it runs as a dedicated uid, the number of tasks);
2. only when started as root and a uid is given: a *private* mount namespace in which the folders
   the sandbox needs (the Python installation may live under ``/root``, which the unprivileged
   uid cannot traverse) are bind-mounted into a world-readable staging folder; the host sees none
   of these mounts, and they vanish with this process;
   In mode ``user`` (no bwrap), the same trick makes the Python installation reachable: a folder
   others cannot traverse (``/root``) is covered by an empty tmpfs holding only that path;
   in mode ``user``, the hidden folders include the host's world-writable ones (``/tmp``,
   ``/var/tmp``, ``/dev/shm``, ...): covered by small tmpfs only root may write to, so that
   nothing can be stored outside the submission's own folders;
   also only as root: the submission's private folders (``tmpfs``: ``[[path, bytes, files]]``),
   tmpfs mounts with a size *and* a cap on the number of files (``nr_inodes``, which bwrap's own
   ``--tmpfs`` cannot set), owned by the dedicated uid;
   then the notebook (``notebook``: ``{"fd": n, "path": p}``, modes ``user``/``none``) is copied
   into its folder;
3. ``PR_SET_NO_NEW_PRIVS`` (no set-uid program can give privileges back), then the switch to the
   unprivileged uid/gid with no supplementary groups, then ``PR_SET_PDEATHSIG`` (SIGKILL when the
   grader dies; set after the uid change, which clears it), then, in modes ``user`` and ``none``,
   the seccomp filter (``seccomp``: the BPF program as hex, :mod:`grading.seccomp`; in mode
   ``bwrap``, bwrap installs it);
4. ``exec`` of ``bwrap`` (sandbox mode ``bwrap``) or of the worker itself (modes ``user`` and
   ``none``).

``CONFIG`` is JSON: ``{"rlimits": {"AS": n, ...}, "uid": n | null, "gid": n | null,
"mounts": [[source, mountpoint], ...], "tmpfs": [[path, bytes, files], ...], "notebook": {...},
"seccomp": hex, "argv": [...], "cwd": str | null, "env": {...}}``.
Mode ``sweep`` (``{"sweep": uid}``): become ``uid`` and SIGKILL every process of that uid
(``kill(-1)``), until none is left; used after each run of a dedicated uid.
"""

import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNS = 0x00020000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        sys.stderr.write(f"grading launcher: {what}: {os.strerror(err)}\n")
        os._exit(120)


_PRIVATE_NS = []


def _unshare_mounts() -> None:
    """A private mount namespace (once): nothing mounted here is seen by the host."""
    if not _PRIVATE_NS:
        _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
        _PRIVATE_NS.append(True)


def _tmpfs(path: str, size: int, files: int, uid, gid) -> None:
    """A private folder: tmpfs with a size and a cap on its number of files, owned by the uid."""
    _unshare_mounts()
    os.makedirs(path, exist_ok=True)
    opts = f"size={int(size)},nr_inodes={int(files)},mode=0700"
    if uid is not None:
        opts += f",uid={int(uid)},gid={int(gid if gid is not None else uid)}"
    _check(_libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", MS_NOSUID | MS_NODEV, opts.encode()),
           f"tmpfs on {path}")


def _seccomp(program_hex: str) -> None:
    prog = bytes.fromhex(program_hex)
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp filter")


def _private_mounts(mounts: list) -> None:
    _unshare_mounts()
    for src, dst in mounts:
        _check(_libc.mount(os.fsencode(src), os.fsencode(dst), None, MS_BIND | MS_REC, None),
               f"bind {src}")
        _check(_libc.mount(None, os.fsencode(dst), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None),
               f"read-only {dst}")


def _hide_and_reveal(hide: list, reveal: list, stage: str) -> None:
    """Mode ``user``: in a private mount namespace, cover ``hide`` (the grader's source folder, the
    submissions, the output folder) with empty tmpfs, and make ``reveal`` (the Python installation
    and venv) reachable for the unprivileged uid even when they lie below a hidden folder or one
    others cannot traverse (``/root``): bound aside first, then bound back, read-only, into the
    tmpfs that covers their ancestor."""
    _unshare_mounts()
    asides = []
    for i, path in enumerate(reveal):
        aside = os.path.join(stage, f"reveal-{os.getpid()}-{i}")
        os.makedirs(aside, exist_ok=True)
        _check(_libc.mount(os.fsencode(path), os.fsencode(aside), None, MS_BIND | MS_REC, None), f"bind {path}")
        # held open: the aside may itself lie below a folder hidden next (the stage is in /tmp)
        asides.append((path, f"/proc/self/fd/{os.open(aside, os.O_PATH)}"))
    covered = []
    for h in hide:
        if os.path.isdir(h) and not os.path.islink(h):
            _check(_libc.mount(b"tmpfs", os.fsencode(h), b"tmpfs", 0, b"mode=0755,size=1m"), f"hide {h}")
            covered.append(h.rstrip("/"))
    for path, aside in asides:
        parts = path.strip("/").split("/")
        top = None  # the highest ancestor that is now a tmpfs (hidden) or closed to others
        for k in range(1, len(parts) + 1):
            anc = "/" + "/".join(parts[:k])
            if anc in covered:
                top = anc
                break
            if k < len(parts) and not os.stat(anc).st_mode & 0o001:
                _check(_libc.mount(b"tmpfs", os.fsencode(anc), b"tmpfs", 0, b"mode=0755,size=1m"),
                       f"tmpfs on {anc}")
                covered.append(anc)
                top = anc
                break
        if top is None:
            continue
        os.makedirs(path, exist_ok=True)
        for k in range(len(top.strip("/").split("/")), len(parts) + 1):
            os.chmod("/" + "/".join(parts[:k]), 0o755)
        _check(_libc.mount(os.fsencode(aside), os.fsencode(path), None, MS_BIND | MS_REC, None),
               f"bind back {path}")
        _check(_libc.mount(None, os.fsencode(path), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None),
               f"read-only {path}")


def _drop(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        sys.stderr.write("grading launcher: could not drop privileges\n")
        os._exit(120)


def _sweep(uid: int) -> None:
    """SIGKILL every process of ``uid`` (we become that uid, so kill(-1) reaches exactly those)."""
    _drop(uid, uid)
    for _ in range(50):
        try:
            os.kill(-1, signal.SIGKILL)  # every process we may signal, except ourselves
        except ProcessLookupError:
            return  # none left
        except PermissionError:
            return


def _write_notebook(spec: dict, uid, gid) -> None:
    """Copy the notebook from the grader's descriptor into the submission's folder (modes user, none)."""
    fd = int(spec["fd"])
    chunks = []
    while True:
        b = os.read(fd, 1 << 20)
        if not b:
            break
        chunks.append(b)
    os.close(fd)
    out = os.open(spec["path"], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        data = memoryview(b"".join(chunks))
        while data:
            data = data[os.write(out, data):]
        if uid is not None:
            os.fchown(out, int(uid), int(gid if gid is not None else uid))
    finally:
        os.close(out)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    if "sweep" in cfg:
        _sweep(int(cfg["sweep"]))
        os._exit(0)
    uid, gid = cfg.get("uid"), cfg.get("gid")
    root = os.geteuid() == 0
    if cfg.get("mounts") and root:
        _private_mounts(cfg["mounts"])
    if (cfg.get("reveal") or cfg.get("hide")) and root:
        _hide_and_reveal(cfg.get("hide", []), cfg.get("reveal", []), cfg["mount_stage"])
    if root:
        for path, size, files in cfg.get("tmpfs", []):
            _tmpfs(path, size, files, uid, gid)
    if cfg.get("notebook"):
        _write_notebook(cfg["notebook"], uid, gid)
    for name, value in cfg.get("rlimits", {}).items():
        if value is None:
            continue
        res = getattr(resource, f"RLIMIT_{name}")
        soft = hard = int(value)
        if name == "CPU":
            hard = soft + 5  # SIGXCPU first, then SIGKILL
        resource.setrlimit(res, (soft, hard))
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    if uid is not None:
        _drop(int(uid), int(gid if gid is not None else uid))
    if cfg.get("pdeathsig"):  # after the uid change, which clears it: die with the grader
        _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "PR_SET_PDEATHSIG")
        if os.getppid() == 1:  # the grader is already gone
            os._exit(121)
    if cfg.get("cwd"):
        os.chdir(cfg["cwd"])
    if cfg.get("seccomp"):  # last: from here on, no new process, socket or shared memory
        _seccomp(cfg["seccomp"])
    argv = cfg["argv"]
    os.execve(argv[0], argv, cfg.get("env", {}))


if __name__ == "__main__":
    main()
