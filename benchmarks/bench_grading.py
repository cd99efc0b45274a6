"""Grading speed, every submission in its bubblewrap sandbox (as ``make grade`` runs it).

- median grading time per sandboxed submission (target <= 1 s on 2 cores), over a folder of 200
  submissions graded with 2 workers (target <= 3 min): the seven exercises in turn, alternating
  the reference solution (full marks) and the unanswered student notebook;
- the sandbox's own overhead: the same notebook graded in the sandbox and without it
  (``GRADE_SANDBOX=none``), and ``bwrap`` starting ``/bin/true``;
- where the time of one submission goes: ``import lecture_code.student`` inside the sandbox;
- the hostile class (written from ``tests/fixtures/grading/hostile.py``) with 2 workers;
- the similarity report for 200 submissions (every question of every exercise compared pairwise),
  from the answers of the 200-submission folder with each answer varied per student.

The machine is shared (other jobs run while this measures): timings are noisy, see RESULTS.md.
Runnable as a script: ``python benchmarks/bench_grading.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _folder(tmp: Path, n: int) -> Path:
    import nbformat

    from grading.source import load_all, solution_notebook, student_notebook

    exercises = load_all()
    sub = tmp / f"submissions-{n}"
    sub.mkdir()
    for i in range(n):
        ex = exercises[i % len(exercises)]
        nb = solution_notebook(ex) if (i // len(exercises)) % 2 == 0 else student_notebook(ex)
        (sub / f"student{i:03d}").mkdir()
        (sub / f"student{i:03d}" / f"{ex.name}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    return sub


def _one(mode: str, tmp: Path, reps: int = 5) -> float:
    """Median seconds to grade the narrow_valley reference solution alone, ``reps`` times."""
    import nbformat

    from grading.judge import grade_notebook, reference_values
    from grading.runner import default_sandbox
    from grading.source import ROOT as R, load, solution_notebook

    ex = load(R / "solutions" / "narrow_valley.md")
    sb = default_sandbox(mode)
    refs = {ex.name: reference_values(ex, sandbox=sb)}
    p = tmp / f"one-{mode}.ipynb"
    p.write_text(nbformat.writes(solution_notebook(ex)), encoding="utf-8")
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        r = grade_notebook(p, "x", {ex.name: ex}, refs, sandbox=sb)
        times.append(time.perf_counter() - t0)
        assert r.total == 8, r.scores
    return statistics.median(times)


def _bwrap_true() -> float:
    from grading.sandbox import bwrap_path

    bw = bwrap_path()
    args = [bw, "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--proc", "/proc", "--dev", "/dev", "/bin/true"]
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        subprocess.run(args, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _import_cost() -> float:
    from grading.compare import decode
    from grading.runner import Limits, run_submission

    cells = ["import time\nt0 = time.perf_counter()\nimport lecture_code.student\ndt = time.perf_counter() - t0\n"]
    probes = {"q": [{"kind": "expr", "target": "dt", "args": [], "kwargs": {}, "arrays": False,
                     "check_inputs": False}]}
    vals = []
    for _ in range(3):
        out = run_submission(cells, probes, Limits(step_timeout=60), sandbox="bwrap")
        vals.append(decode(out.results["q"][0]["ok"]))
    return statistics.median(vals)


def _expr(rng, depth: int = 0) -> str:
    if depth > 2 or rng.random() < 0.3:
        return rng.choice(["x", "tmp", "acc", "1", "2.5", "k"])
    if rng.random() < 0.3:
        return f"f({', '.join(_expr(rng, depth + 1) for _ in range(rng.randint(1, 3)))})"
    return f"({_expr(rng, depth + 1)} {rng.choice('+-*/')} {_expr(rng, depth + 1)})"


def _vary(code: str, rng) -> str:
    """A student's own version of an answer: after most lines, a statement of their own whose
    shape is random (so that unrelated students differ after normalization as real ones do)."""
    out = []
    for line in code.splitlines():
        out.append(line)
        if rng.random() < 0.7 and line.strip() and not line.rstrip().endswith((":", ",", "(", "[", "\\")):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}tmp = {_expr(rng)}")
    return "\n".join(out)


def _similarity(n: int = 200) -> tuple[float, int]:
    """Seconds for the similarity report over ``n`` students answering every exercise, and pairs found.

    Each student's answers are the reference solution's, each varied in the student's own way
    (:func:`_vary`); every tenth student hands in the previous student's notebook."""
    import random

    from grading.similarity import answers, similar_pairs
    from grading.source import load_all, solution_notebook

    exercises = {ex.name: ex for ex in load_all()}
    base = {name: answers([c.source for c in solution_notebook(ex).cells if c.cell_type == "code"], ex)
            for name, ex in exercises.items()}
    rng = random.Random(0)
    by_student: dict = {}
    for i in range(n):
        if i % 10 == 9:
            by_student[f"s{i:03d}"] = by_student[f"s{i - 1:03d}"]
        else:
            by_student[f"s{i:03d}"] = {name: {q: _vary(code, rng) for q, code in qs.items()}
                                       for name, qs in base.items()}
    t0 = time.perf_counter()
    pairs = similar_pairs(by_student, exercises)
    return time.perf_counter() - t0, len(pairs)


