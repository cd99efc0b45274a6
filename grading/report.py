"""What a grading run writes: which attempt counts, the feedback, the scores and the report.

Everything here works on the parent's own data (:class:`GradingRun`); nothing a submission sent
reaches a file unquoted. :func:`write_outputs` writes, each replaced atomically and only after every
worker has finished:

- ``scores.csv``: one row per student (roster students included): per question, per exercise the
  total, the maximum and a status (``graded`` / ``not submitted`` / ``not gradable``), and the
  overall total and maximum;
- ``grades-long.csv``: one row per student, exercise and question (for pivot tables and scripts);
- ``canvas.csv`` and ``moodle.csv``: the exercise totals in the columns each LMS imports
  (:mod:`grading.roster`);
- ``feedback/<key>.txt``, ``grading-report.txt`` and ``similarity.html``/``similarity.csv``
  (:mod:`grading.similarity`; never changes a grade);
- ``grading-results.json``: the run itself, so that one student can be regraded into it later.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grading.judge import GRADED, NOT_GRADABLE, NOT_SUBMITTED, QuestionScore, SubmissionResult
from grading.roster import Person, Roster, canvas_csv, moodle_csv
from grading.sandbox import mode_is_safe
from grading.source import Exercise
from grading.submissions import MERGED, lookalikes, plain, quoted, renamed

ATTEMPT_RULES = ("latest", "best")
UNSAFE_WARNING = ("WARNING: submissions were NOT sandboxed (GRADE_SANDBOX=none): their code could read "
                  "solutions/ and the hidden checks, write files and signal the grader. Do not trust "
                  "these scores for untrusted submissions.")
RESULTS_FILE = "grading-results.json"
MISSING = object()  # a key absent from an older results file
OUTPUTS = ("scores.csv", "grades-long.csv", "canvas.csv", "moodle.csv", "grading-report.txt",
           "similarity.html", "similarity.csv", RESULTS_FILE)


def choose_attempts(results: list[SubmissionResult], rule: str = "latest") -> None:
    """Mark, per exercise, the attempt that counts (``results`` are in attempt order): the latest
    (or best) of the attempts that could be graded."""
    if rule not in ATTEMPT_RULES:
        raise ValueError(f"attempts must be one of {', '.join(ATTEMPT_RULES)}, got {rule!r}")
    by_ex: dict[str, list[SubmissionResult]] = {}
    for r in results:
        r.counted = False
        if r.exercise and r.gradable:
            by_ex.setdefault(r.exercise, []).append(r)
    for rs in by_ex.values():
        if rule == "latest":
            rs[-1].counted = True
        else:
            best = max(range(len(rs)), key=lambda i: (rs[i].total, i))
            rs[best].counted = True


def plural(n: int, noun: str) -> str:
    """``1 student``, ``2 students``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass
