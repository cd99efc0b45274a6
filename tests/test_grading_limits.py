"""The one memory limit per submission (``grading/limits.py``) and what each resource does at it.

Each cell of the notebooks below tries to hold 3 GB (or more) in one form; each must fail cleanly,
the student's feedback must say which limit it met, and the answers in the same notebook keep
their full score (a limit costs the cell that hit it, nothing else).
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from grading.grade import grade_folder
from grading.limits import Limits, explain
from grading.source import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
import make_matrix  # noqa: E402

GB3 = 3 << 30

CELLS = {  # what a student might write -> (its error, the hint the feedback must carry)
    "heap": ("import numpy as np\nbig = np.ones(2 ** 29)  # 4 GB\n",
             "MemoryError", "the submission's memory limit is 4 GiB"),
    "memfd": (f"import os\nfd = os.memfd_create('big')\nos.ftruncate(fd, {GB3})\nos.write(fd, b'x' * (1 << 20))\n",
              "PermissionError: [Errno 1] Operation not permitted", "one process without child processes"),
    "sysv": ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
             f"shmid = libc.shmget(0, ctypes.c_size_t({GB3}), 0o1600)\n"
             "if shmid < 0:\n    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))\n",
             "PermissionError: [Errno 1] Operation not permitted", "shared memory"),
    "posix_shm": (f"from multiprocessing import shared_memory\nm = shared_memory.SharedMemory(create=True, size={GB3})\n",
                  "Errno", "while grading"),
    "pipes": ("import os\npipes = []\nwhile True:\n    r, w = os.pipe()\n    pipes.append((r, w))\n"
              "    os.set_blocking(w, False)\n    try:\n        while True:\n            os.write(w, b'x' * 65536)\n"
              "    except BlockingIOError:\n        pass\n",
              "OSError: [Errno 24] Too many open files", "at most 256 files may be open at once"),
    "thread_fork": ("import os, threading\nbox = []\n"
                    "def child():\n    try:\n        box.append(os.fork())\n    except OSError as exc:\n        box.append(exc)\n"
                    "t = threading.Thread(target=child)\nt.start()\nt.join()\n"
                    "if isinstance(box[0], OSError):\n    raise box[0]\n"
                    "if box[0] == 0:\n    import numpy as np\n    hog = np.ones(2 ** 28 * 3 // 2)\n",
                    "PermissionError: [Errno 1] Operation not permitted", "without child processes"),
    "files": ("with open('big.bin', 'wb') as fh:\n    for _ in range(1024):\n        fh.write(b'x' * (1 << 20))\n",
              "[Errno 28] No space left on device", "its files may take 512 MiB in all"),
}


def test_limits_add_up_and_name_bad_values() -> None:
    lim = Limits()
    assert lim.address_space_bytes + lim.files_bytes == lim.memory_bytes == 4 * 1024**3
    assert lim.home_bytes + lim.tmp_bytes == lim.files_bytes
    assert lim.notebook_bytes <= lim.home_bytes  # the copy of any accepted notebook fits its folder
    with pytest.raises(ValueError, match="files_bytes must be < memory_bytes"):
        Limits(memory_bytes=1 << 20, files_bytes=2 << 20)
    with pytest.raises(ValueError, match="notebook_bytes must be <= the private folder's size"):
        Limits(notebook_bytes=10**9)
    with pytest.raises(ValueError, match="tasks must be a positive integer, got 0"):
        Limits(tasks=0)


def test_explain_names_the_limit() -> None:
    lim = Limits()
    assert explain("MemoryError", lim) == "the submission's memory limit is 4 GiB (its process may map 3.5 GiB)"
    assert "child processes" in explain("PermissionError: [Errno 1] Operation not permitted", lim)
    assert explain("ZeroDivisionError: division by zero", lim) is None


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("limits")
    matrix, _ = make_matrix.write(root / "fixtures")
    import json

    base = json.loads((matrix / "correct" / "narrow_valley.ipynb").read_text(encoding="utf-8"))
    sub = root / "sub"
    for name, (code, _, _) in CELLS.items():
        nb = json.loads(json.dumps(base))
        nb["cells"].append({"cell_type": "code", "id": f"limit-{name}", "metadata": {}, "execution_count": None,
                            "outputs": [], "source": code})
        (sub / name).mkdir(parents=True)
        (sub / name / "narrow_valley.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    out = root / "out"
    grade_folder(sub, out, workers=2, sandbox="bwrap", limits=Limits(step_timeout=20))
    with open(out / "scores.csv", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    return out, rows


@pytest.mark.parametrize("name", sorted(CELLS))
def test_each_resource_fails_cleanly_with_a_clear_message(graded, name: str) -> None:
    out, rows = graded
    row = rows[name]
    text = (out / row["feedback"]).read_text(encoding="utf-8")
    _, error, hint = CELLS[name]
    note = next((ln for ln in text.splitlines() if ln.startswith("note: cell") and "raised" in ln), "")
    assert error in note and hint in note, text
    assert float(row["total"]) == 8, text  # the answers keep their full score
    assert "killed" not in text and "longer than" not in text, text


def test_the_memory_limit_is_the_process_address_space_plus_its_files() -> None:
    """The kernel's own numbers inside a sandbox: RLIMIT_AS and the two tmpfs sizes add up to the
    one documented limit; /dev/shm is read-only."""
    from grading.compare import decode
    from grading.runner import run_submission

    cell = ("import resource, os\n"
            "aspace = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
            "st = [os.statvfs(p) for p in ('/home/student', '/tmp')]\n"
            "files = sum(s.f_blocks * s.f_frsize for s in st)\n"
            "inodes = [s.f_files for s in st]\n"
            "shm_writable = os.access('/dev/shm', os.W_OK)\n")
    names = ["aspace", "files", "inodes", "shm_writable"]
    probes = {n: [{"kind": "expr", "target": n, "args": [], "kwargs": {}, "arrays": False, "check_inputs": False}]
              for n in names}
    lim = Limits()
    res = run_submission([cell], probes, lim, sandbox="bwrap")
    got = {n: decode(res.results[n][0]["ok"]) for n in names}
    assert got["aspace"] + got["files"] == lim.memory_bytes, got
    assert got["shm_writable"] is False
    if os.geteuid() == 0:  # the launcher mounts the private folders itself, with a file cap
        assert list(got["inodes"]) == [lim.files_count, lim.files_count], got


def test_the_cpu_of_every_thread_counts() -> None:
    """Threads burning CPU are stopped by the step limit in CPU time, long before the wall-clock cap
    (which is set far away here): the kernel's accounting of the process counts every thread."""
    import time

    from grading.runner import run_submission

    cell = ("import threading, time\nimport numpy as np\n"
            "def burn():\n    a = np.random.rand(300, 300)\n    while time.process_time() < 60:\n        a @ a\n"
            "ts = [threading.Thread(target=burn) for _ in range(3)]\n"
            "[t.start() for t in ts]\n[t.join() for t in ts]\n")
    lim = Limits(step_timeout=2, total_timeout=30, wall_factor=100, max_attempts=1)
    t0 = time.monotonic()
    out = run_submission([cell], {}, lim, sandbox="bwrap")
    assert any("ran longer than 2 s" in i for i in out.incidents), out.incidents
    assert time.monotonic() - t0 < 2 * lim.wall_factor  # stopped by CPU time, not by the wall cap


@pytest.mark.parametrize("cells", [
    ["import time\ntime.sleep(1.5)"] * 30,  # many short sleeps, each under the step's wall cap
    ["import time\ntime.sleep(4)"] * 2 + ["import time\ntime.sleep(100)  # hang"] * 4,  # re-runs after hangs
], ids=["many_sleeping_cells", "hangs_and_reruns"])
def test_a_sleeping_notebook_is_stopped_at_the_wall_limit(cells: list[str]) -> None:
    """Sleeping costs no CPU time: the submission's wall-clock limit stops it, all its runs
    together (a re-run does not start the clock again), and the feedback names that limit."""
    import time

    from grading.runner import run_submission

    lim = Limits(step_timeout=2, total_timeout=4, wall_factor=3, wall_seconds=12)
    t0 = time.monotonic()
    out = run_submission(cells, {}, lim, sandbox="bwrap")
    took = time.monotonic() - t0
    assert took < lim.wall_seconds + 3, (took, out.incidents)
    assert any("12 s of wall-clock time" in i for i in out.incidents), out.incidents
    assert not any("4 s in total" in i for i in out.incidents), out.incidents  # not "60 s" (CPU) for a sleeper
