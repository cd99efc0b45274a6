"""Sphinx extension: build one page alone, strictly, without warnings about the pages left out.

    printf 'format: jb-book\\nroot: book/yourpage\\n' > /tmp/one.yml
    make book TOC=/tmp/one.yml

(``docs/authoring.md``.) With a toc that lists only some pages, a reference from them to a page
of the book that is not in this build (``{doc}`hessians```, or ``{ref}`` to a label such a page
defines) cannot resolve, and the strict build would fail on it. Such a reference is written as
its text instead. Only references whose target exists in the book's sources are let through: a
reference to a page or label that exists nowhere still warns and fails the build. In the full
build every target is in the toc, so this changes nothing there.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import docname_join, logging

LOGGER = logging.getLogger(__name__)


def _source_exists(app: Sphinx, docname: str) -> bool:
    return any((Path(app.srcdir) / (docname + suffix)).is_file() for suffix in app.config.source_suffix)


def _label_defined_elsewhere(app: Sphinx, env, label: str) -> bool:
    """A MyST target ``(label)=`` in a book page that this build did not read."""
    pattern = re.compile(rf"^\({re.escape(label)}\)=\s*$", re.M)
    for path in sorted((Path(app.srcdir) / "book").glob("*.md")):
        docname = path.relative_to(app.srcdir).with_suffix("").as_posix()
        if docname not in env.found_docs and pattern.search(path.read_text(encoding="utf-8")):
            return True
    return False


def _missing_reference(app: Sphinx, env, node, contnode):
    if node.get("refdomain") != "std":
        return None
    if node.get("reftype") == "doc":
        target = docname_join(node.get("refdoc", ""), node["reftarget"])
        if target not in env.found_docs and _source_exists(app, target):
            LOGGER.info("[one_page] %s: %s is not in this build; written as text", node.get("refdoc"), target)
            return contnode
    elif node.get("reftype") == "ref" and _label_defined_elsewhere(app, env, node["reftarget"]):
        LOGGER.info("[one_page] %s: label %s is on a page not in this build; written as text",
                    node.get("refdoc"), node["reftarget"])
        return contnode
    return None


def setup(app: Sphinx):
    app.connect("missing-reference", _missing_reference)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
