"""The similarity report (``grading/similarity.py``): normalized tokens, winnowing, per-question
answers; its verdicts checked against copydetect (an independent winnowing implementation), and
that it never changes a grade."""

from __future__ import annotations

import csv
import io
import json
import keyword
import os
import subprocess
import sys

from copydetect import CodeFingerprint, compare_files
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.similarity import answers, fingerprints, similar_pairs, similarity_csv, similarity_html, tokens
from grading.source import ROOT, SOLUTIONS, load, student_notebook

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
from make_matrix import GD  # noqa: E402  (the matrix's right answer to q1)

GD_RENAMED = '''def gd_steps(start, lr, k):
    # my own version, honest
    x = np.array(start, dtype=float)
    trail = [x.copy()]
    for _ in range(k):
        x = x - lr * grad_E(x)
        trail.append(x.copy())
    return np.array(trail)
'''
GD_OTHER = '''def gd_steps(w0, eta, n_steps):
    out = []
    cur = list(w0)
    out.append(cur)
    i = 0
    while i < n_steps:
        g = grad_E(np.array(cur))
        cur = [cur[0] - eta * g[0], cur[1] - eta * g[1]]
        out.append(cur)
        i += 1
    return np.array(out)
'''
GD_THIRD = '''def gd_steps(w0, eta, n_steps):
    return np.array(list(itertools.accumulate(range(n_steps), lambda w, _: w - eta * grad_E(w),
                                              initial=np.asarray(w0, float))))
'''

NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))


def test_tokens_ignore_names_layout_and_comments() -> None:
    assert tokens(GD) == tokens(GD_RENAMED)
    assert tokens("x = 1  # one\n") == ["v", "=", "n"]
    assert tokens("for i in range(3):\n    pass\n")[:2] == ["for", "v"]
    assert tokens("def f(:\n") == ["def", "v", "(", ":"]  # a broken cell still gives its tokens


@settings(max_examples=60, deadline=None)
@given(st.lists(NAMES, min_size=4, max_size=4, unique=True))
def test_consistent_renaming_never_changes_fingerprints(new) -> None:
    renamed = GD
    for old, n in zip(("path", "w0", "eta", "n_steps"), new):
        renamed = renamed.replace(old, n)
    assert fingerprints(renamed) == fingerprints(GD)


def test_answers_follow_the_names_a_question_probes() -> None:
    ex = load(SOLUTIONS / "narrow_valley.md")
    cells = ["import numpy as np", "x = 3", GD, "eta_better = 2 / 150"]
    got = answers(cells, ex)
    assert got["q1"] == GD and got["q2"] == "eta_better = 2 / 150"
    assert got["q3"] == ""  # not answered


def _class(codes: dict[str, str]) -> dict:
    return {student: {"narrow_valley": {"q1": code}} for student, code in codes.items()}


def test_pairs_agree_with_copydetect() -> None:
    ex = load(SOLUTIONS / "narrow_valley.md")
    template = answers([c.source for c in student_notebook(ex).cells if c.cell_type == "code"], ex)["q1"]
    codes = {"ann": GD, "ben": GD_RENAMED, "cat": GD_OTHER, "dan": GD_THIRD, "eve": template}
    pairs = similar_pairs(_class(codes), {"narrow_valley": ex})
    assert [(p.a, p.b) for p in pairs] == [("ann", "ben")], pairs
    assert pairs[0].similarity == 1.0

    def copydetect_score(a: str, b: str) -> float:
        fa = CodeFingerprint("a.py", 10, 1, fp=io.StringIO(codes[a]))
        fb = CodeFingerprint("b.py", 10, 1, fp=io.StringIO(codes[b]))
        return min(compare_files(fa, fb)[1])

    assert copydetect_score("ann", "ben") > 0.9
    for a, b in (("ann", "cat"), ("ann", "dan"), ("cat", "dan"), ("ben", "cat")):
        assert copydetect_score(a, b) < 0.5, (a, b)


