"""Grade a folder of submitted notebooks into ``scores.csv``, ``feedback/`` and a report.

Layouts: ``SUBMISSIONS/<student>.ipynb`` (one notebook per student) or
``SUBMISSIONS/<student>/<any sub-folders>/<anything>.ipynb`` (several exercises and attempts per
student). The folder is read by the trusted parent only, without following symbolic links and
only from regular files (a link, a pipe or a device named ``*.ipynb`` is reported, not read).
The exercise of a notebook is read from its metadata (``grading.exercise``, written into every
student notebook), so a renamed notebook is still graded; failing that, from its file name or
its ``Checker("...")`` line.

**Attempts.** When a student hands in several notebooks for one exercise, one attempt counts:
by default the *latest*, where attempts are ordered by their path inside the student's folder in
natural order (``attempt-2`` before ``attempt-10``, ``2024-03-01T09-00`` before
``2024-03-02T08-00``; name attempts with a number or a sortable date). ``attempts="best"``
counts the attempt with the highest score (the later one on a tie). ``scores.csv`` and the
feedback are written from the same counted attempts, and the feedback lists the others as not
counted.

Reference values come from running each exercise's reference solution through the same sandboxed
runner once per grading run; they stay in memory, as do the hidden checks. The parent writes
``scores.csv``, ``feedback/`` and ``grading-report.txt`` only after every worker has finished,
from its own data, each replaced atomically.
"""

from __future__ import annotations

import builtins
import csv
import hashlib
import io
import json
import os
import re
import shutil
import stat
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grading.compare import BadValue, Unanswered, compare, decode
from grading.runner import Limits, cell_label, default_sandbox, resume, run_submission, stop_all
from grading.sandbox import Sandbox, mode_is_safe
from grading.source import Exercise, keep_solutions, load_all
from grading.spec import HiddenQuestion

MAX_NOTEBOOK_BYTES = 100_000_000  # outputs (plotly figures) can be large; only sources are used
MAX_CODE_BYTES = 5_000_000  # all code cells of one notebook
MAX_CELLS = 2000
MAX_NOTEBOOKS_PER_STUDENT = 50
MAX_DEPTH = 6
ATTEMPT_RULES = ("latest", "best")
BUILTIN_EXCEPTIONS = frozenset(n for n, v in vars(builtins).items()
                               if isinstance(v, type) and issubclass(v, BaseException))
UNSAFE_WARNING = ("WARNING: submissions were NOT sandboxed (GRADE_SANDBOX=none): their code could read "
                  "solutions/ and the hidden checks, write files and signal the grader. Do not trust "
                  "these scores for untrusted submissions.")


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
    rel: str = ""  # path inside the student's folder (the attempt's name)
    scores: dict[str, QuestionScore] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    counted: bool = False

    @property
    def total(self) -> float:
        return sum(s.points for s in self.scores.values())

    @property
    def maximum(self) -> float:
        return sum(s.max_points for s in self.scores.values())


# ---------------------------------------------------------------------------------------------
# reading notebooks (untrusted files) in the parent


class NotGradable(ValueError):
    """A submitted file that cannot be graded (message for the student and the report)."""


