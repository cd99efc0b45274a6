"""The package's two layers, checked on the source: core imports only core, a chapter module
imports only core (never another chapter), and nothing imports the old flat modules; and the
chapters' own files are in the form JupyterLab saves them."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from tests.no_torch import NO_TORCH, RUN_CELLS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lecture_code"


def _imports(path: Path) -> list[str]:
    """Every ``lecture_code...`` module a file imports, at any depth (lazy imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lecture_code"):
            if node.module in ("lecture_code", "lecture_code.core", "lecture_code.chapters"):
                found += [f"{node.module}.{a.name}" for a in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("lecture_code")]
    return found


def test_core_imports_only_core():
    for path in sorted((PACKAGE / "core").glob("*.py")):
        for mod in _imports(path):
            assert mod.startswith("lecture_code.core"), f"{path.relative_to(ROOT)} imports {mod}"


def test_a_chapter_module_imports_only_core():
    for path in sorted((PACKAGE / "chapters").glob("*.py")):
        for mod in _imports(path):
            assert mod.startswith("lecture_code.core"), f"{path.relative_to(ROOT)} imports {mod}"


def test_every_chapter_has_its_module_and_the_book_imports_only_the_two_layers():
    chapters = {p.stem for p in (ROOT / "book").glob("*.md") if "kernelspec" in p.read_text()[:2000]}
    modules = {p.stem for p in (PACKAGE / "chapters").glob("*.py")} - {"__init__"}
    assert chapters <= modules, f"chapters without a module: {sorted(chapters - modules)}"
    for page in sorted((ROOT / "book").glob("*.md")):
        for line in page.read_text().splitlines():
            if line.startswith("from lecture_code") and " import " in line:
                mod = line.split()[1]
                assert mod.startswith(("lecture_code.core", "lecture_code.chapters")), f"{page.name}: {line}"
                if mod.startswith("lecture_code.chapters."):
                    assert mod == f"lecture_code.chapters.{page.stem}", f"{page.name} imports another chapter: {line}"


def test_no_flat_modules_remain():
    flat = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert flat == [], f"modules outside core/ and chapters/: {flat}"


#: Chapters that must run where torch is not installed (the browser, issue "JupyterLite").
TORCH_FREE = ("intro", "momentum", "adam", "nfl", "hyperplanes", "saddles", "good_minima")
#: Those the in-browser site runs: ``tests/test_lite.py`` executes every cell of each of them in
#: Pyodide, a Python without torch, so they are not executed once more here.
RUN_IN_THE_BROWSER = ("intro", "momentum", "adam", "nfl", "hyperplanes", "saddles", "good_minima")


def test_the_chapters_the_browser_runs_are_the_listed_torch_free_ones():
    import sys

    sys.path.insert(0, str(ROOT))
    from lite.notebooks import decide

    browser = {page.removeprefix("book/") for page, v in decide(ROOT).items() if v.runs_in_browser and page.startswith("book/")}
    assert browser == set(RUN_IN_THE_BROWSER), f"update RUN_IN_THE_BROWSER to {sorted(browser)}"
    assert browser <= set(TORCH_FREE)


def test_every_torch_free_chapter_runs_without_torch():
    """Run the code cells of each torch-free chapter the browser does not run in a Python where
    ``import torch`` fails (the chapters the browser runs are executed there, without torch, by
    ``tests/test_lite.py``; today that is every one of them, so this runs none).

    Every interactive figure draws its default frame, so lazy imports inside demos and draw
    functions are exercised too.
    """
    for chapter in [c for c in TORCH_FREE if c not in RUN_IN_THE_BROWSER]:
        _run_without_torch(chapter)


def _run_without_torch(chapter: str) -> None:
    import subprocess
    import sys
    import textwrap

    script = NO_TORCH + RUN_CELLS + textwrap.dedent(f"""
        import sys
        run_cells({str(ROOT / "book" / f"{chapter}.md")!r})
        bad = [m for m, mod in sys.modules.items() if (m == "torch" or m.startswith("torch.")) and mod is not None]
        assert not bad, bad
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                         cwd=ROOT / "book", env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]


def test_every_module_has_its_test_file():
    """A change to ``lecture_code/core/x.py`` has its tests in ``tests/test_x.py``, a change to the
    chapter module ``lecture_code/chapters/x.py`` (or the package ``chapters/x/``) in
    ``tests/test_chapter_x.py`` (more files on the same module: ``test_x_<topic>.py``,
    ``test_chapter_x_<topic>.py``; docs/CONVENTIONS.md)."""
    tests = {p.name for p in (ROOT / "tests").glob("test_*.py")}

    def modules(folder: Path) -> set[str]:
        return ({p.stem for p in folder.glob("*.py")} | {p.parent.name for p in folder.glob("*/__init__.py")}) - {"__init__"}

    core = sorted(m for m in modules(PACKAGE / "core") if f"test_{m}.py" not in tests)
    assert not core, f"core modules without tests/test_<module>.py: {core}"
    chapters = sorted(m for m in modules(PACKAGE / "chapters") if f"test_chapter_{m}.py" not in tests)
    assert not chapters, f"chapter modules without tests/test_chapter_<chapter>.py: {chapters}"


def test_opening_and_saving_a_chapter_in_jupyterlab_changes_nothing():
    """Every MyST notebook (chapters, exercises, solutions) is in the form jupytext writes when
    JupyterLab saves it (its autosave included), so a reader who opens one leaves the working copy
    clean. (``docs/scaffold.as_saved`` writes that form; tests/test_lab.py checks it against what
    JupyterLab itself saves.)"""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from scaffold import as_saved
    finally:
        sys.path.pop(0)

    sources = [p for folder in ("book", "exercises", "solutions") for p in sorted((ROOT / folder).rglob("*.md"))
               if ".ipynb_checkpoints" not in p.parts and p.read_text(encoding="utf-8").startswith("---\njupytext:")]
    assert len(sources) >= 10, sources
    changed = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if as_saved(text) != text:
            changed.append(str(path.relative_to(ROOT)))
    assert not changed, f"JupyterLab would rewrite {changed}: write them as docs/scaffold.as_saved does"
