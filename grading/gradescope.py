"""Gradescope autograder archive that runs this package's grader (not otter's in-kernel tests).

``python -m grading autograder`` writes ``_build/grading/autograder.zip`` (stable name, not
committed: it holds the hidden checks). Upload it as a "Zip file upload" autograder; Gradescope
unpacks it into ``/autograder/source``, runs ``setup.sh`` once when building the image and
``run_autograder`` per submission. ``run_autograder`` grades ``/autograder/submission`` as ONE
student's submission with the same rules as ``make grade`` (per exercise, the latest attempt
counts; the same sandbox limits and seccomp filter) and writes ``/autograder/results/results.json``:
per question a test for its public (shown) cases, always ``visible``, and one for its hidden cases,
with the visibility chosen when the archive is built (``--hidden-visibility``, default
``after_published``). Every text in it is built by the grader; file names are quoted and control
characters escaped, so no name can forge a line.

**Base image**: the archive's pins need Python >= 3.11. Choose Gradescope's Ubuntu 22.04 (or
newer) base image; ``setup.sh`` uses ``python3.12``/``python3.11`` when present, installs
``python3.11`` from Ubuntu's archive otherwise, and stops with a clear message when no Python
>= 3.11 can be had.

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
# Gradescope image set-up. Base image: Ubuntu 22.04 or newer. The pins need Python >= 3.11.
# CPU-only torch, pinned like the course's venv.
set -euo pipefail
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }
PY=""
for c in python3.13 python3.12 python3.11 python3; do
    if command -v "$c" >/dev/null && ok "$c"; then PY=$(command -v "$c"); break; fi
done
if [ -z "$PY" ]; then
    apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null 2>&1 || true
    command -v python3.11 >/dev/null && ok python3.11 && PY=$(command -v python3.11)
fi
if [ -z "$PY" ]; then
    echo "setup.sh: this autograder needs Python >= 3.11, and this image has $(python3 --version 2>&1)." >&2
    echo "setup.sh: choose Gradescope's Ubuntu 22.04 (or newer) base image, where python3.11 can be installed." >&2
    exit 1
fi
apt-get update -qq && apt-get install -y -qq "$(basename "$PY")-venv" >/dev/null 2>&1 || true
"$PY" -m venv /autograder/venv
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

GRADESCOPE_PACKAGES = ("numpy", "scipy", "torch", "plotly", "ipython", "nbformat", "jupytext")
"""What the archive installs: the packages the grader and the exercises import."""


def requirements() -> str:
    """The archive's requirements.txt: each of :data:`GRADESCOPE_PACKAGES` at the version pinned in
    the course's own requirements.txt (one truth: the students' venv and Gradescope's agree)."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name, sep, _ = line.strip().partition("==")
        if sep and name.lower() in GRADESCOPE_PACKAGES:
            pins[name.lower()] = line.split("\\")[0].split(";")[0].split("#")[0].strip()
    missing = [p for p in GRADESCOPE_PACKAGES if p not in pins]
    if missing:
        raise ValueError(f"requirements.txt must pin {', '.join(missing)} (the Gradescope archive installs them)")
    return "".join(pins[p] + "\n" for p in GRADESCOPE_PACKAGES)


VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
"""Gradescope's test visibilities."""


def build_zip(out: Path, hidden_visibility: str = "after_published", exercise: str | None = None) -> Path:
    """Write the autograder archive (package, exercise sources, set-up scripts); the hidden cases'
    tests get ``hidden_visibility``. ``exercise``: the one exercise this Gradescope assignment
    grades (other notebooks in an upload are listed, not graded); None: the one exercise of the
    notebooks uploaded (an upload of several exercises is then refused, with what was found)."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, got {hidden_visibility!r}")
    if exercise is not None:
        from grading.source import load_all

        names = sorted(ex.name for ex in load_all())
        if exercise not in names:
            raise ValueError(f"exercise must be one of {', '.join(names)}, got {exercise!r}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        config = json.dumps({"hidden_visibility": hidden_visibility, "exercise": exercise}) + "\n"
        for name, text, mode in (("setup.sh", SETUP_SH, 0o755), ("run_autograder", RUN_AUTOGRADER, 0o755),
                                 ("requirements.txt", requirements(), 0o644), ("gradescope.json", config, 0o644)):
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


def _clean(text: str, limit: int = 2000) -> str:
    """Text for results.json: no control characters but newlines (no escape sequences)."""
    text = "".join(ch if ch == "\n" or (ch.isprintable() and not 0xDC80 <= ord(ch) <= 0xDCFF) else
                   f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else "?" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def results(run, hidden_visibility: str = "after_published") -> dict:  # noqa: ANN001 - a GradingRun
    """Gradescope's results.json for a run of ONE student (the counted attempt per exercise)."""
    from grading.submissions import quoted

    tests, notes, total = [], [], 0.0
    for rs in run.values():
        for r in rs:
            if not r.gradable:
                notes.extend(r.notes)
                continue
            if not r.counted:
                notes.append(f"file {quoted(r.rel)}: another attempt at {r.exercise} counts (the latest)")
                continue
            for q, s in r.scores.items():
                n = s.shown[1] + s.hidden[1] or 1
                for kind, (passed, count), vis in (("public", s.shown, "visible"),
                                                   ("hidden", s.hidden, hidden_visibility)):
                    if not count:
                        continue
                    score = round(s.max_points * passed / n, 4)
                    if kind == "public":
                        out = f"{passed}/{count} public cases pass" + ("" if passed == count else f"; {s.message}")
                    else:
                        out = f"{passed}/{count} hidden cases pass"
                    tests.append({"name": f"{r.exercise} {q} ({kind} cases)", "score": score,
                                  "max_score": round(s.max_points * count / n, 4), "output": _clean(out),
                                  "visibility": vis})
                    total += score
            notes.extend(f"file {quoted(r.rel)}: {n}" for n in r.notes)
    for whys in run.skipped.values():
        notes.extend(whys)
    if not tests:
        notes.append("no gradable notebook found in the submission")
    return {"score": round(total, 4), "tests": tests, "output": _clean("\n".join(notes), 20_000),
            "visibility": "visible", "stdout_visibility": "hidden"}


def run_in_gradescope(root: Path, sandbox: str | None = None) -> int:
    """Grade ``root/submission`` (one student) into ``root/results/results.json`` (Gradescope's contract)."""
    import os

    from grading.grade import grade_folder
    from grading.runner import default_sandbox

    root = Path(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    mode = sandbox or os.environ.get("GRADE_SANDBOX") or "user"
    config_file = ROOT / "gradescope.json"
    config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    visibility = config.get("hidden_visibility", "after_published")
    if visibility not in VISIBILITIES:
        visibility = "after_published"
    if mode == "user" and os.geteuid() == 0:
        _root_only(ROOT / "grading", ROOT / "solutions", root / "submission")
    out = Path(tempfile.mkdtemp(prefix="grading-gs-"))
    try:
        exercise = config.get("exercise")
        try:
            run = grade_folder(root / "submission", out, workers=1, sandbox=default_sandbox(mode),
                               one_student="submission", assigned=[exercise] if exercise else None)
        except ValueError as exc:  # an upload of several exercises to an archive built for none
            why = str(exc).split(". Say which")[0]
            data = {"score": 0.0, "tests": [], "visibility": "visible",
                    "output": _clean(f"Not graded: {why}. Upload only the notebook of this assignment's exercise."),
                    "stdout_visibility": "hidden"}
        else:
            data = results(run, visibility)
        (results_dir / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return 0
