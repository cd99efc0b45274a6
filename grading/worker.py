"""The untrusted side of grading: runs ONE submission's cells, then the probes, in this process.

This file is the only part of the grader a submission can see: :mod:`grading.sandbox` copies it,
alone, into the sandbox (``/opt/grader/worker.py``) next to the student package, and
:mod:`grading.runner` starts it there (``python worker.py``; standard library, numpy and IPython
only, nothing of ``grading``). It never sees expected values.

Protocol: JSON lines. The parent writes to our stdin, we answer on our original stdout (the
student's own ``print`` output goes to ``/dev/null``):

Every message we send carries ``"n"``, the run's nonce from the first message.

1. parent -> ``{"cells": [...], "skip_cells": [...], "nonce": ...}``; we answer ``{"ready": true}``, then per
   cell ``{"step": "cell", "i": i}`` and, when it raises, ``{"cell_error": i, "msg": ...}``;
   then ``{"cells_done": true}``;
2. parent -> ``{"probe": {...}}`` ONE AT A TIME (the next only after our answer
   ``{"result": {...}}``), shown cases first, hidden cases after: no hidden input is in this
   process before the cells and the shown cases are done;
3. parent -> ``{"end": true}``; we answer ``{"done": true}`` and exit.

Everything here may be tampered with by the student's code (it runs in the same process and can
find the channel): the parent treats every message as untrusted data, accepts each kind only in
its phase, and compares the values itself.
"""

from __future__ import annotations

import builtins
import copy
import dis
import json
import os
import select
from typing import Any

import numpy as np

from lecture_code.core.validate import same_value

_MAX_ITEMS = 200_000
_MAX_STR = 500


def _short(exc: BaseException) -> str:
    try:
        msg = str(exc)
    except Exception:  # noqa: BLE001 - a hostile __str__
        msg = "<unprintable>"
    msg = msg.replace("\n", " ")
    if len(msg) > _MAX_STR:
        msg = msg[:_MAX_STR] + "..."
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def serialize(x: Any, depth: int = 0) -> dict[str, Any]:
    """Plain, JSON-able form of a value (arrays flattened, with their shape)."""
    if depth > 6:
        raise ValueError("value nested too deeply")
    if x is None:
        return {"t": "none"}
    if x is Ellipsis:
        return {"t": "ellipsis"}
    if isinstance(x, (bool, np.bool_)):
        return {"t": "bool", "v": bool(x)}
    if isinstance(x, (int, np.integer)):
        v = int(x)
        if abs(v) > 10**1000:
            raise ValueError("integer too large")
        return {"t": "int", "v": v}
    if isinstance(x, (float, np.floating)):
        return {"t": "float", "v": float(x)}
    if isinstance(x, str):
        return {"t": "str", "v": x[:_MAX_STR]}
    if isinstance(x, dict):
        if len(x) > 1000:
            raise ValueError("dict too large")
        return {"t": "dict", "v": {str(k)[:100]: serialize(v, depth + 1) for k, v in x.items()}}
    if type(x).__module__.startswith("torch"):
        x = x.detach().cpu().double().numpy()
    if isinstance(x, (list, tuple)):
        try:
            a = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            if len(x) > 1000:
                raise ValueError("list too long") from None
            return {"t": "list", "v": [serialize(v, depth + 1) for v in x]}
        x = a
    a = np.asarray(x)
    if a.dtype == object:
        raise ValueError(f"unsupported value of type {type(x).__name__}")
    if a.dtype.kind in "US":
        return {"t": "list", "v": [serialize(v, depth + 1) for v in a.tolist()]}
    if a.dtype.kind == "c":
        raise ValueError("complex values are not accepted")
    if a.size > _MAX_ITEMS:
        raise ValueError(f"array too large ({a.size} items)")
    a = a.astype(float)
    if a.ndim == 0:
        return {"t": "float", "v": float(a)}
    return {"t": "array", "shape": list(a.shape), "v": a.ravel().tolist()}


def _arg(v: Any, arrays: bool) -> Any:
    if arrays and isinstance(v, list):
        try:
            a = np.asarray(v)
        except (TypeError, ValueError):
            return v
        if a.dtype.kind in "iub":  # integer lists (indices, permutations) stay integer
            return a
        try:
            return a.astype(float)
        except (TypeError, ValueError):
            return v
    return v


def _unwritten(fn: Any) -> bool:
    """The function's body is still only ``...`` (same rule as lecture_code.student.is_unwritten)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    try:
        ops = [(i.opname, i.argval) for i in dis.get_instructions(code)
               if i.opname not in ("RESUME", "NOP", "CACHE")]
    except Exception:  # noqa: BLE001
        return False
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def _etype(exc: BaseException) -> str:
    """The exception's class name when it is a built-in exception, else "Exception"."""
    name = type(exc).__name__
    return name if isinstance(getattr(builtins, name, None), type) and type(exc) is getattr(builtins, name) \
        else "Exception"


