"""The parallel run of ``make test`` keeps its groups (tests/conftest.py, pyproject's addopts).

pytest-xdist's ``--dist loadgroup`` sends the tests of one ``xdist_group`` to one worker by
appending ``@group`` to their node ids; pytest 9.2 keeps node ids elsewhere, and then nothing is
grouped and nothing says so: every worker loads the same page again, and the grading tests that
look at machine-wide state run beside each other. This runs a small suite with the project's own
conftest and options on two workers and asks each test where it ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_RECORD = """
import json, os, time
from pathlib import Path

def record(name):
    time.sleep(0.05)
    with open(Path(os.environ["WHERE"]) / (name + "-" + os.environ.get("PYTEST_XDIST_WORKER", "main")), "w"):
        pass
"""

_FILES = {
    # the conftest's rule: every file whose name starts with test_grading is one group
    "test_grading_a.py": "from record import record\n"
                         + "".join(f"def test_a{i}():\n    record('grading_a{i}')\n" for i in range(4)),
    "test_grading_b.py": "from record import record\n"
                         + "".join(f"def test_b{i}():\n    record('grading_b{i}')\n" for i in range(4)),
    # a module-scoped fixture of the test's own module: one group per module
    "test_shared.py": "import pytest\nfrom record import record\n"
                      "@pytest.fixture(scope='module')\ndef costly():\n    return 1\n"
                      + "".join(f"def test_s{i}(costly):\n    record('shared{i}')\n" for i in range(4)),
    # a page's checks, grouped by an explicit mark on each parameter (as tests/test_site.py does)
    "test_pages.py": "import pytest\nfrom record import record\n"
                     "PAGES = [pytest.param(p, marks=pytest.mark.xdist_group('page ' + p)) for p in 'xy']\n"
                     + "".join(f"@pytest.mark.parametrize('page', PAGES)\ndef test_p{i}(page):\n    record('page_' + page + '{i}')\n"
                               for i in range(3)),
    # ungrouped tests, free to go anywhere
    "test_free.py": "from record import record\n"
                    + "".join(f"def test_f{i}():\n    record('free{i}')\n" for i in range(8)),
}


def test_grouped_tests_run_on_one_worker(tmp_path):
    suite, where = tmp_path / "suite", tmp_path / "where"
    suite.mkdir()
    where.mkdir()
    (suite / "record.py").write_text(_RECORD)
    # the project's conftest, as it is: its hooks group the tests
    (suite / "conftest.py").write_text("import sys\nsys.path.insert(0, %r)\nfrom tests.conftest import *  # noqa\n"
                                       "from tests.conftest import pytest_itemcollected, pytest_collection_modifyitems\n"
                                       % str(ROOT))
    for name, text in _FILES.items():
        (suite / name).write_text(text)
    addopts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", "--rootdir",
                          str(suite), "-c", "/dev/null", *addopts, str(suite)],
                         cwd=suite, capture_output=True, text=True, timeout=300,
                         env={**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},  # e.g. make bench's plugin
                              "WHERE": str(where), "PYTHONPATH": str(suite)})
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    ran: dict[str, str] = {}
    for f in where.iterdir():
        name, worker = f.name.rsplit("-", 1)
        ran[name] = worker
    assert len(ran) == 8 + 4 + 6 + 8, sorted(ran)
    assert set(ran.values()) == {"gw0", "gw1"}, "the suite did not run on two workers"

    def workers(prefix):
        return {w for n, w in ran.items() if n.startswith(prefix)}

    assert len(workers("grading_")) == 1, f"the grading tests ran on several workers: {json.dumps(ran)}"
    assert len(workers("shared")) == 1, json.dumps(ran)
    assert len(workers("page_x")) == 1 and len(workers("page_y")) == 1, json.dumps(ran)
