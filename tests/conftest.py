"""Fixtures shared by the test modules, and the order in which a parallel run takes the tests.

Browser tests (``tests/sitecheck.py`` drives Debian's Chromium with Playwright):

* ``fresh`` (session): ``(base_url, chromium)``, the built site served on 127.0.0.1 and the
  worker's one shared headless Chromium; every ``chromium.new_context()`` is a fresh profile
  with an empty cache. Close the contexts you open, never the browser.
* ``site`` (module): ``(base_url, context)``, one 1280 px browser context shared by a module's
  tests (its cache warms up, its storage is the module's own).

Start no browser of your own: ``sitecheck.chromium()`` and ``sitecheck.browser()`` hand out the
shared one too. How to write a fast browser test (one page load, many checks): docs/CONVENTIONS.md.

``make test`` runs the suite on every core (pytest-xdist, ``--dist loadgroup``): tests marked
``xdist_group(name)`` run on one worker, in their file order (a page's checks share its load;
tests sharing a module-scoped fixture are grouped so automatically), and the slowest tests are
handed out first (:data:`FIRST`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.sitecheck import SITE, serve, shared_chromium

# The build's Sphinx extensions (book/_ext) import each other as top-level modules, as Sphinx's
# local_extensions path lets them; tests that load one must find the others on every worker.
_EXT = str(Path(__file__).resolve().parents[1] / "book" / "_ext")
if _EXT not in sys.path:
    sys.path.insert(0, _EXT)


@pytest.fixture(scope="session")
def site_url():
    """The built site (``make book``), served on a free port of 127.0.0.1 under the sub-path a
    project's GitHub Pages site has (``sitecheck.SUB_PATH``, nothing at ``/``)."""
    assert SITE.is_dir(), "the site is not built: run `make book` first"
    with serve() as base:
        yield base


@pytest.fixture(scope="session")
def fresh(site_url):
    """The local server and the shared Chromium: every context it opens starts with an empty cache."""
    return site_url, shared_chromium()


@pytest.fixture(scope="module")
def site(fresh):
    """The local server and one 1280 px browser context shared by a module's tests."""
    base, instance = fresh
    context = instance.new_context(viewport={"width": 1280, "height": 900})
    yield base, context
    context.close()


#: Module-scoped fixtures that are cheap to set up twice (a server, a browser context): their
#: tests may run on two workers.
CHEAP_TO_SHARE = {"lite_browser", "phone"}


#: Test files (by the start of their name) that look at machine-wide state (no grader process or
#: sandbox folder left behind)
#: run one after the other on one worker, never beside each other's graders; they are the
#: grader's tests, marked ``grading`` (``make test`` runs them in a process of their own).
ONE_AT_A_TIME = ("test_grading",)


def pytest_itemcollected(item):
    """Tests that share an expensive fixture of their own module (a graded folder, a trained
    network, a server) run on one worker, which sets it up once, as in a serial run; so do the
    files of :data:`ONE_AT_A_TIME`."""
    if item.path.name.startswith(ONE_AT_A_TIME):
        item.add_marker(pytest.mark.grading)
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group("machine-wide state: the grading tests"))
        return
    if item.get_closest_marker("xdist_group") is not None:
        return
    module = item.nodeid.split("::")[0]
    params = getattr(getattr(item, "callspec", None), "params", {})
    for name, defs in item._fixtureinfo.name2fixturedefs.items():
        fixture = defs[-1]
        if (fixture.scope in ("module", "class", "package") and fixture.baseid == module
                and name not in params and name not in CHEAP_TO_SHARE):
            item.add_marker(pytest.mark.xdist_group(module))
            return


#: Test files whose tests take the longest (minutes: a kernel in the browser, JupyterLab, whole
#: builds, sandboxes, chapters run in a subprocess), handed out first in a parallel run: a long
#: test started last keeps one worker busy while the others have nothing left to do. Then the
#: other browser and build tests, then the unit tests, which fill the gaps at the end.
FIRST = {"test_lite.py": 0, "test_lab.py": 0, "test_build.py": 0, "test_layout.py": 1, "test_grading_sandbox.py": 1,
         "test_binder.py": 1, "test_grading.py": 1}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Slow tests first (stable: the order within a rank, a page's checks included, is kept)."""
    def rank(item) -> int:
        if item.path.name in FIRST:
            return FIRST[item.path.name]
        return 2 if item.get_closest_marker("browser") or item.get_closest_marker("build") else 3

    items.sort(key=rank)


def pytest_sessionfinish(session):
    sitecheck = sys.modules.get("tests.sitecheck")
    if sitecheck is not None:
        sitecheck.shutdown()
