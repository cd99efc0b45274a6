"""The installable package students get: ``lecture_code`` with its student side, and nothing else.

:func:`build_wheel` copies ``pyproject.toml`` and ``lecture_code/`` (nothing else of the
repository) into a clean folder and builds the wheel there, so neither ``grading/`` nor
``solutions/`` can end up in it whatever the packaging configuration says; the test suite then
checks the wheel's contents (no canary, no hidden check, no solution).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grading.sandbox import PACKAGE, ROOT, _copy_tree


def build_wheel(out: Path) -> Path:
    """Build ``lecture_code-<version>-py3-none-any.whl`` into ``out``; return its path."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("lecture_code-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="grading-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        shutil.copyfile(ROOT / "pyproject.toml", src / "pyproject.toml")
        _copy_tree(PACKAGE, src / "lecture_code")
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--disable-pip-version-check", "-w", str(out), str(src)],
                           capture_output=True, text=True, cwd=tmp)
        if r.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{r.stdout}\n{r.stderr}")
    wheels = sorted(out.glob("lecture_code-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {out}, found {wheels}")
    return wheels[0]
