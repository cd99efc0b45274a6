"""The build's forked kernels (book/_ext/kernel_forks.py) compute what a fresh kernel computes.

The reference is jupyter_client's own kernel (``python -m ipykernel_launcher``): the same
notebook, run by nbclient once in a fresh kernel and once in a forked one, gives the same outputs
(random identifiers that differ from any run to the next aside), over random notebooks drawn from
cells a chapter or a student writes; a forked kernel is interrupted on a cell's timeout, goes
when its process goes, and a server that could not fork safely is not used.

The one difference by design: the modules the server imported are in a forked kernel's
``sys.modules`` before its first cell (a fresh kernel imports them when a cell asks); no cell's
value depends on it, as long as importing them draws no random numbers (the server checks).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

import kernel_forks

ROOT = Path(__file__).resolve().parents[1]

#: Cells a chapter or a student writes: what they print, display, raise or warn depends on the
#: kernel's folder, path, arguments, environment, streams and random generators.
CELLS = [
    "import os, sys\nprint(os.getcwd())\nprint(sys.path)\nprint(sys.argv[0].endswith('ipykernel_launcher.py'), sys.argv[1:2])",
    "import os\nprint(sorted((k, v) for k, v in os.environ.items() if k.startswith(('LC_', 'OMP_', 'LECTURE_'))))",
    "import torch\nprint(torch.get_num_threads())\ntorch.manual_seed(0)\ntorch.randn(3)",
    "import numpy as np\nprint(np.random.default_rng(0).normal(size=3))",
    "import torch\ntorch.manual_seed(1)\ntorch.nn.Linear(3, 2).weight",
    "import sys\nprint('out')\nprint('err', file=sys.stderr)",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))\n{'a': 1}",
    "1 / 0",
    "import warnings\nwarnings.warn('careful')",
    "from lecture_code.core.surfaces import get_surface\nget_surface('bowl').name",
    "from lecture_code.core.optimizers import sgd\nfrom lecture_code.core.runner import run\n"
    "from lecture_code.core.problems import narrow_valley\nrun(sgd(0.1), narrow_valley(), (10.0, 10.0), 3).points",
    "x = 41\nx + 1",
    "import os, signal\nprint(os.getsid(0) == os.getpid(), signal.getsignal(signal.SIGPIPE))",
    "import os\nopen('made_here.txt', 'w').write('x')\nprint(sorted(os.listdir('.')))",
]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_KERNEL_TMP = re.compile(r"ipykernel_\d+/\d+")  # a warning names the cell's file: /tmp/ipykernel_<pid>/<hash>


def _outputs(nb, folder: Path) -> list:
    """Each cell's outputs, with what differs from one run to the next named instead: random
    identifiers, the kernel's process id, the notebook's folder."""
    return [[_KERNEL_TMP.sub("ipykernel_PID/CELL", _UUID.sub("UUID", repr(o))).replace(str(folder), "FOLDER")
             for o in c.get("outputs", [])] for c in nb.cells if c.cell_type == "code"]


def _run(sources: list[str], folder: Path, manager=None, timeout: int = 60):
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    extra = {"kernel_manager_class": manager} if manager else {}
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}, **extra).execute()
    return nb


@pytest.fixture(scope="module")
def server():
    """The build's server (the book's own package imported too); when the module's tests are
    done, it is closed as the build closes it, and it must end, taking its kernels with it."""
    env = {**os.environ, "LC_FORK_TEST": "yes", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    old = dict(os.environ)
    os.environ.update(env)  # the kernels jupyter_client starts get this environment too
    packages = kernel_forks.book_packages(str(ROOT))
    assert packages == kernel_forks.BOOK_PACKAGES
    s = kernel_forks.Server(packages)
    try:
        assert s.ready(), f"the fork server did not start: {s.error}"
        yield s
        path = s.path
        s.close()
        assert s.process.returncode == 0 and not Path(path).exists()
    finally:
        s.close()
        os.environ.clear()
        os.environ.update(old)


# which cells the notebooks get: random draws, plus two a student would write
_NOTEBOOKS = st.lists(st.sampled_from(CELLS), min_size=1, max_size=6)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=_NOTEBOOKS)
def test_a_forked_kernel_computes_what_a_fresh_one_computes(server, tmp_path_factory, cells):
    _check_same(server, tmp_path_factory.mktemp("nb"), cells)


def test_every_cell_in_one_notebook_both_ways(server, tmp_path):
    _check_same(server, tmp_path, CELLS)


def _check_same(server, tmp: Path, cells: list[str]) -> None:
    fresh = _run(cells, tmp / "fresh")
    forked = _run(cells, tmp / "forked", kernel_forks.manager_class(server))
    assert _outputs(forked, tmp / "forked") == _outputs(fresh, tmp / "fresh")
    assert sorted(os.listdir(tmp / "forked")) == sorted(os.listdir(tmp / "fresh"))


def test_the_manager_forks_only_the_builds_own_python_kernel(server):
    manager = kernel_forks.manager_class(server)(kernel_name="python3")
    cmd = manager.format_kernel_cmd()
    assert cmd[:5] == [sys.executable, "-I", "-S", kernel_forks.__file__, "kernel"], cmd
    assert "-f" in cmd
    from jupyter_client.kernelspec import KernelSpec

    other = kernel_forks.manager_class(server)(kernel_name="python3")
    other._kernel_spec = KernelSpec(argv=["/usr/bin/env", "python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                    display_name="another Python", language="python")
    assert other.format_kernel_cmd()[0] == "/usr/bin/env"  # started as its kernel spec says


def test_forked_kernels_draw_different_random_numbers_as_fresh_ones_do(server, tmp_path):
    """Python's, numpy's and PyTorch's global generators are seeded from the system in a fresh
    kernel; two kernels forked from one server must not share them."""
    cell = "import random, numpy, torch\nprint(random.random(), numpy.random.rand(), torch.rand(1).item(), torch.initial_seed())"
    manager = kernel_forks.manager_class(server)
    a, b = (_run([cell], tmp_path / name, manager).cells[0].outputs[0]["text"].split() for name in "ab")
    assert all(x != y for x, y in zip(a, b)), (a, b)


def _kernels_of(server) -> list[int]:
    """The processes the server has forked and not yet reaped."""
    pid = server.process.pid
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_cell_that_runs_too_long_fails_on_time_and_its_kernel_is_stopped(server, tmp_path):
    manager = kernel_forks.manager_class(server)
    t0 = time.monotonic()
    with pytest.raises(CellTimeoutError):
        _run(["import time\ntime.sleep(60)"], tmp_path / "slow", manager, timeout=2)
    assert time.monotonic() - t0 < 20
    deadline = time.monotonic() + 10
    while _kernels_of(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _kernels_of(server), "a kernel outlived its run"


def test_a_forked_kernel_goes_with_its_process(server, tmp_path):
    """jupyter_client kills the process it started (the client): the server kills the kernel."""
    from jupyter_client.manager import AsyncKernelManager, run_sync

    manager = kernel_forks.manager_class(server)(kernel_name="python3")
    assert isinstance(manager, AsyncKernelManager)  # as nbclient's own: its client waits without blocking
    run_sync(manager.start_kernel)(cwd=str(tmp_path))
    client = manager.blocking_client()
    client.start_channels()
    client.wait_for_ready(timeout=30)
    found: list[str] = []
    client.execute_interactive("import os; print(os.getpid(), os.getppid())", timeout=30,
                               output_hook=lambda msg: found.append(msg["content"].get("text", "")))
    kernel_pid, parent = map(int, "".join(found).split())
    assert parent == server.process.pid and kernel_pid != manager.provisioner.pid
    os.kill(manager.provisioner.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{kernel_pid}").exists():
        time.sleep(0.05)
    client.stop_channels()
    run_sync(manager.cleanup_resources)()
    assert not Path(f"/proc/{kernel_pid}").exists(), "the kernel outlived its process"


def test_a_server_that_cannot_fork_safely_is_not_used():
    """Threads before the fork (OpenBLAS starts its pool as numpy loads): the server refuses, and
    the kernel starts as jupyter_client starts it."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "4"}
    s = kernel_forks.Server(env=env)
    try:
        assert not s.ready()
        manager = kernel_forks.manager_class(s)(kernel_name="python3")
        assert manager.format_kernel_cmd()[1:3] == ["-m", "ipykernel_launcher"]
    finally:
        s.close()
    assert b"threads after importing numpy" in s.error, s.error


