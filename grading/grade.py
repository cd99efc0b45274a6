"""Grade a folder of submitted notebooks into ``scores.csv`` and one feedback file per student.

Layouts: ``SUBMISSIONS/<student>.ipynb`` (one notebook per student) or
``SUBMISSIONS/<student>/<anything>.ipynb`` (several exercises per student). The exercise of a
notebook is read from its metadata (``grading.exercise``, written into every student notebook),
so a renamed notebook is still graded; failing that, from its file name or its
``Checker("...")`` line.

Reference values come from running each exercise's reference solution through the very same
runner once per grading run; they stay in memory.
"""

from __future__ import annotations

import csv
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grading.compare import BadValue, Unanswered, compare, decode
from grading.runner import Limits, cell_label, resume, run_submission, stop_all
from grading.source import Exercise, keep_solutions, load_all
from grading.spec import HiddenQuestion

MAX_NOTEBOOK_BYTES = 100_000_000  # outputs (plotly figures) can be large; only sources are used


@dataclass
class QuestionScore:
    points: float
    max_points: float
    message: str


@dataclass
class SubmissionResult:
    student: str
    path: Path
    exercise: str | None
    scores: dict[str, QuestionScore] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(s.points for s in self.scores.values())


def _cells(nb: Any) -> list[str]:
    """Code of every cell, markdown cells as '' so indices are notebook cell indices."""
    return [c.source if c.cell_type == "code" else "" for c in nb.cells]


def _probes(ex: Exercise) -> dict[str, list[dict[str, Any]]]:
    return {q.name: [p.wire() for p in q.probes] for q in ex.hidden}


def solution_cells(ex: Exercise) -> list[str]:
    out = []
    for cell in ex.nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type != "code" or tags & {"hidden-tests", "public-tests"}:
            out.append("")
        else:
            out.append(keep_solutions(cell.source))
    return out


def reference_values(ex: Exercise, limits: Limits | None = None) -> dict[str, list[Any]]:
    """Probe values of the reference solution (raises if the solution fails a probe)."""
    lim = limits or Limits(step_timeout=120, total_timeout=300, max_attempts=1)
    run = run_submission(solution_cells(ex), _probes(ex), lim)
    problems = list(run.incidents) + [f"cell {i + 1}: {m}" for i, m in run.cell_errors.items()]
    refs: dict[str, list[Any]] = {}
    for q in ex.hidden:
        recs = run.results.get(q.name)
        if recs is None or len(recs) != len(q.probes):
            problems.append(f"{q.name}: no values")
            continue
        vals = []
        for p, rec in zip(q.probes, recs):
            if "ok" not in rec:
                problems.append(f"{q.name}: {p.describe()} -> {rec.get('error')}")
                vals.append(None)
            else:
                vals.append(decode(rec["ok"]))
        refs[q.name] = vals
    if problems:
        raise RuntimeError(f"reference solution of {ex.name} fails: " + "; ".join(problems))
    return refs


def judge(q: HiddenQuestion, recs: list[Any] | None, refs: list[Any], skipped: str | None) -> QuestionScore:
    """Score one question from the raw (untrusted) records of its probes."""
    if skipped:
        return QuestionScore(0.0, q.points, skipped)
    if not isinstance(recs, list) or len(recs) != len(q.probes):
        return QuestionScore(0.0, q.points, "no answer could be collected")
    passed, first_fail = 0, None
    for k, (p, rec, ref) in enumerate(zip(q.probes, recs, refs)):
        label = f"case {k + 1} `{p.describe()}`" if p.show else f"hidden case {k + 1}"
        msg: str | None
        if not isinstance(rec, dict):
            msg = "no value"
        elif "missing" in rec:
            msg = f"`{str(rec['missing'])[:100]}` is not defined (did its cell run without errors?)"
        elif "error" in rec:
            msg = f"raised {str(rec['error'])[:300]}"
        elif "ok" not in rec:
            msg = "no value"
        else:
            try:
                got = decode(rec["ok"])
            except BadValue as exc:
                got, msg = None, f"unreadable value ({exc})"
            else:
                try:
                    if isinstance(got, Unanswered):
                        msg = "not answered (still `...`)"
                    elif q.check is not None:
                        msg = q.check(got, ref, p)
                    else:
                        msg = compare(got, ref, q.rtol, q.atol, p.show)
                except Exception as exc:  # noqa: BLE001 - a malformed answer
                    msg = f"could not check the value ({type(exc).__name__}: {exc})"
            mutated = rec.get("mutated")
            if msg is None and mutated:
                msg = f"changed its argument(s) {', '.join(map(str, mutated))[:50]} in place"
        if msg is None:
            passed += 1
        elif first_fail is None:
            first_fail = f"{label}: {msg}"
    n = len(q.probes)
    pts = q.points * passed / n
    if passed == n:
        text = f"all {n} cases pass" if n > 1 else "passes"
    else:
        text = f"{passed}/{n} cases pass; {first_fail}"
    return QuestionScore(round(pts, 4), q.points, text)


