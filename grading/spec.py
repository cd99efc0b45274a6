"""Hidden-check declarations, written in the ``hidden-tests`` cells of ``solutions/<name>.md``.

A hidden-tests cell runs only in the grader's own (trusted) process. It declares, per question,
the *probes* the grader evaluates in the submission's process after the student's cells, and how
the returned values are judged::

    hidden("q1", points=2, probes=[
        Call("gd_steps", [10.0, 10.0], 0.1, 4, show=True),   # the lecture's case: feedback may show values
        Call("gd_steps", [3.0, -2.0], 0.05, 6),              # hidden case: feedback never shows values
    ])
    hidden("q2", points=1, probes=[Expr("eta_better")], check=my_check)

By default each probe's value is compared (``rtol``/``atol``) with the value the same probe
gives on the reference solution. ``check(got, ref, probe) -> str | None`` replaces that
comparison (return a message when the answer is wrong); it runs in the trusted process and may
compute an independent reference (e.g. ``torch.optim.Adam``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Call", "Expr", "Probe", "HiddenQuestion", "hidden", "collect"]


@dataclass(frozen=True)
class Probe:
    """One value the grader asks the submission for."""

    kind: str  # "call" or "expr"
    target: str  # function name (call) or Python expression (expr)
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    arrays: bool = True  # call: turn (nested) lists of numbers into float arrays
    show: bool = False  # feedback may show the inputs and expected values
    check_inputs: bool = True  # call: fail when the function changes its arguments in place

    def wire(self) -> dict[str, Any]:
        """The JSON-able form sent to the submission's process (never the expected value)."""
        return {
            "kind": self.kind,
            "target": self.target,
            "args": list(self.args),
            "kwargs": dict(self.kwargs),
            "arrays": self.arrays,
            "check_inputs": self.check_inputs,
        }

    def describe(self) -> str:
        if self.kind == "expr":
            return self.target
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.target}({', '.join(parts)})"


def Call(fn: str, *args: Any, show: bool = False, arrays: bool = True, check_inputs: bool = True,
         **kwargs: Any) -> Probe:
    """Probe: call the student's function ``fn`` with JSON-able arguments."""
    return Probe("call", fn, tuple(args), dict(kwargs), arrays, show, check_inputs)


def Expr(code: str, show: bool = False) -> Probe:
    """Probe: evaluate an expression in the student's namespace (e.g. ``"eta_better"``)."""
    return Probe("expr", code, show=show, check_inputs=False)


@dataclass
class HiddenQuestion:
    name: str
    points: float
    probes: list[Probe]
    rtol: float = 1e-6
    atol: float = 1e-9
    check: Callable[[Any, Any, Probe], str | None] | None = None
    forbids: tuple[str, ...] = ()  # course-library functions this question asks the student to write


_COLLECTOR: list[HiddenQuestion] | None = None


def hidden(name: str, points: float, probes: list[Probe], rtol: float = 1e-6, atol: float = 1e-9,
           check: Callable[[Any, Any, Probe], str | None] | None = None,
           forbids: list[str] | tuple[str, ...] = ()) -> HiddenQuestion:
    """Declare the hidden checks of question ``name`` (see the module docstring). ``forbids``:
    functions of the course library (``lecture_code``) that compute this question's answer, which
    the student is asked to write: an answer that calls one is flagged in the feedback and report."""
    if points <= 0:
        raise ValueError(f"points must be > 0, got {points}")
    if not probes:
        raise ValueError(f"probes must not be empty (question {name})")
    if not all(isinstance(f, str) and f.isidentifier() for f in forbids):
        raise ValueError(f"forbids must be a list of function names, got {forbids!r} (question {name})")
    q = HiddenQuestion(name, float(points), list(probes), rtol, atol, check, tuple(forbids))
    if _COLLECTOR is not None:
        _COLLECTOR.append(q)
    return q


def collect(code: str, filename: str) -> list[HiddenQuestion]:
    """Run a hidden-tests cell (trusted code from solutions/) and return its declarations."""
    global _COLLECTOR
    import numpy as np

    found: list[HiddenQuestion] = []
    ns: dict[str, Any] = {"__name__": "grading_hidden", "hidden": hidden, "Call": Call, "Expr": Expr,
                          "np": np}
    _COLLECTOR = found
    try:
        exec(compile(code, filename, "exec"), ns)  # noqa: S102 - instructor's own source
    finally:
        _COLLECTOR = None
    return found
