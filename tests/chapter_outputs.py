"""What a chapter shows, as a comparable fingerprint: printed text, figure data, glued values.

A refactoring of ``lecture_code`` must not change what the chapters show. This module turns
the executed chapters of a build (the outputs ``make book`` stored in the execution cache
``_build/.jupyter_cache`` for the chapters as they are now) into one small JSON fingerprint
per chapter and compares two fingerprints:

* every **printed line** (streams and ``text/plain`` results), numbers compared to the digits
  printed;
* every **plotly figure** (static frames included): per trace its type, name and a summary of
  each numeric array (length, NaN count, min, max, mean, mean |x| and a position-weighted sum,
  to a relative 1e-5), plus the texts of titles and annotations (status messages, subplot
  titles);
* every **glued value** (``text/plain`` of MyST-NB glue outputs), by name.

Layout (margins, legend placement, sizes) is left out on purpose: moving a legend is not a
change of what the figure says. Numbers at the float64 rounding floor (both ``|x| <= 1e-12``,
as in "largest difference: 4.4e-16") compare equal: they say "agree to rounding", and their
digits depend on the order of floating-point operations. Printed lines and figures that a
chapter *adds* are reported as added, not as differences; changed or removed ones are.

::

    python -m tests.chapter_outputs record   # write tests/fixtures/chapter_outputs/<chapter>.json
    python -m tests.chapter_outputs compare  # compare the last build with them
    python -m tests.chapter_outputs compare DIR   # or a folder of executed .ipynb

``tests/test_chapter_outputs.py`` runs the comparison after the build. When a chapter is
*meant* to show something new, re-record and review the diff of the fixture.
"""

from __future__ import annotations

import base64
import difflib
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "jupyter_execute" / "book"
CACHE = ROOT / "_build" / ".jupyter_cache"
BOOK = ROOT / "book"
FIXTURES = ROOT / "tests" / "fixtures" / "chapter_outputs"
RTOL = 1e-5
NOISE = 1e-12

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
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=_DTYPES[value["dtype"]]).astype(float)
        return arr
    if isinstance(value, list):
        try:
            arr = np.array(value, dtype=float)
        except (TypeError, ValueError):
            return None
        return arr.ravel()
    return None


def _summary(arr: np.ndarray) -> list:
    a = arr.astype(float).ravel()
    fin = a[np.isfinite(a)]
    if fin.size == 0:
        return [int(a.size), int(a.size - fin.size)]
    w = (np.arange(fin.size) % 7) + 1.0
    return [int(a.size), int(a.size - fin.size), float(fin.min()), float(fin.max()), float(fin.mean()),
            float(np.abs(fin).mean()), float((w * fin).sum() / w.sum())]


_NUMERIC_KEYS = ("x", "y", "z", "values", "lat", "lon", "open", "close", "r", "theta")


def _trace(tr: dict) -> dict:
    out: dict[str, Any] = {"type": tr.get("type", "scatter"), "name": tr.get("name")}
    for key in _NUMERIC_KEYS:
        if key in tr:
            arr = _array(tr[key])
            if arr is not None:
                out[key] = _summary(arr)
    if isinstance(tr.get("text"), (list, str)):
        out["text"] = tr["text"]
    return out


def _titles(layout: dict) -> list[str]:
    texts = []
    title = layout.get("title")
    if isinstance(title, dict) and title.get("text"):
        texts.append(title["text"])
    elif isinstance(title, str):
        texts.append(title)
    for key in sorted(layout):
        if re.fullmatch(r"[xy]axis\d*", key):
            t = layout[key].get("title")
            if isinstance(t, dict) and t.get("text"):
                texts.append(f"{key}: {t['text']}")
    for ann in layout.get("annotations", []) or []:
        texts.append(f"annotation: {ann.get('text', '')}")
    return texts


def figure_fingerprint(fig: dict) -> dict:
    return {
        "traces": [_trace(t) for t in fig["data"]],
        "titles": _titles(fig["layout"]),
        "frames": [
            {"name": fr.get("name"), "traces": [_trace(t) for t in fr.get("data", [])],
             "titles": _titles(fr.get("layout", {}))}
            for fr in fig["frames"]
        ],
    }


def notebook_fingerprint(nb: dict) -> dict:
    """``{"text": [...], "figures": [...], "glue": {...}}`` of an executed notebook."""
    text: list[str] = []
    figures: list[dict] = []
    glue: dict[str, str] = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        # a print may reach the notebook in several stream messages: join them first
        stdout = "".join(_text(o["text"]) for o in cell.get("outputs", [])
                         if o["output_type"] == "stream" and o.get("name") == "stdout")
        if stdout:
            text.extend(stdout.rstrip("\n").split("\n"))
        for out in cell.get("outputs", []):
            kind = out["output_type"]
            if kind == "stream":
                continue
            data = out.get("data", {})
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:  # a glued value; hidden ones carry MyST-NB's mime prefix
                prefix = out.get("metadata", {}).get("scrapbook", {}).get("mime_prefix", "")
                glue[name] = _text(data.get(prefix + "text/plain", data.get("text/plain", "")))
                continue
            html = _text(data.get("text/html", ""))
            figs = plotly_figures(html) if "Plotly.newPlot" in html else []
            if figs:
                figures.extend(figure_fingerprint(f) for f in figs)
            elif "text/plain" in data and "lc-quiz" not in html and kind == "execute_result":
                plain = _text(data["text/plain"])
                if not plain.startswith("<interactive figure"):
                    text.extend(plain.split("\n"))
    return {"text": text, "figures": figures, "glue": glue}


