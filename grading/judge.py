"""Judging one notebook: reference values, the score of each question, the result of one file.

Reference values come from running each exercise's reference solution through the same sandboxed
runner once per grading run; they stay in memory, as do the hidden checks. :func:`judge` turns the
raw (untrusted) records of a question's probes into points and a message built from the parent's
own data only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grading.compare import BadValue, Unanswered, compare, decode
from grading.limits import Limits, explain
from grading.runner import cell_label, run_submission
from grading.sandbox import Sandbox
from grading.source import Exercise, keep_solutions
from grading.spec import HiddenQuestion
from grading.submissions import NotebookCode, NotGradable, identify, quoted, read_notebook, read_regular_file

GRADED, NOT_SUBMITTED, NOT_GRADABLE = "graded", "not submitted", "not gradable"
STATUSES = (GRADED, NOT_SUBMITTED, NOT_GRADABLE)
"""Status of an exercise for a student: a counted attempt was graded (a blank notebook is graded,
with 0 points); nothing was handed in for it; something was handed in but could not be graded."""


@dataclass
class QuestionScore:
    points: float
    max_points: float
    message: str
    shown: tuple[int, int] = (0, 0)  # (passed, count) of the shown (public) cases
    hidden: tuple[int, int] = (0, 0)  # (passed, count) of the hidden cases


@dataclass
class SubmissionResult:
    student: str
    path: Path
    exercise: str | None
    rel: str = ""  # path inside the student's folder (the attempt's name)
    scores: dict[str, QuestionScore] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    counted: bool = False
    gradable: bool = False  # the file was read and run (even if every answer is wrong)

    @property
    def total(self) -> float:
        return sum(s.points for s in self.scores.values())

    @property
    def maximum(self) -> float:
        return sum(s.max_points for s in self.scores.values())


def _probes(ex: Exercise) -> dict[str, list[dict[str, Any]]]:
    return {q.name: [{**p.wire(), "show": p.show} for p in q.probes] for q in ex.hidden}


def solution_cells(ex: Exercise) -> list[str]:
    out = []
    for cell in ex.nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type != "code" or tags & {"hidden-tests", "public-tests"}:
            out.append("")
        else:
            out.append(keep_solutions(cell.source))
    return out


def parameter_names(ex: Exercise) -> dict[str, list[str]]:
    """Function name -> its parameter names, as the exercise's reference solution defines them
    (trusted code, parsed, never run): the feedback names an argument a function changed in place."""
    import ast

    out: dict[str, list[str]] = {}
    for src in solution_cells(ex):
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                out[node.name] = [x.arg for x in [*a.posonlyargs, *a.args]]
    return out


def _arguments(names: list[str]) -> str:
    """``argument `w0```, ``arguments `w0` and `eta```."""
    shown = [f"`{n}`" for n in names]
    if len(shown) == 1:
        return f"argument {shown[0]}"
    return f"arguments {', '.join(shown[:-1])} and {shown[-1]}"


def reference_values(ex: Exercise, limits: Limits | None = None,
                     sandbox: Sandbox | str | None = None) -> dict[str, list[Any]]:
    """Probe values of the reference solution (raises if the solution fails a probe)."""
    lim = limits or Limits(step_timeout=120, total_timeout=300, wall_seconds=1800, max_attempts=1)
    run = run_submission(solution_cells(ex), _probes(ex), lim, sandbox=sandbox)
    problems = list(run.incidents) + [f"cell {i + 1}: {m}" for i, m in run.cell_errors.items()]
    problems += [m for m in run.skipped_questions.values()]
    refs: dict[str, list[Any]] = {}
    for q in ex.hidden:
        recs = run.results.get(q.name)
        if recs is None or len(recs) != len(q.probes):
            problems.append(f"{q.name}: no values")
            continue
        vals = []
        for p, rec in zip(q.probes, recs):
            if not isinstance(rec, dict) or "ok" not in rec:
                problems.append(f"{q.name}: {p.describe()} -> {rec}")
                vals.append(None)
            else:
                vals.append(decode(rec["ok"]))
        refs[q.name] = vals
    if problems:
        raise RuntimeError(f"reference solution of {ex.name} fails: " + "; ".join(problems))
    return refs


def _clean(text: str, n: int) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return text if len(text) <= n else text[: n - 3] + "..."


HIDDEN_WRONG = "wrong answer (a hidden case's feedback names no value, type or exception)"


def _hidden_message(rec: Any) -> str:
    """The one thing a failed hidden case tells: which of four fixed kinds of mistake, chosen by
    the parent from the record's shape. Nothing the submission chose reaches it: no value it
    returned (which it may have computed from the hidden inputs), no exception class or message,
    no argument names, no text of an exercise's own check (which may echo the value)."""
    if isinstance(rec, dict) and (rec.get("missing") is True or rec.get("unwritten") is True):
        return "not written yet, or not defined"
    if isinstance(rec, dict) and "error" in rec:
        return "raised an exception"
    if isinstance(rec, dict) and rec.get("ok") == {"t": "ellipsis"}:
        return "not answered (still `...`)"
    return HIDDEN_WRONG