def run() -> list[dict]:
    from grading.grade import grade_folder

    rows = []
    load = open("/proc/loadavg").read().split()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sub = _folder(tmp, 200)
        t0 = time.perf_counter()
        results = grade_folder(sub, tmp / "out", workers=2, sandbox="bwrap")
        wall = time.perf_counter() - t0
        times = [r.seconds for rs in results.values() for r in rs]
        rows.append(dict(name="grading time per sandboxed submission (median)",
                         value=round(statistics.median(times), 2), unit="s", target="<= 1",
                         note=f"max {max(times):.2f} s over {len(times)} notebooks; load average {load} "
                              "when it started (shared machine)"))
        rows.append(dict(name="200 submissions, 2 workers, sandboxed (wall, incl. 7 reference runs)",
                         value=round(wall, 1), unit="s", target="<= 180",
                         note="7 exercises; half solutions, half unanswered"))
        boxed, bare = _one("bwrap", tmp), _one("none", tmp)
        rows.append(dict(name="one submission (narrow_valley solution), sandboxed (median of 5)",
                         value=round(boxed, 2), unit="s", target="", note=""))
        rows.append(dict(name="the same without the sandbox (GRADE_SANDBOX=none)", value=round(bare, 2),
                         unit="s", target="", note=f"sandbox overhead {boxed - bare:+.2f} s per submission"))
        rows.append(dict(name="bwrap starting /bin/true (median of 20)", value=round(_bwrap_true() * 1000, 1),
                         unit="ms", target="", note="namespaces + mounts alone"))
        rows.append(dict(name="`import lecture_code.student` inside the sandbox (median of 3)",
                         value=round(_import_cost(), 2), unit="s", target="",
                         note="the exercises' first cell; 3.5 s while the package's __init__ imported "
                              "core.plotting (plotly -> nbformat -> jsonschema builds an rfc3987 grammar)"))
        sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
        import make_matrix

        _, hostile = make_matrix.write(tmp / "matrix")
        t0 = time.perf_counter()
        grade_folder(hostile, tmp / "out-hostile", workers=2, sandbox="bwrap")
        n = sum(1 for p in hostile.iterdir() if p.is_dir())
        rows.append(dict(name=f"hostile class ({n} attackers), 2 workers, sandboxed (wall)",
                         value=round(time.perf_counter() - t0, 1), unit="s", target="",
                         note="includes threads burning CPU and infinite loops stopped by the step limit"))
        seconds, found = _similarity(200)
        rows.append(dict(name="similarity report, 200 submissions, every question of every exercise",
                         value=round(seconds, 2), unit="s", target="",
                         note=f"{found} (student, question) pairs flagged; every tenth student copies the previous one "
                              "(20 pairs x each answered question); never changes a grade"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) {row.get('note', '')}")
