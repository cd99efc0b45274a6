"""Gradescope autograder archive that runs this package's grader (not otter's in-kernel tests).

``python -m grading autograder`` writes ``_build/grading/autograder.zip`` (stable name, not
committed: it holds the hidden checks). Upload it as a "Zip file upload" autograder; Gradescope
unpacks it into ``/autograder/source``, runs ``setup.sh`` once when building the image and
``run_autograder`` per submission. ``run_autograder`` grades every notebook in
``/autograder/submission`` with the same sandboxed runner as ``make grade`` and writes
``/autograder/results/results.json`` (one test per question, with the feedback line).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from grading.source import ROOT

SETUP_SH = """#!/usr/bin/env bash
# Gradescope image set-up (Ubuntu + python3). CPU-only torch, pinned like the course's venv.
set -euo pipefail
apt-get update -qq && apt-get install -y -qq python3-pip python3-venv >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet -r /autograder/source/requirements.txt \\
    --extra-index-url https://download.pytorch.org/whl/cpu
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
set -uo pipefail
cd /autograder/source
PY=/autograder/venv/bin/python
[ -x "$PY" ] || PY=python3
"$PY" -m grading gradescope --root /autograder
"""

REQUIREMENTS = """numpy==2.4.*
scipy
torch==2.13.0
ipython
nbformat
jupytext
"""


def build_zip(out: Path) -> Path:
    """Write the autograder archive (package, exercise sources, set-up scripts)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text, mode in (("setup.sh", SETUP_SH, 0o755), ("run_autograder", RUN_AUTOGRADER, 0o755),
                                 ("requirements.txt", REQUIREMENTS, 0o644)):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, text)
        for folder, pattern in (("grading", "*.py"), ("solutions", "*.md")):
            for p in sorted((ROOT / folder).rglob(pattern)):
                if "__pycache__" in p.parts:
                    continue
                rel = p.relative_to(ROOT).as_posix()
                info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o100644) << 16
                z.writestr(info, p.read_bytes())
    tmp.replace(out)
    return out


def run_in_gradescope(root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json`` (Gradescope's contract)."""
    from grading.grade import grade_folder

    root = Path(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="grading-gs-"))
    try:
        by_student = grade_folder(root / "submission", out, workers=1)
        tests, notes, total = [], [], 0.0
        for results in by_student.values():
            for r in results:
                for q, s in r.scores.items():
                    tests.append({"name": f"{r.exercise} {q}", "score": s.points,
                                  "max_score": s.max_points, "output": s.message})
                    total += s.points
                notes.extend(f"{r.path.name}: {n}" for n in r.notes)
        if not tests:
            notes.append("no gradable notebook found in the submission")
        data = {"score": round(total, 4), "tests": tests, "output": "\n".join(notes),
                "visibility": "visible"}
        (results_dir / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0
