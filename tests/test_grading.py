"""Graded exercises: generation, student checks, the robust grader and its test matrix."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading import CANARY
from grading.grade import grade_folder
from grading.runner import Limits, run_submission
from grading.source import CHECKS, EXERCISES, ROOT, SOLUTIONS, load_all, render_all, solution_notebook
from lecture_code.student import Checker

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
import make_matrix  # noqa: E402
from helpers import sandbox_processes, temp_folders  # noqa: E402

PY = sys.executable
REQUIRED_EXERCISES = {"narrow_valley", "signal_to_noise", "weight_space_symmetries",
                      "hessian_critical_points", "adam", "step_size_clipping", "regions_nfl",
                      "batchnorm_landscape"}


# ---------------------------------------------------------------------------------------------
# authoring and generation


def test_every_chapter_topic_has_an_exercise() -> None:
    names = {p.stem for p in SOLUTIONS.glob("*.md")}
    assert REQUIRED_EXERCISES <= names


def test_exercises_are_up_to_date_with_solutions() -> None:
    files = render_all()
    for rel, text in files.items():
        p = ROOT / rel
        assert p.is_file(), f"{rel} missing: run `make exercises`"
        assert p.read_text(encoding="utf-8") == text, f"{rel} is stale: run `make exercises`"
    generated = {p.relative_to(ROOT).as_posix() for folder in (EXERCISES, CHECKS) for p in folder.rglob("*")
                 if p.is_file() and p.suffix in (".ipynb", ".py") and "__pycache__" not in p.parts
                 and ".ipynb_checkpoints" not in p.parts and p.name != "__init__.py"}
    assert generated == set(files), f"unexpected files: {generated - set(files)}"


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
    for p in list(EXERCISES.rglob("*")) + list((ROOT / "lecture_code").rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            text = p.read_text(encoding="utf-8", errors="replace")
            assert CANARY not in text, p
            assert "BEGIN SOLUTION" not in text and not re.search(r"(?<!\w)hidden\(\"q", text), p
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
    check = Checker("narrow_valley")  # the public checks shipped in the package
    ok, msg = check._run("q1", {"gd_steps": _gd_wrong_from_step_2})
    assert not ok and msg == "step 2: expected w = (9.8, -5), got (9.8, 2.5)"
    ok, msg = check._run("q1", {})
    assert not ok and "not defined yet" in msg
    ok, msg = check._run("q2", {"eta_better": ...})
    assert not ok and "still `...`" in msg

    def gd_steps(w0, eta, n_steps):
        ...  # YOUR CODE HERE

    ok, msg = check._run("q1", {"gd_steps": gd_steps})  # the unanswered question names the function
    assert not ok and msg.startswith("`gd_steps` is not written yet") and "def gd_steps(...)" in msg

    def half_written(w0, eta, n_steps):
        path = [w0]
        ...

    ok, msg = check._run("q1", {"gd_steps": half_written})  # a started function is judged on its result
    assert not ok and "did the function `return`" in msg
    with pytest.raises(ValueError, match="known exercises: adam"):
        Checker("no_such_exercise")
    with pytest.raises(ValueError, match="exercise must be"):
        Checker("../../solutions/narrow_valley")

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
def test_student_notebook_runs_offline_in_a_kernel(name: str, tmp_path: Path) -> None:
    """Each student notebook as distributed runs top to bottom in a real kernel from a folder of
    its own (no network, no error) and every check line prints a ✘ line saying what is missing."""
    from nbclient import NotebookClient

    nb = nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4)
    env_backup = os.environ.pop("GRADING_RUN", None)
    try:
        NotebookClient(nb, timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
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


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The ordinary matrix and the hostile class, written from the current student notebook."""
    return make_matrix.write(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, generated):
    out = tmp_path_factory.mktemp("graded")
    before = {p for p in temp_folders(os.getpid()) if "grading-run-" in p.name}
    limits = Limits(step_timeout=10, total_timeout=60, memory_bytes=2 * 1024**3)
    results = grade_folder(generated[0], out, workers=2, limits=limits, sandbox="bwrap")
    after = {p for p in temp_folders(os.getpid()) if "grading-run-" in p.name}
    return out, results, after - before, generated[0]