def test_when_the_build_ends_the_server_goes_and_a_late_kernel_starts_afresh(tmp_path):
    """The build ends without closing the server (Ctrl-C, a crash): its input closes, it ends and
    removes its folder; a kernel asked for just then (its client finds no server) starts afresh."""
    s = kernel_forks.Server(env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    try:
        assert s.ready()
        folder = Path(s.path).parent
        manager = kernel_forks.manager_class(s)
        s.process.stdin.close()
        s.process.wait(10)
        assert not folder.exists()
        s.ready = lambda: True  # as if the manager had asked a moment before the server went
        assert manager(kernel_name="python3").format_kernel_cmd()[3] == kernel_forks.__file__
        nb = _run(["import sys\nprint(sys.argv[0].endswith('ipykernel_launcher.py'))\n6 * 7"], tmp_path / "nb", manager)
        assert nb.cells[0].outputs[0]["text"] == "True\n"
        assert nb.cells[0].outputs[1]["data"]["text/plain"] == "42"
    finally:
        s.close()


def test_a_package_whose_import_draws_random_numbers_is_refused(tmp_path):
    """A fresh kernel importing only part of such a package would start from another generator
    state than a fork of a server that imported all of it: the server refuses to serve."""
    (tmp_path / "drawing").mkdir()
    (tmp_path / "drawing" / "__init__.py").write_text("")
    (tmp_path / "drawing" / "noise.py").write_text("import torch\nNOISE = torch.rand(1)\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    s = kernel_forks.Server(("drawing",), env=env)
    try:
        assert not s.ready()
    finally:
        s.close()
    assert b"draws random numbers" in s.error, s.error


def test_the_books_package_is_imported_only_where_a_kernel_would_find_it(tmp_path):
    """A book with a lecture_code folder of its own (the build's throwaway test books): a kernel
    there imports that one, so the server must not import the installed one."""
    assert kernel_forks.book_packages(str(ROOT)) == kernel_forks.BOOK_PACKAGES
    (tmp_path / "lecture_code").mkdir()
    (tmp_path / "lecture_code" / "__init__.py").write_text("")
    assert kernel_forks.book_packages(str(tmp_path)) == ()
