"""The untrusted side of grading: runs ONE submission's cells, then the probes, in this process.

Started by :mod:`grading.runner` as ``python -m grading.worker`` in its own process group, under
resource limits, with the job on stdin (cells, probes, paths). It never sees expected values.

It reports through two files in a private temporary folder:

- ``status.jsonl``: one JSON line per step started (``{"step": "cell 3"}``), per cell error and a
  final ``{"done": true}``; the parent uses it to tell which step hung or killed the process;
- ``<question>.json``: the plain values (numbers, arrays, strings) each probe returned.

Everything here may be tampered with by the student's code (it runs in the same process); the
parent therefore treats these files as untrusted data and compares them itself.
"""

from __future__ import annotations

import copy
import json
import os
import sys
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


def run_probe(p: dict[str, Any], ns: dict[str, Any]) -> dict[str, Any]:
    try:
        if p["kind"] == "expr":
            value = eval(p["target"], ns)  # noqa: S307 - expression from the instructor's source
            return {"ok": serialize(value)}
        name = p["target"]
        if name not in ns:
            return {"missing": name[:100]}
        fn = ns[name]
        if fn is Ellipsis:
            return {"ok": {"t": "ellipsis"}}
        if not callable(fn):
            return {"error": f"TypeError: {name} is not a function (it is a {type(fn).__name__})"}
        args = [_arg(a, p["arrays"]) for a in p["args"]]
        kwargs = {k: _arg(v, p["arrays"]) for k, v in p["kwargs"].items()}
        before = copy.deepcopy((args, kwargs))
        value = fn(*args, **kwargs)
        result = {"ok": serialize(value)}
        if p.get("check_inputs", True):
            changed = [str(i + 1) for i, (a, b) in enumerate(zip(before[0], args)) if not same_value(a, b)]
            changed += [k for k in kwargs if not same_value(before[1][k], kwargs[k])]
            if changed:
                result["mutated"] = changed
        return result
    except BaseException as exc:  # noqa: BLE001 - any failure of the student's code is data
        if isinstance(exc, (KeyboardInterrupt,)):
            raise
        return {"error": _short(exc)}


def main() -> None:
    job = json.loads(sys.stdin.read())
    status = open(job["status"], "a", buffering=1, encoding="utf-8")  # noqa: SIM115
    results_dir = job["results"]

    def note(**kw: Any) -> None:
        status.write(json.dumps(kw) + "\n")
        status.flush()

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
    skip = set(job.get("skip_cells", []))
    for i, src in enumerate(job["cells"]):
        if i in skip or not src.strip():
            continue
        note(step=f"cell {i}")
        result = shell.run_cell(src, store_history=False, silent=False)
        err = result.error_before_exec or result.error_in_exec
        if err is not None:
            note(cell_error=i, msg=_short(err))

    ns = shell.user_ns
    skip_q = set(job.get("skip_questions", []))
    for q, probes in job["probes"].items():
        if q in skip_q:
            continue
        note(step=f"probe {q}")
        out = [run_probe(p, ns) for p in probes]
        text = json.dumps(out, allow_nan=True)
        path = os.path.join(results_dir, f"{q}.json")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    note(done=True)
    status.close()
    # skip interpreter teardown: student objects may misbehave in __del__/atexit
    os._exit(0)


if __name__ == "__main__":
    main()