def read_regular_file(path: Path, limit: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """Bytes of ``path`` if it is a regular file (never through a link, never a pipe/device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise NotGradable("is a symbolic link: not followed, not graded") from None
        raise NotGradable(f"cannot be opened ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotGradable("is not a regular file: not graded")
        if st.st_size > limit:
            raise NotGradable(f"is larger than {limit // 1_000_000} MB: not graded")
        chunks, n = [], 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            n += len(b)
            if n > limit:
                raise NotGradable(f"is larger than {limit // 1_000_000} MB: not graded")
            chunks.append(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def parse_notebook(data: bytes) -> dict[str, Any]:
    """The notebook as JSON (validated just enough to read its code cells)."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotGradable("is not a notebook (not UTF-8 text)") from None
    except RecursionError:
        raise NotGradable("is not a notebook (JSON nested too deeply)") from None
    except ValueError:
        raise NotGradable("is not a notebook (not valid JSON)") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotGradable("is not a Jupyter notebook in format 4 (no list of cells)")
    if len(nb["cells"]) > MAX_CELLS:
        raise NotGradable(f"has more than {MAX_CELLS} cells: not graded")
    return nb


def _source(cell: Any) -> str:
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def code_cells(nb: dict[str, Any]) -> list[str]:
    """Code of every cell, other cells as '' so indices are notebook cell indices."""
    cells = [_source(c) if isinstance(c, dict) and c.get("cell_type") == "code" else "" for c in nb["cells"]]
    if sum(len(c) for c in cells) > MAX_CODE_BYTES:
        raise NotGradable(f"has more than {MAX_CODE_BYTES // 1_000_000} MB of code: not graded")
    return cells


def identify(nb: dict[str, Any], path: Path, names: list[str]) -> str | None:
    meta = nb.get("metadata", {})
    meta = meta.get("grading", {}) if isinstance(meta, dict) else {}
    if isinstance(meta, dict) and isinstance(meta.get("exercise"), str) and meta["exercise"] in names:
        return meta["exercise"]
    stem = path.stem.lower()
    for n in sorted(names, key=len, reverse=True):
        if n in stem:
            return n
    for c in nb.get("cells", []):
        m = re.search(r"""Checker\(\s*["'](\w+)["']""", _source(c))
        if m and m.group(1) in names:
            return m.group(1)
    return None


# ---------------------------------------------------------------------------------------------
# reference values and judging


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


def reference_values(ex: Exercise, limits: Limits | None = None,
                     sandbox: Sandbox | str | None = None) -> dict[str, list[Any]]:
    """Probe values of the reference solution (raises if the solution fails a probe)."""
    lim = limits or Limits(step_timeout=120, total_timeout=300, max_attempts=1)
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


def judge(q: HiddenQuestion, recs: list[Any] | None, refs: list[Any], skipped: str | None) -> QuestionScore:
    """Score one question from the raw (untrusted) records of its probes.

    Messages are built from the parent's own data. For a hidden case they name only the kind of
    mistake: never the inputs, the expected value or anything the submission sent back (an
    exception message, a returned value, a class name it made up).
    """
    if skipped:
        return QuestionScore(0.0, q.points, skipped)
    if not isinstance(recs, list) or len(recs) != len(q.probes):
        return QuestionScore(0.0, q.points, "no answer could be collected")
    passed, first_fail = 0, None
    unwritten = 0
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
            if p.show and isinstance(rec["error"], str):
                msg = f"raised {_clean(rec['error'], 300)}"
            else:
                etype = rec.get("etype")
                msg = f"raised {etype}" if isinstance(etype, str) and etype in BUILTIN_EXCEPTIONS \
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
                for m in mutated if isinstance(mutated, list) else []:
                    if isinstance(m, int) and not isinstance(m, bool) and 0 <= m < len(p.args):
                        names.append(str(m + 1))
                    elif isinstance(m, str) and m in p.kwargs:
                        names.append(m)
                msg = f"changed its argument(s) {', '.join(names[:5]) or '?'} in place"
        if msg is None:
            passed += 1
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
    return QuestionScore(round(pts, 4), q.points, text)


def grade_notebook(path: Path, student: str, exercises: dict[str, Exercise],
                   refs: dict[str, dict[str, list[Any]]], limits: Limits | None = None,
                   sandbox: Sandbox | str | None = None, rel: str = "") -> SubmissionResult:
    res = SubmissionResult(student, Path(path), None, rel or Path(path).name)
    name = display(res.rel)
    try:
        data = read_regular_file(Path(path))
        nb = parse_notebook(data)
        cells = code_cells(nb)
    except NotGradable as exc:
        res.notes.append(f"{name} {exc}")
        return res
    ex_name = identify(nb, Path(path), list(exercises))
    if ex_name is None:
        res.notes.append(f"{name}: could not tell which exercise this notebook answers")
        return res
    res.exercise = ex_name
    ex = exercises[ex_name]
    run = run_submission(cells, _probes(ex), limits, sandbox=sandbox, notebook=data,
                         notebook_name=f"{ex_name}.ipynb")
    res.seconds = run.seconds
    for q in ex.hidden:
        res.scores[q.name] = judge(q, run.results.get(q.name), refs[ex_name][q.name],
                                   run.skipped_questions.get(q.name))
    res.notes.extend(run.incidents)
    for i, msg in sorted(run.cell_errors.items())[:5]:
        res.notes.append(f"{cell_label(cells, i)} raised {_clean(msg, 300)}")
    if len(run.cell_errors) > 5:
        res.notes.append(f"... and {len(run.cell_errors) - 5} more cells raised errors")
    return res


# ---------------------------------------------------------------------------------------------
# the submissions folder


def display(name: str) -> str:
    """A printable form of a (possibly hostile) file name: no control characters, no
    undecodable bytes, at most 120 characters."""
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    name = "".join(ch if ch.isprintable() and unicodedata.category(ch)[0] != "C" else "?" for ch in name)
    return name if len(name) <= 120 else name[:117] + "..."


def _natural(rel: str) -> list[Any]:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower())
            for t in re.split(r"(\d+)", rel) if t != ""]


