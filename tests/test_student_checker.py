"""What ``check("qN")`` (``lecture_code.student``) tells a student, in a real IPython shell: the
reason a name is missing (its cell raised, or it was never run) and the count of checks passed."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from lecture_code.student import _CELL_ERRORS, Checker, _defined_names


@pytest.fixture()
def shell():
    ip = InteractiveShell.instance()
    _CELL_ERRORS.clear()  # a fresh notebook
    ip.run_cell("from lecture_code.student import Checker\ncheck = Checker('narrow_valley')\n"
                "import numpy as np")
    yield ip
    for name in ("eta_better", "check"):
        ip.user_ns.pop(name, None)


def _check(ip, question: str) -> tuple[bool, str]:
    return ip.user_ns["check"]._run(question, ip.user_ns)


def test_a_cell_that_raised_is_named_as_the_reason(shell) -> None:
    shell.run_cell("eta_better = 1 / 0")
    ok, msg = _check(shell, "q2")
    assert not ok
    assert "raised ZeroDivisionError" in msg and "`eta_better`" in msg
    assert "run the cell that defines it" not in msg


def test_a_cell_never_run_is_named_as_the_reason(shell) -> None:
    ok, msg = _check(shell, "q2")
    assert not ok and "not defined yet: run the cell that defines it" in msg


def test_fixing_the_cell_clears_the_error(shell) -> None:
    shell.run_cell("eta_better = 1 / 0")
    shell.run_cell("eta_better = 2 / 150")  # defined now: the check runs on the value
    ok, msg = _check(shell, "q2")
    assert "raised" not in msg and "not defined" not in msg, msg


def test_a_cell_that_does_not_parse_is_named_too(shell) -> None:
    shell.run_cell("eta_better = (1 /")
    ok, msg = _check(shell, "q2")
    assert not ok and "raised SyntaxError" in msg


def test_one_check_passes_in_the_singular() -> None:
    checker = Checker("narrow_valley")
    single = [q for q, fns in checker.tests.items() if len(fns) == 1]
    assert single, "every question has several public checks: nothing to test"
    for q in single:
        checker.tests[q] = [lambda: None]
        assert checker._run(q, {}) == (True, "the public check passes")
    checker.tests[single[0]] = [lambda: None, lambda: None]
    assert checker._run(single[0], {}) == (True, "all 2 public checks pass")


@pytest.mark.parametrize("source, names", [
    ("eta_better = 1 / 0", {"eta_better"}),
    ("import numpy as np\nfrom a import b as c", {"np", "c"}),
    ("x, (y, z) = 1, (2, 3)\nw += 1\nv: int = 3", {"x", "y", "z", "w", "v"}),
    ("def f(a):\n    inner = 1\nclass K: pass", {"f", "K"}),
    ("def f(:\n    pass\nx = 3\ny == 2", {"f", "x"}),  # does not parse: by its look
])
def test_defined_names(source: str, names: set[str]) -> None:
    assert _defined_names(source) == names


def test_the_step_size_message_does_not_repeat_itself(shell) -> None:
    shell.run_cell("eta_better = 0.1")
    ok, msg = _check(shell, "q2")
    assert not ok and "eta = 0.1" in msg and "eta = 0.1 gives" not in msg, msg
    shell.run_cell("eta_better = 0.11")
    ok, msg = _check(shell, "q2")
    assert not ok and "eta = 0.1 gives" in msg, msg  # a comparison only for another step size