def run_probe(p: dict[str, Any], ns: dict[str, Any]) -> dict[str, Any]:
    try:
        if p["kind"] == "expr":
            value = eval(p["target"], ns)  # noqa: S307 - expression from the instructor's source
            return {"ok": serialize(value)}
        name = p["target"]
        if name not in ns:
            return {"missing": True}
        fn = ns[name]
        if fn is Ellipsis:
            return {"ok": {"t": "ellipsis"}}
        if not callable(fn):
            return {"error": f"TypeError: {name} is not a function (it is a {type(fn).__name__})",
                    "etype": "TypeError"}
        if _unwritten(fn):
            return {"unwritten": True}
        args = [_arg(a, p["arrays"]) for a in p["args"]]
        kwargs = {k: _arg(v, p["arrays"]) for k, v in p["kwargs"].items()}
        before = copy.deepcopy((args, kwargs))
        value = fn(*args, **kwargs)
        result: dict[str, Any] = {"ok": serialize(value)}
        if p.get("check_inputs", True):
            changed = [i for i, (a, b) in enumerate(zip(before[0], args)) if not same_value(a, b)]
            changed += [k for k in kwargs if not same_value(before[1][k], kwargs[k])]
            if changed:
                result["mutated"] = changed
        return result
    except BaseException as exc:  # noqa: BLE001 - any failure of the student's code is data
        if isinstance(exc, (KeyboardInterrupt,)):
            raise
        return {"error": _short(exc), "etype": _etype(exc)}


def main() -> None:
    # The channel to the parent is our stdout; the student's output (print, tracebacks) goes to
    # /dev/null, and reading stdin from a cell gets end-of-file instead of the parent's messages.
    # Raw descriptors: student code can find the pipes (/proc/self/fd) and make them
    # non-blocking (the flag belongs to the shared pipe), so every send and receive sets
    # blocking mode again and completes a partial write, rather than losing its own message.
    out_fd = os.dup(1)
    in_fd = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)

    nonce = None

    def send(**kw: Any) -> None:
        kw["n"] = nonce
        # a leading newline ends whatever a student wrote to the pipe without one (a partial
        # write of a huge line), so that garbage is never glued to the front of our message;
        # a message under PIPE_BUF bytes is written in one piece, never split by other writes
        data = memoryview(("\n" + json.dumps(kw, allow_nan=True) + "\n").encode())
        while data:
            try:
                os.set_blocking(out_fd, True)
                data = data[os.write(out_fd, data):]
            except BlockingIOError:  # made non-blocking again in between, by a student thread
                select.select([], [out_fd], [], 0.05)

    pending = bytearray()

    def receive() -> dict[str, Any]:
        while b"\n" not in pending:
            try:
                os.set_blocking(in_fd, True)
                chunk = os.read(in_fd, 1 << 16)
            except BlockingIOError:
                select.select([in_fd], [], [], 0.05)
                continue
            if not chunk:
                os._exit(0)  # the parent is gone or has nothing more to ask
            pending.extend(chunk)
        line, _, rest = bytes(pending).partition(b"\n")
        pending[:] = rest
        return json.loads(line)

    job = receive()
    nonce = job.get("nonce")
    # threads: counted in the sandbox's own user namespace, so this caps this process's threads
    # whatever the host's user runs (set before any student code; it cannot be raised again)
    if isinstance(job.get("tasks"), int):
        import resource

        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (job["tasks"], job["tasks"]))
        except (ValueError, OSError):
            pass
    # plotting must never try to open a window or a browser
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["PLOTLY_RENDERER"] = "json"

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite history file anywhere
    shell = InteractiveShell.instance(config=config, colors="nocolor")
    shell.user_ns["__name__"] = "__main__"
    # nobody reads the tracebacks (stdout goes nowhere; errors are reported from the exception
    # object), and formatting them is slow: ~4 s after a MemoryError
    shell.showtraceback = lambda *a, **k: None
    send(ready=True)
    skip = set(job.get("skip_cells", []))
    cells = job["cells"]
    del job
    for i, src in enumerate(cells):
        if i in skip or not src.strip():
            continue
        send(step="cell", i=i)
        result = shell.run_cell(src, store_history=False, silent=False)
        err = result.error_before_exec or result.error_in_exec
        if err is not None:
            send(cell_error=i, msg=_short(err))
    send(cells_done=True)

    ns = shell.user_ns
    while True:
        msg = receive()
        if "probe" not in msg:
            break
        rec = run_probe(msg["probe"], ns)
        try:
            send(result=rec)
        except (TypeError, ValueError):  # e.g. a huge integer
            send(result={"error": "ValueError: the value could not be sent", "etype": "ValueError"})
    send(done=True)
    os.close(out_fd)
    # skip interpreter teardown: student objects may misbehave in __del__/atexit
    os._exit(0)


if __name__ == "__main__":
    main()
