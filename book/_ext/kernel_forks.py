"""Kernels for the build's chapters, forked from one process that has imported their packages.

Every chapter runs in a kernel of its own, as a reader's would. Started the usual way, each of
the book's kernels spends 2.5-3 s of CPU before its first cell computes anything: starting
Python, importing ipykernel and IPython, then numpy, PyTorch, plotly and ``lecture_code``. Here
one *server* process does those imports once; each kernel the build asks for is a ``fork()`` of
it that then starts ipykernel as ``python -m ipykernel_launcher`` would, in the notebook's
folder, with the arguments and environment jupyter_client gives a kernel. (On 2 cores, three
clean builds each way, one after the other: 98 s of CPU instead of 108, 64 s instead of 71;
``make bench BENCH=book`` measures both in one run.)

A forked kernel computes what a fresh one computes: tests/test_kernel_forks.py runs the same
notebooks both ways and compares every output. What a fork would copy and a fresh kernel starts
anew is redone in the child: numpy's and PyTorch's global generators are seeded again from the
system (Python's ``random`` does so itself), ipykernel watches its actual parent, ``sys.path``
and ``sys.argv`` are ipykernel_launcher's. The one difference left by design: the server's
imports are in ``sys.modules`` before the first cell. So that no value depends on it, the server
refuses to serve (and kernels start afresh) if importing the book's package drew random numbers
or seeded a generator, and it imports the book's package only if a kernel in the book would
import the same one (:func:`book_packages`).

jupyter_client still manages a process of its own for each kernel: a small *client*
(``python -I -S kernel_forks.py kernel SOCKET -f CONNECTION_FILE ...``, the standard library
only) that asks the server for the fork, hands it its standard streams, forwards the signals
jupyter_client sends, and exits with the kernel's exit status. If the client is killed, the
server kills its kernel; if the build ends, the server's input closes and it ends with every
kernel it forked, removing its folder. A client that finds no server becomes a fresh kernel
itself (``python -m ipykernel_launcher``). The server has a session of its own: a terminal's
Ctrl-C stops the build, not the server directly.

Only the native Python kernel (``python -m ipykernel_launcher``) of the build's own Python is
forked (:func:`manager_class`); any other kernel starts as jupyter_client starts it.
``LECTURE_BUILD_FORKS=0`` turns forking off.

The server must have no thread when it forks (a thread's locks would be copied locked): it
checks after each import and refuses to serve if one started (OpenBLAS starts its pool as numpy
loads unless ``OPENBLAS_NUM_THREADS=1``, as the build sets it; PyTorch starts its pools on first
use).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys

#: What the server imports before it forks: the kernel itself, then what chapters import.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "numpy", "torch", "plotly.graph_objects")
#: Packages whose every module the server imports too, when the build asks (the book's own
#: package: :func:`book_packages`).
BOOK_PACKAGES = ("lecture_code.core", "lecture_code.chapters")

_HEADER = struct.Struct("!I")
_LAUNCHER = ""


def _send(conn: socket.socket, message: dict, fds: list[int] = ()) -> None:
    data = json.dumps(message).encode()
    socket.send_fds(conn, [_HEADER.pack(len(data)) + data], list(fds))


def _receive(conn: socket.socket) -> tuple[dict | None, list[int]]:
    """One message (and the descriptors sent with it); (None, []) once the other side is gone."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    if not data:
        return None, fds
    (size,) = _HEADER.unpack_from(data)
    while len(data) < _HEADER.size + size:
        more = conn.recv(_HEADER.size + size - len(data))
        if not more:
            return None, fds
        data += more
    return json.loads(data[_HEADER.size:_HEADER.size + size]), fds


# ---- the server ----------------------------------------------------------------------------

def _random_states() -> tuple:
    """The states of the global random generators of PyTorch and numpy (its legacy one)."""
    states = []
    if "torch" in sys.modules:
        states.append(sys.modules["torch"].random.get_rng_state().numpy().tobytes())
    if "numpy" in sys.modules:
        states.append(sys.modules["numpy"].random.get_state()[1].tobytes())
    return tuple(states)


def _preload(packages: tuple[str, ...]) -> None:
    """Import :data:`PRELOAD` (those installed) and every module of ``packages``; exit as soon as
    the process has a thread, or if the packages' imports drew random numbers or seeded a
    generator (a fresh kernel that imports some of them would then start from a state a fork
    does not reproduce)."""
    import importlib
    import pkgutil

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
        _exit_if_threaded(name)
    before = _random_states()
    for name in packages:
        try:
            package = importlib.import_module(name)
        except ImportError:
            continue
        for info in pkgutil.iter_modules(package.__path__, name + "."):
            importlib.import_module(info.name)
    if _random_states() != before:
        sys.exit(f"kernel_forks: importing {', '.join(packages)} draws random numbers; not forking")
    _exit_if_threaded(", ".join(packages))