@dataclass
class Found:
    student: str  # raw name (folder or file stem)
    path: Path
    rel: str  # path inside the student's folder (or the file name)


def find_submissions(folder: Path) -> tuple[list[Found], list[tuple[str, str]]]:
    """Notebooks under ``folder`` and the entries skipped (student, why); links never followed."""
    folder = Path(folder)
    found: list[Found] = []
    skipped: list[tuple[str, str]] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise ValueError(f"SUBMISSIONS must be a readable folder of notebooks, got {folder} ({exc.strerror})") \
            from None
    for e in entries:
        if e.name.startswith(".") or e.name == "__MACOSX":
            continue
        if e.is_symlink():
            student = e.name[: -len(".ipynb")] if e.name.endswith(".ipynb") and not e.is_dir() else e.name
            skipped.append((student, f"{display(e.name)} is a symbolic link: not followed, not graded"))
            continue
        if e.is_dir(follow_symlinks=False):
            mine: list[Found] = []
            stack = [(Path(e.path), 0)]
            while stack:
                d, depth = stack.pop()
                try:
                    subs = sorted(os.scandir(d), key=lambda x: x.name)
                except OSError:
                    continue
                for s in subs:
                    rel = os.path.relpath(s.path, e.path)
                    if s.name.startswith(".") or s.name == "__MACOSX":
                        continue
                    if s.is_symlink():
                        if s.name.endswith(".ipynb") or s.is_dir():
                            skipped.append((e.name, f"{display(rel)} is a symbolic link: not followed, not graded"))
                        continue
                    if s.is_dir(follow_symlinks=False):
                        if depth + 1 < MAX_DEPTH:
                            stack.append((Path(s.path), depth + 1))
                    elif s.name.endswith(".ipynb"):
                        mine.append(Found(e.name, Path(s.path), rel))
            mine.sort(key=lambda f: _natural(f.rel))
            if len(mine) > MAX_NOTEBOOKS_PER_STUDENT:
                skipped.append((e.name, f"{len(mine) - MAX_NOTEBOOKS_PER_STUDENT} notebooks beyond the first "
                                        f"{MAX_NOTEBOOKS_PER_STUDENT} were not graded"))
                mine = mine[:MAX_NOTEBOOKS_PER_STUDENT]
            found.extend(mine)
        elif e.name.endswith(".ipynb"):
            found.append(Found(e.name[: -len(".ipynb")], Path(e.path), e.name))
        # anything else at the top level (csv exports, zips) is ignored
    return found, skipped


