"""The build is strict and never serves stale outputs.

These tests build tiny throw-away books with the project's own configuration
(`_config.yml` and the `book/_ext` extension), so they check the real settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import lecture_code

from tests.throwaway_book import skeleton

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).parent / "jupyter-book"
pytestmark = pytest.mark.build

PAGE = """---
jupytext:
  text_representation: {{extension: .md, format_name: myst}}
kernelspec: {{name: python3, display_name: Python 3, language: python}}
---

# Page

Some math: $a^2 + b^2$.

```{{code-cell}} ipython3
{code}
```
"""


def _book(tmp_path: Path, code: str) -> Path:
    book = skeleton(tmp_path / "book", PAGE.format(code=code))
    (book / "lecture_code").mkdir()
    (book / "lecture_code" / "marker.py").write_text("VALUE = 'first'\n")
    # this folder shadows the real package for the build's extensions (lite_links reads the version)
    (book / "lecture_code" / "__init__.py").write_text(f"__version__ = {lecture_code.__version__!r}\n")
    return book


def _build(book: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(JB), "build", str(book), "--builder", "html", "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )


def test_assets_are_installed():
    for asset in ("mathjax/startup.js", "mathjax/input/tex.js", "mathjax/output/chtml.js", "html-manager/embed.js",
                  "plotly/plotly-basic.min.js", "plotly/plotly-cartesian.min.js", "plotly/plotly-gl3d.min.js",
                  "plotly/plotly.min.js"):
        assert (ROOT / "_vendor" / asset).is_file(), f"{asset} missing: run `make assets`"


def test_a_failing_cell_fails_the_build(tmp_path):
    result = _build(_book(tmp_path, "raise RuntimeError('boom in a cell')"))
    assert result.returncode != 0
    assert "boom in a cell" in result.stdout + result.stderr


def test_a_warning_fails_the_build(tmp_path):
    book = _book(tmp_path, "print('fine')")
    page = book / "book" / "page.md"
    page.write_text(page.read_text() + "\nSee {doc}`no-such-page`.\n")
    result = _build(book)
    assert result.returncode != 0
    assert "unknown document" in result.stdout + result.stderr


def test_changing_lecture_code_re_executes_the_pages(tmp_path):
    # The page prints a value read from lecture_code/; the execution cache is keyed on the
    # page's code only, so only the extension's package hash can make the build notice.
    code = "print(open('../lecture_code/marker.py').read())"
    book = _book(tmp_path, code)
    html = book / "_build" / "html" / "book" / "page.html"
    assert _build(book).returncode == 0
    assert "first" in html.read_text()
    (book / "lecture_code" / "marker.py").write_text("VALUE = 'second'\n")
    assert _build(book).returncode == 0
    assert "second" in html.read_text()
    # and a rebuild with nothing changed keeps the cache (no re-execution message)
    again = _build(book)
    assert again.returncode == 0 and "discarding the execution cache" not in again.stdout + again.stderr


def _two_page_book(tmp_path: Path, second: str) -> Path:
    book = _book(tmp_path, "print('A', open('../lecture_code/marker.py').read())")
    (book / "book" / "two.md").write_text(PAGE.format(code=second))
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/page\nchapters:\n  - file: book/two\n")
    return book


def test_pages_execute_in_parallel_into_the_cache_and_stay_fresh(tmp_path):
    book = _two_page_book(tmp_path, "import os; print('B', os.environ['LECTURE_CODE_BUILD'])")
    out = _build(book)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-2000:]
    assert "executing 2 notebooks, 2 at a time" in log  # the parallel step ran both ...
    assert log.count("Using cached notebook") == 2     # ... and the strict read found both cached
    html = book / "_build" / "html" / "book"
    assert "first" in (html / "page.html").read_text()
    assert "B static" in (html / "two.html").read_text()  # build kernels see the static mode
    (book / "lecture_code" / "marker.py").write_text("VALUE = 'second'\n")
    again = _build(book)
    assert again.returncode == 0 and "executing 2 notebooks" in again.stdout + again.stderr
    assert "second" in (html / "page.html").read_text()


def test_a_page_failing_in_the_parallel_step_still_fails_the_build(tmp_path):
    book = _two_page_book(tmp_path, "raise RuntimeError('boom in the parallel step')")
    out = _build(book)
    assert out.returncode != 0
    assert "boom in the parallel step" in out.stdout + out.stderr


def test_pages_offer_their_notebook_for_download():
    site = ROOT / "_build" / "html"
    assert site.is_dir(), "the site is not built: run `make book` first"
    import nbformat

    pages = sorted((ROOT / "book").glob("*.md"))
    assert pages
    for md in pages:
        html = site / "book" / (md.stem + ".html")
        if not html.exists() or "kernelspec" not in md.read_text()[:2000]:  # not in the toc, or not a notebook
            continue
        nb_path = site / "_sources" / "book" / (md.stem + ".ipynb")
        assert nb_path.is_file(), f"{nb_path} missing"
        nb = nbformat.read(nb_path, as_version=4)
        assert any(c.cell_type == "code" for c in nb.cells)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        assert f"_sources/book/{md.stem}.ipynb" in html.read_text()


def test_a_rebuild_keeps_the_source_listings_and_refreshes_them_when_the_site_changes(tmp_path):
    """The library's source listings (viewcode's ``_modules/`` pages) are written again whenever
    the build writes pages (so a changed template or asset reaches them), and a build with
    nothing to do leaves them as they are: `make book` then `make test` must not lose them."""
    book = _book(tmp_path, "print('fine')")
    (book / "lecture_code" / "marker.py").write_text('"""A marker."""\n\nVALUE = "first"\n\n\ndef value():\n    """The value."""\n    return VALUE\n')
    (book / "book" / "api.md").write_text("# API\n\n```{eval-rst}\n.. automodule:: lecture_code.marker\n   :members:\n```\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/page\nchapters:\n  - file: book/api\n")
    listing = book / "_build" / "html" / "_modules" / "lecture_code" / "marker.html"
    out = _build(book)
    assert out.returncode == 0, (out.stdout + out.stderr)[-2000:]
    assert listing.is_file() and "value" in listing.read_text()
    first = listing.stat().st_mtime_ns
    again = _build(book)  # nothing changed: nothing is written, nothing removed
    assert again.returncode == 0 and "no targets are out of date" in again.stdout + again.stderr
    assert listing.is_file() and listing.stat().st_mtime_ns == first
    (book / "book" / "page.md").write_text((book / "book" / "page.md").read_text() + "\nMore text.\n")
    third = _build(book)  # pages written: the listing is written again, though its module did not change
    assert third.returncode == 0 and listing.is_file() and listing.stat().st_mtime_ns > first
