"""The package's two layers, checked on the source: core imports only core, a chapter module
imports only core (never another chapter), and nothing imports the old flat modules."""

from __future__ import annotations

import ast
from pathlib import Path

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
    chapters = {p.stem for p in (ROOT / "book").glob("*.md")}
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