def test_the_template_alone_is_never_similar() -> None:
    ex = load(SOLUTIONS / "narrow_valley.md")
    cells = [c.source for c in student_notebook(ex).cells if c.cell_type == "code"]
    blank = {"narrow_valley": answers(cells, ex)}
    assert similar_pairs({f"s{i}": blank for i in range(5)}, {"narrow_valley": ex}) == []


def test_code_most_of_a_large_class_shares_is_not_similarity() -> None:
    ex = load(SOLUTIONS / "narrow_valley.md")
    crowd = {f"s{i}": GD for i in range(8)} | {"x": GD_OTHER, "y": GD_THIRD}
    assert similar_pairs(_class(crowd), {"narrow_valley": ex}) == []
    few = {f"s{i}": GD for i in range(3)} | {"x": GD_OTHER, "y": GD_THIRD}
    assert len(similar_pairs(_class(few), {"narrow_valley": ex})) == 3


GD_EDITED = GD.replace("return np.array(path)", "out = np.array(path)\n    assert out.ndim == 2\n    return out")

_REPORT = """
import json, sys
from grading.similarity import similar_pairs, similarity_csv
from grading.source import SOLUTIONS, load
codes = json.loads(sys.argv[1])
cls = {s: {"narrow_valley": {"q1": c}} for s, c in codes.items()}
print(similarity_csv(similar_pairs(cls, {"narrow_valley": load(SOLUTIONS / "narrow_valley.md")})), end="")
"""


def test_the_report_is_the_same_under_every_hash_seed() -> None:
    """Python salts ``hash`` of strings per process (PYTHONHASHSEED): fingerprints built on it
    make winnowing pick other windows on every run. The report of two runs with different seeds
    is the same, byte for byte, for a pair that is alike but not identical."""
    codes = {"alice": GD, "bob": GD_EDITED, "cat": GD_OTHER, "dan": GD_THIRD}
    assert GD_EDITED != GD
    runs = []
    for seed in ("1", "2", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        runs.append(subprocess.run([sys.executable, "-c", _REPORT, json.dumps(codes)], cwd=ROOT, env=env,
                                   capture_output=True, text=True, check=True).stdout)
    assert runs[0] == runs[1] == runs[2]
    rows = list(csv.DictReader(io.StringIO(runs[0])))
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("alice", "bob")]  # alike, not the same
    assert float(rows[0]["similarity"]) < 1.0


def test_report_pages_escape_what_students_wrote() -> None:
    ex = load(SOLUTIONS / "narrow_valley.md")
    evil = GD.replace("return np.array(path)", "return np.array(path)  # </pre><script>alert(1)</script>")
    pairs = similar_pairs(_class({"=cmd|' /C calc'!A0": evil, "<b>x</b>": evil}), {"narrow_valley": ex})
    assert len(pairs) == 1
    page = similarity_html(pairs)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>x</b>" not in page
    assert "never changes a\ngrade" in page
    row = next(csv.DictReader(io.StringIO(similarity_csv(pairs))))
    assert (row["student_a"], row["student_b"]) == ("<b>x</b>", "'=cmd|' /C calc'!A0")  # text, never a formula


def test_an_answer_kept_for_the_report_is_bounded() -> None:
    """Red team F2: one 5 MB cell that defines every answer's name was kept once per question for
    every notebook found (1.1 GB of grader memory for 40 notebooks). Each answer is capped."""
    from grading.similarity import MAX_ANSWER_CHARS, answers
    from grading.source import load_all

    ex = next(e for e in load_all() if e.name == "narrow_valley")
    cell = "gd_steps = eta_better = gd_unitwise_steps = momentum_steps = momentum_limit = 1\n#" + "x" * 5_000_000
    got = answers([cell], ex)
    assert got and all(len(a) == MAX_ANSWER_CHARS for a in got.values()), {q: len(a) for q, a in got.items()}
    assert answers(["def gd_steps(w0, eta, n_steps):\n    return w0\n"], ex)["q1"].startswith("def gd_steps")
