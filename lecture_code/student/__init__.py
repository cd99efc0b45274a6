"""The student side of the graded exercises: ``check("q1")`` runs a question's public checks.

A student notebook starts with::

    from lecture_code.student import Checker
    check = Checker("narrow_valley")

and every question ends with ``check("q1")``, which prints one line: what passed, or the first
thing that is wrong ("step 2: expected w = (9.8, -5.0), got (9.8, 2.5)"; "`gd_steps` is not
written yet: ..."), and what the question is worth::

    q1 ✘ step 2: expected w = (9.8, -5), got (9.8, 2.5) (worth 2 points)

``check.all()`` runs every question and prints the total. The public checks
ship with this package (``lecture_code/student/checks/<name>.py``, generated from the exercise
sources by ``make exercises``), so a notebook works from any folder once the package is
installed, with no network.

This is everything of the graded exercises that ships to students: the checker and the PUBLIC
checks. Hidden checks, reference values and solutions stay with the grader (``grading/`` in the
repository, never in the package). These checks run inside the student's own kernel, so they
are feedback, not grading: the grader recomputes everything in a sandbox and compares the
values in its own process.

Public-check authors use :func:`public` and the ``expect_*`` helpers below; each helper raises
:class:`CheckFailure` with a message that says what is wrong.
"""

from __future__ import annotations

import ast
import copy
import dis
import importlib.resources
import inspect
import linecache
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from lecture_code.core.validate import same_value

__all__ = [
    "Checker",
    "exercises",
    "is_unwritten",
    "CheckFailure",
    "public",
    "call",
    "expect_close",
    "expect_rows",
    "expect_equal",
    "expect_shape",
    "expect_tuple",
    "fmt",
]


class CheckFailure(AssertionError):
    """A public check failed; the message is shown to the student as is."""


# ---------------------------------------------------------------------------------------------
# registration of public checks (used inside checks/<name>.py)

_REGISTRY: list[tuple[str, Callable[..., Any]]] | None = None


