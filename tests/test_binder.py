"""The Binder image: repo2docker reads binder/ and must build Python 3.11 with CPU-only torch.

repo2docker renders its Dockerfile without Docker (``--no-build``); it runs from a
throw-away virtual environment under ``_build/`` (created on first use, pinned below), so
the project's own lock does not carry it.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
REPO2DOCKER = "jupyter-repo2docker==2026.4.0"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CUDA_NAMES = re.compile(r"^(nvidia[-_]|cuda|triton\b|cupy)", re.IGNORECASE)

pytestmark = pytest.mark.build


def requirement_lines(path: Path) -> list[str]:
    """Every requirement line of ``path`` and of the files it includes with ``-r``."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            lines += requirement_lines((path.parent / line.split(None, 1)[1]).resolve())
        else:
            lines.append(line)
    return lines


def test_python_is_3_11():
    assert BINDER.joinpath("runtime.txt").read_text().strip() == "python-3.11"


def test_torch_is_the_cpu_build_and_nothing_asks_for_cuda():
    lines = requirement_lines(BINDER / "requirements.txt")
    names = [re.split(r"[<>=!~\[ ;@]", line, maxsplit=1)[0] for line in lines if not line.startswith("-")]
    assert not [n for n in names if CUDA_NAMES.match(n)], f"CUDA packages requested: {names}"
    assert "torch==2.13.0+cpu" in lines
    assert f"--extra-index-url {CPU_INDEX}" in lines
    assert "-e ." in lines, "the course package must be installed"
    # The project's pin and the Binder pin name the same torch release.
    lock = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", lock, re.M)
    # The CPU build (the one installed here, from the same release) requires no CUDA package.
    assert importlib.metadata.version("torch").endswith("+cpu")
    requires = importlib.metadata.requires("torch") or []
    assert not [r for r in requires if CUDA_NAMES.match(r)], requires


@pytest.fixture(scope="module")
def repo2docker() -> Path:
    env = ROOT / "_build" / "repo2docker-venv"
    exe = env / "bin" / "repo2docker"
    if not exe.exists():
        venv.create(env, with_pip=True)
        subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", REPO2DOCKER], check=True, timeout=600)
    return exe


def _as_binder_clones_it(to: Path) -> Path:
    """The repository as Binder sees it, a clone: its files, committed or not (a change to
    ``binder/`` is tested before it is committed), without what the set-up and the build leave
    beside them (``.venv``, ``node_modules``, ``_build``: repo2docker walks every folder it is
    given, 100,000 files here)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to


def test_repo2docker_renders_a_python_3_11_image_that_installs_binder_requirements(repo2docker, tmp_path):
    clone = _as_binder_clones_it(tmp_path / "repo")
    assert (clone / "binder" / "requirements.txt").is_file() and (clone / "pyproject.toml").is_file()
    result = subprocess.run([str(repo2docker), "--no-build", "--debug", str(clone)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    dockerfile = result.stdout + result.stderr
    assert "Building conda environment for python=3.11" in dockerfile, "repo2docker did not pick Python 3.11"
    # the base environment it copies in is its Python 3.11 lock (file names are escaped)
    assert "environment-2epy-2d3-2e11-2dlinux-2d64-2elock" in dockerfile
    assert re.search(r'pip install --no-cache-dir -r "binder/requirements.txt"', dockerfile)
    # installed after the whole repository is copied in (it installs the package itself)
    assert dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/") < dockerfile.index('-r "binder/requirements.txt"')
    assert not re.search(r"nvidia|cuda", dockerfile, re.IGNORECASE)
