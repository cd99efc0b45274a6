"""The instructor side of ``grading/source.py``: ``make book SOLUTIONS=1`` builds the instructor
site from ``_build/instructor-src``, a build root made of symbolic links into the repository with
``exercises/`` replaced by the solution notebooks.

The build test runs the strict build (``-W -n``) the Makefile runs, on the instructor build root,
with a table of contents holding the exercise pages only (they are never executed): that is the
part of the site that differs from the student site, and it exercises every Sphinx extension of
the book (the in-browser links of ``book/_ext/lite_links.py`` failed on this symlinked root).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grading import CANARY
from grading.source import ROOT, build_instructor_tree, load_all

JB = Path(sys.executable).parent / "jupyter-book"


def test_instructor_tree_links_the_repository_and_replaces_exercises(tmp_path: Path) -> None:
    dest = build_instructor_tree(tmp_path / "src")
    assert (dest / "book").is_symlink() and (dest / "lite").is_symlink()
    assert not (dest / "exercises").is_symlink()
    for ex in load_all():
        nb = json.loads((dest / "exercises" / f"{ex.name}.ipynb").read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "YOUR CODE HERE" not in code and CANARY in code
        assert not re.search(r"(?<!\w)hidden\(", code) and "@public" not in code


@pytest.mark.build
def test_the_instructor_site_builds_strictly(tmp_path: Path) -> None:
    src = build_instructor_tree(tmp_path / "src")
    names = sorted(ex.name for ex in load_all())
    toc = tmp_path / "toc.yml"
    toc.write_text("format: jb-book\nroot: exercises/" + names[0] + "\nchapters:\n"
                   + "".join(f"  - file: exercises/{n}\n" for n in names[1:]), encoding="utf-8")
    out = tmp_path / "out"
    r = subprocess.run([str(JB), "build", str(src), "--toc", str(toc), "--path-output", str(out),
                        "--builder", "html", "-W", "-n", "--keep-going"],
                       capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert r.returncode == 0, (r.stdout[-4000:], r.stderr[-4000:])
    for n in names:
        page = (out / "_build" / "html" / "exercises" / f"{n}.html").read_text(encoding="utf-8")
        assert CANARY in page, n  # the solutions are shown
        for test_code in (">hidden</span>", ">Call</span>", "hidden(&quot;q", "@public"):  # never the tests
            assert test_code not in page, (n, test_code)