def judge(q: HiddenQuestion, recs: list[Any] | None, refs: list[Any], skipped: str | None,
          params: dict[str, list[str]] | None = None) -> QuestionScore:
    """Score one question from the raw (untrusted) records of its probes.

    Messages are built from the parent's own data. For a hidden case they name only one of four
    fixed kinds of mistake (:func:`_hidden_message`): never the inputs, the expected value or
    anything the submission chose (an exception message or class, a returned value, the text of
    the exercise's own check, which may echo that value).
    """
    n_shown = sum(p.show for p in q.probes)
    none = ((0, n_shown), (0, len(q.probes) - n_shown))
    if skipped:
        return QuestionScore(0.0, q.points, skipped, *none)
    if not isinstance(recs, list) or len(recs) != len(q.probes):
        return QuestionScore(0.0, q.points, "no answer could be collected", *none)
    passed, first_fail = 0, None
    unwritten = 0
    shown = [0, 0]
    hidden = [0, 0]
    for k, (p, rec, ref) in enumerate(zip(q.probes, recs, refs)):
        label = f"case {k + 1} `{p.describe()}`" if p.show else f"hidden case {k + 1}"
        target = p.target if re.fullmatch(r"[A-Za-z_]\w*", p.target) else None
        msg: str | None
        if not isinstance(rec, dict):
            msg = "no value"
        elif rec.get("missing") is True:
            msg = (f"`{target}` is not defined (did its cell run without errors?)" if target
                   else "a name it uses is not defined (did every cell run without errors?)")
        elif rec.get("unwritten") is True:
            unwritten += 1
            msg = f"`{target}` is not written yet (still `...  # YOUR CODE HERE`)" if target else \
                "not answered (still `...`)"
        elif "error" in rec:
            msg = f"raised {_clean(rec['error'], 300)}" if p.show and isinstance(rec["error"], str) \
                else "raised an exception"
        elif "ok" not in rec:
            msg = "no value"
        else:
            try:
                got = decode(rec["ok"])
            except (BadValue, RecursionError, TypeError, ValueError) as exc:
                got, msg = None, (f"unreadable value ({_clean(str(exc), 80)})" if p.show else "unreadable value")
            else:
                try:
                    if isinstance(got, Unanswered):
                        msg = "not answered (still `...`)"
                    elif q.check is not None:
                        msg = q.check(got, ref, p)
                    else:
                        msg = compare(got, ref, q.rtol, q.atol, p.show)
                except Exception as exc:  # noqa: BLE001 - a malformed answer
                    msg = (f"could not check the value ({type(exc).__name__}: {_clean(str(exc), 100)})"
                           if p.show else "could not check the value")
                if msg is not None:
                    msg = _clean(msg, 300)
            mutated = rec.get("mutated")
            if msg is None and mutated:
                names = []
                declared = (params or {}).get(p.target, [])
                for m in mutated if isinstance(mutated, list) else []:
                    if isinstance(m, int) and not isinstance(m, bool) and 0 <= m < len(p.args):
                        names.append(declared[m] if m < len(declared) else f"number {m + 1}")
                    elif isinstance(m, str) and m in p.kwargs:
                        names.append(m)
                msg = (f"changed its {_arguments(names[:5])} in place; work on a copy" if names
                       else "changed an argument in place; work on a copy")
        if msg is not None and not p.show:
            msg = _hidden_message(rec)
        tally = shown if p.show else hidden
        tally[1] += 1
        if msg is None:
            passed += 1
            tally[0] += 1
        elif first_fail is None:
            first_fail = f"{label}: {msg}"
    n = len(q.probes)
    pts = q.points * passed / n
    if passed == n:
        text = f"all {n} cases pass" if n > 1 else "passes"
    elif unwritten == n and q.probes[0].kind == "call":
        text = f"not answered: `{q.probes[0].target}` is not written yet (still `...  # YOUR CODE HERE`)"
    else:
        text = f"{passed}/{n} cases pass; {first_fail}"
    return QuestionScore(round(pts, 4), q.points, text, (shown[0], shown[1]), (hidden[0], hidden[1]))