def student_keys(students: list[str]) -> dict[str, str]:
    """A unique, safe file-name key per raw student name (used for feedback/<key>.txt): the name
    itself when it is plain ASCII, otherwise a slug plus a short hash of the raw name."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for s in sorted(set(students)):
        base = re.sub(r"[^A-Za-z0-9_.@-]+", "_", display(s)).strip("._-")[:80] or "student"
        key = base
        if key != s or key.lower() in used:
            key = f"{base}-{hashlib.sha256(s.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
        while key.lower() in used:
            key += "_"
        used.add(key.lower())
        keys[s] = key
    return keys


def csv_cell(text: str) -> str:
    """A cell that a spreadsheet shows as text (no formula: =, +, -, @, tab, CR at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------------------------
# attempts, feedback, scores


def choose_attempts(results: list[SubmissionResult], rule: str = "latest") -> None:
    """Mark, per exercise, the attempt that counts (``results`` are in attempt order)."""
    if rule not in ATTEMPT_RULES:
        raise ValueError(f"attempts must be one of {', '.join(ATTEMPT_RULES)}, got {rule!r}")
    by_ex: dict[str, list[SubmissionResult]] = {}
    for r in results:
        r.counted = False
        if r.exercise:
            by_ex.setdefault(r.exercise, []).append(r)
    for rs in by_ex.values():
        if rule == "latest":
            rs[-1].counted = True
        else:
            best = max(range(len(rs)), key=lambda i: (rs[i].total, i))
            rs[best].counted = True


def _fmt(x: float) -> str:
    return f"{x:g}"


def feedback_text(student: str, results: list[SubmissionResult], exercises: dict[str, Exercise],
                  rule: str = "latest", mode: str = "bwrap", skipped: list[str] | None = None) -> str:
    lines = [f"Feedback for {display(student)}", ""]
    if not mode_is_safe(mode):
        lines += [UNSAFE_WARNING, ""]
    total = maximum = 0.0
    counted = [r for r in results if r.counted]
    multi = {r.exercise for r in results if r.exercise and sum(x.exercise == r.exercise for x in results) > 1}
    for r in counted:
        ex = exercises[r.exercise]  # type: ignore[index]
        lines.append(f"## {display(r.rel)} — {ex.title} ({r.exercise})")
        if r.exercise in multi:
            why = "the latest attempt" if rule == "latest" else "the best attempt"
            lines.append(f"(this attempt counts: {why}; attempts are ordered by file path)")
        for q, s in r.scores.items():
            mark = "✔" if s.points == s.max_points else "✘"
            lines.append(f"{q} {mark} {_fmt(s.points)}/{_fmt(s.max_points)}: {s.message}")
        for note in r.notes:
            lines.append(f"note: {note}")
        lines.append(f"Score: {_fmt(r.total)}/{_fmt(r.maximum)}")
        lines.append("")
        total += r.total
        maximum += r.maximum
    others = [r for r in results if r.exercise and not r.counted]
    if others:
        lines.append("## Other attempts (not counted)")
        for r in others:
            parts = ", ".join(f"{q} {_fmt(s.points)}/{_fmt(s.max_points)}" for q, s in r.scores.items())
            lines.append(f"{display(r.rel)} ({r.exercise}): {_fmt(r.total)}/{_fmt(r.maximum)} — {parts}")
            for note in r.notes:
                lines.append(f"   note: {note}")
        lines.append("")
    bad = [r for r in results if not r.exercise]
    if bad or skipped:
        lines.append("## Not graded")
        for r in bad:
            lines.extend(f"{n}" for n in r.notes)
        lines.extend(skipped or [])
        lines.append("")
    lines.append(f"Total: {_fmt(total)}/{_fmt(maximum)}")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class GradingRun:
    """What :func:`grade_folder` returns: results per raw student name, and the run's facts."""

    by_student: dict[str, list[SubmissionResult]]
    mode: str
    rule: str
    seconds: float
    skipped: dict[str, list[str]]
    keys: dict[str, str]

    def values(self):  # noqa: ANN201 - dict-like, for callers that iterate results
        return self.by_student.values()

    def items(self):  # noqa: ANN201
        return self.by_student.items()

    def __len__(self) -> int:
        return len(self.by_student)

    def __getitem__(self, k: str) -> list[SubmissionResult]:
        return self.by_student[k]


def grade_folder(submissions: Path, out: Path, workers: int = 2, limits: Limits | None = None,
                 solutions: Path | None = None, sandbox: Sandbox | str | None = None,
                 attempts: str = "latest") -> GradingRun:
    """Grade every notebook under ``submissions``; write ``out/scores.csv``, ``out/feedback/`` and
    ``out/grading-report.txt`` (after all workers have finished)."""
    if attempts not in ATTEMPT_RULES:
        raise ValueError(f"attempts must be one of {', '.join(ATTEMPT_RULES)}, got {attempts!r}")
    t_start = time.monotonic()
    sb = sandbox if isinstance(sandbox, Sandbox) else default_sandbox(sandbox)
    sb.hide.update({os.path.realpath(submissions), os.path.realpath(out)})
    exercises = {ex.name: ex for ex in (load_all(solutions) if solutions else load_all())}
    found, skipped_list = find_submissions(Path(submissions))
    resume()
    wanted: set[str] = set()
    for f in found:
        try:
            nb = parse_notebook(read_regular_file(f.path))
            name = identify(nb, f.path, list(exercises))
        except NotGradable:
            name = None
        if name:
            wanted.add(name)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            ref_list = list(pool.map(lambda n: (n, reference_values(exercises[n], sandbox=sb)), sorted(wanted)))
            refs = dict(ref_list)
            results = list(pool.map(
                lambda f: grade_notebook(f.path, f.student, exercises, refs, limits, sandbox=sb, rel=f.rel),
                found))
        except BaseException:  # Ctrl-C or an error: leave no worker running
            stop_all()
            raise
    by_student: dict[str, list[SubmissionResult]] = {}
    for r in results:
        by_student.setdefault(r.student, []).append(r)
    skipped: dict[str, list[str]] = {}
    for student, why in skipped_list:
        skipped.setdefault(student, []).append(why)
        by_student.setdefault(student, [])
    for rs in by_student.values():
        choose_attempts(rs, attempts)
    keys = student_keys(list(by_student))
    run = GradingRun(by_student, sb.mode, attempts, time.monotonic() - t_start, skipped, keys)
    write_outputs(run, Path(out), exercises, sorted(wanted))
    return run


def scores_csv(run: GradingRun, exercises: dict[str, Exercise], wanted: list[str]) -> str:
    columns = [f"{n}:{q.name}" for n in wanted for q in exercises[n].hidden]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "feedback", *columns, "total"])
    for student in sorted(run.by_student, key=lambda s: run.keys[s]):
        row: dict[str, float] = {}
        for r in run.by_student[student]:
            if r.counted:
                for q, s in r.scores.items():
                    row[f"{r.exercise}:{q}"] = s.points
        w.writerow([csv_cell(display(student)), f"feedback/{run.keys[student]}.txt",
                    *[_fmt(row.get(c, 0.0)) for c in columns], _fmt(sum(row.values()))])
    return buf.getvalue()


