"""Grades an LMS can import (``grading/roster.py``, ``grading/report.py``): the roster, per-exercise
totals, maxima and statuses, the Canvas and Moodle files against the columns their documentation
names, the long CSV, and regrading one student into an existing output."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from grading.grade import grade_folder
from grading.roster import Roster, RosterError
from grading.source import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
import make_matrix  # noqa: E402

# The identity columns as the LMSs' own documentation names them (typed from the docs, cited in
# docs/grading.md), not taken from grading/roster.py.
CANVAS_DOCUMENTED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTIFIERS = {"Email address", "ID number"}  # what "Identify user by" maps from


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("lms")
    matrix, _ = make_matrix.write(root / "fixtures")
    sub = root / "sub"
    for student, case in (("ada", "correct"), ("bob", "partial"), ("cyd", "unanswered"), ("stranger", "correct")):
        shutil.copytree(matrix / case, sub / student)
    (sub / "dee").mkdir()
    (sub / "dee" / "narrow_valley.ipynb").write_bytes(b"\x89PNG not a notebook")
    (sub / "fay").mkdir()
    (sub / "fay" / "notes.txt").write_text("I will hand it in next week")  # nothing for the exercise
    (sub / "gus").mkdir()
    (sub / "gus" / "hw.ipynb").symlink_to(matrix / "correct" / "narrow_valley.ipynb")  # may have been it
    (sub / "copycat").mkdir()
    shutil.copyfile(matrix / "correct" / "narrow_valley.ipynb", sub / "copycat" / "hw.ipynb")
    roster = root / "roster.csv"
    roster.write_text("id,name,email,lms_id,section\n"
                      "ada,Ada Lovelace,ada@uni.example,1001,A\n"
                      "bob,Bob Babbage,bob@uni.example,1002,A\n"
                      "cyd,Cyd Charisse,cyd@uni.example,1003,B\n"
                      "dee,Dee Dee,dee@uni.example,1004,B\n"
                      "copycat,Cat Copy,cat@uni.example,1005,B\n"
                      "eve,Eve Absent,eve@uni.example,1006,B\n", encoding="utf-8")
    out = root / "out"
    grade_folder(sub, out, workers=2, sandbox="bwrap", roster=roster)
    return sub, out, roster, matrix


def test_scores_have_per_exercise_totals_maxima_and_status(run) -> None:
    _, out, _, _ = run
    rows = {r["student"]: r for r in _rows((out / "scores.csv").read_text(encoding="utf-8"))}
    assert set(rows) == {"ada", "bob", "cyd", "dee", "copycat", "eve", "fay", "gus", "stranger"}
    want = {"ada": ("8", "graded"), "bob": ("4", "graded"), "cyd": ("0", "graded"),
            "dee": ("0", "not gradable"), "eve": ("0", "not submitted"), "copycat": ("8", "graded"),
            "fay": ("0", "not submitted"), "gus": ("0", "not gradable")}
    for s, (total, status) in want.items():
        assert (rows[s]["narrow_valley:total"], rows[s]["narrow_valley:status"]) == (total, status), rows[s]
        assert rows[s]["narrow_valley:max"] == "8" and rows[s]["max"] == "8"
    assert rows["ada"]["email"] == "ada@uni.example" and rows["ada"]["lms_id"] == "1001"
    assert rows["eve"]["narrow_valley:q1"] == ""  # nothing handed in: no points to show


def test_report_lists_unknown_submissions_and_missing_students(run) -> None:
    _, out, _, _ = run
    report = (out / "grading-report.txt").read_text(encoding="utf-8")
    assert '- not in the roster: "stranger"' in report
    assert '- no submission: "eve"' in report


def test_canvas_file_has_the_documented_columns(run) -> None:
    _, out, _, _ = run
    lines = list(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"))))
    header = lines[0]
    assert header[:5] == CANVAS_DOCUMENTED
    assert len(header) == 6 and header[5].endswith("(narrow_valley)")
    assert lines[1][0] == "Points Possible" and lines[1][5] == "8"
    by_login = {row[3]: row for row in lines[2:]}
    assert by_login["ada@uni.example"][1] == "1001" and by_login["ada@uni.example"][5] == "8"
    assert by_login["eve@uni.example"][5] == ""  # not submitted: left to Canvas's missing policy
    assert by_login["dee@uni.example"][5] == "0"  # handed in, not gradable


def test_moodle_file_identifies_users_as_moodle_maps_them(run) -> None:
    _, out, _, _ = run
    rows = _rows((out / "moodle.csv").read_text(encoding="utf-8"))
    assert MOODLE_IDENTIFIERS <= set(rows[0])
    by_mail = {r["Email address"]: r for r in rows}
    grade_col = next(c for c in rows[0] if c.endswith("(narrow_valley)"))
    assert by_mail["bob@uni.example"][grade_col] == "4" and by_mail["bob@uni.example"]["ID number"] == "1002"
    assert (by_mail["bob@uni.example"]["First name"], by_mail["bob@uni.example"]["Last name"]) == ("Bob", "Babbage")


def test_long_csv_has_one_row_per_student_and_question(run) -> None:
    _, out, _, _ = run
    rows = _rows((out / "grades-long.csv").read_text(encoding="utf-8"))
    assert len(rows) == 9 * 5
    bob = {r["question"]: r for r in rows if r["student"] == "bob"}
    assert {q: float(r["points"]) for q, r in bob.items()} == {"q1": 1, "q2": 1, "q3": 0, "q4": 2, "q5": 0}
    assert {r["status"] for r in rows if r["student"] == "eve"} == {"not submitted"}


def test_similar_answers_are_reported_and_keep_their_grades(run) -> None:
    _, out, _, _ = run
    pairs = _rows((out / "similarity.csv").read_text(encoding="utf-8"))
    flagged = {(p["student_a"], p["student_b"]) for p in pairs}
    assert ("ada", "copycat") in flagged  # the same notebook, handed in twice
    rows = {r["student"]: r for r in _rows((out / "scores.csv").read_text(encoding="utf-8"))}
    assert rows["ada"]["total"] == rows["copycat"]["total"] == "8"
    assert "never changes a" in (out / "similarity.html").read_text(encoding="utf-8")


def test_regrade_one_student_keeps_everyone_else(run, tmp_path: Path) -> None:
    sub, out0, roster, matrix = run
    out = tmp_path / "out"
    shutil.copytree(out0, out)
    before = {p.name: p.read_bytes() for p in (out / "feedback").iterdir()}
    sub2 = tmp_path / "sub"
    shutil.copytree(sub, sub2)
    shutil.copyfile(matrix / "correct" / "narrow_valley.ipynb", sub2 / "bob" / "narrow_valley.ipynb")
    (sub2 / "ada" / "narrow_valley.ipynb").write_text("{}")  # ada's file changed too: not regraded
    grade_folder(sub2, out, workers=1, sandbox="bwrap", roster=roster, only=sub2 / "bob")
    rows = {r["student"]: r for r in _rows((out / "scores.csv").read_text(encoding="utf-8"))}
    assert rows["bob"]["total"] == "8" and rows["ada"]["total"] == "8" and rows["cyd"]["total"] == "0"
    after = {p.name: p.read_bytes() for p in (out / "feedback").iterdir()}
    assert set(after) == set(before)
    assert [n for n in after if after[n] != before[n]] == ["bob.txt"]
    data = json.loads((out / "grading-results.json").read_text(encoding="utf-8"))
    assert data["version"] == 1


def test_regrade_without_roster_keeps_the_run_s_roster_byte_for_byte(run, tmp_path: Path) -> None:
    """`make regrade` without ROSTER= (the form the README shows) reuses the roster saved with the
    run: names, e-mails, LMS ids and the rows of students without a submission all stay."""
    sub, out0, _, _ = run
    out = tmp_path / "out"
    shutil.copytree(out0, out)
    files = ("scores.csv", "grades-long.csv", "canvas.csv", "moodle.csv", "similarity.csv")
    before = {n: (out / n).read_bytes() for n in files}
    before.update({f"feedback/{p.name}": p.read_bytes() for p in (out / "feedback").iterdir()})
    grade_folder(sub, out, workers=1, sandbox="bwrap", only=sub / "bob")  # no roster given
    after = {n: (out / n).read_bytes() for n in files}
    after.update({f"feedback/{p.name}": p.read_bytes() for p in (out / "feedback").iterdir()})
    assert sorted(after) == sorted(before)
    assert [n for n in after if after[n] != before[n]] == []  # bob's file is unchanged, so is everything
    assert "feedback/eve.txt" in after  # the roster's student without a submission keeps her row
    saved = json.loads((out / "grading-results.json").read_text(encoding="utf-8"))["roster"]
    assert {p["id"]: p["lms_id"] for p in saved}["ada"] == "1001"


def test_regrade_into_a_run_without_a_saved_roster_is_refused(run, tmp_path: Path) -> None:
    """A results file from before the roster was saved: regrading without ROSTER= would blank
    every name, so it is refused with what to do."""
    sub, out0, _, _ = run
    out = tmp_path / "out"
    shutil.copytree(out0, out)
    data = json.loads((out / "grading-results.json").read_text(encoding="utf-8"))
    del data["roster"]
    (out / "grading-results.json").write_text(json.dumps(data), encoding="utf-8")
    before = (out / "scores.csv").read_bytes()
    with pytest.raises(ValueError, match="ROSTER="):
        grade_folder(sub, out, workers=1, sandbox="bwrap", only=sub / "bob")
    assert (out / "scores.csv").read_bytes() == before


def test_regrade_needs_an_earlier_run(tmp_path: Path, run) -> None:
    sub, _, _, _ = run
    with pytest.raises(ValueError, match="needs the results of an earlier run"):
        grade_folder(sub, tmp_path / "empty", sandbox="bwrap", only=sub / "bob")


def test_roster_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = {"no_id.csv": ("name,email\nA,a@x\n", "must name an `id` column"),
           "twice.csv": ("id,name\nann,A\nann,B\n", "line 3: id 'ann' appears twice"),
           "unknown.csv": ("id,grade\nann,3\n", "unknown column(s) ['grade']"),
           "empty.csv": ("id,name\n,A\n", "line 2: empty id")}
    for name, (text, msg) in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(RosterError, match=None) as exc:
            Roster.load(tmp_path / name)
        assert msg in str(exc.value) and name in str(exc.value), (name, str(exc.value))


def test_two_submissions_never_map_to_one_student(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("id\nrené\nann\n", encoding="utf-8")
    r = Roster.load(roster)
    nfd = "rene\u0301"  # "é" as macOS spells it
    assert r.mapping([nfd, "ann ", "ann"]) == {nfd: "rené", "ann ": "ann ", "ann": "ann"}
    assert r.mapping(["rené", nfd]) == {"rené": "rené", nfd: nfd}  # the exact name wins, the other stays apart
