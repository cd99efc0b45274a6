"""Drive a notebook of the JupyterLite site in headless Chromium (used by tests and benchmarks).

    .venv/bin/python -m tests.litecheck book/momentum.html   # open its link, run all, report

Every request outside the site (another host, or the local server outside the sub-path the
site is served under) is aborted and recorded (``PageLog``), so what passes here works with no
network.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field

from tests.sitecheck import PageLog, browser, serve

#: Kernel start and "run all" are slow on a shared 2-core machine; these are limits, not targets.
KERNEL_TIMEOUT_MS = 240_000
RUN_TIMEOUT_MS = 300_000

_NOTEBOOK = "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;" \
            " return w && w.content && w.content.model ? w : null; }"

_KERNEL_STATUS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : null;
}"""

_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    out.push({count: c.executionCount, outputs: c.outputs.toJSON(), source: c.sharedModel.getSource()});
  }
  return out;
}"""


@dataclass
class LiteRun:
    url: str
    kernel_seconds: float = float("nan")
    run_all_seconds: float = float("nan")
    cells: list[dict] = field(default_factory=list)

    def errors(self) -> list[str]:
        """Error outputs and tracebacks printed to stderr, with the cell that made them."""
        found = []
        for i, c in enumerate(self.cells):
            for o in c["outputs"]:
                if o.get("output_type") == "error":
                    found.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
                elif o.get("output_type") == "stream" and o.get("name") == "stderr":
                    text = "".join(o.get("text", ""))
                    if "Traceback" in text or "Error" in text:
                        found.append(f"cell {i} stderr: {text[:300]}")
        return found

    def text(self) -> str:
        parts = []
        for c in self.cells:
            for o in c["outputs"]:
                if o.get("output_type") == "stream":
                    parts.append("".join(o.get("text", "")))
                elif "data" in o and "text/plain" in o["data"]:
                    parts.append("".join(o["data"]["text/plain"]))
        return "\n".join(parts)


def follow_link(page, selector: str = "a.lc-lite-link") -> str:
    """Click the page's "Run in the browser" link; returns the URL it opened."""
    link = page.locator(selector)
    assert link.count() == 1, f"expected one {selector} on {page.url}, found {link.count()}"
    link.click()
    page.wait_for_url("**/lite/notebooks/**")
    return page.url


def wait_kernel(page, t0: float) -> float:
    """Wait until the notebook is open and its kernel idle; seconds since ``t0``."""
    page.wait_for_function(_NOTEBOOK, timeout=KERNEL_TIMEOUT_MS)
    page.wait_for_function(f"() => ({_KERNEL_STATUS})() === 'idle'", timeout=KERNEL_TIMEOUT_MS, polling=200)
    return time.perf_counter() - t0


def run_all(page) -> float:
    """Run every cell (the Run All command) and wait until each code cell has executed."""
    t0 = time.perf_counter()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        f"""() => {{
          const st = ({_KERNEL_STATUS})();
          const cells = ({_CELLS})();
          // Run All stops at the first error: then the error is the result
          const failed = cells.some(c => c.outputs.some(o => o.output_type === 'error'));
          return st === 'idle' && (failed || cells.every(c => c.source.trim() === '' || c.count !== null));
        }}""",
        timeout=RUN_TIMEOUT_MS, polling=250,
    )
    return time.perf_counter() - t0


def cells(page) -> list[dict]:
    return page.evaluate(_CELLS)


def open_and_run(page, url: str) -> LiteRun:
    """Open ``url`` (a Lite notebook URL), wait for the kernel, run all cells."""
    run = LiteRun(url=url)
    t0 = time.perf_counter()
    if page.url != url:
        page.goto(url, wait_until="load")
    run.kernel_seconds = wait_kernel(page, t0)
    run.run_all_seconds = run_all(page)
    run.cells = cells(page)
    return run


_LOAD_NOTEBOOK = """async (url) => {
  const nb = await (await fetch(url)).json();
  const w = window.jupyterapp.shell.currentWidget;
  const shared = w.content.model.sharedModel;
  const text = (s) => Array.isArray(s) ? s.join('') : (s || '');
  shared.transact(() => {
    shared.deleteCellRange(0, shared.cells.length);
    shared.insertCells(0, nb.cells.map(c => ({cell_type: c.cell_type, source: text(c.source),
                                              metadata: c.metadata || {}})));
  });
  return shared.cells.length;
}"""