def report_text(run: GradingRun, exercises: dict[str, Exercise], wanted: list[str]) -> str:
    n_nb = sum(len(v) for v in run.by_student.values())
    lines = ["Grading report (companion of scores.csv)", ""]
    if not mode_is_safe(run.mode):
        lines += [UNSAFE_WARNING, ""]
    lines += [
        f"sandbox: {run.mode}" + (" (bubblewrap: namespaces, no network, read-only system, private tmpfs)"
                                  if run.mode == "bwrap" else
                                  " (unprivileged uid, no namespaces)" if run.mode == "user" else
                                  " (NO sandbox)"),
        f"attempts: {run.rule} attempt counts (attempts ordered by path inside the student's folder, natural order)",
        f"students: {len(run.by_student)}, notebooks: {n_nb}, exercises: {', '.join(wanted) or '-'}",
        f"time: {run.seconds:.1f} s",
        "",
    ]
    incidents = []
    for student in sorted(run.by_student, key=lambda s: run.keys[s]):
        for r in run.by_student[student]:
            for note in r.notes:
                incidents.append(f"{display(student)}: {note}")
        for why in run.skipped.get(student, []):
            incidents.append(f"{display(student)}: {why}")
    lines.append(f"notes ({len(incidents)}):" if incidents else "notes: none")
    lines.extend(f"- {i}" for i in incidents)
    return "\n".join(lines) + "\n"


def write_outputs(run: GradingRun, out: Path, exercises: dict[str, Exercise], wanted: list[str]) -> None:
    """Write scores.csv, feedback/ and grading-report.txt from the parent's data, atomically."""
    out.mkdir(parents=True, exist_ok=True)
    stage = out / f".grading-new-{os.getpid()}-{int(time.time() * 1000)}"
    stage.mkdir()
    try:
        fb = stage / "feedback"
        fb.mkdir()
        for student, rs in run.by_student.items():
            text = feedback_text(student, rs, exercises, run.rule, run.mode, run.skipped.get(student))
            (fb / f"{run.keys[student]}.txt").write_text(text, encoding="utf-8")
        csv_text = scores_csv(run, exercises, wanted)
        report = report_text(run, exercises, wanted)
        old = out / f".grading-old-{os.getpid()}"
        target = out / "feedback"
        if old.exists() or old.is_symlink():
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        if target.exists() or target.is_symlink():
            os.replace(target, old)
        os.replace(fb, target)
        _write_atomic(out / "scores.csv", csv_text)
        _write_atomic(out / "grading-report.txt", report)
        if old.is_symlink() or old.is_file():
            old.unlink()
        elif old.exists():
            shutil.rmtree(old)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