def _kill(pid: int, signum: int) -> None:
    """Send ``signum`` to the kernel ``pid``, which may have ended already."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _threads() -> int:
    """How many threads this process has (the operating system's count, not Python's)."""
    return len(os.listdir("/proc/self/task"))


def _exit_if_threaded(imported: str) -> None:
    """Refuse to serve once the process has a thread: forking would copy its locks, locked."""
    if _threads() != 1:
        sys.exit(f"kernel_forks: {_threads()} threads after importing {imported}; forking would copy their locks")


def _become_kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: take the client's streams, folder and environment, run ipykernel."""
    code = 1
    try:
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.setsid()  # a session of its own, as jupyter_client starts a kernel: a terminal's Ctrl-C is not for it
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # the global generators a fresh kernel's imports seed from the system: seeded again here,
        # so that kernels forked from one server do not draw the same numbers (Python's own
        # `random` does this itself after a fork)
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        if "torch" in sys.modules:
            sys.modules["torch"].seed()
        # as ipykernel_launcher leaves it: without the folder Python started in (the server's
        # `-c` put "" first); the kernel puts "" back where IPython does
        if sys.path and sys.path[0] == "":
            del sys.path[0]
        sys.argv = [_LAUNCHER, *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        # as IPKernelApp.launch_instance, but it read JPY_PARENT_PID (the process to outlive it)
        # at its import, in the server: the kernel's parent here is the server
        app = IPKernelApp.instance(parent_handle=os.getppid())
        app.initialize(request["argv"])
        app.start()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, then the child ends
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str, packages: tuple[str, ...] = ()) -> None:
    """Listen on the Unix socket ``path``; fork a kernel for each client; end when stdin closes."""
    global _LAUNCHER
    import importlib.util

    _LAUNCHER = importlib.util.find_spec("ipykernel_launcher").origin  # sys.argv[0] of a kernel
    _preload(packages)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    kernels: dict[int, socket.socket] = {}  # pid -> its client's connection
    clients: dict[socket.socket, int] = {}

    def reap() -> None:
        for pid in list(kernels):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                conn = kernels.pop(pid)
                clients.pop(conn, None)
                try:
                    _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
                except OSError:
                    pass
                conn.close()

    try:
        while True:
            ready, _, _ = select.select([sys.stdin, listener, *clients], [], [], 0.05)
            reap()
            for source in ready:
                if source is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 4096):
                        return  # the build has ended
                elif source is listener:
                    conn, _ = listener.accept()
                    request, fds = _receive(conn)
                    if request is None:
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        listener.close()
                        for other in clients:
                            other.close()
                        _become_kernel(request, fds)
                    for fd in fds:
                        os.close(fd)
                    _send(conn, {"pid": pid})
                    kernels[pid], clients[conn] = conn, pid
                elif source in clients:
                    message, _fds = _receive(source)
                    pid = clients[source]
                    if message is None:  # its client is gone: so is the kernel
                        _kill(pid, signal.SIGKILL)
                    elif "signal" in message:
                        _kill(pid, message["signal"])
    finally:
        for pid in kernels:
            _kill(pid, signal.SIGKILL)
        for pid in kernels:
            os.waitpid(pid, 0)
        listener.close()
        # its folder (socket, log) goes with it, also when the build ended without closing it
        import shutil

        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


# ---- the client (the process jupyter_client manages) ------------------------------------------

def client(path: str, argv: list[str]) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:  # the server is gone (the build is ending): become the kernel jupyter_client asked for
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    _send(conn, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2])

    def forward(signum, _frame):
        try:
            _send(conn, {"signal": signum})
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    while True:
        try:
            message, _fds = _receive(conn)
        except InterruptedError:
            continue
        if message is None:
            return 1  # the server is gone (it kills its kernels as it ends)
        if "exit" in message:
            return message["exit"]


# ---- in the build: the server's lifetime and the kernel manager -------------------------------

class Server:
    """The fork server, started from the build's Python (with its environment, as the kernels get
    it); :meth:`ready` waits until it has done its imports; :meth:`close` (or the build's end) stops it."""

    def __init__(self, packages: tuple[str, ...] = (), env: dict | None = None):
        import subprocess
        import tempfile
        import threading

        self._dir = tempfile.mkdtemp(prefix="kernel-forks-")
        self.path = os.path.join(self._dir, "socket")
        self._lock = threading.Lock()
        self._ready: bool | None = None
        self._log = os.path.join(self._dir, "log")
        with open(self._log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", f"import sys; sys.path.insert(0, {os.path.dirname(__file__)!r}); "
                 f"import kernel_forks; sys.path.pop(0); kernel_forks.serve({self.path!r}, {tuple(packages)!r})"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, cwd=self._dir,
                # a terminal's Ctrl-C stops the build; the server ends with it (its input closes)
                start_new_session=True)
        self.error = b""

    def ready(self) -> bool:
        """Whether the server forks kernels (it has done its imports and is still running)."""
        with self._lock:
            if self._ready is None:
                self._ready = self.process.stdout.readline().strip() == b"ready"
                if not self._ready:
                    self.process.wait()
                    with open(self._log, "rb") as log:
                        self.error = log.read()  # why it did not start (the server's stderr)
            return self._ready and self.process.poll() is None

    def close(self) -> None:
        import shutil

        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except Exception:  # noqa: BLE001
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def book_packages(srcdir: str) -> tuple[str, ...]:
    """:data:`BOOK_PACKAGES` if the ``lecture_code`` Python finds is the book's own (in
    ``srcdir``), else none: a kernel there would import another one than the server had."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("lecture_code")
    except (ImportError, ValueError):
        return ()
    origin = os.path.realpath(spec.origin) if spec and spec.origin else ""
    return BOOK_PACKAGES if origin.startswith(os.path.realpath(srcdir) + os.sep) else ()


def manager_class(server: Server):
    """A jupyter_client kernel manager class (nbclient's, ``AsyncKernelManager``) whose native
    Python kernels are forked by ``server``."""
    from jupyter_client.manager import AsyncKernelManager

    class ForkingKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            native = cmd[1:3] == ["-m", "ipykernel_launcher"] and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
            if not native or not server.ready():
                return cmd
            return [sys.executable, "-I", "-S", os.path.abspath(__file__), "kernel", server.path, *cmd[3:]]

    return ForkingKernelManager


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "kernel":
        sys.exit(client(sys.argv[2], sys.argv[3:]))
    sys.exit("usage: kernel_forks.py kernel SOCKET [IPKERNEL ARGUMENTS...]")
