"""Exercise sources (``solutions/<name>.md``) and what is generated from them.

An exercise source is a MyST Markdown notebook (the book's own format) with:

- solution blocks in code cells, between ``# BEGIN SOLUTION`` and ``# END SOLUTION``; each block
  carries the canary (:data:`grading.CANARY`). Students see ``...  # YOUR CODE HERE`` instead, or
  the block's ``# STUB: <code>`` lines with the ``# STUB: `` prefix removed;
- markdown cells tagged ``solution`` (worked answers): instructor version only, with the canary;
- code cells tagged ``public-tests``: the public checks (:mod:`lecture_code.student`), copied to
  ``lecture_code/student/checks/<name>.py`` (shipped with the package, so a notebook works anywhere);
- code cells tagged ``hidden-tests``: the hidden checks (:mod:`grading.spec`), kept only here;
  each carries the canary.

Generated: ``exercises/<name>.ipynb`` (student), ``lecture_code/student/checks/<name>.py`` (public
checks), and on demand the instructor notebooks (solutions shown, no tests).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jupytext
import nbformat

from grading import CANARY
from grading.spec import HiddenQuestion, collect

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
CHECKS = ROOT / "lecture_code" / "student" / "checks"

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
STUB = "# STUB:"
PLACEHOLDER = "...  # YOUR CODE HERE"
SETUP_NOTE = (
    "**Setting up.** On the course's JupyterHub or Binder everything is installed. Anywhere else, install\n"
    "the course package once (`pip install lecture_code-*.whl`, the wheel from your instructor or `make wheel`;\n"
    "or `pip install .` in a clone of the repository), then open this notebook from any folder."
)
CHECK_RE = re.compile(r"""check\(\s*["'](\w+)["']\s*\)""")


class SourceError(ValueError):
    """An exercise source breaks the authoring rules (message names file and cell)."""


@dataclass
class Exercise:
    name: str
    path: Path
    nb: Any  # nbformat.NotebookNode of the source
    hidden: list[HiddenQuestion] = field(default_factory=list)
    public_code: str = ""

    @property
    def questions(self) -> list[str]:
        return [q.name for q in self.hidden]

    @property
    def points(self) -> dict[str, float]:
        return {q.name: q.points for q in self.hidden}

    @property
    def title(self) -> str:
        for cell in self.nb.cells:
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    if line.startswith("# "):
                        return line[2:].strip()
        return self.name


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def strip_solutions(src: str, where: str) -> str:
    """Student form of a code cell: solution blocks replaced by stubs/placeholders."""
    out: list[str] = []
    block: list[str] | None = None
    stub: list[str] = []
    indent = ""
    for line in src.splitlines():
        s = line.strip()
        if s.startswith(BEGIN):
            if block is not None:
                raise SourceError(f"{where}: nested {BEGIN}")
            block, stub = [], []
            indent = line[: len(line) - len(line.lstrip())]
            continue
        if s.startswith(END):
            if block is None:
                raise SourceError(f"{where}: {END} without {BEGIN}")
            if not any(CANARY in b for b in block):
                raise SourceError(f"{where}: a solution block lacks the canary comment `# {CANARY}`")
            out.extend(stub or [indent + PLACEHOLDER])
            block = None
            continue
        if block is not None:
            block.append(line)
            if s.startswith(STUB):
                stub.append(line.replace(STUB + " ", "", 1).replace(STUB, "", 1))
            continue
        out.append(line)
    if block is not None:
        raise SourceError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def keep_solutions(src: str) -> str:
    """Instructor form of a code cell: markers and stub lines removed, solution kept."""
    lines = [ln for ln in src.splitlines()
             if not ln.strip().startswith((BEGIN, END, STUB))]
    return "\n".join(lines)


def load(path: Path) -> Exercise:
    """Parse and validate one exercise source."""
    path = Path(path)
    nb = jupytext.read(path, fmt="md:myst")
    ex = Exercise(path.stem, path, nb)
    public_parts: list[str] = []
    checked: list[str] = []
    for i, cell in enumerate(nb.cells):
        where = f"{path.name} cell {i}"
        tags = _tags(cell)
        if cell.cell_type == "code" and "hidden-tests" in tags:
            if CANARY not in cell.source:
                raise SourceError(f"{where}: hidden-tests cell lacks the canary")
            ex.hidden.extend(collect(cell.source, f"{path.name}[hidden-tests cell {i}]"))
        elif cell.cell_type == "code" and "public-tests" in tags:
            if CANARY in cell.source:
                raise SourceError(f"{where}: public tests must not contain the canary")
            public_parts.append(cell.source)
        elif cell.cell_type == "markdown" and "solution" in tags:
            if CANARY not in cell.source:
                raise SourceError(f"{where}: solution markdown lacks the canary (as an HTML comment)")
        elif cell.cell_type == "code":
            strip_solutions(cell.source, where)  # validates the markers
            checked += CHECK_RE.findall(cell.source)
    ex.public_code = "\n\n".join(public_parts)
    names = ex.questions
    if len(set(names)) != len(names):
        raise SourceError(f"{path.name}: a question is declared twice in the hidden tests: {names}")
    public_qs = re.findall(r"""@public\(\s*["'](\w+)["']\s*\)""", ex.public_code)
    for q in names:
        if q not in public_qs:
            raise SourceError(f"{path.name}: question {q} has hidden checks but no public check")
        if q not in checked:
            raise SourceError(f"{path.name}: question {q} has no `check(\"{q}\")` cell")
    for q in set(public_qs) | set(checked):
        if q not in names:
            raise SourceError(f"{path.name}: question {q} has no hidden checks (points)")
    return ex


def load_all(solutions: Path = SOLUTIONS) -> list[Exercise]:
    return [load(p) for p in sorted(Path(solutions).glob("*.md"))]


def _notebook(cells: list[Any], name: str) -> Any:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "grading": {"exercise": name},
    }
    return nb


def _new_cell(cell_type: str, source: str, idx: int, name: str) -> Any:
    maker = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = maker(source)
    cell.id = f"{name[:20]}-{idx}"  # stable ids: regenerating gives identical files
    return cell


def student_notebook(ex: Exercise) -> Any:
    cells = []
    for i, cell in enumerate(ex.nb.cells):
        tags = _tags(cell)
        if tags & {"hidden-tests", "public-tests"}:
            continue
        if cell.cell_type == "markdown":
            if "solution" in tags:
                continue
            cells.append(_new_cell("markdown", cell.source, len(cells), ex.name))
            if len(cells) == 1:  # right after the title: how to run this notebook anywhere
                cells.append(_new_cell("markdown", SETUP_NOTE, len(cells), ex.name))
        else:
            src = strip_solutions(cell.source, f"{ex.path.name} cell {i}")
            cells.append(_new_cell("code", src, len(cells), ex.name))
    return _notebook(cells, ex.name)


def solution_notebook(ex: Exercise) -> Any:
    """Instructor form: solutions shown, worked answers shown, no public or hidden tests."""
    cells = []
    for cell in ex.nb.cells:
        tags = _tags(cell)
        if tags & {"hidden-tests", "public-tests"}:
            continue
        if cell.cell_type == "markdown":
            cells.append(_new_cell("markdown", cell.source, len(cells), ex.name))
        else:
            cells.append(_new_cell("code", keep_solutions(cell.source), len(cells), ex.name))
    return _notebook(cells, ex.name)


def public_tests_file(ex: Exercise) -> str:
    points = json.dumps(ex.points)
    return (
        f'"""Public checks of the exercise {ex.name} (student notebook exercises/{ex.name}.ipynb).\n\n'
        f"Generated from the exercise source by `make exercises`; do not edit.\n"
        'Run them from the notebook with check("q1") / check.all().\n"""\n\n'
        "import numpy as np\n\n"
        "from lecture_code.student import (CheckFailure, call, expect_close, expect_equal, expect_rows,\n"
        "                                  expect_shape, expect_tuple, fmt, public)\n\n"
        f"POINTS = {points}\n\n\n"
        f"{ex.public_code.strip()}\n"
    )


def render(ex: Exercise) -> dict[str, str]:
    """Path relative to the repository -> file content, for one exercise."""
    nb_text = nbformat.writes(student_notebook(ex)) + "\n"
    files = {f"exercises/{ex.name}.ipynb": nb_text,
             f"lecture_code/student/checks/{ex.name}.py": public_tests_file(ex)}
    for rel, text in files.items():
        if CANARY in text:
            raise SourceError(f"{ex.path.name}: the canary leaked into {rel}")
    return files


def render_all(solutions: Path = SOLUTIONS) -> dict[str, str]:
    files: dict[str, str] = {}
    for ex in load_all(solutions):
        files.update(render(ex))
    return files


def build(root: Path = ROOT, solutions: Path = SOLUTIONS) -> list[Path]:
    """Write the student notebooks and public checks; remove generated files no longer needed."""
    root = Path(root)
    files = render_all(solutions)
    written = []
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.exists() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
        written.append(p)
    stale = list((root / "exercises").glob("*.ipynb")) + [
        p for p in (root / "lecture_code" / "student" / "checks").glob("*.py") if not p.name.startswith("_")]
    for p in stale:
        if p not in written:
            p.unlink()
    return written


def build_instructor(out: Path, solutions: Path = SOLUTIONS) -> list[Path]:
    """Write the instructor notebooks (same names as the student ones) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ex in load_all(solutions):
        p = out / f"{ex.name}.ipynb"
        p.write_text(nbformat.writes(solution_notebook(ex)) + "\n", encoding="utf-8")
        paths.append(p)
    return paths


def build_instructor_tree(dest: Path, root: Path = ROOT) -> Path:
    """A build root for the instructor site: the repository with exercises/ holding solutions.

    Every top-level entry of the repository is symlinked into ``dest`` except ``exercises/``
    (replaced by the instructor notebooks, same file names, so ``_toc.yml`` works unchanged) and
    the build/VCS folders. ``jupyter-book build dest`` then gives the instructor version.
    """
    import shutil

    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    skip = {"exercises", "_build", ".git", ".venv", ".venv-lite", "node_modules", ".jupyter_cache", ".pytest_cache"}
    for entry in sorted(Path(root).iterdir()):
        if entry.name in skip:
            continue
        (dest / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
    build_instructor(dest / "exercises")
    return dest
