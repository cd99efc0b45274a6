"""The installable package students get: ``lecture_code`` with its student side, and nothing else.

:func:`build_wheel` is the one way the wheel is built: ``make wheel`` (``python -m grading
wheel``) and the in-browser site (``lite/build.py``, which serves it under ``lite/wheels/`` and
installs it in the browser) both call it, so the file a student downloads from the site and the
one ``make wheel`` writes are the same, byte for byte (``tests/test_grading_package.py``).

It copies what the package is made of, ``pyproject.toml``, ``README.md`` (the description on the
package's page), ``LICENSE`` (shipped as ``.dist-info/licenses/LICENSE``) and ``lecture_code/``,
and nothing else of the repository into a clean folder and builds the wheel there, so neither
``grading/`` nor ``solutions/`` can end up in it whatever the packaging configuration says; the
test suite then checks the wheel's contents (no canary, no hidden check, no solution). The build
is reproducible: every file of the archive carries the time :data:`SOURCE_DATE_EPOCH` (setuptools'
wheel writer honours that variable) and the permissions of the clean copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grading.sandbox import PACKAGE, ROOT, _copy_tree

PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE")
"""The repository's files the build reads besides ``lecture_code/`` (``pyproject.toml`` names the
other two: ``readme`` and ``license-files``)."""

SOURCE_DATE_EPOCH = "315532800"
"""1980-01-01 00:00 UTC, the earliest time a zip file can hold: the time of every file in the
wheel, so that two builds of the same checkout give the same bytes."""


def build_wheel(out: Path) -> Path:
    """Build ``lecture_code-<version>-py3-none-any.whl`` into ``out``; return its path."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("lecture_code-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="grading-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in PACKAGE_FILES:
            shutil.copyfile(ROOT / name, src / name)
            os.chmod(src / name, 0o644)
        _copy_tree(PACKAGE, src / "lecture_code")
        env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"}
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--disable-pip-version-check", "-w", str(out), str(src)],
                           capture_output=True, text=True, cwd=tmp, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{r.stdout}\n{r.stderr}")
    wheels = sorted(out.glob("lecture_code-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {out}, found {wheels}")
    return wheels[0]
