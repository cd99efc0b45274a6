"""Gradescope autograder archive that runs this package's grader (not otter's in-kernel tests).

``python -m grading autograder`` writes ``_build/grading/autograder.zip`` (stable name, not
committed: it holds the hidden checks). Upload it as a "Zip file upload" autograder; Gradescope
unpacks it into ``/autograder/source``, runs ``setup.sh`` once when building the image and
``run_autograder`` per submission. ``run_autograder`` grades every notebook in
``/autograder/submission`` with the same runner as ``make grade`` and writes
``/autograder/results/results.json`` (one test per question, with the feedback line).

Gradescope's container cannot run bubblewrap, so the archive grades with ``GRADE_SANDBOX=user``
(see :mod:`grading.sandbox`): ``run_autograder`` runs as root, makes the grader's folders
(``grading/``, ``solutions/``: hidden checks and references) and the submission readable by root
only, and the worker runs as a dedicated unprivileged uid with the same limits and the same
plain-values protocol. It sees the Python environment and the shipped student package, not the
hidden checks; what it could still reach (the network, world-readable system files) is the
container's, which holds this one submission only.
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
# Runs as root. The worker runs as a dedicated unprivileged uid (GRADE_SANDBOX=user), which
# cannot read the hidden checks: grading/ and solutions/ are made readable by root only.
set -uo pipefail
cd /autograder/source
chmod -R go-rwx /autograder/source/grading /autograder/source/solutions /autograder/submission
PY=/autograder/venv/bin/python
[ -x "$PY" ] || PY=python3
GRADE_SANDBOX=user "$PY" -m grading gradescope --root /autograder
"""

REQUIREMENTS = """numpy==2.4.*
scipy
torch==2.13.0
plotly
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
        for folder, pattern in (("grading", "*.py"), ("solutions", "*.md"), ("lecture_code", "*.py")):
            for p in sorted((ROOT / folder).rglob(pattern)):
                if "__pycache__" in p.parts:
                    continue
                rel = p.relative_to(ROOT).as_posix()
                info = zipfile.ZipInfo(rel, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o100644) << 16
                z.writestr(info, p.read_bytes())
    tmp.replace(out)
    return out


def _root_only(*paths: Path) -> None:
    """chmod go-rwx, recursively (the grader's own folders: hidden checks, references)."""
    import os
    import stat

    for top in paths:
        if not top.exists() or top.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            for name in [*dirnames, *filenames]:
                p = os.path.join(dirpath, name)
                if not os.path.islink(p):
                    os.chmod(p, stat.S_IMODE(os.lstat(p).st_mode) & ~0o077)
        os.chmod(top, stat.S_IMODE(os.lstat(top).st_mode) & ~0o077)


def run_in_gradescope(root: Path, sandbox: str | None = None) -> int:
    """Grade ``root/submission`` into ``root/results/results.json`` (Gradescope's contract)."""
    import os

    from grading.grade import grade_folder
    from grading.runner import default_sandbox

    root = Path(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    mode = sandbox or os.environ.get("GRADE_SANDBOX") or "user"
    if mode == "user" and os.geteuid() == 0:
        _root_only(ROOT / "grading", ROOT / "solutions", root / "submission")
    out = Path(tempfile.mkdtemp(prefix="grading-gs-"))
    try:
        run = grade_folder(root / "submission", out, workers=1, sandbox=default_sandbox(mode))
        tests, notes, total = [], [], 0.0
        for results in run.values():
            for r in results:
                if not r.counted:
                    notes.append(f"{r.rel}: another attempt at {r.exercise} counts")
                    continue
                for q, s in r.scores.items():
                    tests.append({"name": f"{r.exercise} {q}", "score": s.points,
                                  "max_score": s.max_points, "output": s.message})
                    total += s.points
                notes.extend(f"{r.rel}: {n}" for n in r.notes)
        for whys in run.skipped.values():
            notes.extend(whys)
        if not tests:
            notes.append("no gradable notebook found in the submission")
        data = {"score": round(total, 4), "tests": tests, "output": "\n".join(notes),
                "visibility": "visible"}
        (results_dir / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0