def forbidden_calls(nb: NotebookCode, ex: Exercise) -> list[str]:
    """Notes for the questions whose answer cells use a course-library function that the question
    asks the student to write (``hidden(..., forbids=[...])``): flagged, the points left to the
    instructor. A check of the code's text: it catches the honest shortcut, not a disguised call."""
    from grading.similarity import answers

    code = answers(nb.cells, ex, nb.defined)
    notes = []
    for q in ex.hidden:
        text = code.get(q.name, "")
        used = [f for f in q.forbids if "lecture_code" in text  # its own `def f(` is the answer, not a use
                and re.search(rf"\b{re.escape(f)}\b", re.sub(rf"\bdef\s+{re.escape(f)}\s*\(", "(", text))]
        if used:
            notes.append(f"{q.name}: FLAGGED: the answer uses {', '.join(f'`{f}`' for f in used)} from the course "
                         "library, which this question asks you to write yourself (the instructor decides)")
    return notes


def grade_notebook(path: Path, student: str, exercises: dict[str, Exercise],
                   refs: dict[str, dict[str, list[Any]]], limits: Limits | None = None,
                   sandbox: Sandbox | str | None = None, rel: str = "") -> SubmissionResult:
    res = SubmissionResult(student, Path(path), None, rel or Path(path).name)
    limits = limits or Limits()
    name = quoted(res.rel)
    try:
        data = read_regular_file(Path(path), limits.notebook_bytes)
        nb = read_notebook(data, limits)
        cells = nb.cells
    except NotGradable as exc:
        res.exercise = identify(None, Path(path), list(exercises))  # by its name, for the status
        res.notes.append(f"{name} {exc}")
        return res
    ex_name = identify(nb, Path(path), list(exercises))
    if ex_name is None:
        res.notes.append(f"{name}: could not tell which exercise this notebook answers")
        return res
    res.exercise = ex_name
    res.gradable = True
    ex = exercises[ex_name]
    run = run_submission(cells, _probes(ex), limits, sandbox=sandbox, notebook=data,
                         notebook_name=f"{ex_name}.ipynb")
    res.seconds = run.seconds
    params = parameter_names(ex)
    for q in ex.hidden:
        res.scores[q.name] = judge(q, run.results.get(q.name), refs[ex_name][q.name],
                                   run.skipped_questions.get(q.name), params)
    res.notes.extend(forbidden_calls(nb, ex))
    res.notes.extend(run.incidents)
    for i, msg in sorted(run.cell_errors.items())[:5]:
        hint = explain(msg, limits)
        res.notes.append(f"{cell_label(cells, i)} raised {_clean(msg, 300)}" + (f" ({hint})" if hint else ""))
    if len(run.cell_errors) > 5:
        res.notes.append(f"... and {len(run.cell_errors) - 5} more cells raised errors")
    return res