class GradingRun:
    """A grading run: results per raw student name (in attempt order), and the run's facts."""

    by_student: dict[str, list[SubmissionResult]]
    mode: str
    rule: str
    seconds: float
    skipped: dict[str, list[str]]  # per student: files not graded, with the reason
    folder_notes: list[str]  # entries of the submissions folder that belong to no student
    exercises: list[str]  # the exercises graded (columns), in order
    limits: str = ""  # Limits.describe() of the run
    roster: Roster | None = None
    answers: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # student -> ex -> q -> code
    unattributed: set[str] = field(default_factory=set)  # students with an entry that may have been an attempt
    roster_recorded: bool = True  # False: read from a results file written before the roster was saved in it

    # dict-like access, for callers that iterate results
    def values(self):  # noqa: ANN201
        return self.by_student.values()

    def items(self):  # noqa: ANN201
        return self.by_student.items()

    def __len__(self) -> int:
        return len(self.by_student)

    def __getitem__(self, k: str) -> list[SubmissionResult]:
        return self.by_student[k]

    @property
    def students(self) -> list[str]:
        """Every student with a row: those who handed in something, and the roster's others."""
        names = set(self.by_student) | set(self.skipped)
        if self.roster:
            names |= set(self.roster.ids)
        return sorted(names, key=lambda s: s.encode("utf-8", "surrogateescape"))

    def status(self, student: str, exercise: str) -> str:
        rs = self.by_student.get(student, [])
        if any(r.counted and r.exercise == exercise for r in rs):
            return GRADED
        tried = any(r.exercise == exercise for r in rs)
        unattributed = any(r.exercise is None for r in rs) or student in self.unattributed
        return NOT_GRADABLE if tried or unattributed else NOT_SUBMITTED

    def counted(self, student: str, exercise: str) -> SubmissionResult | None:
        return next((r for r in self.by_student.get(student, []) if r.counted and r.exercise == exercise), None)

    # ---- persistence (for regrading one student) ------------------------------------------
    def to_json(self) -> str:
        def name(s: str) -> str:
            return s.encode("utf-8", "surrogateescape").hex()

        data = {
            "version": 1, "mode": self.mode, "rule": self.rule, "seconds": self.seconds,
            "exercises": self.exercises, "limits": self.limits,
            "students": {name(s): [_result_json(r) for r in rs] for s, rs in self.by_student.items()},
            "skipped": {name(s): w for s, w in self.skipped.items()},
            "folder_notes": self.folder_notes,
            "answers": {name(s): a for s, a in self.answers.items()},
            "unattributed": sorted(name(s) for s in self.unattributed),
            # the class list of the run, so that a regrade without ROSTER= keeps every name, e-mail,
            # LMS id and the rows of students without a submission (null: the run had no roster)
            "roster": ([asdict(p) for p in self.roster.ids.values()] if self.roster else None),
        }
        return json.dumps(data, indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> GradingRun:
        data = json.loads(text)
        if data.get("version") != 1:
            raise ValueError(f"{RESULTS_FILE} has an unknown version {data.get('version')!r}")

        def name(h: str) -> str:
            return bytes.fromhex(h).decode("utf-8", "surrogateescape")

        by_student = {name(s): [_result_from(name(s), r) for r in rs] for s, rs in data["students"].items()}
        roster = data.get("roster", MISSING)
        run = cls(by_student, data["mode"], data["rule"], data["seconds"],
                  {name(s): w for s, w in data["skipped"].items()}, data["folder_notes"], data["exercises"],
                  data.get("limits", ""), None if roster is None or roster is MISSING else
                  Roster({p["id"]: Person(**p) for p in roster}),
                  {name(s): a for s, a in data.get("answers", {}).items()},
                  {name(s) for s in data.get("unattributed", [])})
        run.roster_recorded = roster is not MISSING
        return run


def _result_json(r: SubmissionResult) -> dict[str, Any]:
    d = asdict(r)
    d.pop("student")
    d["path"] = os.fsencode(str(r.path)).hex()
    d["rel"] = r.rel.encode("utf-8", "surrogateescape").hex()
    return d


def _result_from(student: str, d: dict[str, Any]) -> SubmissionResult:
    scores = {q: QuestionScore(**s) for q, s in d["scores"].items()}
    return SubmissionResult(student, Path(os.fsdecode(bytes.fromhex(d["path"]))), d["exercise"],
                            bytes.fromhex(d["rel"]).decode("utf-8", "surrogateescape"), scores, d["notes"],
                            d["seconds"], d["counted"], d["gradable"])


# ---------------------------------------------------------------------------------------------
# feedback


def feedback_text(run: GradingRun, student: str, exercises: dict[str, Exercise]) -> str:
    results = run.by_student.get(student, [])
    who = quoted(student)
    if run.roster and student in run.roster.ids and run.roster.ids[student].name:
        who += f" ({quoted(run.roster.ids[student].name)[1:-1]})"
    lines = [f"Feedback for {who}", ""]
    if not mode_is_safe(run.mode):
        lines += [UNSAFE_WARNING, ""]
    lines += [f"note: {w}" for w in run.skipped.get(student, []) if w.startswith(MERGED)]
    if lines[-1] != "":
        lines.append("")
    total = maximum = 0.0
    multi = {r.exercise for r in results if r.exercise and sum(x.exercise == r.exercise for x in results) > 1}
    for ex_name in run.exercises:
        r = run.counted(student, ex_name)
        ex = exercises[ex_name]
        if r is None:
            st = run.status(student, ex_name)
            lines.append(f"## {ex.title} ({ex_name}): {st}, 0/{_fmt(sum(ex.points.values()))}")
            lines.append("")
            maximum += sum(ex.points.values())
            continue
        lines.append(f"## {ex.title} ({ex_name}): file {quoted(r.rel)}")
        if r.exercise in multi:
            why = "the latest attempt" if run.rule == "latest" else "the best attempt"
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
    others = [r for r in results if r.exercise and r.gradable and not r.counted]
    if others:
        lines.append("## Other attempts (not counted)")
        for r in others:
            parts = ", ".join(f"{q} {_fmt(s.points)}/{_fmt(s.max_points)}" for q, s in r.scores.items())
            lines.append(f"- file {quoted(r.rel)} ({r.exercise}): {_fmt(r.total)}/{_fmt(r.maximum)} — {parts}")
            for note in r.notes:
                lines.append(f"   note: {note}")
        lines.append("")
    bad = [r for r in results if not r.gradable]
    skipped = [w for w in run.skipped.get(student, []) if not w.startswith(MERGED)]
    if bad or skipped:
        lines.append("## Not graded")
        for r in bad:
            lines.extend(f"- {n}" for n in r.notes)
        lines.extend(f"- {w}" for w in skipped)
        lines.append("")
    lines.append(f"Total: {_fmt(total)}/{_fmt(maximum)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# tables


def csv_cell(text: str) -> str:
    """A cell that a spreadsheet shows as text (no formula: =, +, -, @, tab, CR at the start)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _identity(run: GradingRun, student: str) -> list[str]:
    p = run.roster.ids.get(student) if run.roster else None
    return [csv_cell(plain(student)), csv_cell(p.name) if p else "", csv_cell(p.email) if p else "",
            csv_cell(p.lms_id) if p else ""]


def scores_csv(run: GradingRun, exercises: dict[str, Exercise], keys: dict[str, str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["student", "name", "email", "lms_id", "feedback"]
    for n in run.exercises:
        header += [f"{n}:{q.name}" for q in exercises[n].hidden] + [f"{n}:total", f"{n}:max", f"{n}:status"]
    w.writerow(header + ["total", "max"])
    for student in run.students:
        row = _identity(run, student) + [f"feedback/{keys[student]}.txt"]
        total = maximum = 0.0
        for n in run.exercises:
            ex = exercises[n]
            r = run.counted(student, n)
            full = sum(ex.points.values())
            if r is None:
                row += [""] * len(ex.hidden) + ["0", _fmt(full), run.status(student, n)]
            else:
                row += [_fmt(r.scores[q.name].points) if q.name in r.scores else "0" for q in ex.hidden]
                row += [_fmt(r.total), _fmt(full), GRADED]
                total += r.total
            maximum += full
        w.writerow(row + [_fmt(total), _fmt(maximum)])
    return buf.getvalue()


def long_csv(run: GradingRun, exercises: dict[str, Exercise]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "name", "email", "lms_id", "exercise", "question", "points", "max_points", "status",
                "file"])
    for student in run.students:
        ident = _identity(run, student)
        for n in run.exercises:
            r = run.counted(student, n)
            st = run.status(student, n)
            for q in exercises[n].hidden:
                pts = r.scores[q.name].points if r is not None and q.name in r.scores else 0.0
                w.writerow(ident + [n, q.name, _fmt(pts) if r is not None else "", _fmt(q.points), st,
                                    csv_cell(plain(r.rel)) if r is not None else ""])
    return buf.getvalue()


def report_text(run: GradingRun, keys: dict[str, str]) -> str:
    n_nb = sum(len(v) for v in run.by_student.values())
    lines = ["Grading report (companion of scores.csv)", ""]
    if not mode_is_safe(run.mode):
        lines += [UNSAFE_WARNING, ""]
    lines += [
        f"sandbox: {run.mode}" + (" (bubblewrap: namespaces, seccomp, no network, read-only system, private tmpfs)"
                                  if run.mode == "bwrap" else
                                  " (unprivileged uid, seccomp, private tmpfs, no namespaces)" if run.mode == "user"
                                  else " (NO sandbox)"),
        f"limits: {run.limits}",
        f"attempts: {run.rule} attempt counts (attempts ordered by path inside the student's folder, natural order)",
        f"students: {len(run.students)}, notebooks: {n_nb}, exercises: {', '.join(run.exercises) or '-'}",
        f"time: {run.seconds:.1f} s (wall time of the whole run, from the grader's start)",
        "",
    ]
    if run.roster:
        unknown = [s for s in run.by_student if s not in run.roster.ids]
        missing = [s for s in run.roster.ids if not run.by_student.get(s) and not run.skipped.get(s)]
        lines.append(f"roster: {plural(len(run.roster.ids), 'student')}; "
                     f"{plural(len(unknown), 'submission')} not in the roster, "
                     f"{plural(len(missing), 'student')} without a submission")
        lines.extend(f"- not in the roster: {quoted(s)}" for s in sorted(unknown))
        lines.extend(f"- no submission: {quoted(s)}" for s in sorted(missing))
        lines.append("")
    names = [m for s in run.students if (m := renamed(s, keys[s]))]
    if names:
        lines.append(f"names changed for file names ({len(names)}):")
        lines.extend(f"- {m}" for m in names)
        lines.append("")
    alike = lookalikes(list(run.students))
    if alike:
        lines.append(f"names that look alike ({len(alike)} group{'s' * (len(alike) != 1)}; different students to "
                     "the grader, the same to a reader: check them):")
        lines.extend("- " + ", ".join(quoted(n) + f" ({ascii(n)})" for n in g) for g in alike)
        lines.append("")
    notes = [f"(the folder itself): {w}" for w in run.folder_notes]
    for student in run.students:
        for r in run.by_student.get(student, []):
            notes.extend(f"{quoted(student)}: {note}" for note in r.notes)
        notes.extend(f"{quoted(student)}: {w}" for w in run.skipped.get(student, []))
    lines.append(f"notes ({len(notes)}):" if notes else "notes: none")
    lines.extend(f"- {i}" for i in notes)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# writing


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_outputs(run: GradingRun, out: Path, exercises: dict[str, Exercise]) -> None:
    """Write every output from the parent's data, each file replaced atomically."""
    from grading.similarity import similarity_csv, similarity_html, similar_pairs
    from grading.submissions import student_keys

    out.mkdir(parents=True, exist_ok=True)
    keys = student_keys(run.students)
    pairs = similar_pairs(run.answers, exercises)
    texts = {
        "scores.csv": scores_csv(run, exercises, keys),
        "grades-long.csv": long_csv(run, exercises),
        "canvas.csv": canvas_csv(run, exercises),
        "moodle.csv": moodle_csv(run, exercises),
        "grading-report.txt": report_text(run, keys),
        "similarity.csv": similarity_csv(pairs),
        "similarity.html": similarity_html(pairs, run),
        RESULTS_FILE: run.to_json(),
    }
    stage = out / f".grading-new-{os.getpid()}-{int(time.time() * 1000)}"
    stage.mkdir()
    try:
        fb = stage / "feedback"
        fb.mkdir()
        for student in run.students:
            (fb / f"{keys[student]}.txt").write_text(feedback_text(run, student, exercises), encoding="utf-8")
        old = out / f".grading-old-{os.getpid()}"
        target = out / "feedback"
        if old.exists() or old.is_symlink():
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        if target.exists() or target.is_symlink():
            os.replace(target, old)
        os.replace(fb, target)
        for name, text in texts.items():
            _write_atomic(out / name, text)
        if old.is_symlink() or old.is_file():
            old.unlink()
        elif old.exists():
            shutil.rmtree(old)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
