"""What a chapter shows a reader, recorded in a short text file per chapter and compared.

The recordings guard what a reader sees, and only that; whether a computed result is *right* is
the job of the unit tests, which check it against an independent reference. From each executed
chapter of the last build (the execution cache ``make book`` fills), this module writes
``tests/fixtures/chapter_outputs/<chapter>.txt`` with:

* every **glued value as the text shows it**: each ``{glue:text}`name:fmt``` of the chapter,
  formatted as MyST-NB formats it on the page;
* every **printed line** (streams, and the plain text of results such as tables);
* every **figure, summarized**: title, axis titles, annotations, slider labels, and per trace
  its type, name, number of points and the range of its x, y, z data; per frame of a slider
  figure the range of the frame's data, its title and the annotations the figure itself does
  not show; numbers in a figure's summary are rounded to 4 significant digits;
* every **quiz** as the reader meets it: title, questions, options (``[x]`` marks a right one)
  and the explanation each option reveals.

Two recordings are compared line by line: an integer (a count, a step) matches only itself; a
decimal number matches when it is within one unit of the recorded one's last digit (``0.9114``
matches ``0.9115``, not ``0.9120``; a number printed with all 17 digits matches to 9 of them);
two numbers within ``1e-12`` of zero match (their digits are rounding noise). Anything else that
differs, appears or disappears is a difference, reported as a diff.

Re-record after a change that is *meant* to change what a chapter shows, then review the diff
of the recording before committing it (``docs/CONVENTIONS.md``)::

    make book                                          # the build executes the chapters
    .venv/bin/python -m tests.chapter_outputs record   # every chapter, or: record intro adam
    .venv/bin/python -m tests.chapter_outputs compare  # what differs, as a diff (exit 1 if any)
    git diff tests/fixtures/chapter_outputs            # review, then commit on its own
"""

from __future__ import annotations

import base64
import difflib
import importlib.util
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
BOOK = ROOT / "book"
FIXTURES = ROOT / "tests" / "fixtures" / "chapter_outputs"
NOISE = 1e-12
RTOL = 1e-9
DIGITS = 4  # significant digits of the numbers in a figure's summary

_DTYPES = {"f8": "<f8", "f4": "<f4", "i1": "<i1", "i2": "<i2", "i4": "<i4", "u1": "<u1", "u2": "<u2",
           "u4": "<u4", "i8": "<i8", "u8": "<u8"}


# ----------------------------------------------------------------------------------- reading


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _json_after(html: str, start: int) -> tuple[Any, int]:
    """The JSON value that starts at the first ``[`` or ``{`` at or after ``start``."""
    decoder = json.JSONDecoder()
    i = start
    while html[i] not in "[{":
        i += 1
    return decoder.raw_decode(html, i)


def plotly_figures(html: str) -> list[dict]:
    """Every ``Plotly.newPlot`` in an HTML output: ``{"data", "layout", "frames"}``."""
    figures = []
    for m in re.finditer(r"Plotly\.newPlot\(\s*\"[^\"]+\",", html):
        data, end = _json_after(html, m.end())
        layout, end = _json_after(html, end)
        frames: list = []
        f = re.compile(r"Plotly\.addFrames\(\s*'[^']+',").search(html, end)
        nxt = html.find("Plotly.newPlot(", end)
        if f and (nxt < 0 or f.start() < nxt):
            frames, _ = _json_after(html, f.end())
        figures.append({"data": data, "layout": layout, "frames": frames})
    return figures


def _array(value: Any) -> np.ndarray | None:
    """A trace's numeric array (plotly.py sends numpy arrays base64-encoded), flattened."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=_DTYPES[value["dtype"]]).astype(float)
    if isinstance(value, list):
        try:
            return np.array(value, dtype=float).ravel()
        except (TypeError, ValueError):
            return None
    return None


def _coords(trace: dict, key: str) -> np.ndarray | None:
    """A trace's ``x``/``y`` data; a trace given as ``y`` with ``x0`` and ``dx`` (plotly's
    implied coordinates) has ``x = x0 + dx * [0, 1, ...]``, as the figure draws it."""
    a = _array(trace.get(key))
    if a is None and key in ("x", "y"):
        other = _array(trace.get("y" if key == "x" else "x"))
        if other is not None and (f"{key}0" in trace or f"d{key}" in trace):
            a = float(trace.get(f"{key}0", 0)) + float(trace.get(f"d{key}", 1)) * np.arange(other.size)
    return a


# ------------------------------------------------------------------------------- summarizing


def number(x: float) -> str:
    """``x`` to :data:`DIGITS` significant digits (rounding noise near zero written as 0)."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) <= NOISE:
        return "0"
    return f"{x:#.{DIGITS}g}"  # trailing zeros kept: the last digit is the 4th significant one


