"""Read one submitted notebook in a short-lived child process (run by :func:`grading.submissions.read_notebook`).

The grader never parses a submitted notebook itself: JSON of 100 MB (outputs, figures) can become
gigabytes of Python objects and seconds of CPU, and a long-running process does not give that
memory back. This script runs as ``python -I -S reader.py MAX_CELLS MAX_CODE MEMORY CPU``, puts
itself under ``RLIMIT_AS = MEMORY`` and ``RLIMIT_CPU = CPU`` before reading anything, reads the
notebook's bytes from stdin and writes one JSON line: ``{"cells": [...], "exercise": ..., "checkers":
[...], "defined": [...]}`` (code of every cell, ``""`` for the others; ``metadata.grading.exercise``; the names in
``Checker("...")`` lines; the top-level names each cell defines, for the similarity report: parsing
5 MB of code costs gigabytes) or ``{"error": "..."}``. Outputs never leave it. Standard library only.
"""

from __future__ import annotations

import ast
import json
import re
import resource
import sys


def cell_source(cell: object) -> str:
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def defined_names(code: str) -> list[str]:
    """Top-level names a cell defines (functions, classes, assignments), sorted."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # does not parse: definitions by their look
        return sorted({a or b for a, b in re.findall(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", code, flags=re.M)})
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
    return sorted(names)


def extract(data: bytes, max_cells: int, max_code: int) -> dict:
    """What grading needs of a notebook, or ``{"error": why}`` (a sentence ending "not graded")."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {"error": "is not a notebook (not UTF-8 text)"}
    except RecursionError:
        return {"error": "is not a notebook (JSON nested too deeply)"}
    except ValueError:
        return {"error": "is not a notebook (not valid JSON)"}
    del data
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return {"error": "is not a Jupyter notebook in format 4 (no list of cells)"}
    if len(nb["cells"]) > max_cells:
        return {"error": f"has more than {max_cells} cells: not graded"}
    cells = [cell_source(c) if isinstance(c, dict) and c.get("cell_type") == "code" else "" for c in nb["cells"]]
    if sum(len(c) for c in cells) > max_code:
        return {"error": f"has more than {max_code / 1e6:g} MB of code: not graded"}
    meta = nb.get("metadata", {})
    meta = meta.get("grading", {}) if isinstance(meta, dict) else {}
    exercise = meta.get("exercise") if isinstance(meta, dict) and isinstance(meta.get("exercise"), str) else None
    checkers = []
    for c in nb["cells"]:
        m = re.search(r"""Checker\(\s*["'](\w+)["']""", cell_source(c)[:100_000])
        if m:
            checkers.append(m.group(1))
    defined = [defined_names(c) if c.strip() else [] for c in cells]
    return {"cells": cells, "exercise": exercise, "checkers": checkers[:100], "defined": defined}


def main() -> None:
    max_cells, max_code, memory, cpu = (int(x) for x in sys.argv[1:5])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.setrecursionlimit(5000)
    try:
        out = extract(sys.stdin.buffer.read(), max_cells, max_code)
    except MemoryError:
        out = None
    if out is None:
        sys.exit(3)  # the parent says which limit
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
