"""The recipes of docs/authoring.md: what catches a forgotten step, and the scaffolding.

* Every exercise and every chapter is in ``_toc.yml`` (an exercise left out stayed off the site
  silently), every chapter has a recorded fingerprint (``tests/test_chapter_outputs.py`` guards
  only recorded chapters), and each check bites on a deliberately broken copy.
* ``make new-exercise`` / ``make new-chapter`` in a copy of the repository write files that pass:
  the exercise is generated, fresh, in the toc and its reference solution passes its checks; the
  chapter keeps the layout rules and builds alone, strictly, with the one-page toc recipe.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def toc_files(root: Path = ROOT) -> set[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found = {toc["root"]}

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                found.add(e["file"])
            walk(e.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return found


def exercises_not_in_toc(root: Path = ROOT) -> list[str]:
    """Student notebooks (and exercise sources) the site would not show."""
    names = {p.stem for p in (root / "exercises").glob("*.ipynb")} | {p.stem for p in (root / "solutions").glob("*.md")}
    return sorted(f"exercises/{n}" for n in names if f"exercises/{n}" not in toc_files(root))


def chapters_not_in_toc(root: Path = ROOT) -> list[str]:
    """Notebook pages in book/ (MyST with a kernelspec) that the toc does not list."""
    pages = [p for p in (root / "book").glob("*.md") if "kernelspec" in p.read_text(encoding="utf-8")[:2000]]
    return sorted(f"book/{p.stem}" for p in pages if f"book/{p.stem}" not in toc_files(root))


def test_every_exercise_is_in_the_toc():
    missing = exercises_not_in_toc()
    assert not missing, f"add these to _toc.yml under 'Exercises' (docs/authoring.md): {missing}"


def test_every_chapter_is_in_the_toc():
    missing = chapters_not_in_toc()
    assert not missing, f"add these to _toc.yml (docs/authoring.md): {missing}"


def test_every_chapter_has_a_recorded_fingerprint():
    from tests import chapter_outputs as co

    chapters = sorted(f[len("book/"):] for f in toc_files() if f.startswith("book/") and
                      "kernelspec" in (ROOT / f"{f}.md").read_text(encoding="utf-8")[:2000])
    recorded = {p.stem for p in co.FIXTURES.glob("*.txt")}
    missing = [c for c in chapters if c not in recorded]
    assert not missing, (f"no fingerprint for {missing}: after `make book`, run `.venv/bin/python -m "
                         "tests.chapter_outputs record` and commit tests/fixtures/chapter_outputs/<chapter>.txt")
    assert recorded <= set(chapters), f"fingerprints of chapters no longer in the book: {sorted(recorded - set(chapters))}"


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """A copy of the repository's tracked files with a scaffolded exercise and chapter."""
    dest = tmp_path_factory.mktemp("repo")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, files.split("\0")):
        if rel.startswith("tests/fixtures/grading/") or not (ROOT / rel).is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    for heavy in ("_vendor", "node_modules"):  # installed assets, as `make book` leaves them
        if (ROOT / heavy).exists():
            (dest / heavy).symlink_to(ROOT / heavy)
    venv = ROOT / ".venv"
    make = ["make", f"VENV={venv}", "-o", str(venv / ".installed")]
    for target, name in (("new-exercise", "demo_factor"), ("new-chapter", "demo_chapter")):
        res = subprocess.run([*make, target, f"NAME={name}"], cwd=dest, capture_output=True, text=True)
        assert res.returncode == 0, f"make {target}:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    return dest


def test_the_checks_bite_on_a_forgotten_toc_entry(scaffolded, tmp_path):
    assert exercises_not_in_toc(scaffolded) == [] and chapters_not_in_toc(scaffolded) == []
    toc = (scaffolded / "_toc.yml").read_text()
    assert "      - file: exercises/demo_factor" in toc and "      - file: book/demo_chapter" in toc
    broken = tmp_path / "broken"
    for d in ("exercises", "solutions", "book"):
        shutil.copytree(scaffolded / d, broken / d)
    (broken / "_toc.yml").write_text(toc.replace("      - file: exercises/demo_factor\n", "")
                                     .replace("      - file: book/demo_chapter\n", ""))
    assert exercises_not_in_toc(broken) == ["exercises/demo_factor"]
    assert chapters_not_in_toc(broken) == ["book/demo_chapter"]


