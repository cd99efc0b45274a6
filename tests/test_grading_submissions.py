"""Reading the submissions folder (``grading/submissions.py``): every entry graded or listed, names
shown unambiguously and safely, feedback file names unique."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.submissions import find_submissions, natural, quoted, student_keys

# raw names as the file system gives them: any text, plus undecodable bytes (surrogateescape)
RAW = st.one_of(st.text(min_size=1, max_size=300),
                st.binary(min_size=1, max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape")))


@settings(max_examples=300, deadline=None)
@given(RAW, RAW)
def test_different_names_never_look_the_same(a: str, b: str) -> None:
    if a != b:
        assert quoted(a) != quoted(b)


@settings(max_examples=300, deadline=None)
@given(RAW)
def test_a_quoted_name_is_one_safe_line(name: str) -> None:
    q = quoted(name)
    assert q.startswith('"') and q.endswith('"') and len(q) <= 302
    assert all(ch.isprintable() for ch in q), q
    inner = q[1:-1]
    assert '"' not in inner.replace('\\"', "")  # every quote inside is escaped: the name cannot close it


def test_names_an_older_grader_showed_alike() -> None:
    shown = {quoted(n) for n in ("eve\tx", "eve\nx", "eve?x", "eve\\tx")}
    assert len(shown) == 4
    a, b = "y" * 249 + "1", "y" * 249 + "2"
    assert quoted(a) != quoted(b) and quoted(a, limit=40) != quoted(b, limit=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(RAW, min_size=1, max_size=30, unique=True))
def test_feedback_file_names_are_unique_and_safe(names: list[str]) -> None:
    keys = student_keys(names)
    assert set(keys) == set(names)
    assert len({k.lower() for k in keys.values()}) == len(names)  # also on case-insensitive disks
    for k in keys.values():
        assert re.fullmatch(r"[A-Za-z0-9_.@-]+", k) and len(k) <= 90 and k not in (".", "..")


def test_natural_order_of_attempts() -> None:
    rels = ["attempt-10/a.ipynb", "attempt-2/a.ipynb", "attempt-1/a.ipynb"]
    assert sorted(rels, key=natural) == ["attempt-1/a.ipynb", "attempt-2/a.ipynb", "attempt-10/a.ipynb"]


def test_every_entry_is_found_or_listed(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    deep = sub / "deep" / "1" / "2" / "3" / "4" / "5" / "6" / "7" / "8" / "9" / "10"
    deep.mkdir(parents=True)
    (deep / "hw.ipynb").write_text("{}")
    (sub / "...ipynb").write_text("{}")
    (sub / ".hidden.ipynb").write_text("{}")
    (sub / "roster.csv").write_text("id\n")
    (sub / "deep" / "data.npy").write_bytes(b"x")
    (sub / "deep" / ".ipynb_checkpoints").mkdir()
    (sub / "deep" / ".ipynb_checkpoints" / "hw-checkpoint.ipynb").write_text("{}")
    (sub / "__MACOSX").mkdir()
    (sub / "link.ipynb").symlink_to(deep / "hw.ipynb")
    found, skipped = find_submissions(sub)
    assert {(f.student, f.rel) for f in found} == {
        ("deep", os.path.join("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "hw.ipynb")),
        ("..", "...ipynb"), (".hidden", ".hidden.ipynb")}
    text = "\n".join(f"{s}: {w}" for s, w in skipped)
    for what in ('None: "roster.csv" is not a notebook', 'deep: "data.npy" is not a notebook',
                 'deep: ".ipynb_checkpoints" is a folder of system or Jupyter files',
                 'None: "__MACOSX" is a folder of system or Jupyter files',
                 'link: "link.ipynb" is a symbolic link'):
        assert what in text, (what, text)


def test_notebooks_are_read_outside_the_grader_and_only_their_size_limits_apply() -> None:
    """Red team F2/F2b and the honest 51 MB notebook: the grader never parses a notebook; a child
    process does, under its own limits, and returns only the code. An honest notebook whose figure
    outputs hold millions of values is read (it scored 0 before: "more than 5,000,000 JSON
    values"); a 99 MB bomb of tiny values is refused by the reader's memory limit, with the reason;
    the grader's own memory does not grow with what it parsed."""
    import resource

    from grading.limits import Limits
    from grading.submissions import MAX_CODE_BYTES, NotGradable, read_notebook

    code = {"cell_type": "code", "source": ["x = 1\n", "Checker('narrow_valley')"], "metadata": {}, "outputs": []}
    figure = {"cell_type": "code", "source": "plot()", "metadata": {},
              "outputs": [{"output_type": "display_data", "data": {"application/json": {"y": list(range(6_000_000))}}}]}
    honest = json.dumps({"cells": [code, figure], "metadata": {"grading": {"exercise": "adam"}}}).encode()
    assert 40_000_000 < len(honest) < 100_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    nb = read_notebook(honest)
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert nb.cells == ["x = 1\nChecker('narrow_valley')", "plot()"] and nb.exercise == "adam"
    assert nb.checkers == ("narrow_valley",)
    assert grew < 100_000_000, grew  # parsed, it is ~400 MB of Python objects: none of them here
    bomb = b'{"cells": [], "x": [' + b"{}," * 33_000_000 + b"{}]}"  # 99 MB, gigabytes once parsed
    with pytest.raises(NotGradable, match=r"could not be read within the limits for reading a notebook \(2 GiB"):
        read_notebook(bomb, Limits())
    big_code = json.dumps({"cells": [{"cell_type": "code", "source": "#" * (MAX_CODE_BYTES + 1)}]}).encode()
    with pytest.raises(NotGradable, match="has more than 5 MB of code: not graded"):
        read_notebook(big_code)
    for data, why in ((b"\xff", "not UTF-8"), (b"[" * 100_000, "nested too deeply"), (b"{", "not valid JSON"),
                      (b"{}", "no list of cells")):
        with pytest.raises(NotGradable, match=why):
            read_notebook(data)


@pytest.mark.parametrize("where", ["same", "inside", "contains"])
def test_an_output_folder_overlapping_the_submissions_is_refused(tmp_path: Path, where: str) -> None:
    """Red team C1: --out equal to the submissions folder deleted a student's folder named
    ``feedback``. Refused before anything is written, with the reason; the student's files stay."""
    from grading.grade import grade_folder

    sub = tmp_path / "sub"
    (sub / "feedback").mkdir(parents=True)
    (sub / "feedback" / "narrow_valley.ipynb").write_text("{}", encoding="utf-8")
    out, subs = {"same": (sub, sub), "inside": (sub / "out", sub), "contains": (tmp_path, sub)}[where]
    with pytest.raises(ValueError, match=r"output folder .* (is|is inside|contains) the submissions folder"):
        grade_folder(subs, out, sandbox="none")
    assert (sub / "feedback" / "narrow_valley.ipynb").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["feedback", "narrow_valley.ipynb", "sub"]


def test_a_file_and_a_folder_of_one_name_are_reported_as_merged(tmp_path: Path) -> None:
    """Red team "merge": ``bob/`` and ``bob.ipynb`` were silently graded as one student's attempts.
    They still are (both are bob's), but bob's feedback and the report say so, and in which order."""
    from grading.submissions import MERGED

    (tmp_path / "bob").mkdir()
    for rel in ("bob/zzz-final-attempt-99.ipynb", "bob.ipynb", "alice.ipynb"):
        (tmp_path / rel).write_text("{}", encoding="utf-8")
    found, skipped = find_submissions(tmp_path)
    assert [(f.student, f.rel) for f in found if f.student == "bob"] == \
        [("bob", "zzz-final-attempt-99.ipynb"), ("bob", "bob.ipynb")]  # the file is the later attempt
    merged = [(s, w) for s, w in skipped if w.startswith(MERGED)]
    assert merged == [("bob", merged[0][1])] and '"bob.ipynb"' in merged[0][1] and "the file after" in merged[0][1]


def test_one_students_extra_exercise_changes_nobody_elses_results(tmp_path: Path) -> None:
    """Red team X1: a blank adam.ipynb of one student added an "adam" column worth 6 points to
    everyone. The exercises graded are the instructor's; several found without saying which:
    refused, with what was found; the other notebooks are listed as not graded."""
    from grading.grade import grade_folder

    sub = tmp_path / "sub"
    for rel in ("alice/narrow_valley.ipynb", "mallory/narrow_valley.ipynb", "mallory/adam.ipynb"):
        (sub / rel).parent.mkdir(parents=True, exist_ok=True)
        (sub / rel).write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match=r"2 exercises: adam \(1 student\), narrow_valley \(2 students\)\. "
                                         r"Say which are assigned"):
        grade_folder(sub, tmp_path / "out", sandbox="none")
    with pytest.raises(ValueError, match="exercises must be names of exercises"):
        grade_folder(sub, tmp_path / "out", sandbox="none", assigned=["nope"])
    grade_folder(sub, tmp_path / "out", sandbox="none", assigned=["narrow_valley"])
    header = (tmp_path / "out" / "scores.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "adam" not in header and "narrow_valley:total" in header
    fb = (tmp_path / "out" / "feedback" / "mallory.txt").read_text(encoding="utf-8")
    assert '"adam.ipynb" is a notebook of adam: not graded, not an assigned exercise' in fb
    assert "adam" not in (tmp_path / "out" / "feedback" / "alice.txt").read_text(encoding="utf-8")


def test_look_alike_names_are_grouped() -> None:
    """Red team: "alice" with a Cyrillic "а", and "josé" composed and decomposed, gave rows that
    look the same. They stay different students; the report groups them for the instructor."""
    import unicodedata

    from grading.submissions import lookalikes

    names = ["alice", "\u0430lice", "bob", unicodedata.normalize("NFD", "josé"), "josé", "carol", "c\u0430rl"]
    assert lookalikes(names) == [["alice", "\u0430lice"], [unicodedata.normalize("NFD", "josé"), "josé"]]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_a_names_composed_and_decomposed_forms_look_alike(name: str) -> None:
    import unicodedata

    from grading.submissions import skeleton

    assert skeleton(unicodedata.normalize("NFD", name)) == skeleton(unicodedata.normalize("NFC", name))
    assert skeleton(name.upper()) == skeleton(name.lower()) or not name.isascii()