def test_matrix_scores(matrix) -> None:
    out, results, _, folder = matrix
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    with open(out / "scores.csv", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert set(rows) == set(expected)
    for case, exp in expected.items():
        got = {q: float(rows[case][f"narrow_valley:{q}"]) for q in exp["scores"]}
        assert got == pytest.approx(exp["scores"]), (case, got, exp["scores"])
        assert float(rows[case]["total"]) == pytest.approx(sum(exp["scores"].values()))


def test_matrix_feedback(matrix) -> None:
    out, _, _, folder = matrix
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    for case, exp in expected.items():
        text = (out / "feedback" / f"{case}.txt").read_text(encoding="utf-8")
        for line in exp["feedback"]:
            assert line in text, f"{case}: {line!r} not in feedback:\n{text}"


def test_matrix_leaves_no_process_and_no_file(matrix) -> None:
    _, _, new_tmp, _ = matrix
    assert not sandbox_processes(os.getpid())
    assert not new_tmp, f"temporary folders left behind: {new_tmp}"


def test_interrupted_grading_leaves_no_worker(tmp_path: Path, generated) -> None:
    """Ctrl-C in the middle of `make grade`: every worker's process group is killed."""
    import signal
    import time

    proc = subprocess.Popen([PY, "-m", "grading", "grade", str(generated[0]), "--out", str(tmp_path),
                             "--sandbox", "bwrap"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # the first grader of a machine builds the presented environment
    while not any("worker.py" in p for p in sandbox_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sandbox_processes(proc.pid), "no worker started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    time.sleep(0.5)
    assert not sandbox_processes(proc.pid)
    assert not temp_folders(proc.pid)


def test_the_sandbox_sees_only_its_own_folder() -> None:
    """What a submission's process sees: an empty read-only root with the Python environment,
    the shipped package and the worker, and a private home holding its copy of the notebook."""
    cells = ["import os, sys\n"
             "top = sorted(os.listdir('/'))\n"
             "home = sorted(os.listdir('.'))\n"
             "opt = sorted(os.listdir('/opt'))\n"
             "grader = sorted(os.listdir('/opt/grader'))\n"
             "lib = sorted(os.listdir('/opt/lib'))\n"
             "procs = sorted(p for p in os.listdir('/proc') if p.isdigit())\n"
             "ids = [os.getuid(), os.getgid(), os.getpid(), os.getppid()]\n"
             "env = sorted(os.environ)\n"
             "nb = open('narrow_valley.ipynb').read()\n"]
    names = ["top", "home", "opt", "grader", "lib", "procs", "ids", "env", "nb"]
    probes = {n: [{"kind": "expr", "target": n, "args": [], "kwargs": {}, "arrays": False,
                   "check_inputs": False}] for n in names}
    out = run_submission(cells, probes, Limits(step_timeout=30), sandbox="bwrap",
                         notebook=b'{"cells": [], "note": "my copy"}', notebook_name="narrow_valley.ipynb")
    from grading.compare import decode

    got = {n: decode(out.results[n][0]["ok"]) for n in names}
    assert set(got["top"]) <= {"bin", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "opt",
                               "proc", "root", "sbin", "tmp", "usr"}, got["top"]
    assert [h for h in got["home"] if h != ".ipython"] == ["narrow_valley.ipynb"] and "my copy" in got["nb"]
    from grading.environment import base_is_staged

    assert got["opt"] == ["grader", "lib", *(["python"] if base_is_staged() else []), "venv"]
    assert got["grader"] == ["worker.py"]
    assert got["lib"] == ["lecture_code"]
    assert [int(x) for x in got["procs"]] == [1, 2]  # bwrap's init and the worker: no host process
    assert list(got["ids"][:2]) == [1000, 1000] and got["ids"][2] == 2
    assert set(got["env"]) <= {"PATH", "HOME", "TMPDIR", "USER", "LOGNAME", "LANG", "PYTHONPATH",
                               "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "PYTHONNOUSERSITE",
                               "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND",
                               "MPLCONFIGDIR", "IPYTHONDIR", "GRADING_RUN", "PYDEVD_DISABLE_FILE_VALIDATION",
                               "PWD", "LC_CTYPE", "PLOTLY_RENDERER", "SHLVL", "_", "LD_LIBRARY_PATH"}, got["env"]


# ---------------------------------------------------------------------------------------------
# the reference solutions and the Gradescope archive


def test_every_solution_gets_full_marks_and_every_student_notebook_zero() -> None:
    r = subprocess.run([PY, "-m", "grading", "verify"], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


# ---------------------------------------------------------------------------------------------
# the reference values against independent references


def _refs(name: str) -> dict:
    from grading.judge import reference_values
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
    from grading.judge import grade_notebook
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
        # its hidden cases say only the kind of mistake (an exercise's own check text may echo the value)
        msg = r.scores["q2"].message
        assert "case 1 `adam_minimize(" in msg and "torch.optim.Adam" in msg or \
            msg.endswith("wrong answer (a hidden case's feedback names no value, type or exception)"), msg
        assert r.scores["q3"].points == r.scores["q3"].max_points


def test_a_hidden_case_feedback_carries_nothing_the_submission_chose() -> None:
    """Hidden inputs cannot leave through the feedback (red team F4, F4b, saddle_escape q6): a
    notebook that encodes a hidden input in a returned value, in the text an exercise's own check
    echoes, in the class or message of an exception, or in which argument it changes in place gets
    the same feedback as one that just fails. Over every hidden question of every exercise (the
    checks of solutions/*.md, which may print the value) and a check written to echo it."""
    from grading.judge import judge
    from grading.spec import Call, Expr, HiddenQuestion
    from grading.worker import serialize

    echo = HiddenQuestion("q9", 2.0, [Call("f", 1, show=True), Call("f", 2), Expr("x")],
                          check=lambda got, ref, p: None if got == ref else f"must be positive, got {got!r}")
    leaks = [-0.1300220005, -0.2999999, "w0=3,-2 eta=0.05", [3.0, -2.0, 0.05], {"a": 1.0}, None, True, 1e300]
    errors = [(f"{c}: 3,-2,0.05", c) for c in ("ZeroDivisionError", "ValueError", "KeyError", "OSError")]
    for q in [echo] + [h for ex in load_all() for h in ex.hidden]:
        for k, p in enumerate(q.probes):
            if p.show:
                continue
            refs = [12345.678] * len(q.probes)
            base = [{"error": "shown", "etype": "RuntimeError"} if pp.show else {"ok": serialize(12345.678)}
                    for pp in q.probes]  # the shown cases fail the same way in every variant
            def text(rec: dict) -> str | None:
                """The feedback when hidden case k fails (None when this value passes it: the
                score itself is the one thing a submission chooses)."""
                recs = list(base)
                recs[k] = rec
                s = judge(q, recs, refs, None)
                return s.message if s.hidden[0] == others else None
            others = judge(q, base[:k] + [{"missing": True}] + base[k + 1:], refs, None).hidden[0]
            wrong = {text({"ok": serialize(v)}) for v in leaks}
            wrong |= {text({"ok": serialize(12345.678), "mutated": m}) for m in ([0], [1], ["eta"])}
            wrong -= {None}
            assert len(wrong) == 1, (q.name, k, wrong)
            raised = {text({"error": m, "etype": c}) for m, c in errors}
            assert len(raised) == 1, (q.name, k, raised)
            assert not any("3,-2" in t or "0.13" in t or "Error" in t for t in wrong | raised), (wrong, raised)


def test_an_answer_that_calls_the_course_library_is_flagged() -> None:
    """Red team A3: the shipped library computes some graded answers (regions_nfl q1/q2,
    weight_space_symmetries q2/q4, saddle_escape q4). Each such question names the function
    (``forbids``); an answer using it is flagged, the reference solutions are not."""
    from grading.judge import forbidden_calls, solution_cells
    from grading.submissions import NotebookCode

    exercises = {ex.name: ex for ex in load_all()}
    forbidden = {(ex, q.name): q.forbids for ex, e in exercises.items() for q in e.hidden if q.forbids}
    assert forbidden == {("regions_nfl", "q1"): ("max_regions",), ("regions_nfl", "q2"): ("count_regions",),
                         ("weight_space_symmetries", "q2"): ("n_permutation_minima",),
                         ("weight_space_symmetries", "q4"): ("first_order_saddle_lines",),
                         ("saddle_escape", "q4"): ("uniform_ball",)}
    for name, ex in exercises.items():
        assert forbidden_calls(NotebookCode(solution_cells(ex)), ex) == [], name
    lib = ["import numpy as np",
           "def uniform_ball(n, d, radius, seed):\n    from lecture_code.core.escape import uniform_ball as ub\n"
           "    return ub(n, d, radius, np.random.default_rng(seed))"]
    notes = forbidden_calls(NotebookCode(lib), exercises["saddle_escape"])
    assert notes and notes[0].startswith("q4: FLAGGED: the answer uses `uniform_ball`"), notes
