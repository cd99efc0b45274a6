"""Graded exercises: generation, student checks, the robust grader and its test matrix."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading import CANARY
from grading.grade import grade_folder
from grading.runner import Limits, run_submission
from grading.source import EXERCISES, ROOT, SOLUTIONS, load_all, render_all, solution_notebook
from grading.student import Checker

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
import make_matrix  # noqa: E402

PY = sys.executable
REQUIRED_EXERCISES = {"narrow_valley", "signal_to_noise", "weight_space_symmetries",
                      "hessian_critical_points", "adam", "step_size_clipping", "regions_nfl"}


# ---------------------------------------------------------------------------------------------
# authoring and generation


def test_every_chapter_topic_has_an_exercise() -> None:
    names = {p.stem for p in SOLUTIONS.glob("*.md")}
    assert REQUIRED_EXERCISES <= names


def test_exercises_are_up_to_date_with_solutions() -> None:
    files = render_all()
    for rel, text in files.items():
        p = EXERCISES / rel
        assert p.is_file(), f"exercises/{rel} missing: run `make exercises`"
        assert p.read_text(encoding="utf-8") == text, f"exercises/{rel} is stale: run `make exercises`"
    generated = {p.relative_to(EXERCISES).as_posix() for p in EXERCISES.rglob("*")
                 if p.is_file() and p.suffix in (".ipynb", ".py") and "__pycache__" not in p.parts
                 and ".ipynb_checkpoints" not in p.parts}
    assert generated == set(files), f"unexpected files in exercises/: {generated - set(files)}"


def test_check_fresh_command_detects_a_stale_notebook(tmp_path: Path) -> None:
    ok = subprocess.run([PY, "-m", "grading", "check-fresh"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_every_solution_carries_the_canary() -> None:
    for ex in load_all():
        text = ex.path.read_text(encoding="utf-8")
        blocks = text.count("# BEGIN SOLUTION")
        assert blocks > 0
        # the loader refuses a block without the canary; check the count independently too
        assert text.count(CANARY) >= blocks + 1, ex.name


def test_no_canary_solution_or_hidden_test_in_exercises() -> None:
    for p in EXERCISES.rglob("*"):
        if p.is_file() and "__pycache__" not in p.parts:
            text = p.read_text(encoding="utf-8", errors="replace")
            assert CANARY not in text, p
            assert "BEGIN SOLUTION" not in text and not re.search(r"(?<!\w)hidden\(", text), p
    for ex in load_all():
        nb = nbformat.read(EXERCISES / f"{ex.name}.ipynb", as_version=4)
        assert nb.metadata["grading"]["exercise"] == ex.name
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "YOUR CODE HERE" in code
        for q in ex.questions:
            assert f'check("{q}")' in code
        for c in nb.cells:
            assert not c.get("outputs"), "student notebooks are committed without outputs"


@pytest.mark.build
def test_built_site_has_no_canary_and_shows_student_exercises() -> None:
    site = Path(os.environ.get("BOOK_SITE", ROOT / "_build" / "html"))
    assert site.is_dir(), "build the site first (make book)"
    pages = [p for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".ipynb", ".txt", ".md", ".js")]
    for p in pages:
        assert CANARY not in p.read_text(encoding="utf-8", errors="replace"), p
    for ex in load_all():
        page = site / "exercises" / f"{ex.name}.html"
        assert page.is_file(), f"{page} missing: list exercises/{ex.name} in _toc.yml"
        assert "YOUR CODE HERE" in page.read_text(encoding="utf-8")


def test_instructor_notebooks_show_solutions_without_tests() -> None:
    for ex in load_all():
        nb = solution_notebook(ex)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "YOUR CODE HERE" not in code and "BEGIN SOLUTION" not in code
        assert not re.search(r"(?<!\w)hidden\(", code) and "@public" not in code


# ---------------------------------------------------------------------------------------------
# students: instant, specific, offline feedback


def _gd_wrong_from_step_2(w0, eta, n_steps):
    path = [np.array(w0, float), np.array([9.9, 2.5])]
    while len(path) < n_steps + 1:
        path.append(path[-1] + [-0.1, 0.0])
    return np.array(path)


def test_check_messages_say_what_is_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    check = Checker("narrow_valley", EXERCISES / "tests" / "narrow_valley.py")
    ok, msg = check._run("q1", {"gd_steps": _gd_wrong_from_step_2})
    assert not ok and msg == "step 2: expected w = (9.8, -5), got (9.8, 2.5)"
    ok, msg = check._run("q1", {})
    assert not ok and "not defined yet" in msg
    ok, msg = check._run("q2", {"eta_better": ...})
    assert not ok and "still `...`" in msg

    def boom(w0, eta, n):
        return 1 / 0

    ok, msg = check._run("q1", {"gd_steps": boom})
    assert not ok and "ZeroDivisionError" in msg and "return 1 / 0" in msg

    def in_place(w0, eta, n):
        w0 -= 1
        return w0

    ok, msg = check._run("q1", {"gd_steps": in_place})
    assert not ok and "in place" in msg


@pytest.mark.parametrize("name", sorted(REQUIRED_EXERCISES))
def test_student_notebook_runs_offline_in_a_kernel(name: str) -> None:
    """Each student notebook as distributed runs top to bottom in a real kernel (no network,
    no error) and every check line prints a ✘ line saying what is missing."""
    from nbclient import NotebookClient

    nb = nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4)
    env_backup = os.environ.pop("GRADING_RUN", None)
    try:
        NotebookClient(nb, timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": str(EXERCISES)}}).execute()
    finally:
        if env_backup is not None:
            os.environ["GRADING_RUN"] = env_backup
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    questions = next(ex for ex in load_all() if ex.name == name).questions
    for q in questions:
        assert f"{q} ✘" in text, (q, text)
    assert "Total: 0/" in text


# ---------------------------------------------------------------------------------------------
# instructors: the grading matrix


def test_matrix_is_current() -> None:
    for rel, text in make_matrix.build().items():
        p = make_matrix.MATRIX / rel
        assert p.is_file() and p.read_text(encoding="utf-8") == text, \
            f"{p} is stale: run python tests/fixtures/grading/make_matrix.py"


def _worker_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if "grading.worker" in ln or "sleep 317" in ln]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("graded")
    tmp_root = Path(tempfile.gettempdir())
    before = {p.name for p in tmp_root.glob("grading-*")}
    limits = Limits(step_timeout=5, total_timeout=60, memory_bytes=768 * 1024**2)
    results = grade_folder(make_matrix.MATRIX, out, workers=2, limits=limits)
    after = {p.name for p in tmp_root.glob("grading-*")}
    return out, results, after - before


def test_matrix_scores(matrix) -> None:
    out, results, _ = matrix
    expected = json.loads((make_matrix.MATRIX / "expected.json").read_text(encoding="utf-8"))
    with open(out / "scores.csv", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(expected)
    for case, exp in expected.items():
        got = {q: float(rows[case][f"narrow_valley:{q}"]) for q in exp["scores"]}
        assert got == pytest.approx(exp["scores"]), (case, got, exp["scores"])
        assert float(rows[case]["total"]) == pytest.approx(sum(exp["scores"].values()))


def test_matrix_feedback(matrix) -> None:
    out, _, _ = matrix
    expected = json.loads((make_matrix.MATRIX / "expected.json").read_text(encoding="utf-8"))
    for case, exp in expected.items():
        text = (out / "feedback" / f"{case}.txt").read_text(encoding="utf-8")
        for line in exp["feedback"]:
            assert line in text, f"{case}: {line!r} not in feedback:\n{text}"


def test_matrix_leaves_no_process_and_no_file(matrix) -> None:
    _, _, new_tmp = matrix
    assert not _worker_processes()
    assert not new_tmp, f"temporary folders left behind: {new_tmp}"


def test_interrupted_grading_leaves_no_worker(tmp_path: Path) -> None:
    """Ctrl-C in the middle of `make grade`: every worker's process group is killed."""
    import signal
    import time

    tmp_root = Path(tempfile.gettempdir())
    before = {p.name for p in tmp_root.glob("grading-*")}
    proc = subprocess.Popen([PY, "-m", "grading", "grade", str(make_matrix.MATRIX), "--out", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _worker_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    time.sleep(0.5)
    assert not _worker_processes()
    assert not ({p.name for p in tmp_root.glob("grading-*")} - before)


def test_hidden_values_never_touch_the_submission_process_disk(tmp_path: Path) -> None:
    """The job (with the hidden inputs) goes through a pipe; the temp folder is gone after."""
    seen: list[str] = []
    cells = ["import os, json\nseen = sorted(os.listdir('..'))"]
    probes = {"q": [{"kind": "expr", "target": "seen", "args": [], "kwargs": {}, "arrays": False,
                     "check_inputs": False}]}
    out = run_submission(cells, probes, Limits(step_timeout=20))
    seen = [d["v"] for d in out.results["q"][0]["ok"]["v"]]
    assert seen == ["ipython", "results", "status.jsonl", "work"]  # no job file


# ---------------------------------------------------------------------------------------------
# the reference solutions and the Gradescope archive


def test_every_solution_gets_full_marks_and_every_student_notebook_zero() -> None:
    r = subprocess.run([PY, "-m", "grading", "verify"], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


def test_gradescope_archive_grades_a_submission(tmp_path: Path) -> None:
    z = tmp_path / "autograder.zip"
    subprocess.run([PY, "-m", "grading", "autograder", "--out", str(z)], cwd=ROOT, check=True)
    src = tmp_path / "gs" / "source"
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        zf.extractall(src)
    assert {"setup.sh", "run_autograder", "requirements.txt", "grading/runner.py",
            "solutions/narrow_valley.md"} <= set(names)
    sub = tmp_path / "gs" / "submission"
    sub.mkdir()
    (sub / "hw.ipynb").write_bytes((make_matrix.MATRIX / "partial" / "narrow_valley.ipynb").read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([PY, "-m", "grading", "gradescope", "--root", str(tmp_path / "gs")], cwd=src,
                   check=True, env=env, timeout=300)
    res = json.loads((tmp_path / "gs" / "results" / "results.json").read_text(encoding="utf-8"))
    assert res["score"] == pytest.approx(4.0)
    assert {t["name"] for t in res["tests"]} == {f"narrow_valley q{i}" for i in range(1, 6)}


# ---------------------------------------------------------------------------------------------
# the reference values against independent references


def _refs(name: str) -> dict:
    from grading.grade import reference_values
    from grading.source import load

    return reference_values(load(SOLUTIONS / f"{name}.md"))


def test_hessian_references_match_autograd() -> None:
    import torch

    fns = {
        "x^2+3y^2": lambda v: v[0] ** 2 + 3 * v[1] ** 2,
        "-x^2+3y^2": lambda v: -v[0] ** 2 + 3 * v[1] ** 2,
        "x^2+y^4": lambda v: v[0] ** 2 + v[1] ** 4,
        "x^2-y^4": lambda v: v[0] ** 2 - v[1] ** 4,
        "-x^4-y^4": lambda v: -v[0] ** 4 - v[1] ** 4,
        "x^3-3xy^2": lambda v: v[0] ** 3 - 3 * v[0] * v[1] ** 2,
    }
    refs = _refs("hessian_critical_points")
    assert len(refs["q1"]) == len(fns)  # one probe per function, in this order
    for ref, f in zip(refs["q1"], fns.values()):
        H = torch.autograd.functional.hessian(f, torch.zeros(2, dtype=torch.float64)).numpy()
        np.testing.assert_allclose(ref, H, atol=1e-12)
    L2 = lambda w: (1 - w[0] * w[1]) ** 2  # noqa: E731
    L3 = lambda w: (1 - w[0] * w[1] * w[2]) ** 2  # noqa: E731
    types = []
    for f, w in ((L2, [0.0, 0.0]), (L3, [0.0, 0.0, 0.0]), (L3, [0.0, 0.0, 1.0])):
        lam = np.linalg.eigvalsh(torch.autograd.functional.hessian(f, torch.tensor(w, dtype=torch.float64)).numpy())
        types.append("saddle" if lam.max() > 1e-9 and lam.min() < -1e-9 else "degenerate")
    assert refs["q4"] == types == ["saddle", "degenerate", "saddle"]


def test_region_references_match_an_independent_count() -> None:
    from lecture_code.core.regions import count_regions

    from grading.source import load

    ex = load(SOLUTIONS / "regions_nfl.md")
    refs = _refs("regions_nfl")
    q2 = next(q for q in ex.hidden if q.name == "q2")
    for probe, ref in zip(q2.probes, refs["q2"]):
        lines = np.array(probe.args[0])
        assert ref == count_regions(lines[:, :2], lines[:, 2], 2), probe.args[0]
    # No Free Lunch: every learner averages exactly 1/2 over all targets
    for acc in refs["q3"]:
        assert np.mean(acc) == pytest.approx(0.5)


def test_adam_variants_are_caught_by_the_torch_reference(tmp_path: Path) -> None:
    """Adam without bias correction, or with delta inside the square root, loses points."""
    from grading.grade import grade_notebook
    from grading.source import load

    ex = load(SOLUTIONS / "adam.md")
    refs = {"adam": _refs("adam")}
    sol = nbformat.writes(solution_notebook(ex))
    variants = {
        "no_correction": sol.replace("s / (1 - rho1**t)", "s").replace("r / (1 - rho2**t)", "r"),
        "delta_inside": sol.replace("(np.sqrt(r_hat) + delta)", "np.sqrt(r_hat + delta)"),
    }
    for name, text in variants.items():
        assert text != sol
        p = tmp_path / f"{name}.ipynb"
        p.write_text(text, encoding="utf-8")
        r = grade_notebook(p, name, {"adam": ex}, refs, Limits(step_timeout=30))
        assert r.scores["q1"].points < r.scores["q1"].max_points, name
        assert r.scores["q2"].points < r.scores["q2"].max_points, name
        assert "torch.optim.Adam" in r.scores["q2"].message
        assert r.scores["q3"].points == r.scores["q3"].max_points
