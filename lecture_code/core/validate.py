"""Argument checks that fail fast with a message naming the parameter and the allowed range.

Every public function of the library checks its arguments with these, so a reader who
passes ``lr=-0.1`` reads ``ValueError: lr must be > 0 (and finite), got -0.1``, not a NaN
three figures later. Every check takes the **value first, then its name**::

    from lecture_code.core.validate import check_int, check_nonnegative, check_positive, check_unit
    steps = check_int(steps, "steps", minimum=0)
    lr = check_positive(lr, "lr")
    beta = check_unit(beta, "beta")
    weight_decay = check_nonnegative(weight_decay, "weight_decay")

The name must be a string: a call in the other order (``check_positive("lr", lr)``) raises
``TypeError`` at once instead of checking the wrong thing.

It also holds :func:`same_value`, the one comparison that decides whether a function changed
its argument in place (used by the student-side checks and by the grader's worker).
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np

__all__ = ["check_int", "check_positive", "check_nonnegative", "check_unit", "same_value"]


def _check_name(check: str, name: Any) -> None:
    """The parameter's name must be a string: catches calls with (name, value) swapped."""
    if not isinstance(name, str):
        raise TypeError(f"{check}(value, name): the second argument is the parameter's name (a str), "
                        f"got {name!r}; the value comes first")


def check_int(value: Any, name: str, minimum: int | None = 0, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``; ``ValueError`` otherwise.

    Booleans, floats (even ``3.0``) and strings are rejected: a number of steps, neurons or
    hyperplanes is an integer. The message reads e.g. ``"steps must be an integer >= 0, got -1"``
    or ``"batch must be an integer in [1, 64], got 100"``.
    """
    _check_name("check_int", name)
    if minimum is None and maximum is None:
        allowed = ""
    elif maximum is None:
        allowed = f" >= {minimum}"
    elif minimum is None:
        allowed = f" <= {maximum}"
    else:
        allowed = f" in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer{allowed}, got {value!r}")
    v = int(value)
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        raise ValueError(f"{name} must be an integer{allowed}, got {v}")
    return v


def _is_text(value: Any) -> bool:
    """Whether ``value`` is, or holds, a string: numpy would read ``"0.3"`` as the number 0.3."""
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SU":
            return True
        if value.dtype.kind != "O":
            return False
    elif not isinstance(value, (list, tuple)):
        return False
    try:
        raw = np.asarray(value, dtype=object)
    except (TypeError, ValueError):
        return False
    return any(isinstance(x, (str, bytes)) for x in raw.ravel())


def _numbers(value: Any, name: str, allowed: str, ok: Any) -> Any:
    """``value`` (a number, or an array of numbers) if every entry is finite and ``ok``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # the common case, kept cheap
        if math.isfinite(value) and ok(value):
            return float(value)
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if _is_text(value):
        raise ValueError(f"{name} must be {allowed}, got {value!r} (text, not a number: "
                         "write it without quotes)")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None
    if isinstance(value, (bool, np.bool_)) or arr.size == 0 or not np.all(np.isfinite(arr)) or not np.all(ok(arr)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr.copy()


def check_positive(value: Any, name: str) -> Any:
    """``value`` (a number, or an array of numbers) if every entry is finite and ``> 0``.

    Returns a float for a number and a float64 copy for an array or sequence. The message
    reads ``"lr must be > 0 (and finite), got -0.1"``. Strings are rejected, even ``"0.3"``
    (like ``True``): ``"lr must be > 0 (and finite), got '0.3' (text, not a number: ...)"``.
    """
    _check_name("check_positive", name)
    return _numbers(value, name, "> 0 (and finite)", lambda v: v > 0)


def check_nonnegative(value: Any, name: str) -> Any:
    """``value`` (a number, or an array of numbers) if every entry is finite and ``>= 0``.

    For parameters where 0 means "off", e.g. ``weight_decay``. Returns a float for a number
    and a float64 copy for an array or sequence.
    """
    _check_name("check_nonnegative", name)
    return _numbers(value, name, ">= 0 (and finite)", lambda v: v >= 0)


def check_unit(value: Any, name: str) -> Any:
    """``value`` if it is in ``[0, 1)`` (a decay rate or momentum): a float for a number, a
    float64 copy for an array or sequence (every entry in ``[0, 1)``)."""
    _check_name("check_unit", name)
    return _numbers(value, name, "in [0, 1)", lambda v: (v >= 0.0) & (v < 1.0))


def same_value(a: Any, b: Any) -> bool:
    """True if ``a`` and ``b`` hold the same value: "did this call change its argument?".

    Arrays compare by shape and entries (NaN equal to NaN), lists, tuples and dicts entry by
    entry, floats with NaN equal to NaN, anything else with ``==``. Never raises: values that
    cannot be compared count as different.
    """
    try:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            x, y = np.asarray(a), np.asarray(b)
            if x.shape != y.shape:
                return False
            try:
                return bool(np.array_equal(x, y, equal_nan=True))
            except TypeError:  # object or string arrays have no NaN
                return bool(np.array_equal(x, y))
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return type(a) is type(b) and len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an argument whose == misbehaves counts as changed
        return False
