"""Grading speed: per-submission time and a folder of 50 submissions with 2 workers.

The folder cycles through the seven exercises, alternating the reference solution (full marks)
and the unanswered student notebook, so it mixes fast failures with complete runs; the
pathological test matrix (infinite loops, killed kernels, memory bombs) is timed separately.
Runnable as a script: ``python benchmarks/bench_grading.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _folder(tmp: Path, n: int = 50) -> Path:
    import nbformat

    from grading.source import load_all, solution_notebook, student_notebook

    exercises = load_all()
    sub = tmp / "submissions"
    sub.mkdir()
    for i in range(n):
        ex = exercises[i % len(exercises)]
        nb = solution_notebook(ex) if (i // len(exercises)) % 2 == 0 else student_notebook(ex)
        (sub / f"student{i:02d}").mkdir()
        (sub / f"student{i:02d}" / f"{ex.name}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
    return sub


def run() -> list[dict]:
    from grading.grade import grade_folder
    from grading.runner import Limits

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sub = _folder(Path(tmp))
        t0 = time.perf_counter()
        results = grade_folder(sub, Path(tmp) / "out", workers=2)
        wall = time.perf_counter() - t0
        times = [r.seconds for rs in results.values() for r in rs]
        rows.append(dict(name="grading time per submission (median)", value=round(statistics.median(times), 2),
                         unit="s", target="< 5", note=f"max {max(times):.2f} s over {len(times)} notebooks"))
        rows.append(dict(name="50 submissions, 2 workers (wall, incl. 7 reference runs)", value=round(wall, 1),
                         unit="s", target="< 125", note="7 exercises; half solutions, half unanswered"))
        matrix = ROOT / "tests" / "fixtures" / "grading" / "narrow_valley"
        t0 = time.perf_counter()
        grade_folder(matrix, Path(tmp) / "out2", workers=2, limits=Limits())
        rows.append(dict(name="17-case pathological matrix, 2 workers (wall)",
                         value=round(time.perf_counter() - t0, 1), unit="s", target="< 60",
                         note="default limits: 10 s per step, 4 GB, includes 2 timeouts"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) {row.get('note', '')}")