def test_a_scaffolded_exercise_is_generated_fresh_and_its_solution_passes(scaffolded):
    for rel in ("solutions/demo_factor.md", "exercises/demo_factor.ipynb", "lecture_code/student/checks/demo_factor.py"):
        assert (scaffolded / rel).is_file(), rel
    res = subprocess.run([PY, "-m", "grading", "check-fresh"], cwd=scaffolded, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    # the reference solution passes its public checks; the untouched student notebook does not
    script = """
import os, sys, tempfile
from pathlib import Path
from grading.judge import solution_cells
from grading.source import load_all, render
from lecture_code.student import Checker
ex = next(e for e in load_all() if e.name == "demo_factor")
tests = Path(tempfile.mkdtemp()) / "demo_factor.py"
tests.write_text(render(ex)["lecture_code/student/checks/demo_factor.py"])
os.environ["GRADING_RUN"] = "1"
ns = {"__name__": "__main__"}
for src in solution_cells(ex):
    if src.strip():
        exec(compile(src, ex.name, "exec"), ns)
os.environ.pop("GRADING_RUN")  # (set, the notebook's own check() lines are no-ops)
checker = Checker("demo_factor", tests)
print([checker._run(q, ns)[0] for q in ex.questions])
print([checker._run(q, {"factor": lambda eta, lam: ...})[0] for q in ex.questions])
"""
    res = subprocess.run([PY, "-c", script], cwd=scaffolded, capture_output=True, text=True,
                         env={**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},  # not the outer run's plugins
                              "PYTHONPATH": str(scaffolded)})
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split("\n")[:2] == ["[True]", "[False]"], res.stdout


def test_a_scaffolded_chapter_keeps_the_layout(scaffolded):
    res = subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layout.py",
                          "-k", "not runs_without_torch and not browser_runs"], cwd=scaffolded, capture_output=True, text=True,
                         env={**{k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},  # not the outer run's plugins
                              "PYTHONPATH": str(scaffolded)})
    assert res.returncode == 0, res.stdout[-3000:]


@pytest.mark.build
def test_one_page_builds_alone_without_warnings(scaffolded):
    """The recipe of ``_toc.yml``'s comments, strict (-W -n): the scaffolded chapter and the
    intro page, whose links to the chapters left out become text; nothing warns."""
    toc = scaffolded / "one.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: book/demo_chapter\n")
    env = {**os.environ, "PYTHONPATH": str(scaffolded), "OPENBLAS_NUM_THREADS": "1"}
    res = subprocess.run([str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", ".", "--builder", "html",
                          "-W", "-n", "--keep-going", "--toc", str(toc)], cwd=scaffolded, capture_output=True,
                         text=True, env=env, timeout=900)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    # Sphinx's warnings (the kernels' own notice about their local TCP transport is not one)
    warnings = [line for line in out.splitlines() if "WARNING" in line and "[IPKernelApp]" not in line]
    assert not warnings, "\n".join(warnings[:20])
    page = (scaffolded / "_build" / "html" / "book" / "demo_chapter.html").read_text()
    assert "js-plotly-plot" in page or "plotly" in page
    intro = (scaffolded / "_build" / "html" / "book" / "intro.html").read_text()
    assert "Cite this book" in intro and 'href="hessians.html"' not in intro  # left out: text, not a dead link


def test_a_reference_to_a_page_that_exists_nowhere_still_fails():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import one_page

    class App:
        srcdir = str(ROOT)

        class config:
            source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

    class Env:
        found_docs = {"book/intro"}

    def node(reftype, target):
        return {"refdomain": "std", "reftype": reftype, "reftarget": target, "refdoc": "book/intro"}

    sentinel = object()
    assert one_page._missing_reference(App, Env, node("doc", "hessians"), sentinel) is sentinel
    assert one_page._missing_reference(App, Env, node("doc", "no_such_page"), sentinel) is None
    assert one_page._missing_reference(App, Env, node("ref", "cliffs-and-clipping"), sentinel) is sentinel
    assert one_page._missing_reference(App, Env, node("ref", "no-such-label"), sentinel) is None


#: How the lecture decks' internal file names and numbers were written before they were named by
#: course: "lecture 000", "seed 002", "000_7764d8315340dfa8.txt", a table cell "| 004 |".
_FILE_NUMBER = r"(?i)\b(?:lecture|seed|deck)s?\s+00[0-4]\b|\b00[0-4]_[0-9a-f]{16}\b|\|\s*00[0-4]\b"


def test_reader_facing_text_names_lectures_by_course_not_file_number():
    """Exercises, solutions, the Credits page, the package's docstrings and comments (shown on
    the site's API and source pages), README and docs. (The chapters' prose is checked when its
    rewrite lands; book/*.md other than credits is left to it.)"""
    import re

    files = [ROOT / "README.md", ROOT / "book" / "credits.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "solutions").glob("*.md")), *sorted((ROOT / "exercises").glob("*.ipynb")),
             *sorted((ROOT / "lecture_code").rglob("*.py"))]
    found = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(_FILE_NUMBER, line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not found, "name the lecture by course and title (book/credits.md):\n" + "\n".join(found)
    assert re.search(_FILE_NUMBER, "the lecture 000, exercise 3") and re.search(_FILE_NUMBER, "| `adam` | 004 |")


def test_documentation_points_inside_the_repository():
    """README and docs/ refer to files of the repository, never to folders beside it."""
    import re

    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        bad = re.findall(r"\.\./shared\S*|/work/\S*|\.\./\.\./\S*|shared/seeds\S*|toolchain-notes\S*", text)
        assert not bad, f"{path.relative_to(ROOT)} points outside the repository: {bad}"
