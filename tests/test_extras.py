"""The optional dependencies (``core.extras``): the pin it names is the project's, and a module
imported without PyTorch says what to install."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from lecture_code.core.extras import TORCH_INDEX, TORCH_REQUIREMENT, torch_missing
from tests.no_torch import NO_TORCH

ROOT = Path(__file__).resolve().parents[1]


def test_the_requirement_is_the_projects_pin():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert TORCH_REQUIREMENT in extras["torch"]
    assert TORCH_REQUIREMENT in (ROOT / "requirements.txt").read_text().split("\n")


def test_the_error_names_the_module_and_the_install_line():
    err = torch_missing("lecture_code.core.models")
    assert isinstance(err, ModuleNotFoundError) and err.name == "torch"
    assert "lecture_code.core.models needs PyTorch" in str(err)
    assert f'pip install "{TORCH_REQUIREMENT}" --extra-index-url {TORCH_INDEX}' in str(err)


def test_a_torch_module_imported_without_torch_raises_it():
    script = (NO_TORCH +
              "try:\n    import lecture_code.core.models\nexcept ModuleNotFoundError as e:\n    print(e.name, '|', e)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("torch | lecture_code.core.models needs PyTorch"), out.stdout + out.stderr[-1000:]


def test_the_advice_holds_with_and_without_a_launch_menu():
    """The site has a launch menu only once `_config.yml` names a repository (README, "Launch
    buttons"; the checkout names none): the advice says where one exists and what to do when not,
    never "the launch menu of this page" as if every site had it."""
    import yaml

    msg = str(torch_missing("lecture_code.core.models"))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == ""  # the default build: no menu
    assert "Where the book's site shows a launch menu" in msg
    assert "without a repository address has no such menu" in msg and "on a computer" in msg
    assert "the launch menu of this chapter's page opens" not in msg