def _range(values: list[np.ndarray]) -> str | None:
    data = np.concatenate(values) if values else np.array([])
    fin = data[np.isfinite(data)]
    if fin.size == 0:
        return None if data.size == 0 else "no finite values"
    nonfinite = f" ({data.size - fin.size} not finite)" if fin.size < data.size else ""
    return f"[{number(fin.min())}, {number(fin.max())}]{nonfinite}"


_AXES = ("x", "y", "z")


def _extent(traces: list[dict]) -> str:
    """The range of the data of ``traces``, per axis: ``x [0, 1], y [-2, 3.5]``."""
    parts = []
    for key in _AXES:
        arrays = [a for t in traces if (a := _coords(t, key)) is not None]
        r = _range(arrays)
        if r is not None:
            parts.append(f"{key} {r}")
    return ", ".join(parts)


def _plain(text: Any) -> str:
    """A label's text without markup (plotly labels may hold <br>, <b>, <sup>)."""
    s = re.sub(r"<br\s*/?>", " / ", str(text))
    s = re.sub(r"<[^>]+>", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _title(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text")
    return _plain(value) if value else ""


def _titles(layout: dict) -> list[str]:
    """Title, axis titles and annotations of a layout, as lines."""
    lines = []
    for key in sorted(layout):
        if re.fullmatch(r"([xy]axis|scene)\d*", key) and isinstance(layout[key], dict):
            axis = layout[key]
            if key.startswith("scene"):
                for sub in ("xaxis", "yaxis", "zaxis"):
                    t = _title((axis.get(sub) or {}).get("title"))
                    if t:
                        lines.append(f"axis {key}.{sub}: {t}")
            else:
                t = _title(axis.get("title"))
                if t:
                    lines.append(f"axis {key}: {t}")
    for ann in layout.get("annotations", []) or []:
        if ann.get("text"):
            lines.append(f"annotation: {_plain(ann['text'])}")
    return lines


def _trace_line(trace: dict) -> str:
    kind = trace.get("type", "scatter")
    name = trace.get("name")
    lengths = [a.size for key in ("x", "y") if (a := _coords(trace, key)) is not None]
    z = _array(trace.get("z"))
    if kind in ("surface", "contour", "heatmap") and z is not None:
        size = f"{z.size} values"
    else:
        size = f"{max(lengths) if lengths else (z.size if z is not None else 0)} points"
    line = f"trace {kind}" + (f' "{_plain(name)}"' if name else "") + f": {size}"
    extent = _extent([trace])
    if extent:
        line += f", {extent}"
    text = trace.get("text")
    if isinstance(text, list) and ("text" in str(trace.get("mode", "")) or kind == "bar"):
        line += " | text: " + ", ".join(_plain(t) for t in text)
    return line


def figure_lines(fig: dict) -> list[str]:
    """A figure as a reader sees it, summarized (see the module's docstring)."""
    layout = fig["layout"]
    lines = [f"title: {_title(layout.get('title'))}"]
    base = _titles(layout)
    lines += base
    lines += [_trace_line(t) for t in fig["data"]]
    for s in layout.get("sliders", []) or []:
        prefix = _plain((s.get("currentvalue") or {}).get("prefix", "")).rstrip(" :=")
        labels = [_plain(step.get("label", "")) for step in s.get("steps", [])]
        lines.append(f"slider {prefix or '(no label)'}: " + ", ".join(labels))
    if fig["frames"]:
        lines.append(f"{len(fig['frames'])} frames (each: its data's range, its title, the annotations the figure has not)")
    for fr in fig["frames"]:
        layout_f = fr.get("layout", {}) or {}
        titles = ([f"title: {_title(layout_f['title'])}"] if "title" in layout_f else []) + _titles(layout_f)
        shown = " | ".join(t for t in titles if t.startswith("title: ") or t not in base)
        line = f"frame {fr.get('name')}: {_extent(fr.get('data', [])) or 'no data'}"
        lines.append(line + (f" | {shown}" if shown else ""))
    return lines


def quiz_lines(html: str) -> list[str]:
    """A quiz's title, questions, options (``[x]``: a right one) and explanations."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    lines = []
    for root in soup.select(".lc-quiz"):
        key_el = root.select_one("script.lc-key")
        key = json.loads(key_el.get_text()) if key_el else []
        title = root.find("p")
        lines.append(f"quiz: {_plain(title.get_text()) if title else ''}")
        for qi, q in enumerate(root.select(".lc-q")):
            prompt = q.select_one(".lc-prompt")
            lines.append(_plain(prompt.get_text()) if prompt else f"question {qi + 1}")
            right = set(key[qi]) if qi < len(key) and isinstance(key[qi], list) else set()
            for oi, opt in enumerate(q.select(".lc-opt")):
                label = opt.find("label")
                why = opt.select_one(".lc-why")
                mark = "[x]" if oi in right else "[ ]"
                lines.append(f"  {mark} {_plain(label.get_text()) if label else ''}"
                             + (f" -> {_plain(why.get_text())}" if why else ""))
            if not q.select(".lc-opt") and qi < len(key):
                lines.append(f"  answer: {json.dumps(key[qi], ensure_ascii=False)}")
    return lines


_GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([^`]+)`")


def glue_references(nb: dict) -> list[tuple[str, str]]:
    """Every ``{glue:text}`name:fmt``` of the notebook's Markdown, in order, each once."""
    seen: dict[tuple[str, str], None] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for ref in _GLUE_ROLE.findall(_text(cell["source"])):
            name, _, fmt = ref.partition(":")
            seen.setdefault((name.strip(), fmt.strip()), None)
    return list(seen)


def _glued(nb: dict) -> dict[str, str]:
    """Glued values (``text/plain``; hidden ones carry MyST-NB's mime prefix), by name."""
    out = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            meta = o.get("metadata", {}).get("scrapbook", {})
            if meta.get("name") is not None:
                prefix = meta.get("mime_prefix", "")
                data = o.get("data", {})
                out[meta["name"]] = _text(data.get(prefix + "text/plain", data.get("text/plain", "")))
    return out


def _shown(text: str, fmt: str) -> str:
    """A glued value as the page shows it (MyST-NB's own formatting)."""
    from myst_nb.core.variables import format_plain_text

    try:
        return format_plain_text(text, fmt)
    except (TypeError, ValueError) as err:
        return f"<cannot format {text!r} with {fmt!r}: {err}>"


def notebook_lines(nb: dict) -> list[str]:
    """What an executed notebook shows a reader, as the lines of its recording."""
    glued = _glued(nb)
    lines = ["[glued values, as the text shows them]"]
    for name, fmt in glue_references(nb):
        shown = _shown(glued[name], fmt) if name in glued else "<not glued>"
        lines.append(f"{name}{':' + fmt if fmt else ''} = {shown}")
    printed: list[str] = []
    figures: list[list[str]] = []
    quizzes: list[str] = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        # a print may reach the notebook in several stream messages: join them first
        stdout = "".join(_text(o["text"]) for o in cell.get("outputs", [])
                         if o["output_type"] == "stream" and o.get("name") == "stdout")
        if stdout:
            printed.extend(stdout.rstrip("\n").split("\n"))
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream" or out.get("metadata", {}).get("scrapbook"):
                continue
            data = out.get("data", {})
            html = _text(data.get("text/html", ""))
            if "Plotly.newPlot" in html:
                figures.extend(figure_lines(f) for f in plotly_figures(html))
            elif "lc-quiz" in html:
                quizzes.extend(quiz_lines(html))
            elif "text/plain" in data and out["output_type"] == "execute_result":
                plain = _text(data["text/plain"])
                if not plain.startswith("<interactive figure"):
                    printed.extend(plain.split("\n"))
    lines.append("")
    lines.append("[printed]")
    lines += [p.rstrip() for p in printed]
    for i, fig in enumerate(figures, 1):
        lines.append("")
        lines.append(f"[figure {i}]")
        lines += fig
    if quizzes:
        lines.append("")
        lines.append("[quizzes]")
        lines += quizzes
    return lines


# ----------------------------------------------------------------------------------- comparing

_NUMBER = re.compile(r"(?<![\w.])[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _last_digit(x: str) -> float:
    mantissa, _, exp = x.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** ((int(exp) if exp else 0) - decimals)


def same_line(recorded: str, now: str) -> bool:
    """Same text; each integer the same, each decimal number within one unit of the recorded
    number's last digit (or, printed with more digits than float arithmetic keeps stable,
    to :data:`RTOL`)."""
    if recorded == now:
        return True
    if _NUMBER.split(recorded) != _NUMBER.split(now):
        return False
    for x, y in zip(_NUMBER.findall(recorded), _NUMBER.findall(now)):
        if x == y:
            continue
        if "." not in x and "e" not in x.lower():
            return False  # an integer (a count, a step): exactly
        fx, fy = float(x.replace("−", "-")), float(y.replace("−", "-"))
        if abs(fx) <= NOISE and abs(fy) <= NOISE:
            continue
        if abs(fx - fy) > max(1.01 * _last_digit(x), RTOL * max(abs(fx), abs(fy))):
            return False
    return True


def differences(recorded: list[str], now: list[str]) -> list[str]:
    """The lines that differ, as a unified diff (empty: the chapter shows what was recorded)."""
    shape = lambda lines: [_NUMBER.sub("#", line) for line in lines]  # noqa: E731
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, shape(recorded), shape(now), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" and all(same_line(a, b) for a, b in zip(recorded[i1:i2], now[j1:j2])):
            continue
        if op == "equal":
            for a, b in zip(recorded[i1:i2], now[j1:j2]):
                if not same_line(a, b):
                    out += [f"- {a}", f"+ {b}"]
            continue
        out += [f"- {a}" for a in recorded[i1:i2]] + [f"+ {b}" for b in now[j1:j2]]
    return out


# ---------------------------------------------------------------------------- the recordings

HEADER = """# What book/{chapter}.md shows a reader: recorded from the last build by
#   .venv/bin/python -m tests.chapter_outputs record {chapter}
# and compared by tests/test_chapter_outputs.py (numbers to their last digit). Re-record after
# a change meant to alter what the chapter shows, and review this file's diff before committing.
"""


def recording_path(chapter: str) -> Path:
    return FIXTURES / f"{chapter}.txt"


def recorded(chapter: str) -> list[str]:
    """The recorded lines of ``chapter`` (comments left out)."""
    return [l for l in recording_path(chapter).read_text(encoding="utf-8").split("\n")[:-1] if not l.startswith("#")]


def chapters() -> list[str]:
    """The chapters that execute: ``book/*.md`` notebooks."""
    return sorted(p.stem for p in BOOK.glob("*.md") if "kernelspec" in p.read_text(encoding="utf-8")[:2000])


def build_is_current() -> str | None:
    """None if the build's outputs were computed by the current ``lecture_code``, else why not."""
    stamp = ROOT / "_build" / ".lecture_code.sha256"
    if str(BOOK / "_ext") not in sys.path:  # the extension imports its siblings (build_inputs)
        sys.path.insert(0, str(BOOK / "_ext"))
    spec = importlib.util.spec_from_file_location("_lecture_build", BOOK / "_ext" / "lecture_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = getattr(module, "package_hash", None)
    if current is None:
        return None  # the build no longer exposes its hash: the cache match below still applies
    if not stamp.exists() or stamp.read_text().strip() != current(ROOT):
        return "lecture_code changed since the last build"
    return None


def executed_chapter(chapter: str) -> dict | None:
    """The executed notebook of ``book/<chapter>.md`` as it is now, from the build's cache
    (None if the cache holds no outputs for the chapter's current code)."""
    import jupytext
    from jupyter_cache import get_cache

    if not CACHE.is_dir():
        return None
    nb = jupytext.read(BOOK / f"{chapter}.md")
    try:
        _, merged = get_cache(str(CACHE)).merge_match_into_notebook(nb)
    except KeyError:
        return None
    return json.loads(json.dumps(merged))


def current(chapter: str) -> list[str] | None:
    nb = executed_chapter(chapter)
    return None if nb is None else notebook_lines(nb)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("record", "compare"):
        print(__doc__)
        return 2
    names = argv[1:] or chapters()
    unknown = sorted(set(names) - set(chapters()))
    if unknown:
        print(f"not chapters: {unknown}; chapters are {chapters()}")
        return 2
    stale = build_is_current()
    if stale:
        print(f"{stale}: run `make book` first, so the outputs are the current code's")
        return 1
    bad = 0
    for name in names:
        now = current(name)
        if now is None:
            print(f"{name}: no executed outputs for its current code in {CACHE}: run `make book` first")
            bad += 1
            continue
        path = recording_path(name)
        before = recorded(name) if path.exists() else []
        diff = differences(before, now)
        if argv[0] == "record":
            FIXTURES.mkdir(parents=True, exist_ok=True)
            path.write_text(HEADER.format(chapter=name) + "\n".join(now) + "\n", encoding="utf-8")
            print(f"{name}: recorded {len(now)} lines" + (f", {len(diff)} lines changed" if diff else ", unchanged"))
        else:
            print(f"{name}: " + (f"{len(diff)} lines differ" if diff else "same"))
            bad += bool(diff)
        for d in diff[:40]:
            print("  " + d)
        if len(diff) > 40:
            print(f"  ... {len(diff) - 40} more")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