def public(question: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a public check for ``question``.

    The check's parameter names are looked up in the student's namespace (``def _(gd_steps):``
    receives the student's ``gd_steps``). A check passes when it returns without raising.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if _REGISTRY is not None:
            _REGISTRY.append((question, fn))
        return fn

    return decorate


# ---------------------------------------------------------------------------------------------
# helpers for check authors


def fmt(x: Any) -> str:
    """Short human form of a number, vector or matrix: ``(9.8, -5)``."""
    if isinstance(x, (str, bytes)):
        return repr(x)
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return repr(x)
    if a.ndim == 0:
        v = float(a)
        return f"{v:.6g}"
    if a.ndim == 1:
        return "(" + ", ".join(f"{v:.6g}" for v in a) + ")"
    return "[" + ", ".join(fmt(row) for row in a) + "]"


def _as_float_array(name: str, got: Any) -> np.ndarray:
    if got is None:
        raise CheckFailure(f"{name} is None: did the function `return` its result?")
    if got is Ellipsis:
        raise CheckFailure(f"{name} is still `...`: replace it with your answer")
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CheckFailure(f"{name} should be numbers, got {type(got).__name__} ({exc})") from None


def expect_tuple(name: str, got: Any, n: int) -> tuple[Any, ...]:
    """``got`` as a tuple of ``n`` items (e.g. a function returning ``(m1, m2)``)."""
    if got is None:
        raise CheckFailure(f"{name} is None: did the function `return` its result?")
    if got is Ellipsis:
        raise CheckFailure(f"{name} is still `...`: replace it with your answer")
    if not isinstance(got, (tuple, list)) or len(got) != n:
        what = f"{len(got)} items" if isinstance(got, (tuple, list)) else type(got).__name__
        raise CheckFailure(f"{name} should be {n} values (a tuple), got {what}")
    return tuple(got)


def expect_shape(name: str, got: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``got`` as a float array of the given shape, or a CheckFailure naming both shapes."""
    a = _as_float_array(name, got)
    if a.shape != tuple(shape):
        raise CheckFailure(f"{name} should have shape {tuple(shape)}, got shape {a.shape}")
    return a


def expect_close(name: str, got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Numbers/arrays equal up to tolerance; the message shows both values."""
    exp = np.asarray(expected, dtype=float)
    a = expect_shape(name, got, exp.shape)
    if np.isnan(a).any() and not np.isnan(exp).any():
        raise CheckFailure(f"{name} contains NaN: expected {fmt(exp)}, got {fmt(a)}")
    if not np.allclose(a, exp, rtol=rtol, atol=atol, equal_nan=True):
        raise CheckFailure(f"{name}: expected {fmt(exp)}, got {fmt(a)}")


def expect_equal(name: str, got: Any, expected: Any) -> None:
    """Exact equality (integers, strings, labels)."""
    if got is Ellipsis:
        raise CheckFailure(f"{name} is still `...`: replace it with your answer")
    if isinstance(expected, str):
        if not isinstance(got, str) or got.strip().lower() != expected.lower():
            raise CheckFailure(f"{name}: expected {expected!r}, got {got!r}")
        return
    if got != expected:
        raise CheckFailure(f"{name}: expected {expected!r}, got {got!r}")


def expect_rows(
    name: str,
    got: Any,
    expected: Any,
    row_label: str = "step",
    first_row: int = 0,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Row-by-row comparison of a trajectory; names the first wrong row.

    ``expect_rows("w", path, [[10, 10], [9.9, 2.5]])`` fails with
    ``"step 1: expected w = (9.9, 2.5), got (9.9, 10)"``.
    """
    exp = np.asarray(expected, dtype=float)
    a = _as_float_array(name, got)
    if a.ndim != exp.ndim or a.shape[1:] != exp.shape[1:]:
        raise CheckFailure(
            f"{name} should have shape {exp.shape} (one row per {row_label}), got shape {a.shape}"
        )
    for i in range(min(len(a), len(exp))):
        if not np.allclose(a[i], exp[i], rtol=rtol, atol=atol):
            raise CheckFailure(
                f"{row_label} {i + first_row}: expected {name} = {fmt(exp[i])}, got {fmt(a[i])}"
            )
    if len(a) != len(exp):
        raise CheckFailure(
            f"{name} should have {len(exp)} rows ({row_label}s {first_row}..{first_row + len(exp) - 1}),"
            f" got {len(a)}"
        )


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` and fail if it changed any of its array/list arguments in place."""
    before = [copy.deepcopy(a) for a in args]
    before_kw = {k: copy.deepcopy(v) for k, v in kwargs.items()}
    result = fn(*args, **kwargs)
    names = _param_names(fn, len(args))
    for i, (b, a) in enumerate(zip(before, args)):
        if not same_value(b, a):
            raise CheckFailure(
                f"{fn.__name__} changed its argument {names[i]} in place; work on a copy instead"
            )
    for k, b in before_kw.items():
        if not same_value(b, kwargs[k]):
            raise CheckFailure(f"{fn.__name__} changed its argument {k} in place; work on a copy instead")
    return result


def _param_names(fn: Callable[..., Any], n: int) -> list[str]:
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"#{i + 1}" for i in range(n)]


# ---------------------------------------------------------------------------------------------
# the checker


def exercises() -> list[str]:
    """Names of the exercises whose public checks ship with this package."""
    folder = importlib.resources.files(__name__) / "checks"
    return sorted(p.name[:-3] for p in folder.iterdir()
                  if p.name.endswith(".py") and not p.name.startswith("_"))


def _checks_source(exercise: str) -> tuple[str, str]:
    """(source, file name) of the public checks of ``exercise`` shipped in ``checks/``."""
    if not isinstance(exercise, str) or not re.fullmatch(r"[A-Za-z_]\w*", exercise):
        raise ValueError(f"exercise must be the name of an exercise such as 'narrow_valley', got {exercise!r}")
    res = importlib.resources.files(__name__) / "checks" / f"{exercise}.py"
    if not res.is_file():
        raise ValueError(f"exercise {exercise!r} has no public checks in this package; "
                         f"known exercises: {', '.join(exercises())}")
    return res.read_text(encoding="utf-8"), str(res)


def is_unwritten(fn: Any) -> bool:
    """True for a function whose body is still only ``...`` (or ``pass``/a docstring)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code)
           if i.opname not in ("RESUME", "NOP", "CACHE")]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def unwritten_message(name: str) -> str:
    return (f"`{name}` is not written yet: replace `...  # YOUR CODE HERE` in `def {name}(...)`"
            " with your code")


def _student_frame_hint(tb: Any, skip: set[str]) -> str:
    """' (line 4: `return w - eta * g`)' for the innermost frame outside the check files."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename not in skip]
    if not frames:
        return ""
    f = frames[-1]
    line = (f.line or linecache.getline(f.filename, f.lineno)).strip()
    where = f"line {f.lineno}" + (f" of {f.name}" if f.name not in ("<module>", "") else "")
    return f" ({where}: `{line}`)" if line else f" ({where})"


_CELL_ERRORS: dict[str, str] = {}
"""Name -> the exception its defining cell last raised (``ZeroDivisionError``), while the cell
that defines a name raises; dropped when a cell defining it runs without an error."""
_WATCHED: set[int] = set()  # the IPython shells whose cells are watched


def _defined_names(source: str) -> set[str]:
    """Top-level names a cell assigns, defines or imports (by its look when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        pattern = r"^(?:def|class)\s+(\w+)|^(\w+)\s*(?::[^=\n]*)?=(?!=)"
        return {n for pair in re.findall(pattern, source, flags=re.M) for n in pair if n}
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _watch_cells() -> None:
    """In IPython/Jupyter, note after every cell which names it defines and whether it raised, so
    that a check can say "its cell raised ZeroDivisionError" instead of "run the cell"."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or id(shell) in _WATCHED:
        return

    def after(result: Any) -> None:
        info = getattr(result, "info", None)
        error = getattr(result, "error_before_exec", None) or getattr(result, "error_in_exec", None)
        for name in _defined_names(getattr(info, "raw_cell", "") or ""):
            if error is not None:
                _CELL_ERRORS[name] = type(error).__name__
            else:
                _CELL_ERRORS.pop(name, None)

    shell.events.register("post_run_cell", after)
    _WATCHED.add(id(shell))


def _not_defined(name: str) -> str:
    """Why ``name`` is missing: its cell raised (when the notebook's cells are watched), or it was
    not run."""
    raised = _CELL_ERRORS.get(name)
    if raised:
        return (f"`{name}` is not defined: the cell that defines it raised {raised}; fix the error "
                "and run that cell again")
    return f"`{name}` is not defined yet: run the cell that defines it (or, if you did, fix the error it raised)"


class Checker:
    """``check = Checker("narrow_valley")``; then ``check("q1")`` and ``check.all()``."""

    def __init__(self, exercise: str, tests_file: str | Path | None = None) -> None:
        global _REGISTRY
        self.exercise = exercise
        self.points: dict[str, float] = {}
        self.tests: dict[str, list[Callable[..., Any]]] = {}
        self.questions: list[str] = []
        # Inside the grader (grading.worker) the public checks are not needed: the grader
        # recomputes everything in its own process. Skipping them saves time and noise.
        self.disabled = os.environ.get("GRADING_RUN") == "1"
        if self.disabled:
            return
        if tests_file is not None:
            source, self._path = Path(tests_file).read_text(encoding="utf-8"), str(Path(tests_file).resolve())
        else:
            source, self._path = _checks_source(exercise)
        registry: list[tuple[str, Callable[..., Any]]] = []
        namespace: dict[str, Any] = {"__name__": f"lecture_code.student.checks.{exercise}", "__file__": self._path}
        _REGISTRY = registry
        try:
            code = compile(source, self._path, "exec")
            exec(code, namespace)  # noqa: S102 - the repository's own public checks
        finally:
            _REGISTRY = None
        self.points = dict(namespace.get("POINTS", {}))
        for q, fn in registry:
            self.tests.setdefault(q, []).append(fn)
        self.questions = list(self.points) or list(self.tests)
        _watch_cells()

    def __repr__(self) -> str:
        return f"Checker({self.exercise!r}: questions {', '.join(self.questions)})"

    def _run(self, question: str, ns: dict[str, Any]) -> tuple[bool, str]:
        if question not in self.tests:
            return False, f"unknown question {question!r}; questions are {', '.join(self.questions)}"
        tests = self.tests[question]
        for fn in tests:
            args = []
            for name in inspect.signature(fn).parameters:
                if name not in ns:
                    return False, _not_defined(name)
                value = ns[name]
                if value is Ellipsis:
                    return False, f"`{name}` is still `...`: replace it with your answer"
                if is_unwritten(value):
                    return False, unwritten_message(name)
                args.append(value)
            try:
                fn(*args)
            except CheckFailure as exc:
                return False, str(exc)
            except Exception as exc:  # the student's code raised
                hint = _student_frame_hint(exc.__traceback__, {self._path, __file__})
                return False, f"your code raised {type(exc).__name__}: {exc}{hint}"
        n = len(tests)
        return True, "the public check passes" if n == 1 else f"all {n} public checks pass"

    def worth(self, question: str) -> str:
        """``"worth 2 points"``: what the grader gives for ``question`` (from the exercise's points)."""
        if question not in self.points:
            return ""
        pts = float(self.points[question])
        return f"worth {pts:g} point{'' if pts == 1 else 's'}"

    def _line(self, question: str, ok: bool, msg: str) -> str:
        worth = self.worth(question) if question in self.tests else ""
        return f"{question} {'✔' if ok else '✘'} {msg}" + (f" ({worth})" if worth else "")

    def __call__(self, question: str) -> None:
        if self.disabled:
            return
        ns = sys._getframe(1).f_globals
        ok, msg = self._run(question, ns)
        print(self._line(question, ok, msg))

    def all(self) -> None:
        """Run every question's public checks and print the total."""
        if self.disabled:
            return
        ns = sys._getframe(1).f_globals
        got = total = 0.0
        for q in self.questions:
            ok, msg = self._run(q, ns)
            pts = float(self.points.get(q, 1))
            total += pts
            got += pts if ok else 0.0
            print(self._line(q, ok, msg))
        print(
            f"Total: {got:g}/{total:g} points from the public checks "
            "(the grader also runs hidden checks)"
        )