def identify(nb: Any, path: Path, names: list[str]) -> str | None:
    meta = nb.get("metadata", {}).get("grading", {})
    if isinstance(meta, dict) and meta.get("exercise") in names:
        return meta["exercise"]
    stem = path.stem.lower()
    for n in sorted(names, key=len, reverse=True):
        if n in stem:
            return n
    for c in nb.get("cells", []):
        m = re.search(r"""Checker\(\s*["'](\w+)["']""", c.get("source", ""))
        if m and m.group(1) in names:
            return m.group(1)
    return None


def grade_notebook(path: Path, student: str, exercises: dict[str, Exercise],
                   refs: dict[str, dict[str, list[Any]]], limits: Limits | None = None) -> SubmissionResult:
    res = SubmissionResult(student, path, None)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError("file larger than 100 MB")
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001
        res.notes.append(f"{path.name}: not a readable notebook ({type(exc).__name__}: {exc})")
        return res
    ex_name = identify(nb, path, list(exercises))
    if ex_name is None:
        res.notes.append(f"{path.name}: could not tell which exercise this notebook answers")
        return res
    res.exercise = ex_name
    ex = exercises[ex_name]
    run = run_submission(_cells(nb), _probes(ex), limits)
    res.seconds = run.seconds
    for q in ex.hidden:
        res.scores[q.name] = judge(q, run.results.get(q.name), refs[ex_name][q.name],
                                   run.skipped_questions.get(q.name))
    res.notes.extend(run.incidents)
    cells = _cells(nb)
    for i, msg in sorted(run.cell_errors.items())[:5]:
        res.notes.append(f"{cell_label(cells, i)} raised {msg}")
    if len(run.cell_errors) > 5:
        res.notes.append(f"... and {len(run.cell_errors) - 5} more cells raised errors")
    return res


def find_submissions(folder: Path) -> list[tuple[str, Path]]:
    folder = Path(folder)
    subs = []
    for p in sorted(folder.rglob("*.ipynb")):
        rel = p.relative_to(folder)
        if ".ipynb_checkpoints" in rel.parts:
            continue
        student = rel.parts[0] if len(rel.parts) > 1 else p.stem
        subs.append((student, p))
    return subs


def feedback_text(student: str, results: list[SubmissionResult], exercises: dict[str, Exercise]) -> str:
    lines = [f"Feedback for {student}", ""]
    total = maximum = 0.0
    for r in results:
        title = exercises[r.exercise].title if r.exercise else "?"
        lines.append(f"## {r.path.name}" + (f" — {title} ({r.exercise})" if r.exercise else ""))
        for q, s in r.scores.items():
            mark = "✔" if s.points == s.max_points else "✘"
            lines.append(f"{q} {mark} {s.points:g}/{s.max_points:g}: {s.message}")
            total += s.points
            maximum += s.max_points
        for note in r.notes:
            lines.append(f"note: {note}")
        lines.append("")
    lines.append(f"Total: {total:g}/{maximum:g}")
    return "\n".join(lines) + "\n"


def grade_folder(submissions: Path, out: Path, workers: int = 2, limits: Limits | None = None,
                 solutions: Path | None = None) -> dict[str, list[SubmissionResult]]:
    """Grade every notebook under ``submissions``; write ``out/scores.csv`` and ``out/feedback/``."""
    exercises = {ex.name: ex for ex in (load_all(solutions) if solutions else load_all())}
    subs = find_submissions(Path(submissions))
    resume()
    # only the exercises that appear need reference values
    wanted: set[str] = set()
    for _, p in subs:
        try:
            nb = nbformat.reads(p.read_text(encoding="utf-8"), as_version=4)
            name = identify(nb, p, list(exercises))
        except Exception:  # noqa: BLE001
            name = None
        if name:
            wanted.add(name)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            ref_list = list(pool.map(lambda n: (n, reference_values(exercises[n])), sorted(wanted)))
            refs = dict(ref_list)
            results = list(pool.map(lambda sp: grade_notebook(sp[1], sp[0], exercises, refs, limits), subs))
        except BaseException:  # Ctrl-C or an error: leave no worker running
            stop_all()
            raise
    by_student: dict[str, list[SubmissionResult]] = {}
    for r in results:
        by_student.setdefault(r.student, []).append(r)
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    columns = [f"{n}:{q.name}" for n in sorted(wanted) for q in exercises[n].hidden]
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", *columns, "total"])
        for student in sorted(by_student):
            row: dict[str, float] = {}
            for r in by_student[student]:
                for q, s in r.scores.items():
                    key = f"{r.exercise}:{q}"
                    row[key] = max(row.get(key, 0.0), s.points)
            w.writerow([student, *[f"{row.get(c, 0.0):g}" for c in columns],
                        f"{sum(row.values()):g}"])
    for student, rs in by_student.items():
        safe = re.sub(r"[^\w.-]+", "_", student)
        (out / "feedback" / f"{safe}.txt").write_text(feedback_text(student, rs, exercises),
                                                       encoding="utf-8")
    return by_student
