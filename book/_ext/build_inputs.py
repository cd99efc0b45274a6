"""Has this input changed? One content hash for every step of the build that asks.

Each step names its inputs (files or folders, relative to the repository root) and gets a SHA-256
over the relative path and the bytes of every file under them, in a fixed order. Only content
counts: touching a file, a checkout that rewrites mtimes, ``__pycache__`` folders and ``.pyc``
files change nothing; a changed, added, removed or renamed input file changes the hash.

Used by

* ``book/_ext/lecture_build.py``: ``lecture_code/`` (the execution cache is discarded when it changes);
* ``book/_ext/site_assets.py``: the extension, its templates and static files, the plotly.js
  bundles on offer (every page is rewritten when they change);
* ``book/_ext/lite_links.py``: the code that writes a page's "where it runs" notice;
* ``lite/build.py``: everything the in-browser site is made from (a build with the same inputs is skipped);
* the Makefile's stamps (``make``'s own test is a file's mtime): ``python book/_ext/build_inputs.py
  --stamp FILE INPUT...`` rewrites ``FILE`` only when the hash of the inputs changed, so a rule that
  depends on ``FILE`` runs again only when their content did.

It imports nothing outside the standard library, so it runs under any Python (the Makefile calls
it before ``.venv`` exists). Sphinx extensions import it from ``book/_ext`` (on their path);
``lite/build.py`` puts that folder on its path.

    python book/_ext/build_inputs.py lecture_code pyproject.toml   # print the hash
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Never inputs: caches Python writes next to the sources.
IGNORED_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache"})
IGNORED_SUFFIXES = (".pyc", ".pyo")


def input_files(inputs: Iterable[str | Path], root: Path = ROOT, suffixes: tuple[str, ...] | None = None) -> list[Path]:
    """The files the hash reads: every file under ``inputs`` (files or folders relative to ``root``),
    sorted by relative path; with ``suffixes``, only files ending in one of them. A missing input is
    simply absent (its appearance changes the hash)."""
    root = Path(root)
    found: set[Path] = set()
    for name in inputs:
        base = root / name
        candidates = [base] if base.is_file() else (p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
        for path in candidates:
            rel = _relative(path, root)
            if IGNORED_DIRS.intersection(rel.parts) or path.suffix in IGNORED_SUFFIXES:
                continue
            if suffixes is not None and path.suffix not in suffixes:
                continue
            found.add(path)
    return sorted(found, key=lambda p: _relative(p, root).as_posix())


def _relative(path: Path, root: Path) -> Path:
    """``path`` relative to ``root``; an input named by an absolute path outside it stays absolute."""
    return path.relative_to(root) if path.is_relative_to(root) else path


def inputs_hash(inputs: Iterable[str | Path], root: Path = ROOT, suffixes: tuple[str, ...] | None = None,
                salt: bytes | str = b"") -> str:
    """SHA-256 (hex) over ``salt`` and the relative path and bytes of each of :func:`input_files`.

    ``salt`` adds what is not a file but decides the result as well (the Python version that
    builds the in-browser site, a page's verdict).
    """
    root = Path(root)
    digest = hashlib.sha256(salt.encode() if isinstance(salt, str) else salt)
    digest.update(b"\0")
    for path in input_files(inputs, root, suffixes):
        digest.update(_relative(path, root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def write_stamp(stamp: Path, inputs: Iterable[str | Path], root: Path = ROOT) -> bool:
    """Write the inputs' hash to ``stamp`` if it differs from the one there; True if it was written."""
    value = inputs_hash(inputs, root) + "\n"
    stamp = Path(stamp)
    if stamp.is_file() and stamp.read_text() == value:
        return False
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(value)
    return True


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="+", help="files or folders, relative to the repository root")
    ap.add_argument("--stamp", type=Path, help="write the hash to this file only when it changed; print the file")
    args = ap.parse_args(argv)
    if args.stamp:
        write_stamp(args.stamp, args.inputs)
        print(args.stamp)
    else:
        print(inputs_hash(args.inputs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
