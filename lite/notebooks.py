"""Which notebooks of the book can run in the browser (JupyterLite + Pyodide).

Decided from the code, not from a hand list: a notebook runs in the browser when every module
its code cells import — followed through the project's own packages (``lecture_code``, and the
exercises' public checks) — is either the standard library, one of the project's own modules,
or a third-party package the Lite site ships (:data:`BROWSER_PACKAGES`). Imports are collected
from the whole module, function bodies included, so a lazily imported ``torch`` counts.

Used by the Lite build (``lite/build.py``: which notebooks to put in the site and which
WebAssembly packages to ship) and by the book's Sphinx extension (``book/_ext/lite_links.py``:
which pages get a "Run in the browser" link and which say why not).

    python lite/notebooks.py          # print the decision for every page of the toc
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Third-party import names the Lite site can provide, mapped to the Pyodide lock package that
#: provides them (the wasm wheels come from the official Pyodide distribution; pure-Python
#: ones are added to the lock by the build).
BROWSER_PACKAGES: dict[str, str] = {
    "numpy": "numpy",
    "scipy": "scipy",
    "plotly": "plotly",
    "ipywidgets": "ipywidgets",
    "IPython": "ipython",
    "traitlets": "traitlets",
}
#: Packages with no WebAssembly build at all: a notebook reaching them runs in JupyterLab/Binder.
NATIVE_ONLY = {"torch": "PyTorch has no WebAssembly build"}

_STDLIB = set(sys.stdlib_module_names) | {"__future__"}
_MAGIC = re.compile(r"^\s*[%!]")


@dataclass
class Verdict:
    """The browser decision for one notebook."""

    path: str                                    # relative to the repository root
    runs_in_browser: bool
    packages: set[str] = field(default_factory=set)  # third-party import names reached
    blockers: dict[str, str] = field(default_factory=dict)  # import name -> why not
    chain: dict[str, list[str]] = field(default_factory=dict)  # blocker -> modules that lead to it

    def reason(self) -> str:
        parts = []
        for name, why in sorted(self.blockers.items()):
            via = self.chain.get(name, [])
            parts.append(f"{name} ({why}; imported via {' → '.join(via)})" if via else f"{name} ({why})")
        return "; ".join(parts)


def code_cells(path: Path) -> list[str]:
    """Source of the code cells of a ``.ipynb`` or MyST Markdown notebook."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb.get("cells", [])
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in cells if c.get("cell_type") == "code"]
    import jupytext  # reads MyST cells with their options (":tags: [...]") the way JupyterLab does
    from nbformat import ValidationError

    try:
        nb = jupytext.read(path)
    except ValidationError as exc:  # JupyterLab's jupytext refuses to open it just the same
        raise ValueError(f"{path} does not open as a notebook: {exc.message} (a MyST notebook's front matter "
                         "needs `kernelspec: {name: python3, display_name: Python 3, language: python}`)") from exc
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _strip_magics(src: str) -> str:
    return "\n".join("" if _MAGIC.match(line) else line for line in src.splitlines())