# ----------------------------------------------------------------------------------- comparing

_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _close_numbers(a: str, b: str) -> bool:
    """Same text, numbers allowed to differ by one unit of the last printed digit."""
    ta, tb = _NUMBER.split(a), _NUMBER.split(b)
    na, nb = _NUMBER.findall(a), _NUMBER.findall(b)
    if ta != tb or len(na) != len(nb):
        return False
    for x, y in zip(na, nb):
        if x == y:
            continue
        fx, fy = float(x.replace("−", "-")), float(y.replace("−", "-"))
        if abs(fx) <= NOISE and abs(fy) <= NOISE:
            continue
        digits = x.split("e")[0].split("E")[0]
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        exp = int(re.split("[eE]", x)[1]) if re.search("[eE]", x) else 0
        if abs(fx - fy) > 1.01 * 10.0 ** (exp - decimals):
            return False
    return True


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
            return False
        return math.isclose(a, b, rel_tol=RTOL, abs_tol=NOISE)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, str) and isinstance(b, str):
        return a == b or _close_numbers(a, b)
    return a == b


def _figure_key(fig: dict) -> tuple:
    return tuple(tr["type"] for tr in fig["traces"])


def _compare_figures(i: int, x: dict, y: dict) -> list[str]:
    out = []
    for part in ("traces", "titles"):
        if not _close(x[part], y[part]):
            out.append(f"figure {i + 1}: {part} differ:\n    before {x[part]}\n    now {y[part]}")
    if len(x["frames"]) != len(y["frames"]):
        out.append(f"figure {i + 1}: {len(x['frames'])} frames before, {len(y['frames'])} now")
    for fx, fy in zip(x["frames"], y["frames"]):
        if not _close(fx, fy):
            out.append(f"figure {i + 1}, frame {fx.get('name')}: differs\n    before {fx}\n    now {fy}")
            break
    return out


def differences(before: dict, after: dict, added: list[str] | None = None) -> list[str]:
    """Human-readable differences between two chapter fingerprints (empty: the same).

    Lines and figures present only in ``after`` are appended to ``added`` (if given) instead.
    """
    out: list[str] = []
    tb, ta = before["text"], after["text"]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, tb, ta, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "insert":
            if added is not None:
                added.extend(f"printed: {line}" for line in ta[j1:j2])
            continue
        if op == "replace" and i2 - i1 == j2 - j1 and all(_close(x, y) for x, y in zip(tb[i1:i2], ta[j1:j2])):
            continue
        for k in range(i1, i2):
            out.append(f"printed line {k + 1}: before {tb[k]!r}")
        for k in range(j1, j2):
            out.append(f"    now {ta[k]!r}")
    fb, fa = before["figures"], after["figures"]
    kb, ka = [_figure_key(f) for f in fb], [_figure_key(f) for f in fa]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, kb, ka, autojunk=False).get_opcodes():
        if op == "insert":
            if added is not None:
                added.extend(f"figure with traces {ka[j]}" for j in range(j1, j2))
            continue
        if op in ("equal", "replace") and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2)):
                out.extend(_compare_figures(i, fb[i], fa[j]))
            continue
        out.append(f"figures {i1 + 1}..{i2} before ({kb[i1:i2]}) are now {ka[j1:j2]}")
    for name in sorted(set(before["glue"]) | set(after["glue"])):
        if name not in before["glue"]:
            if added is not None:
                added.append(f"glued {name} = {after['glue'][name]!r}")
            continue
        if not _close(before["glue"].get(name), after["glue"].get(name)):
            out.append(f"glued {name}: before {before['glue'].get(name)!r}, now {after['glue'].get(name)!r}")
    return out


def executed_chapter(chapter: str) -> dict | None:
    """The executed notebook of ``book/<chapter>.md`` as it is now, from the build's cache."""
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


def fingerprints(folder: Path | None = None) -> dict[str, dict]:
    """Fingerprints of the executed chapters: from the build's cache, or from a folder of .ipynb."""
    if folder is not None:
        return {p.stem: notebook_fingerprint(json.loads(p.read_text())) for p in sorted(folder.glob("*.ipynb"))}
    out = {}
    for page in sorted(BOOK.glob("*.md")):
        nb = executed_chapter(page.stem)
        if nb is not None:
            out[page.stem] = notebook_fingerprint(nb)
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("record", "compare"):
        print(__doc__)
        return 2
    folder = Path(argv[1]) if len(argv) > 1 else None
    current = fingerprints(folder)
    if not current:
        print(f"no executed chapters in {folder or CACHE}: run `make book` first")
        return 1
    if argv[0] == "record":
        FIXTURES.mkdir(parents=True, exist_ok=True)
        for name, fp in current.items():
            (FIXTURES / f"{name}.json").write_text(json.dumps(fp, ensure_ascii=False, indent=0) + "\n")
        print(f"recorded {len(current)} chapters into {FIXTURES}")
        return 0
    bad = 0
    for name, fp in current.items():
        ref = FIXTURES / f"{name}.json"
        if not ref.exists():
            print(f"{name}: no recorded fingerprint")
            continue
        added: list[str] = []
        diff = differences(json.loads(ref.read_text()), fp, added)
        print(f"{name}: {'same' if not diff else f'{len(diff)} differences'}" + (f", {len(added)} added" if added else ""))
        for d in diff[:20]:
            print("  " + d)
        for a in added[:20]:
            print("  + " + a)
        bad += bool(diff)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
