"""The system calls a submission may not make: a seccomp filter, written as a classic BPF program.

Every sandbox mode installs this filter on the worker before it starts (``bwrap --seccomp FD``
in mode ``bwrap``; :mod:`grading.launch` with ``prctl(PR_SET_SECCOMP)`` in modes ``user`` and
``none``). Installing a seccomp filter needs no privileges (only ``no_new_privs``, which both
set), it survives ``execve`` and is inherited by every thread, and no process can remove it.

What it refuses, and why (a notebook that computes never needs any of it):

- **new processes**: ``fork``, ``vfork``, and ``clone`` without ``CLONE_THREAD`` fail with
  EPERM; ``clone3`` fails with ENOSYS (its flags are in memory a filter cannot read, and the C
  library then falls back to ``clone``, which is checked). Threads are allowed. So a submission
  is exactly one process: its address space (``RLIMIT_AS``) holds all its memory, and its CPU
  time (``RLIMIT_CPU``, ``/proc/<pid>/stat``) counts every thread; there is no child that a
  thread could fork out of the grader's sight.
- **memory outside the address space**: ``memfd_create``/``memfd_secret``, System V shared
  memory, semaphores and message queues, POSIX message queues, ``fcntl(F_SETPIPE_SZ)``
  (pipes stay at their default 64 KiB, so 256 open files hold at most 8 MiB of pipe buffers),
  and ``vmsplice``/``splice``/``tee`` (a pipe buffer filled by them holds a whole page, a 2 MiB
  huge page with ``vmsplice``, pinned outside the address space: 5 GiB in the red team's test).
- **the network and other processes**: ``socket``/``socketpair`` (no TCP, UDP or unix socket
  can exist), ``io_uring`` (it can open sockets and files without the checked calls),
  ``ptrace``, ``process_vm_readv``/``writev``, ``pidfd_getfd``, ``kcmp``.
- **kernel memory no limit counts**: inotify watches, extended attributes (tmpfs keeps them in
  memory), POSIX timers.
- **the kernel's administrative surface**: namespaces (``unshare``, ``setns``), mounts (old
  and new API), ``chroot``, keyrings, file handles (``open_by_handle_at``), modules, ``kexec``,
  ``reboot``, swap, ``acct``, ``syslog``, ``quotactl``, ``bpf``, ``perf_event_open``,
  ``userfaultfd``, ``fanotify_init``, I/O port access, ``vhangup``.

A system call of another ABI (32-bit ``int 0x80`` on x86-64, or the x32 ABI) kills the process:
the table below holds the native numbers only, and another ABI would bypass it.

The numbers are typed here for x86-64 and AArch64 (``tests/test_grading_seccomp.py`` checks them
against libseccomp's own table); on another machine the grader refuses to run.
"""

from __future__ import annotations

import errno
import platform
import struct

__all__ = ["DENIED", "CLONE_THREAD", "F_SETPIPE_SZ", "program", "supported", "ARCHES", "NEWER"]

# seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian here)
_NR, _ARCH = 0, 4
_ARG = (16, 24, 32, 40, 48, 56)  # low 32 bits of args[i]

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

CLONE_THREAD = 0x00010000
F_SETPIPE_SZ = 1031
X32_SYSCALL_BIT = 0x40000000

DENIED = (
    # new processes (clone is allowed for threads only, see program())
    "fork", "vfork",
    # memory the address-space limit does not see
    "memfd_create", "memfd_secret",
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl", "semtimedop",
    "msgget", "msgsnd", "msgrcv", "msgctl",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # the network, other processes
    "socket", "socketpair", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    # the kernel's administrative surface
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    "add_key", "request_key", "keyctl", "name_to_handle_at", "open_by_handle_at",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "syslog", "quotactl", "uselib", "iopl", "ioperm", "vhangup",
    "lookup_dcookie", "bpf", "perf_event_open", "userfaultfd", "fanotify_init", "open_tree_attr",
    # kernel memory no other limit counts: inotify watches (a few hundred bytes each, up to
    # fs.inotify.max_user_watches), extended attributes (tmpfs keeps them in memory), POSIX timers
    "inotify_init", "inotify_init1", "inotify_add_watch",
    "setxattr", "lsetxattr", "fsetxattr", "setxattrat", "timer_create",
    # pages held by pipe buffers: vmsplice gifts a process's own pages (2 MiB transparent huge
    # pages each) to a pipe, and they stay pinned after munmap, outside RLIMIT_AS; splice and tee
    # fill pipes with page-cache folios the same way
    "vmsplice", "splice", "tee",
)
"""System calls refused with EPERM (names as in ``man 2 syscalls``)."""

NEWER = {"setxattrat": 463, "open_tree_attr": 467}
"""System calls newer than the libseccomp of Debian bookworm (2.5.4): one number on every
architecture (the kernel's common table; Linux 6.13 and 6.15)."""