def load_notebook(page, url: str) -> int:
    """Replace the open notebook's cells by those of the notebook file at ``url`` (no outputs,
    none run), in the same kernel; returns the number of cells. With ``%reset -f`` before it, the
    next run is the notebook's own on a kernel that has already started: its imports run again
    (from the modules Python has loaded), nothing else is left of the earlier one."""
    return page.evaluate(_LOAD_NOTEBOOK, url)


_EXECUTE = """async (code) => {
  const w = window.jupyterapp.shell.currentWidget;
  const kernel = w.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: code, store_history: false});
  let out = '';
  future.onIOPub = (msg) => {
    const t = msg.header.msg_type;
    if (t === 'stream') { out += msg.content.text; }
    else if (t === 'error') { out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue + '\\n'; }
  };
  await future.done;
  return out;
}"""


def execute(page, code: str) -> str:
    """Run ``code`` in the notebook's kernel (its namespace); returns what it printed."""
    return page.evaluate(_EXECUTE, code)


def slider_changes_figure(page, index: int = 0, timeout_ms: int = 60_000) -> tuple[str, str]:
    """Drag the ``index``-th ipywidgets slider one step with the mouse, as a student would.

    Returns the fingerprint of the plotly figures in the slider's cell before and after: the
    data of every trace, so only a recomputation in the kernel (not a moved handle) changes it.
    """
    fingerprint = """(el) => {
      const area = el.closest('.jp-Cell') || document;
      return JSON.stringify(Array.from(area.querySelectorAll('.js-plotly-plot')).map(gd =>
        (gd._fullData || []).map(t => ['x', 'y', 'z'].map(k => t[k] ? Array.from(t[k]).slice(0, 200) : null))));
    }"""
    slider = page.locator(".jp-OutputArea .widget-slider").nth(index)
    # show the top of the slider's cell (clicking into a cell scrolls its top into view otherwise)
    slider.evaluate("""async (el) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      const i = nb.widgets.findIndex(c => c.node.contains(el));
      nb.activeCellIndex = i;
      nb.mode = 'command';
      await nb.scrollToItem(i, 'start');
    }""")
    handle = slider.locator(".noUi-handle").first
    handle.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_function(f"(el) => ({fingerprint})(el) !== '[]'", arg=slider.element_handle(), timeout=timeout_ms)
    before = slider.evaluate(fingerprint)
    lo, hi, now = (float(handle.get_attribute(a)) for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow"))
    target = now + 1 if now + 1 <= hi else now - 1
    track = slider.locator(".noUi-base").first.bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * (target - lo) / (hi - lo), box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    page.wait_for_function(
        f"([el, before]) => ({fingerprint})(el) !== before && ({_KERNEL_STATUS})() === 'idle'",
        arg=[slider.element_handle(), before], timeout=timeout_ms, polling=100,
    )
    assert float(handle.get_attribute("aria-valuenow")) == target
    return before, slider.evaluate(fingerprint)


def main(argv: list[str]) -> int:
    path = argv[0]
    with serve() as base, browser() as ctx:
        page = ctx.new_page()
        log = PageLog(page, base)
        page.set_default_timeout(60_000)
        page.goto(base + path, wait_until="load")
        t0 = time.perf_counter()
        url = follow_link(page) if path.endswith(".html") and "/lite/" not in path else page.url
        run = LiteRun(url=url)
        run.kernel_seconds = wait_kernel(page, t0)
        run.run_all_seconds = run_all(page)
        run.cells = cells(page)
        print(json.dumps({"url": url, "kernel_s": round(run.kernel_seconds, 1),
                          "run_all_s": round(run.run_all_seconds, 1), "errors": run.errors(),
                          "sliders": page.locator(".jp-OutputArea .widget-slider").count(),
                          "figures": page.locator(".jp-OutputArea .js-plotly-plot").count(),
                          "external": log.external, "console_errors": log.errors[:10]}, indent=1))
        if "--shot" in argv:
            page.screenshot(path=argv[argv.index("--shot") + 1], full_page=False)
        if "--text" in argv:
            print(run.text()[:3000])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
