"""The in-browser (JupyterLite) site: which notebooks go in, what it ships, and that they run.

* Unit tests (no site needed): the import analysis of ``lite/notebooks.py`` against an
  independent reference (actually importing a notebook's imports with torch blocked), and the
  build's hash check against the official Pyodide lock.
* Site tests (``browser``; need ``make book``): the built Lite site ships exactly what its lock
  lists, every WebAssembly wheel hashes as the official lock says, and the book's pages link
  to it; then headless Chromium opens a chapter and an exercise *through their link*, runs all
  cells in the in-browser kernel with every outside request aborted, and checks outputs,
  figures, live sliders and exercise checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lite import build as lite_build  # noqa: E402
from lecture_code.core import extras as lc_extras  # noqa: E402
from lite.notebooks import analyse, code_cells, decide, imported_modules  # noqa: E402
from tests.no_torch import NO_TORCH, RUN_CELLS  # noqa: E402

SITE = ROOT / "_build" / "html"
LITE = SITE / "lite"
OFFICIAL_LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
#: Every page's verdict (lite.notebooks.decide reads every notebook and follows its imports: a
#: second or two, so once per module).
VERDICTS = decide(ROOT)


# ---------------------------------------------------------------------------------------------
# the decision: which notebooks run in the browser


def test_relative_and_lazy_imports_are_followed():
    src = textwrap.dedent(
        """
        import numpy as np
        from . import sibling
        from ..core.models import mlp
        def f():
            import torch
        """
    )
    found = imported_modules(src, "lecture_code.chapters.x", is_package=False)
    assert {"numpy", "torch", "lecture_code.chapters.sibling", "lecture_code.core.models",
            "lecture_code.core.models.mlp"} <= found


#: A chapter's front matter, as the book's chapters write it (jupytext validates the kernelspec).
FRONT_MATTER = "---\nkernelspec: {name: python3, display_name: Python 3, language: python}\n---\n"


def _fake_project(tmp_path: Path) -> Path:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "light.py").write_text("import numpy\nimport json\n")
    (tmp_path / "pkg" / "sub" / "heavy.py").write_text("from .light import x\ndef f():\n    import torch\n")
    (tmp_path / "pkg" / "sub" / "odd.py").write_text("import sklearn\n")
    for name, line in [("a", "from pkg.sub.light import x"), ("b", "from pkg.sub import heavy"),
                       ("c", "import pkg.sub.odd"), ("d", "%matplotlib inline\nimport math")]:
        (tmp_path / f"{name}.md").write_text(
            FRONT_MATTER + "\n```{code-cell} ipython3\n" + line + "\n```\n")
    return tmp_path


def test_verdicts_on_a_small_project(tmp_path):
    root = _fake_project(tmp_path)
    a, b, c, d = (analyse(root / f"{n}.md", root) for n in "abcd")
    assert a.runs_in_browser and a.packages == {"numpy"}
    assert not b.runs_in_browser and set(b.blockers) == {"torch"}
    assert b.chain["torch"] == ["b.md", "pkg.sub.heavy"], b.chain  # the import path is reported
    assert not c.runs_in_browser and "not shipped" in c.blockers["sklearn"]
    assert d.runs_in_browser and d.packages == set()  # magics are ignored, stdlib is free


def test_the_books_verdicts_are_each_notebooks_own():
    """``decide`` parses each project module once for all the book's notebooks: every verdict
    (blockers, packages, import chains) is the one the notebook gets analysed on its own."""
    alone = {page: analyse(Path(page + (".ipynb" if (ROOT / (page + ".ipynb")).is_file() else ".md")), ROOT)
             for page in VERDICTS}
    assert VERDICTS == alone


def test_a_notebook_jupyterlab_cannot_open_is_named(tmp_path):
    """A notebook JupyterLab cannot open (kernelspec without display_name) gets a clear error."""
    bad = tmp_path / "bad.md"
    bad.write_text("---\nkernelspec: {name: python3}\n---\n\n```{code-cell} ipython3\nimport math\n```\n")
    with pytest.raises(ValueError, match=r"bad\.md does not open as a notebook: 'display_name' is a required"):
        code_cells(bad)
    (tmp_path / "good.md").write_text(FRONT_MATTER + "\n```{code-cell} ipython3\nimport math\n```\n")
    assert code_cells(tmp_path / "good.md") == ["import math"]


#: Each page's imports (a JSON object page -> source on stdin), each in a namespace of its own,
#: in one Python with torch blocked; prints page -> "ok" or the error, as JSON.
_IMPORT_WITH_TORCH_BLOCKED = NO_TORCH + """
import json, sys, traceback
results = {}
for page, src in json.loads(sys.stdin.read()).items():
    try:
        exec(compile(src, page, 'exec'), {})
        results[page] = 'ok'
    except BaseException:
        results[page] = traceback.format_exc()
