"""Grade a folder of submitted notebooks: the orchestration of one grading run.

:func:`grade_folder` reads the folder (:mod:`grading.submissions`), runs each exercise's reference
solution and then every notebook in its sandbox (:mod:`grading.judge`, :mod:`grading.runner`),
chooses the attempt that counts and writes every output (:mod:`grading.report`) only after every
worker has finished. With ``only=`` it regrades one student (a file or a folder of the
submissions folder) into an existing output, keeping everyone else's results.

**Attempts.** When a student hands in several notebooks for one exercise, one attempt counts:
by default the *latest*, where attempts are ordered by their path inside the student's folder in
natural order (``attempt-2`` before ``attempt-10``, ``2024-03-01T09-00`` before
``2024-03-02T08-00``). ``attempts="best"`` counts the gradable attempt with the highest score (the
later one on a tie). At most :data:`~grading.submissions.MAX_ATTEMPTS` attempts per exercise are
graded: the latest ones; the earlier ones are listed in the report and the feedback.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grading.judge import SubmissionResult, grade_notebook, reference_values
from grading.limits import Limits
from grading.report import (ATTEMPT_RULES, RESULTS_FILE, UNSAFE_WARNING, GradingRun, plural, choose_attempts,
                            write_outputs)
from grading.roster import Roster
from grading.runner import default_sandbox, resume, stop_all
from grading.sandbox import Sandbox
from grading.similarity import answers
from grading.source import Exercise, load_all
from grading.submissions import (MAX_ATTEMPTS, Found, Note, NotGradable, find_submissions, identify, quoted,
                                 read_notebook, read_regular_file)

__all__ = ["grade_folder", "GradingRun", "UNSAFE_WARNING", "ATTEMPT_RULES", "DEFAULT_OUT"]

LOG = logging.getLogger("grading")  # the phases of a run; `python -m grading grade` prints them

DEFAULT_OUT = Path("_build") / "grading" / "out"
"""Where ``make grade`` writes when ``GRADE_OUT`` is not given (ignored by git: names of students)."""


def _peek(f: Found, exercises: dict[str, Exercise], limits: Limits) -> tuple[str | None, dict[str, str]]:
    """The exercise of a found file and its answers per question (the parent's own reading)."""
    try:
        nb = read_notebook(read_regular_file(f.path, limits.notebook_bytes), limits)
        name = identify(nb, f.path, list(exercises))
        return name, (answers(nb.cells, exercises[name], nb.defined) if name else {})
    except NotGradable:
        return identify(None, f.path, list(exercises)), {}


def _cap_attempts(found: list[Found], peeked: list[tuple[str | None, dict]]) -> tuple[list[int], list[tuple[str, str]]]:
    """Indices of the files to grade (the latest MAX_ATTEMPTS per student and exercise) and the
    earlier attempts left out, with the reason."""
    per: dict[tuple[str, str | None], list[int]] = {}
    for i, f in enumerate(found):
        per.setdefault((f.student, peeked[i][0]), []).append(i)
    keep, dropped = [], []
    for (student, ex), idx in per.items():
        if ex is not None and len(idx) > MAX_ATTEMPTS:
            for i in idx[:-MAX_ATTEMPTS]:
                dropped.append((student, f"{quoted(found[i].rel)} is an earlier attempt at {ex}: only the latest "
                                         f"{MAX_ATTEMPTS} attempts per exercise are graded"))
            idx = idx[-MAX_ATTEMPTS:]
        keep.extend(idx)
    return sorted(keep), dropped


def _separate(submissions: Path, out: Path) -> None:
    """Refuse an output folder that is, or is inside, the submissions folder (writing the outputs
    replaces ``feedback/`` and the report files there: a student's folder named ``feedback`` would
    be deleted, and the outputs graded as submissions next time), or that contains it."""
    sub, dst = os.path.realpath(submissions), os.path.realpath(out)
    def inside(a: str, b: str) -> bool:
        return a == b or a.startswith(b.rstrip(os.sep) + os.sep)
    if inside(dst, sub) or inside(sub, dst):
        where = ("is the submissions folder" if dst == sub else "is inside the submissions folder"
                 if inside(dst, sub) else "contains the submissions folder")
        raise ValueError(f"the output folder {out} {where} {submissions}: writing the scores and feedback "
                         "there could replace or delete students' files. Choose an output folder outside it "
                         "(GRADE_OUT=..., --out)")


def _student_of(only: Path, submissions: Path) -> str:
    rel = os.path.relpath(os.path.abspath(only), os.path.abspath(submissions))
    if rel.startswith("..") or rel == ".":
        raise ValueError(f"only must be a file or folder inside the submissions folder {submissions}, got {only}")
    top = rel.split(os.sep)[0]
    return top[: -len(".ipynb")] if top.endswith(".ipynb") and os.sep not in rel else top


def grade_folder(submissions: Path, out: Path | None = None, workers: int = 2, limits: Limits | None = None,
                 solutions: Path | None = None, sandbox: Sandbox | str | None = None,
                 attempts: str | None = None, roster: Path | Roster | None = None,
                 only: Path | None = None, one_student: str | None = None,
                 started: float | None = None, assigned: list[str] | None = None) -> GradingRun:
    """Grade every notebook under ``submissions`` (or, with ``only``, one student's file or folder
    into the existing results in ``out``) and write the outputs into ``out`` (default
    :data:`DEFAULT_OUT`) after all workers have finished. ``one_student``: the whole folder is one
    student's submission (Gradescope).

    ``attempts``: ``"latest"`` or ``"best"``; None means ``"latest"`` for a whole run and, for a
    regrade, the rule of the run it regrades into. ``roster``: for a regrade, None keeps the roster
    saved with that run (a regrade never loses names, e-mails, LMS ids or the rows of students
    without a submission); a roster given replaces it for every output. ``started``: the
    :func:`time.monotonic` at which the command began (the run's time then covers all of it).

    ``assigned``: the exercises graded (the instructor's ``EXERCISES=a,b``). None: for a regrade,
    those of the run regraded into; otherwise the one exercise of the notebooks found, and a
    ``ValueError`` listing what was found when they are of several (one student's extra notebook
    must not add a column to everyone's results). Notebooks of other exercises are listed as not
    graded, in the report and the student's feedback."""
    if attempts is not None and attempts not in ATTEMPT_RULES:
        raise ValueError(f"attempts must be one of {', '.join(ATTEMPT_RULES)}, got {attempts!r}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    out = Path(out) if out is not None else DEFAULT_OUT
    submissions = Path(submissions)
    _separate(submissions, out)
    limits = limits or Limits()
    t_start = started if started is not None else time.monotonic()
    ros = roster if isinstance(roster, Roster) or roster is None else Roster.load(Path(roster))
    previous = None
    if only is not None:
        prev_file = out / RESULTS_FILE
        if not prev_file.is_file():
            raise ValueError(f"regrading one student needs the results of an earlier run in {out} "
                             f"({RESULTS_FILE} is missing): grade the whole folder first")
        previous = GradingRun.from_json(prev_file.read_text(encoding="utf-8"))
        target = _student_of(Path(only), submissions)
        if ros is None:  # the run's own class list: names, e-mails, LMS ids, absent students all kept
            if not previous.roster_recorded:
                raise ValueError(f"{out / RESULTS_FILE} was written by an older grader that did not record "
                                 "the roster: give the same ROSTER= (--roster) as the first run, or grade "
                                 "the whole folder again")
            ros = previous.roster
        # the run's own rule for attempts unless one is given: every student's counted attempt stays
        attempts = attempts or previous.rule
    attempts = attempts or "latest"
    sb = sandbox if isinstance(sandbox, Sandbox) else default_sandbox(sandbox)
    sb.hide.update({os.path.realpath(submissions), os.path.realpath(out)})
    exercises = {ex.name: ex for ex in (load_all(solutions) if solutions else load_all())}
    found, skipped_list = find_submissions(submissions, one_student)
    if only is not None:
        found = [f for f in found if f.student == target]
        skipped_list = [(s, w) for s, w in skipped_list if s == target]
        if not found and not skipped_list:
            raise ValueError(f"nothing of {only} was found in {submissions}")
    if assigned is not None:
        unknown = [a for a in assigned if a not in exercises]
        if unknown or not assigned:
            raise ValueError(f"exercises must be names of exercises ({', '.join(sorted(exercises))}), "
                             f"got {', '.join(assigned) or 'none'}")
    elif previous is not None:
        assigned = list(previous.exercises)
    peeked = [_peek(f, exercises, limits) for f in found]
    if assigned is None:
        per_ex: dict[str, set[str]] = {}
        for f, (name, _) in zip(found, peeked):
            if name:
                per_ex.setdefault(name, set()).add(f.student)
        if len(per_ex) > 1:
            listing = ", ".join(f"{n} ({plural(len(per_ex[n]), 'student')})" for n in sorted(per_ex))
            raise ValueError(f"the submissions hold notebooks of {len(per_ex)} exercises: {listing}. Say which are "
                             "assigned (make grade EXERCISES=a,b; --exercises a,b): grading never lets one "
                             "student's notebook add an exercise to everyone's results")
        assigned = sorted(per_ex)
    graded = [i for i, (name, _) in enumerate(peeked) if name is None or name in assigned]
    for i, (name, _) in enumerate(peeked):
        if name is not None and name not in assigned:
            skipped_list.append((found[i].student, Note(
                f"{quoted(found[i].rel)} is a notebook of {name}: not graded, not an assigned exercise "
                f"(assigned: {', '.join(assigned)})")))
    found, peeked = [found[i] for i in graded], [peeked[i] for i in graded]
    keep, dropped = _cap_attempts(found, peeked)
    skipped_list += dropped
    found, peeked = [found[i] for i in keep], [peeked[i] for i in keep]
    handed_in = sorted({name for name, _ in peeked if name})
    wanted = sorted(assigned)
    resume()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            LOG.info("running the reference solution of each exercise handed in (%s) in the sandbox, for the "
                     "hidden cases' expected values...", plural(len(handed_in), "exercise"))
            refs = dict(pool.map(lambda n: (n, reference_values(exercises[n], sandbox=sb)), handed_in))
            LOG.info("grading %s of %s, each in its own sandbox (%d side by side)...",
                     plural(len(found), "notebook"), plural(len({f.student for f in found}), "student"), workers)
            results = list(pool.map(
                lambda f: grade_notebook(f.path, f.student, {n: exercises[n] for n in assigned}, refs, limits,
                                         sandbox=sb, rel=f.rel),
                found))
        except BaseException:  # Ctrl-C or an error: leave no worker running
            stop_all()
            raise
    names = sorted({f.student for f in found} | {s for s, _ in skipped_list if s is not None})
    to_student = ros.mapping(names) if ros else {s: s for s in names}
    key = lambda s: to_student.get(s, s)  # noqa: E731
    by_student: dict[str, list[SubmissionResult]] = {}
    answers_by: dict[str, dict[str, dict[str, str]]] = {}
    for r in results:
        r.student = key(r.student)
        by_student.setdefault(r.student, []).append(r)
    skipped: dict[str, list[str]] = {}
    folder_notes: list[str] = []
    unattributed: set[str] = set()  # students with an entry that may have been an attempt
    for student, why in skipped_list:
        if student is None:
            folder_notes.append(why)
        else:
            skipped.setdefault(key(student), []).append(why)
            if getattr(why, "maybe_attempt", False):
                unattributed.add(key(student))
    for rs in by_student.values():
        choose_attempts(rs, attempts)
    by_path = {f.path: a for f, (_, a) in zip(found, peeked)}
    for student, rs in by_student.items():  # the answers compared are those of the counted attempts
        for r in rs:
            if r.counted and r.exercise and by_path.get(r.path):
                answers_by.setdefault(student, {})[r.exercise] = by_path[r.path]
    if previous is not None:
        tkey = key(target)
        by_student = {**{s: rs for s, rs in previous.by_student.items() if s != tkey}, **by_student}
        skipped = {**{s: w for s, w in previous.skipped.items() if s != tkey}, **skipped}
        answers_by = {**{s: a for s, a in previous.answers.items() if s != tkey}, **answers_by}
        unattributed |= {s for s in previous.unattributed if s != tkey}
        folder_notes = previous.folder_notes
        if attempts != previous.rule:  # a new rule applies to everyone's attempts, not to one student's
            for rs in by_student.values():
                choose_attempts(rs, attempts)
        wanted = sorted(set(previous.exercises) | set(wanted))  # the same as assigned: kept for older runs
    LOG.info("writing the scores, LMS files, feedback, report and similarity report into %s...", out)
    run = GradingRun(by_student, sb.mode, attempts, time.monotonic() - t_start, skipped, folder_notes, wanted,
                     limits.describe(), ros, answers_by, unattributed)
    write_outputs(run, out, exercises)
    return run
