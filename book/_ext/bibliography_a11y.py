"""The bibliographies' HTML made accessible (WCAG 2 A, axe-core's aria rules).

docutils writes every list of citations as ``<div role="list" class="citation-list">`` whose
entries are ``<div class="citation" role="doc-biblioentry">``. DPUB-ARIA 1.1 deprecated
``doc-biblioentry``, and a ``list`` whose children are not list items fails axe-core's
``aria-required-children`` (critical) and ``aria-deprecated-role``. Each entry of such a list
becomes a ``listitem``: the structure a screen reader announces ("list, 7 items") is then right.
The chapters' "References" sections and the bibliography page are the only citation lists.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def entries_as_list_items(body: str) -> str:
    """The page body with every bibliography entry marked as a list item."""
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def _page(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = entries_as_list_items(body)


def setup(app: Sphinx):
    app.connect("html-page-context", _page)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
