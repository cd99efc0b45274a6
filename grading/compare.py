"""Trusted comparison of the plain values a submission returned with the reference values.

Values arrive as the JSON records written by :mod:`grading.worker` (untrusted). :func:`decode`
validates them strictly into Python numbers, strings, lists, dicts and float64 arrays;
:func:`compare` returns ``None`` when a value matches and otherwise a message for the student.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["decode", "compare", "Unanswered", "BadValue", "describe"]


class Unanswered:
    """The student left ``...`` in place."""

    def __repr__(self) -> str:
        return "..."


class BadValue(ValueError):
    pass


def decode(rec: Any, depth: int = 0) -> Any:
    if depth > 8 or not isinstance(rec, dict):
        raise BadValue("malformed value")
    t = rec.get("t")
    v = rec.get("v")
    if t == "none":
        return None
    if t == "ellipsis":
        return Unanswered()
    if t == "bool" and isinstance(v, bool):
        return v
    if t == "int" and isinstance(v, int) and not isinstance(v, bool):
        return v
    if t == "float" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if t == "str" and isinstance(v, str):
        return v
    if t == "list" and isinstance(v, list):
        return [decode(x, depth + 1) for x in v]
    if t == "dict" and isinstance(v, dict):
        return {str(k): decode(x, depth + 1) for k, x in v.items()}
    if t == "array" and isinstance(v, list):
        shape = rec.get("shape")
        if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
            raise BadValue("malformed array shape")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            raise BadValue("array with non-numbers")
        if math.prod(shape) != len(v):
            raise BadValue("array size does not match its shape")
        return np.asarray(v, dtype=np.float64).reshape(shape)
    raise BadValue(f"unexpected value type {t!r}")


def describe(x: Any) -> str:
    if isinstance(x, np.ndarray):
        with np.printoptions(precision=5, suppress=True, threshold=20, edgeitems=3):
            s = np.array2string(x, separator=", ")
        return s.replace("\n", " ")
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.ndarray)) and not isinstance(x, bool)


def compare(got: Any, ref: Any, rtol: float = 1e-6, atol: float = 1e-9, show: bool = False) -> str | None:
    """``None`` when ``got`` matches ``ref``; otherwise what is wrong.

    With ``show=False`` (a hidden case) the message carries nothing of either value -- no
    expected value, shape, length or key, and nothing of what the function returned (which it may
    have computed from the hidden inputs): only the kind of mistake.
    """
    if isinstance(got, Unanswered):
        return "not answered (still `...`)"
    if got is None and ref is not None:
        return "got None: does the function `return` its result?"
    if isinstance(ref, str):
        if not isinstance(got, str):
            return f"expected a word such as {ref!r}, got {describe(got)}" if show else \
                f"expected a string, got {type(got).__name__}"
        if got.strip().lower() != ref.strip().lower():
            return f"expected {ref!r}, got {got!r}" if show else "wrong answer"
        return None
    if isinstance(ref, bool):
        if got is not ref:
            return f"expected {ref}, got {describe(got)}" if show else "wrong answer"
        return None
    if isinstance(ref, dict):
        if not isinstance(got, dict):
            return f"expected a dict, got {type(got).__name__}"
        missing = [k for k in ref if k not in got]
        if missing:
            return f"missing key(s) {', '.join(map(repr, missing))}" if show else "missing keys"
        for k in ref:
            msg = compare(got[k], ref[k], rtol, atol, show)
            if msg:
                return f"[{k!r}]: {msg}" if show else msg
        return None
    if isinstance(ref, list):
        if not isinstance(got, list) or len(got) != len(ref):
            return f"expected {len(ref)} items, got {describe(got)}" if show else \
                "wrong number of items"
        for i, (g, r) in enumerate(zip(got, ref)):
            msg = compare(g, r, rtol, atol, show)
            if msg:
                return f"item {i}: {msg}" if show else msg
        return None
    if isinstance(ref, int) and not isinstance(ref, bool) and isinstance(got, int) and not isinstance(got, bool):
        if got != ref:
            return f"expected {ref}, got {got}" if show else "wrong value"
        return None
    if _is_number(ref):
        if not _is_number(got):
            return f"expected numbers, got {type(got).__name__}"
        r = np.asarray(ref, dtype=float)
        try:
            g = np.asarray(got, dtype=float)
        except OverflowError:
            return "value too large"
        if g.shape != r.shape:
            return f"wrong shape: expected {r.shape}, got {g.shape}" if show else "wrong shape"
        g_nan, r_nan = np.isnan(g), np.isnan(r)
        if (g_nan & ~r_nan).any():
            return "contains NaN" + (f": expected {describe(r)}, got {describe(g)}" if show else "")
        if not np.allclose(g, r, rtol=rtol, atol=atol, equal_nan=True):
            if show:
                return f"expected {describe(ref)}, got {describe(got)}"
            return "wrong values"
        return None
    if got != ref:
        return "wrong value"
    return None