ARCHES = {
    # machine -> (AUDIT_ARCH_*, x32 bit to refuse, {name: number})
    "x86_64": (0xC000003E, True, {
        "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "fcntl": 72,
        "memfd_create": 319, "memfd_secret": 447,
        "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65,
        "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71,
        "mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243,
        "mq_notify": 244, "mq_getsetattr": 245,
        "socket": 41, "socketpair": 53, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        "pidfd_getfd": 438, "kcmp": 312,
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "add_key": 248, "request_key": 249, "keyctl": 250,
        "name_to_handle_at": 303, "open_by_handle_at": 304, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320, "reboot": 169,
        "swapon": 167, "swapoff": 168, "acct": 163, "syslog": 103, "quotactl": 179, "uselib": 134,
        "iopl": 172, "ioperm": 173, "vhangup": 153, "lookup_dcookie": 212, "bpf": 321,
        "perf_event_open": 298, "userfaultfd": 323, "fanotify_init": 300,
        "inotify_init": 253, "inotify_init1": 294, "inotify_add_watch": 254,
        "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "timer_create": 222,
        "splice": 275, "tee": 276, "vmsplice": 278,
        **NEWER,
    }),
    "aarch64": (0xC00000B7, False, {
        "clone": 220, "clone3": 435, "fcntl": 25,
        "memfd_create": 279, "memfd_secret": 447,
        "shmget": 194, "shmat": 196, "shmctl": 195, "shmdt": 197, "semget": 190, "semop": 193,
        "semctl": 191, "semtimedop": 192, "msgget": 186, "msgsnd": 189, "msgrcv": 188, "msgctl": 187,
        "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182, "mq_timedreceive": 183,
        "mq_notify": 184, "mq_getsetattr": 185,
        "socket": 198, "socketpair": 199, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        "pidfd_getfd": 438, "kcmp": 272,
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442, "add_key": 217, "request_key": 218, "keyctl": 219,
        "name_to_handle_at": 264, "open_by_handle_at": 265, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "kexec_load": 104, "kexec_file_load": 294, "reboot": 142,
        "swapon": 224, "swapoff": 225, "acct": 89, "syslog": 116, "quotactl": 60, "vhangup": 58,
        "lookup_dcookie": 18, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "fanotify_init": 262, "inotify_init1": 26, "inotify_add_watch": 27,
        "setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "timer_create": 107,
        "splice": 76, "tee": 77, "vmsplice": 75,
        **NEWER,
    }),
}
"""Native system-call numbers (AArch64 has no ``fork``, ``vfork``, ``uselib``, ``iopl``, ``ioperm``)."""


def supported(machine: str | None = None) -> bool:
    return (machine or platform.machine()) in ARCHES


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes:
    """The filter for ``machine`` (default: this one) as a ``struct sock_filter`` array."""
    machine = machine or platform.machine()
    if machine not in ARCHES:
        raise ValueError(f"machine must be one of {', '.join(sorted(ARCHES))} (the seccomp filter's "
                         f"system-call tables), got {machine!r}")
    audit_arch, x32, nr = ARCHES[machine]
    eperm = _RET_ERRNO | errno.EPERM
    ops = [
        _op(_LD_W_ABS, _ARCH),
        _op(_JEQ_K, audit_arch, jt=1, jf=0),
        _op(_RET_K, RET_KILL_PROCESS),  # another ABI: its numbers would bypass the table
        _op(_LD_W_ABS, _NR),
    ]
    if x32:
        ops += [_op(_JGE_K, X32_SYSCALL_BIT, jt=0, jf=1), _op(_RET_K, RET_KILL_PROCESS)]
    # clone: threads only (flags are args[0] on every architecture)
    ops += [_op(_JEQ_K, nr["clone"], jt=0, jf=4),
            _op(_LD_W_ABS, _ARG[0]),
            _op(_JSET_K, CLONE_THREAD, jt=0, jf=1),
            _op(_RET_K, RET_ALLOW),
            _op(_RET_K, eperm)]
    # clone3: ENOSYS, so the C library falls back to clone (checked above)
    ops += [_op(_JEQ_K, nr["clone3"], jt=0, jf=1), _op(_RET_K, _RET_ERRNO | errno.ENOSYS)]
    # fcntl(fd, F_SETPIPE_SZ, n): pipes keep their default size
    ops += [_op(_JEQ_K, nr["fcntl"], jt=0, jf=4),
            _op(_LD_W_ABS, _ARG[1]),
            _op(_JEQ_K, F_SETPIPE_SZ, jt=0, jf=1),
            _op(_RET_K, eperm),
            _op(_RET_K, RET_ALLOW)]
    for name in DENIED:
        if name in nr:
            ops += [_op(_JEQ_K, nr[name], jt=0, jf=1), _op(_RET_K, eperm)]
    ops.append(_op(_RET_K, RET_ALLOW))
    return b"".join(ops)
