"""`make help` lists every target a user may run and every variable a user may set."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKEFILES = [ROOT / "Makefile", ROOT / "grading" / "grading.mk", ROOT / "lite" / "lite.mk"]


def _help() -> tuple[dict[str, str], dict[str, str]]:
    out = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    targets, variables, section = {}, {}, None
    for line in out.splitlines():
        if line.startswith("Targets"):
            section = targets
        elif line.startswith("Variables"):
            section = variables
        elif line.startswith("  ") and section is not None:
            name, _, text = line.strip().partition(" ")
            section[name.split("=")[0]] = text.strip()
    return targets, variables


def test_every_phony_target_is_listed_with_what_it_does():
    targets, _ = _help()
    phony = set()
    for mk in MAKEFILES:
        for line in mk.read_text().splitlines():
            if line.startswith(".PHONY:"):
                phony.update(line.split(":", 1)[1].split())
    assert phony, "no .PHONY targets found"
    missing = sorted(phony - set(targets))
    assert not missing, f"targets without a `## ` help line above their rule: {missing}"
    assert all(targets[t] for t in phony)


def test_every_variable_a_user_may_set_is_listed_with_its_default():
    _, variables = _help()
    # the variables the README and the makefiles' own comments tell users to set
    documented = {"PYTHON", "SOLUTIONS", "TOC", "LAB_ARGS", "LECTURE_BUILD_JOBS", "OPENBLAS_NUM_THREADS", "SUBMISSIONS",
                  "GRADE_OUT", "GRADE_WORKERS", "GRADE_STEP_TIMEOUT", "GRADE_TOTAL_TIMEOUT", "GRADE_ATTEMPTS",
                  "GRADE_SANDBOX"}
    assert documented <= set(variables), sorted(documented - set(variables))
    # and every variable a recipe reads from the command line ($(NAME) with an `?=` default) that
    # is not the makefiles' own plumbing
    plumbing = {"PY", "JB"}
    for mk in MAKEFILES:
        for name in re.findall(r"^(?:export +)?([A-Z_]+) *\?=", mk.read_text(), flags=re.M):
            assert name in variables or name in plumbing, f"{mk.name}: {name} has no `## ` help line"
    out = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "GRADE_ATTEMPTS=latest" in out and "SOLUTIONS=0" in out  # defaults shown


def test_the_graders_run_collects_every_file_whose_tests_it_selects():
    """`make test` runs the tests marked ``grading`` in a process of their own that collects only
    ``GRADING_FILES``, and leaves them out of the other run: a test marked so in another file
    would run in neither. The mark comes from conftest (files named ``ONE_AT_A_TIME``) only
    (no test module adds the mark itself)."""
    from tests.conftest import ONE_AT_A_TIME

    out = subprocess.run(["make", "-s", "--no-print-directory", "--eval", "print-%: ; @echo $($*)", "print-GRADING_FILES"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    collected = {path for pattern in out for path in ROOT.glob(pattern)}
    marked = {path for path in (ROOT / "tests").glob("test_*.py") if path.name.startswith(ONE_AT_A_TIME)}
    assert collected and collected == marked, (sorted(p.name for p in collected ^ marked))
    by_hand = [p.name for p in (ROOT / "tests").glob("*.py") if p.name not in ("conftest.py", Path(__file__).name)
               and "mark.grading" in p.read_text()]
    assert not by_hand, f"tests marked `grading` outside conftest: {by_hand}"


def test_what_the_lock_leaves_out_is_neither_locked_nor_installed():
    """``LEFT_OUT`` (jsonschema's optional "iri" format checker: 1.3 s of CPU at every import of
    jsonschema) is in neither the lock nor the environment set up from it, and nothing installed
    needs it (``pip check``: only an optional extra asks for it); notebooks still validate."""
    import importlib.metadata

    import nbformat

    out = subprocess.run(["make", "-s", "--no-print-directory", "--eval", "print-%: ; @echo $($*)", "print-LEFT_OUT"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert out, "LEFT_OUT is empty"
    locked = {re.split(r"[=<>]", line)[0].lower() for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    for name in out:
        assert name.lower() not in locked, f"{name} is in requirements.txt"
        try:
            importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        raise AssertionError(f"{name} is installed in the environment (make setup uninstalls it)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nbformat.validate(nb)
    bad = {**nb, "cells": [{"id": "bad", "cell_type": "code", "source": "1"}]}  # no outputs, no metadata
    with pytest.raises(nbformat.validator.NotebookValidationError, match="required property"):
        nbformat.validate(bad)  # jsonschema still checks


def test_the_environment_holds_exactly_the_lock():
    """However the set-up installed it (uv, or pip when uv could not: book/_ext/install_lock.py),
    ``.venv`` holds every package of the lock at its pinned version (a local build label such as
    torch's ``+cpu`` allowed, as ``==`` allows it), and besides them only the project itself and
    the installer uv."""
    import importlib.metadata

    from packaging.utils import canonicalize_name
    from packaging.version import Version

    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pinned[canonicalize_name(name)] = Version(version)
    installed = {canonicalize_name(d.metadata["Name"]): Version(d.version) for d in importlib.metadata.distributions()}
    wrong = {n: (str(v), str(installed.get(n))) for n, v in pinned.items()
             if n not in installed or installed[n].public != v.public}
    assert not wrong, f"pinned vs installed: {wrong}"
    extra = set(installed) - set(pinned) - {"lecture-code", "uv"}
    assert not extra, f"installed but not in the lock: {sorted(extra)}"
