"""Shared code behind the course companion *The loss landscape and how we optimize it*.

Every executable cell of the book imports from this package; nothing is defined in
hidden cells or copied between chapters. It has two layers:

* :mod:`lecture_code.core` -- the library a student could use on their own problem
  (optimizers, the trajectory runner, surfaces and problems, the numpy MLP and torch models,
  Hessian tools, critical points, weight-space symmetry, region counting, plotting, the
  interactive-figure pattern, quizzes);
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