print(json.dumps(results))
"""

BROWSER_PAGES = sorted(p for p, v in VERDICTS.items() if v.runs_in_browser)


def _import_lines(page: str) -> str:
    """The top-level import statements of a page's code cells (a multi-line ``from x import (``
    imports the module only)."""
    lines = []
    for src in code_cells(ROOT / VERDICTS[page].path):
        lines += [l for l in src.splitlines() if re.match(r"\s*(from\s+\S+\s+import|import)\s", l) and not l.startswith(" ")]
    return "\n".join(re.sub(r"^from\s+(\S+)\s+import\s+\(.*$", r"import \1", l) for l in lines)


@pytest.fixture(scope="module")
def imported_without_torch(tmp_path_factory):
    """Every browser page's imports run once, in one subprocess with torch blocked, in a folder
    outside the repository (the installed package, not the checkout, is imported; a Python
    start and NumPy's import are most of the cost: once for all pages, not once per page).
    Importing is the same whatever ran before: a module that imported is the same module, one
    that failed left nothing in ``sys.modules`` and fails again."""
    res = subprocess.run([sys.executable, "-c", _IMPORT_WITH_TORCH_BLOCKED],
                         input=json.dumps({page: _import_lines(page) for page in BROWSER_PAGES}),
                         text=True, capture_output=True, cwd=tmp_path_factory.mktemp("student"), timeout=300)
    assert res.returncode == 0, res.stderr[-1500:]
    return json.loads(res.stdout)


@pytest.mark.parametrize("page", BROWSER_PAGES)
def test_browser_verdict_agrees_with_importing_without_torch(page, imported_without_torch):
    """Independent reference: a notebook judged torch-free imports with torch blocked."""
    assert _import_lines(page), f"{page}: no import found"
    assert imported_without_torch[page] == "ok", \
        f"{page} judged torch-free but its imports fail without torch:\n{imported_without_torch[page][-1500:]}"


def test_hash_check_rejects_a_changed_wheel():
    data = b"the official wheel"
    entry = {"file_name": "numpy-2.0.2-x.whl", "sha256": hashlib.sha256(data).hexdigest()}
    assert lite_build.verified("numpy-2.0.2-x.whl", data, entry) == data
    with pytest.raises(lite_build.BuildError, match="sha256 mismatch"):
        lite_build.verified("numpy-2.0.2-x.whl", data + b"!", entry)
    with pytest.raises(lite_build.BuildError, match="not the file"):
        lite_build.verified("numpy-2.0.1-x.whl", data, entry)


def test_dependency_closure_follows_the_lock():
    lock = {"a": {"depends": ["B"]}, "b": {"depends": ["c"]}, "c": {"depends": []}, "d": {"depends": []}}
    assert lite_build.closure(lock, ["a"]) == ["a", "b", "c"]
    with pytest.raises(lite_build.BuildError, match="not in the official"):
        lite_build.closure(lock, ["torch"])


# ---------------------------------------------------------------------------------------------
# the built site (needs `make book`)


def _lite_site():
    assert (LITE / "book-lite.json").is_file(), "the Lite site is not built: run `make book`"
    return json.loads((LITE / "book-lite.json").read_text())


@pytest.mark.browser
def test_lite_site_ships_exactly_its_lock_and_every_wasm_wheel_is_official():
    manifest = _lite_site()
    pyodide = LITE / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    official = json.loads(OFFICIAL_LOCK.read_text())
    assert lock["info"] == official["info"]
    shipped = {p.name for p in pyodide.iterdir()}
    listed = {e["file_name"] for e in lock["packages"].values()}
    assert listed <= shipped, f"lock entries without their file: {sorted(listed - shipped)}"
    extra = shipped - listed - set(lite_build.CORE_FILES) - {"pyodide-lock.json"}
    assert not extra, f"files nobody can load: {sorted(extra)}"
    for name, entry in lock["packages"].items():
        digest = hashlib.sha256((pyodide / entry["file_name"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], name
        if name in manifest["verified"]:
            assert entry == official["packages"][name], f"{name}: lock entry differs from the official one"
        else:
            assert entry["file_name"].endswith("-py3-none-any.whl"), f"{name} is not pure Python"
    assert "torch" not in lock["packages"]
    needs_scipy = any("scipy" in v.packages for v in VERDICTS.values() if v.runs_in_browser)
    assert ("scipy" in lock["packages"]) == needs_scipy
    # the core comes from the npm package, unchanged
    for f in lite_build.CORE_FILES:
        assert (pyodide / f).read_bytes() == (ROOT / "node_modules" / "pyodide" / f).read_bytes(), f


def _icons(out):
    """For every page of a Lite app (not the students' notebooks in files/), the file its icon
    link names (None: no icon, so the browser asks the server's root for /favicon.ico)."""
    icons = {}
    for page in out.rglob("*.html"):
        if page.relative_to(out).parts[0] == "files":
            continue
        m = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page.read_text())
        icons[page.relative_to(out).as_posix()] = (page.parent / m.group(1)).resolve() if m else None
    return icons


def test_every_page_of_the_lite_app_names_the_books_icon(tmp_path):
    head = "<!DOCTYPE html>\n<html>\n  <head>\n    <title>JupyterLite</title>\n  </head>\n  <body></body>\n</html>\n"
    for rel in ("index.html", "lab/index.html", "lab/tree/index.html", "notebooks/index.html", "files/book/x.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(head)
    changed = lite_build.add_favicon(tmp_path)
    assert len(changed) == 4
    icon = (tmp_path / "favicon.svg").resolve()
    assert icon.read_bytes() == lite_build.FAVICON.read_bytes()
    assert _icons(tmp_path) == {rel: icon for rel in ("index.html", "lab/index.html", "lab/tree/index.html",
                                                      "notebooks/index.html")}
    assert (tmp_path / "files/book/x.html").read_text() == head   # a student's file is not touched
    assert lite_build.add_favicon(tmp_path) == []                  # once is enough


@pytest.mark.browser
def test_the_built_lite_app_names_an_icon_it_serves():
    _lite_site()
    icons = _icons(LITE)
    assert "notebooks/index.html" in icons and "lab/index.html" in icons
    missing = sorted(p for p, icon in icons.items() if icon is None or not icon.is_file())
    assert not missing, f"Lite pages whose icon is missing (a 404 for /favicon.ico): {missing}"


@pytest.mark.browser
def test_every_page_links_to_the_browser_or_says_why_not():
    manifest = _lite_site()
    for page, v in VERDICTS.items():
        html = (SITE / f"{page}.html").read_text()
        links = re.findall(r'class="lc-lite-link" href="([^"]+)"', html)
        if v.runs_in_browser:
            assert len(links) == 1, f"{page}: expected one Run-in-the-browser link, found {links}"
            target = links[0].replace("&amp;", "&")
            assert target.endswith(f"lite/notebooks/index.html?path={page}.ipynb")
            assert f"{page}.ipynb" in manifest["notebooks"]
            assert (LITE / "files" / f"{page}.ipynb").is_file()
        else:
            assert not links, f"{page} needs {sorted(v.blockers)} but links to the browser"
            assert "does not run in the browser" in html and "JupyterLab" in html
            # where to run it instead: the launch menu's services when the book has an address
            # (_config.yml: repository.url and a Binder/JupyterHub), else the reader's own computer
            notice = re.search(r'<div class="lc-lite lc-lite-native".*?</div>', html, flags=re.S).group(0)
            if 'class="lc-launch-link"' in notice:
                assert "launch menu" in notice
            else:
                assert "Run it in JupyterLab on your computer" in notice, notice


@pytest.mark.browser
def test_site_notebooks_are_valid_and_name_the_lite_kernel():
    """Every notebook the Lite site serves validates (nbformat) and names the kernel it registers."""
    import nbformat

    manifest = _lite_site()
    assert manifest["notebooks"]
    for name in manifest["notebooks"]:
        nb = nbformat.read(LITE / "files" / name, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"] == lite_build.KERNELSPEC, name
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{name} ships outputs"


@pytest.mark.browser
def test_scipy_is_loaded_only_by_the_notebooks_that_need_it():
    """SciPy (with OpenBLAS, most of a first visit's bytes) is not preloaded: the notebooks that
    import it, and only those, start with a cell that makes the kernel load it."""
    import nbformat

    manifest = _lite_site()
    assert not set(manifest["preload"]) & set(lite_build.ON_DEMAND)
    verdicts = {page + ".ipynb": v for page, v in VERDICTS.items() if v.runs_in_browser}
    assert sorted(verdicts) == sorted(manifest["notebooks"])
    needing = set()
    for name, v in verdicts.items():
        nb = nbformat.read(LITE / "files" / name, as_version=4)
        loads = [c for c in nb.cells if "browser-load" in c.metadata.get("tags", [])]
        if "scipy" in v.packages:
            needing.add(name)
            first_code = next(c for c in nb.cells if c.cell_type == "code")
            assert loads == [first_code] and "import scipy" in first_code.source, name
        else:
            assert loads == [], f"{name} does not import scipy but loads it"
    assert needing, "no browser notebook needs SciPy: drop it from lite.build.ON_DEMAND"


# ---------------------------------------------------------------------------------------------
# in headless Chromium, network cut


@pytest.fixture(scope="module")
def lite_browser():
    """The site served under a sub-path (``SUB_PATH``, nothing at ``/``), as a project's GitHub
    Pages site is, and one browser context: everything the in-browser site loads must be found
    there."""
    from tests.sitecheck import SUB_PATH, browser, serve

    _lite_site()
    with serve(SITE, prefix=SUB_PATH) as base, browser() as context:
        yield base, context


def _open_through_link(lite_browser, page_path):
    from tests.litecheck import follow_link, open_and_run
    from tests.sitecheck import PageLog

    base, context = lite_browser
    page = context.new_page()
    log = PageLog(page, base)
    log.missing = []  # files the Lite site should have but does not (404), its kernel worker included
    context.on("response", lambda r: log.missing.append(r.url) if r.status >= 400 and "/lite/" in r.url else None)
    page.goto(base + page_path, wait_until="load")
    url = follow_link(page)
    return page, log, open_and_run(page, url)


def _cells_with_errors(page) -> list[str]:
    from tests.litecheck import LiteRun, cells

    return LiteRun(url=page.url, cells=cells(page)).errors()


@pytest.fixture(scope="module")
def momentum_notebook(lite_browser):
    """The momentum chapter opened through its page's link, all cells run: ``(page, log, run)``
    in a namespace whose ``reused`` says whether the chapters below have since run in its kernel
    (``lite_kernel``: one kernel start for all of them)."""
    page, log, run = _open_through_link(lite_browser, "book/momentum.html")
    notebook = types.SimpleNamespace(page=page, log=log, run=run, reused=False)
    yield notebook
    notebook.page.close()


@pytest.mark.browser
def test_chapter_runs_in_the_browser_with_live_sliders(lite_browser, momentum_notebook):
    from tests.litecheck import slider_changes_figure

    if momentum_notebook.reused:  # the other chapters ran in its kernel first: open it again
        page, log, run = _open_through_link(lite_browser, "book/momentum.html")
    else:
        page, log, run = momentum_notebook.page, momentum_notebook.log, momentum_notebook.run
    try:
        assert run.cells and all(c["count"] is not None for c in run.cells if c["source"].strip())
        assert not run.errors(), run.errors()
        n_sliders = page.locator(".jp-OutputArea .widget-slider").count()
        n_figures = page.locator(".jp-OutputArea .js-plotly-plot .main-svg").count()
        assert n_sliders >= 1 and n_figures >= 1, (n_sliders, n_figures)
        for k in range(n_sliders):  # every slider: dragged one step, the kernel redraws its figure
            before, after = slider_changes_figure(page, k)
            assert before != after, f"slider {k}"
        assert not run.errors() and not _cells_with_errors(page)
        assert not log.external, f"requests outside the site: {log.external}"
        assert not log.missing, f"missing files: {sorted(set(log.missing))}"
    finally:
        if page is not momentum_notebook.page:
            page.close()


@pytest.fixture(scope="module")
def exercise_notebook(lite_browser):
    """The narrow-valley exercise opened through its page's link, all cells run: ``(page, log,
    run)``, shared by the checks below and the Download button's test (one kernel start)."""
    page, log, run = _open_through_link(lite_browser, "exercises/narrow_valley.html")
    yield page, log, run
    page.close()


@pytest.mark.browser
def test_exercise_checks_run_in_the_browser(exercise_notebook):
    from tests.litecheck import execute

    page, log, run = exercise_notebook
    assert not run.errors(), run.errors()
    text = run.text()
    # the untouched notebook: every check runs and says what is missing, without an error
    assert re.search(r"q1 ✘ .*(None|\.\.\.)", text), text[-2000:]
    # a correct answer passes, a wrong one is caught, in the same in-browser kernel
    good = execute(page, textwrap.dedent(
        """
        def gd_steps(w0, eta, n_steps):
            w = np.array(w0, dtype=float)
            path = [w.copy()]
            for _ in range(n_steps):
                w = w - eta * grad_E(w)
                path.append(w.copy())
            return np.array(path)
        check("q1")
        """))
    assert "q1 ✔" in good, good
    bad = execute(page, "_good = gd_steps\ngd_steps = lambda w0, eta, n: _good(w0, eta / 2, n)\ncheck('q1')")
    assert "q1 ✘" in bad and "step 1" in bad, bad
    assert not log.external, f"requests outside the site: {log.external}"
    assert not log.missing, f"missing files: {sorted(set(log.missing))}"


BROWSER_CHAPTERS = sorted(p for p, v in VERDICTS.items() if v.runs_in_browser and p.startswith("book/"))


@pytest.fixture(scope="module")
def lite_kernel(lite_browser, momentum_notebook):
    """The momentum chapter's in-browser notebook (opened through its link, its kernel started:
    ``momentum_notebook``), for the chapters below: a Pyodide kernel takes 10-20 s of CPU to
    start, the same for every chapter, so they share one. The momentum test, placed above,
    checks its chapter first; run after them, it opens the chapter again."""
    base, _ = lite_browser
    momentum_notebook.reused = True
    yield base, momentum_notebook.page, momentum_notebook.log


@pytest.mark.browser
@pytest.mark.parametrize("page_name", [p for p in BROWSER_CHAPTERS if p != "book/momentum"])
def test_every_browser_chapter_runs(lite_kernel, page_name):
    """Each chapter that links to the browser runs there end to end (momentum: above, in full,
    through its link): its cells, as the Lite site serves them, run in the momentum chapter's
    kernel cleared by ``%reset -f``, without an error, and draw their figures."""
    from tests.litecheck import LiteRun, cells, execute, load_notebook, run_all

    base, page, log = lite_kernel
    execute(page, "left_by_the_last_chapter = 1")
    assert execute(page, "%reset -f\nprint('left_by_the_last_chapter' in globals())").strip() == "False"
    served = json.loads((LITE / "files" / f"{page_name}.ipynb").read_text())
    assert load_notebook(page, f"{base}lite/files/{page_name}.ipynb") == len(served["cells"])
    run_all(page)
    run = LiteRun(url=page.url, cells=cells(page))
    assert [c["source"] for c in run.cells] == ["".join(c["source"]) for c in served["cells"] if c["cell_type"] == "code"]
    assert run.cells and all(c["count"] is not None for c in run.cells if c["source"].strip())
    assert not run.errors(), run.errors()
    direct = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for c in run.cells for o in c["outputs"])
    drawn = page.locator(".jp-OutputArea .js-plotly-plot .main-svg").count()
    assert drawn >= max(direct, 1), (direct, drawn)  # figures drawn, in widgets or not
    assert not log.external, f"requests outside the site: {log.external}"


@pytest.mark.browser
def test_the_wheel_served_to_students_holds_no_solutions():
    """The project's wheel in the Lite site: no reference solutions, no hidden checks."""
    import zipfile

    from grading import CANARY

    manifest = _lite_site()
    lock = json.loads((LITE / "static" / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    wheel = LITE / "static" / "pyodide" / lock[manifest["project"]]["file_name"]
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        assert any(n.startswith("lecture_code/") for n in names)
        # the committed results the chapters load (the saddles chapter's critical points) ship too
        results = {f"lecture_code/data/{p.name}" for p in (ROOT / "lecture_code" / "data").glob("*.json")}
        assert results and results <= set(names), sorted(results - set(names))
        assert not [n for n in names if n.startswith(("solutions/", "exercises/"))]
        # The exercises import only the student side (lecture_code.student); the trusted grader
        # never ships, and no shipped file carries the solutions' canary.
        assert not [n for n in names if n.startswith("grading/")], "the trusted grader is in the wheel"
        for n in names:
            assert CANARY.encode() not in z.read(n), n
    for p in (LITE / "files").rglob("*"):
        if p.is_file():
            assert CANARY not in p.read_text(encoding="utf-8", errors="replace"), p


# ---------------------------------------------------------------------------------------------
# students outside the repository: the wheel, the install lines, the advice when torch is missing


def test_install_line_is_a_valid_requirement_with_the_extras_the_notebook_needs():
    """Independent reference: pip's own requirement parser reads what lite/install.py writes."""
    import shlex
    import tomllib

    from packaging.requirements import Requirement

    import lecture_code
    from lite import install

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(install.EXTRAS.values()) <= set(extras), "lite/install.py names an extra pyproject.toml lacks"
    assert extras["torch"] == [lc_extras.TORCH_REQUIREMENT]
    for packages, url in [({"numpy"}, None), ({"numpy", "torch", "scipy"}, None),
                          ({"torch", "sklearn"}, "https://example.org/book/lite/wheels/" + install.wheel_name())]:
        words = shlex.split(install.pip_command(packages, url))
        assert words[:2] == ["pip", "install"] and "jupyterlab" in words
        spec = words[2]
        wanted = {install.EXTRAS[p] for p in packages if p in install.EXTRAS}
        if url:
            req = Requirement(spec)
            assert req.name == "lecture_code" and req.url == url and set(req.extras) == wanted
        else:
            name, _, rest = spec.partition("[")
            assert name == install.wheel_name() and set(filter(None, rest.rstrip("]").split(","))) == wanted
        assert ("--extra-index-url" in words) == ("torch" in packages)
        if "torch" in packages:
            assert words[words.index("--extra-index-url") + 1] == lc_extras.TORCH_INDEX


TORCH_PAGES = sorted(p for p, v in VERDICTS.items() if "torch" in v.blockers)


def _needs_torch_to_run(page: str) -> bool:
    """Judged non-browser for a lazily imported torch, but run without it (tests/test_layout.py)."""
    from tests.test_layout import TORCH_FREE

    return Path(page).name not in TORCH_FREE or not page.startswith("book/")

_IMPORT_WITHOUT_TORCH = NO_TORCH + """
import sys
src = sys.stdin.read()
try:
    exec(compile(src, 'imports', 'exec'), {})
except ImportError as exc:
    print(type(exc).__name__, exc.name)
    print(exc)
else:
    print('imported')
"""

#: Run each notebook's code cells in order (argv: their paths), as a student would, on a Python
#: without PyTorch, until the first error; print, per notebook, the error's class, name and text.
#: One Python for all of them: a module that failed to import left nothing in ``sys.modules``,
#: so the next notebook that needs it fails the same way. Interactive figures draw their default
#: frame, so lazy imports run too.
_RUN_WITHOUT_TORCH = NO_TORCH + RUN_CELLS + """
import json, sys
results = {}
for path in sys.argv[1:]:
    try:
        run_cells(path)
    except ImportError as exc:
        results[path] = type(exc).__name__ + " " + str(exc.name) + "\\n" + str(exc)
    else:
        results[path] = 'ran'
with open('results.json', 'w') as f:
    json.dump(results, f)
"""

RUN_WITHOUT_TORCH = [p for p in TORCH_PAGES if _needs_torch_to_run(p)]


@pytest.fixture(scope="module")
def ran_without_torch(tmp_path_factory):
    """The torch chapters run where a student would (a folder outside the repository), without
    PyTorch, all in one subprocess."""
    import lecture_code

    paths = {page: str(ROOT / VERDICTS[page].path) for page in RUN_WITHOUT_TORCH}
    folder = tmp_path_factory.mktemp("student")
    res = subprocess.run([sys.executable, "-c", _RUN_WITHOUT_TORCH, *paths.values()],
                         text=True, capture_output=True, cwd=folder, timeout=600,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-1500:]
    results = json.loads((folder / "results.json").read_text())
    return {page: results[path] for page, path in paths.items()}


@pytest.mark.parametrize("page", RUN_WITHOUT_TORCH)
def test_a_downloaded_torch_chapter_fails_with_the_install_advice(page, ran_without_torch):
    """Without PyTorch, the first cell that needs it says what to install, not a bare
    ``No module named 'torch'``."""
    out = ran_without_torch[page]
    assert out.startswith("ModuleNotFoundError torch"), f"{page}: {out[-800:]}"
    assert f'pip install "{lc_extras.TORCH_REQUIREMENT}" --extra-index-url {lc_extras.TORCH_INDEX}' in out, out


def test_a_lazy_torch_import_fails_with_the_install_advice(tmp_path):
    """A function that imports torch when called (the symmetry chapter's trained MLP) reaches
    a guarded module first, so it too says what to install."""
    import lecture_code

    code = "from lecture_code.chapters.symmetry import regression_mlp\nregression_mlp()\n"
    res = subprocess.run([sys.executable, "-c", _IMPORT_WITHOUT_TORCH], input=code,
                         text=True, capture_output=True, cwd=tmp_path, timeout=120)
    assert res.stdout.startswith("ModuleNotFoundError torch"), res.stdout + res.stderr[-1500:]
    assert f"--extra-index-url {lc_extras.TORCH_INDEX}" in res.stdout


@pytest.mark.browser
def test_the_site_serves_the_wheel_students_install(tmp_path):
    """The wheel under lite/wheels/ is the in-browser site's own, and pip installs it."""
    import lecture_code
    from lite import install

    manifest = _lite_site()
    lock = json.loads((LITE / "static" / "pyodide" / "pyodide-lock.json").read_text())["packages"]
    served = SITE / install.WHEEL_FOLDER / install.wheel_name()
    assert served.is_file(), f"{served} missing"
    assert served.read_bytes() == (LITE / "static" / "pyodide" / lock[manifest["project"]]["file_name"]).read_bytes()
    target = tmp_path / "site-packages"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target",
                          str(target), str(served)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-1500:]
    probe = "import lecture_code, sys; print(lecture_code.__version__, lecture_code.__file__)"
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    version, where = res.stdout.split()
    assert version == lecture_code.__version__ and where.startswith(str(target)), res.stdout + res.stderr


@pytest.mark.browser
def test_every_downloadable_notebook_says_what_to_install():
    """The notebooks of the download menu (chapters and exercises) and the in-browser copies a
    student downloads start with the install note: the served wheel, JupyterLab, the extras
    their imports need, PyTorch's CPU index exactly where PyTorch is needed."""
    import nbformat

    import lecture_code
    from lite import install

    manifest = _lite_site()
    copies = []
    for page, v in VERDICTS.items():
        copies.append((SITE / "_sources" / f"{page}.ipynb", v, False))
        if v.runs_in_browser:
            assert f"{page}.ipynb" in manifest["notebooks"]
            copies.append((LITE / "files" / f"{page}.ipynb", v, True))
    for path, v, in_browser in copies:
        assert path.is_file(), path
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0]
        assert install.NOTE_TAG in first.metadata.get("tags", []), f"{path}: no install note"
        assert sum(install.NOTE_TAG in c.metadata.get("tags", []) for c in nb.cells) == 1, path
        text = first.source
        assert len([l for l in text.splitlines() if l.strip()]) == 2, text
        assert install.wheel_name() in text and "jupyterlab" in text and "jupyter lab" in text
        assert (lc_extras.TORCH_INDEX in text) == ("torch" in v.packages), path
        assert ("lecture_code-" + lecture_code.__version__) in text
        assert ("nothing needs installing" in text) == in_browser, path


def test_a_page_links_the_wheel_when_it_is_there_or_being_built_beside_sphinx(tmp_path, monkeypatch):
    """``make book`` builds the Lite site beside Sphinx and names its folder (LECTURE_LITE_SITE):
    pages link the wheel before the file is there. Without the file and without that build
    (another folder named, or none), no page links a wheel that will not exist."""
    import lite_links
    from lite import install

    app = types.SimpleNamespace(outdir=str(tmp_path / "html"), lite_verdicts={"book/x": types.SimpleNamespace(
        runs_in_browser=False, blockers={"torch": "imports torch"}, packages={"torch"})})

    def linked() -> bool:
        context = {"body": "<p>page</p>"}
        lite_links._add_notice(app, "book/x", "page.html", context, doctree=object())
        return 'class="lc-wheel-link"' in context["body"]

    monkeypatch.delenv("LECTURE_LITE_SITE", raising=False)
    assert not linked()
    monkeypatch.setenv("LECTURE_LITE_SITE", str(tmp_path / "elsewhere" / "lite"))
    assert not linked()
    monkeypatch.setenv("LECTURE_LITE_SITE", str(tmp_path / "html" / "." / "lite"))
    assert linked()
    monkeypatch.delenv("LECTURE_LITE_SITE")
    wheel = tmp_path / "html" / install.WHEEL_FOLDER / install.wheel_name()
    wheel.parent.mkdir(parents=True)
    wheel.write_bytes(b"")
    assert linked()


@pytest.mark.browser
def test_torch_pages_link_the_launch_menu_and_say_how_to_install():
    """The notice on a page that needs PyTorch: the launch menu's own addresses as links, the
    wheel as a link that resolves, and the pip line with the CPU index."""
    import html as html_lib

    import lecture_code

    for page in TORCH_PAGES:
        text = (SITE / f"{page}.html").read_text()
        notice = re.search(r'<div class="lc-lite lc-lite-native".*?</div>', text, re.S).group(0)
        menu = re.search(r'<div class="dropdown dropdown-launch-buttons">.*?</ul>', text, re.S)
        menu_urls = [html_lib.unescape(u) for u in re.findall(r'<a href="([^"]+)"', menu.group(0))] if menu else []
        notice_urls = [html_lib.unescape(u) for u in re.findall(r'class="lc-launch-link" href="([^"]+)"', notice)]
        assert notice_urls == menu_urls, (page, notice_urls, menu_urls)
        wheel = re.search(r'class="lc-wheel-link" href="([^"]+)"', notice).group(1)
        assert (SITE / Path(page).parent / wheel).resolve().is_file(), wheel
        command = html_lib.unescape(re.search(r'<code class="lc-install">(.*?)</code>', notice).group(1))
        assert command.startswith("pip install ") and re.search(r"\.whl\[[a-z,]*torch", command) and "jupyterlab" in command
        assert f"--extra-index-url {lc_extras.TORCH_INDEX}" in command
        assert "make lab" not in notice  # means nothing to a reader of the website


@pytest.mark.browser
def test_download_button_keeps_the_students_work(exercise_notebook, tmp_path):
    """The in-browser notebook has a visible Download button (toolbar) and a File menu entry;
    clicking the button saves the student's edit to a notebook file on their computer."""
    import nbformat

    page, _, _ = exercise_notebook
    button = page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="download"]')
    button.wait_for(state="visible", timeout=60_000)
    assert "Download" in (button.inner_text() + (button.get_attribute("title") or "") +
                          (button.locator("button").first.get_attribute("title") or ""))
    marker = "# my answer, kept by the Download button"
    page.evaluate("""(marker) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      const i = nb.widgets.findIndex(c => c.model.type === 'code');
      const cell = nb.model.cells.get(i);
      cell.sharedModel.setSource(marker + '\\n' + cell.sharedModel.getSource());
    }""", marker)
    with page.expect_download(timeout=60_000) as info:
        button.locator("button").first.click()
    saved = tmp_path / "download.ipynb"
    info.value.save_as(saved)
    assert info.value.suggested_filename.endswith("narrow_valley.ipynb")
    nb = nbformat.read(saved, as_version=4)
    nbformat.validate(nb)
    assert any(marker in c.source for c in nb.cells if c.cell_type == "code")
    assert "install-note" in nb.cells[0].metadata.get("tags", [])  # and it says what to install
    # the File menu offers it too
    page.locator('.lm-MenuBar-itemLabel:text-is("File")').click()
    assert page.locator('.lm-Menu-itemLabel:text-is("Download")').count() >= 1
    page.keyboard.press("Escape")

