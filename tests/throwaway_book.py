"""A throwaway one-page book built with the project's real configuration and extensions.

Tests that build a small book of their own (``test_build``, ``test_site_config``) start from
:func:`skeleton`, so a new thing the extensions need (the bibliography file, the ``lite`` package,
the vendored assets) is added here once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def skeleton(book: Path, page: str, config: dict | None = None) -> Path:
    """Write ``book/`` with ``_config.yml`` (the project's, or ``config``), the extensions, the
    bibliography, links to ``_vendor`` and ``lite``, a one-entry ``_toc.yml`` and ``book/page.md``."""
    (book / "book").mkdir(parents=True)
    if config is None:
        shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    else:
        (book / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")  # the config's bibtex file
    (book / "_vendor").symlink_to(ROOT / "_vendor")
    (book / "lite").symlink_to(ROOT / "lite")  # the package book/_ext/lite_links imports
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    (book / "book" / "page.md").write_text(page)
    return book
