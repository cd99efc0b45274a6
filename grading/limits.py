"""The limits of one submission, and how every resource it can hold falls under them.

**One memory limit per submission** (``Limits.memory_bytes``, 4 GiB by default), enforced by the
kernel, split in two parts that add up to it:

============================  =================================================================
what a submission can hold    how it is bounded
============================  =================================================================
heap, stacks, ``mmap``,        the address space of its one process, ``RLIMIT_AS`` =
threads' memory                ``memory_bytes - files_bytes`` (3.5 GiB); every thread shares it
processes started from any     none: ``fork``/``vfork``/``clone`` without ``CLONE_THREAD`` are
thread                         refused by the seccomp filter (:mod:`grading.seccomp`), so a
                               submission is exactly one process
files (``/home/student``,      two private tmpfs whose sizes add up to ``files_bytes``
``/tmp``)                      (512 MiB: 384 + 128); as root also at most ``files_count``
                               files and folders (tmpfs ``nr_inodes``)
``memfd``, System V shared     refused by the seccomp filter (EPERM)
memory and message queues,
POSIX message queues
POSIX shared memory            ``/dev/shm`` is read-only (EROFS)
pipes                          ``open_files`` (256) descriptors, ``F_SETPIPE_SZ``, ``vmsplice``,
                               ``splice`` and ``tee`` refused (they pin whole, even huge, pages):
                               at most 128 pipes of 64 KiB, 8 MiB, inside the address-space part's
                               margin
POSIX byte-range locks         not refused (SQLite, HDF5 use them): about 192 bytes of kernel
                               memory each, bounded only by the CPU limit (a known limit: 263 MiB
                               in 60 s of CPU in the red team's test)
sockets                        refused (no TCP, UDP or unix socket can exist)
threads                        ``tasks`` (128) per submission (``RLIMIT_NPROC``, counted in the
                               sandbox's own user namespace); their stacks are in the address space
============================  =================================================================

CPU time: ``RLIMIT_CPU`` for the one process (all its threads), plus the grader's step and total
limits, read from the kernel's accounting of that process (``/proc/<pid>/stat``).

Wall-clock time: a step may take ``wall_factor`` times its CPU limit (a busy machine does not cost
a student points), and the whole submission, all its runs together, ``wall_seconds`` (180 s): a
notebook that sleeps or blocks uses no CPU time, so this is the limit that stops it. The grader
kills the sandbox at that limit (checked every 0.05 s), whatever the notebook does.

Notebook size: ``notebook_bytes`` (100 MB, outputs included) per file, and at most 5 MB of code
in at most 2,000 cells (:data:`grading.submissions.MAX_CODE_BYTES`, ``MAX_CELLS``). The grader
never parses a notebook itself: a child process (:mod:`grading.reader`) does, under
``reader_memory_bytes`` (2 GiB) and ``reader_cpu_seconds`` (30 s), and returns only the code;
so outputs never count against anything but the 100 MB. The copy inside the sandbox fits its
private folder, whose size limit is larger.

:func:`explain` turns the error a limit causes into a sentence for the student's feedback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Limits", "explain"]

MiB = 1024**2
GiB = 1024**3


def _size(n: float) -> str:
    return f"{n / GiB:g} GiB" if n >= GiB else f"{n / MiB:g} MiB"


@dataclass(frozen=True)
class Limits:
    """The limits of one submission (see the module docstring for what each one bounds)."""

    memory_bytes: int = 4 * GiB  # everything one submission can hold: address space + files
    files_bytes: int = 512 * MiB  # of which: its private files (/home/student 3/4, /tmp 1/4)
    files_count: int = 10_000  # files and folders in those (tmpfs nr_inodes; root only)
    notebook_bytes: int = 100_000_000  # a submitted notebook (outputs such as figures included)
    cpu_seconds: int = 60  # RLIMIT_CPU of the process (a backstop; total_timeout comes first)
    tasks: int = 128  # threads of the one process (RLIMIT_NPROC)
    open_files: int = 256
    step_timeout: float = 10.0  # CPU seconds of one cell, or of one probe call
    total_timeout: float = 60.0  # CPU seconds of the whole submission (all its runs)
    wall_factor: float = 6.0  # a step may take wall_factor * step_timeout of wall-clock time
    wall_seconds: float = 180.0  # wall-clock time of the whole submission (all its runs, start-up included)
    max_attempts: int = 4
    reader_memory_bytes: int = 2 * GiB  # reading one notebook (a child process of the grader: outputs never
    reader_cpu_seconds: int = 30  # reach the grader; only the code comes back, see grading/reader.py)

    def __post_init__(self) -> None:
        for name in ("memory_bytes", "files_bytes", "files_count", "notebook_bytes", "cpu_seconds",
                     "tasks", "open_files", "max_attempts", "reader_memory_bytes", "reader_cpu_seconds"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        for name in ("step_timeout", "total_timeout", "wall_factor", "wall_seconds"):
            v = getattr(self, name)
            if not v > 0:
                raise ValueError(f"{name} must be > 0, got {v!r}")
        if self.files_bytes >= self.memory_bytes:
            raise ValueError(f"files_bytes must be < memory_bytes ({self.memory_bytes}), got {self.files_bytes}")
        if self.notebook_bytes > self.home_bytes:
            raise ValueError(f"notebook_bytes must be <= the private folder's size ({self.home_bytes}), "
                             f"got {self.notebook_bytes}")

    @property
    def address_space_bytes(self) -> int:
        """``RLIMIT_AS`` of the submission's one process."""
        return self.memory_bytes - self.files_bytes

    @property
    def home_bytes(self) -> int:
        """Size of ``/home/student`` (its copy of the notebook and whatever it writes)."""
        return self.files_bytes - self.tmp_bytes

    @property
    def tmp_bytes(self) -> int:
        return self.files_bytes // 4

    def describe(self) -> str:
        """One line for reports: the limit and its parts."""
        return (f"memory {_size(self.memory_bytes)} per submission (one process: address space "
                f"{_size(self.address_space_bytes)}; files {_size(self.files_bytes)}), CPU {self.step_timeout:g} s "
                f"per step and {self.total_timeout:g} s per submission, wall-clock {self.wall_seconds:g} s per "
                f"submission, {self.tasks} threads, "
                f"{self.open_files} open files, no child processes, sockets or shared memory")


