"""The seccomp filter (``grading/seccomp.py``): its system-call numbers against libseccomp's own
table (an independent reference), and what it refuses in every sandbox mode."""

from __future__ import annotations

import os

import pyseccomp
import pytest

from grading import sandbox, seccomp
from grading.compare import decode
from grading.limits import Limits
from grading.runner import run_submission

LIBSECCOMP_ARCH = {"x86_64": pyseccomp.Arch.X86_64, "aarch64": pyseccomp.Arch.AARCH64}


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHES))
def test_numbers_match_libseccomp(machine: str) -> None:
    audit, _, table = seccomp.ARCHES[machine]
    arch = LIBSECCOMP_ARCH[machine]
    assert audit == arch
    for name, nr in table.items():
        if name in seccomp.NEWER and pyseccomp.resolve_syscall(arch, name) < 0:
            continue  # newer than this libseccomp: the kernel's common number, stated in NEWER
        assert pyseccomp.resolve_syscall(arch, name) == nr, (machine, name)
    for name in (*seccomp.DENIED, "clone", "clone3", "fcntl"):
        assert name in table or name in ("fork", "vfork", "uselib", "iopl", "ioperm", "inotify_init"), name
        if name not in table:  # not a system call of this architecture at all
            assert pyseccomp.resolve_syscall(arch, name) < 0, (machine, name)


def test_program_is_a_sock_filter_array() -> None:
    prog = seccomp.program("x86_64")
    assert len(prog) % 8 == 0 and len(prog) // 8 < 4096
    assert seccomp.program("aarch64") != prog
    with pytest.raises(ValueError, match="machine must be one of aarch64, x86_64"):
        seccomp.program("riscv64")


PROBE_CELL = r'''
import ctypes, errno, fcntl, os, socket, threading
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
def _errno(f):
    try:
        r = f()
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    if isinstance(r, int) and r < 0:
        return errno.errorcode.get(ctypes.get_errno(), "?")
    return "ok"
def _thread():
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
def _pipe_size():
    r, w = os.pipe()
    return fcntl.fcntl(w, 1031, 1 << 20)
machine = os.uname().machine
nr = {"x86_64": {"clone3": 435, "io_uring_setup": 425, "shmget": 29, "msgget": 68, "unshare": 272,
                 "inotify_init1": 294, "timer_create": 222, "vmsplice": 278, "tee": 276},
      "aarch64": {"clone3": 435, "io_uring_setup": 425, "shmget": 194, "msgget": 186, "unshare": 97,
                  "inotify_init1": 26, "timer_create": 107, "vmsplice": 75, "tee": 77}}[machine]
def _vmsplice():  # red team F1: 2 MiB pages gifted to a pipe stay pinned after munmap
    r, w = os.pipe()
    buf = ctypes.create_string_buffer(1 << 16)
    iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 1 << 16)
    return _libc.syscall(nr["vmsplice"], w, iov, 1, 0)
def _splice():
    r, w = os.pipe()
    with open("spliced", "wb") as fh:
        fh.write(b"x" * 4096)
    fd = os.open("spliced", os.O_RDONLY)
    return os.splice(fd, w, 4096)
def _tee():
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    os.write(w1, b"x")
    return _libc.syscall(nr["tee"], r1, w2, 1, 0)
got = {
    "thread": _errno(_thread),
    "fork": _errno(os.fork),
    "memfd_create": _errno(lambda: os.memfd_create("x")),
    "socket": _errno(socket.socket),
    "socketpair": _errno(socket.socketpair),
    "F_SETPIPE_SZ": _errno(_pipe_size),
    "shmget": _errno(lambda: _libc.syscall(nr["shmget"], 0, 4096, 0o1600)),
    "msgget": _errno(lambda: _libc.syscall(nr["msgget"], 0, 0o1600)),
    "io_uring_setup": _errno(lambda: _libc.syscall(nr["io_uring_setup"], 8, ctypes.create_string_buffer(120))),
    "clone3": _errno(lambda: _libc.syscall(nr["clone3"], None, 0)),
    "unshare": _errno(lambda: _libc.syscall(nr["unshare"], 0x20000)),
    "inotify_init1": _errno(lambda: _libc.syscall(nr["inotify_init1"], 0)),
    "setxattr": _errno(lambda: os.setxattr(".", "user.x", b"1")),
    "setxattrat": _errno(lambda: _libc.syscall(463, -100, b".", 0, b"user.x", None, 0)),
    "timer_create": _errno(lambda: _libc.syscall(nr["timer_create"], 1, None, ctypes.byref(ctypes.c_int()))),
    "vmsplice": _errno(_vmsplice),
    "splice": _errno(_splice),
    "tee": _errno(_tee),
    "status": [ln for ln in open("/proc/self/status").read().splitlines() if ln.startswith("Seccomp:")][0],
}
'''


@pytest.mark.parametrize("mode", ["bwrap", "user", "none"])
def test_the_filter_holds_in_every_mode(mode: str) -> None:
    if mode == "user" and os.geteuid() != 0:
        pytest.fail("mode user needs root (as in CI and Gradescope)")
    if mode == "user":
        os.environ[sandbox.USER_MODE_FLAG] = "1"  # this machine holds the course's one copy we test with
    probes = {"got": [{"kind": "expr", "target": "got", "args": [], "kwargs": {}, "arrays": False,
                       "check_inputs": False}]}
    out = run_submission([PROBE_CELL], probes, Limits(step_timeout=30), sandbox=mode)
    assert not out.cell_errors and not out.incidents, (out.cell_errors, out.incidents)
    got = decode(out.results["got"][0]["ok"])
    assert got.pop("thread") == "ok"
    assert got.pop("clone3") == "ENOSYS"  # so that the C library falls back to clone, which is checked
    assert got.pop("status").split() == ["Seccomp:", "2"]
    assert got == {k: "EPERM" for k in got}, got


def test_user_mode_is_refused_outside_gradescope_without_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Red team F5: mode user hides only the folders it knows, so another checkout's solutions/
    was readable (8/8). Outside the Gradescope archive it needs a flag that names what it gives up."""
    monkeypatch.delenv(sandbox.USER_MODE_FLAG, raising=False)
    with pytest.raises(sandbox.SandboxUnavailable, match="no file-system isolation.*GRADE_USER_MODE_WITHOUT_FILE_ISOLATION=1"):
        sandbox.create("user")
    monkeypatch.setenv(sandbox.USER_MODE_FLAG, "1")
    assert sandbox.user_mode_allowed()
