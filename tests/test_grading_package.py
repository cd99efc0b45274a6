"""The student side ships in the installable package and works outside the repository.

Builds the wheel (``make wheel`` = ``python -m grading wheel``), checks what is inside, installs
it into a fresh virtual environment in a temporary folder outside the repository, and executes
copied exercise notebooks there in a real Jupyter kernel of that environment: with the
answers filled in every check passes; as distributed every check fails with a message that
names what to write.

The fresh environment gets the wheel (``pip install --no-deps --no-index``) and reaches the
third-party packages (numpy, plotly, ipykernel) through a plain path entry to this project's
site-packages: a path entry does not run that folder's ``.pth`` files, so the editable install of
``lecture_code`` there stays invisible, and the test asserts that the package is imported from
the fresh environment and that ``grading`` cannot be imported at all.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from grading import CANARY
from grading.sandbox import shipped_files
from grading.source import ROOT, load_all, solution_notebook, student_notebook

PY = sys.executable


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([PY, "-m", "grading", "wheel", "--out", str(out)], cwd=ROOT, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    (whl,) = out.glob("lecture_code-*.whl")
    return whl


def test_the_wheel_holds_the_student_side_and_nothing_hidden(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        texts = {n: z.read(n).decode("utf-8", "replace") for n in names}
    assert all(n.startswith(("lecture_code/", "lecture_code-")) for n in names), names
    assert not any(n.startswith(("grading", "solutions", "exercises", "tests")) for n in names)
    exercises = {ex.name for ex in load_all()}
    assert {f"lecture_code/student/checks/{e}.py" for e in exercises} <= set(names)
    assert "lecture_code/student/__init__.py" in names
    for n, text in texts.items():
        assert CANARY not in text, n
        assert "BEGIN SOLUTION" not in text, n
        assert not re.search(r"(?<![\w.])hidden\(\s*[\"']q", text), n  # no hidden-check declaration
    # the sandbox shows submissions exactly the package students install
    assert sorted(n for n in names if n.startswith("lecture_code/")) == shipped_files()


def test_make_wheel_and_the_site_build_the_same_file(wheel: Path, tmp_path: Path) -> None:
    """One build path: the in-browser site's builder (which serves the wheel under ``lite/wheels/``)
    writes the same bytes as ``make wheel``, and that wheel has what a package needs: the licence
    file and a description."""
    from lite import build as lite_build

    site = lite_build.build_project_wheel(tmp_path / "site")
    assert site.name == wheel.name
    assert site.read_bytes() == wheel.read_bytes()
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-File: LICENSE" in meta
    readme_title = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[0]
    assert readme_title in meta  # the long description


@pytest.mark.build
def test_the_served_wheel_is_the_one_make_wheel_builds(wheel: Path) -> None:
    """The file the built site serves (``lite/install.py``'s address) equals a fresh ``make wheel``
    of the same checkout (``make test`` builds the site first)."""
    from lite import build as lite_build
    from lite import install

    served = ROOT / "_build" / "html" / install.WHEEL_FOLDER / install.wheel_name()
    manifest = ROOT / "_build" / "html" / "lite" / "book-lite.json"
    assert served.is_file() and json.loads(manifest.read_text())["inputs"] == lite_build.inputs_hash(), \
        "the in-browser site is not built from this checkout: run `make book` first"
    assert served.read_bytes() == wheel.read_bytes()


@pytest.fixture(scope="module")
def fresh_env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("student-machine")
    assert not str(base).startswith(str(ROOT))
    venv = base / "venv"
    subprocess.run([PY, "-m", "venv", str(venv)], check=True, timeout=300)
    vpy = venv / "bin" / "python"
    r = subprocess.run([str(vpy), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                        "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    site = subprocess.run([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "zz_third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GRADING_RUN")}
    env["JUPYTER_PATH"] = str(base / "share" / "jupyter")
    kdir = base / "share" / "jupyter" / "kernels" / "student"
    kdir.mkdir(parents=True)
    (kdir / "kernel.json").write_text(json.dumps({
        "argv": [str(vpy), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "student", "language": "python"}))
    work = base / "homework"
    work.mkdir()
    probe = subprocess.run(
        [str(vpy), "-c", "import lecture_code.student as s, importlib.util, sys, json; print(s.__file__); "
                         "print(importlib.util.find_spec('grading')); print(json.dumps(sys.path))"],
        cwd=work, capture_output=True, text=True, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr
    where, grading_spec, path = probe.stdout.splitlines()[:3]
    assert where.startswith(str(venv)), where  # the installed wheel, not the repository
    assert grading_spec == "None"
    inside = [p for p in json.loads(path) if p.startswith(str(ROOT))]
    assert inside == [sysconfig.get_paths()["purelib"]], inside  # only the third-party packages
    return {"env": env, "work": work}


def _execute(nb, fresh_env: dict, name: str) -> str:
    from nbclient import NotebookClient

    path = fresh_env["work"] / f"{name}.ipynb"
    nbformat.write(nb, path)  # a copy in the student's own folder
    nb = nbformat.read(path, as_version=4)
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(fresh_env["env"])
    try:
        NotebookClient(nb, timeout=120, kernel_name="student",
                       resources={"metadata": {"path": str(fresh_env["work"])}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


@pytest.mark.parametrize("name", ["narrow_valley", "adam", "regions_nfl"])
def test_a_copied_exercise_works_outside_the_repository(name: str, fresh_env: dict) -> None:
    ex = next(e for e in load_all() if e.name == name)
    solved = _execute(solution_notebook(ex), fresh_env, f"{name}-solved")
    for q in ex.questions:
        assert re.search(rf"^{q} ✔ (all \d+ public checks pass|the public check passes)", solved, flags=re.M), (q, solved)
    total = sum(q.points for q in ex.hidden)
    assert f"Total: {total:g}/{total:g} points" in solved
    blank = _execute(student_notebook(ex), fresh_env, name)
    for q in ex.questions:
        line = re.search(rf"^{q} ✘ (.*)$", blank, flags=re.M)
        assert line, (q, blank)
        # specific: names the function still to write, or the value still `...`
        assert re.search(r"`\w+` is (not written yet|still `\.\.\.`)", line.group(1)), line.group(0)
    assert f"Total: 0/{total:g} points" in blank
