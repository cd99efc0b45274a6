"""A chapter run the way a student runs it: JupyterLab, open the MyST file, run all, move a slider.

Starts `jupyter lab` from the project's venv with the project's settings (as `make lab`
does), opens `book/intro.md` in headless Chromium, checks that it opens as a notebook
(jupytext), runs every cell, and moves the live learning-rate slider: the figure must be
recomputed by the kernel.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.sitecheck import browser

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port, token = _free_port(), "test-token"
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(ROOT / ".jupyter" / "lab" / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path_factory.mktemp("workspaces")),
        "JUPYTER_RUNTIME_DIR": str(tmp_path_factory.mktemp("runtime")),
    }
    cmd = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--notebook-dir={ROOT}",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True", "--allow-root",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not start within 60 s")
        yield f"http://127.0.0.1:{port}", token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_jupyterlab_loads_no_jupyterlite_extension():
    """The JupyterLite build tools stay out of the students' JupyterLab (lite/lite.mk).

    jupyterlite-pyodide-kernel's front-end extension, found by JupyterLab, breaks it ("Shared
    module @jupyterlite/server doesn't exist in shared scope default"). Checked twice: the
    folders JupyterLab searches, and what `jupyter labextension list` reports.
    """
    from importlib.metadata import distributions

    from jupyter_core.paths import jupyter_path

    found = [str(p.parent) for base in jupyter_path("labextensions")
             for p in Path(base).glob("*/*/package.json") if p.parent.parent.name == "@jupyterlite"]
    assert not found, f"JupyterLite extensions where JupyterLab finds them: {found}"
    res = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension", "list"],
                         capture_output=True, text=True, timeout=120)
    listed = res.stdout + res.stderr
    assert res.returncode == 0 and "jupyterlab-plotly" in listed, listed  # the listing itself works
    assert "@jupyterlite" not in listed, listed
    lite_tools = sorted(d.metadata["Name"] for d in distributions() if d.metadata["Name"].lower().startswith("jupyterlite"))
    assert not lite_tools, f"installed in JupyterLab's environment: {lite_tools}"


def test_intro_runs_in_jupyterlab_with_live_sliders(lab):
    base, token = lab
    with browser() as context:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/lab/tree/book/intro.md?token={token}", wait_until="load")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60000)
        # the MyST file opened as a notebook (jupytext), not as a text editor
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60000)
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
            timeout=60000,
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".widget-slider", timeout=90000)
        page.wait_for_selector(".jp-OutputArea .js-plotly-plot .gtitle", timeout=60000)
        title = page.locator(".jp-OutputArea .js-plotly-plot .gtitle").first
        before = title.text_content()
        handle = page.locator(".widget-slider .ui-slider-handle, .widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.click()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(before) => { const t = document.querySelector('.jp-OutputArea .js-plotly-plot .gtitle');"
            " return t && t.textContent !== before; }",
            arg=before,
            timeout=30000,
        )
        after = page.locator(".jp-OutputArea .js-plotly-plot .gtitle").first.text_content()
        assert after != before and after.startswith("η = ")
        # the quiz renders in the notebook too
        assert page.locator(".jp-OutputArea .lc-quiz").count() == 1
        assert not errors, errors
        # what JupyterLab saves (its autosave too) is the chapter's file as committed: the notebook
        # as the page holds it, saved through the server (jupytext) under another name
        _saved_as_the_committed_file(base, token, page, "book/intro.md")
        # leave no kernel behind
        page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
        page.wait_for_timeout(500)


def _saved_as_the_committed_file(base: str, token: str, page, chapter: str) -> None:
    """Save the open notebook's model as JupyterLab's save does (the contents API, which
    jupytext serves for .md) to a scratch file, and compare it with ``chapter`` byte for byte."""
    import difflib
    import json

    model = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.toJSON()")
    scratch = ROOT / "_build" / "tests" / f"lab-saved-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / Path(chapter).name
    try:
        request = urllib.request.Request(
            f"{base}/api/contents/{target.relative_to(ROOT).as_posix()}", method="PUT",
            data=json.dumps({"type": "notebook", "format": "json", "content": model}).encode(),
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=60).read()
        saved, committed = target.read_text(encoding="utf-8"), (ROOT / chapter).read_text(encoding="utf-8")
        diff = "\n".join(difflib.unified_diff(committed.splitlines(), saved.splitlines(), "committed", "saved", lineterm=""))
        assert saved == committed, f"JupyterLab would rewrite {chapter}:\n{diff[:3000]}"
    finally:
        target.unlink(missing_ok=True)
        scratch.rmdir()
