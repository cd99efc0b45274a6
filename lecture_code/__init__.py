"""Shared code behind the course companion *The loss landscape and how we optimize it*.

Every executable cell of the book imports from this package; nothing is defined in
hidden cells or copied between chapters. It has two layers:

* :mod:`lecture_code.core` -- the library a student could use on their own problem
  (optimizers, the trajectory runner, surfaces and problems, models, Hessian tools, critical
  points, region counting, plotting, the interactive-figure pattern, quizzes);
* :mod:`lecture_code.chapters` -- one module per book chapter, named after it, with that
  chapter's demos and figures; it imports only the core.

Import from the module, so the import line of a chapter tells a reader where a figure's
computation lives::

    from lecture_code.core.optimizers import momentum, adam
    from lecture_code.core.runner import run
    from lecture_code.chapters.momentum import draw_rate_map

Importing the package does nothing else: no global setting changes, no plotly, numpy or
torch import (``from lecture_code.student import Checker``, the first cell of every exercise
and of every graded submission, must not pay plotly's import chain). Figures render both in
JupyterLab and on the static site because every figure is a
:class:`lecture_code.core.plotting.BookFigure`.
"""

#: The one version number of the package and the book: pyproject.toml reads it (setuptools'
#: dynamic version), CITATION.cff and CHANGELOG.md repeat it (tests/test_metadata.py checks them).
__version__ = "0.1.0"

#: PyTorch as the ``torch`` extra pins it (pyproject.toml), and the index of its CPU build: without
#: it, pip on Linux takes a multi-GB CUDA build.
TORCH_REQUIREMENT = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def torch_missing(module: str) -> ModuleNotFoundError:
    """The error a torch-using module raises when PyTorch is not installed, with the install line.

    The modules that import torch at the top (``core.models``, ``core.hessian``,
    ``core.torch_bridge``, ...) raise it from a guard at that import, so a chapter downloaded
    from the site and run without PyTorch says what to install instead of a bare
    ``ModuleNotFoundError: No module named 'torch'``.
    """
    return ModuleNotFoundError(
        f"{module} needs PyTorch, which is not installed in this Python. Install its CPU build:\n"
        f'    pip install "{TORCH_REQUIREMENT}" --extra-index-url {TORCH_INDEX}\n'
        "(PyTorch does not run in the browser: on the book's site, the launch menu of this chapter's "
        "page opens it on Binder or your course's JupyterHub instead).",
        name="torch",
    )
