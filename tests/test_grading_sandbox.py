"""Grading a class that attacks the grader: the bubblewrap sandbox, the result channel, the
submissions folder, attempts, and what is left after the run.

The class is the hostile matrix (one attacker per folder, written at test time from
``tests/fixtures/grading/hostile.py``) plus honest classmates from the ordinary matrix, plus what
the test makes on disk: symbolic links, a named pipe, non-notebooks, hostile and colliding file
names, a notebook eight folders deep, 51 attempts, an attempt named to forge a total, a 90 MB
notebook heavy with outputs. It is graded once (module fixture) in the default sandbox, the way
``make grade`` does, with 2 workers. Every check is scoped to this grader's own processes and
temporary folders (parallel-safe), and the loopback bait listens on an ephemeral port.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from grading import CANARY
from grading.grade import grade_folder
from grading.limits import Limits
from grading.source import ROOT, SOLUTIONS, load, solution_notebook

FIXTURES = ROOT / "tests" / "fixtures" / "grading"
sys.path.insert(0, str(FIXTURES))
import hostile  # noqa: E402
import make_matrix  # noqa: E402
from helpers import host_paths, sandbox_processes, temp_folders  # noqa: E402

PY = sys.executable
CLASSMATES = ["correct", "partial", "wrong", "unanswered", "exception_in_function"]
WEIRD = {  # raw folder name -> what the CSV must show (quoted names, escaped, never cut)
    "=HYPERLINK(\"http:evil\",\"x\")": "'=HYPERLINK(\\\"http:evil\\\",\\\"x\\\")",
    "+1+2": "'+1+2",
    "@SUM(A1)": "'@SUM(A1)",
    "new\nline": "new\\nline",
    "tab\tname": "tab\\tname",
    "x" * 200: "x" * 200,
    "eve\tx": "eve\\tx",  # three ids that an older grader showed alike
    "eve\nx": "eve\\nx",
    "eve?x": "eve?x",
    "y" * 249 + "1": "y" * 249 + "1",  # 250-byte ids differing in their last byte
    "y" * 249 + "2": "y" * 249 + "2",
    "..": "..",  # the file `...ipynb`
}


def _pwned() -> list[str]:
    found = []
    for top in (Path("/tmp"), Path("/dev/shm"), Path("/var/tmp")):
        found += [str(p) for p in top.glob("PWNED*")]
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", ".venv-lite", "node_modules", "_build")]
        found += [os.path.join(dirpath, f) for f in filenames if f.startswith("PWNED")]
    return found


class _Bait:
    """A loopback TCP server and an abstract unix socket that hand out the canary: a submission
    that reaches either one gets the reference solution. They count connections."""

    def __init__(self) -> None:
        self.hits = 0
        self.tcp = socket.socket()
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", 0))  # an ephemeral port: parallel test runs never collide
        self.port = self.tcp.getsockname()[1]
        self.tcp.listen(8)
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix_name = f"grading-hostile-test-{os.getpid()}"  # unique: parallel test runs never collide
        self.unix.bind("\0" + self.unix_name)
        self.unix.listen(8)
        self.stop = False
        for s in (self.tcp, self.unix):
            s.settimeout(0.2)
            threading.Thread(target=self._serve, args=(s,), daemon=True).start()

    def _serve(self, s: socket.socket) -> None:
        while not self.stop:
            try:
                conn, _ = s.accept()
            except OSError:
                continue
            self.hits += 1
            try:
                conn.sendall(CANARY.encode())
            finally:
                conn.close()

    def close(self) -> None:
        self.stop = True
        self.tcp.close()
        self.unix.close()


def _class_folder(root: Path, port: int, unix: str) -> tuple[Path, Path, Path]:
    matrix, hostile_dir = make_matrix.write(root / "fixtures", bait_port=port, bait_unix=unix,
                                            host_paths=tuple(host_paths()))
    sub = root / "class"
    shutil.copytree(hostile_dir, sub, ignore=shutil.ignore_patterns("expected.json"))
    for name in CLASSMATES:
        shutil.copytree(matrix / name, sub / name)
    correct = (matrix / "correct" / "narrow_valley.ipynb").read_bytes()
    partial = (matrix / "partial" / "narrow_valley.ipynb").read_bytes()
    unanswered = (matrix / "unanswered" / "narrow_valley.ipynb").read_bytes()
    # the instructor's solution notebook, outside the folder, and links to it
    outside = root / "instructor"
    outside.mkdir()
    sol = outside / "narrow_valley.ipynb"
    sol.write_text(nbformat.writes(solution_notebook(load(SOLUTIONS / "narrow_valley.md"))), encoding="utf-8")
    (sub / "linked_file").mkdir()
    (sub / "linked_file" / "narrow_valley.ipynb").symlink_to(sol)
    (sub / "linked_top.ipynb").symlink_to(sol)
    (sub / "linked_dir").symlink_to(outside, target_is_directory=True)
    (sub / "linked_root").symlink_to("/", target_is_directory=True)
    os.mkfifo(sub / "fifo.ipynb")
    (sub / "not_json.ipynb").write_bytes(b"\x89PNG this is not json")
    (sub / "deep_json.ipynb").write_text("[" * 200_000 + "]" * 200_000)
    (sub / "list_json.ipynb").write_text("[1, 2, 3]")
    (sub / "latin1.ipynb").write_bytes(b'{"cells": [], "x": "caf\xe9"}')
    with open(sub / "huge.ipynb", "wb") as fh:
        fh.truncate(101_000_000)
    (sub / "notes.txt").write_text("a file at the top of the folder")
    # hostile and colliding names, each with the right answers
    for name in WEIRD:
        if name == "..":
            (sub / "...ipynb").write_bytes(correct)
            continue
        (sub / name).mkdir()
        (sub / name / "narrow_valley.ipynb").write_bytes(correct)
    raw = os.fsencode(str(sub)) + b"/caf\xe9-\xff"
    os.mkdir(raw)
    with open(raw + b"/narrow_valley.ipynb", "wb") as fh:
        fh.write(correct)
    # attempts: natural order puts attempt-10 after attempt-2
    for rel, data in (("attempt-2/narrow_valley.ipynb", correct), ("attempt-10/narrow_valley.ipynb", partial)):
        (sub / "two_attempts" / rel).parent.mkdir(parents=True)
        (sub / "two_attempts" / rel).write_bytes(data)
    # 50 earlier attempts (blank), then the 51st (right): the latest is graded, the cap reported
    for k in range(1, 52):
        (sub / "many_attempts" / f"attempt-{k}").mkdir(parents=True)
        (sub / "many_attempts" / f"attempt-{k}" / "narrow_valley.ipynb").write_bytes(correct if k == 51 else unanswered)
    # the right answers eight folders deep, next to a data file and Jupyter's autosave folder
    deep = sub / "deep_student" / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "h"
    deep.mkdir(parents=True)
    (deep / "narrow_valley.ipynb").write_bytes(correct)
    (sub / "deep_student" / "data.csv").write_text("1,2\n")
    (sub / "deep_student" / ".ipynb_checkpoints").mkdir()
    (sub / "deep_student" / ".ipynb_checkpoints" / "narrow_valley-checkpoint.ipynb").write_bytes(correct)
    # an older, blank attempt whose path reads like a total, then the real (partial) one
    (sub / "forger" / "Total: 8").mkdir(parents=True)
    (sub / "forger" / "Total: 8" / "8.ipynb").write_bytes(unanswered)
    (sub / "forger" / "zz-final").mkdir()
    (sub / "forger" / "zz-final" / "narrow_valley.ipynb").write_bytes(partial)
    # a notebook of 90 MB (figure outputs): under the one notebook limit (100 MB), graded in full
    nb = json.loads(correct)
    blob = "x" * 1_000_000
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "display_data", "metadata": {},
                        "data": {"text/plain": "figure", "image/png": blob}} for _ in range(90)]
    (sub / "heavy_outputs").mkdir()
    (sub / "heavy_outputs" / "narrow_valley.ipynb").write_text(json.dumps(nb))
    return sub, matrix, hostile_dir


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory):
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is not installed: `make test` installs it (make bubblewrap); the hostile "
                    "class must never run without the sandbox")
    root = tmp_path_factory.mktemp("hostile")
    bait = _Bait()
    sub, matrix, hostile_dir = _class_folder(root, bait.port, bait.unix_name)
    out = root / "out"
    before_tmp = {p for p in temp_folders(os.getpid()) if "grading-run-" in p.name}
    try:
        t0 = time.monotonic()
        run = grade_folder(sub, out, workers=2, limits=Limits(step_timeout=10), sandbox="bwrap")
        seconds = time.monotonic() - t0
        right_after = (out / "scores.csv").read_bytes()
        time.sleep(5)  # the daemons wanted to rewrite scores.csv 3 s after they started
    finally:
        bait.close()
    after_tmp = {p for p in temp_folders(os.getpid()) if "grading-run-" in p.name}
    with open(out / "scores.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {"out": out, "run": run, "rows": rows, "by_name": {r["student"]: r for r in rows},
            "right_after": right_after, "bait_hits": bait.hits, "new_tmp": after_tmp - before_tmp,
            "seconds": seconds, "sub": sub, "matrix": matrix, "hostile": hostile_dir}


def _feedback(g, name: str) -> str:
    row = g["by_name"][name]
    return (g["out"] / row["feedback"]).read_text(encoding="utf-8")


def test_every_attacker_scores_like_a_blank_notebook(graded) -> None:
    expected = json.loads((graded["hostile"] / "expected.json").read_text(encoding="utf-8"))
    assert set(expected) == set(hostile.HOSTILE)
    for case in expected:
        row = graded["by_name"][case]
        assert float(row["total"]) == 0, (case, row, _feedback(graded, case))


def test_every_attack_ran_and_its_routes_failed(graded) -> None:
    expected = json.loads((graded["hostile"] / "expected.json").read_text(encoding="utf-8"))
    for case, exp in expected.items():
        text = _feedback(graded, case)
        for line in exp["feedback"]:
            assert line in text, f"{case}: {line!r} not in feedback:\n{text}"
        m = re.search(r"AttackReport: \w+ tried (\d+) routes, got through (\d+)", text)
        if m:
            assert int(m.group(1)) >= 1 and int(m.group(2)) == 0, text
    assert graded["bait_hits"] == 0, "a submission reached a service on the host's loopback"


def test_classmates_are_graded_as_if_alone(graded) -> None:
    expected = json.loads((graded["matrix"] / "expected.json").read_text(encoding="utf-8"))
    for name in CLASSMATES:
        row = graded["by_name"][name]
        got = {q: float(row[f"narrow_valley:{q}"]) for q in expected[name]["scores"]}
        assert got == pytest.approx(expected[name]["scores"]), (name, _feedback(graded, name))
        text = _feedback(graded, name)
        assert "killed" not in text and "longer than" not in text, text
    for raw, shown in WEIRD.items():
        assert float(graded["by_name"][shown]["total"]) == 8, shown
    for name in ("deep_student", "many_attempts", "heavy_outputs"):
        assert float(graded["by_name"][name]["total"]) == 8, (name, _feedback(graded, name))


def test_nothing_the_attackers_did_is_visible_after_the_run(graded) -> None:
    assert not sandbox_processes(os.getpid()), sandbox_processes(os.getpid())
    assert not _pwned(), _pwned()
    assert (graded["out"] / "scores.csv").read_bytes() == graded["right_after"], "scores.csv changed after the run"
    from grading.report import OUTPUTS

    assert {p.name for p in graded["out"].iterdir()} == {"feedback", *OUTPUTS}
    assert not graded["new_tmp"], graded["new_tmp"]
    names = {p.name for p in (graded["out"] / "feedback").iterdir()}
    assert names == {Path(r["feedback"]).name for r in graded["rows"]}


def test_feedback_never_carries_hidden_inputs_or_sources(graded) -> None:
    ex = load(SOLUTIONS / "narrow_valley.md")
    hidden_args = [p.args for q in ex.hidden for p in q.probes
                   if not p.show and p.kind == "call" and isinstance(p.args[0], list)]
    texts = {p.name: p.read_text(encoding="utf-8") for p in (graded["out"] / "feedback").iterdir()}
    texts["grading-report.txt"] = (graded["out"] / "grading-report.txt").read_text(encoding="utf-8")
    texts["scores.csv"] = (graded["out"] / "scores.csv").read_text(encoding="utf-8")
    for name, text in texts.items():
        assert CANARY not in text and "hidden(" not in text and "BEGIN SOLUTION" not in text, name
        for seg in re.findall(re.escape(hostile.MARK) + r"[^>]*>", text):
            # the only inputs an attacker may echo are the shown (lecture) cases' (w0 = (10, 10))
            assert seg.startswith(hostile.MARK + "from a cell") or "10.0" in seg.split("|")[0], (name, seg)
        for args in hidden_args:
            assert f"{hostile.MARK}{[float(x) for x in args[0]]}" not in text, (name, args)
        assert "Leak_LEAKED" not in text, name  # an exception class named after hidden inputs
    leak = texts[graded["by_name"]["leak_hidden"]["feedback"].split("/")[1]]
    assert "exited with code" not in leak  # an exit code chosen from a hidden input is not shown
    echo = texts[graded["by_name"]["leak_through_checks"]["feedback"].split("/")[1]]
    assert hostile.ECHO not in echo, echo  # q2's check echoes eta_better, which q1 set from a hidden input
    assert "wrong answer" in echo, echo
    for line in echo.splitlines():  # a hidden case names no exception class (shown cases may)
        if "hidden case" in line:
            assert not any(c in line for c in hostile.CLASSES), line


def test_links_pipes_and_non_notebooks_are_reported_not_followed(graded) -> None:
    report = (graded["out"] / "grading-report.txt").read_text(encoding="utf-8")
    for what in ('"linked_file": "narrow_valley.ipynb" is a symbolic link', '"linked_top.ipynb" is a symbolic link',
                 '"linked_dir" is a symbolic link', '"linked_root" is a symbolic link',
                 '"fifo.ipynb" is not a regular file', '"not_json.ipynb" is not a notebook (not UTF-8 text)',
                 '"deep_json.ipynb" is not a notebook (JSON nested too deeply)',
                 '"list_json.ipynb" is not a Jupyter notebook', '"latin1.ipynb" is not a notebook (not UTF-8',
                 '"huge.ipynb" is larger than 100 MB, the limit for a notebook',
                 '(the folder itself): "notes.txt" is not a notebook',
                 '"deep_student": "data.csv" is not a notebook (*.ipynb): not graded',
                 '"deep_student": ".ipynb_checkpoints" is a folder of system or Jupyter files'):
        assert what in report, (what, report)
    for name in ("linked_file", "linked_top", "linked_dir", "linked_root", "fifo", "huge"):
        row = graded["by_name"][name]
        assert float(row["total"]) == 0 and row["narrow_valley:status"] == "not gradable", row
    assert "not gradable" not in _feedback(graded, "correct")


def test_hostile_names_are_safe_in_csv_and_file_names(graded) -> None:
    rows = graded["rows"]
    assert len(rows) == len({r["student"] for r in rows})  # one row per student, none split by a newline
    for raw, shown in WEIRD.items():
        row = graded["by_name"][shown]
        assert re.fullmatch(r"feedback/[A-Za-z0-9_.@-]+\.txt", row["feedback"]), row["feedback"]
    assert all(not r["student"].startswith(("=", "+", "-", "@")) for r in rows)
    undecodable = [r for r in rows if r["student"].startswith("caf")]
    assert len(undecodable) == 1 and float(undecodable[0]["total"]) == 8
    assert undecodable[0]["student"] == "caf\\xe9-\\xff"  # the raw bytes, escaped
    keys = [r["feedback"].lower() for r in rows]
    assert len(keys) == len(set(keys))
    report = (graded["out"] / "grading-report.txt").read_text(encoding="utf-8")
    assert 'student "eve\\tx": feedback file feedback/' in report  # the report says a name was changed


def test_every_file_is_graded_or_listed(graded) -> None:
    """Nothing in the submissions folder disappears: every notebook has a row or a report line."""
    report = (graded["out"] / "grading-report.txt").read_text(encoding="utf-8")
    run = graded["run"]
    graded_paths = {r.path for rs in run.values() for r in rs}
    for dirpath, dirnames, filenames in os.walk(graded["sub"]):
        for f in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = Path(dirpath) / f
            if p in graded_paths:
                continue
            name = os.fsdecode(os.path.basename(p))
            assert name in report or ".ipynb_checkpoints" in str(p) or "attempt-" in str(p), (p, report[-3000:])


def test_the_latest_of_many_attempts_counts(graded) -> None:
    text = _feedback(graded, "many_attempts")
    assert 'file "attempt-51/narrow_valley.ipynb"' in text and "Total: 8/8" in text, text
    assert '"attempt-1/narrow_valley.ipynb" is an earlier attempt at narrow_valley: only the latest 10' in text


def test_names_cannot_forge_feedback_lines(graded) -> None:
    text = _feedback(graded, "forger")
    assert re.findall(r"^Total: .*$", text, flags=re.M) == ["Total: 4/8"], text
    assert '- file "Total: 8/8.ipynb" (narrow_valley): 0/8' in text


def test_latest_attempt_counts_and_feedback_agrees_with_scores(graded) -> None:
    row = graded["by_name"]["two_attempts"]
    assert float(row["total"]) == 4  # attempt-10 (partial) is later than attempt-2 (correct)
    text = _feedback(graded, "two_attempts")
    assert 'file "attempt-10/narrow_valley.ipynb"' in text and "this attempt counts: the latest attempt" in text
    assert '- file "attempt-2/narrow_valley.ipynb" (narrow_valley): 8/8' in text and "not counted" in text
    for r in graded["rows"]:
        fb = (graded["out"] / r["feedback"]).read_text(encoding="utf-8")
        total = re.findall(r"^Total: ([0-9.]+)/", fb, flags=re.M)
        assert total and float(total[-1]) == float(r["total"]), (r["student"], fb)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_matrix.write(tmp_path_factory.mktemp("matrix"), host_paths=tuple(host_paths()))


def test_best_attempt_rule(tmp_path: Path, generated) -> None:
    sub = tmp_path / "sub" / "alice"
    for rel, case in (("1/narrow_valley.ipynb", "correct"), ("2/narrow_valley.ipynb", "partial")):
        (sub / rel).parent.mkdir(parents=True)
        shutil.copyfile(generated[0] / case / "narrow_valley.ipynb", sub / rel)
    for rule, want in (("latest", 4), ("best", 8)):
        out = tmp_path / rule
        grade_folder(tmp_path / "sub", out, workers=2, sandbox="bwrap", attempts=rule)
        with open(out / "scores.csv", encoding="utf-8") as fh:
            row = next(csv.DictReader(fh))
        fb = (out / row["feedback"]).read_text(encoding="utf-8")
        assert float(row["total"]) == want and f"Total: {want}/8" in fb, (rule, fb)
        assert f"attempt counts: the {rule} attempt" in fb


def test_make_grade_refuses_to_run_without_the_sandbox(tmp_path: Path, generated) -> None:
    sub = tmp_path / "sub"
    shutil.copytree(generated[0] / "correct", sub / "correct")
    env = {**os.environ, "PATH": "/nonexistent"}  # no bwrap on PATH
    env.pop("GRADE_SANDBOX", None)
    r = subprocess.run([PY, "-m", "grading", "grade", str(sub), "--out", str(tmp_path / "out")], cwd=ROOT,
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "refusing to grade without a sandbox" in r.stderr, r.stderr
    assert "bubblewrap" in r.stderr and not (tmp_path / "out").exists()
    env["GRADE_SANDBOX"] = "none"
    r = subprocess.run([PY, "-m", "grading", "grade", str(sub), "--out", str(tmp_path / "out")], cwd=ROOT,
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "NOT sandboxed" in r.stderr
    # every phase is announced as it starts, in order, and the end names the whole run's time
    phases = ["make grade: loading the grader...", "make grade: preparing the sandbox...",
              "make grade: running the reference solution of each exercise handed in (1 exercise)",
              "make grade: grading 1 notebook of 1 student, each in its own sandbox",
              "make grade: writing the scores"]
    at = [r.stderr.find(p) for p in phases]
    assert all(i >= 0 for i in at) and at == sorted(at), r.stderr
    assert re.search(r"^graded 1 notebook of 1 student in \d+ s of wall time", r.stdout, flags=re.M), r.stdout
    assert "NOT sandboxed" in (tmp_path / "out" / "grading-report.txt").read_text(encoding="utf-8")
    assert "NOT sandboxed" in (tmp_path / "out" / "feedback" / "correct.txt").read_text(encoding="utf-8")


def test_the_attacks_are_real_without_the_sandbox(tmp_path: Path, generated) -> None:
    """The read-only attacks, graded WITHOUT the sandbox, do reach the reference solution and take
    full marks: the sandbox, not luck, is what stops them. (The destructive attacks -- kill -9 -1,
    daemons, fork bombs, writes -- are never run unsandboxed.)"""
    sub = tmp_path / "sub"
    cases = ("import_grader", "proc_parent", "search_filesystem", "host_paths")
    for case in cases:
        shutil.copytree(generated[1] / case, sub / case)
    run = grade_folder(sub, tmp_path / "out", workers=2, sandbox="none", limits=Limits(step_timeout=20))
    for case in cases:
        (r,) = run[case]
        fb = (tmp_path / "out" / "feedback" / f"{case}.txt").read_text(encoding="utf-8")
        assert r.total == 8, fb
        assert re.search(r"got through [1-9]", fb), fb


def test_a_killed_grader_leaves_no_process_and_the_previous_scores(tmp_path: Path, generated) -> None:
    sub = tmp_path / "sub"
    shutil.copytree(generated[0] / "correct", sub / "correct")
    out = tmp_path / "out"
    grade_folder(sub, out, workers=1, sandbox="bwrap")
    before = (out / "scores.csv").read_bytes()
    for case in ("daemon_double_fork", "fork_bomb", "kill_all"):
        shutil.copytree(generated[1] / case, sub / case)
    # and a slow honest student, so the grader is still at work when it is killed (the attacks
    # alone can be over in less than the 6 s below on a fast machine)
    slow = nbformat.read(generated[0] / "correct" / "narrow_valley.ipynb", as_version=4)
    slow.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(300)"))
    (sub / "slow").mkdir()
    nbformat.write(slow, sub / "slow" / "narrow_valley.ipynb")
    proc = subprocess.Popen([PY, "-m", "grading", "grade", str(sub), "--out", str(out), "--sandbox", "bwrap"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any("/opt/grader/worker.py" in p for p in sandbox_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(6)  # the attacks are running
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # every sandbox dies with it (launcher: PDEATHSIG; bwrap: --die-with-parent; then the PID
    # namespace takes every process in it, the fork bomb's included: that can take a moment)
    deadline = time.monotonic() + 30
    while sandbox_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not sandbox_processes(proc.pid), sandbox_processes(proc.pid)
    assert (out / "scores.csv").read_bytes() == before
    assert hashlib.sha256((out / "feedback" / "correct.txt").read_bytes()).hexdigest()
    # its temporary folders are gone at the next start of a grader
    from grading.sandbox import remove_stale

    left = sorted(temp_folders(proc.pid))
    assert left, "the killed grader had temporary folders"
    removed = remove_stale()
    assert set(left) <= set(removed) and not any(p.exists() for p in left)
