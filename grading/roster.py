"""The class list, and the grade files an LMS imports.

**Roster** (``--roster FILE``, ``make grade ROSTER=...``): a CSV file with a header row holding
``id`` (the name of the student's submission: their folder, or their file without ``.ipynb``)
and, optionally, ``name``, ``email``, ``lms_id`` (the LMS's own user id) and ``section``. The
grader maps submissions to students through ``id``, writes a row for every student of the
roster (those without a submission get ``not submitted``), and reports submissions that are not
in the roster and students without a submission.

**Canvas** (``canvas.csv``): the columns of Canvas's gradebook import, ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per exercise (points), with the
``Points Possible`` row Canvas's own export has under the header. ``ID`` is the roster's
``lms_id`` (Canvas's user id), ``SIS User ID`` its ``id``, ``SIS Login ID`` its ``email``.
An exercise not handed in is left empty (Canvas's own missing-submission policy applies); one
handed in but not gradable scores 0.

**Moodle** (``moodle.csv``): the columns of Moodle's grade export, which its CSV import reads:
``First name``, ``Last name``, ``ID number``, ``Email address``, then one column per exercise;
at import, map "Email address" to ``useremail`` (or "ID number" to ``useridnumber``) and each
exercise column to its grade item.

Sources (see ``docs/grading.md``): Canvas's "How do I import grades in the Gradebook?" guide, as
summarised by The Ohio State University's Canvas guide
(https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades),
and Moodle's "Grade import" documentation (https://docs.moodle.org/311/en/Grade_import).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grading.judge import NOT_SUBMITTED

if TYPE_CHECKING:
    from grading.report import GradingRun
    from grading.source import Exercise

COLUMNS = ("id", "name", "email", "lms_id", "section")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")


class RosterError(ValueError):
    """A roster file that cannot be used (the message names the file and the line)."""


@dataclass(frozen=True)
class Person:
    id: str
    name: str = ""
    email: str = ""
    lms_id: str = ""
    section: str = ""


@dataclass
class Roster:
    ids: dict[str, Person]

    @classmethod
    def load(cls, path: Path) -> Roster:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise RosterError(f"roster {path}: cannot be read as UTF-8 text ({exc})") from None
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "id" not in header:
            raise RosterError(f"roster {path}: the header row must name an `id` column (the submission's name); "
                              f"allowed columns: {', '.join(COLUMNS)}; got {reader.fieldnames}")
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise RosterError(f"roster {path}: unknown column(s) {unknown}; allowed: {', '.join(COLUMNS)}")
        ids: dict[str, Person] = {}
        for line, row in enumerate(reader, start=2):
            vals = {h.strip().lower(): (v or "").strip() for h, v in row.items() if h is not None}
            sid = unicodedata.normalize("NFC", vals.get("id", ""))
            if not sid:
                raise RosterError(f"roster {path} line {line}: empty id")
            if sid in ids:
                raise RosterError(f"roster {path} line {line}: id {sid!r} appears twice")
            ids[sid] = Person(sid, vals.get("name", ""), vals.get("email", ""), vals.get("lms_id", ""),
                              vals.get("section", ""))
        return cls(ids)

    def mapping(self, submissions: list[str]) -> dict[str, str]:
        """Submission name -> student: the roster id with the same name, or the same after Unicode
        NFC normalization (a zip made on macOS spells "é" in two characters) unless another
        submission has that exact name; otherwise the submission's own name (not in the roster).
        Two different submissions never map to one student."""
        out = {s: s for s in submissions}
        taken = {s for s in submissions if s in self.ids}
        for s in submissions:
            if s in self.ids:
                continue
            norm = unicodedata.normalize("NFC", s)
            if norm in self.ids and norm not in taken:
                out[s] = norm
                taken.add(norm)
        return out


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _points(run: GradingRun, student: str, exercise: str) -> str:
    r = run.counted(student, exercise)
    if r is not None:
        return f"{r.total:g}"
    return "" if run.status(student, exercise) == NOT_SUBMITTED else "0"


def _split(name: str) -> tuple[str, str]:
    parts = name.rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name, "")


def canvas_csv(run: GradingRun, exercises: dict[str, Exercise]) -> str:
    from grading.submissions import plain

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    titles = [f"{exercises[n].title} ({n})" for n in run.exercises]
    w.writerow([*CANVAS_COLUMNS, *titles])
    w.writerow(["Points Possible", "", "", "", "",
                *[f"{sum(exercises[n].points.values()):g}" for n in run.exercises]])
    for student in run.students:
        p = run.roster.ids.get(student) if run.roster else None
        w.writerow([_cell(p.name if p and p.name else plain(student)), _cell(p.lms_id if p else ""),
                    _cell(plain(student)), _cell(p.email if p else ""), _cell(p.section if p else ""),
                    *[_points(run, student, n) for n in run.exercises]])
    return buf.getvalue()


def moodle_csv(run: GradingRun, exercises: dict[str, Exercise]) -> str:
    from grading.submissions import plain

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*MOODLE_COLUMNS, *[f"{exercises[n].title} ({n})" for n in run.exercises]])
    for student in run.students:
        p = run.roster.ids.get(student) if run.roster else None
        first, last = _split(p.name) if p and p.name else (plain(student), "")
        w.writerow([_cell(first), _cell(last), _cell(p.lms_id if p and p.lms_id else plain(student)),
                    _cell(p.email if p else ""), *[_points(run, student, n) for n in run.exercises]])
    return buf.getvalue()
