"""Numbers in the prose come from the code: ``glue(name, value)`` in a cell, ``{glue:text}`name```
in the text.

This is MyST-NB's glue protocol (the same display message its ``myst_nb.glue`` sends), written
here so that a chapter's kernel needs neither ``myst_nb`` nor the Sphinx stack behind it: the
chapters run unchanged in JupyterLab, on Binder and in the browser (JupyterLite), and the
book's build still reads every glued value::

    from lecture_code.core.glue import glue
    glue("steps_per_decade", steps, display=False)

and in the Markdown: ``about {glue:text}`steps_per_decade:.1f` steps per factor of ten``.
A glued number is formatted by the role (``:.1f``, ``:,``, ``:.0%``), so the cell keeps the
full value and the text decides how many digits it shows.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue", "GLUE_PREFIX"]

#: Mime-type prefix of a value glued without being shown (MyST-NB reads it, front ends skip it).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value: Any, display: bool = False) -> None:
    """Store ``value``'s display form under ``name`` for ``{glue:...}`` roles in the page.

    Parameters
    ----------
    name : the key the Markdown refers to (no spaces, ':' or '`'); unique within a page.
    value : anything IPython can display (a number, a string, a figure).
    display : also show the value in the cell's output (default: no, the text shows it).
    """
    if not isinstance(name, str) or not name or any(c.isspace() or c in "`:" for c in name):
        raise ValueError(f"name must be a non-empty string without spaces, ':' or '`', got {name!r}")
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
