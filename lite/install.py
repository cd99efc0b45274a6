"""What a student outside the repository installs to run a notebook downloaded from the site.

**Where the package comes from.** ``lecture_code`` is not published on PyPI (and a package of
that name there would be someone else's), so the book's site serves its own wheel, the very file
the in-browser Python installs, built from the same checkout as the pages:
``lite/wheels/lecture_code-<version>-py3-none-any.whl`` under the site's root (:data:`WHEEL_FOLDER`,
copied there by ``lite/build.py``). Pages link to it; a downloaded notebook names it. From the
repository, ``make wheel`` builds the same file.

**What else.** JupyterLab, and the extras of ``lecture_code`` the notebook's imports reach
(:data:`EXTRAS`: PyTorch, SciPy, scikit-learn for the digits), PyTorch from its CPU index
(``--extra-index-url``, or pip on Linux takes a multi-GB CUDA build).

Used by the book's Sphinx extension (``book/_ext/lite_links.py``: the notice on pages that need
PyTorch, and the first cell of every notebook the site offers for download) and by the Lite build
(the first cell of the in-browser copies, which a student keeps with the Download button).
"""

from __future__ import annotations

from collections.abc import Iterable

import nbformat

from lecture_code import __version__
from lecture_code.core.extras import TORCH_INDEX

#: Import name reached by a notebook -> the extra of ``lecture_code`` that installs it (pyproject.toml).
EXTRAS = {"torch": "torch", "scipy": "scipy", "sklearn": "sklearn"}
#: Where the site serves the wheel, relative to the site's root (``_build/html``).
WHEEL_FOLDER = "lite/wheels"
#: The tag of the note cell (so that a rebuild replaces it instead of adding a second one).
NOTE_TAG = "install-note"


def wheel_name(version: str = __version__) -> str:
    return f"lecture_code-{version}-py3-none-any.whl"


def extras(packages: Iterable[str]) -> list[str]:
    """The extras of ``lecture_code`` a notebook needs, from the third-party imports it reaches."""
    return sorted({EXTRAS[p] for p in packages if p in EXTRAS})


def pip_command(packages: Iterable[str], wheel_url: str | None = None, version: str = __version__) -> str:
    """The one ``pip install`` line: the wheel (a file beside the notebook, or its URL) with its
    extras, JupyterLab, and PyTorch's CPU index when PyTorch is among them."""
    needed = extras(packages)
    suffix = f"[{','.join(needed)}]" if needed else ""
    if wheel_url:
        requirement = f'"lecture_code{suffix} @ {wheel_url}"'
    else:
        requirement = f'"{wheel_name(version)}{suffix}"'
    index = f" --extra-index-url {TORCH_INDEX}" if "torch" in needed else ""
    return f"pip install {requirement} jupyterlab{index}"


def note_lines(packages: Iterable[str], wheel_url: str | None = None, in_browser: bool = False,
               version: str = __version__) -> list[str]:
    """The two lines a downloaded notebook starts with: where the package comes from, what to run."""
    packages = list(packages)
    where = "In this browser nothing needs installing. " if in_browser else ""
    if wheel_url:
        first = f"{where}**To run this notebook on your own computer** (Python 3.11 or newer), in a terminal:"
    else:
        first = (f"{where}**To run this notebook on your own computer** (Python 3.11 or newer), put it in a folder with "
                 f"`{wheel_name(version)}` (the *lecture_code wheel* linked on the book's pages), then in a terminal there:")
    return [first, f"`{pip_command(packages, wheel_url, version)} && jupyter lab`"]


def add_note(nb: nbformat.NotebookNode, packages: Iterable[str], wheel_url: str | None = None,
             in_browser: bool = False) -> nbformat.NotebookNode:
    """Put the note first in ``nb`` (replacing an earlier one); returns ``nb``."""
    nb.cells = [c for c in nb.cells if NOTE_TAG not in c.get("metadata", {}).get("tags", [])]
    lines = note_lines(packages, wheel_url, in_browser)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("\n\n".join(lines), metadata={"tags": [NOTE_TAG]}))
    return nb
