"""The optional dependencies of ``lecture_code``, and the error a module raises without one.

The package needs only numpy, plotly and ipywidgets; PyTorch, SciPy and scikit-learn are extras
(``pyproject.toml``: ``lecture_code[torch]``, ``[scipy]``, ``[sklearn]``, ``[all]``), so that the
torch-free chapters and the exercises install light and run in the browser. The modules that
import torch at the top (``core.models``, ``core.hessian``, ``core.torch_bridge``, ``core.data``,
...) do it in a guard that raises :func:`torch_missing`: a chapter downloaded from the site and
run without PyTorch says what to install instead of a bare ``No module named 'torch'``::

    try:
        import torch
    except ImportError as exc:
        from lecture_code.core.extras import torch_missing

        raise torch_missing(__name__) from exc
"""

from __future__ import annotations

__all__ = ["TORCH_REQUIREMENT", "TORCH_INDEX", "torch_missing"]

#: PyTorch as the ``torch`` extra pins it (a test checks they agree).
TORCH_REQUIREMENT = "torch==2.13.0"
#: The index of PyTorch's CPU build: without it, pip on Linux takes a multi-GB CUDA build.
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def torch_missing(module: str) -> ModuleNotFoundError:
    """The error ``module`` raises when PyTorch is not installed, with the line that installs it.

    Parameters
    ----------
    module : the importing module's ``__name__``, named in the message.
    """
    return ModuleNotFoundError(
        f"{module} needs PyTorch, which is not installed in this Python. Install its CPU build:\n"
        f'    pip install "{TORCH_REQUIREMENT}" --extra-index-url {TORCH_INDEX}\n'
        "(PyTorch does not run in the browser. Where the book's site shows a launch menu, the rocket "
        "at the top of the chapter's page, it opens the chapter on Binder or your course's "
        "JupyterHub, which have PyTorch; a site built without a repository address has no such "
        "menu: run the chapter on a computer with the line above.)",
        name="torch",
    )