def imported_modules(source: str, module: str = "", is_package: bool = False) -> set[str]:
    """Absolute dotted names imported anywhere in ``source`` (function bodies included).

    ``from a.b import c`` yields ``a.b`` and ``a.b.c`` (``c`` may be a submodule);
    relative imports are resolved against ``module``. A module looked up by name,
    ``importlib.util.find_spec("sklearn")`` (to read a data file it ships), counts as imported.
    """
    tree = ast.parse(_strip_magics(source))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) \
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "find_spec":
            found.add(node.args[0].value)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                if not is_package:
                    parts = parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(p for p in [*parts, base] if p)
            if base:
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def _local_file(root: Path, dotted: str) -> Path | None:
    base = root.joinpath(*dotted.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _local_tops(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}


def _public_checks(root: Path, notebook: Path, sources: list[str]) -> list[Path]:
    """The public-check files an exercise notebook loads at run time (``Checker("name")``)."""
    names = set()
    for src in sources:
        names.update(re.findall(r"Checker\(\s*['\"]([A-Za-z0-9_]+)['\"]", src))
    files = []
    for name in sorted(names):
        for cand in (root / "lecture_code" / "student" / "checks" / f"{name}.py",):
            if cand.is_file():
                files.append(cand)
                break
    return files


def analyse(notebook: Path, root: Path = ROOT, modules: dict[str, set[str]] | None = None) -> Verdict:
    """Follow the imports of ``notebook`` through the project's own modules.

    ``modules``: what each project module imports, by its dotted name, filled as modules are read
    (:func:`decide` hands one to every notebook of a build, so each module is parsed once)."""
    modules = {} if modules is None else modules
    notebook = Path(notebook)
    rel = str(notebook.resolve().relative_to(root.resolve())) if notebook.is_absolute() else str(notebook)
    notebook = root / rel
    local = _local_tops(root)
    sources = code_cells(notebook)
    # (module name, imported names, importer) work list
    todo: list[tuple[str, str]] = []
    for src in sources:
        todo += [(m, notebook.name) for m in imported_modules(src)]
    for checks in _public_checks(root, notebook, sources):
        todo += [(m, checks.name) for m in imported_modules(checks.read_text(encoding="utf-8"))]
    seen: set[str] = set()
    parent: dict[str, str] = {}
    external: dict[str, str] = {}  # top-level third-party name -> first importer
    while todo:
        name, importer = todo.pop()
        top = name.split(".")[0]
        if top in _STDLIB:
            continue
        if top not in local:
            external.setdefault(top, importer)
            continue
        # importing a.b.c runs a/__init__, a/b/__init__ and a/b/c
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            mod = ".".join(parts[:i])
            if mod in seen:
                continue
            file = _local_file(root, mod)
            if file is None:
                continue  # an attribute imported from a module, not a submodule
            seen.add(mod)
            parent.setdefault(mod, importer)
            if mod not in modules:
                modules[mod] = imported_modules(file.read_text(encoding="utf-8"), mod, file.name == "__init__.py")
            todo += [(m, mod) for m in modules[mod]]

    def chain(importer: str) -> list[str]:
        out = [importer]
        while out[-1] in parent and parent[out[-1]] not in out:
            out.append(parent[out[-1]])
        return list(reversed(out))

    verdict = Verdict(path=rel, runs_in_browser=True, packages=set(external))
    for top, importer in external.items():
        if top in NATIVE_ONLY:
            verdict.blockers[top] = NATIVE_ONLY[top]
        elif top not in BROWSER_PACKAGES:
            verdict.blockers[top] = "not shipped with the in-browser Python"
        else:
            continue
        verdict.chain[top] = chain(importer)
    verdict.runs_in_browser = not verdict.blockers
    return verdict


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """Every page of ``_toc.yml`` that is a notebook (MyST with a kernelspec, or .ipynb)."""
    text = (root / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*([^\s#]+)", text, re.M)
    pages = []
    for f in files:
        for suffix in (".md", ".ipynb"):
            p = root / (f + suffix)
            if p.is_file() and (suffix == ".ipynb" or "kernelspec" in p.read_text(encoding="utf-8")[:2000]):
                pages.append(p)
                break
    return pages


def decide(root: Path = ROOT) -> dict[str, Verdict]:
    """Verdict for every notebook page of the toc, keyed by its path without suffix."""
    # each notebook by its path relative to the build root: the instructor site's root
    # (_build/instructor-src) is made of symbolic links into the repository, which a resolved
    # absolute path would leave
    modules: dict[str, set[str]] = {}  # each project module parsed once for all notebooks
    return {str(p.relative_to(root).with_suffix("")): analyse(p.relative_to(root), root, modules)
            for p in toc_notebooks(root)}


def main() -> int:
    for page, v in decide().items():
        shown = "browser" if v.runs_in_browser else "JupyterLab only: " + v.reason()
        print(f"{page:40s} {shown}   [{', '.join(sorted(v.packages))}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
