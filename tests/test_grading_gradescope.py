"""The Gradescope archive (``grading/gradescope.py``): built, unpacked and run the way Gradescope runs
it (as root, ``GRADE_SANDBOX=user``, one submission per run), with the rules of ``make grade``."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest

from grading import CANARY
from grading.source import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "grading"))
import make_matrix  # noqa: E402

PY = sys.executable


class _Bait:
    """A loopback TCP server handing out the canary; counts connections (ephemeral port)."""

    def __init__(self) -> None:
        self.hits = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.sendall(CANARY.encode())
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.sock.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    assert os.geteuid() == 0, "the Gradescope mode runs as root (as Gradescope and CI do)"
    tmp = tmp_path_factory.mktemp("gradescope")
    z = tmp / "autograder.zip"
    subprocess.run([PY, "-m", "grading", "autograder", "--out", str(z), "--exercise", "narrow_valley"],
                   cwd=ROOT, check=True)
    src = tmp / "source"
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        zf.extractall(src)
    for name in ("setup.sh", "run_autograder"):
        (src / name).chmod(0o755)
    return src, names, tmp


def _grade(src: Path, root: Path, files: dict[str, bytes]) -> dict:
    (root / "submission").mkdir(parents=True)
    for name, data in files.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADE_SANDBOX")}
    env["GRADE_USER_MODE_WITHOUT_FILE_ISOLATION"] = "1"  # not at /autograder/source: say so
    subprocess.run([PY, "-m", "grading", "gradescope", "--root", str(root)], cwd=src, check=True, env=env,
                   timeout=600)
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graded(archive):
    src, _, tmp = archive
    bait = _Bait()
    try:
        matrix, hostile = make_matrix.write(tmp / "fixtures", bait_port=bait.port)
        correct = (matrix / "correct" / "narrow_valley.ipynb").read_bytes()
        partial = (matrix / "partial" / "narrow_valley.ipynb").read_bytes()
        # an attacker that knows exactly where the hidden checks are (the test bakes the path in)
        nb = nbformat.read(hostile / "import_grader" / "narrow_valley.ipynb", as_version=4)
        target = src / "solutions" / "narrow_valley.md"
        nb.cells.append(nbformat.v4.new_code_cell(
            f"try:\n    _stolen = open({str(target)!r}).read()\nexcept OSError as exc:\n"
            f"    _stolen = ''\nif 'BEGIN SOLUTION' in _stolen:\n    exec(_RIGHT, globals())\n"
            f"raise RuntimeError('AttackReport: direct read got through ' + str(int(bool(_stolen))))"))
        # three attacks in one submission: each attack cell reports on its own (fewer runs, same routes)
        combined = nbformat.read(hostile / "network" / "narrow_valley.ipynb", as_version=4)
        for case in ("proc_parent", "memory_outside"):
            other = nbformat.read(hostile / case / "narrow_valley.ipynb", as_version=4)
            combined.cells += [c for c in other.cells if c.get("id", "").startswith("attack-")]
        cases = {
            "partial": {"hw.ipynb": partial},
            "twice": {"hw.ipynb": correct, "hw (copy).ipynb": correct},
            "names": {"All hidden tests passed\n\x1b[32mScore: 100/100.ipynb": partial, "notes.txt": b"x"},
            "direct": {"hw.ipynb": nbformat.writes(nb).encode()},  # import_grader's routes, then a direct read
            "network_proc_memory": {"hw.ipynb": nbformat.writes(combined).encode()},
            # red team X2: another exercise in the upload was summed (13.2 points of 8)
            "extra": {"hw.ipynb": correct, "adam.ipynb": (ROOT / "exercises" / "adam.ipynb").read_bytes()},
        }
        results = {case: _grade(src, tmp / case, files) for case, files in cases.items()}
    finally:
        bait.close()
    return results, bait.hits, src


def test_the_archive_holds_the_grader_and_runs_it_unprivileged(archive, graded) -> None:
    src, names, _ = archive
    assert {"setup.sh", "run_autograder", "requirements.txt", "gradescope.json", "grading/runner.py",
            "grading/launch.py", "grading/seccomp.py", "lecture_code/student/__init__.py",
            "solutions/narrow_valley.md"} <= set(names)
    assert "GRADE_SANDBOX=user" in (src / "run_autograder").read_text()
    assert oct((src / "solutions").stat().st_mode & 0o777) == "0o700"


def test_scores_follow_the_rules_of_make_grade(graded) -> None:
    results, _, _ = graded
    res = results["partial"]
    assert res["score"] == pytest.approx(4.0)
    names = {t["name"] for t in res["tests"]}
    assert {f"narrow_valley q{i} (hidden cases)" for i in range(1, 6)} <= names
    assert "narrow_valley q1 (public cases)" in names
    assert sum(t["max_score"] for t in res["tests"]) == pytest.approx(8.0)
    # the same notebook uploaded twice: one exercise, one counted attempt (the latest)
    extra = results["extra"]  # the archive grades its one exercise; the other notebook is listed
    assert extra["score"] == pytest.approx(8.0) and sum(t["max_score"] for t in extra["tests"]) == pytest.approx(8.0)
    assert not any("adam" in t["name"] for t in extra["tests"])
    assert '"adam.ipynb" is a notebook of adam: not graded, not an assigned exercise' in extra["output"]
    twice = results["twice"]
    assert twice["score"] == pytest.approx(8.0) and sum(t["max_score"] for t in twice["tests"]) == pytest.approx(8.0)
    assert 'another attempt at narrow_valley counts' in twice["output"]


def test_visibility_public_cases_visible_hidden_ones_after_publishing(graded) -> None:
    results, _, _ = graded
    for t in results["partial"]["tests"]:
        want = "visible" if t["name"].endswith("(public cases)") else "after_published"
        assert t["visibility"] == want, t


def test_hidden_visibility_is_configurable(tmp_path: Path) -> None:
    from grading.gradescope import build_zip

    z = build_zip(tmp_path / "a.zip", hidden_visibility="hidden")
    with zipfile.ZipFile(z) as zf:
        assert json.loads(zf.read("gradescope.json")) == {"hidden_visibility": "hidden", "exercise": None}
    with pytest.raises(ValueError, match="hidden_visibility must be one of"):
        build_zip(tmp_path / "b.zip", hidden_visibility="sometimes")
    z = build_zip(tmp_path / "c.zip", exercise="adam")
    with zipfile.ZipFile(z) as zf:
        assert json.loads(zf.read("gradescope.json"))["exercise"] == "adam"
    with pytest.raises(ValueError, match="exercise must be one of .*adam"):
        build_zip(tmp_path / "d.zip", exercise="nope")


def test_results_json_is_sanitized(graded) -> None:
    results, _, _ = graded
    res = results["names"]
    assert res["score"] == pytest.approx(4.0)
    text = json.dumps(res)
    assert "\x1b" not in res["output"] and "\\u001b" not in text
    for line in res["output"].splitlines():
        assert not line.startswith(("All hidden tests passed", "Score:")), res["output"]
    assert '"notes.txt" is not a notebook' in res["output"]
    for t in res["tests"]:
        assert "\n" not in t["name"] and all(ch.isprintable() for ch in t["name"])


def test_attackers_get_nothing_and_reach_no_network(graded) -> None:
    results, hits, _ = graded
    assert results["direct"]["score"] == 0, results["direct"]
    assert results["direct"]["output"].count("got through 0") == 2, results["direct"]["output"]
    both = results["network_proc_memory"]
    assert both["score"] == 0, both
    for attack in ("network", "proc_parent", "memory_outside"):
        assert re.search(rf"AttackReport: {attack} tried \d+ routes, got through 0", both["output"]), both["output"]
    assert hits == 0, "a submission reached a service on the host's loopback"


def test_setup_sh_stops_clearly_without_python_311(archive, tmp_path: Path) -> None:
    src, _, _ = archive
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, body in (("python3", "#!/bin/sh\n[ \"$1\" = --version ] && echo 'Python 3.10.12'\nexit 1\n"),
                       ("apt-get", "#!/bin/sh\nexit 100\n")):
        (fake / name).write_text(body)
        (fake / name).chmod(stat.S_IRWXU)
    r = subprocess.run(["/bin/bash", str(src / "setup.sh")], env={"PATH": str(fake)}, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "needs Python >= 3.11" in r.stderr and "Python 3.10.12" in r.stderr and "Ubuntu 22.04" in r.stderr


def test_the_archive_pins_the_courses_versions(tmp_path: Path) -> None:
    """Red team: Gradescope's requirements were unpinned (scipy, plotly, ...): the archive installs
    each package at the version of the course's requirements.txt (an independent reading of it)."""
    from grading.gradescope import GRADESCOPE_PACKAGES, build_zip

    pinned = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\#]+)", line.strip())
        if m:
            pinned[m.group(1).lower()] = m.group(2)
    with zipfile.ZipFile(build_zip(tmp_path / "a.zip")) as zf:
        lines = zf.read("requirements.txt").decode().split()
    assert lines == [f"{p}=={pinned[p]}" for p in GRADESCOPE_PACKAGES]