_HINTS = (
    (re.compile(r"^MemoryError|Cannot allocate memory|Errno 12\]"),
     "the submission's memory limit is {mem} (its process may map {aspace})"),
    (re.compile(r"Errno 1\] Operation not permitted"),
     "grading runs each notebook as one process without child processes, sockets, network or "
     "shared memory"),
    (re.compile(r"Errno (28|27)\]|No space left on device|File too large"),
     "its files may take {files} in all"),
    (re.compile(r"Errno 24\]|Too many open files"), "at most {open_files} files may be open at once"),
    (re.compile(r"Errno 30\]|Read-only file system"),
     "only its own folder and /tmp are writable while grading"),
    (re.compile(r"can't start new thread|Errno 11\] Resource temporarily unavailable"),
     "at most {tasks} threads"),
    (re.compile(r"Errno 38\]|Function not implemented"),
     "grading runs each notebook as one process without child processes"),
)


def explain(message: str, limits: Limits) -> str | None:
    """The limit behind an error message (``"MemoryError"``, ``"PermissionError: [Errno 1] ..."``),
    as a sentence for the feedback, or ``None`` when no limit is involved."""
    for pattern, text in _HINTS:
        if pattern.search(message):
            return text.format(mem=_size(limits.memory_bytes), aspace=_size(limits.address_space_bytes),
                               files=_size(limits.files_bytes), open_files=limits.open_files,
                               tasks=limits.tasks)
    return None
