"""Shared code behind the course companion *The loss landscape and how we optimize it*.

Every executable cell of the book imports from this package; nothing is defined in
hidden cells or copied between chapters. The package is a set of small modules named
for what they hold; import from the module, so the import line of a chapter tells a
reader where a figure's computation lives::

    from lecture_code.surfaces import get_surface      # test functions with analytic derivatives
    from lecture_code.hessian import hessian_spectrum  # Hessians of torch models and functions
    from lecture_code.interactive import Slider, explore  # the interactive-figure pattern

Importing the package registers the book's plotly renderer (see
:mod:`lecture_code.plotting`), so figures render both in JupyterLab and on the
static site.
"""

from lecture_code import plotting as _plotting  # noqa: F401  (registers the renderer)

__version__ = "0.1.0"
